"""Correlation-based scores of a prediction against responses.

All functions take ``pred`` ``(B, N, 1, T)`` (or ``(B, N, T)``) and a target
``(B, N, R, T)`` (a PSTH when ``R = 1``), NaN marking what is missing, and
return one value per neuron computed over the concatenation of the batch's
stimuli (``reduction='none'``: ``(N,)``; ``'mean'``: NaN neurons ignored).
A neuron with fewer than 2 valid bins, or a constant prediction or
response, gives NaN.
"""

from __future__ import annotations

import torch

from .._checks import check_option, check_positive
from ._common import as_4d, bin_mask, check_pair, paired_moments, psth, reduce, work_dtype
from .reliability import _sums, ccmax_from_sums

CCMAX_METHODS = ("schoppe", "hsu")


def _prepare(pred, target, mask):
    pred = as_4d(pred, "pred")
    target = as_4d(target, "target")
    check_pair(pred, target)
    p = pred[:, :, 0].double()
    m = bin_mask(mask, (pred.shape[0], pred.shape[1], 1, pred.shape[3]), pred.device)
    if m is not None:
        p = torch.where(m[:, :, 0], p, torch.full_like(p, float("nan")))
    return p, target


def _pearson(mo: dict) -> torch.Tensor:
    cc = mo["cov"] / torch.sqrt(mo["va"] * mo["vb"])
    ok = (mo["n"] >= 2) & (mo["va"] > 0) & (mo["vb"] > 0)
    return torch.where(ok, cc, torch.full_like(cc, float("nan")))


def corrcoef(pred, target, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Pearson correlation between the prediction and the trial-mean response.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
    target : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged over repeats with a NaN-aware mean) or a PSTH.
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored, in addition
        to NaN bins.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    torch.Tensor, float64, ``(N,)`` for ``'none'``, else a scalar.
    With R = 1 this is the correlation with the single trial.
    """
    p, target = _prepare(pred, target, mask)
    return reduce(_pearson(paired_moments(p, psth(target, mask))), reduction)


def fve(pred, target, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Fraction of the trial-mean response's variance explained by the prediction,
    ``1 - sum (y - pred)^2 / sum (y - mean y)^2`` per neuron (can be negative).

    Shapes and NaN handling as :func:`corrcoef`.
    """
    p, target = _prepare(pred, target, mask)
    y = psth(target, mask)
    mo = paired_moments(p, y)
    ok = ~(torch.isnan(p) | torch.isnan(y))
    z = torch.zeros((), dtype=torch.float64, device=p.device)
    sse = torch.where(ok, (y - p) ** 2, z).sum(dim=(0, 2)) / mo["n"]
    out = 1.0 - sse / mo["vb"]
    good = (mo["n"] >= 2) & (mo["vb"] > 0)
    return reduce(torch.where(good, out, torch.full_like(out, float("nan"))), reduction)


def _split_half_r(target: torch.Tensor, mask, n_splits: int, seed: int) -> torch.Tensor:
    """Mean correlation between the PSTHs of two random halves of the repeats, ``(N,)``."""
    x = target.to(work_dtype(target))
    valid = ~torch.isnan(x)
    m = bin_mask(mask, (x.shape[0], x.shape[1], 1, x.shape[3]), x.device)
    if m is not None:
        valid = valid & m
    xz = torch.where(valid, x, torch.zeros((), dtype=x.dtype, device=x.device))
    vf = valid.to(x.dtype)
    rep_ok = valid.any(dim=3)  # (B, N, R)
    n_rep = rep_ok.sum(dim=2, keepdim=True)  # (B, N, 1)
    half = n_rep // 2
    gen = torch.Generator(device="cpu").manual_seed(seed)
    rs = []
    for _ in range(n_splits):
        keys = torch.rand(rep_ok.shape, generator=gen).to(x.device)
        keys = torch.where(rep_ok, keys, torch.full_like(keys, 2.0))
        rank = keys.argsort(dim=2).argsort(dim=2)
        w = torch.stack([(rank < half), (rank >= half) & (rank < n_rep)], dim=2).to(x.dtype)  # (B, N, 2, R)
        sums = w @ xz  # (B, N, 2, T)
        counts = w @ vf
        halves = (sums.double() / counts.double())  # NaN where a half has no valid repeat
        ok = (n_rep >= 2).unsqueeze(-1)
        halves = torch.where(ok, halves, torch.full_like(halves, float("nan")))
        rs.append(_pearson(paired_moments(halves[:, :, 0], halves[:, :, 1])))
    return torch.stack(rs).nanmean(dim=0)


