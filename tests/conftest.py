"""Small datasets built through both ways in: plain lists and the builder.

The suite's disk guard (no test writes outside temporary folders) is the
plugin ``tests/deepstrf_guard.py``, which also covers the doctests."""

import numpy as np
import pytest
import torch

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.datasets.audio import AudioNeuralDataset

NAN = float("nan")
T_OF = [5, 3, 4]
# REPEATS[s][n]: repeat count, 0 = never heard
REPEATS = [
    [2, 2, 2, 0],
    [1, 1, 1, 0],
    [3, 2, 0, 3],
]


def value(s, n, r, t):
    return 1000.0 * s + 100.0 * n + 10.0 * r + t


def expected_block(s, n):
    R, T = REPEATS[s][n], T_OF[s]
    b = np.array([[value(s, n, r, t) for t in range(T)] for r in range(R)], dtype=np.float32)
    if (s, n) == (2, 3):
        b[1] = np.nan  # a repeat marked invalid
    return b


def stim_array(s):
    return (np.arange(2 * T_OF[s], dtype=np.float32).reshape(1, 2, T_OF[s]) + 100 * s)


STIM_META = [{"name": "a", "subset": "est"}, {"name": "b", "subset": "est"}, {"name": "c", "subset": "val"}]
NRN_META = [
    {"cell_id": "n0", "area": "A1", "depth": 100},
    {"cell_id": "n1", "area": "A1", "depth": 300},
    {"cell_id": "n2", "area": "PEG", "depth": 500},
    {"cell_id": "n3", "area": "PEG", "depth": 700},
]


class ListDataset(AudioNeuralDataset):
    """3 stims x 4 neurons, assigned as plain lists (the documented subclass contract)."""

    def __init__(self):
        super().__init__(None, 10.0)
        self.F = 2
        self.stims = [torch.from_numpy(stim_array(s)) for s in range(3)]
        self.responses = [
            [torch.from_numpy(expected_block(s, n)) if REPEATS[s][n] else torch.full((1, 1), NAN) for n in range(4)]
            for s in range(3)
        ]
        self.stim_meta = [dict(m) for m in STIM_META]
        self.nrn_meta = [dict(m) for m in NRN_META]
        self.N_neurons = 4
        self.validate()


def build_tiny(order="neuron-major"):
    """The same data through the builder, blocks added in a scrambled order."""
    b = DatasetBuilder(dt_ms=10.0)
    for m in NRN_META:
        b.add_neuron(**m)
    for s in range(3):
        b.add_stim(stim_array(s), **STIM_META[s])
    pairs = [(s, n) for n in range(4) for s in range(3)] if order == "neuron-major" else \
        [(s, n) for s in reversed(range(3)) for n in reversed(range(4))]
    for s, n in pairs:
        if REPEATS[s][n]:
            b.add_response(s, n, expected_block(s, n))
    return b.build()


@pytest.fixture(params=["lists", "builder", "builder-reversed"])
def tiny(request):
    if request.param == "lists":
        return ListDataset()
    return build_tiny("neuron-major" if request.param == "builder" else "reversed")


# ------------------------------------------------------------------ network guard
import socket  # noqa: E402

_real_connect = socket.socket.connect


#: the loopback addresses tests may reach; 127.0.0.2 stands for "another host"
LOOPBACK = ("127.0.0.1", "127.0.0.2", "::1", "localhost")


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
        raise OSError(f"test tried to reach {address!r}: tests may only talk to 127.0.0.1 and 127.0.0.2")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test reaches any address but the loopback one."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def private_cache_dir(monkeypatch, tmp_path_factory):
    """Every test keeps its processed-dataset caches in a folder of its own (never the user's cache;
    no test sees another's caches). Tests of the default cache location unset this."""
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", str(tmp_path_factory.mktemp("processed-cache")))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate (127.0.0.1, 127.0.0.2) and its key, for the test https servers."""
    from httpserver import tls_pair

    return tls_pair(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def trust_test_cert(tls_files, monkeypatch):
    """Trust the test certificate, for this test only."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files[0])
    return tls_files


# ------------------------------------------------------------------ the simulated fits, once per run
#: the simulated dataset the demo, `deepstrf fit simulated` and the model tests all fit
SIMULATED_DEFAULT = {"N_neurons": 24, "n_stims": 68, "seed": 0, "dt_ms": 10.0}


@pytest.fixture(scope="session")
def simulated_fits():
    """The ridge STRF and LN model fitted once on ``SimulatedDataset(seed=0)``'s estimation stimuli."""
    from deepSTRF.datasets.audio import SimulatedDataset
    from deepSTRF.datasets.zoo import standard_split
    from deepSTRF.evaluation import train_model

    ds = SimulatedDataset(seed=0, cache=False)
    est, _ = standard_split(ds)
    return {kind: train_model(kind, ds, est, seed=0, progress=False) for kind in ("ridge", "ln")}


@pytest.fixture
def reuse_simulated_fits(simulated_fits, monkeypatch):
    """``deepSTRF.evaluation.train_model`` hands out the session's fits for that dataset (same data, same
    seed: the same models), and fits anything else as usual."""
    import deepSTRF.evaluation as evaluation
    from deepSTRF.datasets.zoo import standard_split

    real = evaluation.train_model

    def train_model(kind, ds, est, seed=0, **kwargs):
        same = (type(ds).__name__ == "SimulatedDataset" and getattr(ds, "seed", None) == 0
                and ds.N_neurons == SIMULATED_DEFAULT["N_neurons"] and len(ds.stim_meta) == SIMULATED_DEFAULT["n_stims"]
                and ds.dt_ms == SIMULATED_DEFAULT["dt_ms"] and list(est) == standard_split(ds)[0])
        if same and seed == 0 and kind in simulated_fits:
            return simulated_fits[kind]
        return real(kind, ds, est, seed=seed, **kwargs)

    monkeypatch.setattr(evaluation, "train_model", train_model)
