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
import warnings

from ._common import as_4d, bin_mask, check_pair, out_dtype, paired_moments, per_block, psth, reduce, target_arg
from .reliability import ccmax, repeat_sums, totals

CCMAX_METHODS = ("schoppe", "hsu")


def _prepare(pred, target, mask):
    """Checked ``pred`` ``(B, N, 1, T)``, ``target`` ``(B, N, R, T)`` and the mask
    broadcast to ``(B, N, 1, T)`` (or None)."""
    pred = as_4d(pred, "pred")
    target = as_4d(target, "target")
    check_pair(pred, target)
    m = bin_mask(mask, (pred.shape[0], pred.shape[1], 1, pred.shape[3]), pred.device)
    return pred, target, m


def _block(pred, target, m, sl):
    """One neuron block ``sl``: prediction ``(B, n, T)`` float64 (NaN where masked),
    target ``(B, n, R, T)`` and mask ``(B, n, 1, T)`` or None."""
    p = pred[:, sl, 0].double()
    mb = None if m is None else m[:, sl]
    if mb is not None:
        p = torch.where(mb[:, :, 0], p, torch.full_like(p, float("nan")))
    return p, target[:, sl], mb


def _per_block(pred, target, m, fn, **kw):
    """``fn(p, t, mb)`` of every neuron block (see :func:`_block`), gathered per neuron."""
    return per_block(target, lambda sl: fn(*_block(pred, target, m, sl)), **kw)


def _pearson(mo: dict) -> torch.Tensor:
    cc = mo["cov"] / torch.sqrt(mo["va"] * mo["vb"])
    ok = (mo["n"] >= 2) & (mo["va"] > 0) & (mo["vb"] > 0)
    return torch.where(ok, cc, torch.full_like(cc, float("nan")))


def corrcoef(pred, gt=None, mask=None, reduction: str = "mean", *, target=None) -> torch.Tensor:
    """Pearson correlation between the prediction and the trial-mean response.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions (e.g. a model's output for a collated batch).
    gt : torch.Tensor, shape (B, N, R, T) or (B, N, T)
        Raw repeats (averaged over repeats with a NaN-aware mean) or a PSTH
        (deepSTRF 0.1.0's name; ``target=`` is an alias).
    mask : torch.Tensor of bool, optional
        Broadcastable to ``(B, N, 1, T)``; False bins are ignored, in addition
        to NaN bins.
    reduction : {'mean', 'sum', 'none'}
        The mean or sum over neurons, or one value per neuron.

    target : torch.Tensor, optional
        Alias of ``gt`` (the name deepSTRF used before 0.1.0 compatibility); give one of the two.

    Returns
    -------
    torch.Tensor in ``pred``'s dtype (float32 in, float32 out; computed in
    float64), ``(N,)`` for ``'none'``, else a scalar. With R = 1 this is the
    correlation with the single trial.

    Examples
    --------
    A prediction equal to the PSTH correlates perfectly; NaN (padding, sentinels) is ignored.

    >>> from deepSTRF.metrics import corrcoef
    >>> psth = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 3.0]).reshape(1, 1, 1, 6)  # (B, N, 1, T)
    >>> responses = torch.cat([psth, psth], dim=2)                              # (B, N, R=2, T)
    >>> corrcoef(psth, gt=responses)
    tensor(1.)
    >>> corrcoef(-psth, gt=responses, reduction="none")    # (N,)
    tensor([-1.])
    """
    pred, target, m = _prepare(pred, target_arg(gt, target), mask)
    cc = _per_block(pred, target, m, lambda p, t, mb: _pearson(paired_moments(p, psth(t, mb))))
    return reduce(cc, reduction).to(out_dtype(pred))


