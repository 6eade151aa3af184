"""Cold and warm loads through the processed-dataset cache, and what DataLoader workers cost.

Two datasets, each written in its release format under --workdir:

1. Wingert 2026 at full scale (68 session archives, 3128 units; the
   generator of ``benchmarks/load_lbhb.py``).
2. NS1 at its real size (119 units x 20 sounds x 20 repeats, 999 bins of
   5 ms, F = 34; the test suite's MAT-file writers).

For each, in fresh interpreters (so every figure is that process's own):

- cold load: the first ``Dataset(root)``, which builds and writes the cache;
- warm load: the same call again, which maps the cache; peak RSS of that
  process (VmHWM) after the load, and what the interpreter with torch
  already held before it;
- pickle dump + load of the warm dataset (what spawn-started workers and
  DDP ranks pay);
- one pass of a DataLoader (batch 8) with 1 and with 4 fork-started
  workers, each item reduced in the worker to per-neuron totals of its
  trial means (every page of the payload is read; only ``(8, N)`` travels
  back, so the figures are the dataset's memory, not the IPC of padded
  batches): peak, over the pass, of the summed PSS
  (proportional set size: a page shared by k processes counts 1/k in each,
  so the sum is the memory really used) of the parent and its workers,
  split into anonymous and file-backed (the mapped cache) pages. Summed
  RSS would count every shared page (the mapped cache, and the
  interpreter pages a fork shares) once per process.

Usage: python benchmarks/cache_speed.py [--sessions 68] [--units 3128] [--skip-wingert] [--skip-ns1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CHILD = r"""
import json, os, pickle, sys, threading, time, warnings
warnings.simplefilter("ignore")
kind, root, mode = sys.argv[1], sys.argv[2], sys.argv[3]


def proc_kb(pid, fields, name="status"):
    out = dict.fromkeys(fields, 0)
    try:
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                key = line.split(":")[0]
                if key in out:
                    out[key] = int(line.split()[1])
    except OSError:  # the process has just exited
        pass
    return out


def children():
    me, kids = os.getpid(), []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                        kids.append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    return kids


import torch
from deepSTRF.datasets.audio import NS1Dataset, Wingert2026Dataset

before = proc_kb("self", ["VmRSS"])["VmRSS"]
t = time.perf_counter()
ds = Wingert2026Dataset(root) if kind == "wingert" else NS1Dataset(root)
out = {"load_s": time.perf_counter() - t, "payload": ds.payload_nbytes, "S": len(ds.stim_meta), "N": ds.N_neurons,
       "hwm_kb": proc_kb("self", ["VmHWM"])["VmHWM"], "before_kb": before,
       "mapped": type(ds._store().chunks[0]).__name__ == "memmap"}
if mode == "warm":
    t = time.perf_counter()
    blob = pickle.dumps(ds)
    back = pickle.loads(blob)
    out["pickle_s"], out["pickle_bytes"] = time.perf_counter() - t, len(blob)
    assert len(back) == len(ds)
elif mode.startswith("pass"):
    workers = int(mode[4:])
    peak = {"pss": 0, "anon": 0, "file": 0}
    done = threading.Event()

    def sample_once():
        pids = [os.getpid()] + children()
        rollups = [proc_kb(p, ["Pss", "Pss_Anon", "Pss_File"], "smaps_rollup") for p in pids]
        for key, field in (("pss", "Pss"), ("anon", "Pss_Anon"), ("file", "Pss_File")):
            peak[key] = max(peak[key], sum(r[field] for r in rollups))

    def sample():
        while not done.is_set():
            sample_once()
            done.wait(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    def per_neuron_totals(items):
        # every repeat of every heard pair is read (all the pages of the payload); only (B, N) travels back
        return torch.stack([item["responses"].trial_mean().nansum(dim=1) for item in items])

    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=workers, collate_fn=per_neuron_totals,
                                         persistent_workers=workers > 0)
    t, total, it = time.perf_counter(), 0.0, iter(loader)
    for batch in it:
        total += float(batch.double().sum())
    out["pass_s"] = time.perf_counter() - t
    done.set()
    thread.join()
    sample_once()  # the workers are still alive, holding every page they touched
    del it
    out["peak_pss_kb"], out["peak_anon_kb"], out["peak_file_kb"] = peak["pss"], peak["anon"], peak["file"]
    out["checksum"] = total
