"""Waveform front-ends: ``(B, 1, T_audio)`` -> ``(B, 1, F, T_neural)``.

Each module has ``out_channels`` (F), ``hop`` (samples per neural bin,
``audio_fs * dt_ms / 1000``, an integer: the grid lock) and ``audio_fs``,
and is strictly causal: output frame ``t`` depends only on samples
``[0, (t + 1) * hop)``. ``T_neural = T_audio // hop``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as Fn

from .._checks import check_option, check_positive
from ..dsp.gammatone import erb_filter_coefficients, erb_space
from ..dsp.spectrogram import mel_filterbank, samples_per_bin


class _Wav2Spec(nn.Module):
    def __init__(self, audio_fs: int, dt_ms: float, out_channels: int):
        super().__init__()
        check_positive("audio_fs", audio_fs, integer=True)
        self.audio_fs = audio_fs
        self.dt_ms = float(dt_ms)
        self.hop = samples_per_bin(audio_fs, dt_ms)
        self.out_channels = out_channels

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != 1:
            raise ValueError(f"input must be a (B, 1, T_audio) waveform; got shape {tuple(x.shape)}")
        T = x.shape[-1] // self.hop
        return x[..., : T * self.hop]

    def _causal_frames(self, x: torch.Tensor, length: int) -> torch.Tensor:
        """``(B, T, length)``: frame t holds samples ``[(t+1) hop - length, (t+1) hop)``, zeros before 0."""
        x = Fn.pad(x[:, 0], (length - self.hop, 0)) if length >= self.hop else x[:, 0]
        if length >= self.hop:
            return x.unfold(-1, length, self.hop)
        return x.unfold(-1, self.hop, self.hop)[..., self.hop - length:]


class CausalMelSpectrogram(_Wav2Spec):
    """Mel power spectrogram on causal frames.

    Frame ``t`` is the periodic-Hann-windowed FFT of the ``round(window_ms *
    audio_fs / 1000)`` samples ending at ``(t + 1) * hop``; HTK mel filters
    (as :func:`deepSTRF.dsp.mel_filterbank`); ``compression`` 'log1p',
    'cubic' (``(x + 1e-8)^(1/3)``, finite gradient at 0) or 'none'.
    """

    def __init__(self, audio_fs: int, dt_ms: float, n_mels: int = 32, window_ms: float = 10.0, fmin: float = 0.0,
                 fmax: float | None = None, compression: str = "log1p"):
        super().__init__(audio_fs, dt_ms, n_mels)
        check_option("compression", compression, ("log1p", "cubic", "none"))
        self.compression = compression
        self.n_fft = max(int(round(window_ms * audio_fs / 1000.0)), 1)
        win = torch.hann_window(self.n_fft, periodic=True, dtype=torch.float64)
        self.register_buffer("window", win.float())
        self.register_buffer("fb", torch.from_numpy(mel_filterbank(audio_fs, self.n_fft, n_mels, fmin, fmax)).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._check(x)
        fr = self._causal_frames(x, self.n_fft) * self.window
        power = torch.fft.rfft(fr, dim=-1).abs() ** 2  # (B, T, n_fft/2 + 1)
        mel = torch.matmul(power, self.fb.T).transpose(1, 2)  # (B, F, T)
        if self.compression == "log1p":
            mel = torch.log1p(mel)
        elif self.compression == "cubic":
            mel = (mel + 1e-8) ** (1.0 / 3.0)
        return mel.unsqueeze(1)


def _gammatone_kernels(audio_fs: int, centres: np.ndarray, max_ms: float = 100.0) -> np.ndarray:
    """Impulse responses ``(F, L)`` of the Slaney gammatone filters, truncated once
    99.9999 % of every band's energy has passed (at most ``max_ms``)."""
    import scipy.signal

    n = int(max_ms * audio_fs / 1000)
    impulse = np.zeros(n)
    impulse[0] = 1.0
    irs = np.stack([scipy.signal.sosfilt(s, impulse) for s in erb_filter_coefficients(audio_fs, centres)])
    energy = np.cumsum(irs**2, axis=1)
    L = int(max(np.searchsorted(e, (1 - 1e-6) * e[-1]) for e in energy)) + 1
    return irs[:, :L]