def fve(pred, gt=None, mask=None, reduction: str = "mean", *, target=None) -> torch.Tensor:
    """Fraction of the trial-mean response's variance explained by the prediction,
    ``1 - sum (y - pred)^2 / sum (y - mean y)^2`` per neuron (can be negative).

    Shapes and NaN handling as :func:`corrcoef`.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions.
    gt : torch.Tensor, shape (B, N, R, T)
        Responses (their trial mean is the target); ``target=`` is an alias.
    mask : torch.Tensor, optional
        Bins to use, combined with the NaN mask.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        The mean over neurons, or one value per neuron.

    target : torch.Tensor, optional
        Alias of ``gt`` (the name deepSTRF used before 0.1.0 compatibility); give one of the two.

    Returns
    -------
    torch.Tensor in ``pred``'s dtype.

    Examples
    --------
    >>> from deepSTRF.metrics import fve
    >>> y = torch.tensor([0.0, 1.0, 0.0, 2.0]).reshape(1, 1, 1, 4)
    >>> fve(y, gt=y), fve(torch.full_like(y, 0.75), gt=y)   # perfect; the mean explains nothing
    (tensor(1.), tensor(0.))
    """
    pred, target, m = _prepare(pred, target_arg(gt, target), mask)
    out = _per_block(pred, target, m, lambda p, t, mb: _fve(p, psth(t, mb)))
    return reduce(out, reduction).to(out_dtype(pred))


