"""Shape conventions and reductions shared by every metric.

Predictions are ``(B, N, 1, T)`` (``(B, N, T)`` accepted); targets are a
PSTH ``(B, N, 1, T)`` (``(B, N, T)`` accepted) or raw responses
``(B, N, R, T)``, as :func:`deepSTRF.utils.neural_collate` makes them.
NaN marks what is missing (sentinels, invalid repeats, padding). An optional
boolean ``mask`` broadcastable to ``(B, N, 1, T)`` removes further bins.

Statistics are accumulated per neuron over every valid (stimulus, bin) of
the batch, i.e. over the concatenation of the batch's stimuli; there is no
Python loop over neurons.
"""

from __future__ import annotations

import torch

from .._checks import check_option

REDUCTIONS = ("mean", "sum", "none")

# Every metric is computed per neuron, so work goes in blocks of neurons of
# about this many raw values: temporaries stay small (reused by the
# allocator instead of faulting in fresh pages) and mostly in cache.
_BLOCK_VALUES = 1 << 20  # 4 MiB of float32: a block's temporaries stay small and in reused memory


def neuron_blocks(x: torch.Tensor, share: float = 1.0) -> list[slice]:
    """Slices of the neuron axis (dim 1) of ``x`` ``(B, N, R, T)``, of about
    ``share * _BLOCK_VALUES`` values each (at least one neuron)."""
    per_neuron = max(1, x.shape[0] * x.shape[2] * x.shape[3])
    nb = max(1, int(_BLOCK_VALUES * share) // per_neuron)
    return [slice(i, min(i + nb, x.shape[1])) for i in range(0, x.shape[1], nb)]


def per_block(x: torch.Tensor, fn, n_out: int = 1, shape: tuple = (), dtype=torch.float64, share: float = 1.0):
    """``fn(sl)`` for every neuron block ``sl`` of ``x`` ``(B, N, R, T)``, gathered into
    ``(N, *shape)`` tensors allocated before the loop (one, or a tuple of ``n_out``).

    Gathering into tensors made up front, rather than keeping each block's
    small result and concatenating them, is what keeps a metric's memory
    flat in the batch size: a small result kept from every block sits on
    the heap between that block's temporaries and stops the allocator from
    reusing their memory, so the process grew by about one block's
    temporaries per block (measured: 1 to 250 MiB for the same call).
    ``fn`` returns one ``(n, *shape)`` tensor, or a tuple of ``n_out`` of them;
    ``dtype`` is one dtype, or a tuple of one per output; ``share`` scales
    the block size, for a function with more temporaries per value.
    Gradients flow through the gathering.
    """
    dtypes = dtype if isinstance(dtype, tuple) else (dtype,) * n_out
    outs = tuple(torch.empty((x.shape[1], *shape), dtype=d, device=x.device) for d in dtypes)
    for sl in neuron_blocks(x, share):
        res = fn(sl)
        for o, r in zip(outs, res if n_out > 1 else (res,)):
            o[sl] = r
    return outs if n_out > 1 else outs[0]


def as_4d(x: torch.Tensor, name: str) -> torch.Tensor:
    """``(B, N, T)`` -> ``(B, N, 1, T)``; ``(B, N, R, T)`` unchanged."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if x.dim() == 3:
        return x.unsqueeze(2)
    if x.dim() != 4:
        raise ValueError(f"{name} must be (B, N, R, T) or (B, N, T); got shape {tuple(x.shape)}")
    return x


def target_arg(gt, target, name: str = "gt"):
    """The target, given as ``gt`` (deepSTRF 0.1.0's name) or ``target`` (an alias)."""
    if gt is None and target is None:
        raise TypeError(f"missing the target responses: pass {name}= (or target=)")
    if gt is not None and target is not None:
        raise TypeError(f"{name} and target are the same argument; pass one of them")
    return gt if gt is not None else target


def out_dtype(x: torch.Tensor) -> torch.dtype:
    """The dtype a metric returns: the input's floating dtype (float32 for other inputs)."""
    return x.dtype if x.is_floating_point() and x.dtype in (torch.float32, torch.float64) else torch.float32


def work_dtype(x: torch.Tensor) -> torch.dtype:
    return torch.float64 if x.dtype == torch.float64 else torch.float32


def check_pair(pred: torch.Tensor, target: torch.Tensor) -> None:
    if pred.shape[2] != 1:
        raise ValueError(f"pred must have one repeat (B, N, 1, T); got shape {tuple(pred.shape)}")
    if pred.shape[:2] != target.shape[:2] or pred.shape[3] != target.shape[3]:
        raise ValueError(
            f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must agree on B, N and T"
        )


def bin_mask(mask, shape: tuple, device) -> torch.Tensor | None:
    """The user's mask broadcast to ``(B, N, 1, T)`` bool, or None."""
    if mask is None:
        return None
    if isinstance(mask, torch.Tensor) and mask.dtype == torch.bool and tuple(mask.shape) == tuple(shape):
        return mask
    m = torch.as_tensor(mask, device=device)
    if m.dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor; got dtype {m.dtype}")
    try:
        return torch.broadcast_to(m, shape)
    except RuntimeError:
        raise ValueError(f"mask of shape {tuple(m.shape)} does not broadcast to the PSTH shape {shape}") from None


def repeat_stats(x: torch.Tensor, mask, need_var: bool = True) -> dict:
    """Per-bin statistics over repeats of ``x`` ``(B, N, R, T)``.

    Returns ``count`` (valid repeats per bin), ``mean`` (PSTH, NaN where no
    repeat), ``var`` (unbiased variance over repeats, NaN where fewer than
    two), all ``(B, N, T)``; the PSTH and variance in float64.
    """
    dt = work_dtype(x)
    x = x.to(dt)
    valid = ~torch.isnan(x)
    m = bin_mask(mask, (x.shape[0], x.shape[1], 1, x.shape[3]), x.device)
    if m is not None:
        valid = valid & m
    count = count_true(valid, dim=2)
    xz = torch.where(valid, x, torch.zeros((), dtype=dt, device=x.device))
    total = xz.sum(dim=2)
    mean = total.double() / count
    if not need_var:
        return {"count": count, "mean": mean}
    if x.shape[2] == 1:
        var = torch.full_like(mean, float("nan"))
    else:
        dev = torch.where(valid, x - (total / count.clamp(min=1)).unsqueeze(2), torch.zeros((), dtype=dt, device=x.device))
        var = (dev * dev).sum(dim=2).double() / (count - 1)
        var = torch.where(count >= 2, var, torch.full_like(var, float("nan")))
    return {"count": count, "mean": mean, "var": var}


def psth(target: torch.Tensor, mask=None, dtype=torch.float64) -> torch.Tensor:
    """Trial mean ``(B, N, T)`` (in ``dtype``), NaN where no valid repeat (or masked).

    A NaN-aware mean over the repeat axis (in the input's precision: a
    mean of at most R values), then the cast."""
    if target.shape[2] == 1 and mask is None:
        return target[:, :, 0].to(dtype)
    x = target if target.is_floating_point() else target.float()
    if mask is not None:
        m = bin_mask(mask, (x.shape[0], x.shape[1], 1, x.shape[3]), x.device)
        x = torch.where(m, x, torch.full((), float("nan"), dtype=x.dtype, device=x.device))
    # torch.nanmean counts with a bool sum, which first casts the whole (B, N, R, T) mask to int64
    count = x.shape[2] - count_true(torch.isnan(x), dim=2)
    return (torch.nansum(x, dim=2) / count).to(dtype)  # 0 / 0 = NaN where no repeat


def count_true(b: torch.Tensor, dim: int) -> torch.Tensor:
    """``b.sum(dim)`` of a bool tensor as int32, without the input-sized int64 copy.

    ``torch.sum`` of a bool tensor casts its whole input to the output dtype
    first (8 bytes per value); summing the bytes as uint8 needs no copy, so
    the axis is summed 255 entries at a time (an uint8 never overflows) and
    the partial counts, a 255th of the input or less, are added in int32.
    """
    u = b.view(torch.uint8)
    n = b.shape[dim]
    if n <= 255:
        return u.sum(dim=dim, dtype=torch.uint8).to(torch.int32)
    out = None
    for start in range(0, n, 255):
        part = u.narrow(dim, start, min(255, n - start)).sum(dim=dim, dtype=torch.uint8).to(torch.int32)
        out = part if out is None else out.add_(part)
    return out


def reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce per-neuron values ``(N,)``: NaN neurons are ignored by ``'mean'`` and ``'sum'``."""
    check_option("reduction", reduction, REDUCTIONS)
    if reduction == "none":
        return values
    ok = ~torch.isnan(values)
    total = torch.where(ok, values, torch.zeros((), dtype=values.dtype, device=values.device)).sum()
    if reduction == "sum":
        return total
    n = ok.sum()
    return torch.where(n > 0, total / n.clamp(min=1), torch.full_like(total, float("nan")))  # no host sync


def paired_moments(a: torch.Tensor, b: torch.Tensor) -> dict:
    """Per-neuron moments of two ``(B, N, T)`` float64 series over bins where both are finite.

    Returns ``n``, means ``ma``, ``mb``, variances ``va``, ``vb`` (1/n) and
    covariance ``cov``, each ``(N,)``. One pass of float64 sums (the
    inputs are float64, so the cancellation in ``E[x^2] - E[x]^2`` costs
    at most ~1e-16 of the squared mean).
    """
    ok = ~(torch.isnan(a) | torch.isnan(b))
    n = ok.sum(dim=(0, 2)).double()
    z = torch.zeros((), dtype=a.dtype, device=a.device)
    a0 = torch.where(ok, a, z)
    b0 = torch.where(ok, b, z)
    ma = a0.sum(dim=(0, 2)) / n
    mb = b0.sum(dim=(0, 2)) / n
    return {
        "n": n,
        "ma": ma,
        "mb": mb,
        "va": (a0 * a0).sum(dim=(0, 2)) / n - ma * ma,
        "vb": (b0 * b0).sum(dim=(0, 2)) / n - mb * mb,
        "cov": (a0 * b0).sum(dim=(0, 2)) / n - ma * mb,
    }
