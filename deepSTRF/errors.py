"""Error classes of the data paradigm that keep deepSTRF 0.1.0's ``except AssertionError`` working.

deepSTRF 0.1.0 checked its invariants with ``assert``: validation, index
checks, the checks of ``concat_neural_datasets`` all raised
``AssertionError``. We raise the precise built-in (``ValueError``,
``TypeError``, ``IndexError``, ``KeyError``) and never use ``assert``
(asserts vanish under ``python -O``); each class below subclasses both, so
``except ValueError`` and ``except AssertionError`` both catch it.
"""

from __future__ import annotations


class DatasetValueError(ValueError, AssertionError):
    """A value breaks a rule of the paradigm (a shape, a count, an empty selection)."""


class DatasetTypeError(TypeError, AssertionError):
    """An argument or an entry has the wrong type."""


class DatasetIndexError(IndexError, AssertionError):
    """An index is out of range."""


class DatasetKeyError(KeyError, AssertionError):
    """A metadata key is absent."""

    def __str__(self) -> str:  # KeyError's str() is the repr of its argument; ours is a sentence
        return str(self.args[0]) if self.args else ""


class EmptySelectionWarning(UserWarning):
    """A stimulus selection matched nothing: ``len(ds)`` is 0 until the next selection."""


__all__ = ["DatasetValueError", "DatasetTypeError", "DatasetIndexError", "DatasetKeyError",
           "EmptySelectionWarning"]
