"""Run every model on every dataset, one cell per (dataset, model, seed), resumably, in parallel.

Each finished cell is appended to ``<out>/results.jsonl`` at once (one JSON
object holding every neuron's scores), so an interrupted sweep loses at most
the cells under way, and a second run skips the cells already there with the
same configuration. Cells run in separate processes (``executor='process'``,
the default), in this process (``'serial'``), or as jobs of a SLURM cluster
through ``submitit`` (``'submitit'``; ``'submitit-local'`` runs them as local
processes through the same interface).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from multiprocessing import get_context

import numpy as np

from .. import __version__
from ..datasets.zoo import BUILT_IN, canonical_name, dataset_class, datasets
from .._checks import refuse_credentials
from .models import resolve_model

EXECUTORS = ("process", "serial", "submitit", "submitit-local")
RESULTS = "results.jsonl"


def available_datasets(path: str | None = None) -> list[str]:
    """The datasets a sweep over ``'all'`` covers: the built-in ones, and every release whose
    download is complete (under ``path/<folder>``, or the default data folder).

    Parameters
    ----------
    path : str, optional
        A folder holding one sub-folder per dataset (its registry ``folder`` name).

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.benchmark.sweep import available_datasets
    >>> available_datasets(tempfile.mkdtemp())
    ['Simulated']
    """
    from ..download import status

    out = []
    for name in datasets():
        if name in BUILT_IN:
            out.append(name)
        elif status(name, _folder(name, path)) == "complete":
            out.append(name)
    return out


def _folder(name: str, path: str | None) -> str | None:
    from ..download import dataset_info

    return None if path is None else os.path.join(path, dataset_info(name).folder or name)


def plan(dataset_names, models, seeds, fakes: bool, dataset_kwargs: dict | None = None) -> list[dict]:
    """The cells of a sweep, each with its configuration and the hash that identifies it."""
    cells = []
    for name in dataset_names:
        cls = dataset_class(name)
        evaluation = getattr(cls, "evaluation", None)
        if evaluation is None:
            raise ValueError(f"{cls.__name__} declares no evaluation (a class attribute 'evaluation = "
                             f"Evaluation(...)', deepSTRF.datasets.evaluation)")
        kwargs = dict(evaluation.loader_kwargs, **(dataset_kwargs or {}).get(name, {}))
        refuse_credentials(kwargs, f"dataset_kwargs of {name}")  # they would be written to results.jsonl
        for spec in models:
            model = resolve_model(spec)
            for seed in seeds:
                config = {"dataset": name, "model": model.name, "seed": int(seed), "fake": bool(fakes),
                          "dataset_kwargs": {} if fakes else kwargs, "evaluation": _jsonable(asdict(evaluation)),
                          "model_params": _jsonable(getattr(model, "params", dict)()),
                          "deepstrf": __version__}
                digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
                cells.append({"key": f"{name}/{model.name}/seed{seed}", "config": config, "hash": digest,
                              "model": spec})
    return cells


def finished(out: str) -> dict[str, dict]:
    """``{hash: result}`` of the cells already in ``<out>/results.jsonl`` (a torn last line is ignored;
    a cell that failed runs again)."""
    path = os.path.join(out, RESULTS)
    done = {}
    if not os.path.exists(path):
        return done
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by an interrupted write: that cell runs again
            if not r.get("error"):
                done[r["hash"]] = r
    return done


def run_cell(cell: dict, data_root: str | None = None, fake_root: str | None = None, device: str = "cpu") -> dict:
    """Load the cell's dataset, fit and score its model; return the result record (a JSON-able dict).

    Parameters
    ----------
    cell : dict
        One element of :func:`plan`.
    data_root : str, optional
        Folder of the real datasets (``<data_root>/<folder>``; default: each dataset's default).
    fake_root : str, optional
        With fakes, the folder holding each dataset's fake (``<fake_root>/<name>``).
    device : str, default 'cpu'
        Where models train.
    """
    import warnings

    from .scoring import score_cell

    config = cell["config"]
    name = config["dataset"]
    cls = dataset_class(name)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if config["fake"]:  # written once by the sweep before the cells start
            from ..testing import fake_kwargs

            # the fake's arguments, then the evaluation's (e.g. Downer's TIMIT)
            ds = cls(**dict(fake_kwargs(name, os.path.join(fake_root, name)), **cls.evaluation.loader_kwargs))
        elif name in BUILT_IN:
            ds = cls(**config["dataset_kwargs"])
        else:
            ds = cls(_folder(name, data_root), **config["dataset_kwargs"])
    load_s = time.perf_counter() - t0
    model = resolve_model(cell["model"])
    try:
        result = score_cell(ds, cls.evaluation, model, seed=config["seed"], device=device)
    except (ValueError, RuntimeError) as err:  # a model that cannot be fitted on these data: reported, not fatal
        result = {"neurons": [], "fit_s": 0.0, "n_est": None, "n_test": None,
                  "error": f"{type(err).__name__}: {err}"}
    return {"key": cell["key"], "hash": cell["hash"], "config": config, "load_s": round(load_s, 3),
            "warnings": sorted({str(w.message) for w in caught})[:20], "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            **result}


def run(datasets=("Simulated",), models=("ridge", "ln", "cnn"), seeds=(0,), out: str = "deepstrf-benchmark",
        path: str | None = None, fakes: bool = False, workers: int | None = None, executor: str = "process",
        device: str = "cpu", dataset_kwargs: dict | None = None, figures: bool = True, progress: bool = True):
    """Run a benchmark sweep and write its results, tables and figures into ``out``.

    Parameters
    ----------
    datasets : sequence of str or 'all'
        Dataset names (any spelling); ``'all'``: every dataset on disk (see
        :func:`available_datasets`), or with ``fakes`` every dataset.
    models : sequence of str or BenchmarkModel
        ``'ridge'``, ``'ln'``, ``'cnn'``, ``'package.module:attr'`` import paths, or model objects
        (objects must pickle for ``executor='process'``; import paths always do).
    seeds : sequence of int
        One cell per seed.
    out : str
        The results folder (created); ``results.jsonl``, ``scores.csv``, ``summary.csv``,
        ``summary.txt`` and ``figures/``.
    path : str, optional
        Folder holding the real datasets, one sub-folder each (default: each dataset's default folder).
    fakes : bool, default False
        Run on each dataset's format fake (:mod:`deepSTRF.testing`) instead of the real data:
        the offline check that the whole sweep works.
    workers : int, optional
        Parallel processes (default: the machine's cores, at most the number of cells).
    executor : {'process', 'serial', 'submitit', 'submitit-local'}, default 'process'
        How cells run (see the module docstring).
    device : str, default 'cpu'
        Where models train.
    dataset_kwargs : dict, optional
        ``{dataset name: loader arguments}`` added to each dataset's declared ``loader_kwargs``.
    figures : bool, default True
        Draw the figures (needs matplotlib).
    progress : bool, default True
        Print a line per finished cell.

    Returns
    -------
    dict
        ``cells`` (the records of every cell of this sweep, old and new), ``ran`` (how many ran
        now), ``skipped``, ``summary`` (rows of the summary table), ``files``.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.benchmark import run
    >>> out = tempfile.mkdtemp()
    >>> first = run(["Simulated"], ["ridge"], out=out, executor="serial", figures=False, progress=False)
    >>> again = run(["Simulated"], ["ridge"], out=out, executor="serial", figures=False, progress=False)
    >>> first["ran"], again["ran"], again["skipped"]
    (1, 0, 1)
    """
    from .report import write_reports

    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}; got {executor!r}")
    names = _dataset_names(datasets, path, fakes)
    os.makedirs(out, exist_ok=True)
    cells = plan(names, list(models), list(seeds), fakes, dataset_kwargs)
    done = finished(out)
    todo = [c for c in cells if c["hash"] not in done]
    fake_root = os.path.join(out, "fakes") if fakes else None
    if fakes:
        _write_fakes(sorted({c["config"]["dataset"] for c in todo}), fake_root)
    say = print if progress else (lambda *a, **k: None)
    say(f"benchmark: {len(cells)} cells ({len(names)} datasets x {len(models)} models x {len(seeds)} seeds); "
        f"{len(cells) - len(todo)} already in {os.path.join(out, RESULTS)}, {len(todo)} to run")
    results = {c["hash"]: done[c["hash"]] for c in cells if c["hash"] in done}
    for i, record in enumerate(_execute(todo, executor, workers, path, fake_root, device, out), 1):
        _append(out, record)
        results[record["hash"]] = record
        say(f"[{i}/{len(todo)}] {record['key']}: {_headline(record)}")
    ordered = [results[c["hash"]] for c in cells if c["hash"] in results]
    summary, files = write_reports(out, ordered, figures=figures)
    if progress:
        print(open(files["summary.txt"], encoding="utf-8").read())
    return {"cells": ordered, "ran": len(todo), "skipped": len(cells) - len(todo), "summary": summary, "files": files}


def _dataset_names(names, path, fakes) -> list[str]:
    if isinstance(names, str):
        names = [names]
    if list(names) == ["all"]:
        return list(datasets()) if fakes else available_datasets(path)
    return [canonical_name(n) for n in names]


def _write_fakes(names, root: str) -> None:
    from ..testing import FAKES, fake_release

    for name in names:
        if FAKES[name][0] is not None and not os.path.isdir(os.path.join(root, name)):
            fake_release(name, os.path.join(root, name))


def _execute(todo, executor, workers, path, fake_root, device, out):
    if not todo:
        return
    if executor == "serial" or (executor == "process" and (workers == 1 or len(todo) == 1)):
        for cell in todo:
            yield run_cell(cell, path, fake_root, device)
        return
    for cell in todo:
        if not isinstance(cell["model"], str):
            try:
                pickle.dumps(cell["model"])
            except Exception as err:  # noqa: BLE001 - any pickling failure
                raise TypeError(f"model {cell['config']['model']!r} cannot be sent to a worker process ({err}); "
                                "give it as an import path 'package.module:attr', or use executor='serial'") from err
    if executor == "process":
        n = workers or min(len(todo), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn")) as pool:
            pending = {pool.submit(run_cell, c, path, fake_root, device) for c in todo}
            while pending:
                ready, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in ready:
                    try:
                        yield f.result()
                    except BrokenProcessPool as err:
                        raise RuntimeError(
                            "a benchmark worker process died before finishing its cell (out of memory, a crash "
                            "in a model's fit, or a main script the workers cannot import again, such as one "
                            "read from standard input); the cells finished so far are kept in results.jsonl. "
                            "executor='serial' (--executor serial) runs the cells in this process and shows "
                            "the failure") from err
        return
    yield from _submitit(todo, executor, path, fake_root, device, out)


def _submitit(todo, executor, path, fake_root, device, out):
    try:
        import submitit
    except ImportError as err:
        raise ImportError("executor='submitit' needs submitit: pip install 'deepSTRF[slurm]'") from err
    folder = os.path.join(out, "submitit", "%j")
    ex = submitit.LocalExecutor(folder=folder) if executor == "submitit-local" else submitit.AutoExecutor(folder=folder)
    ex.update_parameters(timeout_min=24 * 60)
    jobs = [ex.submit(run_cell, c, path, fake_root, device) for c in todo]
    pending = list(jobs)
    while pending:
        still = []
        for job in pending:
            if job.done():
                yield job.result()
            else:
                still.append(job)
        pending = still
        if pending:
            time.sleep(0.5)


def _append(out: str, record: dict) -> None:
    with open(os.path.join(out, RESULTS), "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _headline(record: dict) -> str:
    if record.get("error"):
        return f"FAILED ({record['error']})"
    vals = np.array([r["cc_norm"] for r in record["neurons"] if r["cc_norm"] is not None], dtype=float)
    cc = np.array([r["cc"] for r in record["neurons"] if r["cc"] is not None], dtype=float)
    med = f"median cc_norm {np.median(vals):.3f}" if vals.size else f"median cc {np.median(cc):.3f} (no ceiling)" \
        if cc.size else "no scores"
    return f"{med} over {len(record['neurons'])} neurons; fit {record['fit_s']:.1f} s, load {record['load_s']:.1f} s"


def _jsonable(x):
    return json.loads(json.dumps(x, default=lambda o: o if isinstance(o, (int, float, str)) else repr(o)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `deepstrf benchmark` or deepSTRF.benchmark.run")
