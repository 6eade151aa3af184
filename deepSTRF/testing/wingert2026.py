"""A fake Wingert2026 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np

from .formats import write_recording

CELL_LIST = """cellid,siteid,area,layer,depth,narrow,celltype,sw,goodpred,r_test
CLT027c-009-1,CLT027c,A1,13,450.5,True,RS,0.3,True,0.5
CLT027c-010-2,CLT027c,PEG,56,700,False,NS,0.2,False,0.4
SLJ032a-A-003-1,SLJ032a,A1,1-3,100,False,RS,0.4,True,0.3
SLJ032a-B-154-1,SLJ032a-B,AC,44,900,True,NS,0.1,True,0.2
PRN018a-001-1,PRN018a,HC,56,300,False,RS,0.3,False,0.1
PRN015a-002-1,PRN015a,A1,13,250,True,RS,0.3,True,0.1
PRN010b-001-1,PRN010b,,,,,,0.2,False,0.0
"""


def session_archive(path, session, units, T, epochs_extra=(), start_offset=0.0):
    """est STIM_seq0001/0002 once, val STIM_00seq1 three times; epoch starts off the 10-ms grid."""
    rng = np.random.default_rng(abs(hash(session)) % 2**32)
    names = ["STIM_seq0001.wav", "STIM_seq0002.wav", "STIM_00seq1.wav"]
    order = ["STIM_seq0001.wav", "STIM_00seq1.wav", "STIM_seq0002.wav", "STIM_00seq1.wav", "STIM_00seq1.wav"]
    epochs, t = [], 1.2345 + start_offset
    for name in order:
        epochs.append(("TRIAL", t, t + T / 100))
        epochs.append((name, t, t + T / 100))
        t += T / 100 + 0.5
    spikes = {}
    for k, u in enumerate(units):
        times = []
        for name, s, _ in epochs:
            if name.startswith("STIM"):
                times += [s + 0.0056, s + 0.0150 + 0.01 * k]  # bins 1 and 2 + k by the absolute rule
        spikes[u] = np.array(times)
    stims = {n: rng.gamma(1.0, 1.0, size=(32, T)) for n in names}
    write_recording(path, session, {
        "resp": {"chans": units, "fs": 100, "n_total": int(t * 100), "epochs": epochs, "h5": spikes,
                 "type": "PointProcess"},
        "stim": {"fs": 100, "n_total": int(t * 100), "h5": stims, "type": "TiledSignal"},
    }, meta={"siteid": "PRN018a"})
    return stims


def make_wingert(root):
    """``cell_list.csv`` and six session archives (two cohorts of T, a duplicate, a misnamed one, an
    unlabelled unit's); returns ``{session: {stim name: linear gtgram}}``."""
    rec = root / "recordings"
    os.makedirs(rec)
    (root / "cell_list.csv").write_text(CELL_LIST)
    stims = {}
    stims["CLT027c"] = session_archive(rec / "CLT027c_aaaa.tgz", "CLT027c", ["CLT027c-010-2", "CLT027c-009-1",
                                                                            "CLT027c-099-9"], T=22)
    stims["SLJ032a"] = session_archive(rec / "SLJ032a_bbbb.tgz", "SLJ032a", ["SLJ032a-A-003-1", "SLJ032a-B-154-1"],
                                       T=20)
    stims["PRN018a"] = session_archive(rec / "PRN018a_cccc.tgz", "PRN018a", ["PRN018a-001-1"], T=20)
    session_archive(rec / "PRN018b_dddd.tgz", "PRN018a", ["PRN018a-001-1"], T=20)  # a duplicate
    stims["PRN015a"] = session_archive(rec / "PRN015b_eeee.tgz", "PRN015a", ["PRN015a-002-1"], T=20)  # misnamed
    stims["PRN010b"] = session_archive(rec / "PRN010b_ffff.tgz", "PRN010b", ["PRN010b-001-1"], T=20)
    return stims
