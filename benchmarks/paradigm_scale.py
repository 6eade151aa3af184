"""The data paradigm at the scale of the largest release (Wingert 2026).

Builds through the public builder a synthetic dataset of 3128 neurons in 68
sites, each site with its own 105 stimuli (100 heard once, 5 heard 20
times), F = 32 bands, T = 2000 bins of 10 ms; every pair outside a neuron's
site is not heard. Prints the time of each operation and memory figures.

Then, in a child process (so its peak memory is its own), the list path of
deepSTRF 0.1.0's subclass contract: a Wingert-like quarter release (17 sites,
1785 stimuli x 782 neurons, ~1.6 GiB) assigned as plain lists of tensors and
packed by ``validate()``; prints the best of three ``validate()`` times, the
memory the lists hold and the peak during ``validate()``, and what iterating,
batching and smoothing cost on the result.

Usage: python benchmarks/paradigm_scale.py [--sites 68] [--neurons 3128] [--part all|builder|lists]
(smaller values give a quick run; the issue's figures use the defaults).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import resource
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.datasets.audio import AudioNeuralDataset
from deepSTRF.utils import neural_collate_averaged


def rss_gib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def peak_rss_gib() -> float:
    """This process's peak RSS (``VmHWM``: unlike ``ru_maxrss``, not inherited across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def report(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<44s} {seconds:8.2f} s   {extra}", flush=True)


