"""Ahmed et al. (2025)'s tuned / well-tuned criterion for neurons with repeated test stimuli.

Per neuron: correlations between two different repeats, concatenated over
the test stimuli, against a null of the same with the second sequence
circularly shifted; tuned = a one-sided Wilcoxon rank-sum test, well-tuned
= tuned and a normalised effect size above a threshold. NumPy in, NumPy out.
"""

from __future__ import annotations

import zlib

import numpy as np

from .._checks import check_positive


def tuning(responses: list, seed: int, n_resamples: int, alpha: float, delta: float, progress: bool):
    """Ahmed et al. (2025) tuned / well-tuned criterion for neurons sharing one repeat layout.

    ``responses``: per test stimulus an ``(N, R_s, T_s)`` array (coarse bins).
    Each resample picks, per stimulus, two different repeats (the same pair
    for every neuron of the group), concatenates them over stimuli into U
    and V, and correlates them per neuron; the null correlates U with V
    circularly shifted by a random offset. Returns ``(true, null)``, each
    ``(N, n_resamples)``.
    """
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    N = responses[0].shape[0]
    L = sum(r.shape[2] for r in responses)
    # every random draw up front, so the result depends on the seed only (not on N or the chunking)
    pairs = []
    for r in responses:
        R = r.shape[1]
        i = rng.integers(0, R, size=n_resamples)
        pairs.append((i, (i + rng.integers(1, R, size=n_resamples)) % R))  # a different repeat
    shifts = rng.integers(1, L, size=n_resamples)
    true = np.empty((N, n_resamples))
    null = np.empty((N, n_resamples))
    step = max(1, (1 << 22) // max(1, N * L))
    for a in tqdm(range(0, n_resamples, step), desc="tuning resamples", disable=not progress, leave=False):
        k = min(step, n_resamples - a)
        U = np.empty((k, N, L))
        V = np.empty((k, N, L))
        pos = 0
        for r, (i, j) in zip(responses, pairs):
            T = r.shape[2]
            U[:, :, pos: pos + T] = np.moveaxis(r[:, i[a: a + k]], 1, 0)
            V[:, :, pos: pos + T] = np.moveaxis(r[:, j[a: a + k]], 1, 0)
            pos += T
        idx = (np.arange(L)[None, :] - shifts[a: a + k, None]) % L
        Vs = np.take_along_axis(V, idx[:, None, :], axis=2)
        true[:, a: a + k] = _corr(U, V).T
        null[:, a: a + k] = _corr(U, Vs).T
    return true, null


def _corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(-1, keepdims=True)
    b = b - b.mean(-1, keepdims=True)
    den = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(-1) / den, 0.0)


def decide(true: np.ndarray, null: np.ndarray, alpha: float, delta: float) -> dict:
    """One-sided Wilcoxon rank-sum (true > null) per neuron and the effect size."""
    from scipy.stats import mannwhitneyu

    p = mannwhitneyu(true, null, alternative="greater", axis=1).pvalue
    sd = null.std(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = np.where(sd > 0, (true.mean(1) - null.mean(1)) / sd, 0.0)
    tuned = p < alpha
    return {"p": p, "effect": effect, "tuned": tuned, "well_tuned": tuned & (effect >= delta)}


def tuning_by_group(response, groups: dict, test: list, seed: int = 0, n_resamples: int = 10000,
                    alpha: float = 0.05, delta: float = 0.5, progress: bool = True) -> dict:
    """The criterion over recording groups (sessions): neurons of a group share their repeat draws.

    Per group, the test stimuli on which its first neuron has at least two
    repeats are passed to :func:`tuning`,
    seeded by ``(seed, crc32(group id))``: a neuron's result depends on its
    group only, not on which other groups are loaded. Neurons of a group
    without such stimuli get ``tuned = well_tuned = False`` and NaN statistics.

    Parameters
    ----------
    response : callable
        ``response(s, n) -> (R, T)`` array of neuron ``n`` on stimulus ``s``, in the analysis bins.
    groups : dict
        ``group id -> [neuron, ...]``; each neuron in one group.
    test : list of int
        The test stimuli.
    seed : int, default 0
        Seed of the random repeat pairs and circular shifts.
    n_resamples : int, default 10000
        Resamples per neuron.
    alpha : float, default 0.05
        Significance level of the one-sided Wilcoxon rank-sum test.
    delta : float, default 0.5
        Threshold of the normalised effect size ``(mean true - mean null) / sd null``.
    progress : bool, default True
        Show a progress bar per group.

    Returns
    -------
    dict
        ``neuron -> {'tuned', 'well_tuned', 'p_wilcoxon', 'delta_normalized', 'has_data'}``.
    """
    check_positive("n_resamples", n_resamples, integer=True)
    out = {}
    for group, neurons in sorted(groups.items(), key=lambda g: str(g[0])):
        blocks = []
        for s in test:
            rows = [np.asarray(response(s, n), dtype=np.float64) for n in neurons]
            if rows[0].shape == (1, 1) or rows[0].shape[0] < 2:
                continue
            blocks.append(np.stack(rows))
        stats = None
        if blocks:
            stats = decide(*tuning(blocks, [seed, zlib.crc32(str(group).encode())], n_resamples, alpha, delta,
                                   progress), alpha, delta)
        for k, n in enumerate(neurons):
            out[n] = {"tuned": bool(stats["tuned"][k]) if stats else False,
                      "well_tuned": bool(stats["well_tuned"][k]) if stats else False,
                      "p_wilcoxon": float(stats["p"][k]) if stats else float("nan"),
                      "delta_normalized": float(stats["effect"][k]) if stats else float("nan"),
                      "has_data": stats is not None}
    return out

