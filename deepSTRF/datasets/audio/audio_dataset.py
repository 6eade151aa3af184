"""``deepSTRF.datasets.audio.audio_dataset``: the audio dataset base (kept in
:mod:`deepSTRF.paradigm.audio_dataset`)."""

from ...paradigm.audio_dataset import AudioNeuralDataset

__all__ = ["AudioNeuralDataset"]
