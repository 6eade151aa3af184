"""Ahmed et al. (2025)'s tuned / well-tuned criterion for neurons with repeated test stimuli.

Per neuron: correlations between two different repeats, concatenated over
the test stimuli, against a null of the same with the second sequence
circularly shifted; tuned = a one-sided Wilcoxon rank-sum test, well-tuned
= tuned and a normalised effect size above a threshold. NumPy in, NumPy out.
"""

from __future__ import annotations

import numpy as np


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
