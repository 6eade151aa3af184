"""Cold loads of a synthetic Downer 2025 release with the full channel and session counts.

1718 channels in 41 sessions (MUspk MAT files with spike times and a small
spike-waveform field, one `trial` struct per session: 489 sentences once and
10 test sentences 11 times, plus 780 vocalisation slots), the TIMIT sentence
table (499 sentences of 2-3.6 s at 16 kHz) and the 41-kHz stereo mVoc WAV.
Prints the generation time, the cold-load time of each stimulus class (in a
fresh interpreter) and its peak RSS.

Usage: python benchmarks/load_downer.py [--channels 1718] [--sessions 41] [--skip-tuning]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.io
import scipy.io.wavfile


def make_release(root: str, n_channels: int, n_sessions: int, rng) -> None:
    os.makedirs(os.path.join(root, "stimuli"))
    os.makedirs(os.path.join(root, "sessions"))
    ids = [f"{180400 + k:06d}" for k in range(n_sessions)]
    yaml = ["b_RH_sessions:"] + [f"- {s}" for s in ids] + ["stim_wise_num_repeats: {timit: 11, mVocs: 15}"]
    with open(os.path.join(root, "sessions_metadata.yml"), "w") as f:
        f.write("\n".join(yaml) + "\n")
    n_sent = 499
    sent = np.zeros((1, n_sent), dtype=[(k, "O") for k in ("name", "sentId", "sound", "soundf", "duration", "befaft")])
    durations = rng.uniform(2.0, 3.6, n_sent)
    for i in range(n_sent):
        sound = np.concatenate([np.zeros(8000), rng.normal(0, 0.05, int(durations[i] * 16000)), np.zeros(8000)])
        sent[0, i] = (f"s{i}", float(i + 1), sound[:, None], 16000.0, len(sound) / 16000, np.array([[0.5, 0.5]]))
    scipy.io.savemat(os.path.join(root, "stimuli/out_sentence_details_timit_all_loudness.mat"), {"sentdet": sent})
    codes = np.concatenate([np.arange(1, 304), rng.integers(1, 304, 780 - 303)])
    onsets = np.arange(780) * 2.5
    scipy.io.savemat(os.path.join(root, "stimuli/SqMoPhys_MVOCStimcodes.mat"),
                     {"mVocsStimCodes": codes.astype(float), "mVocsStimOnTimes": onsets})
    wav = np.zeros((int(780 * 2.5 * 41000), 2), np.int16)
    wav[:, 0] = (rng.normal(0, 0.05, len(wav)) * 32767).astype(np.int16)
    scipy.io.wavfile.write(os.path.join(root, "stimuli/MonkVocs_15Blocks.wav"), 41000, wav)
    test = rng.choice(np.arange(1, n_sent + 1), 10, replace=False)
    timit = np.concatenate([np.setdiff1d(np.arange(1, n_sent + 1), test), np.repeat(test, 11)])
    per = np.full(n_sessions, n_channels // n_sessions)
    per[: n_channels % n_sessions] += 1
    for s, sid in enumerate(ids):
        folder = os.path.join(root, "sessions", sid)
        os.makedirs(folder)
        t_codes = rng.permutation(timit)
        m_codes = codes
        n = len(t_codes) + len(m_codes)
        stimon = 5.0 + 4.0 * np.arange(n)
        trial = {"stimon": stimon[:, None],
                 "timitStimcode": np.concatenate([t_codes, np.zeros(len(m_codes))])[:, None],
                 "mVocStimcode": np.concatenate([np.zeros(len(t_codes)), m_codes])[:, None]}
        for c in range(per[s]):
            spikes = np.sort(rng.uniform(0, stimon[-1] + 5, int((stimon[-1] + 5) * 8)))
            m = len(spikes)
            spike = {"spktimes": spikes[:, None], "trial": np.ones((m, 1)),
                     "events": np.zeros((m, 2), np.float32)}  # kept small here
            scipy.io.savemat(os.path.join(folder, f"b_{sid}_Ch{c + 1}_MUspk.mat"), {"spike": spike, "trial": trial})


CHILD = r"""
import resource, sys, time
from deepSTRF.datasets.audio import Downer2025Dataset
t = time.perf_counter()
ds = Downer2025Dataset(sys.argv[1], stimuli=sys.argv[2], cache=False)  # the load itself, without the cache
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
tune = float("nan")
if sys.argv[2] == "timit" and sys.argv[3] == "tune":
    t = time.perf_counter()
    ds.compute_paper_tuning(n_resamples=10000, verbose=False)
    tune = time.perf_counter() - t
print(f"{elapsed:.1f} {peak:.2f} {ds.payload_nbytes / 2**30:.2f} {len(ds.stim_meta)} {ds.N_neurons} {tune:.0f}")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=1718)
    ap.add_argument("--sessions", type=int, default=41)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip-tuning", action="store_true", help="do not time compute_paper_tuning (~3 min)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="deepstrf-downer-")
    try:
        t = time.perf_counter()
        make_release(work, args.channels, args.sessions, np.random.default_rng(0))
        print(f"generated {args.channels} channels in {args.sessions} sessions in {time.perf_counter() - t:.0f} s",
              flush=True)
        for stimuli in ("timit", "mvocs"):
            out = subprocess.run([sys.executable, "-c", CHILD, work, stimuli, "no" if args.skip_tuning else "tune"], capture_output=True, text=True,
                                 check=True)
            elapsed, peak, payload, S, N, tune = out.stdout.split()
            print(f"{stimuli}: cold load {elapsed} s (S={S}, N={N}); peak RSS {peak} GiB for a {payload} GiB payload"
                  + (f"; compute_paper_tuning(n_resamples=10000) {tune} s" if stimuli == "timit" and not args.skip_tuning else ""), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
