"""What the Theunissen-lab CRCNS loaders (AA1, AA2, AA4) share: argument
checks, stimulus spectrograms / waveforms on the exact time base, and
binning of spike-time trials."""

from __future__ import annotations

import re

import numpy as np

from ..._checks import check_choices, check_option, check_positive, check_waveform_args, exact_hop  # noqa: F401
from ...dsp.binning import bin_spikes
from ...dsp.resample import resample
from ...dsp.spectrogram import COMPRESSIONS, mel_spectrogram
from ...io.wav import read_wav
from ._waveforms import lock_to_grid

_CELL = re.compile(r"^([^_]+)_(\d+)(?:_([A-Z]))?$")
SPECIES = "zebra finch"
HEARING_RANGE_HZ = (250.0, 8000.0)


def check_common(dt_ms, n_mels, compression, window_ms, return_waveform, audio_fs) -> None:
    check_positive("dt_ms", dt_ms)
    check_positive("n_mels", n_mels, integer=True)
    check_option("compression", compression, COMPRESSIONS)
    check_positive("window_ms", window_ms)
    check_waveform_args(return_waveform, audio_fs, dt_ms)


def cell_parts(name: str) -> dict:
    """``<animal>_<seq>[_<RIG>]`` -> animal_id, cell_seq (int), rig (letter or None)."""
    m = _CELL.match(name)
    if m:
        return {"animal_id": m.group(1), "cell_seq": int(m.group(2)), "rig": m.group(3)}
    return {"animal_id": name.split("_")[0], "cell_seq": None, "rig": None}


def working_rate(rate: int, dt_ms: float) -> int:
    """``rate`` if ``rate * dt_ms / 1000`` is whole, else the nearest rate that makes it so."""
    hop = rate * dt_ms / 1000.0
    if abs(hop - round(hop)) < 1e-9 and round(hop) >= 1:
        return int(rate)
    from fractions import Fraction

    step = (Fraction(1000) / Fraction(dt_ms).limit_denominator(10**6))
    k = max(1, round(Fraction(rate) / step))
    return int(k * step)


def stimulus(path: str, dt_ms: float, n_mels: int, window_ms: float, compression: str,
             return_waveform: bool, audio_fs: int) -> tuple[np.ndarray, int, dict]:
    """``(array, T, info)``: the mel spectrogram ``(1, F, T)`` (frames exactly ``dt_ms``
    apart: the audio is first resampled to a rate with a whole hop if needed), or in
    waveform mode the sound at ``audio_fs`` grid-locked to ``(1, T * hop)``."""
    x, rate = read_wav(path)
    rate_w = working_rate(rate, dt_ms)
    xw = x if rate_w == rate else resample(x, rate, rate_w)
    spec = mel_spectrogram(xw, rate_w, dt_ms, n_mels, window_ms, 0.0, rate_w // 2, compression)
    T = spec.shape[1]
    info = {"sample_rate": float(rate), "n_samples": int(len(x)), "duration_s": len(x) / rate}
    if not return_waveform:
        return spec[None], T, info
    return lock_to_grid(x, rate, audio_fs, T, exact_hop(audio_fs, dt_ms)), T, info


def bin_trials(trials, dt_ms: float, T: int, unit: str = "ms") -> np.ndarray:
    """(R, T) spike counts; spikes before onset (t < 0) and after ``T * dt_ms`` are dropped;
    a trial without spikes is a row of zeros."""
    return bin_spikes(trials, dt_ms, T, unit=unit)
