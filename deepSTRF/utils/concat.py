"""``deepSTRF.utils.concat``: concatenation (kept in :mod:`deepSTRF.paradigm.concat`)."""

from ..paradigm.concat import concat_neural_datasets

__all__ = ["concat_neural_datasets"]
