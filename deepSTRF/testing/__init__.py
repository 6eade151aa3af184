"""Fake releases: small files in every dataset's real format and layout, with known values.

For deepSTRF's tests (one contract test runs over every dataset of the zoo
on its fake), the examples, and runs of the benchmark that must not
download anything. ``fake_release(name, folder)`` writes dataset
``name``'s fake into ``folder`` and returns the keyword arguments to load
it with (``path`` included for releases with files)::

    from deepSTRF.datasets.zoo import dataset_class
    from deepSTRF.testing import fake_release

    kwargs = fake_release("NAT4", "/tmp/nat4")
    ds = dataset_class("NAT4")(**kwargs)

The format writers are :mod:`deepSTRF.testing.formats`; each dataset's fake
is its own module (``deepSTRF.testing.nat4``, ...). Nothing in deepSTRF
imports this package.
"""

from __future__ import annotations

import importlib
import math
import os
from pathlib import Path

import numpy as np
import torch

__all__ = ["FAKES", "fake_release", "fake_kwargs", "assert_same_value", "assert_same_dataset"]

#: dataset name -> (module of this package, its maker, the loader's keyword arguments for the fake)
FAKES = {
    "Simulated": (None, None, {"seed": 3, "n_neurons": 5, "n_est": 4, "n_val": 2}),
    "NS1": ("ns1", "make_ns1", {}),
    "NAT4": ("nat4", "make_nat4", {}),
    "Wingert2026": ("wingert2026", "make_wingert", {}),
    "Espejo": ("espejo", "make_espejo", {}),
    "Downer2025": ("downer2025", "make_downer", {"stimuli": "mvocs"}),
    "AA1": ("aa1", "make_aa1", {}),
    "AA2": ("aa2", "make_aa2", {}),
    "AA4": ("aa4", "make_aa4", {"animals": ["BlaBro09xxF", "GreBlu9508M"]}),
    "AC1": ("ac1", "make_ac1", {}),
    "Le2025": ("le2025", "make_le", {}),
    "AliceEEG": ("alice_eeg", "make_alice", {}),
}


def fake_release(name: str, folder) -> dict:
    """Write dataset ``name``'s fake release into ``folder`` (created); return the keyword arguments
    (``path`` and the loader's own) that load it.

    Parameters
    ----------
    name : str
        A dataset name (a key of :data:`FAKES`).
    folder : str or Path
        Where to write it.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.datasets.zoo import dataset_class
    >>> from deepSTRF.testing import fake_release
    >>> kwargs = fake_release("NAT4", tempfile.mkdtemp())
    >>> dataset_class("NAT4")(**kwargs).F
    18
    """
    module, maker, _ = FAKES[name]
    if module is not None:
        os.makedirs(folder, exist_ok=True)
        getattr(importlib.import_module(f"{__name__}.{module}"), maker)(Path(folder))
    return fake_kwargs(name, folder)


def fake_kwargs(name: str, folder) -> dict:
    """The keyword arguments that load dataset ``name``'s fake, once :func:`fake_release` wrote it
    into ``folder`` (nothing is written).

    Parameters
    ----------
    name : str
        A dataset name (a key of :data:`FAKES`).
    folder : str or Path
        Where the fake was written.

    Examples
    --------
    >>> from deepSTRF.testing import fake_kwargs
    >>> fake_kwargs("AA4", "/tmp/aa4")
    {'path': '/tmp/aa4', 'animals': ['BlaBro09xxF', 'GreBlu9508M']}
    >>> fake_kwargs("Simulated", "/unused")["n_neurons"]
    5
    """
    module, _, kwargs = FAKES[name]
    return dict(kwargs) if module is None else {"path": str(Path(folder)), **kwargs}


def assert_same_value(a, b, where: str = "value") -> None:
    """Equal with types: tensors/arrays element-wise (NaN == NaN), tuples stay tuples, floats incl. NaN;
    a numpy scalar may come back as the Python scalar it holds.

    Parameters
    ----------
    a, b : object
        The values.
    where : str, default 'value'
        What they are, for the message.

    Examples
    --------
    >>> from deepSTRF.testing import assert_same_value
    >>> assert_same_value(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")]))  # NaN equals NaN
    >>> assert_same_value(torch.tensor([1.0]), torch.tensor([2.0]), where="responses[0][0]")
    Traceback (most recent call last):
    ...
    AssertionError: responses[0][0]...
    """
    if isinstance(a, np.generic) and not isinstance(b, np.generic):
        a = a.item()
    assert type(a) is type(b) or (isinstance(a, float) and isinstance(b, float)), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(torch.nan_to_num(a, 7.5),
                                                                        torch.nan_to_num(b, 7.5)), where
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same_value(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def assert_same_dataset(a, b) -> None:
    """``a`` and ``b`` hold the same stimuli, responses, masks and metadata, value for value.

    Parameters
    ----------
    a, b : NeuralDataset
        The datasets.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.testing import assert_same_dataset
    >>> a = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> assert_same_dataset(a, SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2, cache=False))
    """
    assert len(a.stim_meta) == len(b.stim_meta) and a.N_neurons == b.N_neurons
    for s in range(len(a.stim_meta)):
        assert_same_value(a.stims[s], b.stims[s], f"stims[{s}]")
        for n in range(a.N_neurons):
            assert_same_value(a.responses[s][n], b.responses[s][n], f"responses[{s}][{n}]")
    assert torch.equal(a.nrn_masks, b.nrn_masks)
    assert_same_value(a.stim_meta, b.stim_meta, "stim_meta")
    assert_same_value(a.nrn_meta, b.nrn_meta, "nrn_meta")
    skip = {"_stim_store", "_resp_store", "_masks", "_cache", "_load_warnings"}
    assert_same_value({k: a.__dict__[k] for k in sorted(a.__dict__) if k not in skip},
                      {k: b.__dict__[k] for k in sorted(b.__dict__) if k not in skip}, "attributes")
