"""Gammatone filterbanks (Slaney 1993, "An efficient implementation of the
Patterson-Holdsworth auditory filter bank", Apple TR #35).

Fourth-order gammatone filters as a cascade of four second-order IIR
sections per band; centre frequencies ERB-spaced (Glasberg & Moore:
``ERB = f / 9.26449 + 24.7``).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive

EAR_Q = 9.26449
MIN_BW = 24.7


def erb_space(fmin: float, fmax: float, n: int) -> np.ndarray:
    """``n`` ERB-spaced frequencies, ascending, from exactly ``fmin`` to just below ``fmax``.

    Parameters
    ----------
    fmin, fmax : float
        Lowest frequency (included) and upper bound (excluded), in Hz.
    n : int
        Number of frequencies.

    Returns
    -------
    np.ndarray, shape (n,)
        Ascending, in Hz.

    Examples
    --------
    >>> from deepSTRF.dsp import erb_space
    >>> f = erb_space(100.0, 8000.0, 4)
    >>> float(f[0]), bool(f[-1] < 8000.0), bool(np.all(np.diff(f) > 0))
    (100.0, True, True)
    """
    check_positive("n", n, integer=True)
    if not 0 < fmin < fmax:
        raise ValueError(f"need 0 < fmin < fmax; got fmin={fmin!r}, fmax={fmax!r}")
    frac = np.arange(1, n + 1) / n
    q = EAR_Q * MIN_BW
    f = -q + np.exp(frac * (np.log(fmin + q) - np.log(fmax + q))) * (fmax + q)
    return f[::-1].copy()


def erb_filter_coefficients(rate: float, centres: np.ndarray) -> np.ndarray:
    """Second-order sections ``(F, 4, 6)`` (b0 b1 b2 a0 a1 a2) of each band's
    4th-order gammatone filter, unit gain at the centre frequency.

    Parameters
    ----------
    rate : float
        Sample rate in Hz.
    centres : np.ndarray, shape (F,)
        Centre frequencies in Hz.

    Examples
    --------
    >>> from deepSTRF.dsp import erb_filter_coefficients
    >>> erb_filter_coefficients(16000, np.array([500.0, 1000.0, 2000.0])).shape
    (3, 4, 6)
    """
    cf = np.asarray(centres, dtype=np.float64)
    T = 1.0 / rate
    erb = cf / EAR_Q + MIN_BW
    B = 1.019 * 2 * np.pi * erb
    arg = 2 * cf * np.pi * T
    vec = np.exp(2j * arg)
    a1 = -2 * np.cos(arg) / np.exp(B * T)
    a2 = np.exp(-2 * B * T)
    common = -T * np.exp(-(B * T))
    rp, rn = np.sqrt(3 + 2**1.5), np.sqrt(3 - 2**1.5)
    ks = [np.cos(arg) + rp * np.sin(arg), np.cos(arg) - rp * np.sin(arg),
          np.cos(arg) + rn * np.sin(arg), np.cos(arg) - rn * np.sin(arg)]
    g_arg = np.exp(1j * arg - B * T)
    gain = np.abs(np.prod([vec - g_arg * k for k in ks], axis=0)
                  * (T * np.exp(B * T) / (-1 / np.exp(B * T) + 1 + vec * (1 - np.exp(B * T)))) ** 4)
    sos = np.zeros((len(cf), 4, 6))
    for i, k in enumerate(ks):
        sos[:, i, 0] = T
        sos[:, i, 1] = common * k
        sos[:, i, 2] = 0.0
        sos[:, i, 3] = 1.0
        sos[:, i, 4] = a1
        sos[:, i, 5] = a2
    sos[:, 0, :3] /= gain[:, None]
    return sos


def gammatone_filterbank(x: np.ndarray, rate: float, centres: np.ndarray) -> np.ndarray:
    """Filter ``x`` through each band: ``(F, len(x))`` float64.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : float
        Its sample rate in Hz.
    centres : np.ndarray, shape (F,)
        Centre frequencies in Hz.

    Examples
    --------
    A 1-kHz tone passes the 1-kHz band best.

    >>> from deepSTRF.dsp import gammatone_filterbank
    >>> x = np.sin(2 * np.pi * 1000 * np.arange(8000) / 16000)
    >>> y = gammatone_filterbank(x, 16000, np.array([250.0, 1000.0, 4000.0]))
    >>> y.shape, int((y ** 2).sum(axis=1).argmax())
    ((3, 8000), 1)
    """
    import scipy.signal  # ~0.5 s to import: only when a gammatone-gram is computed

    x = np.asarray(x, dtype=np.float64)
    sos = erb_filter_coefficients(rate, centres)
    return np.stack([scipy.signal.sosfilt(s, x) for s in sos])


def gammatone_gram(x: np.ndarray, rate: float, dt_ms: float, n_bands: int = 50, fmin: float = 1000.0,
                   fmax: float = 8000.0, window_ms: float = 2.5, n_frames: int | None = None) -> np.ndarray:
    """Gammatonegram ``(n_bands, T)`` float64, rows low -> high frequency.

    Band signals of :func:`gammatone_filterbank` are squared; column ``k`` is
    the root mean square over ``W = round(window_ms * rate / 1000)`` samples
    starting at the sample nearest to ``k * dt_ms`` (exact time base; where
    ``dt_ms * rate / 1000`` is whole this is the Slaney / Heeris
    "gtgram" framing, which starts frame 0 at sample 0). ``T`` defaults to
    the number of whole windows, ``1 + floor((n - W) / hop)``.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : float
        Its sample rate in Hz.
    dt_ms : float
        Frame spacing in ms.
    n_bands : int, default 50
        Number of bands.
    fmin, fmax : float, default 1000, 8000
        Lowest and highest centre frequencies in Hz (ERB-spaced).
    window_ms : float, default 2.5
        RMS window in ms.
    n_frames : int, optional
        Number of frames ``T`` (default: the whole windows).

    Examples
    --------
    >>> from deepSTRF.dsp import gammatone_gram
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> gammatone_gram(x, 16000, dt_ms=5.0, n_bands=16, n_frames=200).shape
    (16, 200)
    """
    check_positive("dt_ms", dt_ms)
    check_positive("window_ms", window_ms)
    W = int(np.floor(window_ms * rate / 1000.0 + 0.5))
    step = dt_ms * rate / 1000.0
    n = len(x)
    if n_frames is None:
        n_frames = 1 + int(np.floor((n - W) / step + 1e-9)) if n >= W else 0
    bands = gammatone_filterbank(x, rate, erb_space(fmin, fmax, n_bands)) ** 2
    csum = np.concatenate([np.zeros((bands.shape[0], 1)), np.cumsum(bands, axis=1)], axis=1)
    starts = np.round(np.arange(n_frames) * step).astype(np.int64)
    lo = np.clip(starts, 0, n)
    hi = np.clip(starts + W, 0, n)
    return np.sqrt((csum[:, hi] - csum[:, lo]) / W)
