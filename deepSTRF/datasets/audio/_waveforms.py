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
