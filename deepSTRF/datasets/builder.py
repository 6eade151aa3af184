"""``deepSTRF.datasets.builder``: the builder (kept in :mod:`deepSTRF.paradigm.builder`)."""

from ..paradigm.builder import DatasetBuilder
from ..paradigm.storage import as_float32

__all__ = ["DatasetBuilder", "as_float32"]
