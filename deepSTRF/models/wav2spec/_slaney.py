"""The Slaney gammatone filters as truncated FIR kernels (for :class:`Gammatonegram`)."""

from __future__ import annotations

import numpy as np

from ...dsp.gammatone import erb_filter_coefficients


def slaney_kernels(audio_fs: int, centres: np.ndarray, max_ms: float = 100.0) -> np.ndarray:
    """Impulse responses ``(F, L)`` of the Slaney IIR gammatone filters, truncated once
    99.9999 % of every band's energy has passed (at most ``max_ms``)."""
    import scipy.signal

    n = int(max_ms * audio_fs / 1000)
    impulse = np.zeros(n)
    impulse[0] = 1.0
    irs = np.stack([scipy.signal.sosfilt(s, impulse) for s in erb_filter_coefficients(audio_fs, centres)])
    energy = np.cumsum(irs**2, axis=1)
    L = int(max(np.searchsorted(e, (1 - 1e-6) * e[-1]) for e in energy)) + 1
    return irs[:, :L]
