"""A fake NS1 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.io
import scipy.io.wavfile

UNITS = [  # file, path, depth, singleT
    ("u1.mat", "F1/u1.mat", 300.0, "Yes"),
    ("u2.mat", "F1/u2.mat", -1.0, "Maybe"),
    ("u3.mat", "F2/u3.mat", 500.0, "No"),
    ("u4.mat", "F2/u4.mat", 100.0, "Maybe"),  # on disk as u4_1.mat
]
SPIKES = [2.0, 4.9999, 5.0, 12.5, 12.6, 4994.0, 4995.0, -3.0]


def write_metadata(path, units, drop_field=None):
    fields = ["spikefile", "path", "depth", "NoiseRatio", "singleN", "singleT", "NrOfElectrodes", "ElectrodeNumber"]
    fields = [f for f in fields if f != drop_field]
    arr = np.zeros((1, len(units)), dtype=[(f, "O") for f in fields])
    for i, (file, rel, depth, single_t) in enumerate(units):
        values = {"spikefile": file, "path": rel, "depth": depth, "NoiseRatio": 0.1 * (i + 1), "singleN": float(i % 2),
                  "singleT": single_t, "NrOfElectrodes": 32.0, "ElectrodeNumber": float(i + 1)}
        arr[0, i] = tuple(values[f] for f in fields)
    scipy.io.savemat(path, {"neuron": arr})


def write_spikes(path, unit_index):
    sets = np.zeros((1, 32), dtype=[("repeats", "O")])
    for k in range(32):
        R = 20 if k < 20 else 5
        reps = np.zeros((1, R), dtype=[("t", "O")])
        for r in range(R):
            if r == 3:
                t = np.zeros((1, 0))  # an empty repeat
            else:
                t = np.array([SPIKES]) + unit_index * 100.0 * (r == 0)
            reps[0, r] = (t,)
        sets[0, k] = (reps,)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scipy.io.savemat(path, {"data": {"set": sets}})


def make_ns1(root, rng=None):
    rng = rng or np.random.default_rng(0)
    X = rng.normal(size=(20, 34, 1, 999))
    scipy.io.savemat(root / "test_data_5ms.mat", {"X_nfht": X, "y_nt": np.zeros((20, 999))})
    write_metadata(root / "MetadataSHEnCneurons.mat", UNITS)
    for i, (_, rel, _, _) in enumerate(UNITS):
        p = str(root / "spikesandwav" / rel)
        write_spikes(p[:-4] + "_1.mat" if i == 3 else p, i)
    return X
