"""The datasets the ``deepstrf`` command knows by name, and their standard splits."""

from __future__ import annotations

import importlib

from .neural_dataset import NeuralDataset

#: name -> "module:class" of every dataset the command knows (imported on use)
DATASETS: dict[str, str] = {
    "simulated": "simulated:SimulatedDataset",
    "ns1": "ns1:NS1Dataset",
    "nat4": "nat4:NAT4Dataset",
    "wingert2026": "wingert2026:Wingert2026Dataset",
    "espejo": "espejo:EspejoDataset",
    "crcns_aa1": "crcns_aa1:CRCNSAA1Dataset",
    "crcns_aa2": "crcns_aa2:CRCNSAA2Dataset",
    "crcns_aa4": "crcns_aa4:CRCNSAA4Dataset",
    "crcns_ac1": "crcns_ac1:CRCNSAC1Dataset",
    "le2025": "le_2025:Le2025Dataset",
    "alice_eeg": "alice_eeg:AliceEEGDataset",
    "downer2025": "downer2025:Downer2025Dataset",
}

_EST = {"est", "estimation", "train", "validation"}  # 'validation' (NS1) is held out of the fit, not the test
_TEST = {"val", "test"}  # 'val' (NAT4, Wingert) is the repeated test set


def load_dataset(name: str, path=None, download: bool = False, **kwargs) -> NeuralDataset:
    """Instantiate a dataset by its command-line name (case-insensitive)."""
    key = name.lower()
    if key not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(sorted(DATASETS))}")
    module, cls = DATASETS[key].split(":")
    dataset_class = getattr(importlib.import_module(f"deepSTRF.datasets.audio.{module}"), cls)
    if key == "simulated":  # generated data: no files, nothing to download
        return dataset_class(**kwargs)
    return dataset_class(path, download=download, **kwargs)


def standard_split(ds: NeuralDataset) -> tuple[list[int], list[int]]:
    """The dataset's published estimation / test stimuli (absolute indices).

    Read from ``stim_meta['subset']`` (``'est'``/``'val'``) or
    ``stim_meta['split']`` (``'estimation'``/``'test'``).
    """
    for key in ("subset", "split"):
        if all(key in m for m in ds.stim_meta):
            est = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _EST]
            test = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _TEST]
            if est and test:
                return est, test
    raise ValueError(f"{ds.name} has no standard estimation/test split in stim_meta "
                     "('subset' in {'est', 'val'} or 'split' in {'estimation', 'test'})")
