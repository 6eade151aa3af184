"""A fake Le2025 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .formats import write_wav

NAT8B = ["ep_nat8mk0_C", "ep_nat8mk0_GB_g1_snr0", "ep_nat8mk0_CB_g1_snr0", "ep_nat8mk0_GM_g1_snr0",
         "ep_nat8mk0_CM_snr0", "ep_nat8mk0_G_g2"]


def stimtrial(path, bird_uuid, trials):
    doc = {"$schema": "https://meliza.org/spec:2/stimtrial.json#", "bird": bird_uuid, "unit": "u",
           "pprox": [{"events": ev, "stimulus": {"name": name, "interval": [0.0, 0.3]}, "interval": [-1, 1.3],
                      "index": i, "offset": 0.0, "recording": {"entry": 0, "start": 0, "end": 1}}
                     for i, (name, ev) in enumerate(trials)]}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


def make_le(root):
    meta = root / "metadata"
    os.makedirs(meta)
    (meta / "song-birds.csv").write_text("bird,nat8b_encoding,gap,gap_start,gap_stop,uuid,group\n"
                                         "B189,nat8mk0,1,113.0,209.0,u1,178B\nB189,nat8mk0,2,300.0,360.0,u1,178B\n"
                                         "R56,nat8mk1,1,50.0,120.0,u2,180B\n")
    (meta / "ephys-birds.csv").write_text("bird,uuid,sex,group,age,cohort,sire\nP15,uuid-p15,M,178B,1y234d,1,\n"
                                          "C43,uuid-c43,F,,254d,3,\n")
    (meta / "recordings.csv").write_text("site,bird,probe,stimulus_set,hemisphere,area\nC43_1_1,C43,p,nat8b,L,NCM/L3\n"
                                         "C44_2_1,C44,p,synth8b,R,N/A\n")
    for name in ("B189_continuous", "B189_gap1", "B189_gapnoise1", "B189_noise2"):
        write_wav(root / "nat8a-stimuli" / f"{name}.wav", 0.3, rate=40000, seed=1)
    write_wav(root / "nat8a-stimuli" / "stray.wav", 0.1, rate=40000)
    for k, name in enumerate(NAT8B):
        write_wav(root / "nat8b-stimuli" / f"{name}.wav", 0.3, rate=48000, freq=1000.0 + 500 * k)
    for name in ("ep_synth8mk0_CB_g2a_snr0", "ep_synth8mk0_C"):
        write_wav(root / "synth8b-stimuli" / f"{name}.wav", 0.3, rate=44100, seed=3)
    legacy = {"$schema": "https://meliza.org/spec:2/pprox.json#", "bird": "P15", "bird-uuid": "uuid-p15",
              "familiar": "178B", "location": "CMM", "hemisphere": "L",
              "pprox": [{"stimulus": "B189", "condition": "continuous", "event": [1015.0, 1016.0, 900.0],
                         "stim_on": 1000.0, "stim_off": 1300.0, "trial": i} for i in range(3)]}
    os.makedirs(root / "nat8a-alpha-responses")
    with open(root / "nat8a-alpha-responses" / "P15_p1r1_ch3_c1.pprox", "w") as f:
        json.dump(legacy, f)
    stimtrial(root / "nat8a-beta-responses" / "C43_1_1_c2.pprox", "uuid-c43",
              [("B189_gap1", [0.015, 0.0151]), ("B189_gap1", [])])
    rng = np.random.default_rng(0)
    trials = [(name, sorted(rng.uniform(-0.2, 0.35, 12).tolist())) for name in NAT8B for _ in range(4)]
    stimtrial(root / "nat8b-responses" / "C43_1_1_c5.pprox", "uuid-c43", trials + [("ep_nat8mk0_C", [0.015])])
    stimtrial(root / "nat8b-responses" / "C43_1_1_c6.pprox", "uuid-c43", [("other_stim", [0.1])])
    stimtrial(root / "synth8b-responses" / "C44_2_1_c1.pprox", "uuid-c44", [("ep_synth8mk0_C", [0.1])])
