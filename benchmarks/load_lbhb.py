"""Cold loads of full-scale synthetic LBHB releases in the real archive formats.

1. Wingert 2026: 3128 units in 68 session archives (NEMS tarballs: resp.h5
   spike times, resp.epoch.csv, stim.h5 gammatone-grams), ~105 stimuli per
   session (100 single-presentation, 5 repeated 20 times), T = 2000 or 2200.
2. NAT4: a full-size A1 population CSV (88 950 x 849, 18-digit formatting,
   mostly nan/zeros) in its tarball, loaded with subset='est'.

Prints generation time, cold-load time (and how much of it is decompression:
a pass that only gunzips every archive), and peak RSS over payload. The data
are written under --workdir (default a temporary folder; ~4 GB for the full
Wingert scale) and deleted afterwards unless --keep.

Usage: python benchmarks/load_lbhb.py [--sessions 68] [--units 3128] [--skip-nat4]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _tar_add(tar, name, data: bytes):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _h5(arrays: dict) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for k, v in arrays.items():
            f.create_dataset(k, data=v)
    return buf.getvalue()


def make_wingert(root: str, n_sessions: int, n_units: int, rng) -> None:
    os.makedirs(os.path.join(root, "recordings"), exist_ok=True)
    per = np.full(n_sessions, n_units // n_sessions)
    per[: n_units % n_sessions] += 1
    rows = ["cellid,siteid,area,layer,depth,narrow,celltype,sw,goodpred"]
    base_spec = rng.gamma(1.0, 1.0, size=(32, 2200)).round(3)
    for k in range(n_sessions):
        session = f"SYN{k:03d}a"
        T = 2200 if k % 3 == 0 else 2000
        units = [f"{session}-{c:03d}-1" for c in range(per[k])]
        rows += [f"{u},{session},{'A1' if k % 4 else 'PEG'},13,{100 + c},True,RS,0.3,True" for c, u in enumerate(units)]
        names = [f"STIM_seq{k * 100 + j:04d}.wav" for j in range(100)] + [f"STIM_00seq{j}.wav" for j in range(5)]
        order = names[:100] + [n for n in names[100:] for _ in range(20)]
        rng.shuffle(order)
        epochs, t = ["name,start,end"], 0.0
        for name in order:
            epochs.append(f"{name},{t + 0.00123:.5f},{t + T / 100 + 0.00123:.5f}")
            t += T / 100 + 0.2
        spikes = {u: np.sort(rng.uniform(0, t, size=int(t * 5))) for u in units}  # ~5 spikes/s
        stims = {n: np.roll(base_spec[:, :T], j * 7, axis=1) for j, n in enumerate(names)}
        resp_json = {"name": "resp", "chans": units, "fs": 100, "segments": [[0, int(t * 100)]],
                     "signal_type": "<class 'nems0.signal.PointProcess'>"}
        with tarfile.open(os.path.join(root, "recordings", f"{session}_{k:040x}.tgz"), "w:gz", compresslevel=1) as tar:
            _tar_add(tar, f"{session}/{session}.meta.json", json.dumps({"siteid": session}).encode())
            _tar_add(tar, f"{session}/{session}.resp.json", json.dumps(resp_json).encode())
            _tar_add(tar, f"{session}/{session}.resp.epoch.csv", ("\n".join(epochs) + "\n").encode())
            _tar_add(tar, f"{session}/{session}.resp.h5", _h5(spikes))
            _tar_add(tar, f"{session}/{session}.stim.h5", _h5(stims))
    with open(os.path.join(root, "cell_list.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


def make_nat4_population(root: str, rng, n_cells: int = 849, n_est: int = 575, n_val: int = 18) -> None:
    T = 150
    order = [f"STIM_00cat{j}_x.wav" for j in range(n_val)] + [f"STIM_cat{j}_x.wav" for j in range(n_est)]
    n_total = T * len(order)
    cells = [f"ARM{29 + c % 5:03d}a-{c % 64:02d}-{c // 64 + 1}" for c in range(n_cells)]
    words = np.array(["nan", "0.000000000000000000e+00", "1.000000000000000000e+00", "2.000000000000000000e+00"],
                     dtype=object)
    recorded = rng.random((len(order), n_cells)) < 0.5  # about half the matrix is numbers, half nan
    recorded[:n_val] = True
    rec = "A1_NAT4_ozgf.fs100.ch18"
    path = os.path.join(root, rec + ".tgz")
    csv_path = os.path.join(root, "resp.csv.tmp")
    with open(csv_path, "w") as f:
        for s in range(len(order)):
            counts = rng.choice([1, 1, 1, 1, 2, 3], size=(T, n_cells))
            counts[:, ~recorded[s]] = 0  # nan where the cell was not recorded
            lines = [",".join(row) for row in words[counts]]
            f.write("\n".join(lines) + "\n")
    stim = "\n".join(",".join(f"{v:.18e}" for v in row) for row in rng.gamma(1.0, 1.0, size=(n_total, 18)))
    epochs = ["name,start,end"] + [f"{n},{i * 1.5},{i * 1.5 + 1.5}" for i, n in enumerate(order)]
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        _tar_add(tar, f"{rec}/{rec}.meta.json", b"{}")
        for sig, chans in (("resp", cells), ("stim", [str(i) for i in range(18)])):
            _tar_add(tar, f"{rec}/{rec}.{sig}.json", json.dumps({"name": sig, "chans": chans, "fs": 100,
                                                                   "segments": [[0, n_total]]}).encode())
            _tar_add(tar, f"{rec}/{rec}.{sig}.epoch.csv", ("\n".join(epochs) + "\n").encode())
        tar.add(csv_path, arcname=f"{rec}/{rec}.resp.csv")
        _tar_add(tar, f"{rec}/{rec}.stim.csv", (stim + "\n").encode())
    os.remove(csv_path)
    with open(os.path.join(root, "A1_pred_correlation.csv"), "w") as f:
        f.write("cellid,sig_auditory\n" + "\n".join(f"{c},True" for c in cells) + "\n")


CHILD = r"""
import resource, sys, time, warnings
warnings.simplefilter("ignore")
kind, root = sys.argv[1], sys.argv[2]
from deepSTRF.datasets.audio import NAT4Dataset, Wingert2026Dataset
t = time.perf_counter()
if kind == "wingert":
    ds = Wingert2026Dataset(root, cache=False)  # the load itself (cache_speed.py measures the cache)
