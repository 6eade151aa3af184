"""``deepSTRF.datasets.neural_dataset``: the base dataset (kept in :mod:`deepSTRF.paradigm.dataset`)."""

from ..paradigm.dataset import NeuralDataset

__all__ = ["NeuralDataset"]
