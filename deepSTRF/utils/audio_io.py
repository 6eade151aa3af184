"""``deepSTRF.utils.audio_io``: the import path of deepSTRF 0.1.0 for reading sounds.

Thin functions over :func:`deepSTRF.io.wav.read_wav` and
:func:`deepSTRF.dsp.resample.resample` (``soxr``, no torchaudio).
"""

from __future__ import annotations

import numpy as np

from ..dsp.resample import resample
from ..io.wav import read_wav


def load_wav(path: str) -> tuple[np.ndarray, int]:
    """A WAV file as ``(samples, rate)``: mono float32 ``(n,)`` in [-1, 1) (channels averaged), rate in Hz.

    Parameters
    ----------
    path : str
        The file.
    """
    x, rate = read_wav(str(path))
    return x.astype(np.float32), int(rate)


def load_resampled_mono_wav(path: str, target_fs: int) -> np.ndarray:
    """A WAV file as mono float32 ``(n,)`` at ``target_fs`` Hz (resampled with ``soxr`` when needed).

    Parameters
    ----------
    path : str
        The file.
    target_fs : int
        The sample rate wanted, in Hz.
    """
    x, rate = read_wav(str(path))
    if rate != target_fs:
        x = resample(x, rate, int(target_fs))
    return np.asarray(x, dtype=np.float32)


__all__ = ["load_wav", "load_resampled_mono_wav"]
