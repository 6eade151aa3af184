"""Writers of small CRCNS cell folders and wavs in the release layouts."""

from __future__ import annotations

import os

import numpy as np
import scipy.io.wavfile


def write_wav(path, seconds: float, rate: int = 32000, freq: float | None = None, seed: int = 0) -> int:
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t) if freq else 0.3 * np.random.default_rng(seed).normal(size=n)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scipy.io.wavfile.write(path, rate, (np.clip(x, -1, 1) * 32767).astype(np.int16))
    return n


def write_pair(folder, k: int, wav: str | None, trials: list | None, newline: str = "\n", sep: str = " ") -> None:
    """stimK naming ``wav`` and spikeK with one line per trial (times in ms)."""
    os.makedirs(folder, exist_ok=True)
    if wav is not None:
        with open(os.path.join(folder, f"stim{k}"), "w", newline="") as f:
            f.write(wav + "\n")
    if trials is not None:
        with open(os.path.join(folder, f"spike{k}"), "w", newline="") as f:
            for tr in trials:
                f.write("".join(f"{t:.3f}{sep}" for t in tr) + newline)
