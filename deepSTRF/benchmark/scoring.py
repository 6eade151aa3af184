"""One scoring procedure for every (dataset, model, seed) cell of a benchmark.

Fit on the dataset's estimation stimuli (the model carves its validation
stimuli from them), predict the test stimuli, and score every neuron with
the raw correlation, the noise-corrected correlation (Schoppe et al. 2016,
and Hsu et al. 2004) and the fraction of variance explained, with the noise
ceilings and the SNR alongside. A neuron below the dataset's reliability
threshold is flagged, never dropped; a neuron without test data gets NaN.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import torch

from ..evaluation import collate_stims
from ..metrics import compute_CCmax, corrcoef, fve, normalized_corrcoef, snr

#: per-neuron fields of a result row, after the cell's keys
SCORE_FIELDS = ("cc", "cc_norm", "cc_norm_schoppe", "cc_norm_hsu", "fve", "ccmax_schoppe", "ccmax_hsu", "snr",
                "n_test_stims", "reliable", "strf_corr")


def prepare(ds, evaluation) -> tuple[list[int], list[int]]:
    """Apply the evaluation's preprocessing to ``ds`` in place; return its (est, test) stimuli.

    Parameters
    ----------
    ds : NeuralDataset
        A freshly loaded dataset.
    evaluation : deepSTRF.datasets.evaluation.Evaluation
        Its class's declaration.

    Returns
    -------
    est, test : list of int

    Examples
    --------
    >>> from deepSTRF.benchmark.scoring import prepare
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> prepare(ds, ds.evaluation)
    ([0, 1, 2, 3], [4, 5])
    """
    est, test = evaluation.resolve(ds.stim_meta)
    if evaluation.smooth_ms:
        ds.smooth_responses(evaluation.smooth_ms)
    if evaluation.normalize:
        ds.normalize_responses(evaluation.normalize, stim_indices=est)
    return est, test


def groups_of(ds, evaluation) -> list[tuple[str, list[int]]]:
    """``[(group name, neuron indices)]``: one group, or one per ``nrn_meta['site']``.

    Parameters
    ----------
    ds : NeuralDataset
        The dataset.
    evaluation : deepSTRF.datasets.evaluation.Evaluation
        Its ``unit`` says how neurons are grouped.

    Examples
    --------
    >>> from deepSTRF.benchmark.scoring import groups_of
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.datasets.evaluation import Evaluation
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> groups_of(ds, Evaluation("subset", ("est",), ("val",), unit="site"))
    [('A', [0]), ('B', [1, 2, 3])]
    """
    everyone = list(range(ds.get_N()))
    if evaluation.unit != "site":
        return [("all", everyone)]
    sites: dict[str, list[int]] = {}
    for n, m in enumerate(ds.nrn_meta):
        sites.setdefault(str(m.get("site")), []).append(n)
    return sorted(sites.items())


def score_cell(ds, evaluation, model, seed: int = 0, device: str = "cpu") -> dict:
    """Fit ``model`` and score it on ``ds`` as its evaluation says.

    Parameters
    ----------
    ds : NeuralDataset
        A freshly loaded dataset (its responses are preprocessed in place).
    evaluation : deepSTRF.datasets.evaluation.Evaluation
        The dataset's declaration (``type(ds).evaluation``, or another one).
    model : BenchmarkModel
        See :mod:`deepSTRF.benchmark.models`.
    seed : int, default 0
        Passed to the model's ``fit`` (validation split, initialisation, batch order).
    device : str, default 'cpu'
        Where the model trains.

    Returns
    -------
    dict
        ``neurons``: one dict per neuron (``neuron``, ``cell_id``, ``group`` and
        :data:`SCORE_FIELDS`); ``fit_s``: seconds spent fitting; ``n_est``, ``n_test``.

    Examples
    --------
    >>> from deepSTRF.benchmark import Baseline
    >>> from deepSTRF.benchmark.scoring import score_cell
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=20, n_val=4)
    >>> result = score_cell(ds, ds.evaluation, Baseline("ridge"))
    >>> len(result["neurons"]), sorted(result["neurons"][0])[:4]
    (4, ['cc', 'cc_norm', 'cc_norm_hsu', 'cc_norm_schoppe'])
    """
    est, test = prepare(ds, evaluation)
    rows, fit_s = [], 0.0
    for group, members in groups_of(ds, evaluation):
        ds.reset_stim_selection()
        ds.select_population(members)
        active = list(ds.active_neurons)
        if not active:
            continue
        t = time.perf_counter()
        predict = model.fit(ds, est, seed=seed, device=device)
        fit_s += time.perf_counter() - t
        batch = collate_stims(ds, test)
        with torch.no_grad():
            pred = predict(batch["stims"]).float()
        resp = batch["responses"]
        scores = _scores(pred, resp, evaluation.ccmax)
        strf = _strf_corr(ds, predict, active)
        if strf is not None:
            scores["strf_corr"] = strf
        heard = batch["pair_mask"].sum(0).numpy()
        for k, n in enumerate(active):
            row = {"neuron": int(n), "cell_id": _cell_id(ds.nrn_meta[n], n), "group": group}
            row.update({f: _num(scores[f][k]) for f in scores})
            row["n_test_stims"] = int(heard[k])
            row["reliable"] = bool(row["snr"] is not None and row["snr"] >= evaluation.min_snr)
            rows.append(row)
    ds.reset_pop_selection()
    ds.reset_stim_selection()
    return {"neurons": rows, "fit_s": round(fit_s, 3), "n_est": len(est), "n_test": len(test)}


def _scores(pred, resp, ceiling: str) -> dict:
    with warnings.catch_warnings():
        # a single-repeat dataset has no ceiling: its NaN cc_norm is expected here, and the summary
        # says it falls back to the raw cc (the warning would repeat for every cell)
        warnings.filterwarnings("ignore", "normalized_corrcoef: the responses have a single repeat", UserWarning)
        cc_norm = {m: normalized_corrcoef(pred, resp, method=m, reduction="none") for m in ("schoppe", "hsu")}
    out = {
        "cc": corrcoef(pred, resp, reduction="none"),
        "cc_norm_schoppe": cc_norm["schoppe"],
        "cc_norm_hsu": cc_norm["hsu"],
        "fve": fve(pred, resp, reduction="none"),
        "ccmax_schoppe": compute_CCmax(resp, method="schoppe"),
        "ccmax_hsu": compute_CCmax(resp, method="hsu"),
        "snr": snr(resp, reduction="none"),
    }
    out["cc_norm"] = out[f"cc_norm_{ceiling}"]
    return {k: v.double().numpy() for k, v in out.items()}


def _strf_corr(ds, predict, active) -> np.ndarray | None:
    """Correlation of each fitted STRF with the true one, where the dataset knows the truth."""
    from ..evaluation import strf_similarity

    module = getattr(predict, "module", None)
    true = getattr(ds, "true_strfs", None)
    strfs = getattr(module, "strfs", None) if module is not None else None
    if true is None or strfs is None or strfs.shape[1:] != true.shape[1:]:
        return None
    return strf_similarity(strfs.detach().cpu(), true[active])


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, 6)


def _cell_id(meta: dict, n: int) -> str:
    for key in ("cell_id", "channel_id"):
        if meta.get(key) is not None:
            return str(meta[key]) + (f"/{meta['subject']}" if key == "channel_id" and meta.get("subject") else "")
    return f"neuron{n}"
