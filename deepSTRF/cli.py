"""The ``deepstrf`` command (also ``python -m deepSTRF``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import numpy as np

#: neurons below this SNR are left out of the STRF-recovery median of the demo
SNR_THRESHOLD = 0.1


def summary(ds, quality: bool = True) -> str:
    """A few lines describing a dataset: counts, time bins, repeats, sentinels, SNR."""
    store = ds.packed_responses
    T = store.stim_T
    reps = Counter()
    for subset, r in zip((ds.stim_meta[s].get("subset", ds.stim_meta[s].get("split", "all"))
                          for s in store.pair_stim), store.pair_reps):
        reps[(subset, int(r))] += 1
    by_subset: dict = {}
    for (subset, r), count in sorted(reps.items()):
        by_subset.setdefault(subset, []).append(f"R={r} x{count}")
    masks = ds.nrn_masks.numpy()
    F = getattr(ds, "F", None)
    lines = [
        repr(ds),
        f"  stimuli      S = {len(ds.stim_meta)}, T = {int(T.min())}..{int(T.max())} bins "
        f"({T.min() * ds.dt_ms / 1000:g}-{T.max() * ds.dt_ms / 1000:g} s)" + (f", F = {F}" if F else ""),
        f"  neurons      N = {ds.N_neurons}",
        f"  bin width    dt = {ds.dt_ms:g} ms",
    ]
    for subset, parts in by_subset.items():
        lines.append(f"  repeats      {subset}: " + ", ".join(parts) + " (stim, neuron) pairs")
    lines.append(f"  not heard    {100 * (1 - masks.mean()):.1f}% of (stim, neuron) pairs are sentinels")
    lines.append(f"  payload      {ds.payload_nbytes / 2**20:.1f} MiB float32")
    if quality:
        snr = ds.compute_neuron_quality()["snr"].numpy()
        measured = snr[~np.isnan(snr)]
        ok = measured[np.isfinite(measured)]
        if measured.size:
            line = f"  SNR          {measured.size} neurons with repeats"
            if ok.size:
                q = np.percentile(ok, [10, 25, 50, 75, 90])
                line += "; percentiles 10/25/50/75/90: " + " / ".join(f"{v:.3g}" for v in q)
            if ok.size < measured.size:
                line += f"; {measured.size - ok.size} with identical repeats (no noise: infinite SNR)"
            lines.append(line)
        else:
            lines.append("  SNR          no stimulus with 2+ repeats: no noise ceiling")
    return "\n".join(lines)


def _table(rows: list[tuple]) -> str:
    head = ("model", "median CC", "median norm. CC", f"median STRF corr (SNR >= {SNR_THRESHOLD})", "time")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in rows])


def output_path(path: str, default_suffix: str | None = None) -> str:
    """The file a command will write (``default_suffix`` added when the name has none, as
    matplotlib does), checked before any work: its folder exists and is writable, it is not a folder.

    Parameters
    ----------
    path : str
        The path the user gave.
    default_suffix : str, optional
        E.g. ``'.png'``.
    """
    import os

    out = os.path.abspath(os.path.expanduser(path))
    if default_suffix and not os.path.splitext(out)[1]:
        out += default_suffix
    folder = os.path.dirname(out)
    if os.path.isdir(out):
        raise ValueError(f"{path} is a folder; give a file name")
    if not os.path.isdir(folder):
        raise ValueError(f"cannot write {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"cannot write {out}: the folder {folder} is not writable")
    return out


def demo(fig_path: str | None = "deepstrf_demo.png", seed: int = 0, progress: bool = True) -> dict:
    """Fit the ridge STRF and the LN model on the simulated dataset; print a table; write a figure."""
    if fig_path:
        fig_path = output_path(fig_path, ".png")  # checked before the fits, and the name reported is the real one
    from .datasets.audio import SimulatedDataset
    from .datasets.zoo import standard_split
    from .evaluation import collate_stims, score, strf_similarity, train_model

    ds = SimulatedDataset(seed=seed)
    snr = ds.compute_neuron_quality()["snr"].numpy()
    est, test = standard_split(ds)
    batch = collate_stims(ds, test)
    print(summary(ds, quality=False))
    rows, results, fitted, preds = [], {}, {}, {}
    good = snr >= SNR_THRESHOLD
    for kind in ("ridge", "ln"):
        t = time.perf_counter()
        model = train_model(kind, ds, est, seed=seed, progress=progress)
        elapsed = time.perf_counter() - t
        sc = score(model, batch)
        sim = strf_similarity(model.strfs, ds.true_strfs)
        results[kind] = {"cc": sc["cc"], "cc_norm": sc["cc_norm"], "strf_corr": sim}
        rows.append((kind, f"{np.nanmedian(sc['cc']):.3f}", f"{np.nanmedian(sc['cc_norm']):.3f}",
                     f"{np.nanmedian(sim[good]):.3f} ({int(good.sum())} neurons)", f"{elapsed:.1f} s"))
        fitted[kind] = model.strfs.numpy()
        preds[kind] = sc["pred"]
    print()
    print(f"test set: {len(test)} stimuli x {ds.N_neurons} neurons (simulated, seed {seed})")
    print(_table(rows))
    if fig_path:
        try:
            from .plotting import demo_figure
        except ImportError as err:  # pragma: no cover
            print(f"(no figure: {err})")
        else:
            n_show = [int(n) for n in np.argsort(-snr)[:4]]
            n0, b0 = n_show[0], 0
            T0 = ds.stims[test[b0]].shape[-1]
            psth = batch["responses"][b0, n0, :, :T0].nanmean(0).numpy()
            try:
                demo_figure(fig_path, ds.true_strfs.numpy(), fitted, n_show, psth,
                            {k: p[b0, n0, 0, :T0].numpy() for k, p in preds.items()}, ds.dt_ms,
                            "deepSTRF demo: simulated LNP neurons, true vs fitted STRFs",
                            freqs_hz=ds.freqs_hz,
                            psth_label=f"neuron {n0} ({ds.nrn_meta[n0]['cell_id']}), test stimulus "
                                       f"{ds.stim_meta[test[b0]].get('name', test[b0])}: PSTH vs predictions")
                print(f"figure written to {fig_path}")
            except ImportError as err:
                print(f"(no figure: {err})")
    return results


def fit_command(args) -> int:
    from .datasets.zoo import load_dataset, standard_split
    from .evaluation import collate_stims, score, train_model

    out_path = output_path(args.out) if args.out else None  # before the load and the fit
    ds = load_dataset(args.dataset, path=args.path, download=args.download)
    est, test = standard_split(ds)
    t = time.perf_counter()
    model = train_model(args.model, ds, est, seed=args.seed, progress=True, device=args.device)
    sc = score(model, collate_stims(ds, test))
    from . import __version__

    out = {
        "dataset": args.dataset, "model": args.model, "seed": args.seed, "deepSTRF": __version__,
        "n_est": len(est), "n_test": len(test),
        "neurons": [ds.nrn_meta[n].get("cell_id", n) for n in ds.active_neurons],
        "n_neurons": len(ds.active_neurons), "fit_seconds": round(time.perf_counter() - t, 2),
        "median_cc": float(np.nanmedian(sc["cc"])), "median_cc_norm": float(np.nanmedian(sc["cc_norm"])),
        "cc": [None if np.isnan(v) else float(v) for v in sc["cc"]],
        "cc_norm": [None if np.isnan(v) else float(v) for v in sc["cc_norm"]],
    }
    print(f"{args.model} on {args.dataset}: median CC {out['median_cc']:.3f}, median normalised CC "
          f"{out['median_cc_norm']:.3f} over {out['n_neurons']} neurons ({len(test)} test stimuli)")
    if out_path:
        with open(out_path, "w") as f:
            json.dump(out, f, indent=1)
        print(f"results written to {out_path}")
    if args.save:
        from .evaluation import save_fitted

        folder = save_fitted(model, args.save, dataset=args.dataset, path=args.path, kind=args.model,
                             seed=args.seed, est_stims=[int(s) for s in est], test_stims=[int(s) for s in test],
                             neurons=out["neurons"])
        print(f"model written to {folder}")
    return 0


def cache_command(args) -> int:
    """``deepstrf cache list`` / ``deepstrf cache clear [NAME]`` / ``deepstrf cache verify [NAME]``."""
    from .cache import cache_roots, clear_caches, list_caches, verify_caches

    roots = cache_roots(args.path)
    if args.action == "clear":
        targets = clear_caches(roots, args.name, dry_run=True)
        if not targets:
            print("no cache to remove")
            return 0
        if not args.yes:
            listing = "".join(f"\n  {f}" for f in targets)
            if not sys.stdin.isatty():
                raise ValueError(f"would delete {len(targets)} cache folder(s); pass --yes to delete them "
                                 f"(there is no terminal to ask on):{listing}")
            print(f"deepstrf cache clear: {len(targets)} folder(s) to delete:{listing}")
            if input("delete them? [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
        removed = clear_caches(roots, args.name)
        print("\n".join(f"removed {f}" for f in removed) or "no cache to remove")
        return 0
    if args.action == "verify":
        results = verify_caches(roots, args.name)
        for r in results:
            print(f"{'ok ' if r['ok'] else 'BAD'} {r['class'].rsplit('.', 1)[-1]}  {r['folder']}"
                  + "".join(f"\n      {p}" for p in r["problems"]))
        bad = sum(not r["ok"] for r in results)
        print(f"{len(results)} cache(s) checked, {bad} damaged" + (" (`deepstrf cache clear NAME` removes them; "
              "the next load rebuilds)" if bad else "") if results else "no caches")
        return 1 if bad else 0
    entries = list_caches(roots)
    for e in entries:
        arguments = ", ".join(f"{k}={v!r}" for k, v in e["arguments"].items())
        state = "" if e["complete"] else "  (incomplete: its manifest is lost; `deepstrf cache clear` removes it)"
        print(f"{e['class'].rsplit('.', 1)[-1]}({arguments})  {e['bytes'] / 2**20:.1f} MiB  "
              f"{e['age_s'] / 3600:.1f} h old  {e['folder']}{state}")
    print(f"{len(entries)} cache(s), {sum(e['bytes'] for e in entries) / 2**20:.1f} MiB" if entries else "no caches")
    return 0


def main(argv: list[str] | None = None) -> int:
    from .datasets.zoo import datasets

    names = ", ".join(datasets())

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    from . import __version__

    parser = argparse.ArgumentParser(prog="deepstrf", description="deepSTRF datasets and baseline models",
                                     parents=[common])
    parser.add_argument("--version", action="version", version=f"deepstrf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_parser = sub.add_parser
    sub.add_parser = lambda *a, **k: _add_parser(*a, parents=[common], **k)
    p = sub.add_parser("demo", help="fit ridge and LN models on the built-in simulated data")
    p.add_argument("--fig", default="deepstrf_demo.png", help="figure path (PNG); '' for none")
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("fit", help="fit a baseline model on a dataset's estimation set, score on its test set")
    p.add_argument("dataset", help=f"one of: {names} (any spelling: crcns_aa1, AA1, CRCNSAA1Dataset)")
    p.add_argument("--model", choices=("ridge", "ln", "cnn"), default="ridge")
    p.add_argument("--path", default=None, help="dataset folder (default: the cache)")
    p.add_argument("--download", action="store_true", help="fetch the data if missing")
    p.add_argument("--out", default=None, help="write results to this JSON file")
    p.add_argument("--save", default=None, help="write the fitted model (weights and a JSON description) "
                                                  "to this folder; deepSTRF.evaluation.load_fitted reads it")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to train the ln / cnn models (auto: CUDA when torch sees one)")
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("datasets", help="list every dataset: size, access, whether it is on disk, citation")
    p = sub.add_parser("download", help="fetch a dataset (checksums verified, archives unpacked)")
    p.add_argument("name", help=f"one of: {names} (see 'deepstrf datasets')")
    p.add_argument("--path", "--dest", dest="dest", default=None,
                   help="dataset folder, as for 'info' and 'fit' (default: the data folder; --dest is an alias)")
    p.add_argument("--group", action="append", default=None, help="optional file group (e.g. A1, wav); repeatable")
    p = sub.add_parser("verify", help="re-check a downloaded dataset's files against their checksums")
    p.add_argument("name", help=f"one of: {names}")
    p.add_argument("--path", "--dest", dest="dest", default=None, help="dataset folder (--dest is an alias)")
    p.add_argument("--group", action="append", default=None, help="optional file group; repeatable")
    p = sub.add_parser("info", help="summarise a dataset")
    p.add_argument("dataset", help=f"one of: {names}")
    p.add_argument("--path", default=None, help="dataset folder (default: the cache)")
    p = sub.add_parser("cache", help="list or delete processed-dataset caches")
    p.add_argument("action", choices=("list", "clear", "verify"),
                   help="list them; clear (delete) them; verify every byte against the hashes recorded when written")
    p.add_argument("name", nargs="?", default=None,
                   help="only this dataset's caches (e.g. NS1 or NS1Dataset)")
    p.add_argument("--path", action="append", default=None, help="also look under this data folder; repeatable")
    p.add_argument("--yes", action="store_true", help="clear: delete without asking")
    p = sub.add_parser("benchmark", help="every model on every dataset, scored the same way, beside the published "
                                         "numbers (resumable)")
    p.add_argument("--datasets", default="Simulated",
                   help=f"comma-separated names, or 'all' (every dataset on disk; with --fakes, every dataset): {names}")
    p.add_argument("--models", default="ridge,ln,cnn",
                   help="comma-separated: ridge, ln, cnn, or import paths package.module:attr of your models")
    p.add_argument("--seeds", default="0", help="comma-separated seeds, or a range like 0-4")
    p.add_argument("--out", default="deepstrf-benchmark", help="results folder (a second run skips finished cells)")
    p.add_argument("--path", default=None, help="folder holding the datasets, one sub-folder each")
    p.add_argument("--fakes", action="store_true", help="run on each dataset's format fake (offline check)")
    p.add_argument("--workers", type=int, default=None, help="parallel processes (default: the cores)")
    p.add_argument("--executor", default="process", choices=("process", "serial", "submitit", "submitit-local"),
                   help="how cells run: local processes, this process, or SLURM jobs through submitit")
    p.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            demo(args.fig or None, seed=args.seed, progress=True)
            return 0
        if args.command == "fit":
            return fit_command(args)
        if args.command == "cache":
            return cache_command(args)
        if args.command == "benchmark":
            return benchmark_command(args)
        if args.command in ("datasets", "download", "verify"):
            from . import _cli_downloads as dl

            if args.command == "datasets":
                print(dl.list_datasets())
                return 0
            if args.command == "download":
                name, folder = dl.download(args.name, args.dest, args.group)
                print(f"{name} is in {folder}")
                return 0
            ok, text = dl.verify(args.name, args.dest, args.group)
            print(text)
            return 0 if ok else 1
        from .datasets.zoo import load_dataset

        print(summary(load_dataset(args.dataset, path=args.path)))
        return 0
    except KeyboardInterrupt:
        print(f"deepstrf {args.command}: interrupted", file=sys.stderr)
        return 130
    except (KeyError, ValueError, RuntimeError, OSError, ImportError) as err:  # ImportError: a missing extra
        if getattr(args, "debug", False):
            raise
        print(f"deepstrf {args.command}: {_one_line(err)}", file=sys.stderr)
        return 2


def _seeds(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    if not out:
        raise ValueError(f"--seeds {text!r} names no seed")
    return out


def benchmark_command(args) -> int:
    """``deepstrf benchmark``: :func:`deepSTRF.benchmark.run` with the command's arguments."""
    from .benchmark import run

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    names = [d.strip() for d in args.datasets.split(",") if d.strip()]
    run(names if names != ["all"] else "all", models, _seeds(args.seeds), out=args.out, path=args.path,
        fakes=args.fakes, workers=args.workers, executor=args.executor, device=args.device,
        figures=not args.no_figures, progress=True)
    print(f"results in {args.out}: results.jsonl, scores.csv, summary.csv, summary.txt"
          + ("" if args.no_figures else ", figures/"))
    return 0


def _one_line(err: BaseException) -> str:
    """What a user needs from an error: its message (an OSError as '<what>: <path>'), no traceback."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    if isinstance(err, OSError) and type(err).__module__ == "builtins" and err.strerror:
        where = f": {err.filename}" if err.filename else ""
        return f"{err.strerror}{where} ({type(err).__name__}; --debug shows the traceback)"
    return str(err)


if __name__ == "__main__":
    sys.exit(main())
