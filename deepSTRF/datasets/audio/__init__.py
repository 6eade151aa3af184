"""Auditory datasets."""

from .audio_dataset import AudioNeuralDataset
from .simulated import SimulatedDataset

__all__ = ["AudioNeuralDataset", "SimulatedDataset"]
