"""A fake AC1 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.io
import scipy.io.wavfile
from scipy.ndimage import gaussian_filter1d

RNG = np.random.default_rng(0)
SF_W, SF_A = 4000.0, 10000.0
TONE_HZ = 1600.0  # band 24 of 100 Hz * 2^(b/6)


def stim_file(path, samples, sf, description="", key="samples"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scipy.io.savemat(path, {"stimulus": {key: np.asarray(samples)[:, None], "param": {"sf": sf,
                                                                                    "description": description}}})


def trial_file(path, trace, sf, triggers, param=None, scale=0.01):
    """triggers: list of (type, onset_0based, description, duration_ms)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    trig = np.zeros((1, len(triggers)), dtype=[("type", "O"), ("time", "O"), ("param", "O"), ("file", "O")])
    for i, (t, onset, desc, dur) in enumerate(triggers):
        trig[0, i] = (t, float(onset + 1), {"description": desc, "duration": float(dur)}, "x.mat")
    content = {"response": {"trace": np.round(np.asarray(trace) / scale).astype(np.int16)[:, None], "scale": scale,
                            "sf": sf}, "triggers": trig}
    if param is not None:
        content["param"] = param
    scipy.io.savemat(path, content)


def vm_signal(n, seed):
    """A shared, smooth membrane-potential response (mV)."""
    return gaussian_filter1d(np.random.default_rng(seed).normal(size=n), 20) * 40


def make_ac1(root):
    w = root / "crcns-ac1" / "wehr"
    os.makedirs(w / "Results")
    scipy.io.savemat(w / "Summary.mat", {"x": 1.0})
    t = np.arange(int(0.3 * 44100)) / 44100
    stim_file(w / "Stimuli/fragments/1.mat", np.sin(2 * np.pi * TONE_HZ * t), 44100.0, "humpback whale")
    stim_file(w / "Stimuli/category1/2.mat", RNG.normal(size=13230), 44100.0, "natural sound stream, No.1")
    stim_file(w / "Stimuli/category1/notes.mat", [0.0], 1.0, "ignored")
    n = int(0.2 * SF_W)  # 200-ms stimuli
    shared = vm_signal(n, 1)
    # session 1: stimulus 1 four times (one with a 200-mV artefact), stimulus 2 three times
    s1 = w / "Results/20020314-mw-001"
    for k in range(4):
        x = np.concatenate([np.zeros(400), shared + RNG.normal(0, 0.5, n), np.zeros(400)]) + 5.0 * k
        if k == 2:
            x[400 + 300] += 200.0
        trial_file(s1 / f"20020314-mw-001-{k:03d}.mat", x, SF_W, [("naturalsound", 400, "humpback whale", 200)])
    for k in range(3):
        x = np.concatenate([np.zeros(100), vm_signal(n, 2) + RNG.normal(0, 0.5, n), np.zeros(100)])
        trial_file(s1 / f"20020314-mw-001-1{k:02d}.mat", x, SF_W, [("nauralsound", 100, "natural sound stream, No.1",
                                                                  200)])
    trial_file(s1 / "20020314-mw-001-900.mat", np.zeros(1000), SF_W, [("naturalsound", 0, "unknown thing", 200)])
    # session 2: only tones (still takes Wehr cell index 1); session 3 hears stimulus 1 too
    trial_file(w / "Results/20020315-mw-002/20020315-mw-002-001.mat", np.zeros(1000), SF_W, [("tone", 0, "t", 100)])
    for k in range(2):
        x = np.concatenate([np.zeros(200), -shared + RNG.normal(0, 0.5, n), np.zeros(200)])
        trial_file(w / f"Results/20020316-mw-003/20020316-mw-003-00{k}.mat", x, SF_W,
                   [("natural", 200, "humpback whale", 200)])
    # Asari: stimuli and two sessions (A1 whole-cell in results-1, MGB cell-attached in results-2)
    a = root / "crcns-ac1" / "asari" / "Stimuli" / "class6"
    stim_file(a / "3.mat", RNG.normal(size=4883), 97656.0, key="sample")
    stim_file(a / "3l.mat", RNG.normal(size=2441), 97656.0, key="sample")
    table = np.zeros((1, 2), dtype=[("file", "O")])
    table[0, 0], table[0, 1] = ("class6/3.mat",), ("class6/3l.mat",)
    m = int(0.075 * SF_A)
    r1 = root / "crcns-ac1-asari-results-1/asari-results-1/20050101-ha1-004"
    base = vm_signal(m, 3)
    trace = np.concatenate([np.zeros(500)] + [np.concatenate([base + RNG.normal(0, 0.3, m), np.zeros(300)])
                                              for _ in range(3)])
    trigs = [("natural sound", 500 + i * (m + 300), "Sequence 1:  1   2", 75) for i in range(3)]
    trial_file(r1 / "a.mat", trace, SF_A, trigs + [("tone", 0, "Sequence 9: 1", 10)],
               param={"stimulus": table, "recording": {"site": "auditory cortex", "type": "whole cell"}})
    # the same sequence reached through a table in the other order
    table2 = np.zeros((1, 2), dtype=[("file", "O")])
    table2[0, 0], table2[0, 1] = ("class6/3l.mat",), ("class6/3.mat",)
    trial_file(r1 / "b.mat", np.concatenate([np.zeros(100), base, np.zeros(100)]), SF_A,
               [("natural sound", 100, "Sequence 2: 2 1", 75), ("natural sound", 100, "Sequence 3: 3 1", 75)],
               param={"stimulus": table2})
    r2 = root / "crcns-ac1-asari-results-2/asari-results-2/20050202-ha2-007"
    spikes = [[100, 300, 301, 520], [100, 300, 520]]
    traces = []
    for times in spikes:
        x = RNG.normal(0, 0.05, m)
        for t0 in times:
            if t0 == 301:
                continue
            x[t0:t0 + 4] += 3.0  # one spike spans several samples above threshold
        traces.append(x)
    trace = np.concatenate([np.zeros(200)] + [np.concatenate([x, np.zeros(100)]) for x in traces])
    trigs = [("naturalsound", 200 + i * (m + 100), "Sequence 1: 1 2", 75) for i in range(2)]
    trial_file(r2 / "c.mat", trace, SF_A, trigs, param={"stimulus": table,
                                                         "recording": {"site": "MGB", "type": "cell attached"}})