def build(n_sites: int, n_neurons: int, F: int, T: int, rng) -> tuple:
    """Build the dataset; data come from small pools so that generating them
    costs nothing next to the builder's own work."""
    pool_resp = rng.poisson(0.3, size=(64, 20, T)).astype(np.float32)
    pool_stim = rng.random((16, 1, F, T), dtype=np.float32)
    per_site = np.full(n_sites, n_neurons // n_sites)
    per_site[: n_neurons % n_sites] += 1
    b = DatasetBuilder(dt_ms=10.0)
    t0 = time.perf_counter()
    k = 0
    for site in range(n_sites):
        stims = []
        for j in range(105):
            subset = "est" if j < 100 else "val"
            stims.append(b.add_stim(pool_stim[(site + j) % 16], name=f"site{site:02d}_stim{j:03d}",
                                    subset=subset, site=f"S{site:02d}"))
        for _ in range(per_site[site]):
            n = b.add_neuron(cell_id=f"S{site:02d}-{k:04d}", site=f"S{site:02d}",
                             area="A1" if site % 3 else "PEG")
            for j, s in enumerate(stims):
                R = 1 if j < 100 else 20
                b.add_response(s, n, pool_resp[(k + j) % 64, :R])
            k += 1
    ds = b.build(F=F, name="SyntheticWingertScale")
    return ds, time.perf_counter() - t0


class ListBuilt(AudioNeuralDataset):
    """The 0.1.0 subclass contract: plain lists, then ``validate()``."""

    def __init__(self, stims, responses, F: int):
        super().__init__(None, 10.0)
        self.F = F
        self.assign(stims, responses)
        self.stim_meta = [{"name": f"stim{s:04d}"} for s in range(len(stims))]
        self.nrn_meta = [{"cell_id": f"n{n:04d}"} for n in range(len(responses[0]))]
        self.N_neurons = len(responses[0])

    def assign(self, stims, responses):
        self.stims, self.responses = stims, responses


def make_lists(sites: int, per_site: int, F: int, T: int, rng):
    """Each site's 105 stimuli (100 once, 5 twenty times) heard by its neurons; every other
    entry a fresh ``(1, 1)`` NaN sentinel, as a 0.1.0 loader writes them."""
    S, N = sites * 105, sites * per_site
    stims = [torch.from_numpy(rng.random((1, F, T), dtype=np.float32)) for _ in range(S)]
    responses = []
    for s in range(S):
        site, j = divmod(s, 105)
        R = 1 if j < 100 else 20
        row = [torch.full((1, 1), float("nan")) for _ in range(N)]
        for n in range(site * per_site, (site + 1) * per_site):
            row[n] = torch.from_numpy(rng.poisson(0.3, size=(R, T)).astype(np.float32))
        responses.append(row)
    return stims, responses


def list_path(args) -> int:
    rng = np.random.default_rng(0)
    print(f"list path (0.1.0's subclass contract): {args.list_sites} sites x 105 stims, "
          f"{args.list_sites * args.per_site} neurons, F={args.F}, T={args.T}", flush=True)
    base = rss_gib()
    t = time.perf_counter()
    stims, responses = make_lists(args.list_sites, args.per_site, args.F, args.T, rng)
    lists_rss = rss_gib() - base
    report("  making the lists (user code, not timed below)", time.perf_counter() - t,
           f"{len(stims)} x {len(responses[0])} entries, {lists_rss:.2f} GiB")
    ds = ListBuilt(stims, responses, args.F)
    times = []
    for _ in range(3):
        ds.assign(stims, responses)
        t = time.perf_counter()
        ds.validate()
        times.append(time.perf_counter() - t)
    payload = ds.payload_nbytes / 2**30
    report("  validate(), best of 3", min(times), f"all: {', '.join(f'{x:.2f}' for x in times)} s")
    peak = peak_rss_gib() - base
    print(f"{'  peak RSS, lists and validate(), over start':<44s} {peak:8.2f} GiB   the lists {lists_rss:.2f} GiB; "
          f"lists + one packed copy {lists_rss + payload:.2f} GiB (payload {payload:.2f} GiB)", flush=True)
    t = time.perf_counter()
    n = sum(1 for i in range(len(ds)) if ds[i] is not None)
    report("  full pass of ds[i]", time.perf_counter() - t, f"{n} items")
    t = time.perf_counter()
    for _ in DataLoader(ds, batch_size=8, collate_fn=neural_collate_averaged):
        pass
    report("  DataLoader pass, trial-averaged, batch 8", time.perf_counter() - t)
    t = time.perf_counter()
    ds.smooth_responses(21.0)
    report("  smooth_responses(21.0), lists as storage", time.perf_counter() - t,
           f"{len(ds.packed_responses.chunks)} chunks")
    t = time.perf_counter()
    ds.compact()
    report("  compact() (one packed copy)", time.perf_counter() - t)
    t = time.perf_counter()
    ds.smooth_responses(21.0)
    report("  smooth_responses(21.0) after compact()", time.perf_counter() - t)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=68)
    ap.add_argument("--neurons", type=int, default=3128)
    ap.add_argument("--T", type=int, default=2000)
    ap.add_argument("--F", type=int, default=32)
    ap.add_argument("--list-sites", type=int, default=17, help="sites of the list-path dataset (17: 1785 stims)")
    ap.add_argument("--per-site", type=int, default=46, help="neurons per site of the list-path dataset")
    ap.add_argument("--part", choices=("all", "builder", "lists"), default="all")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    if args.part == "lists":
        return list_path(args)
    rng = np.random.default_rng(0)
    print(f"deepSTRF paradigm benchmark: {args.neurons} neurons, {args.sites} sites x 105 stims, "
          f"F={args.F}, T={args.T}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} cores", flush=True)
    base_rss = rss_gib()

    ds, t_build = build(args.sites, args.neurons, args.F, args.T, rng)
    payload = ds.payload_nbytes / 2**30
    resp = ds._store().nbytes / 2**30
    peak = peak_rss_gib()
    report("build (builder, all blocks)", t_build,
           f"S={len(ds.stim_meta)} N={ds.N_neurons} pairs={ds._store().n_pairs} "
           f"payload={payload:.2f} GiB (responses {resp:.2f})")
    print(f"{'peak RSS / payload':<44s} {peak / payload:8.3f}     peak RSS {peak:.2f} GiB "
          f"(before build {base_rss:.2f} GiB: python + torch)", flush=True)

    t = time.perf_counter()
    m = ds.nrn_masks
    report("nrn_masks", time.perf_counter() - t, f"{tuple(m.shape)}, {int(m.sum())} heard")

    t = time.perf_counter()
    n_items = 0
    for i in range(len(ds)):
        item = ds[i]
        n_items += 1
    report("full pass of ds[i]", time.perf_counter() - t, f"{n_items} items")

    loader = DataLoader(ds, batch_size=8, collate_fn=neural_collate_averaged, num_workers=0)
    t = time.perf_counter()
    n_batches = 0
    for batch in loader:
        n_batches += 1
    shape = tuple(batch["responses"].shape)
    report("DataLoader pass, trial-averaged, batch 8", time.perf_counter() - t,
           f"{n_batches} batches, last {shape}")
    del batch, item, loader
    gc.collect()

    t = time.perf_counter()
    site = f"S{min(5, args.sites - 1):02d}"
    sel = ds.select_pop_by_nrn_attr("site", site)
    report(f"select_pop_by_nrn_attr('site', '{site}')", time.perf_counter() - t, f"{len(sel)} neurons, len={len(ds)}")
    t = time.perf_counter()
    ds.select_pop_by_nrn_attr("area", ["A1", "PEG"], within_current=True)
    report("  narrowed (within_current=True) + len", time.perf_counter() - t, f"len={len(ds)}")
    ds.reset_pop_selection()

    t = time.perf_counter()
    ds.smooth_responses(21.0)
    report("smooth_responses(21.0)", time.perf_counter() - t)

    t = time.perf_counter()
    c = ds + ds
    n = len(c)
    report("a + b (ds + ds) and its first len", time.perf_counter() - t,
           f"S={len(c.stim_meta)} N={c.N_neurons} len={n}")
    t = time.perf_counter()
    _ = c.nrn_masks
    report("  nrn_masks of the concatenation", time.perf_counter() - t)
    del c
    gc.collect()

    # Out of band (protocol 5 buffers): what zero-copy transports use; the
    # pickle itself then holds only the tables and metadata.
    t = time.perf_counter()
    buffers: list = []
    blob = pickle.dumps(ds, protocol=5, buffer_callback=buffers.append)
    back = pickle.loads(blob, buffers=buffers)
    t_oob = time.perf_counter() - t
    report("pickle dump + load, out-of-band buffers", t_oob,
           f"pickle {len(blob) / 2**20:.1f} MiB + {len(buffers)} buffers")
    del back, buffers, blob
    gc.collect()

    # In band: one self-contained bytes object (what pickle.dumps gives).
    t = time.perf_counter()
    blob = pickle.dumps(ds, protocol=pickle.HIGHEST_PROTOCOL)
    t_dump = time.perf_counter() - t
    size = len(blob) / 2**30
    del ds
    gc.collect()
    t = time.perf_counter()
    back = pickle.loads(blob)
    t_load = time.perf_counter() - t
    report("pickle dump + load, in band", t_dump + t_load,
           f"dump {t_dump:.2f} s, load {t_load:.2f} s, size {size:.2f} GiB = {size / payload:.3f} x payload")
    assert back.N_neurons == args.neurons
    del blob
    gc.collect()

    # What every loader hands out (cache=True, the default): the dataset
    # mapped from its processed cache, whose chunks pickle as file references.
    import shutil
    import tempfile

    from deepSTRF.cache import read_processed, write_processed

    folder = tempfile.mkdtemp(prefix="deepstrf-paradigm-cache-")
    try:
        t = time.perf_counter()
        write_processed(back, os.path.join(folder, "ds"))
        t_write = time.perf_counter() - t
        cls = type(back)
        del back
        gc.collect()
        t = time.perf_counter()
        mapped = read_processed(os.path.join(folder, "ds"), cls)
        t_read = time.perf_counter() - t
        t = time.perf_counter()
        blob = pickle.dumps(mapped, protocol=pickle.HIGHEST_PROTOCOL)
        again = pickle.loads(blob)
        report("pickle dump + load, mapped from the cache", time.perf_counter() - t,
               f"size {len(blob) / 2**20:.1f} MiB (writing the cache {t_write:.1f} s, mapping it {t_read:.2f} s)")
        assert again.N_neurons == args.neurons
        del mapped, again
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.part == "all":
        import subprocess

        sys.stdout.flush()
        cmd = [sys.executable, __file__, "--part", "lists", "--T", str(args.T), "--F", str(args.F),
               "--list-sites", str(args.list_sites), "--per-site", str(args.per_site)]
        return subprocess.call(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
