"""WAV files: mono float64 samples, or the raw sample array, with every malformation an error naming the file."""

from __future__ import annotations

import warnings

import numpy as np

from ._common import FormatError, reading


class AudioFileError(FormatError):
    """A sound file could not be read (names the file and what was wrong).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import AudioFileError, FormatError
    >>> issubclass(AudioFileError, FormatError)
    True
    """


def read_wav_raw(path: str, mmap: bool = False) -> tuple[int, np.ndarray]:
    """``(rate, data)`` as stored: ``(n,)`` or ``(n, channels)``, its dtype as in the file.

    Raises :class:`AudioFileError` for an empty, truncated (fewer samples than
    its header announces) or otherwise unreadable file, and for a file with
    no samples; a warning scipy gives about a chunk it skips is repeated with
    the file's name.
    """
    import scipy.io.wavfile

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", scipy.io.wavfile.WavFileWarning)
        try:
            rate, data = scipy.io.wavfile.read(path, mmap=mmap)
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            raise
        except Exception as err:  # noqa: BLE001 - scipy raises ValueError, struct.error, OSError, ...
            why = "shorter than its header says (truncated)" if "greater than file size" in str(err) else \
                f"{type(err).__name__}: {err}"
            raise AudioFileError(f"{path}: cannot read as WAV ({why})", path) from err
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, scipy.io.wavfile.WavFileWarning) and ("EOF" in text or "ncomplete" in text):
            raise AudioFileError(f"{path}: truncated WAV ({text}); the file is incomplete: fetch it again", path)
        warnings.warn(f"{path}: {text}", w.category, stacklevel=2)
    if data.size == 0:
        raise AudioFileError(f"{path}: the WAV file holds no samples", path)
    if data.ndim not in (1, 2):
        raise AudioFileError(f"{path}: unexpected sample array of shape {data.shape}", path)
    return int(rate), data


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """``(samples, rate)``: mono float64 (channels averaged), integers scaled to [-1, 1).

    Parameters
    ----------
    path : str
        A WAV file.

    Returns
    -------
    samples : np.ndarray, shape (n,), float64
    rate : int
        Hz.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.io import read_wav
    >>> from deepSTRF.testing.formats import write_wav
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> _ = write_wav(path, seconds=0.5, rate=16000, freq=1000.0)
    >>> x, rate = read_wav(path)
    >>> x.shape, x.dtype, rate
    ((8000,), dtype('float64'), 16000)
    """
    rate, data = read_wav_raw(path)
    with reading(path, "unexpected sample format", AudioFileError):
        if data.dtype.kind == "i":
            data = data / float(2 ** (8 * data.dtype.itemsize - 1))
        elif data.dtype.kind == "u":
            data = (data.astype(np.float64) - 128.0) / 128.0
        data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if not np.isfinite(data).all():
        raise AudioFileError(f"{path}: the samples contain NaN or infinite values", path)
    return data, rate


def wav_info(path: str) -> tuple[int, int, int]:
    """``(rate, n_samples, channels)`` of a WAV file, reading only its header (the samples are mapped)."""
    try:
        rate, data = read_wav_raw(path, mmap=True)
    except AudioFileError as err:
        if "mmap" not in str(err.__cause__ or ""):  # 24-bit and other widths cannot be mapped: read them
            raise
        rate, data = read_wav_raw(path)
    return rate, int(data.shape[0]), int(data.shape[1]) if data.ndim == 2 else 1
