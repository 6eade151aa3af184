"""Signal and noise power of repeated responses (Sahani & Linden 2003).

The estimator, per neuron and stimulus, over the bins ``t`` with at least
two valid repeats: with ``ybar(t)`` the trial mean, ``v(t)`` the unbiased
variance across the ``R_t`` valid repeats of bin ``t``, and ``Var_t`` the
variance over bins,

    noise power   NP = mean_t v(t)                     (one trial's noise)
    signal power  SP = Var_t(ybar) - mean_t(v(t) / R_t)

This is Sahani & Linden's unbiased estimator, ``SP = (R P_Y - P_TR) /
(R - 1)``, written per bin so that a repeat marked invalid (NaN) only
removes itself; with every repeat valid the two agree up to the trials'
own time means (an O(noise / T) difference). Values across stimuli of
different durations are averaged with weights equal to their bin counts
(length-weighted). With a single repeat there is no noise estimate: the
result is NaN, never a number that would look like a ceiling.

Reference: Sahani M, Linden JF (2003). How linear are auditory cortical
responses? NIPS 15.
"""

from __future__ import annotations

import torch

from ._common import as_4d, reduce, repeat_stats


def _sums(responses: torch.Tensor, mask=None, extra_valid: torch.Tensor | None = None) -> dict:
    """Per (stim, neuron) sums over bins with >= 2 valid repeats, float64, ``(B, N)`` each."""
    st = repeat_stats(as_4d(responses, "responses"), mask)
    ok = st["count"] >= 2
    if extra_valid is not None:
        ok = ok & extra_valid
    z = torch.zeros((), dtype=torch.float64, device=ok.device)
    y = torch.where(ok, st["mean"], z)
    v = torch.where(ok, st["var"], z)
    return {
        "T": ok.sum(dim=2).double(),
        "S1": y.sum(dim=2),
        "S2": (y * y).sum(dim=2),
        "Vr": torch.where(ok, v / st["count"].clamp(min=1), z).sum(dim=2),
        "V": v.sum(dim=2),
        "ok": ok,
        "mean": st["mean"],
    }


def _per_neuron(s: dict) -> dict:
    """Length-weighted signal and noise power per neuron ``(N,)`` from per-stimulus sums."""
    T = s["T"]
    used = T >= 2
    z = torch.zeros((), dtype=torch.float64, device=T.device)
    Tn = torch.where(used, T, z).sum(dim=0)
    within = torch.where(used, s["S2"] - s["S1"] ** 2 / T.clamp(min=1), z).sum(dim=0)
    sp = (within - torch.where(used, s["Vr"], z).sum(dim=0)) / Tn
    npow = torch.where(used, s["V"], z).sum(dim=0) / Tn
    nan = torch.full_like(sp, float("nan"))
    return {"signal": torch.where(Tn > 0, sp, nan), "noise": torch.where(Tn > 0, npow, nan)}


def signal_power(responses: torch.Tensor, mask=None, reduction: str = "none") -> torch.Tensor:
    """Sahani-Linden signal power per neuron (see the module docstring).

    Parameters
    ----------
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats; NaN where missing. Needs R >= 2 (else NaN).
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        Over neurons; ``'none'`` gives ``(N,)``.

    Returns
    -------
    torch.Tensor, float64, shape (N,) or scalar
        In squared response units (e.g. spikes^2 per bin^2).
    """
    return reduce(_per_neuron(_sums(responses, mask))["signal"], reduction)


def noise_power(responses: torch.Tensor, mask=None, reduction: str = "none") -> torch.Tensor:
    """Sahani-Linden noise power per neuron: the variance of one trial around
    the trial mean, length-weighted over stimuli. Shapes as :func:`signal_power`."""
    return reduce(_per_neuron(_sums(responses, mask))["noise"], reduction)


def snr(responses: torch.Tensor, mask=None, reduction: str = "none") -> torch.Tensor:
    """Signal-to-noise ratio ``signal_power / noise_power`` per neuron
    (Sahani & Linden 2003). Shapes as :func:`signal_power`; NaN with R = 1."""
    p = _per_neuron(_sums(responses, mask))
    return reduce(p["signal"] / p["noise"], reduction)


def ccmax_from_sums(s: dict) -> torch.Tensor:
    """Schoppe et al. (2016) ``CC_max = sqrt(SP / Var(ybar))`` on the concatenation of
    the stimuli, ``(N,)``; 0 where no signal is measurable, NaN without repeats."""
    used = s["T"] >= 2
    z = torch.zeros((), dtype=torch.float64, device=used.device)
    Tn = torch.where(used, s["T"], z).sum(dim=0)
    m1 = torch.where(used, s["S1"], z).sum(dim=0) / Tn
    m2 = torch.where(used, s["S2"], z).sum(dim=0) / Tn
    var_y = m2 - m1**2
    sp = var_y - torch.where(used, s["Vr"], z).sum(dim=0) / Tn
    cc = torch.sqrt(sp.clamp(min=0) / var_y)
    return torch.where((Tn > 0) & (var_y > 0), cc, torch.full_like(cc, float("nan")))
