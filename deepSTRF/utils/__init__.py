"""Batching, concatenation and small helpers shared by every dataset."""

from .collate import neural_collate, neural_collate_averaged
from .concat import concat_neural_datasets
from .smoothing import hanning_smooth
from .._paths import default_cache_dir

__all__ = [
    "neural_collate",
    "neural_collate_averaged",
    "concat_neural_datasets",
    "hanning_smooth",
    "default_cache_dir",
]
