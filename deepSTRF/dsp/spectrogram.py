"""Spectrogram recipes (numpy in, numpy out).

Every recipe puts frame ``k`` at the exact time ``k * dt_ms`` (the response
grid): where ``dt_ms * rate / 1000`` is not a whole number of samples the
recipes either place each frame at its exact sample (rounded, no drift) or
ask for the audio to be resampled first (see :func:`deepSTRF.dsp.resample`).
The analysis window (``window_ms``) is independent of the hop.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_option, check_positive

COMPRESSIONS = ("cubic", "log1p", "none")


def samples_per_bin(rate: float, dt_ms: float) -> int:
    """``rate * dt_ms / 1000`` as an integer, or a ValueError saying to resample.

    Parameters
    ----------
    rate : float
        Sample rate in Hz.
    dt_ms : float
        Bin width in ms.

    Examples
    --------
    >>> from deepSTRF.dsp import samples_per_bin
    >>> samples_per_bin(16000, 5.0)
    80
    >>> samples_per_bin(24414, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    hop = rate * dt_ms / 1000.0
    if abs(hop - round(hop)) > 1e-9 * max(hop, 1.0) or round(hop) < 1:
        raise ValueError(
            f"{rate:g} Hz x {dt_ms:g} ms = {hop:g} samples per bin, not a whole number: frames would drift "
            f"from the response bins; resample the audio first (deepSTRF.dsp.resample) to a rate that is a "
            f"multiple of {1000.0 / dt_ms:g} Hz"
        )
    return int(round(hop))


def compress(x: np.ndarray, compression: str) -> np.ndarray:
    """``'cubic'``: x^(1/3); ``'log1p'``: ln(1 + x); ``'none'``: x.

    Parameters
    ----------
    x : np.ndarray
        Non-negative band energies.
    compression : {'cubic', 'log1p', 'none'}
        The compression.

    Returns
    -------
    np.ndarray
        Same shape and dtype.

    Examples
    --------
    >>> from deepSTRF.dsp import compress
    >>> compress(np.array([0.0, 8.0, 27.0]), "cubic")
    array([0., 2., 3.])
    """
    check_option("compression", compression, COMPRESSIONS)
    if compression == "cubic":
        return np.cbrt(x)
    if compression == "log1p":
        return np.log1p(x)
    return x


def frames(x: np.ndarray, length: int, starts: np.ndarray) -> np.ndarray:
    """``(len(starts), length)`` view-like copy of ``x[s : s + length]`` for each start."""
    idx = starts[:, None] + np.arange(length)[None, :]
    return x[idx]


def stft_power(x: np.ndarray, n_fft: int, hop: int, window: np.ndarray | None = None,
               center: bool = True, pad_mode: str = "reflect") -> np.ndarray:
    """Power spectrogram ``|FFT|^2`` ``(n_fft // 2 + 1, T)`` with ``T = 1 + len(x) // hop``
    when centred (frames centred on samples ``k * hop``), periodic Hann window by default.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    n_fft : int
        Frame length.
    hop : int
        Frame spacing in samples.
    window : np.ndarray, shape (n_fft,), optional
        The window; default periodic Hann.
    center : bool, default True
        Centre frame ``k`` on sample ``k * hop`` (padding both ends).
    pad_mode : str, default 'reflect'
        ``np.pad`` mode of the centring.

    Examples
    --------
    A 1-kHz tone at 16 kHz with 256-sample frames: the peak is in FFT bin 1000 / (16000 / 256) = 16.

    >>> from deepSTRF.dsp import stft_power
    >>> x = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    >>> p = stft_power(x, n_fft=256, hop=80)
    >>> p.shape, int(p[:, 50].argmax())
    ((129, 201), 16)
    """
    import scipy.signal  # ~0.5 s to import: only when a spectrogram is computed

    x = np.asarray(x, dtype=np.float64)
    w = scipy.signal.get_window("hann", n_fft, fftbins=True) if window is None else window
    if center:
        x = np.pad(x, n_fft // 2, mode=pad_mode)
    n_frames = 1 + (len(x) - n_fft) // hop
    if n_frames < 1:
        raise ValueError(f"signal of {len(x)} samples is shorter than one window of {n_fft}")
    fr = frames(x, n_fft, np.arange(n_frames) * hop) * w
    return (np.abs(np.fft.rfft(fr, axis=1)) ** 2).T


def hz_to_mel_htk(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz_htk(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """HTK-mel triangular filters ``(n_mels, n_fft // 2 + 1)``, peak 1, no area normalisation.

    ``n_mels + 2`` points equally spaced in mel between ``fmin`` and ``fmax``
    (default ``rate // 2``); filter ``m`` rises from point ``m - 1`` to 1 at
    point ``m`` and falls to 0 at ``m + 1`` (evaluated in Hz).

    Parameters
    ----------
    rate : int
        Sample rate in Hz.
    n_fft : int
        FFT length.
    n_mels : int
        Number of filters.
    fmin : float, default 0.0
        Lowest edge in Hz.
    fmax : float, optional
        Highest edge in Hz; default ``rate // 2``.

    Examples
    --------
    >>> from deepSTRF.dsp import mel_filterbank
    >>> fb = mel_filterbank(16000, n_fft=512, n_mels=20)
    >>> fb.shape, float(fb.max())
    ((20, 257), 1.0)
    """
    check_positive("n_mels", n_mels, integer=True)
    fmax = rate // 2 if fmax is None else fmax
    pts = mel_to_hz_htk(np.linspace(hz_to_mel_htk(fmin), hz_to_mel_htk(fmax), n_mels + 2))
    freqs = np.linspace(0.0, rate / 2, n_fft // 2 + 1)
    lower = (freqs[None, :] - pts[:-2, None]) / (pts[1:-1] - pts[:-2])[:, None]
    upper = (pts[2:, None] - freqs[None, :]) / (pts[2:] - pts[1:-1])[:, None]
    return np.maximum(0.0, np.minimum(lower, upper))


def mel_spectrogram(x: np.ndarray, rate: int, dt_ms: float, n_mels: int = 32, window_ms: float = 10.0,
                    fmin: float = 0.0, fmax: float | None = None, compression: str = "cubic") -> np.ndarray:
    """Mel power spectrogram ``(n_mels, T)`` float32, ``T = 1 + len(x) // hop``.

    hop = ``rate * dt_ms / 1000`` (must be whole: resample first otherwise);
    window = ``round(window_ms * rate / 1000)`` samples, periodic Hann,
    frames centred with reflect padding; power ``|FFT|^2``; HTK mel filters
    (:func:`mel_filterbank`); then ``compression`` ('cubic', 'log1p', 'none').

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : int
        Its sample rate in Hz.
    dt_ms : float
        Frame hop in ms.
    n_mels : int, default 32
        Number of mel bands.
    window_ms : float, default 10.0
        Analysis window in ms, independent of the hop.
    fmin : float, default 0.0
        Lowest mel edge in Hz.
    fmax : float, optional
        Highest mel edge in Hz; default ``rate // 2``.
    compression : {'cubic', 'log1p', 'none'}, default 'cubic'
        Compression of the band energies.

    Examples
    --------
    One second at 16 kHz, 5-ms hop (80 samples): ``1 + 16000 // 80`` frames.

    >>> from deepSTRF.dsp import mel_spectrogram
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> mel_spectrogram(x, 16000, dt_ms=5.0, n_mels=32).shape
    (32, 201)
    """
    hop = samples_per_bin(rate, dt_ms)
    check_positive("window_ms", window_ms)
    n_fft = max(int(round(window_ms * rate / 1000.0)), hop)
    power = stft_power(x, n_fft, hop)
    return compress(mel_filterbank(rate, n_fft, n_mels, fmin, fmax) @ power, compression).astype(np.float32)


def kaldi_fbank(x: np.ndarray, rate: int, dt_ms: float = 10.0, n_mels: int = 80, window_ms: float = 25.0,
                fmin: float = 0.0, fmax: float = 8000.0, preemphasis: float = 0.97,
                zscore: bool = False, compression: str = "log") -> np.ndarray:
    """Kaldi-style log-mel filterbank ``(n_mels, T)`` float32.

    The waveform is scaled by 2^15; frames of ``window_ms`` every
    ``min(dt_ms, 10)`` ms where the whole window fits ("snip edges"); per
    frame: DC removal, pre-emphasis, symmetric Hann ("hanning") window, FFT
    of the next power of two, power spectrum; Kaldi mel filters (triangles
    in mel = 1127 ln(1 + f/700) between ``fmin`` and ``fmax``); then
    ``compression``: ``'log'`` (Kaldi: natural log floored at machine
    epsilon), ``'log1p'``, ``'cubic'`` or ``'none'``. If ``dt_ms > 10`` (a multiple of 10), groups
    of ``dt_ms / 10`` frames are averaged. With ``zscore`` each band is
    z-scored over time (population std, floored at 1e-9).

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : int
        Its sample rate in Hz.
    dt_ms : float, default 10.0
        Frame spacing in ms: at most 10, or a multiple of 10.
    n_mels : int, default 80
        Number of mel bands.
    window_ms : float, default 25.0
        Frame length in ms.
    fmin, fmax : float, default 0, 8000
        Edges of the mel filters in Hz.
    preemphasis : float, default 0.97
        Pre-emphasis coefficient.
    zscore : bool, default False
        z-score each band over time.
    compression : {'log', 'log1p', 'cubic', 'none'}, default 'log'
        Compression of the mel energies.

    Examples
    --------
    One second at 16 kHz: 25-ms frames every 10 ms that fit whole, ``1 + (1000 - 25) // 10``.

    >>> from deepSTRF.dsp import kaldi_fbank
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> kaldi_fbank(x, 16000, dt_ms=10.0, n_mels=80).shape
    (80, 98)
    """
    check_option("compression", compression, ("log",) + COMPRESSIONS)
    shift_ms = dt_ms if dt_ms <= 10 else 10.0
    group = 1
    if dt_ms > 10:
        group = int(round(dt_ms / 10))
        if abs(group * 10 - dt_ms) > 1e-9:
            raise ValueError(f"dt_ms above 10 must be a multiple of 10 for kaldi_fbank; got {dt_ms}")
    shift = samples_per_bin(rate, shift_ms)
    win = int(round(window_ms * rate / 1000.0))
    xs = np.asarray(x, dtype=np.float64) * 32768.0
    n_frames = 1 + (len(xs) - win) // shift if len(xs) >= win else 0
    if n_frames < 1:
        raise ValueError(f"signal of {len(xs)} samples is shorter than one {window_ms} ms window ({win} samples)")
    fr = frames(xs, win, np.arange(n_frames) * shift)
    fr = fr - fr.mean(axis=1, keepdims=True)
    fr = np.concatenate([fr[:, :1] * (1 - preemphasis), fr[:, 1:] - preemphasis * fr[:, :-1]], axis=1)
    fr = fr * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / (win - 1)))
    n_fft = 1 << int(np.ceil(np.log2(win)))
    power = np.abs(np.fft.rfft(fr, n=n_fft, axis=1)) ** 2  # (frames, n_fft/2 + 1)
    banks = kaldi_mel_banks(rate, n_fft, n_mels, fmin, fmax)  # (n_mels, n_fft/2)
    mel = power[:, : n_fft // 2] @ banks.T
    if compression == "log":
        out = np.log(np.maximum(mel, np.finfo(np.float64).eps)).T  # (n_mels, frames)
    else:
        out = compress(mel, compression).T
    if group > 1:
        T = out.shape[1] // group
        out = out[:, : T * group].reshape(n_mels, T, group).mean(axis=2)
    if zscore:
        out = (out - out.mean(axis=1, keepdims=True)) / np.maximum(out.std(axis=1, keepdims=True), 1e-9)
    return out.astype(np.float32)


def kaldi_mel_banks(rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Kaldi's mel triangles ``(n_mels, n_fft // 2)``, built on the mel axis."""
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)  # noqa: E731
    lo, hi = mel(fmin), mel(fmax)
    delta = (hi - lo) / (n_mels + 1)
    left = lo + delta * np.arange(n_mels)
    center, right = left + delta, left + 2 * delta
    m = mel(np.arange(n_fft // 2) * rate / n_fft)[None, :]
    up = (m - left[:, None]) / (center - left)[:, None]
    down = (right[:, None] - m) / (right - center)[:, None]
    return np.where((m > left[:, None]) & (m < right[:, None]), np.minimum(up, down), 0.0)


def log_frequency_centres(fmin: float, fmax: float, bins_per_octave: int) -> np.ndarray:
    """``fmin * 2^(b / bins_per_octave)`` for ``b = 0 .. floor(log2(fmax / fmin) * bpo)``."""
    n = int(np.floor(np.log2(fmax / fmin) * bins_per_octave + 1e-9)) + 1
    return fmin * 2.0 ** (np.arange(n) / bins_per_octave)


def goertzel_spectrogram(x: np.ndarray, rate: float, dt_ms: float, fmin: float = 100.0, fmax: float = 45000.0,
                         bins_per_octave: int = 6, window_ms: float | None = None,
                         n_frames: int | None = None) -> np.ndarray:
    """Log-magnitude spectrogram at log-spaced centre frequencies, ``(F, T)`` float32 in dB.

    Single-frequency DFTs (Goertzel-style, not an FFT) of Hamming-windowed
    frames of ``window_ms`` (default ``2 * dt_ms``); frame ``k`` is centred on
    the sample nearest to ``k * dt_ms`` (exact time base, no drift, whatever
    the rate). Value ``20 log10(|X| + 1e-12)``. Bands above the Nyquist
    frequency of ``rate`` carry the floor value -240 dB instead of aliased
    energy. ``T = ceil(duration / dt_ms)`` unless ``n_frames`` is given.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : float
        Its sample rate in Hz (any, not necessarily whole).
    dt_ms : float
        Frame spacing in ms.
    fmin, fmax : float, default 100, 45000
        Lowest and highest centre frequencies in Hz.
    bins_per_octave : int, default 6
        Bands per octave (log-spaced centres from ``fmin``).
    window_ms : float, optional
        Hamming window in ms; default ``2 * dt_ms``.
    n_frames : int, optional
        Number of frames ``T``.

    Examples
    --------
    Half a second at 10 kHz, 5-ms frames; 6 bands per octave from 100 Hz to 3.2 kHz is 5 octaves.

    >>> from deepSTRF.dsp import goertzel_spectrogram
    >>> x = np.random.default_rng(0).standard_normal(5000)
    >>> goertzel_spectrogram(x, 10000, dt_ms=5.0, fmin=100.0, fmax=3200.0, bins_per_octave=6).shape
    (31, 100)
    """
    check_positive("rate", rate)
    check_positive("dt_ms", dt_ms)
    x = np.asarray(x, dtype=np.float64)
    centres = log_frequency_centres(fmin, fmax, bins_per_octave)
    W = max(4, int(round((2 * dt_ms if window_ms is None else window_ms) * rate / 1000.0)))
    w = np.hamming(W)
    step = dt_ms * rate / 1000.0
    T = int(np.ceil(len(x) / step - 1e-9)) if n_frames is None else n_frames
    padded = np.concatenate([np.zeros(W // 2), x, np.zeros(W + int(np.ceil(step)) * 2)])
    starts = np.round(np.arange(T) * step).astype(np.int64)
    need = starts[-1] + W if T else 0
    if need > len(padded):
        padded = np.concatenate([padded, np.zeros(need - len(padded))])
    basis = np.exp(-2j * np.pi * np.outer(np.arange(W), centres) / rate) * w[:, None]  # (W, F)
    out = np.empty((len(centres), T))
    for a in range(0, T, 512):  # blocks of frames keep the frame matrix small
        fr = frames(padded, W, starts[a : a + 512])
        out[:, a : a + 512] = (20.0 * np.log10(np.abs(fr @ basis) + 1e-12)).T
    out[centres > rate / 2] = 20.0 * np.log10(1e-12)
    return out.astype(np.float32)


def erb_number(f):
    """Glasberg & Moore ERB-number scale ``21.4 log10(0.00437 f + 1)``."""
    return 21.4 * np.log10(0.00437 * np.asarray(f, dtype=np.float64) + 1.0)


def erb_number_to_hz(e):
    return (10.0 ** (np.asarray(e, dtype=np.float64) / 21.4) - 1.0) / 0.00437


def erb_gaussian_spectrogram(x: np.ndarray, rate: int, dt_ms: float, n_bands: int = 8, fmin: float = 80.0,
                             fmax: float | None = None, window_ms: float | None = None) -> np.ndarray:
    """Log power in ``n_bands`` Gaussian bands on the ERB scale, ``(n_bands, T)`` float32.

    STFT as :func:`stft_power` (periodic Hann; ``n_fft = 1024`` if
    ``window_ms`` is None, else ``round(window_ms * rate / 1000)``; hop
    ``rate * dt_ms / 1000`` which must be whole); band centres equally spaced
    in ERB number between ``fmin`` and ``fmax`` (default ``rate / 2``),
    bandwidth ``24.7 (0.00437 f_c + 1)``, weight ``exp(-((f - f_c) / b)^2)``;
    value ``ln(weights @ power + 1e-8)``. Band 0 is the lowest.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        A mono signal.
    rate : int
        Its sample rate in Hz.
    dt_ms : float
        Frame hop in ms (``rate * dt_ms / 1000`` must be whole).
    n_bands : int, default 8
        Number of bands.
    fmin : float, default 80.0
        Lowest centre frequency in Hz.
    fmax : float, optional
        Highest centre frequency in Hz; default ``rate / 2``.
    window_ms : float, optional
        Analysis window in ms; default 1024 samples.

    Examples
    --------
    >>> from deepSTRF.dsp import erb_gaussian_spectrogram
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> erb_gaussian_spectrogram(x, 16000, dt_ms=10.0, n_bands=8).shape
    (8, 101)
    """
    hop = samples_per_bin(rate, dt_ms)
    n_fft = 1024 if window_ms is None else max(int(round(window_ms * rate / 1000.0)), hop)
    power = stft_power(x, n_fft, hop)
    fmax = rate / 2 if fmax is None else fmax
    fc = erb_number_to_hz(np.linspace(erb_number(fmin), erb_number(fmax), n_bands))
    f = np.linspace(0.0, rate / 2, n_fft // 2 + 1)
    b = 24.7 * (0.00437 * fc + 1.0)
    weights = np.exp(-(((f[None, :] - fc[:, None]) / b[:, None]) ** 2))
    return np.log(weights @ power + 1e-8).astype(np.float32)
