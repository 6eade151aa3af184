"""Datasets: the base classes, the builder, and one module per dataset."""

from .builder import DatasetBuilder
from .neural_dataset import NeuralDataset

__all__ = ["NeuralDataset", "DatasetBuilder"]