def compute_CCmax(responses, method: str = "schoppe", mask=None, n_splits: int = 20, seed: int = 0,
                  reduction: str = "none") -> torch.Tensor:
    """The noise ceiling: the largest correlation a perfect model could reach.

    Parameters
    ----------
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats (R >= 2 needed; R = 1 gives NaN: there is no ceiling to
        estimate from one trial).
    method : {'schoppe', 'hsu'}
        ``'schoppe'``: ``sqrt(SP / Var(ybar))`` with the Sahani-Linden signal
        power ``SP`` of the concatenated stimuli (Schoppe et al. 2016).
        ``'hsu'``: split-half correlation ``r`` of two random halves of the
        repeats, averaged over ``n_splits`` splits, corrected to the full set
        by Spearman-Brown, ``sqrt(2 r / (1 + r))`` (Hsu, Borst & Theunissen
        2004; 0 where ``r <= 0``).
    mask, reduction
        As :func:`corrcoef`.
    n_splits, seed : int
        Random splits for ``'hsu'`` (reproducible for a given seed).

    Returns
    -------
    torch.Tensor, float64, ``(N,)`` or scalar.
    """
    check_option("method", method, CCMAX_METHODS)
    responses = as_4d(responses, "responses")
    if method == "schoppe":
        return reduce(ccmax_from_sums(_sums(responses, mask)), reduction)
    check_positive("n_splits", n_splits, integer=True)
    r = _split_half_r(responses, mask, n_splits, seed)
    cc = torch.sqrt((2 * r / (1 + r)).clamp(min=0))
    return reduce(cc, reduction)


def normalized_corrcoef(pred, responses, method: str = "schoppe", mask=None, reduction: str = "mean",
                        n_splits: int = 20, seed: int = 0) -> torch.Tensor:
    """Correlation normalised by the noise ceiling, ``CC_abs / CC_max``.

    ``'schoppe'`` (Schoppe, Harper, Willmore, King & Schnupp 2016):
    ``Cov(pred, ybar) / sqrt(Var(pred) * SP)``, over the bins with at least
    two valid repeats, ``SP`` the Sahani-Linden signal power of the
    concatenated stimuli. ``'hsu'`` (Hsu et al. 2004): the correlation with
    the trial mean divided by the split-half ``CC_max`` of
    :func:`compute_CCmax`.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats, R >= 2. With R = 1 the result is NaN (no noise ceiling).
    method : {'schoppe', 'hsu'}
    mask, reduction
        As :func:`corrcoef`.

    Returns
    -------
    torch.Tensor, float64, ``(N,)`` or scalar. NaN for a neuron without a
    measurable signal (``CC_max = 0``).
    """
    check_option("method", method, CCMAX_METHODS)
    p, responses = _prepare(pred, responses, mask)
    if method == "schoppe":
        s = _sums(responses, mask, extra_valid=~torch.isnan(p))
        ybar = torch.where(s["ok"], s["mean"], torch.full_like(s["mean"], float("nan")))
        mo = paired_moments(p, ybar)
        ccmax = ccmax_from_sums(s)
        cc = _pearson(mo) / ccmax
    else:
        cc = _pearson(paired_moments(p, psth(responses, mask)))
        ccmax = compute_CCmax(responses, "hsu", mask, n_splits, seed)
        cc = cc / ccmax
    cc = torch.where(ccmax > 0, cc, torch.full_like(cc, float("nan")))
    return reduce(cc, reduction)
