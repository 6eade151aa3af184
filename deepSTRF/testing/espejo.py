"""A fake Espejo release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np

from .formats import write_recording

T = 150


def epochs_for(order, start=0.1234):
    rows, t = [], start
    for name in order:
        rows += [("TRIAL", t, t + T / 100), (name, t, t + T / 100)]
        t += T / 100 + 0.3
    return rows, t


def spikes_for(rows, k):
    out = []
    for name, s, _ in rows:
        if name.startswith("STIM_"):
            out += [s + 0.0199, s + 0.3 + 0.01 * k]  # relative rule: bins 1 and 30 + k
    return np.array(out)


def h5_archive(path, units, order, specs, stimfmt="ozgf"):
    rows, t = epochs_for(order)
    write_recording(path, os.path.basename(path).split("_")[0], {
        "resp": {"chans": units, "fs": 100, "n_total": int(t * 100), "epochs": rows, "type": "PointProcess",
                 "h5": {u: spikes_for(rows, k) for k, u in enumerate(units)}},
        "stim": {"fs": 100, "n_total": int(t * 100), "h5": specs, "type": "TiledSignal"},
    }, meta={"stimfmt": stimfmt, "rasterfs": 100})


def csv_archive(path, units, order, F=18):
    rows, t = epochs_for(order, start=0.5)
    n = int(round(t * 100)) + 5
    rng = np.random.default_rng(9)
    resp = rng.poisson(1.0, size=(n, len(units))).astype(float)
    stim = rng.normal(size=(n, F))
    write_recording(path, os.path.basename(path).split("_")[0], {
        "resp": {"chans": units, "fs": 100, "csv": resp, "epochs": rows},
        "stim": {"fs": 100, "csv": stim, "epochs": rows},
    }, meta={"stimfmt": "ozgf", "rasterfs": 100})
    return resp, stim, rows


def make_espejo(root):
    """A NAT release: two HDF5 site archives of one site and a CSV one; returns the spectrograms and
    the CSV archive's ``(resp, stim, rows)``."""
    nat = root / "A1_natural_sounds" / "NAT"
    os.makedirs(nat)
    rng = np.random.default_rng(0)
    spec = {n: rng.normal(size=(18, T)) for n in ("STIM_a.wav", "STIM_b.wav", "STIM_c.wav", "STIM_d.wav")}
    h5_archive(nat / "AMT003c_aaaa.tgz", ["AMT003c-12-2", "AMT003c-11-1"],
               ["STIM_a.wav", "STIM_b.wav", "STIM_a.wav", "STIM_c.wav", "STIM_a.wav", "STIM_z.wav"],
               {k: spec[k] for k in ("STIM_a.wav", "STIM_b.wav", "STIM_c.wav")})
    h5_archive(nat / "AMT003c_bbbb.tgz", ["AMT003c-11-1", "AMT003c-13-1"],
               ["STIM_b.wav", "STIM_d.wav", "STIM_b.wav"],
               {"STIM_b.wav": spec["STIM_b.wav"] + 100, "STIM_d.wav": spec["STIM_d.wav"]})
    resp, stim, rows = csv_archive(nat / "BRT005a_cccc.tgz", ["BRT005a-01-1"], ["STIM_e.wav", "STIM_a.wav"])
    return spec, (resp, stim, rows)
