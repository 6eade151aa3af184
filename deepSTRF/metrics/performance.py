"""``deepSTRF.metrics.performance``: deepSTRF 0.1.0's per-cell reliability helpers.

Both take one cell's responses ``(B, R, T)`` (stimuli, repeats, bins; NaN
where missing) and return a scalar, or a population's ``(B, N, R, T)`` and
return ``(N,)``; they run on the input's device, without host syncs.
"""

from __future__ import annotations

import torch

from .._checks import check_positive
from ._common import out_dtype, per_block
from .correlation import _split_half_r, _split_keys


def _cells(responses, name: str) -> tuple[torch.Tensor, bool]:
    x = responses if isinstance(responses, torch.Tensor) else torch.as_tensor(responses)
    if x.dim() == 3:
        return x.unsqueeze(1), True
    if x.dim() != 4:
        raise ValueError(f"{name} must be one cell's (B, R, T) or a population's (B, N, R, T); "
                         f"got shape {tuple(x.shape)}")
    return x, False


def compute_CCmax(responses, max_iters: int = 126, seed: int = 0) -> torch.Tensor:
    """Hsu, Borst & Theunissen (2004) noise ceiling per cell, as deepSTRF 0.1.0 computed it.

    Per stimulus with at least two valid repeats: the split-half correlation
    ``r`` of two random halves of the repeats (mean over ``max_iters``
    splits), Spearman-Brown corrected, ``sqrt(2 r / (1 + r))``; stimuli with
    ``r <= 0`` are dropped; the rest are averaged with weights equal to
    their valid bins.

    Parameters
    ----------
    responses : torch.Tensor, shape (B, R, T) or (B, N, R, T)
        One cell's, or a population's, repeats.
    max_iters : int, default 126
        Random split-halves per stimulus.
    seed : int, default 0
        Seed of the splits.

    Returns
    -------
    torch.Tensor in the input's dtype: a scalar for ``(B, R, T)``, else ``(N,)``.
    1.0 for a cell with no stimulus of two valid repeats (no ceiling can be
    estimated: 0.1.0's convention); NaN for a cell whose every such stimulus
    has ``r <= 0``.

    Examples
    --------
    deepSTRF 0.1.0's per-cell form: ``(B, R, T)`` for one cell.

    >>> from deepSTRF.metrics.performance import compute_CCmax
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> compute_CCmax(torch.stack([x, x, x])[None])
    tensor(1.)
    >>> compute_CCmax(x[None, None])              # one repeat: 1.0, as in 0.1.0
    tensor(1.)
    """
    check_positive("max_iters", max_iters, integer=True)
    x, single = _cells(responses, "responses")
    B, N, R, T = x.shape
    # one split pattern per stimulus, shared by every cell: a cell's value does not depend on the others
    keys = _split_keys(max_iters, B, range(1), R, seed, x.device)  # (S, B, 1, R)
    z = torch.zeros((), dtype=torch.float64, device=x.device)

    def block(sl):
        xb = x[:, sl]
        n = xb.shape[1]
        flat = xb.reshape(1, B * n, R, T)  # every (stimulus, cell) its own unit: r per stimulus
        r = _split_half_r(flat, None, keys.expand(max_iters, B, n, R).reshape(max_iters, 1, B * n, R)).reshape(B, n)
        valid = ~torch.isnan(xb)
        repeated = valid.any(dim=3).sum(dim=2) >= 2  # (B, n)
        bins = valid.any(dim=2).sum(dim=2).to(torch.float64)  # (B, n)
        keep = repeated & torch.isfinite(r) & (r > 0)
        c = torch.sqrt(torch.where(keep, 2 * r / (1 + r), z))
        w = torch.where(keep, bins, z)
        out = (c * w).sum(dim=0) / w.sum(dim=0)
        out = torch.where(repeated.any(dim=0), out, torch.ones_like(out))  # no repeated stimulus: 1.0
        return torch.where(repeated.any(dim=0) & (w.sum(dim=0) == 0), torch.full_like(out, float("nan")), out)

    out = per_block(x, block)
    out = out.to(out_dtype(x))
    return out[0] if single else out


def compute_TTRC(responses) -> torch.Tensor:
    """Trial-to-trial response correlation per cell: the mean Pearson correlation over the
    pairs of trials, each pair over the bins (of all stimuli) where both trials have a value.

    Parameters
    ----------
    responses : torch.Tensor, shape (B, R, T) or (B, N, R, T)
        One cell's, or a population's, repeats (NaN where missing).

    Returns
    -------
    torch.Tensor in the input's dtype: a scalar for ``(B, R, T)``, else ``(N,)``.
    1.0 for R = 1 (as deepSTRF 0.1.0); NaN for a cell without a pair of
    trials sharing two valid bins.

    Examples
    --------
    The mean correlation between trials: identical trials give 1.

    >>> from deepSTRF.metrics.performance import compute_TTRC
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> compute_TTRC(torch.stack([x, x])[None]), compute_TTRC(torch.stack([x, -x])[None])
    (tensor(1.), tensor(-1.))
    """
    x, single = _cells(responses, "responses")
    B, N, R, T = x.shape
    if R == 1:
        out = torch.ones(N, dtype=out_dtype(x), device=x.device)
        return out[0] if single else out
    pair = torch.triu(torch.ones(R, R, dtype=torch.bool, device=x.device), diagonal=1)
    z = torch.zeros((), dtype=torch.float64, device=x.device)

    def block(sl):
        n_cells = len(range(N)[sl])
        # (cell, trial, stimulus x bin), float64: the sums below are R x R matrix products
        xz = x[:, sl].permute(1, 2, 0, 3).reshape(n_cells, R, B * T).double()
        v = (~torch.isnan(xz)).double()
        xz.nan_to_num_(nan=0.0)
        # per (cell, trial i, trial j), summed over stimuli and bins where both trials are valid
        n = v @ v.mT
        sx = xz @ v.mT  # sum of trial i over the joint bins
        sxy = xz @ xz.mT
        sxx = xz.square_() @ v.mT
        sy = sx.transpose(1, 2)
        syy = sxx.transpose(1, 2)
        nn = n.clamp(min=1)
        cov = sxy / nn - (sx / nn) * (sy / nn)
        vx = sxx / nn - (sx / nn) ** 2
        vy = syy / nn - (sy / nn) ** 2
        r = cov / torch.sqrt(vx * vy)
        ok = pair & (n >= 2) & (vx > 0) & (vy > 0)
        count = ok.sum(dim=(1, 2))
        out = torch.where(ok, r, z).sum(dim=(1, 2)) / count.clamp(min=1)
        return torch.where(count > 0, out, torch.full_like(out, float("nan")))

    out = per_block(x, block, share=0.5).to(out_dtype(x))  # three float64 copies of a block
    return out[0] if single else out


__all__ = ["compute_CCmax", "compute_TTRC"]
