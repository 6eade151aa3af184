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

from ._common import as_4d, bin_mask, out_dtype, per_block, reduce, repeat_stats


def repeat_sums(responses: torch.Tensor, mask=None, extra_valid: torch.Tensor | None = None) -> dict:
    """Additive per-(stim, neuron) sums over bins with >= 2 valid repeats, float64 ``(B, N)``.

    ``T`` bins, ``S1``/``S2`` sum of the trial mean and of its square, ``Vr``
    sum of ``v / R_t``, ``V`` sum of ``v``, ``W`` the within-stimulus sum of
    squares ``S2 - S1^2 / T``; all zero for a pair with fewer than 2 such
    bins. Also ``ok`` (bins used) and ``mean`` (the PSTH), ``(B, N, T)``.
    """
    st = repeat_stats(as_4d(responses, "responses"), mask)
    ok = st["count"] >= 2
    if extra_valid is not None:
        ok = ok & extra_valid
    z = torch.zeros((), dtype=torch.float64, device=ok.device)
    y = torch.where(ok, st["mean"], z)
    v = torch.where(ok, st["var"], z)
    T = ok.sum(dim=2).double()
    used = T >= 2
    out = {
        "T": T,
        "S1": y.sum(dim=2),
        "S2": (y * y).sum(dim=2),
        "Vr": torch.where(ok, v / st["count"].clamp(min=1), z).sum(dim=2),
        "V": v.sum(dim=2),
    }
    out["W"] = out["S2"] - out["S1"] ** 2 / T.clamp(min=1)
    out = {k: torch.where(used, val, z) for k, val in out.items()}
    out["ok"] = ok & used.unsqueeze(-1)
    out["mean"] = st["mean"]
    return out


TOTAL_KEYS = ("T", "S1", "S2", "Vr", "V", "W")


def totals(s: dict) -> dict:
    """Per-neuron totals ``(N,)`` of the additive sums of :func:`repeat_sums`."""
    return {k: s[k].sum(dim=0) for k in TOTAL_KEYS}


def powers(tot: dict) -> dict:
    """Length-weighted signal and noise power per neuron from totals; NaN without repeats."""
    T = tot["T"]
    nan = torch.full_like(T, float("nan"))
    sp = torch.where(T > 0, (tot["W"] - tot["Vr"]) / T, nan)
    npow = torch.where(T > 0, tot["V"] / T, nan)
    return {"signal": sp, "noise": npow}


def _powers(responses, mask) -> dict:
    """Signal and noise power ``(N,)``, computed block by block of neurons."""
    x = as_4d(responses, "responses")
    m = bin_mask(mask, (x.shape[0], x.shape[1], 1, x.shape[3]), x.device)

    def block(sl):
        p = powers(totals(repeat_sums(x[:, sl], None if m is None else m[:, sl])))
        return p["signal"], p["noise"]

    signal, noise = per_block(x, block, n_out=2)
    return {"signal": signal, "noise": noise}


def signal_power(responses: torch.Tensor, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Sahani-Linden signal power per neuron (see the module docstring).

    Parameters
    ----------
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats; NaN where missing. Needs R >= 2 (else NaN).
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over neurons (NaN neurons ignored), as in deepSTRF 0.1.0; ``'none'`` gives ``(N,)``.

    Returns
    -------
    torch.Tensor in the responses' dtype, scalar or shape (N,)
        In squared response units (e.g. spikes^2 per bin^2).

    Examples
    --------
    Identical repeats carry no noise: all their power is signal.

    >>> from deepSTRF.metrics import noise_power, signal_power
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> r = torch.stack([x, x]).reshape(1, 1, 2, 8)       # (B, N, R, T)
    >>> bool(torch.isclose(signal_power(r), x.var(unbiased=False))), noise_power(r)
    (True, tensor(0.))
    """
    return reduce(_powers(responses, mask)["signal"], reduction).to(out_dtype(as_4d(responses, "responses")))


def noise_power(responses: torch.Tensor, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Sahani-Linden noise power per neuron: the variance of one trial around
    the trial mean, length-weighted over stimuli. Shapes as :func:`signal_power`.

    Parameters
    ----------
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats (NaN where absent).
    mask : torch.Tensor, optional
        Bins to use.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        The mean over neurons (as in 0.1.0), or one value per neuron.

    Examples
    --------
    Two repeats differing by +-1 in every bin: the noise power is the variance around the mean, 0.5.

    >>> from deepSTRF.metrics import noise_power
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> noise_power(torch.stack([x, x + torch.tensor([1.0, -1.0] * 4)]).reshape(1, 1, 2, 8))
    tensor(0.5000)
    """
    return reduce(_powers(responses, mask)["noise"], reduction).to(out_dtype(as_4d(responses, "responses")))


def snr(responses: torch.Tensor, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Signal-to-noise ratio ``signal_power / noise_power`` per neuron
    (Sahani & Linden 2003). Shapes as :func:`signal_power`; NaN with R = 1.

    Parameters
    ----------
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats (NaN where absent).
    mask : torch.Tensor, optional
        Bins to use.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        The mean over neurons (as in 0.1.0), or one value per neuron.

    Examples
    --------
    >>> from deepSTRF.metrics import snr
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> r = torch.stack([x, x + torch.tensor([1.0, -1.0] * 4)]).reshape(1, 1, 2, 8)
    >>> snr(r), snr(r, reduction="none").shape   # 0.1.0's default: 'mean', a scalar
    (tensor(0.4688), torch.Size([1]))
    """
    p = _powers(responses, mask)
    return reduce(p["signal"] / p["noise"], reduction).to(out_dtype(as_4d(responses, "responses")))


def ccmax(tot: dict) -> torch.Tensor:
    """Schoppe et al. (2016) ``CC_max = sqrt(SP / Var(ybar))`` on the concatenation of
    the stimuli, from per-neuron totals ``(N,)``; 0 where no signal is
    measurable, NaN without repeats."""
    T = tot["T"]
    m1 = tot["S1"] / T
    var_y = tot["S2"] / T - m1**2
    sp = var_y - tot["Vr"] / T
    cc = torch.sqrt(sp.clamp(min=0) / var_y)
    return torch.where((T > 0) & (var_y > 0), cc, torch.full_like(cc, float("nan")))
