"""Batching, concatenation and small helpers shared by every dataset (re-exported from
:mod:`deepSTRF.paradigm`)."""

from .._paths import default_cache_dir
from ..paradigm import concat_neural_datasets, hanning_smooth, neural_collate, neural_collate_averaged

__all__ = [
    "neural_collate",
    "neural_collate_averaged",
    "concat_neural_datasets",
    "hanning_smooth",
    "default_cache_dir",
]
