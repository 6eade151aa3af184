"""``deepSTRF.utils.data``: the import path of deepSTRF 0.1.0 for batching, concatenation and smoothing.

A thin module over :mod:`deepSTRF.paradigm`. ``fill_missing_data`` and
``concatenate_datasets`` import, so code written for 0.1.0 loads, but fail
loudly when called: their 0.1.0 behaviour is not documented, and a guess
that differed silently would be worse than an error that says what to use.
"""

from ..errors import DatasetTypeError
from ..paradigm import concat_neural_datasets, hanning_smooth, neural_collate, neural_collate_averaged


def fill_missing_data(*args, **kwargs):
    """Not needed here, and refused rather than guessed.

    Our storage holds every (stimulus, neuron) pair that was never recorded
    as the ``(1, 1)`` NaN sentinel already, so there is nothing to fill; NaN
    inside recorded responses is data (a repeat marked invalid) and stays.

    Raises
    ------
    DatasetTypeError
        Always, saying what to use instead.
    """
    raise DatasetTypeError(
        "deepSTRF.utils.data.fill_missing_data is kept only so 0.1.0 imports work: every pair a dataset "
        "never recorded is already the (1, 1) NaN sentinel, and neural_collate pads batches with NaN "
        "(valid_mask = ~responses.isnan()); to replace NaN by a value, do it on the batch: "
        "responses.nan_to_num(0.0)"
    )


def concatenate_datasets(*args, **kwargs):
    """Refused rather than guessed: use :func:`concat_neural_datasets`.

    Raises
    ------
    DatasetTypeError
        Always, naming the function to call.
    """
    raise DatasetTypeError(
        "deepSTRF.utils.data.concatenate_datasets is kept only so 0.1.0 imports work; call "
        "concat_neural_datasets(datasets, names=None) (stimuli and neurons in blocks, as in 0.1.0) or "
        "torch.utils.data.ConcatDataset to chain items"
    )


__all__ = ["neural_collate", "neural_collate_averaged", "concat_neural_datasets", "hanning_smooth",
           "fill_missing_data", "concatenate_datasets"]
