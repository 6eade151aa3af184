"""What every waveform front-end shares: the grid lock, causal frames, causal FIR filtering,
compression and PCEN. ``(B, 1, T_audio)`` in, ``(B, 1, F, T)`` out, ``T = T_audio // hop``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional as Fn

from ..._checks import check_option, check_positive
from ...dsp.spectrogram import samples_per_bin

COMPRESSIONS = ("log", "log1p", "cubic", "none")


class Wav2Spec(nn.Module):
    """Base of the front-ends: ``audio_fs``, ``hop_ms``, ``hop`` (samples per frame, an exact
    integer: the grid lock) and ``out_channels`` (F). Output frame ``t`` depends only on the
    samples ``[0, (t + 1) * hop)`` (strictly causal)."""

    def __init__(self, audio_fs: int, hop_ms: float, out_channels: int):
        super().__init__()
        check_positive("audio_fs", audio_fs, integer=True)
        check_positive("hop_ms", hop_ms)
        check_positive("out_channels", out_channels, integer=True)
        self.audio_fs = int(audio_fs)
        self.hop_ms = float(hop_ms)
        self.dt_ms = self.hop_ms
        self.hop = samples_per_bin(audio_fs, hop_ms)
        self.out_channels = int(out_channels)

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != 1:
            raise ValueError(f"input must be a (B, 1, T_audio) waveform; got shape {tuple(x.shape)}")
        T = x.shape[-1] // self.hop
        if T < 1:
            raise ValueError(f"input has {x.shape[-1]} samples, fewer than one hop ({self.hop})")
        return x[..., : T * self.hop]

    def _causal_frames(self, x: torch.Tensor, length: int) -> torch.Tensor:
        """``(B, T, length)``: frame t holds samples ``[(t+1) hop - length, (t+1) hop)``, zeros before 0."""
        if length >= self.hop:
            return Fn.pad(x[:, 0], (length - self.hop, 0)).unfold(-1, length, self.hop)
        return x[:, 0].unfold(-1, self.hop, self.hop)[..., self.hop - length:]

    def _frame_mean(self, e: torch.Tensor, window: int) -> torch.Tensor:
        """``(B, F, T_audio)`` -> ``(B, F, T)``: the mean over the ``window`` samples ending at each frame end."""
        B, F, n = e.shape
        if window >= self.hop:
            return Fn.avg_pool1d(Fn.pad(e, (window - self.hop, 0)), window, self.hop)
        return e.reshape(B, F, n // self.hop, self.hop)[..., self.hop - window:].mean(-1)


def nyquist_fmax(f_max, audio_fs: int, name: str) -> float:
    """``f_max`` (None: the Nyquist frequency), lowered to just below Nyquist with a warning if above it."""
    nyq = audio_fs / 2
    if f_max is None:
        return 0.999 * nyq
    if f_max > nyq:
        warnings.warn(f"{name}: f_max={f_max:g} Hz is above the Nyquist frequency of audio_fs={audio_fs} Hz; "
                      f"using {0.999 * nyq:g} Hz", UserWarning, stacklevel=3)
        return 0.999 * nyq
    return float(f_max)


def causal_fir(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """``x`` ``(B, 1, n)`` (or ``(B, F, n)``, one channel per filter) through FIR filters
    ``kernels`` ``(F, L)`` (tap 0 = the current sample): ``(B, F, n)``, each output sample a
    function of the current and earlier inputs only. By FFT (differentiable in both arguments)."""
    n, L = x.shape[-1], kernels.shape[-1]
    size = 1 << int(math.ceil(math.log2(n + L - 1)))
    # float64: float32 FFT round-off (~1e-7 of the whole signal's energy) would leak later samples into
    # earlier outputs, visibly so after a log
    xd, kd = x.to(torch.float64), kernels.to(torch.float64)
    y = torch.fft.irfft(torch.fft.rfft(xd, n=size) * torch.fft.rfft(kd, n=size), n=size)
    return y[..., :n].to(x.dtype)


def compress(x: torch.Tensor, compression: str, log_floor: float = 1e-4, log_offset: float | None = None):
    """``'log'``: ``log(max(x, log_floor))`` (or ``log(x + log_offset)`` when given);
    ``'log1p'``; ``'cubic'``: ``(x + 1e-8)^(1/3)`` (finite gradient at 0); ``'none'``."""
    if compression == "log":
        return torch.log(x + log_offset) if log_offset is not None else torch.log(x.clamp(min=log_floor))
    if compression == "log1p":
        return torch.log1p(x)
    if compression == "cubic":
        return (x + 1e-8) ** (1.0 / 3.0)
    return x


def ema_kernel(s: torch.Tensor, length: int) -> torch.Tensor:
    """Impulse responses ``(F, length)`` of the causal smoother ``M_t = (1 - s) M_{t-1} + s E_t``."""
    k = torch.arange(length, dtype=s.dtype, device=s.device)
    return s[:, None] * (1 - s[:, None]) ** k[None, :]


def pcen(e: torch.Tensor, alpha, delta, r, s, eps: float = 1e-6) -> torch.Tensor:
    """Per-channel energy normalisation (Wang et al. 2017) of ``e`` ``(B, F, T)``, causal:
    ``(e / (eps + M)^alpha + delta)^r - delta^r`` with ``M`` the exponential smoother of rate ``s``.
    Parameters are ``(F,)`` tensors (learnable or not). The smoother is applied
    as an FIR filter as long as the input (exact, and its length does not
    depend on ``s``: no value is read back to the host, so this runs on any
    device without a sync)."""
    m = causal_fir(e, ema_kernel(s, e.shape[-1])).clamp(min=0)  # per channel: (B, F, T) with (F, T)
    a, d, rr = alpha[:, None], delta[:, None], r[:, None]
    return (e / (eps + m) ** a + d) ** rr - d**rr


def check_compression(compression: str, allowed=COMPRESSIONS) -> str:
    return check_option("compression", compression, allowed)


def mel_points(f_min: float, f_max: float, n: int, scale: str = "htk") -> np.ndarray:
    """``n`` points equally spaced on the mel scale from ``f_min`` to ``f_max`` (Hz)."""
    if scale == "htk":
        to_mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)  # noqa: E731
        to_hz = lambda m: 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)  # noqa: E731
    else:  # Slaney's Auditory Toolbox: linear below 1 kHz, logarithmic above
        step, brk, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0

        def to_mel(f):
            f = np.asarray(f, dtype=float)
            return np.where(f < brk, f / step, brk / step + np.log(np.maximum(f, 1e-9) / brk) / logstep)

        def to_hz(m):
            m = np.asarray(m, dtype=float)
            return np.where(m < brk / step, m * step, brk * np.exp(logstep * (m - brk / step)))
    return to_hz(np.linspace(to_mel(f_min), to_mel(f_max), n))
