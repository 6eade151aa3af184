"""Datasets: one module per dataset (``deepSTRF.datasets.audio``), over the data paradigm of
:mod:`deepSTRF.paradigm`, whose base classes are re-exported here."""

from ..paradigm import DatasetBuilder, NeuralDataset

__all__ = ["NeuralDataset", "DatasetBuilder"]
