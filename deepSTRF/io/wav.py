"""WAV files as mono float64 arrays."""

from __future__ import annotations

import numpy as np


class AudioFileError(ValueError):
    """A sound file could not be read (names the file)."""


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """``(samples, rate)``: channels averaged, integers scaled to [-1, 1)."""
    import scipy.io.wavfile

    try:
        rate, data = scipy.io.wavfile.read(path)
    except (ValueError, OSError) as err:
        raise AudioFileError(f"{path}: cannot read as WAV ({err})") from None
    if data.dtype.kind == "i":
        data = data / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":
        data = (data.astype(np.float64) - 128.0) / 128.0
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2:
        data = data.mean(axis=1)
    return data, int(rate)
