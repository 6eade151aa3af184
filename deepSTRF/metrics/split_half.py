"""The split-half noise ceiling of Hsu, Borst & Theunissen (2004), deepSTRF 0.1.0's ``ccmax``.

For one stimulus heard ``R >= 2`` times, the repeats are split into two
halves (``R // 2`` and ``R - R // 2`` repeats); ``r`` is the correlation of
the two half PSTHs, averaged over splits (every distinct split when there
are at most ``max_splits`` of them, else ``max_splits`` random ones). The
Spearman-Brown step turns it into the ceiling of the correlation between a
model and the full PSTH:

    ccmax = sqrt(2 r / (1 + r))

A stimulus whose ``r <= 0`` (or undefined: a flat half) carries no ceiling
and is dropped. Reference: Hsu A, Borst A, Theunissen FE (2004). Quantifying
variability in neural responses and its application for the validation of
model predictions. Network 15: 91-109.
"""

from __future__ import annotations

import functools
import itertools
from math import comb

import numpy as np

@functools.lru_cache(maxsize=64)
def _half_splits(R: int, max_splits: int, seed: int) -> np.ndarray:
    out = _draw_splits(R, max_splits, seed)
    out.setflags(write=False)
    return out


def half_splits(R: int, max_splits: int = 126, seed: int = 0) -> np.ndarray:
    """``(K, R)`` bool: row ``k`` marks the first half of split ``k`` (``R // 2`` repeats).

    Every distinct split (a split and its mirror counted once) when there are
    at most ``max_splits``, else ``max_splits`` distinct random ones, drawn
    with ``seed``. ``R = 10`` has exactly 126 distinct splits. (Cached: the
    same splits serve every block of the same ``R``.)
    """
    return _half_splits(int(R), int(max_splits), int(seed))


def _draw_splits(R: int, max_splits: int = 126, seed: int = 0) -> np.ndarray:
    """``(K, R)`` bool: row ``k`` marks the first half of split ``k`` (``R // 2`` repeats).

    Every distinct split (a split and its mirror counted once) when there are
    at most ``max_splits``, else ``max_splits`` distinct random ones, drawn
    with ``seed``. ``R = 10`` has exactly 126 distinct splits.
    """
    if R < 2:
        raise ValueError(f"a split-half needs at least 2 repeats; got R={R}")
    h = R // 2
    total = comb(R, h) // (2 if 2 * h == R else 1)
    if total <= max_splits:
        rows = []
        for first in itertools.combinations(range(R), h):
            if 2 * h == R and 0 not in first:
                continue  # the mirror of a split already listed
            rows.append(first)
    else:
        rng = np.random.default_rng(seed)
        seen, rows = set(), []
        while len(rows) < max_splits:
            first = tuple(sorted(rng.choice(R, size=h, replace=False).tolist()))
            if 2 * h == R and 0 not in first:
                first = tuple(sorted(set(range(R)) - set(first)))
            if first not in seen:
                seen.add(first)
                rows.append(first)
    out = np.zeros((len(rows), R), dtype=bool)
    for k, first in enumerate(rows):
        out[k, list(first)] = True
    return out


def split_half_r(x: np.ndarray, max_splits: int = 126, seed: int = 0) -> np.ndarray:
    """Mean split-half correlation of each block of ``x``, ``(P, R, T)`` -> ``(P,)`` float64.

    NaN bins are ignored: a half's PSTH is the mean of its valid repeats, and
    a bin enters the correlation only if both halves have a value there.
    NaN where no correlation is defined (a flat half PSTH, fewer than 2 bins).
    Blocks without NaN use each block's ``R x R`` Gram matrix, so the cost
    does not grow with the number of splits times ``T``.
    """
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    P, R, T = x.shape
    first = half_splits(R, max_splits, seed).astype(np.float64)  # (K, R)
    r = np.full((P, len(first)), np.nan)
    clean = ~np.isnan(x).any(axis=(1, 2))
    if clean.any():
        c = x[clean]
        G = np.matmul(c, c.transpose(0, 2, 1)).astype(np.float64)  # (P, R, R), in the data's precision
        r[clean] = split_rs_from_gram(G, c.sum(axis=2, dtype=np.float64), T, max_splits, seed)
    for p in np.flatnonzero(~clean):
        r[p] = _r_with_nan(x[p].astype(np.float64), first)
    return mean_r(r)


def split_rs_from_gram(G: np.ndarray, m: np.ndarray, T: int, max_splits: int = 126, seed: int = 0) -> np.ndarray:
    """Split-half correlations ``(P, K)`` of NaN-free blocks from their Gram matrices
    ``G`` ``(P, R, R)`` (``x x^T`` over the ``T`` bins) and repeat sums ``m`` ``(P, R)``."""
    R = G.shape[1]
    first = half_splits(R, max_splits, seed).astype(np.float64)
    w, u = first / first[0].sum(), (1.0 - first) / (R - first[0].sum())
    sa, sb = m @ w.T, m @ u.T
    Gw, Gu = G @ w.T, G @ u.T  # (P, R, K): BLAS, not einsum
    saa = (w.T[None] * Gw).sum(axis=1)
    sbb = (u.T[None] * Gu).sum(axis=1)
    sab = (w.T[None] * Gu).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = saa - sa * sa / T, sbb - sb * sb / T
        rc = (sab - sa * sb / T) / np.sqrt(va * vb)
    rc[(va <= 1e-12 * np.abs(saa)) | (vb <= 1e-12 * np.abs(sbb)) | (T < 2)] = np.nan
    return rc


def mean_r(r: np.ndarray) -> np.ndarray:
    """The mean over splits (axis 1) of the finite correlations, NaN where none is."""
    fin = np.isfinite(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(fin, r, 0.0).sum(axis=1) / fin.sum(axis=1)


def _r_with_nan(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Split-half correlations ``(K,)`` of one ``(R, T)`` block holding NaN."""
    valid = ~np.isnan(x)
    z, v = np.where(valid, x, 0.0), valid.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (first @ z) / (first @ v)  # (K, T)
        b = ((1 - first) @ z) / ((1 - first) @ v)
        ok = np.isfinite(a) & np.isfinite(b)
        n = ok.sum(axis=1)
        a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
        da = np.where(ok, a - (a.sum(axis=1) / n)[:, None], 0.0)
        db = np.where(ok, b - (b.sum(axis=1) / n)[:, None], 0.0)
        r = (da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    r[n < 2] = np.nan
    return r


def spearman_brown_ccmax(r: np.ndarray) -> np.ndarray:
    """``sqrt(2 r / (1 + r))`` where ``r > 0``, NaN elsewhere (the stimulus is dropped)."""
    r = np.asarray(r, dtype=np.float64)
    out = np.full(r.shape, np.nan)
    ok = np.isfinite(r) & (r > 0)
    out[ok] = np.sqrt(2 * r[ok] / (1 + r[ok]))
    return out
