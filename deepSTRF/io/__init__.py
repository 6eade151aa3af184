"""Readers: a path in, numpy arrays and plain dicts out. No torch, no datasets."""

from .nems import Recording, RecordingError, Signal, epoch_bounds, rasterize, read_recording
from .wav import AudioFileError, read_wav

__all__ = ["read_recording", "Recording", "Signal", "RecordingError", "epoch_bounds",
           "rasterize", "read_wav", "AudioFileError"]
