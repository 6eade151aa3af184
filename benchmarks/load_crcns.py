"""Cold load of a synthetic CRCNS-AA2-sized release in the real layout.

494 cells (``all_cells/<bird>_<unit>/<class>/stimK, spikeK``), 117 stimuli
of 2-4 s at 32 kHz (72 conspecific, 20 flatrip, 25 songrip; every cell heard
the conspecific and songrip sounds, half of them the flat ripples), 10
trials each, the three header-less tables. Prints generation time, cold-load
time at dt = 1 ms (with the default 21-ms smoothing) and peak RSS.

Usage: python benchmarks/load_crcns.py [--cells 494] [--stims 117]
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
import scipy.io.wavfile


def make_release(root: str, n_cells: int, n_stims: int, rng) -> None:
    classes = ["conspecific"] * round(n_stims * 72 / 117) + ["flatrip"] * round(n_stims * 20 / 117)
    classes += ["songrip"] * (n_stims - len(classes))
    names = [f"{rng.integers(16**8):08X}{k:024X}.wav" for k in range(n_stims)]
    os.makedirs(os.path.join(root, "all_stims"))
    durations = rng.uniform(2.0, 4.0, n_stims)
    rows = []
    for name, d, c in zip(names, durations, classes):
        n = int(d * 32000)
        scipy.io.wavfile.write(os.path.join(root, "all_stims", name), 32000,
                               (rng.normal(size=n) * 3000).astype(np.int16))
        rows.append(f"{name},32000,16,{n},{c}")
    with open(os.path.join(root, "stim_data.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    regions = ["L", "L1", "L2a", "L2b", "L3", "mld", "OV", "CM", "None"]
    reg_rows, cls_rows = [], []
    for k in range(n_cells):
        cell = f"bird{k // 9:03d}_{k % 9 + 1}"
        reg_rows.append(f"{cell},{regions[k % len(regions)]}")
        heard = [j for j, c in enumerate(classes) if c != "flatrip" or k % 2 == 0]
        used = sorted({classes[j] for j in heard})
        cls_rows.append(",".join([cell] + used))
        for c in used:
            folder = os.path.join(root, "all_cells", cell, c)
            os.makedirs(folder)
            for K, j in enumerate([j for j in heard if classes[j] == c], start=1):
                with open(os.path.join(folder, f"stim{K}"), "w") as f:
                    f.write(names[j] + "\n")
                lines = []
                for _ in range(10):
                    t = np.sort(rng.uniform(-2000, durations[j] * 1000 + 2000, size=rng.integers(0, 60)))
                    lines.append("".join(f"{v:.3f} " for v in t))
                with open(os.path.join(folder, f"spike{K}"), "w") as f:
                    f.write("\n".join(lines) + "\n")
    for fname, data in (("cell_regions.csv", reg_rows), ("cell_stim_classes.csv", cls_rows)):
        with open(os.path.join(root, fname), "w") as f:
            f.write("\n".join(data) + "\n")


CHILD = r"""
import resource, sys, time
from deepSTRF.datasets.audio import CRCNSAA2Dataset
t = time.perf_counter()
ds = CRCNSAA2Dataset(sys.argv[1], cache=False)  # the load itself (benchmarks/cache_speed.py measures the cache)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(f"{elapsed:.1f} {peak:.2f} {ds.payload_nbytes / 2**30:.2f} {len(ds.stim_meta)} {ds.N_neurons} "
      f"{ds._store().n_pairs}")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=494)
    ap.add_argument("--stims", type=int, default=117)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="deepstrf-aa2-")
    try:
        t = time.perf_counter()
        make_release(work, args.cells, args.stims, np.random.default_rng(0))
        print(f"generated {args.cells} cells x {args.stims} stims in {time.perf_counter() - t:.0f} s", flush=True)
        out = subprocess.run([sys.executable, "-c", CHILD, work], capture_output=True, text=True, check=True)
        elapsed, peak, payload, S, N, P = out.stdout.split()
        print(f"CRCNS-AA2-sized cold load (dt = 1 ms, smooth=True): {elapsed} s; S={S}, N={N}, {P} (stim, cell) "
              f"pairs; peak RSS {peak} GiB for a {payload} GiB payload ({float(peak) / float(payload):.2f} x)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
