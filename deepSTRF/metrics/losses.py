"""Training losses that ignore missing data (NaN) and stay differentiable."""

from __future__ import annotations

import torch

from .._checks import check_option
from ._common import REDUCTIONS, as_4d, bin_mask, check_pair, psth


def _target(pred, target, mask):
    pred = as_4d(pred, "pred")
    target = as_4d(target, "target")
    check_pair(pred, target)
    y = psth(target, mask).to(pred.dtype)[:, :, None]
    valid = ~torch.isnan(y)
    return pred, torch.where(valid, y, torch.zeros((), dtype=y.dtype, device=y.device)), valid


def _reduce_loss(elem: torch.Tensor, valid: torch.Tensor, reduction: str) -> torch.Tensor:
    check_option("reduction", reduction, REDUCTIONS)
    elem = torch.where(valid, elem, torch.zeros((), dtype=elem.dtype, device=elem.device))
    if reduction == "sum":
        return elem.sum()
    if reduction == "mean":
        return elem.sum() / valid.sum().clamp(min=1)
    per = elem.sum(dim=(0, 2, 3)) / valid.sum(dim=(0, 2, 3))
    return per  # NaN for a neuron with no valid bin


def poisson_loss(pred, target, mask=None, reduction: str = "mean", eps: float = 1e-8) -> torch.Tensor:
    """Poisson negative log-likelihood ``pred - y log(pred + eps)`` (without the
    ``log y!`` constant) against the trial mean ``y``.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predicted expected counts per bin (non-negative).
    target : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged, NaN-aware) or a PSTH; NaN bins are ignored.
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored too.
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` over valid bins; ``'none'`` per neuron ``(N,)``.
    eps : float, default 1e-8
        Added to ``pred`` inside the log.
    """
    pred, y, valid = _target(pred, target, mask)
    m = bin_mask(mask, tuple(pred.shape), pred.device)
    valid = valid if m is None else valid & m
    return _reduce_loss(pred - y * torch.log(pred + eps), valid, reduction)


def mse_loss(pred, target, mask=None, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error against the trial mean; NaN bins ignored.
    Arguments as :func:`poisson_loss`.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions.
    target : torch.Tensor, shape (B, N, R, T)
        Responses (their trial mean is the target).
    mask : torch.Tensor, optional
        Bins to use, combined with the NaN mask.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        As :func:`poisson_loss`.
    """
    pred, y, valid = _target(pred, target, mask)
    m = bin_mask(mask, tuple(pred.shape), pred.device)
    valid = valid if m is None else valid & m
    return _reduce_loss((pred - y) ** 2, valid, reduction)
