"""Speed and memory of the metrics on a large batch, and of compute_neuron_quality.

Batch: (B=8, N=500, R=10, T=2000) float32 Poisson responses with 10 % of
the repeats NaN (320 MB). Each metric runs in a fresh process: its first
call (what an evaluation loop pays per batch), the best of 3 later calls,
and the peak extra memory of the first and of a later call (the process's
peak RSS during the call over its RSS before it, ``/proc/self/clear_refs``
resetting the peak). The first call's figure includes the libraries'
one-time start-up; the part of it that is code paged in from the shared
libraries (file-backed RSS, which never shrinks) is printed beside it.
With --pressure G, a second process allocates and touches G GiB over and
over while the metrics run, as other jobs on a shared machine do (fresh
memory is then slow to fault in: a metric that needs little of it keeps
its speed). The churning process also keeps one core busy, so on a
2-core machine every figure slows by that too: compare versions under the
same flag, not with the quiet figures. With --scaling, each metric also runs at 4x the neurons (N=2000, 1.3 GB)
in its own process, after one call on a small slice of the batch (so that
start-up is paid), and prints that call's peak extra memory: a metric that
works in fixed-size blocks needs the same few MiB at every batch size.
Datasets: an NS1-sized one (119 neurons x 20 stims x 20 repeats x 999 bins)
and, with --wingert, the full-scale synthetic release of paradigm_scale.py
(about 7 GiB of memory, a minute to build).

Usage: python benchmarks/metrics_scale.py [--wingert] [--scaling] [--pressure 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.metrics import (coherence, compute_CCmax, corrcoef, fve, mse_loss, normalized_corrcoef, poisson_loss,
                              snr)
from deepSTRF.metrics import performance

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
    "performance.compute_CCmax (0.1.0 per cell, 126 splits)": lambda p, r: performance.compute_CCmax(r),
    "performance.compute_TTRC": lambda p, r: performance.compute_TTRC(r),
}


def _mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def the_batch(rng, N: int = 500):
    B, R, T = 8, 10, 2000
    rate = torch.from_numpy(rng.gamma(1.0, 0.5, size=(B, N, 1, T)).astype(np.float32))
    resp = torch.poisson(rate.expand(B, N, R, T).contiguous())
    resp[torch.from_numpy(rng.random((B, N, R)) < 0.1)] = float("nan")
    pred = rate + 0.1 * torch.rand_like(rate)
    return pred, resp


def measured_call(fn, *args) -> tuple[float, float, float]:
    """Seconds, peak extra RSS and code paged in (file-backed RSS growth), MiB, of one call."""
    before, before_file = _mib("VmRSS"), _mib("RssFile")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak RSS starts again from here
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t, _mib("VmHWM") - before, _mib("RssFile") - before_file


def child(label: str, repeat: int) -> int:
    """One metric in this fresh process: first call, its peak extra memory, best of ``repeat``."""
    torch.set_num_threads(os.cpu_count() or 1)
    pred, resp = the_batch(np.random.default_rng(0))
    fn = CASES[label]
    first, extra_first, code = measured_call(fn, pred, resp)  # includes the libraries' one-time start-up
    _, extra, _ = measured_call(fn, pred, resp)
    lo, _ = best_of(lambda: fn(pred, resp), repeat)
    print(f"{label:<46s} first {first:6.3f} s  best of {repeat} {lo:6.3f} s  peak extra: first call "
          f"{extra_first:5.1f} MiB (code {code:4.1f}), later {extra:4.1f} MiB", flush=True)
    return 0


def scaling_child(label: str) -> int:
    """Peak extra memory of one call at 4x the neurons, start-up paid on a slice first."""
    torch.set_num_threads(os.cpu_count() or 1)
    pred, resp = the_batch(np.random.default_rng(0), N=2000)
    fn = CASES[label]
    fn(pred[:, :12], resp[:, :12])
    _, extra, _ = measured_call(fn, pred, resp)
    print(f"{label:<46s} N=2000: peak extra {extra:5.1f} MiB", flush=True)
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


def hog(gib: float) -> int:
    """Allocate, touch and free ``gib`` GiB, over and over, until killed."""
    n = int(gib * 2**30) // 8
    while True:
        np.ones(n).sum()  # np.ones writes every page; freed again at once


def run_children(args) -> None:
    """Every metric in its own fresh process (and at 4x the neurons with --scaling)."""
    for label in CASES:
        subprocess.run([sys.executable, __file__, "--child", label, "--repeat", str(args.repeat)], check=True)
    if args.scaling:
        print("memory at 4x the neurons, (B, N, R, T) = (8, 2000, 10, 2000), after one call on a slice:", flush=True)
        for label in CASES:
            subprocess.run([sys.executable, __file__, "--scaling-child", label], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--wingert", action="store_true")
    ap.add_argument("--scaling", action="store_true", help="also each metric's memory at N=2000")
    ap.add_argument("--pressure", type=float, default=0.0, metavar="GIB",
                    help="run the metrics while another process churns through this much memory")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--hog", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--scaling-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.repeat)
    if args.scaling_child:
        return scaling_child(args.scaling_child)
    if args.hog:
        return hog(args.hog)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(0)
    print(f"metrics benchmark: (B, N, R, T) = (8, 500, 10, 2000), 10% NaN repeats, float32 input; "
          f"{torch.get_num_threads()} threads; each metric in a fresh process", flush=True)
    churn = None
    if args.pressure:
        churn = subprocess.Popen([sys.executable, __file__, "--hog", str(args.pressure)])
        print(f"under memory pressure: another process allocates and touches {args.pressure:g} GiB in a loop",
              flush=True)
        time.sleep(2.0)
    try:
        run_children(args)
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
    finally:
        if churn is not None:
            churn.kill()
            churn.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
