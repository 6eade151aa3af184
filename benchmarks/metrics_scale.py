"""Speed and memory of the metrics on a large batch, and of compute_neuron_quality.

Batch: (B=8, N=500, R=10, T=2000) float32 Poisson responses with 10 % of
the repeats NaN (320 MB). Each metric runs in a fresh process: its first
call (what an evaluation loop pays per batch), the best of 3 later calls,
and the peak extra memory of the first and of a later call (the process's
peak RSS during the call over its RSS before it, ``/proc/self/clear_refs``
resetting the peak; the first call's includes the libraries' one-time
start-up, a later call's what the allocator could not reuse).
Datasets: an NS1-sized one (119 neurons x 20 stims x 20 repeats x 999 bins)
and, with --wingert, the full-scale synthetic release of paradigm_scale.py
(about 7 GiB of memory, a minute to build).

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
from deepSTRF.metrics import (coherence, compute_CCmax, corrcoef, fve, mse_loss, normalized_corrcoef, poisson_loss,
                              snr)

CASES = {
    "corrcoef": lambda p, r: corrcoef(p, r),
    "fve": lambda p, r: fve(p, r),
    "snr": lambda p, r: snr(r),
    "normalized_corrcoef(method='schoppe')": lambda p, r: normalized_corrcoef(p, r, method="schoppe"),
    "normalized_corrcoef(method='hsu'), 126 splits": lambda p, r: normalized_corrcoef(p, r, method="hsu"),
    "compute_CCmax(method='schoppe')": lambda p, r: compute_CCmax(r),
    "coherence(dt_ms=5)": lambda p, r: coherence(p, r, 5.0),
    "poisson_loss": lambda p, r: poisson_loss(p, r),
    "mse_loss": lambda p, r: mse_loss(p, r),
}


def _mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def the_batch(rng):
    B, N, R, T = 8, 500, 10, 2000
    rate = torch.from_numpy(rng.gamma(1.0, 0.5, size=(B, N, 1, T)).astype(np.float32))
    resp = torch.poisson(rate.expand(B, N, R, T).contiguous())
    resp[torch.from_numpy(rng.random((B, N, R)) < 0.1)] = float("nan")
    pred = rate + 0.1 * torch.rand_like(rate)
    return pred, resp


def child(label: str, repeat: int) -> int:
    """One metric in this fresh process: first call, its peak extra memory, best of ``repeat``."""
    torch.set_num_threads(os.cpu_count() or 1)
    pred, resp = the_batch(np.random.default_rng(0))
    fn = CASES[label]

    def peak_of_a_call() -> tuple[float, float]:
        before = _mib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak RSS starts again from here
        t = time.perf_counter()
        fn(pred, resp)
        return time.perf_counter() - t, _mib("VmHWM") - before

    first, extra_first = peak_of_a_call()  # includes the libraries' one-time start-up
    _, extra = peak_of_a_call()
    lo, _ = best_of(lambda: fn(pred, resp), repeat)
    print(f"{label:<44s} first {first:6.3f} s  best of {repeat} {lo:6.3f} s  peak extra: first call "
          f"{extra_first:6.1f} MiB, later {extra:5.1f} MiB", flush=True)
    return 0


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
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.repeat)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(0)
    print(f"metrics benchmark: (B, N, R, T) = (8, 500, 10, 2000), 10% NaN repeats, float32 input; "
          f"{torch.get_num_threads()} threads; each metric in a fresh process", flush=True)
    import subprocess

    for label in CASES:
        subprocess.run([sys.executable, __file__, "--child", label, "--repeat", str(args.repeat)], check=True)

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
