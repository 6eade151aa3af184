"""Training losses that ignore missing data (NaN) and stay differentiable.

Reductions follow deepSTRF 0.1.0: the loss is averaged over each neuron's
valid bins first; ``'mean'`` is then the mean over neurons (those without
a valid bin ignored), ``'sum'`` their sum, ``'none'`` the ``(N,)`` values.
A user ``mask`` is combined with the NaN mask (0.1.0 replaced it).
"""

from __future__ import annotations

import torch

from .._checks import check_option
from ._common import REDUCTIONS, as_4d, bin_mask, check_pair, per_block, psth, target_arg


def _per_neuron(pred, target, mask, elem_fn, validate=None) -> tuple:
    """Per neuron: the sum of ``elem_fn(pred, y)`` over valid bins and their count, ``(N,)`` each,
    computed block by block of neurons (the trial mean ``y`` of one block at a time)."""
    pred = as_4d(pred, "pred")
    target = as_4d(target, "gt")
    check_pair(pred, target)
    m = bin_mask(mask, (pred.shape[0], pred.shape[1], 1, pred.shape[3]), pred.device)

    def block(sl):
        with torch.no_grad():
            y = psth(target[:, sl], None if m is None else m[:, sl], pred.dtype)[:, :, None]
            valid = ~torch.isnan(y)
            if m is not None:
                valid = valid & m[:, sl]
            y = torch.where(valid, y, torch.zeros((), dtype=y.dtype, device=y.device))
        p = pred[:, sl]
        if validate is not None:
            validate(p, y, valid)
        elem = torch.where(valid, elem_fn(p, y), torch.zeros((), dtype=pred.dtype, device=pred.device))
        return elem.sum(dim=(0, 2, 3)), valid.sum(dim=(0, 2, 3))

    return per_block(target, block, n_out=2, dtype=(pred.dtype, torch.int64))


def _reduce_loss(total: torch.Tensor, count: torch.Tensor, reduction: str) -> torch.Tensor:
    """Per-neuron means over valid bins, then the mean / sum over neurons (no host sync)."""
    check_option("reduction", reduction, REDUCTIONS)
    zero = torch.zeros((), dtype=total.dtype, device=total.device)
    has = count > 0
    per = total / count.clamp(min=1)  # a finite value everywhere: NaN-free gradients
    if reduction == "none":
        return torch.where(has, per, torch.full_like(per, float("nan")))
    s = torch.where(has, per, zero).sum()
    if reduction == "sum":
        return s
    n = has.sum()
    return torch.where(n > 0, s / n.clamp(min=1), torch.full_like(s, float("nan")))


def poisson_loss(pred, gt=None, mask=None, reduction: str = "mean", log_input: bool = False,
                 validate_input: bool = False, eps: float = 1e-8, *, target=None) -> torch.Tensor:
    """Poisson negative log-likelihood against the trial mean ``y`` (without the ``log y!`` constant).

    ``pred - y log(max(pred, eps))``, or ``exp(pred) - y pred`` with ``log_input``.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predicted expected counts per bin (or their logs, with ``log_input``).
    gt : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged, NaN-aware) or a PSTH; NaN bins are ignored.
        ``target=`` is an alias.
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored too.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over neurons, of each neuron's mean over its valid bins (see the module notes).
    log_input : bool, default False
        ``pred`` holds log-rates.
    validate_input : bool, default False
        Raise if a prediction (rates, not logs) or a target value is negative.
    eps : float, default 1e-8
        Predictions below ``eps`` count as ``eps`` inside the log.

    target : torch.Tensor, optional
        Alias of ``gt`` (the name deepSTRF used before 0.1.0 compatibility); give one of the two.

    Returns
    -------
    torch.Tensor, in ``pred``'s dtype: a scalar, or ``(N,)`` for ``'none'``.

    Examples
    --------
    The Poisson negative log-likelihood (without the constant ``log(y!)``): ``pred - y log(pred)``.

    >>> from deepSTRF.metrics import poisson_loss
    >>> y = torch.tensor([0.0, 2.0]).reshape(1, 1, 1, 2)
    >>> rate = torch.tensor([1.0, 2.0]).reshape(1, 1, 1, 2)
    >>> bool(torch.isclose(poisson_loss(rate, y), (1.0 + 2.0 - 2.0 * torch.log(torch.tensor(2.0))) / 2))
    True
    >>> bool(torch.isclose(poisson_loss(rate.log(), y, log_input=True), poisson_loss(rate, y)))
    True
    """
    gt = target_arg(gt, target)

    def check(p, y, valid):
        if not log_input and bool((torch.where(valid, p, torch.zeros_like(p)) < 0).any()):
            raise ValueError("poisson_loss: pred holds negative rates (pass log_input=True for log-rates)")
        if bool((y < 0).any()):
            raise ValueError("poisson_loss: the target holds negative values; a Poisson count cannot be negative")

    def elem(p, y):
        return torch.exp(p) - y * p if log_input else p - y * torch.log(p.clamp(min=eps))

    return _reduce_loss(*_per_neuron(pred, gt, mask, elem, check if validate_input else None), reduction)


def mse_loss(pred, gt=None, mask=None, reduction: str = "mean", *, target=None) -> torch.Tensor:
    """Mean squared error against the trial mean; NaN bins ignored.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions.
    gt : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Responses (their trial mean is the target); ``target=`` is an alias.
    mask : torch.Tensor, optional
        Bins to use, combined with the NaN mask.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        As :func:`poisson_loss`.

    target : torch.Tensor, optional
        Alias of ``gt`` (the name deepSTRF used before 0.1.0 compatibility); give one of the two.

    Returns
    -------
    torch.Tensor, in ``pred``'s dtype.

    Examples
    --------
    Per neuron first, then the mean over neurons (as 0.1.0): neuron 0 is off by 1, neuron 1 by 3.

    >>> from deepSTRF.metrics import mse_loss
    >>> gt = torch.zeros(1, 2, 1, 4)
    >>> pred = torch.tensor([1.0, 3.0]).reshape(1, 2, 1, 1).expand(1, 2, 1, 4)
    >>> mse_loss(pred, gt), mse_loss(pred, gt, reduction="none")
    (tensor(5.), tensor([1., 9.]))
    """
    gt = target_arg(gt, target)
    return _reduce_loss(*_per_neuron(pred, gt, mask, lambda p, y: (p - y) ** 2), reduction)
