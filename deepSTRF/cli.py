"""The ``deepstrf`` command."""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def _load(name: str, path: str | None):
    key = name.lower()
    if key == "simulated":
        from .datasets.audio import SimulatedDataset

        return SimulatedDataset()
    raise SystemExit(f"deepstrf: unknown dataset {name!r}; available: simulated")


def summary(ds) -> str:
    """A few lines describing a dataset: counts, time bins, repeats, sentinels."""
    store = ds._store()
    T = store.stim_T
    reps = Counter()
    for p_subset, r in zip((ds.stim_meta[s].get("subset", "all") for s in store.pair_stim), store.pair_reps):
        reps[(p_subset, int(r))] += 1
    by_subset: dict = {}
    for (subset, r), count in sorted(reps.items()):
        by_subset.setdefault(subset, []).append(f"R={r} x{count}")
    masks = ds.nrn_masks.numpy()
    lines = [
        repr(ds),
        f"  stimuli      S = {len(ds.stim_meta)}, T = {int(T.min())}..{int(T.max())} bins "
        f"({T.min() * ds.dt_ms / 1000:g}-{T.max() * ds.dt_ms / 1000:g} s)",
        f"  neurons      N = {ds.N_neurons}",
        f"  bin width    dt = {ds.dt_ms:g} ms",
    ]
    for subset, parts in by_subset.items():
        lines.append(f"  repeats      {subset}: " + ", ".join(parts) + " (stim, neuron) pairs")
    lines.append(f"  not heard    {100 * (1 - masks.mean()):.1f}% of (stim, neuron) pairs are sentinels")
    lines.append(f"  payload      {ds.payload_nbytes / 2**20:.1f} MiB float32")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepstrf", description="deepSTRF datasets from the command line")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="summarise a dataset")
    info.add_argument("dataset", help="dataset name (e.g. simulated)")
    info.add_argument("--path", default=None, help="dataset folder (default: the cache)")
    args = parser.parse_args(argv)
    if args.command == "info":
        print(summary(_load(args.dataset, args.path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
