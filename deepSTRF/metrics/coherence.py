"""Spectral coherence between a prediction and the trial-mean response."""

from __future__ import annotations

import torch

from .._checks import check_option, check_positive
from ._common import REDUCTIONS, out_dtype, psth, reduce, target_arg
from .correlation import _per_block, _prepare


def coherence(pred, gt=None, dt_ms: float | None = None, reduction: str = "mean", *, nperseg: int = 64, mask=None,
              target=None) -> torch.Tensor:
    """Magnitude-squared coherence averaged over frequencies (deepSTRF 0.1.0's signature and output).

    The mean of :func:`coherence_spectrum` over its frequencies above 0 Hz
    (0 Hz is removed with each segment's mean) up to the Nyquist frequency,
    ``1000 / (2 dt_ms)`` Hz.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions.
    gt : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged, NaN-aware) or a PSTH; ``target=`` is an alias.
    dt_ms : float
        Bin width in ms (the frequency axis: bin ``k`` is ``k * 1000 / (nperseg * dt_ms)`` Hz).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over neurons; ``'none'`` gives ``(N,)``.
    nperseg : int, default 64
        Welch segment length in bins.
    mask : torch.Tensor of bool, optional
        As :func:`deepSTRF.metrics.corrcoef`.

    target : torch.Tensor, optional
        Alias of ``gt`` (the name deepSTRF used before 0.1.0 compatibility); give one of the two.

    Returns
    -------
    torch.Tensor in ``pred``'s dtype, scalar or ``(N,)``.

    Examples
    --------
    The coherence of a prediction with the PSTH, averaged over frequencies (``dt_ms`` sets them).

    >>> from deepSTRF.metrics import coherence
    >>> g = torch.Generator().manual_seed(0)
    >>> psth = torch.rand(1, 2, 1, 512, generator=g)
    >>> c = coherence(psth, psth.expand(1, 2, 3, 512), 5.0, reduction="none")
    >>> c.shape, bool(torch.allclose(c, torch.ones(2)))
    (torch.Size([2]), True)
    """
    gt = target_arg(gt, target)
    if dt_ms is None:
        raise TypeError("coherence(pred, gt, dt_ms): dt_ms, the bin width in ms, is required")
    check_positive("dt_ms", dt_ms)
    spec = coherence_spectrum(pred, gt, nperseg=nperseg, mask=mask, reduction="none")  # (N, F)
    per = spec[:, 1:].mean(dim=1)
    return reduce(per, reduction).to(out_dtype(torch.as_tensor(pred)))


def _coherence_block(p: torch.Tensor, y: torch.Tensor, nperseg: int) -> torch.Tensor:
    """Coherence ``(n, nperseg // 2 + 1)`` of one block of neurons, ``p``, ``y`` ``(B, n, T)`` float64."""
    step = max(1, nperseg // 2)
    ps = p.unfold(-1, nperseg, step)  # (B, n, K, L)
    ys = y.unfold(-1, nperseg, step)
    ok = ~(torch.isnan(ps).any(-1) | torch.isnan(ys).any(-1))  # (B, n, K)
    win = torch.hann_window(nperseg, periodic=True, dtype=torch.float64, device=p.device)
    z = torch.zeros((), dtype=torch.float64, device=p.device)

    def spectrum(seg):
        seg = torch.where(ok.unsqueeze(-1), seg, z)
        return torch.fft.rfft((seg - seg.mean(-1, keepdim=True)) * win, dim=-1)

    P, Y = spectrum(ps), spectrum(ys)
    okc = ok.unsqueeze(-1)
    spy = torch.where(okc, P.conj() * Y, torch.zeros((), dtype=P.dtype, device=p.device)).sum(dim=(0, 2))
    spp = torch.where(okc, P.abs() ** 2, z).sum(dim=(0, 2))
    syy = torch.where(okc, Y.abs() ** 2, z).sum(dim=(0, 2))
    coh = spy.abs() ** 2 / (spp * syy)
    return torch.where((ok.sum(dim=(0, 2)) > 0).unsqueeze(-1), coh, torch.full_like(coh, float("nan")))


def coherence_spectrum(pred, target, nperseg: int = 64, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Magnitude-squared coherence ``|S_py|^2 / (S_pp S_yy)`` per frequency.

    Welch's method over every stimulus of the batch: Hann-windowed,
    mean-removed segments of ``nperseg`` bins with 50 % overlap; a segment
    holding any NaN (in the prediction or the trial mean) is left out.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions (e.g. a model's output for a collated batch).
    target : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged, NaN-aware) or a PSTH.
    nperseg : int, default 64
        Segment length in bins; frequencies are
        ``torch.fft.rfftfreq(nperseg, d=dt_ms / 1000)`` Hz.
    mask, reduction
        As :func:`deepSTRF.metrics.corrcoef`; ``'none'`` gives
        ``(N, nperseg // 2 + 1)``, ``'mean'`` averages over neurons.

    Returns
    -------
    torch.Tensor, float64. NaN for a neuron without a whole valid segment.

    Examples
    --------
    >>> from deepSTRF.metrics import coherence_spectrum
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.rand(1, 2, 1, 512, generator=g)
    >>> coherence_spectrum(x, x, nperseg=64, reduction="none").shape   # (N, nperseg // 2 + 1)
    torch.Size([2, 33])
    """
    check_positive("nperseg", nperseg, integer=True)
    pred, target, m = _prepare(pred, target, mask)
    if pred.shape[-1] < nperseg:
        raise ValueError(f"nperseg={nperseg} is longer than the batch's {pred.shape[-1]} bins")
    coh = _per_block(pred, target, m, lambda p, t, mb: _coherence_block(p, psth(t, mb), nperseg),
                     shape=(nperseg // 2 + 1,))
    check_option("reduction", reduction, REDUCTIONS)
    if reduction == "none":
        return coh
    return coh.nanmean(dim=0) if reduction == "mean" else coh.nansum(dim=0)