class _GammatoneBank(_Wav2Spec):
    """Causal gammatone filterbank (FIR: the truncated impulse responses of the
    Slaney IIR filters, applied by FFT convolution), squared, RMS over the
    window ending at ``(t + 1) * hop``."""

    def __init__(self, audio_fs, dt_ms, n_bands, fmin, fmax, window_ms):
        super().__init__(audio_fs, dt_ms, n_bands)
        fmax = audio_fs / 2 if fmax is None else fmax
        if fmax > audio_fs / 2:
            raise ValueError(f"fmax={fmax} Hz is above the Nyquist frequency of audio_fs={audio_fs} Hz")
        self.centres_hz = erb_space(fmin, fmax, n_bands)
        self.register_buffer("kernels", torch.from_numpy(_gammatone_kernels(audio_fs, self.centres_hz)).float())
        self.win = max(1, int(np.floor(window_ms * audio_fs / 1000.0 + 0.5)))

    def rms(self, x: torch.Tensor) -> torch.Tensor:
        x = self._check(x)
        B, _, T = x.shape
        L = self.kernels.shape[1]
        n = 1 << int(np.ceil(np.log2(T + L - 1)))
        y = torch.fft.irfft(torch.fft.rfft(x, n=n) * torch.fft.rfft(self.kernels, n=n), n=n)[..., :T]  # (B, F, T)
        e = y * y
        if self.win >= self.hop:  # windows ending at (t + 1) * hop, zeros before the start
            mean = Fn.avg_pool1d(Fn.pad(e, (self.win - self.hop, 0)), self.win, self.hop)
        else:
            mean = e.reshape(B, -1, T // self.hop, self.hop)[..., self.hop - self.win:].mean(-1)
        return torch.sqrt(mean.clamp(min=0))


class Gammatonegram(_GammatoneBank):
    """Causal reproduction of the Slaney / Heeris gammatone-gram ("gtgram").

    ``n_bands`` 4th-order gammatone filters ERB-spaced from ``fmin`` to just
    below ``fmax``; each band's RMS over the ``window_ms`` window ending at
    the end of bin ``t`` (the gtgram window starts at ``t * hop`` instead);
    value ``ln(1 + x)``. Defaults follow Le, Bjoring & Meliza (2025).
    """

    def __init__(self, audio_fs: int, dt_ms: float, n_bands: int = 50, fmin: float = 1000.0, fmax: float = 8000.0,
                 window_ms: float = 2.5):
        super().__init__(audio_fs, dt_ms, n_bands, fmin, fmax, window_ms)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log1p(self.rms(x)).unsqueeze(1)


class CausalGammatone(_GammatoneBank):
    """NEMS-style "ozgf" cochleagram, causal: the gammatone-gram of ``n_bands``
    bands from ``fmin`` to ``fmax`` (default 20 kHz, or just below the Nyquist
    frequency of a lower ``audio_fs``) with a window of one bin, compressed as the
    LBHB datasets are at load time, ``log((x + d) / d)`` with ``d = 10**log_offset``
    (default ``log(10 x + 1)``).
    """

    def __init__(self, audio_fs: int, dt_ms: float, n_bands: int = 18, fmin: float = 200.0,
                 fmax: float | None = None, log_offset: float = -1.0):
        if fmax is None:  # 20 kHz, as the LBHB cochleagrams, or just below Nyquist at lower rates
            fmax = min(20000.0, 0.999 * audio_fs / 2)
        super().__init__(audio_fs, dt_ms, n_bands, fmin, fmax, dt_ms)
        self.d = 10.0 ** log_offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log((self.rms(x) + self.d) / self.d).unsqueeze(1)


KINDS = {"mel": CausalMelSpectrogram, "gammatone": CausalGammatone, "gammatonegram": Gammatonegram}


def make_wav2spec(kind: str, audio_fs: int, dt_ms: float, **kwargs) -> nn.Module:
    """A waveform front-end by name: ``'mel'``, ``'gammatone'`` (ozgf) or ``'gammatonegram'``."""
    check_option("kind", kind, tuple(KINDS))
    return KINDS[kind](audio_fs, dt_ms, **kwargs)
