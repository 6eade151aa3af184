"""The tables and figures of a benchmark: per-neuron scores, a summary next to the published numbers.

``scores.csv`` has one row per (dataset, model, seed, neuron); ``summary.csv``
and ``summary.txt`` one row per (dataset, model): the median and IQR of the
noise-corrected correlation over the reliable neurons (each neuron's score
averaged over seeds first), beside the figures the dataset papers report
(``published.csv``, each with its citation). Figures: the per-dataset
distributions, and model-vs-model scatter plots per neuron.
"""

from __future__ import annotations

import csv
import io
import os
from importlib import resources

import numpy as np

from .scoring import SCORE_FIELDS

SUMMARY_FIELDS = ("dataset", "model", "seeds", "neurons", "reliable", "metric", "median", "q25", "q75", "median_cc",
                  "median_strf_corr", "published", "error")


def published_numbers() -> list[dict]:
    """The rows of ``deepSTRF/benchmark/published.csv``: figures the dataset papers report.

    Each row names the dataset, the model family it compares with ours (``model``), the metric
    and statistic, the value, the split, the paper and where in it (table, figure, text), and
    how its metric or split differs from ours.

    Examples
    --------
    >>> from deepSTRF.benchmark import published_numbers
    >>> rows = published_numbers()
    >>> all(r["source"] and r["where"] for r in rows)
    True
    """
    text = resources.files("deepSTRF.benchmark").joinpath("published.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def neuron_table(cells: list[dict]) -> list[dict]:
    """One row per (dataset, model, seed, neuron) of the given cell records."""
    rows = []
    for c in cells:
        cfg = c["config"]
        for r in c["neurons"]:
            rows.append({"dataset": cfg["dataset"], "model": cfg["model"], "seed": cfg["seed"], "fake": cfg["fake"],
                         "neuron": r["neuron"], "cell_id": r["cell_id"], "group": r["group"],
                         **{f: r.get(f) for f in SCORE_FIELDS}})
    return rows


def per_neuron(cells: list[dict], dataset: str, model: str, field: str = "cc_norm",
               reliable_only: bool = True) -> dict[int, float]:
    """``{neuron: score averaged over seeds}`` of one (dataset, model), reliable neurons only by default."""
    acc: dict[int, list[float]] = {}
    for c in cells:
        cfg = c["config"]
        if cfg["dataset"] != dataset or cfg["model"] != model:
            continue
        for r in c["neurons"]:
            if (r["reliable"] or not reliable_only) and r.get(field) is not None:
                acc.setdefault(r["neuron"], []).append(r[field])
    return {n: float(np.mean(v)) for n, v in acc.items()}


def summarize(cells: list[dict]) -> list[dict]:
    """One row per (dataset, model): the median and IQR of ``cc_norm`` over the reliable neurons.

    Each neuron's score is averaged over seeds first; where no neuron has a noise ceiling
    (single-repeat data such as the Alice EEG), the raw correlation ``cc`` of every neuron is the
    score and the row's ``metric`` says so. ``published`` lists the figures of ``published.csv`` for that row.

    Parameters
    ----------
    cells : list of dict
        Cell records (:func:`deepSTRF.benchmark.run`'s ``cells``, or the lines of ``results.jsonl``).

    Returns
    -------
    list of dict
        With the keys of :data:`SUMMARY_FIELDS`.

    Examples
    --------
    >>> from deepSTRF.benchmark import summarize
    >>> cell = {"config": {"dataset": "Simulated", "model": "ridge", "seed": 0},
    ...         "neurons": [{"neuron": n, "reliable": True, "cc_norm": v, "cc": v - 0.1}
    ...                     for n, v in enumerate([0.5, 0.7, 0.9])]}
    >>> row = summarize([cell])[0]
    >>> row["median"], row["q25"], row["q75"], row["metric"]
    (0.7, 0.6, 0.8, 'cc_norm')
    """
    published = published_numbers()
    rows = []
    keys = list(dict.fromkeys((c["config"]["dataset"], c["config"]["model"]) for c in cells))
    for dataset, model in keys:
        mine = [c for c in cells if (c["config"]["dataset"], c["config"]["model"]) == (dataset, model)]
        neurons = {r["neuron"] for c in mine for r in c["neurons"]}
        reliable = {r["neuron"] for c in mine for r in c["neurons"] if r["reliable"]}
        metric = "cc_norm"
        scores = per_neuron(cells, dataset, model, "cc_norm")
        every = not reliable  # no repeats (R = 1): no SNR, so no neuron is "reliable"; all count
        if not scores:  # no noise ceiling: the raw correlation is the score
            metric, scores = "cc", per_neuron(cells, dataset, model, "cc", reliable_only=not every)
        cc = list(per_neuron(cells, dataset, model, "cc", reliable_only=not every).values())
        strf = list(per_neuron(cells, dataset, model, "strf_corr").values())
        v = np.array(list(scores.values()), dtype=float)
        pub = [p for p in published if p["dataset"] == dataset and p["model"] == model]
        rows.append({
            "dataset": dataset, "model": model, "seeds": len({c["config"]["seed"] for c in mine}),
            "neurons": len(neurons), "reliable": len(reliable), "metric": metric,
            "median": _r(np.median(v)) if v.size else None, "q25": _r(np.percentile(v, 25)) if v.size else None,
            "q75": _r(np.percentile(v, 75)) if v.size else None,
            "median_cc": _r(np.median(cc)) if cc else None,
            "median_strf_corr": _r(np.median(strf)) if strf else None,
            "error": "; ".join(sorted({c["error"] for c in mine if c.get("error")})),
            "published": "; ".join(f"{p['value']} ({p['metric']}, {p['statistic']}; {p['source']}, {p['where']})"
                                   for p in pub),
        })
    return rows


def format_summary(rows: list[dict]) -> str:
    """The summary as an aligned text table, the published figures under it."""
    strf = any(r.get("median_strf_corr") is not None for r in rows)
    head = ("dataset", "model", "seeds", "neurons (reliable)", "median [IQR]", "median cc") + \
        (("STRF vs truth",) if strf else ())
    body = []
    for r in rows:
        med = "-" if r["median"] is None else f"{r['median']:.3f} [{r['q25']:.3f}, {r['q75']:.3f}] {r['metric']}"
        line = (r["dataset"], r["model"], str(r["seeds"]), f"{r['neurons']} ({r['reliable']})", med,
                "-" if r["median_cc"] is None else f"{r['median_cc']:.3f}")
        if strf:
            line += ("-" if r.get("median_strf_corr") is None else f"{r['median_strf_corr']:.3f}",)
        body.append(line)
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip() for row in (head, *body)]
    notes = [f"  {r['dataset']} {r['model']}: published {r['published']}" for r in rows if r["published"]]
    failed = [f"  {r['dataset']} {r['model']}: {r['error']}" for r in rows if r.get("error")]
    text = "\n".join(lines)
    if failed:
        text += "\n\ncells that failed (they run again next time):\n" + "\n".join(failed)
    if notes:
        text += "\n\npublished figures (deepSTRF/benchmark/published.csv; metric or split may differ, see the row):\n"
        text += "\n".join(notes)
    return text + "\n"