print(json.dumps(out))
"""


def child(kind: str, root: str, mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DEEPSTRF_CACHE_DIR"}  # the cache goes under the data
    out = subprocess.run([sys.executable, "-c", CHILD, kind, root, mode], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise RuntimeError(f"{kind} {mode} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_ns1_sized(root: str, n_units: int = 119) -> None:
    """The NS1 release layout at its real size, with the test suite's MAT-file writers."""
    import scipy.io
    from deepSTRF.testing.ns1 import write_metadata, write_spikes

    os.makedirs(root)
    rng = np.random.default_rng(0)
    scipy.io.savemat(os.path.join(root, "test_data_5ms.mat"),
                     {"X_nfht": rng.normal(size=(20, 34, 1, 999)), "y_nt": np.zeros((20, 999))})
    units = [(f"u{i}.mat", f"F{i % 7}/u{i}.mat", 100.0 * (i % 9), "Yes") for i in range(n_units)]
    write_metadata(os.path.join(root, "MetadataSHEnCneurons.mat"), units)
    for i, (_, rel, _, _) in enumerate(units):
        write_spikes(os.path.join(root, "spikesandwav", rel), i)


def report(name: str, root: str) -> None:
    gib = 2**30
    shutil.rmtree(os.path.join(root, ".deepstrf", "processed"), ignore_errors=True)  # a cold start
    cold = child(name, root, "cold")
    warm = child(name, root, "warm")
    payload = cold["payload"]
    print(f"{name}: S={cold['S']}, N={cold['N']}, payload {payload / gib:.3f} GiB", flush=True)
    print(f"  cold load (build + write the cache): {cold['load_s']:.2f} s", flush=True)
    print(f"  warm load (map the cache): {warm['load_s']:.3f} s = {cold['load_s'] / warm['load_s']:.0f}x faster; "
          f"mapped: {warm['mapped']}", flush=True)
    hwm, before = warm["hwm_kb"] * 1024, warm["before_kb"] * 1024
    print(f"  peak RSS after the warm load: {hwm / gib:.3f} GiB = {100 * hwm / payload:.1f} % of the payload "
          f"(python + torch before the load: {before / gib:.3f} GiB; the load itself "
          f"{(hwm - before) / 2**20:.0f} MiB = {100 * (hwm - before) / payload:.2f} %)", flush=True)
    print(f"  pickle dump + load of the warm dataset: {warm['pickle_s']:.3f} s, "
          f"{warm['pickle_bytes'] / 2**20:.1f} MiB", flush=True)
    one, four = child(name, root, "pass1"), child(name, root, "pass4")
    assert abs(one["checksum"] - four["checksum"]) <= 1e-6 * max(1.0, abs(one["checksum"])), (one, four)
    for label, r in (("1 worker ", one), ("4 workers", four)):
        print(f"  DataLoader pass, {label}: {r['pass_s']:.1f} s; peak summed PSS {r['peak_pss_kb'] / 2**20:.3f} GiB "
              f"(anonymous {r['peak_anon_kb'] / 2**20:.3f}, file-backed {r['peak_file_kb'] / 2**20:.3f})", flush=True)
    print(f"  4 workers / 1 worker: summed PSS {four['peak_pss_kb'] / one['peak_pss_kb']:.2f}x", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=68)
    ap.add_argument("--units", type=int, default=3128)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip-wingert", action="store_true")
    ap.add_argument("--skip-ns1", action="store_true")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="deepstrf-cache-")
    try:
        if not args.skip_ns1:
            root = os.path.join(work, "NS1")
            if not os.path.isdir(root):  # (a kept --workdir is reused)
                t = time.perf_counter()
                make_ns1_sized(root)
                print(f"NS1: generated 119 units in {time.perf_counter() - t:.0f} s", flush=True)
            report("ns1", root)
        if not args.skip_wingert:
            from load_lbhb import make_wingert

            root = os.path.join(work, "Wingert2026")
            if not os.path.isdir(root):
                t = time.perf_counter()
                make_wingert(root, args.sessions, args.units, np.random.default_rng(0))
                print(f"Wingert: generated {args.sessions} archives in {time.perf_counter() - t:.0f} s", flush=True)
            report("wingert", root)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
