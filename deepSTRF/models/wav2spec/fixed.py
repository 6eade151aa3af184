"""The fixed front-ends: causal mel spectrogram, causal gammatone filterbank, gammatone-gram."""

from __future__ import annotations

import numpy as np
import torch

from ..._checks import check_option, check_positive
from ...dsp.gammatone import erb_space
from ._base import Wav2Spec, causal_fir, check_compression, compress, mel_points, nyquist_fmax, pcen


class CausalMelSpectrogram(Wav2Spec):
    """Mel spectrogram on causal frames (deepSTRF 0.1.0's signature and defaults: the Rahman
    et al. 2019 cochleagram, 34 bands from 500 Hz to 22 627 Hz, 10-ms windows, 5-ms hops).

    Frame ``t`` is the periodic-Hann-windowed FFT of the ``round(win_ms * audio_fs / 1000)``
    samples ending at ``(t + 1) * hop``; its magnitude (or power) through triangular mel filters
    (peak 1), then compressed.

    Parameters
    ----------
    audio_fs : int
        Sample rate in Hz.
    n_mels : int, default 34
        Bands.
    hop_ms : float, default 5.0
        Frame step in ms (``audio_fs * hop_ms / 1000`` must be a whole number of samples).
    win_ms : float, default 10.0
        Window length in ms.
    f_min, f_max : float, default 500.0, 22627.0
        Edges of the filterbank in Hz (``f_max`` above Nyquist is lowered, with a warning).
    magnitude : {'amplitude', 'power'}, default 'amplitude'
        Filter the spectrum's magnitude or its power.
    compression : {'log', 'log1p', 'cubic', 'none'}, default 'log'
        Applied to the envelope (see :func:`deepSTRF.models.wav2spec._base.compress`).
    log_floor : float, default 1e-4
        ``'log'`` is ``log(max(x, log_floor))``.
    log_offset : float, optional
        If given, ``'log'`` is ``log(x + log_offset)`` instead.
    mel_scale : {'htk', 'slaney'}, default 'htk'
        HTK's mel formula or Slaney's (linear below 1 kHz).

    Examples
    --------
    One second at 16 kHz, 5-ms hop: 200 frames on the responses' time base.

    >>> from deepSTRF.models import CausalMelSpectrogram
    >>> frontend = CausalMelSpectrogram(16000, n_mels=34, hop_ms=5.0, f_max=7900.0)
    >>> frontend(torch.randn(2, 1, 16000)).shape     # (B, 1, n_mels, T)
    torch.Size([2, 1, 34, 200])
    """

    def __init__(self, audio_fs: int, n_mels: int = 34, hop_ms: float = 5.0, win_ms: float = 10.0,
                 f_min: float = 500.0, f_max: float = 22627.0, magnitude: str = "amplitude", compression: str = "log",
                 log_floor: float = 1e-4, log_offset: float | None = None, mel_scale: str = "htk"):
        super().__init__(audio_fs, hop_ms, n_mels)
        check_option("magnitude", magnitude, ("amplitude", "power"))
        check_option("mel_scale", mel_scale, ("htk", "slaney"))
        self.magnitude, self.compression = magnitude, check_compression(compression)
        self.log_floor, self.log_offset = float(log_floor), log_offset
        check_positive("win_ms", win_ms)
        self.n_fft = max(int(round(win_ms * audio_fs / 1000.0)), 2)
        f_max = nyquist_fmax(f_max, audio_fs, "CausalMelSpectrogram")
        pts = mel_points(f_min, f_max, n_mels + 2, mel_scale)
        freqs = np.linspace(0.0, audio_fs / 2, self.n_fft // 2 + 1)
        lower = (freqs[None, :] - pts[:-2, None]) / (pts[1:-1] - pts[:-2])[:, None]
        upper = (pts[2:, None] - freqs[None, :]) / (pts[2:] - pts[1:-1])[:, None]
        self.register_buffer("fb", torch.from_numpy(np.maximum(0.0, np.minimum(lower, upper))).float())
        self.register_buffer("window", torch.hann_window(self.n_fft, periodic=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._check(x)
        spec = torch.fft.rfft(self._causal_frames(x, self.n_fft) * self.window, dim=-1).abs()
        if self.magnitude == "power":
            spec = spec**2
        mel = torch.matmul(spec, self.fb.T).transpose(1, 2)  # (B, F, T)
        return compress(mel, self.compression, self.log_floor, self.log_offset).unsqueeze(1)


def gammatone_kernels(audio_fs: int, centres: np.ndarray, order: int, b_factor: float, length: int) -> np.ndarray:
    """FIR gammatone impulse responses ``(F, length)``: ``t^(n-1) exp(-2 pi b ERB(f) t) cos(2 pi f t)``,
    ``ERB(f) = 24.7 (4.37 f / 1000 + 1)`` (Glasberg & Moore 1990), each scaled to unit gain at its centre."""
    t = np.arange(length) / audio_fs
    erb = 24.7 * (4.37 * centres / 1000.0 + 1.0)
    g = t[None, :] ** (order - 1) * np.exp(-2 * np.pi * b_factor * erb[:, None] * t[None, :]) \
        * np.cos(2 * np.pi * centres[:, None] * t[None, :])
    gain = np.abs((g * np.exp(-2j * np.pi * centres[:, None] * t[None, :])).sum(axis=1))
    return g / gain[:, None]


class CausalGammatone(Wav2Spec):
    """Causal gammatone filterbank cochleagram (deepSTRF 0.1.0's signature and defaults).

    ``n_filters`` FIR gammatone filters (``order``, bandwidth ``b_factor`` ERB, ``kernel_ms``
    long) ERB-spaced from ``f_min`` to just below ``f_max``; each band rectified, averaged over
    the ``env_window_ms`` window (default one hop) ending at each frame end, then compressed,
    or normalised by PCEN.

    Parameters
    ----------
    audio_fs : int
        Sample rate in Hz.
    n_filters : int, default 34
        Bands (filters).
    hop_ms : float, default 5.0
        Frame step in ms; ``audio_fs * hop_ms / 1000`` must be a whole number of samples.
    f_min, f_max : float, default 500.0, 22627.0
        Hz (``f_max`` above Nyquist is lowered, with a warning).
    order : int, default 4
        Gammatone order.
    b_factor : float, default 1.019
        Bandwidth in ERBs.
    kernel_ms : float, default 20.0
        FIR length.
    rectify : {'halfwave', 'fullwave', 'square'}, default 'halfwave'
        How each band's output is rectified before the envelope.
    env_window_ms : float, optional
        Envelope window; one hop when None.
    compression : {'log', 'log1p', 'cubic', 'none', 'pcen'}, default 'log'
        Applied to the envelope (see :func:`deepSTRF.models.wav2spec._base.compress`).
    log_floor : float, default 1e-4
        ``'log'`` is ``log(max(x, log_floor))``.
    pcen_alpha, pcen_delta, pcen_r, pcen_s, pcen_eps : float
        PCEN parameters (``compression='pcen'``), defaults 0.98, 2.0, 0.5, 0.025, 1e-6.

    Examples
    --------
    >>> from deepSTRF.models import CausalGammatone
    >>> CausalGammatone(16000, n_filters=16, f_max=7900.0)(torch.randn(1, 1, 8000)).shape
    torch.Size([1, 1, 16, 100])
    """

    def __init__(self, audio_fs: int, n_filters: int = 34, hop_ms: float = 5.0, f_min: float = 500.0,
                 f_max: float = 22627.0, order: int = 4, b_factor: float = 1.019, kernel_ms: float = 20.0,
                 rectify: str = "halfwave", env_window_ms: float | None = None, compression: str = "log",
                 log_floor: float = 1e-4, pcen_alpha: float = 0.98, pcen_delta: float = 2.0, pcen_r: float = 0.5,
                 pcen_s: float = 0.025, pcen_eps: float = 1e-6):
        super().__init__(audio_fs, hop_ms, n_filters)
        check_positive("order", order, integer=True)
        check_positive("kernel_ms", kernel_ms)
        self.rectify = check_option("rectify", rectify, ("halfwave", "fullwave", "square"))
        self.compression = check_compression(compression, ("log", "log1p", "cubic", "none", "pcen"))
        self.log_floor = float(log_floor)
        f_max = nyquist_fmax(f_max, audio_fs, "CausalGammatone")
        self.centres_hz = erb_space(f_min, f_max, n_filters)
        L = max(2, int(round(kernel_ms * audio_fs / 1000.0)))
        self.register_buffer("kernels", torch.from_numpy(
            gammatone_kernels(audio_fs, self.centres_hz, order, b_factor, L)).float())
        self.env = self.hop if env_window_ms is None else max(1, int(round(env_window_ms * audio_fs / 1000.0)))
        self.pcen_eps = float(pcen_eps)
        for name, v in (("pcen_alpha", pcen_alpha), ("pcen_delta", pcen_delta), ("pcen_r", pcen_r),
                        ("pcen_s", pcen_s)):
            self.register_buffer(name, torch.full((n_filters,), float(v)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = causal_fir(self._check(x), self.kernels)
        y = torch.relu(y) if self.rectify == "halfwave" else y.abs() if self.rectify == "fullwave" else y * y
        env = self._frame_mean(y, self.env)
        if self.compression == "pcen":
            out = pcen(env, self.pcen_alpha, self.pcen_delta, self.pcen_r, self.pcen_s, self.pcen_eps)
        else:
            out = compress(env, self.compression, self.log_floor)
        return out.unsqueeze(1)


class Gammatonegram(Wav2Spec):
    """Causal gammatone-gram ("gtgram", Slaney / Heeris): each band's RMS over the ``window_ms``
    window ending at each frame end, compressed (deepSTRF 0.1.0's signature; defaults follow
    Le, Bjoring & Meliza 2025). The filters are the Slaney 4th-order gammatones (truncated IIR
    impulse responses), ERB-spaced from ``f_min`` to just below ``f_max``.

    Parameters
    ----------
    audio_fs : int
        Sample rate in Hz.
    n_filters : int, default 50
        Bands (filters).
    hop_ms : float, default 5.0
        Frame step in ms; ``audio_fs * hop_ms / 1000`` must be a whole number of samples.
    window_ms : float, default 2.5
        RMS window.
    f_min, f_max : float, default 1000.0, 8000.0
        Lowest band edge in Hz.
    compression : {'log1p', 'log', 'cubic', 'none'}, default 'log1p'
        Applied to the envelope (see :func:`deepSTRF.models.wav2spec._base.compress`).
    log_floor : float, default 1e-8
        ``'log'`` is ``log(max(x, log_floor))``.

    Examples
    --------
    >>> from deepSTRF.models import Gammatonegram
    >>> Gammatonegram(16000, n_filters=20, f_max=7900.0)(torch.randn(1, 1, 8000)).shape
    torch.Size([1, 1, 20, 100])
    """

    def __init__(self, audio_fs: int, n_filters: int = 50, hop_ms: float = 5.0, window_ms: float = 2.5,
                 f_min: float = 1000.0, f_max: float = 8000.0, compression: str = "log1p", log_floor: float = 1e-8):
        super().__init__(audio_fs, hop_ms, n_filters)
        from ._slaney import slaney_kernels

        self.compression, self.log_floor = check_compression(compression), float(log_floor)
        f_max = nyquist_fmax(f_max, audio_fs, "Gammatonegram")
        self.centres_hz = erb_space(f_min, f_max, n_filters)
        self.register_buffer("kernels", torch.from_numpy(slaney_kernels(audio_fs, self.centres_hz)).float())
        self.win = max(1, int(np.floor(window_ms * audio_fs / 1000.0 + 0.5)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = causal_fir(self._check(x), self.kernels)
        rms = torch.sqrt(self._frame_mean(y * y, self.win).clamp(min=0))
        return compress(rms, self.compression, self.log_floor).unsqueeze(1)