def write_reports(out: str, cells: list[dict], figures: bool = True) -> tuple[list[dict], dict]:
    """Write ``scores.csv``, ``summary.csv``, ``summary.txt`` and (optionally) the figures into ``out``."""
    files = {}
    table = neuron_table(cells)
    files["scores.csv"] = _write_csv(os.path.join(out, "scores.csv"), table,
                                     ["dataset", "model", "seed", "fake", "neuron", "cell_id", "group", *SCORE_FIELDS])
    summary = summarize(cells)
    files["summary.csv"] = _write_csv(os.path.join(out, "summary.csv"), summary, list(SUMMARY_FIELDS))
    files["summary.txt"] = os.path.join(out, "summary.txt")
    with open(files["summary.txt"], "w", encoding="utf-8") as f:
        f.write(format_summary(summary))
    if figures and cells:
        files.update(draw_figures(out, cells))
    return summary, files


def draw_figures(out: str, cells: list[dict]) -> dict:
    """``figures/distributions.png`` and ``figures/scatter.png``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = os.path.join(out, "figures")
    os.makedirs(folder, exist_ok=True)
    datasets = list(dict.fromkeys(c["config"]["dataset"] for c in cells))
    models = list(dict.fromkeys(c["config"]["model"] for c in cells))
    files = {}
    n = len(datasets)
    cols = min(n, 4)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.4 * cols, 5.0), 2.9 * rows + 0.4), squeeze=False)
    for ax, d in zip(axes.flat, datasets):
        metric = "cc_norm" if any(per_neuron(cells, d, m) for m in models) else "cc"
        data = [list(per_neuron(cells, d, m, metric).values()) for m in models]
        ax.boxplot([x if x else [np.nan] for x in data], showfliers=False)
        for i, x in enumerate(data, 1):
            ax.scatter(np.full(len(x), i) + np.random.default_rng(i).uniform(-0.12, 0.12, len(x)), x, s=6,
                       color="C0", alpha=0.5)
        ax.set_xticks(range(1, len(models) + 1), models)
        ax.set_title(d, fontsize=9)
        ax.set_ylabel(metric)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("per-neuron scores on the test stimuli\n(reliable neurons, mean over seeds)", fontsize=9)
    fig.tight_layout()
    files["figures/distributions.png"] = os.path.join(folder, "distributions.png")
    fig.savefig(files["figures/distributions.png"], dpi=110)
    plt.close(fig)
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1:]]
    if pairs:
        fig, axes = plt.subplots(len(datasets), len(pairs), figsize=(3.0 * len(pairs), 2.9 * len(datasets)),
                                 squeeze=False)
        for i, d in enumerate(datasets):
            for j, (a, b) in enumerate(pairs):
                ax = axes[i, j]
                sa, sb = per_neuron(cells, d, a), per_neuron(cells, d, b)
                common = sorted(set(sa) & set(sb))
                x, y = [sa[k] for k in common], [sb[k] for k in common]
                ax.scatter(x, y, s=8)
                both = x + y or [0.0, 1.0]
                pad = 0.05 * max(max(both) - min(both), 0.1)
                lo, hi = min(both) - pad, max(both) + pad
                ax.set_xlim(lo, hi)
                ax.set_ylim(lo, hi)
                ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8)
                ax.set_xlabel(f"{a} cc_norm", fontsize=8)
                ax.set_ylabel(f"{b} cc_norm", fontsize=8)
                ax.set_title(f"{d}: {len(common)} neurons", fontsize=8)
        fig.tight_layout()
        files["figures/scatter.png"] = os.path.join(folder, "scatter.png")
        fig.savefig(files["figures/scatter.png"], dpi=110)
        plt.close(fig)
    return files


def _write_csv(path: str, rows: list[dict], fields: list[str]) -> str:
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if r.get(k) is None else r.get(k) for k in fields})
    os.replace(tmp, path)
    return path


def _r(x) -> float:
    return round(float(x), 4)
