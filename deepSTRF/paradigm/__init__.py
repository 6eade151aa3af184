"""The data paradigm: the base datasets, their packed storage and list-like
views, the builder, selection, transforms, quality, batching and
concatenation. Nothing here knows a particular dataset, the cache or the
command line."""

from .audio_dataset import AudioNeuralDataset
from .builder import DatasetBuilder
from .collate import neural_collate, neural_collate_averaged
from .concat import concat_neural_datasets
from .dataset import NeuralDataset
from .storage import PackedResponses, PackedStims, allocating_with, sentinel
from .transforms import hanning_smooth
from .views import ResponseRow, ResponseTable, StimTable

__all__ = ["NeuralDataset", "AudioNeuralDataset", "DatasetBuilder", "PackedResponses", "PackedStims", "ResponseRow",
           "ResponseTable", "StimTable", "sentinel", "allocating_with", "neural_collate", "neural_collate_averaged",
           "concat_neural_datasets", "hanning_smooth"]
