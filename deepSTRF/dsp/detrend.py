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

    Examples
    --------
    >>> from deepSTRF.dsp import running_median
    >>> running_median(np.array([1.0, 9.0, 2.0, 3.0, 8.0]), 3)
    array([1., 2., 3., 3., 8.])
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

    Examples
    --------
    The baseline of a constant trace is the constant.

    >>> from deepSTRF.dsp import medgauss_baseline
    >>> bool(np.allclose(medgauss_baseline(np.full(4000, -60.0), rate=4000), -60.0))
    True
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

    Examples
    --------
    A slow drift is removed; a fast event stays.

    >>> from deepSTRF.dsp import medgauss_detrend
    >>> x = np.linspace(-70.0, -50.0, 4000)
    >>> x[2000:2004] += 30.0
    >>> y = medgauss_detrend(x, rate=4000)
    >>> bool(abs(y[1000]) < 0.5), bool(y[2001] > 25.0)
    (True, True)
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

    Examples
    --------
    Two crossings of 0.5, each marked once.

    >>> from deepSTRF.dsp import upward_crossings
    >>> upward_crossings(np.array([0.0, 1.0, 1.0, 0.0, 1.0]), 0.5)
    array([0., 1., 0., 0., 1.])
    """
    above = np.asarray(x) > threshold
    out = np.zeros(above.shape, dtype=np.float64)
    out[1:] = above[1:] & ~above[:-1]
    out[0] = above[0]
    return out
