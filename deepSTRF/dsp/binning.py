"""Spike binning and re-binning on an exact time base."""

from __future__ import annotations

import numpy as np

from .._checks import check_positive

_UNITS = {"s": 1e6, "ms": 1e3, "us": 1.0}


def bin_spikes(trials, dt_ms: float, n_bins: int, t0: float = 0.0, unit: str = "ms") -> np.ndarray:
    """Spike counts ``(R, n_bins)`` float32 of ``R`` trials of spike times.

    Bin ``k`` holds spikes with ``k * dt <= t - t0 < (k + 1) * dt``, decided in
    integer nanoseconds so that a spike exactly on a bin edge is never
    misplaced by floating point (a spike at 15 ms with 5-ms bins is in bin
    3). Two spikes in one bin count 2; spikes outside ``[0, n_bins * dt)``
    are dropped; a trial with no spikes is a row of zeros.

    Parameters
    ----------
    trials : sequence of array-like
        Spike times of each trial.
    dt_ms : float
        Bin width in ms.
    n_bins : int
    t0 : float
        Time of bin 0's left edge, in ``unit``.
    unit : {'s', 'ms', 'us'}
        Unit of the spike times and ``t0``.
    """
    check_positive("dt_ms", dt_ms)
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of 's', 'ms', 'us'; got {unit!r}")
    scale_ns = _UNITS[unit] * 1e3
    dt_ns = int(round(dt_ms * 1e6))
    out = np.zeros((len(trials), n_bins), dtype=np.float32)
    for r, times in enumerate(trials):
        t = np.asarray(times, dtype=np.float64).ravel()
        if t.size == 0:
            continue
        ns = np.round((t - t0) * scale_ns).astype(np.int64)
        k = np.floor_divide(ns, dt_ns)
        k = k[(ns >= 0) & (k < n_bins)]
        out[r] = np.bincount(k, minlength=n_bins)[:n_bins]
    return out


def rebin_sum(x: np.ndarray, factor: int) -> np.ndarray:
    """Sum consecutive groups of ``factor`` bins on the last axis (a trailing partial group is dropped)."""
    check_positive("factor", factor, integer=True)
    x = np.asarray(x)
    T = x.shape[-1] // factor
    return x[..., : T * factor].reshape(*x.shape[:-1], T, factor).sum(axis=-1)


def pool_mean(x: np.ndarray, factor: int) -> np.ndarray:
    """Average consecutive groups of ``factor`` frames on the last axis (for spectrograms)."""
    check_positive("factor", factor, integer=True)
    x = np.asarray(x)
    T = x.shape[-1] // factor
    return x[..., : T * factor].reshape(*x.shape[:-1], T, factor).mean(axis=-1)
