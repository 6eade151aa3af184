"""Every dataset the ``deepstrf`` command knows, by its one name, and their standard splits.

The names are the registry's blocks (``deepSTRF/download/registry.txt``),
each with its ``loader = <module>:<Class>``; the built-in simulated data
are the one dataset without files. Any spelling users type is accepted
(``crcns_aa1``, ``AA1``, ``CRCNSAA1Dataset``). Importing this module
imports no dataset (and no torch).
"""

from __future__ import annotations

import importlib

from ..download.registry import load_registry, name_key

#: datasets made from nothing but their arguments: name -> "module:class"
BUILT_IN = {"Simulated": "simulated:SimulatedDataset"}

_EST = {"est", "estimation", "train", "validation"}  # 'validation' (NS1) is held out of the fit, not the test
_TEST = {"val", "test"}  # 'val' (NAT4, Wingert) is the repeated test set


def datasets() -> dict[str, str]:
    """``{name: 'module:class'}`` of every dataset, built-in ones first, then the registry's in its order.

    Examples
    --------
    >>> from deepSTRF.datasets.zoo import datasets
    >>> list(datasets())[:3], len(datasets())
    (['Simulated', 'NS1', 'NAT4'], 12)
    """
    out = dict(BUILT_IN)
    out.update({name: info.loader for name, info in load_registry().items() if info.loader})
    return out


def canonical_name(name: str) -> str:
    """The dataset's one name for any spelling of it; ``KeyError`` listing the names otherwise.

    Parameters
    ----------
    name : str
        A dataset name in any spelling (``crcns_aa1``, ``AA1``, ``CRCNSAA1Dataset``).

    Examples
    --------
    >>> from deepSTRF.datasets.zoo import canonical_name
    >>> canonical_name("crcns_aa1"), canonical_name("CRCNSAA1Dataset"), canonical_name("alice_eeg")
    ('AA1', 'AA1', 'AliceEEG')
    """
    table = datasets()
    want = name_key(name)
    for canonical in table:
        if name_key(canonical) == want:
            return canonical
    raise KeyError(f"unknown dataset {name!r}; available: {', '.join(table)}")


def dataset_class(name: str):
    """The class of dataset ``name`` (any spelling), imported on demand.

    Parameters
    ----------
    name : str
        A dataset name in any spelling.

    Examples
    --------
    >>> from deepSTRF.datasets.zoo import dataset_class
    >>> dataset_class("ns1").__name__
    'NS1Dataset'
    """
    module, cls = datasets()[canonical_name(name)].split(":")
    return getattr(importlib.import_module(f"deepSTRF.datasets.audio.{module}"), cls)


def load_dataset(name: str, path=None, download: bool = False, **kwargs):
    """Instantiate a dataset by its name (any spelling).

    Parameters
    ----------
    name : str
        A dataset name in any spelling.
    path : str, optional
        Its folder (default: the default data folder); ignored for built-in datasets.
    download : bool, default False
        Fetch what is missing first (ignored for built-in datasets).
    **kwargs
        The loader's other arguments.

    Examples
    --------
    >>> from deepSTRF.datasets.zoo import load_dataset
    >>> load_dataset("simulated", seed=0, n_neurons=4, n_est=4, n_val=2)
    SimulatedDataset(S=6, N=4, F=32, dt=10 ms, mode=spectrogram; selection: 6/6 stims, 4/4 neurons)
    """
    cls = dataset_class(name)
    if canonical_name(name) in BUILT_IN:  # generated data: no files, nothing to download
        return cls(**kwargs)
    return cls(path, download=download, **kwargs)


def standard_split(ds) -> tuple[list[int], list[int]]:
    """The dataset's published estimation / test stimuli (absolute indices).

    Read from ``stim_meta['subset']`` (``'est'``/``'val'``) or
    ``stim_meta['split']`` (``'estimation'``/``'test'``).

    Parameters
    ----------
    ds : NeuralDataset
        A dataset whose ``stim_meta`` has ``subset`` or ``split``.

    Returns
    -------
    est, test : list of int
        Absolute stimulus indices.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.datasets.zoo import standard_split
    >>> est, test = standard_split(SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2))
    >>> est, test
    ([0, 1, 2, 3], [4, 5])
    """
    for key in ("subset", "split"):
        if all(key in m for m in ds.stim_meta):
            est = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _EST]
            test = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _TEST]
            if est and test:
                return est, test
    raise ValueError(f"{ds.name} has no standard estimation/test split in stim_meta "
                     "('subset' in {'est', 'val'} or 'split' in {'estimation', 'test'})")