def _fve(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    mo = paired_moments(p, y)
    # mean (y - p)^2 from the moments: Var(y - p) + (mean y - mean p)^2
    sse = mo["va"] + mo["vb"] - 2 * mo["cov"] + (mo["ma"] - mo["mb"]) ** 2
    out = 1.0 - sse / mo["vb"]
    good = (mo["n"] >= 2) & (mo["vb"] > 0)
    return torch.where(good, out, torch.full_like(out, float("nan")))


_MASK32 = 0xFFFFFFFF


def _hash32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer hash of ``x`` (int64 holding values below ``2**32``): two
    xor-shift-multiply rounds; every product stays below ``2**59``, so int64 never overflows."""
    x = (((x >> 16) ^ x) * 0x45D9F3B) & _MASK32
    x = (((x >> 16) ^ x) * 0x45D9F3B) & _MASK32
    return (x >> 16) ^ x


def _split_keys(n_splits: int, n_stims: int, neurons: range, n_repeats: int, seed: int, device) -> torch.Tensor:
    """Keys ``(n_splits, n_stims, len(neurons), n_repeats)`` int32 in ``[0, 2**15)`` deciding each split.

    Each key is a hash of (seed, split, stimulus, neuron, repeat), so the keys
    of a block of neurons are made with that block alone (memory does not
    grow with the batch), a neuron's splits do not depend on how neurons
    are blocked or on the batch's other neurons, and there is no host sync.
    """
    def axis(n, d, start=0):
        shape = [1, 1, 1, 1]
        shape[d] = n
        return torch.arange(start, start + n, dtype=torch.int64, device=device).reshape(shape)

    h = _hash32(torch.full((), seed & _MASK32, dtype=torch.int64, device=device))
    for values in (axis(n_splits, 0), axis(n_stims, 1), axis(len(neurons), 2, neurons.start), axis(n_repeats, 3)):
        h = _hash32((h ^ values) & _MASK32)
    return (h & 0x7FFF).to(torch.int32)


def _split_weights(valid_rep: torch.Tensor, keys: torch.Tensor, dtype) -> tuple:
    """Per split, the weights ``(S, B, n, R)`` of the two halves of each (stimulus, neuron)'s
    valid repeats (``1 / half size`` on the half's repeats), and whether a pair has 2 repeats."""
    n_rep = valid_rep.sum(dim=2, keepdim=True)  # (B, n, 1)
    half = n_rep // 2
    k = torch.where(valid_rep, keys.to(torch.int32), torch.full((), 1 << 15, dtype=torch.int32, device=keys.device))
    rank = k.argsort(dim=-1, stable=True).argsort(dim=-1, stable=True)
    first = (rank < half).to(dtype)
    second = ((rank >= half) & (rank < n_rep)).to(dtype)
    return (first / half.clamp(min=1).to(dtype), second / (n_rep - half).clamp(min=1).to(dtype),
            (n_rep >= 2).squeeze(-1))


def _split_half_r(x: torch.Tensor, m, keys: torch.Tensor) -> torch.Tensor:
    """Mean correlation between the PSTHs of two random halves of the repeats
    of ``x`` ``(B, n, R, T)``, over the splits in ``keys`` ``(S, B, n, R)``; ``(n,)``.

    Each neuron's correlation pools the bins of all its stimuli. A repeat
    counts where it has any value; a bin counts where every counted repeat
    of that (stimulus, neuron) has a value (NaN repeats and padding drop out
    whole; a bin where only some repeats are NaN is left out). The halves'
    sums then come from the ``R x R`` Gram matrix of the repeats, so a split
    costs nothing in ``T``, and there is no host sync.
    """
    x = x.double()
    valid = ~torch.isnan(x)
    if m is not None:
        valid = valid & m
    z = torch.zeros((), dtype=x.dtype, device=x.device)
    valid_rep = valid.any(dim=3)  # (B, n, R)
    valid_bin = (valid | ~valid_rep.unsqueeze(-1)).all(dim=2) & valid.any(dim=2)  # (B, n, T)
    xz = torch.where(valid_rep.unsqueeze(-1) & valid_bin.unsqueeze(-2), x, z)
    w1, w2, enough = _split_weights(valid_rep, keys, x.dtype)
    gram = xz @ xz.transpose(-1, -2)  # (B, n, R, R)
    msum = xz.sum(dim=-1)  # (B, n, R)
    nb = torch.where(enough, valid_bin.sum(dim=-1).to(x.dtype), z)  # bins used per (stimulus, neuron)
    e = enough.to(x.dtype)
    sa, sb = (w1 * msum).sum(-1) * e, (w2 * msum).sum(-1) * e  # (S, B, n)
    saa = torch.einsum("sbnr,bnrq,sbnq->sbn", w1, gram, w1) * e
    sbb = torch.einsum("sbnr,bnrq,sbnq->sbn", w2, gram, w2) * e
    sab = torch.einsum("sbnr,bnrq,sbnq->sbn", w1, gram, w2) * e
    n = nb.sum(dim=0)  # (n,)
    ma, mb = sa.sum(1) / n, sb.sum(1) / n  # (S, n)
    cov = sab.sum(1) / n - ma * mb
    va = saa.sum(1) / n - ma * ma
    vb = sbb.sum(1) / n - mb * mb
    r = cov / torch.sqrt(va * vb)
    r = torch.where((n >= 2) & (va > 1e-12 * saa.sum(1) / n) & (vb > 1e-12 * sbb.sum(1) / n), r,
                    torch.full_like(r, float("nan")))
    return r.nanmean(dim=0)


def _ccmax_hsu(r: torch.Tensor) -> torch.Tensor:
    """Spearman-Brown corrected split-half ceiling ``sqrt(2 r / (1 + r))``, 0 for ``r <= 0``."""
    return torch.sqrt((2 * r / (1 + r)).clamp(min=0))


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
    torch.Tensor in ``responses``' dtype (computed in float64), ``(N,)`` or scalar.

    Examples
    --------
    Two identical repeats: the ceiling is 1. Noisy repeats lower it.

    >>> from deepSTRF.metrics import compute_CCmax
    >>> x = torch.tensor([0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])
    >>> compute_CCmax(torch.stack([x, x]).reshape(1, 1, 2, 8))
    tensor([1.])
    >>> noisy = torch.stack([x, x + torch.tensor([1.0, -1.0] * 4)]).reshape(1, 1, 2, 8)
    >>> bool(compute_CCmax(noisy) < 1)
    True
    """
    check_option("method", method, CCMAX_METHODS)
    responses = as_4d(responses, "responses")
    m = bin_mask(mask, (responses.shape[0], responses.shape[1], 1, responses.shape[3]), responses.device)
    if method == "schoppe":
        out = per_block(responses, lambda sl: ccmax(totals(repeat_sums(responses[:, sl],
                                                                       None if m is None else m[:, sl]))))
    else:
        check_positive("n_splits", n_splits, integer=True)
        B, N, R, _ = responses.shape
        out = per_block(responses, lambda sl: _ccmax_hsu(_split_half_r(
            responses[:, sl], None if m is None else m[:, sl],
            _split_keys(n_splits, B, range(N)[sl], R, seed, responses.device))))
    return reduce(out, reduction).to(out_dtype(responses))


def normalized_corrcoef(pred, responses, method: str = "schoppe", mask=None, reduction: str = "mean",
                        ccmax_iters: int = 126, *, seed: int = 0, n_splits: int | None = None) -> torch.Tensor:
    """Correlation normalised by the noise ceiling, ``CC_abs / CC_max``.

    ``'schoppe'`` (Schoppe, Harper, Willmore, King & Schnupp 2016):
    ``Cov(pred, ybar) / sqrt(Var(pred) * SP)``, over the bins with at least
    two valid repeats, ``SP`` the Sahani-Linden signal power of the
    concatenated stimuli. ``'hsu'`` (Hsu et al. 2004): the correlation with
    the trial mean divided by the split-half ``CC_max`` of
    :func:`compute_CCmax`, over ``ccmax_iters`` random splits.

    Parameters
    ----------
    pred : torch.Tensor, shape (B, N, 1, T) or (B, N, T)
        Predictions (e.g. a model's output for a collated batch).
    responses : torch.Tensor, shape (B, N, R, T)
        Raw repeats, R >= 2.
    method : {'schoppe', 'hsu'}
        The noise ceiling (see above).
    mask, reduction
        As :func:`corrcoef`.
    ccmax_iters : int, default 126
        Random split-halves of the repeats for ``'hsu'`` (deepSTRF 0.1.0's name
        and default; ``n_splits=`` is an alias).
    seed : int, default 0
        Seed of the splits (``'hsu'``).

    n_splits : int, optional
        Alias of ``ccmax_iters``.

    Returns
    -------
    torch.Tensor in ``pred``'s dtype, ``(N,)`` or scalar. NaN for a neuron
    without a measurable signal (``CC_max = 0``), and for a neuron with a
    single repeat: a ceiling from one trial is undefined (0.1.0 fell back to
    the raw correlation there); a warning then says how many neurons.

    Examples
    --------
    On simulated neurons, a ridge STRF's correlation divided by each neuron's noise ceiling:

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.evaluation import collate_stims
    >>> from deepSTRF.metrics import corrcoef, normalized_corrcoef
    >>> from deepSTRF.models import fit_ridge
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=20, n_val=4)
    >>> model = fit_ridge(ds, list(range(20)), n_lags=15)
    >>> batch = collate_stims(ds, [20, 21, 22, 23])
    >>> pred = model(batch["stims"])
    >>> cc = corrcoef(pred, batch["responses"], reduction="none")
    >>> ccn = normalized_corrcoef(pred, batch["responses"], reduction="none")
    >>> ccn.shape, bool((ccn >= cc).all())         # the ceiling is <= 1, so cc_norm >= cc
    (torch.Size([4]), True)
    """
    check_option("method", method, CCMAX_METHODS)
    iters = ccmax_iters if n_splits is None else n_splits
    pred, responses, m = _prepare(pred, responses, mask)
    if method == "hsu":
        check_positive("ccmax_iters", iters, integer=True)

    def block(sl):
        p, t, mb = _block(pred, responses, m, sl)
        if method == "schoppe":
            s = repeat_sums(t, mb, extra_valid=~torch.isnan(p))
            ybar = torch.where(s["ok"], s["mean"], torch.full_like(s["mean"], float("nan")))
            cmax = ccmax(totals(s))
            cc = _pearson(paired_moments(p, ybar)) / cmax
        else:
            B, N, R, _ = responses.shape
            cmax = _ccmax_hsu(_split_half_r(t, mb, _split_keys(iters, B, range(N)[sl], R, seed, t.device)))
            cc = _pearson(paired_moments(p, psth(t, mb))) / cmax
        return torch.where(cmax > 0, cc, torch.full_like(cc, float("nan")))

    out = per_block(responses, block)
    if responses.shape[2] < 2:  # known from the shape: no host sync
        warnings.warn(f"normalized_corrcoef: the responses have a single repeat, so the {responses.shape[1]} "
                      "neurons' values are NaN (a noise ceiling needs repeats; deepSTRF 0.1.0 returned the raw "
                      "correlation there)", UserWarning, stacklevel=2)
    return reduce(out, reduction).to(out_dtype(pred))
