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
    """A value breaks a rule of the paradigm (a shape, a count, an empty selection).

    Examples
    --------
    0.1.0's ``except AssertionError`` still catches it, and so does ``except ValueError``:

    >>> from deepSTRF.errors import DatasetValueError
    >>> issubclass(DatasetValueError, ValueError), issubclass(DatasetValueError, AssertionError)
    (True, True)
    """


class DatasetTypeError(TypeError, AssertionError):
    """An argument or an entry has the wrong type.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.errors import DatasetTypeError
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> try:
    ...     ds.responses[4][0] = "not a tensor"
    ... except AssertionError as err:               # 0.1.0 code keeps working
    ...     print(type(err).__name__)
    DatasetTypeError
    """


class DatasetIndexError(IndexError, AssertionError):
    """An index is out of range.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> ds.select_neuron(99)
    Traceback (most recent call last):
    ...
    deepSTRF.errors.DatasetIndexError: ...
    """


class DatasetKeyError(KeyError, AssertionError):
    """A metadata key is absent.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> ds[0]["valid_mask"]                # made by neural_collate, not carried by items
    Traceback (most recent call last):
    ...
    deepSTRF.errors.DatasetKeyError: items carry 'pair_mask' ...
    """

    def __str__(self) -> str:  # KeyError's str() is the repr of its argument; ours is a sentence
        return str(self.args[0]) if self.args else ""


class EmptySelectionWarning(UserWarning):
    """A stimulus selection matched nothing: ``len(ds)`` is 0 until the next selection.

    Examples
    --------
    >>> import warnings
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.errors import EmptySelectionWarning
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ds.select_stims_by_attr("subset", "nothing")
    []
    >>> caught[0].category is EmptySelectionWarning, len(ds)
    (True, 0)
    """


__all__ = ["DatasetValueError", "DatasetTypeError", "DatasetIndexError", "DatasetKeyError",
           "EmptySelectionWarning"]
