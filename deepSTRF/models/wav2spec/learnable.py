"""The learnable front-ends: SincNet's band-pass sinc filters and LEAF's Gabor filterbank,
both strictly causal and on the dataset's frame grid."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..._checks import check_option, check_positive
from ._base import Wav2Spec, causal_fir, mel_points, nyquist_fmax, pcen

_MIN_LOW_HZ, _MIN_BAND_HZ = 50.0, 50.0


class SincNet(Wav2Spec):
    """Learnable band-pass sinc filters (Ravanelli & Bengio 2018), causal, on the frame grid.

    Filter ``k`` is the Hamming-windowed difference of two low-pass sincs, ``2 f2 sinc(2 f2 n) -
    2 f1 sinc(2 f1 n)``; its low cut-off ``f1 = f_min + |low_k|`` and band ``f2 - f1 = 50 Hz +
    |band_k|`` (clipped at Nyquist) are the learned parameters. Applied causally (tap 0 is the
    current sample, so the filter delays by ``(kernel_size - 1) / 2`` samples), then per frame:
    with ``envelope=False`` the output at the frame's last sample, with ``envelope=True`` the
    mean of ``|y|`` over the ``env_window_ms`` window (one hop by default) ending there; then the
    ``activation``.

    Parameters
    ----------
    audio_fs : int
        Sample rate in Hz.
    n_filters : int, default 34
        Bands (filters).
    kernel_size : int, default 251
        Taps (odd).
    hop_ms : float, default 5.0
        Frame step in ms; ``audio_fs * hop_ms / 1000`` must be a whole number of samples.
    f_min : float, default 300.0
        Lowest cut-off at initialisation, Hz.
    f_max : float, optional
        Highest edge at initialisation (default: Nyquist).
    init : {'mel', 'linear'}, default 'mel'
        Spacing of the initial bands.
    activation : {'logabs', 'abs', 'none'}, default 'logabs'
        ``log(|v| + 1e-6)``, ``|v|`` or ``v``.
    envelope : bool, default False
        Frame value: the mean of ``|y|`` over a window (True) or the last sample (False).
    env_window_ms : float, optional
        Envelope window in ms (one hop when None).

    Examples
    --------
    A learnable front-end: its band edges train with the model.

    >>> from deepSTRF.models import SincNet
    >>> frontend = SincNet(16000, n_filters=16, f_max=7900.0)
    >>> frontend(torch.randn(1, 1, 8000)).shape, any(p.requires_grad for p in frontend.parameters())
    (torch.Size([1, 1, 16, 100]), True)
    """

    def __init__(self, audio_fs: int, n_filters: int = 34, kernel_size: int = 251, hop_ms: float = 5.0,
                 f_min: float = 300.0, f_max: float | None = None, init: str = "mel", activation: str = "logabs",
                 envelope: bool = False, env_window_ms: float | None = None):
        super().__init__(audio_fs, hop_ms, n_filters)
        check_positive("kernel_size", kernel_size, integer=True)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a symmetric filter); got {kernel_size}")
        check_option("init", init, ("mel", "linear"))
        self.activation = check_option("activation", activation, ("logabs", "abs", "none"))
        self.envelope = bool(envelope)
        self.kernel_size = int(kernel_size)
        f_max = nyquist_fmax(f_max, audio_fs, "SincNet")
        edges = mel_points(f_min, f_max, n_filters + 1) if init == "mel" else np.linspace(f_min, f_max, n_filters + 1)
        self.low_hz = nn.Parameter(torch.tensor(edges[:-1] - _MIN_LOW_HZ, dtype=torch.float32).view(-1))
        self.band_hz = nn.Parameter(torch.tensor(np.diff(edges) - _MIN_BAND_HZ, dtype=torch.float32).clamp(min=0))
        half = (kernel_size - 1) // 2
        self.register_buffer("n", (torch.arange(-half, half + 1, dtype=torch.float32) / audio_fs))
        self.register_buffer("window", torch.hamming_window(kernel_size, periodic=False))
        self.env = self.hop if env_window_ms is None else max(1, int(round(env_window_ms * audio_fs / 1000.0)))

    def filters(self) -> torch.Tensor:
        """The current kernels ``(F, kernel_size)``."""
        nyq = self.audio_fs / 2
        low = _MIN_LOW_HZ + self.low_hz.abs()
        high = torch.clamp(low + _MIN_BAND_HZ + self.band_hz.abs(), max=nyq)
        t = self.n[None, :]

        def lowpass(f):  # 2 f sinc(2 f t), sinc(x) = sin(pi x) / (pi x)
            return 2 * f[:, None] * torch.sinc(2 * f[:, None] * t)

        return (lowpass(high) - lowpass(low)) * self.window / self.audio_fs  # unit gain in the pass band

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = causal_fir(self._check(x), self.filters())  # (B, F, n)
        if self.envelope:
            v = self._frame_mean(y.abs(), self.env)
        else:
            v = y[..., self.hop - 1 :: self.hop]
        if self.activation == "logabs":
            v = torch.log(v.abs() + 1e-6)
        elif self.activation == "abs":
            v = v.abs()
        return v.unsqueeze(1)


class CausalLEAF(Wav2Spec):
    """LEAF (Zeghidour et al. 2021), causal: a learnable Gabor filterbank, squared modulus,
    learnable Gaussian low-pass pooling evaluated at each frame end, and learnable PCEN.

    Gabor filter ``k``: ``exp(2 pi i f_k t) * exp(-t^2 / (2 sigma_k^2))`` centred in a
    ``kernel_ms`` window applied causally (tap 0 the current sample); centre frequencies start
    mel-spaced between ``f_min`` and ``f_max``, bandwidths at the mel spacing. Pooling: a
    Gaussian window over the ``pool_ms`` (default two hops) ending at the frame's end, width
    learned per band. PCEN per band, its ``alpha``, ``delta``, ``r`` and smoothing rate ``s``
    learned. ``learn_*=False`` freezes a stage at its initialisation.

    Parameters
    ----------
    audio_fs : int
        Sample rate in Hz.
    n_filters : int, default 34
        Bands (filters).
    hop_ms : float, default 5.0
        Frame step in ms; ``audio_fs * hop_ms / 1000`` must be a whole number of samples.
    f_min, f_max : float, default 60.0, 22627.0
        Hz (``f_max`` above Nyquist is lowered, with a warning).
    kernel_ms : float, default 15.0
        Filter length in ms.
    pool_ms : float, optional
        Pooling window in ms (two hops when None).
    learn_filters, learn_pooling, learn_pcen : bool, default True
        Learn the Gabor centre frequencies and widths.

    Examples
    --------
    >>> from deepSTRF.models import CausalLEAF
    >>> CausalLEAF(16000, n_filters=16, f_max=7900.0)(torch.randn(1, 1, 8000)).shape
    torch.Size([1, 1, 16, 100])
    """

    def __init__(self, audio_fs: int, n_filters: int = 34, hop_ms: float = 5.0, f_min: float = 60.0,
                 f_max: float = 22627.0, kernel_ms: float = 15.0, pool_ms: float | None = None,
                 learn_filters: bool = True, learn_pooling: bool = True, learn_pcen: bool = True):
        super().__init__(audio_fs, hop_ms, n_filters)
        check_positive("kernel_ms", kernel_ms)
        f_max = nyquist_fmax(f_max, audio_fs, "CausalLEAF")
        pts = mel_points(f_min, f_max, n_filters + 2)
        centres = pts[1:-1]
        bandwidth = (pts[2:] - pts[:-2]) / 2  # Hz
        self.L = max(3, int(round(kernel_ms * audio_fs / 1000.0)))
        sigma = np.clip(1.0 / (2 * np.pi * bandwidth), 2.0 / audio_fs, self.L / (4.0 * audio_fs))  # seconds
        self.centre_hz = nn.Parameter(torch.tensor(centres, dtype=torch.float32), requires_grad=learn_filters)
        self.log_sigma = nn.Parameter(torch.tensor(np.log(sigma), dtype=torch.float32), requires_grad=learn_filters)
        self.P = max(self.hop, int(round((pool_ms if pool_ms is not None else 2 * hop_ms) * audio_fs / 1000.0)))
        self.pool_width = nn.Parameter(torch.full((n_filters,), 0.4), requires_grad=learn_pooling)
        self.alpha = nn.Parameter(torch.full((n_filters,), 0.96), requires_grad=learn_pcen)
        self.delta = nn.Parameter(torch.full((n_filters,), 2.0), requires_grad=learn_pcen)
        self.r = nn.Parameter(torch.full((n_filters,), 0.5), requires_grad=learn_pcen)
        self.s_logit = nn.Parameter(torch.full((n_filters,), math.log(0.04 / 0.96)), requires_grad=learn_pcen)
        self.register_buffer("t", (torch.arange(self.L, dtype=torch.float32) - (self.L - 1) / 2) / audio_fs)

    def gabor(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Real and imaginary kernels ``(F, L)``."""
        f = self.centre_hz.clamp(min=0.0, max=self.audio_fs / 2)[:, None]
        sigma = self.log_sigma.exp()[:, None]
        env = torch.exp(-0.5 * (self.t[None, :] / sigma) ** 2)
        env = env / env.sum(dim=1, keepdim=True)
        phase = 2 * math.pi * f * self.t[None, :]
        return env * torch.cos(phase), env * torch.sin(phase)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._check(x)
        re, im = self.gabor()
        e = causal_fir(x, re) ** 2 + causal_fir(x, im) ** 2  # (B, F, n): squared modulus
        # Gaussian pooling over the P samples ending at each frame end (window taps reversed: tap 0 = now)
        k = torch.arange(self.P, dtype=x.dtype, device=x.device)
        centre = (self.P - 1) / 2
        width = self.pool_width.clamp(min=0.05, max=1.0)[:, None] * (self.P / 2)
        w = torch.exp(-0.5 * ((k[None, :] - centre) / width) ** 2)
        w = w / w.sum(dim=1, keepdim=True)
        pooled = causal_fir(e, w)[..., self.hop - 1 :: self.hop]  # (B, F, T)
        s = torch.sigmoid(self.s_logit)
        out = pcen(pooled, self.alpha.clamp(min=0.0, max=1.0), self.delta.clamp(min=1e-3), self.r.clamp(min=0.05, max=1.0), s)
        return out.unsqueeze(1)
