"""``deepSTRF.utils.collate``: batching (kept in :mod:`deepSTRF.paradigm.collate`)."""

from ..paradigm.collate import neural_collate, neural_collate_averaged

__all__ = ["neural_collate", "neural_collate_averaged"]
