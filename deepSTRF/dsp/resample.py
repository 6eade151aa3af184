"""Resampling to an integer rate, and the grid lock of waveforms to neural bins."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .._checks import check_positive


def resample(x: np.ndarray, rate_in: float, rate_out: int, quality: str = "VHQ") -> np.ndarray:
    """Resample a mono signal from ``rate_in`` to the integer rate ``rate_out``.

    Uses soxr (any ratio, including non-integer source rates such as
    48 828.125 Hz) when installed, else scipy's polyphase filter with the
    ratio reduced to a fraction. Output length ``round(len(x) * rate_out / rate_in)``.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate_in : float
        Source rate in Hz.
    rate_out : int
        Target rate in Hz.
    quality : str, default 'VHQ'
        soxr's quality recipe.

    Examples
    --------
    One second at 24 414 Hz (CRCNS-AA4's rate) to 24 000 Hz.

    >>> from deepSTRF.dsp import resample
    >>> resample(np.zeros(24414), 24414, 24000).shape
    (24000,)
    """
    check_positive("rate_in", rate_in)
    check_positive("rate_out", rate_out, integer=True)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"resample takes a mono signal (n,); got shape {x.shape}")
    n_out = int(round(len(x) * rate_out / rate_in))
    if rate_in == rate_out:
        return x.copy()
    try:
        import soxr
    except ImportError:  # pragma: no cover - soxr is a dependency
        ratio = Fraction(rate_out / rate_in).limit_denominator(10000)
        import scipy.signal

        y = scipy.signal.resample_poly(x, ratio.numerator, ratio.denominator)
    else:
        y = soxr.resample(x, rate_in, rate_out, quality=quality)
    if len(y) < n_out:
        y = np.concatenate([y, np.zeros(n_out - len(y))])
    return y[:n_out]


def grid_lock(x: np.ndarray, n_bins: int, hop: int, offset: int = 0) -> np.ndarray:
    """Place a waveform on the neural grid: exactly ``n_bins * hop`` samples.

    Sample ``offset`` of the output is sample 0 of ``x`` (a pre-stimulus
    silence of ``offset`` samples; a negative offset drops the first
    ``-offset`` samples of ``x``); the rest is zero-padded or cropped.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A waveform at the grid's sample rate.
    n_bins : int
        Neural bins of the stimulus.
    hop : int
        Samples per bin.
    offset : int, default 0
        Where ``x`` starts in the output, in samples.

    Returns
    -------
    np.ndarray, shape (n_bins * hop,)
        Same dtype as ``x``.

    Examples
    --------
    Three samples placed after a one-sample silence on a grid of 2 bins x 3 samples.

    >>> from deepSTRF.dsp import grid_lock
    >>> grid_lock(np.array([1.0, 2.0, 3.0]), n_bins=2, hop=3, offset=1)
    array([0., 1., 2., 3., 0., 0.])
    """
    check_positive("hop", hop, integer=True)
    if n_bins < 0:
        raise ValueError(f"n_bins must be >= 0; got {n_bins}")
    x = np.asarray(x)
    out = np.zeros(n_bins * hop, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    src = x[max(0, -offset):]
    start = max(0, offset)
    n = max(0, min(len(src), len(out) - start))
    out[start : start + n] = src[:n]
    return out
