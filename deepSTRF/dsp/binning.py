"""Spike binning and re-binning on an exact time base."""

from __future__ import annotations

import numpy as np

from .._checks import check_positive

_UNITS = {"s": 1e6, "ms": 1e3, "us": 1.0}


def _finite(t: np.ndarray, what: str) -> None:
    """NaN or infinite times would be dropped silently (or land in bin 0 where NaN casts to 0): refuse them."""
    if not np.isfinite(t).all():
        k = int(np.flatnonzero(~np.isfinite(t))[0])
        raise ValueError(f"{what}: time {k} of {t.size} is {float(t[k])!r}, not a finite number")


def _counts(rel_ns, n_bins, first, dt_ns: int, total: int, inside=None) -> np.ndarray:
    """The one binning rule: a spike ``rel_ns`` integer nanoseconds after its row's bin-0 edge falls in bin
    ``floor(rel_ns / dt_ns)`` and counts if that bin is in ``[0, n_bins)`` (and ``inside``); bins of a row
    start at ``first`` in a flat float32 array of ``total`` bins."""
    k = np.floor_divide(rel_ns, dt_ns)
    keep = (rel_ns >= 0) & (k < n_bins)
    if inside is not None:
        keep &= inside
    return np.bincount(first[keep] + k[keep], minlength=total).astype(np.float32)


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
        Bins per trial.
    t0 : float
        Time of bin 0's left edge, in ``unit``.
    unit : {'s', 'ms', 'us'}
        Unit of the spike times and ``t0``.

    Examples
    --------
    Two trials, 5-ms bins: a spike at exactly 15 ms is in bin 3; two spikes in a bin count 2.

    >>> from deepSTRF.dsp import bin_spikes
    >>> bin_spikes([[1.0, 2.0, 15.0], []], dt_ms=5.0, n_bins=4)
    array([[2., 0., 0., 1.],
           [0., 0., 0., 0.]], dtype=float32)
    """
    check_positive("dt_ms", dt_ms)
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of 's', 'ms', 'us'; got {unit!r}")
    scale_ns = _UNITS[unit] * 1e3
    dt_ns = int(round(dt_ms * 1e6))
    arrays = [np.asarray(times, dtype=np.float64).ravel() for times in trials]
    if not arrays:
        return np.zeros((0, n_bins), dtype=np.float32)
    t = np.concatenate(arrays)  # every trial in one vectorised pass
    _finite(t, "spike times")
    row = np.repeat(np.arange(len(arrays)), [a.size for a in arrays])
    rel = np.round((t - t0) * scale_ns).astype(np.int64)
    return _counts(rel, n_bins, row * n_bins, dt_ns, len(arrays) * n_bins).reshape(len(arrays), n_bins)


def bin_windows(spikes, onsets, n_bins, dt_ms: float, unit: str = "s", origins=None,
                ends=None) -> tuple[np.ndarray, np.ndarray]:
    """Spike counts of one continuous spike train in many windows, in one vectorised pass.

    Window ``w`` starts at ``onsets[w]`` and has ``n_bins[w]`` bins of
    ``dt_ms``; its bin ``k`` holds the spikes with
    ``k * dt <= t - origins[w] < (k + 1) * dt`` (``origins`` default to the
    onsets), decided in integer nanoseconds as in :func:`bin_spikes` (a spike
    exactly on a bin edge goes to the later bin). Only spikes with
    ``onsets[w] <= t < ends[w]`` count (``ends`` default to the end of the
    last bin). Windows may overlap; a spike in two windows counts in both.

    The one spike-binning rule of every loader: the relative rule (bins from
    each trial's start: ``origins`` = ``onsets``), and the grid-locked rule
    of the LBHB releases (``origins`` = the start rounded to the bin grid,
    ``onsets`` / ``ends`` the epoch).

    Parameters
    ----------
    spikes : array-like, shape (M,)
        Spike times of the whole recording, sorted ascending, in ``unit``.
    onsets : array-like, shape (W,)
        Window starts, in ``unit``.
    n_bins : int or array-like of int, shape (W,)
        Bins of each window.
    dt_ms : float
        Bin width in ms.
    unit : {'s', 'ms', 'us'}
        Unit of the spike times, onsets, origins and ends.
    origins : array-like, shape (W,), optional
        Left edge of each window's bin 0, in ``unit``; default ``onsets``.
    ends : array-like, shape (W,), optional
        Exclusive end of each window's spikes, in ``unit``; default the end of its last bin.

    Returns
    -------
    counts : np.ndarray, shape (sum(n_bins),), float32
        The windows' bins one after the other.
    starts : np.ndarray, shape (W + 1,), int64
        Window ``w`` is ``counts[starts[w]:starts[w + 1]]``.

    Examples
    --------
    One spike train (seconds), two windows of 10-ms bins starting at 0.1 s and 0.5 s.

    >>> from deepSTRF.dsp import bin_windows
    >>> counts, offsets = bin_windows([0.101, 0.115, 0.502, 0.9], onsets=[0.1, 0.5], n_bins=[3, 2], dt_ms=10.0)
    >>> counts.tolist(), offsets.tolist()
    ([1.0, 1.0, 0.0, 1.0, 0.0], [0, 3, 5])
    """
    check_positive("dt_ms", dt_ms)
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of 's', 'ms', 'us'; got {unit!r}")
    spikes = np.asarray(spikes, dtype=np.float64).ravel()
    onsets = np.asarray(onsets, dtype=np.float64).ravel()
    _finite(spikes, "the spike train")
    _finite(onsets, "the window onsets")
    n_bins = np.broadcast_to(np.asarray(n_bins, dtype=np.int64), onsets.shape)
    if spikes.size > 1 and np.any(spikes[1:] < spikes[:-1]):
        raise ValueError("bin_windows: spikes must be sorted ascending")
    ns = _UNITS[unit] * 1e3  # nanoseconds per unit
    dt_ns = int(round(dt_ms * 1e6))
    windowed = origins is not None or ends is not None  # spikes must also lie in [onsets, ends)
    origins = onsets if origins is None else np.broadcast_to(np.asarray(origins, dtype=np.float64), onsets.shape)
    starts = np.zeros(onsets.size + 1, dtype=np.int64)
    np.cumsum(n_bins, out=starts[1:])
    last = origins + n_bins * dt_ns / ns  # the end of each window's last bin
    ends = last if ends is None else np.minimum(np.broadcast_to(np.asarray(ends, dtype=np.float64), onsets.shape),
                                                last + 1.0 / ns)
    first_t = np.minimum(onsets, origins)
    lo = np.searchsorted(spikes, first_t - 1.0 / ns)  # 1 ns of slack; the integer tests below decide
    hi = np.searchsorted(spikes, np.maximum(ends, first_t) + 1.0 / ns)
    cnt = np.maximum(hi - lo, 0)
    w = np.repeat(np.arange(onsets.size), cnt)
    first = np.cumsum(cnt) - cnt
    idx = np.arange(int(cnt.sum())) - np.repeat(first, cnt) + np.repeat(lo, cnt)
    t = spikes[idx]
    rel = np.round((t - origins[w]) * ns).astype(np.int64)
    inside = None
    if windowed:
        inside = (np.round((t - onsets[w]) * ns) >= 0) & (np.round((t - ends[w]) * ns) < 0)
    return _counts(rel, n_bins[w], starts[w], dt_ns, int(starts[-1]), inside), starts


def bin_window_rows(spikes, onsets, n_bins, dt_ms: float, unit: str = "s", origins=None, ends=None,
                    width: int | None = None) -> np.ndarray:
    """:func:`bin_windows` as a matrix: row ``w`` holds window ``w``'s bins, then zeros.

    Parameters
    ----------
    spikes, onsets, n_bins, dt_ms, unit, origins, ends
        As in :func:`bin_windows` (``n_bins`` is cut to ``width``).
    width : int, optional
        Columns of the matrix; default ``max(n_bins)``.

    Returns
    -------
    np.ndarray, shape (W, width), float32
        Spike counts per bin; row ``w`` is zero from column ``n_bins[w]`` on.

    Examples
    --------
    The same windows as :func:`bin_windows`, one row each (zeros after a short window's end).

    >>> from deepSTRF.dsp import bin_window_rows
    >>> bin_window_rows([0.101, 0.115, 0.502, 0.9], onsets=[0.1, 0.5], n_bins=[3, 2], dt_ms=10.0)
    array([[1., 1., 0.],
           [1., 0., 0.]], dtype=float32)
    """
    onsets = np.asarray(onsets, dtype=np.float64).ravel()
    n_bins = np.broadcast_to(np.asarray(n_bins, dtype=np.int64), onsets.shape)
    width = int(n_bins.max(initial=0)) if width is None else int(width)
    n_bins = np.clip(n_bins, 0, width)
    counts, _ = bin_windows(spikes, onsets, n_bins, dt_ms, unit, origins, ends)
    out = np.zeros((onsets.size, width), dtype=np.float32)
    out[np.arange(width)[None, :] < n_bins[:, None]] = counts  # row-major: the windows one after the other
    return out


def rebin_sum(x: np.ndarray, factor: int) -> np.ndarray:
    """Sum consecutive groups of ``factor`` bins on the last axis (a trailing partial group is dropped).

    Parameters
    ----------
    x : np.ndarray, shape (..., T)
        Counts on the last axis.
    factor : int
        Bins per group.

    Returns
    -------
    np.ndarray, shape (..., T // factor)

    Examples
    --------
    >>> from deepSTRF.dsp import rebin_sum
    >>> rebin_sum(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 2)
    array([3., 7.])
    """
    check_positive("factor", factor, integer=True)
    x = np.asarray(x)
    T = x.shape[-1] // factor
    return x[..., : T * factor].reshape(*x.shape[:-1], T, factor).sum(axis=-1)


def pool_mean(x: np.ndarray, factor: int) -> np.ndarray:
    """Average consecutive groups of ``factor`` frames on the last axis (for spectrograms).

    Parameters
    ----------
    x : np.ndarray, shape (..., T)
        Frames on the last axis.
    factor : int
        Frames per group.

    Returns
    -------
    np.ndarray, shape (..., T // factor)

    Examples
    --------
    >>> from deepSTRF.dsp import pool_mean
    >>> pool_mean(np.array([[1.0, 3.0, 5.0, 7.0]]), 2)
    array([[2., 6.]])
    """
    check_positive("factor", factor, integer=True)
    x = np.asarray(x)
    T = x.shape[-1] // factor
    return x[..., : T * factor].reshape(*x.shape[:-1], T, factor).mean(axis=-1)
