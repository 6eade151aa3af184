"""Baseline removal and event detection for continuous voltage traces (vectorised, scipy.ndimage)."""

from __future__ import annotations

import numpy as np


def running_median(x: np.ndarray, size: int) -> np.ndarray:
    """Centred running median of ``size`` samples, mirror-reflected edges.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A trace.
    size : int
        Window length in samples.
    """
    from scipy.ndimage import median_filter  # scipy.ndimage costs ~0.2 s to import: only when used

    return median_filter(np.asarray(x, dtype=np.float64), size=max(1, int(size)), mode="reflect")


def medgauss_baseline(x: np.ndarray, rate: float, med_ms: float = 100.0, gauss_ms: float = 10.0) -> np.ndarray:
    """Slow baseline: a Gaussian (sigma ``gauss_ms``, truncated at 4 sigma) of a running
    median over ``med_ms``, both with reflected edges.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A trace.
    rate : float
        Its sample rate in Hz.
    med_ms : float, default 100.0
        Running-median length in ms.
    gauss_ms : float, default 10.0
        Gaussian sigma in ms.
    """
    from scipy.ndimage import gaussian_filter1d

    med = running_median(x, int(np.round(med_ms * rate / 1000.0)))
    return gaussian_filter1d(med, sigma=gauss_ms * rate / 1000.0, truncate=4.0, mode="reflect")


def medgauss_detrend(x: np.ndarray, rate: float, med_ms: float = 100.0, gauss_ms: float = 10.0) -> np.ndarray:
    """``x`` minus its :func:`medgauss_baseline`.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A trace.
    rate : float
        Its sample rate in Hz.
    med_ms : float, default 100.0
        Running-median length in ms.
    gauss_ms : float, default 10.0
        Gaussian sigma in ms.
    """
    x = np.asarray(x, dtype=np.float64)
    return x - medgauss_baseline(x, rate, med_ms, gauss_ms)


def upward_crossings(x: np.ndarray, threshold: float) -> np.ndarray:
    """0/1 array marking the samples where ``x`` rises above ``threshold`` (one per crossing).

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A trace.
    threshold : float
        The level to cross.

    Returns
    -------
    np.ndarray, shape (n,)
        float64 0/1.
    """
    above = np.asarray(x) > threshold
    out = np.zeros(above.shape, dtype=np.float64)
    out[1:] = above[1:] & ~above[:-1]
    out[0] = above[0]
    return out