else:
    ds = NAT4Dataset(root, subset="est", cache=False)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(f"{elapsed:.2f} {peak:.3f} {ds.payload_nbytes / 2**30:.3f} {len(ds.stim_meta)} {ds.N_neurons}")
"""


def cold_load(kind: str, root: str) -> tuple:
    """Run the load in a fresh interpreter so peak RSS is the load's own."""
    out = subprocess.run([sys.executable, "-c", CHILD, kind, root], capture_output=True, text=True, check=True)
    t, peak, payload, S, N = out.stdout.split()
    return float(t), float(peak), float(payload), int(S), int(N)


def gunzip_all(paths) -> float:
    t = time.perf_counter()
    for p in paths:
        with gzip.open(p, "rb") as f:
            while f.read(1 << 24):
                pass
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=68)
    ap.add_argument("--units", type=int, default=3128)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip-nat4", action="store_true")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="deepstrf-lbhb-")
    rng = np.random.default_rng(0)
    try:
        wroot = os.path.join(work, "Wingert2026")
        t = time.perf_counter()
        make_wingert(wroot, args.sessions, args.units, rng)
        archives = sorted(os.path.join(wroot, "recordings", f) for f in os.listdir(os.path.join(wroot, "recordings")))
        size = sum(os.path.getsize(p) for p in archives) / 2**30
        print(f"Wingert: generated {args.sessions} archives ({size:.2f} GiB) in {time.perf_counter() - t:.0f} s",
              flush=True)
        gz = gunzip_all(archives)
        t_load, peak, payload, S, N = cold_load("wingert", wroot)
        print(f"Wingert cold load: {t_load:.1f} s (S={S}, N={N}); decompression alone {gz:.1f} s "
              f"({100 * gz / t_load:.0f} % of the load); peak RSS {peak:.2f} GiB = {peak / payload:.2f} x payload "
              f"({payload:.2f} GiB)", flush=True)
        shutil.rmtree(wroot)
        if not args.skip_nat4:
            nroot = os.path.join(work, "NAT4")
            os.makedirs(nroot)
            t = time.perf_counter()
            make_nat4_population(nroot, rng)
            print(f"NAT4: generated the A1 population archive in {time.perf_counter() - t:.0f} s", flush=True)
            pop = os.path.join(nroot, "A1_NAT4_ozgf.fs100.ch18.tgz")
            gz = gunzip_all([pop])
            t_load, peak, payload, S, N = cold_load("nat4", nroot)
            print(f"NAT4 (subset='est') cold load: {t_load:.1f} s (S={S}, N={N}); decompression alone {gz:.1f} s; "
                  f"peak RSS {peak:.2f} GiB = {peak / payload:.2f} x payload ({payload:.3f} GiB; the parsed "
                  f"(88 950, 849) matrix itself is {88950 * 849 * 4 / 2**30:.2f} GiB)", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
