"""Waveform-mode stimuli: read, resample, and lock to the neural grid."""

from __future__ import annotations

import os

import numpy as np

from ...dsp.resample import grid_lock, resample
from ...io.wav import read_wav


def wav_index(folder: str) -> dict[str, str]:
    """Lower-case file name -> path of every ``.wav`` in ``folder``."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"waveform mode needs the sound files in {folder} (not found)")
    return {f.lower(): os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(".wav")}


def find_wav(index: dict[str, str], name: str, folder: str) -> str:
    """The wav for ``name`` (case-insensitive), or FileNotFoundError naming it."""
    path = index.get(name.lower())
    if path is None:
        raise FileNotFoundError(f"no sound file {name!r} in {folder} (looked up case-insensitively); "
                                "waveform mode never substitutes silence")
    return path


def lock_to_grid(x: np.ndarray, rate: float, audio_fs: int, n_bins: int, hop: int,
                 offset_samples: int = 0) -> np.ndarray:
    """``(1, n_bins * hop)`` float32: sound ``x`` sampled at ``rate``, resampled to ``audio_fs``
    if needed and grid-locked to ``n_bins`` neural bins of ``hop`` samples from ``offset_samples``."""
    if rate != audio_fs:
        x = resample(x, rate, audio_fs)
    return grid_lock(x, n_bins, hop, offset_samples).astype(np.float32)[None]


def locked_waveform(path: str, audio_fs: int, n_bins: int, hop: int, offset_samples: int) -> np.ndarray:
    """``(1, n_bins * hop)`` float32: the sound at ``audio_fs`` starting at ``offset_samples``."""
    x, rate = read_wav(path)
    return lock_to_grid(x, rate, audio_fs, n_bins, hop, offset_samples)


class StimWavs:
    """The ``wav/`` folder of an LBHB release: stimulus ``STIM_<file>`` is ``<file>`` (case-insensitive).

    Parameters
    ----------
    folder : str
        The folder of ``.wav`` files.
    audio_fs : int
        Sample rate of the waveforms returned, in Hz.
    hop : int
        Samples per neural bin at ``audio_fs``.
    inset_s : float
        Silence before the sound in the trial window, in s.
    """

    def __init__(self, folder: str, audio_fs: int, hop: int, inset_s: float):
        self.folder, self.index = folder, wav_index(folder)
        self.audio_fs, self.hop, self.offset = audio_fs, hop, int(round(inset_s * audio_fs))

    def locked(self, name: str, n_bins: int) -> np.ndarray:
        """``(1, n_bins * hop)`` float32: stimulus ``name``'s sound inset after the silence, on the grid."""
        path = find_wav(self.index, name.removeprefix("STIM_"), self.folder)
        return locked_waveform(path, self.audio_fs, n_bins, self.hop, self.offset)
