"""A fake NAT4 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np

from .formats import write_recording

CELLS = ["ARM029a-01-1", "ARM029a-02-1", "TNC015a-03-2", "oddcell"]
VAL = ["STIM_00cat1_geese.wav", "STIM_00cat2_rain.wav"]
EST = ["STIM_cat10_dog.wav", "STIM_cat11_True_bird.wav", "STIM_cat12_car.wav"]
T = 150
REPS = 3  # val repeats per site (20 in the release)


def population(rng):
    """Val block first (averaged repeats), then est; oddcell not recorded on the last est sound."""
    order = VAL + EST
    n_total = T * len(order)
    resp = rng.poisson(0.7, size=(n_total, 4)).astype(float)
    resp[T * 4:, 3] = np.nan  # oddcell never heard STIM_cat12
    resp[T * 2: T * 3, 2] = np.nan  # TNC cell not recorded on STIM_cat10
    stim = rng.gamma(1.0, 2.0, size=(n_total, 18))
    epochs = []
    for i, name in enumerate(order):
        s = i * 1.5
        epochs += [("TRIAL", s, s + 1.5), ("PreStimSilence", s, s + 0.25), (name, s, s + 1.5),
                   ("PostStimSilence", s + 1.25, s + 1.5)]
    return order, resp, stim, epochs


def site_archive(path, site_cells, spikes_of, rng):
    """Val sounds REPS times, est once, interleaved; epoch starts on the 1-ms grid."""
    order = [VAL[0], EST[0], VAL[1], VAL[0], EST[1], VAL[1], EST[2], VAL[0], VAL[1]]
    epochs, t = [], 0.0
    for name in order:
        epochs.append((name, round(t, 3), round(t + 1.5, 3)))
        t += 1.5 + 0.137
    n_total = int(round(t * 1000))
    write_recording(path, os.path.basename(path).split("_")[1],
                    {"resp": {"chans": site_cells, "fs": 1000, "n_total": n_total, "epochs": epochs,
                              "h5": {c: spikes_of(c, epochs) for c in site_cells}, "type": "PointProcess"}})
    return epochs


def make_nat4(root, rng=None):
    rng = rng or np.random.default_rng(0)
    os.makedirs(root / "A1_single_sites")
    order, resp, stim, epochs = population(rng)
    write_recording(root / "A1_NAT4_ozgf.fs100.ch18.tgz", "A1_NAT4_ozgf.fs100.ch18", {
        "resp": {"chans": CELLS, "fs": 100, "csv": resp, "epochs": epochs},
        "stim": {"chans": [f"{i}" for i in range(18)], "fs": 100, "csv": stim, "epochs": epochs},
        "mask_est": {"chans": CELLS, "fs": 100, "csv": np.ones_like(resp), "epochs": epochs},
    })
    (root / "A1_pred_correlation.csv").write_text(
        ",cellid,sig_auditory,r_test\n0,ARM029a-01-1,True,0.5\n1,ARM029a-02-1,False,0.1\n2,TNC015a-03-2,True,0.3\n")

    def spikes(cid, epochs):
        # per val occurrence k of a cell with index c: spikes at 15 ms (bin 1), 15 ms again, 99.99 ms (bin 9)
        out = []
        for name, start, _ in epochs:
            if name in VAL:
                out += [start + 0.015, start + 0.015, start + 0.09999, start + 1.4995]
            else:
                out += [start + 0.5]
        out.append(-0.5)  # before the recording: dropped
        return np.array(out)

    site_archive(root / "A1_single_sites" / "A1_ARM029a_0123abcd.tgz", ["ARM029a-02-1", "ARM029a-01-1", "ARM029a-09-9"],
                 spikes, rng)
    site_archive(root / "A1_single_sites" / "A1_TNC015a_4567ef01.tgz", ["TNC015a-03-2"], spikes, rng)
    return resp, stim
