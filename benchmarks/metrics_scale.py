"""Speed of the metrics on a large batch, and of compute_neuron_quality.

Batch: (B=8, N=500, R=10, T=2000) Poisson responses with 10 % of the
repeats NaN. Datasets: an NS1-sized one (119 neurons x 20 stims x 20
repeats x 999 bins) and, with --wingert, the full-scale synthetic release
of paradigm_scale.py (about 7 GiB of memory, a minute to build).

Usage: python benchmarks/metrics_scale.py [--wingert] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.metrics import compute_CCmax, corrcoef, normalized_corrcoef, snr


def best_of(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), max(times)


def ns1_sized(rng) -> object:
    b = DatasetBuilder(dt_ms=5.0)
    for s in range(20):
        b.add_stim(rng.random((1, 34, 999), dtype=np.float32), name=f"clip{s}")
    rates = rng.gamma(1.0, 0.3, size=(119, 1, 999))
    for n in range(119):
        b.add_neuron(cell_id=f"u{n}")
    for s in range(20):
        counts = rng.poisson(np.broadcast_to(rates, (119, 20, 999))).astype(np.float32)
        for n in range(119):
            b.add_response(s, n, counts[n])
    return b.build()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--wingert", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(0)
    B, N, R, T = 8, 500, 10, 2000
    rate = torch.from_numpy(rng.gamma(1.0, 0.5, size=(B, N, 1, T)).astype(np.float32))
    resp = torch.poisson(rate.expand(B, N, R, T).contiguous())
    resp[torch.from_numpy(rng.random((B, N, R)) < 0.1)] = float("nan")
    pred = rate + 0.1 * torch.rand_like(rate)
    print(f"metrics benchmark: (B, N, R, T) = {(B, N, R, T)}, 10% NaN repeats, float32 input; "
          f"{torch.get_num_threads()} threads; best / worst of {args.repeat}", flush=True)
    cases = {
        "normalized_corrcoef(method='schoppe')": lambda: normalized_corrcoef(pred, resp, method="schoppe"),
        "normalized_corrcoef(method='hsu'), 20 splits": lambda: normalized_corrcoef(pred, resp, method="hsu"),
        "snr": lambda: snr(resp),
        "corrcoef": lambda: corrcoef(pred, resp),
        "compute_CCmax(method='schoppe')": lambda: compute_CCmax(resp),
    }
    for label, fn in cases.items():
        lo, hi = best_of(fn, args.repeat)
        print(f"{label:<48s} {lo:7.3f} s  (worst {hi:.3f} s)", flush=True)

    ds = ns1_sized(rng)
    lo, hi = best_of(ds.compute_neuron_quality, args.repeat)
    print(f"{'compute_neuron_quality, NS1-sized (119 x 20 x 20 x 999)':<48s} {lo:7.3f} s  (worst {hi:.3f} s)")
    if args.wingert:
        sys.path.insert(0, os.path.dirname(__file__))
        from paradigm_scale import build

        big, _ = build(68, 3128, 32, 2000, rng)
        t = time.perf_counter()
        out = big.compute_neuron_quality()
        print(f"{'compute_neuron_quality, Wingert-scale (3128 neurons)':<48s} {time.perf_counter() - t:7.3f} s  "
              f"({int((~torch.isnan(out['snr'])).sum())} neurons with repeats)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
