"""Closed-form ridge regression of linear STRFs, penalty chosen by
cross-validation over stimuli.

Each neuron is fitted only on the stimuli it heard (and the bins where its
trial mean is defined). Neurons that heard the same stimuli share one
eigendecomposition per fold, so the cost grows with the number of distinct
"heard" patterns (recording sites), not with the number of neurons.
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_positive
from ..paradigm.views import ResponseRow
from .strf import LinearSTRF


def lagged(x: np.ndarray, n_lags: int) -> np.ndarray:
    """Design matrix ``(T, F * L)`` of a spectrogram ``x`` ``(F, T)``:
    column ``f * L + l`` holds band ``f`` delayed by ``l`` bins (0 before the start).

    Parameters
    ----------
    x : np.ndarray, shape (F, T)
        A spectrogram.
    n_lags : int
        Delays ``L`` (0 to ``L - 1`` bins).

    Examples
    --------
    Column ``l`` is the input delayed by ``l`` bins (zeros before the start):

    >>> from deepSTRF.models import lagged
    >>> lagged(np.arange(5.0)[None], 3)
    array([[0., 0., 0.],
           [1., 0., 0.],
           [2., 1., 0.],
           [3., 2., 1.],
           [4., 3., 2.]])
    """
    F, T = x.shape
    X = np.zeros((T, F, n_lags))
    for lag in range(n_lags):
        X[lag:, :, lag] = x[:, : T - lag].T
    return X.reshape(T, F * n_lags)


class _Group:
    """Sufficient statistics of the neurons sharing one pattern of valid bins."""

    def __init__(self, D: int, n_folds: int, members: list[int]):
        self.members = members
        self.A = np.zeros((n_folds, D, D))
        self.xs = np.zeros((n_folds, D))
        self.n = np.zeros(n_folds)
        self.b = np.zeros((n_folds, D, len(members)))
        self.ys = np.zeros((n_folds, len(members)))

    def add(self, k: int, X: np.ndarray, Y: np.ndarray) -> None:
        self.A[k] += X.T @ X
        self.xs[k] += X.sum(axis=0)
        self.n[k] += X.shape[0]
        self.b[k] += X.T @ Y
        self.ys[k] += Y.sum(axis=0)

    def solve(self, train: np.ndarray, alphas: np.ndarray):
        """Weights ``(n_alpha, D, m)`` and biases ``(n_alpha, m)`` fitted on folds ``train``."""
        A, xs, n = self.A[train].sum(0), self.xs[train].sum(0), self.n[train].sum()
        b, ys = self.b[train].sum(0), self.ys[train].sum(0)
        if n < 2:
            shape = (len(alphas), A.shape[0], len(self.members))
            return np.full(shape, np.nan), np.full((len(alphas), len(self.members)), np.nan)
        Ac = A - np.outer(xs, xs) / n
        bc = b - np.outer(xs, ys) / n
        lam, V = np.linalg.eigh(Ac)
        proj = V.T @ bc  # (D, m)
        W = np.stack([V @ (proj / (lam + a)[:, None]) for a in alphas])
        bias = (ys[None, :] - np.einsum("d,adm->am", xs, W)) / n
        return W, bias

    def scale(self) -> float:
        """Mean eigenvalue of the centred Gram matrix of all folds (sets the alpha scale)."""
        A, xs, n = self.A.sum(0), self.xs.sum(0), self.n.sum()
        return float(np.trace(A - np.outer(xs, xs) / max(n, 1)) / A.shape[0]) if n else 1.0


def fit_ridge(dataset, stim_indices, n_lags: int = 15, alphas=None, n_folds: int = 5,
              seed: int = 0) -> LinearSTRF:
    """Fit one linear STRF per selected neuron by ridge regression.

    Parameters
    ----------
    dataset : AudioNeuralDataset
        Spectrogram mode. The active neurons (``dataset.active_neurons``: those items show)
        are fitted, in selection order, so the model's outputs line up with
        collated batches of the same selection.
    stim_indices : sequence of int
        Absolute indices of the training stimuli (e.g. the estimation set).
    n_lags : int, default 15
        STRF length in bins.
    alphas : sequence of float, optional
        Relative ridge penalties, multiplied by the mean eigenvalue of each
        neuron group's centred Gram matrix; default ``logspace(-3, 3, 13)``.
    n_folds : int, default 5
        Folds over stimuli for choosing each neuron's penalty (the one with
        the highest held-out correlation).
    seed : int
        Seed of the fold assignment.

    Returns
    -------
    LinearSTRF
        With extra attributes ``alpha`` (``(N,)`` chosen absolute penalty)
        and ``cv_corr`` (``(N,)`` held-out correlation at that penalty). A
        neuron that heard none of the training stimuli has NaN weights, so
        its predictions are NaN (ignored by the metrics), not zeros.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.evaluation import strf_similarity
    >>> from deepSTRF.models import fit_ridge
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=20, n_val=2)
    >>> model = fit_ridge(ds, list(range(20)), n_lags=15)
    >>> model.strfs.shape
    torch.Size([4, 32, 15])
    >>> bool(np.nanmedian(strf_similarity(model.strfs, ds.true_strfs)) > 0.5)   # near the true filters
    True
    """
    check_positive("n_lags", n_lags, integer=True)
    check_positive("n_folds", n_folds, integer=True)
    if getattr(dataset, "audio_fs", None) is not None:
        raise ValueError("fit_ridge needs spectrogram stimuli; this dataset is in waveform mode")
    stims = [int(s) for s in stim_indices]
    if len(stims) < n_folds:
        raise ValueError(f"n_folds={n_folds} needs at least {n_folds} training stimuli; got {len(stims)}")
    rel = np.logspace(-3, 3, 13) if alphas is None else np.asarray(alphas, dtype=float)
    neurons = np.asarray(dataset.active_neurons)
    N, F = len(neurons), dataset.F
    D = F * n_lags
    store = dataset.packed_responses
    fold_of = np.empty(len(stims), dtype=int)
    fold_of[np.random.default_rng(seed).permutation(len(stims))] = np.arange(len(stims)) % n_folds

    designs, targets, valid = [], [], []
    for s in stims:
        designs.append(lagged(dataset.stims[s][0].numpy().astype(np.float64), n_lags))
        y = ResponseRow.for_neurons(store, s, neurons).trial_mean().numpy().astype(np.float64).T  # (T, N)
        targets.append(y)
        valid.append(~np.isnan(y))
    # neurons with the same valid bins everywhere share a group
    keys = [b"".join(np.packbits(v[:, n]).tobytes() for v in valid) for n in range(N)]
    groups: dict[bytes, _Group] = {}
    for n, key in enumerate(keys):
        groups.setdefault(key, []).append(n)
    groups = {key: _Group(D, n_folds, members) for key, members in groups.items()}
    for i, (X, Y, V) in enumerate(zip(designs, targets, valid)):
        for g in groups.values():
            rows = V[:, g.members[0]]
            if rows.any():
                g.add(fold_of[i], X[rows], Y[rows][:, g.members])

    weight = np.full((N, D), np.nan)
    bias = np.full(N, np.nan)
    chosen = np.full(N, np.nan)
    cv_corr = np.full(N, np.nan)
    all_folds = np.arange(n_folds)
    for g in groups.values():
        a_abs = rel * g.scale()
        m = len(g.members)
        sums = np.zeros((6, len(a_abs), m))  # n, sp, sy, spp, syy, spy of held-out predictions
        for k in range(n_folds):
            W, b0 = g.solve(all_folds != k, a_abs)
            if np.isnan(b0).all():
                continue
            for i in np.flatnonzero(fold_of == k):
                rows = valid[i][:, g.members[0]]
                if not rows.any():
                    continue
                P = np.einsum("td,adm->atm", designs[i][rows], W) + b0[:, None, :]
                Y = targets[i][rows][:, g.members][None]
                sums += np.stack([np.broadcast_to(float(rows.sum()), (len(a_abs), m)), P.sum(1),
                                  np.broadcast_to(Y.sum(1), (len(a_abs), m)), (P * P).sum(1),
                                  np.broadcast_to((Y * Y).sum(1), (len(a_abs), m)), (P * Y).sum(1)])
        n_, sp, sy, spp, syy, spy = sums
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = spy / n_ - sp * sy / n_ ** 2
            cc = cov / np.sqrt((spp / n_ - (sp / n_) ** 2) * (syy / n_ - (sy / n_) ** 2))
        cc = np.where(np.isfinite(cc), cc, -np.inf)
        best = cc.shape[0] - 1 - np.argmax(cc[::-1], axis=0)  # ties: the larger penalty
        W, b0 = g.solve(all_folds, a_abs)
        idx = np.asarray(g.members)
        weight[idx] = W[best, :, np.arange(m)]
        bias[idx] = b0[best, np.arange(m)]
        chosen[idx] = np.where(np.isnan(bias[idx]), np.nan, a_abs[best])
        cv_corr[idx] = np.where(np.isfinite(cc[best, np.arange(m)]), cc[best, np.arange(m)], np.nan)

    model = LinearSTRF(F, N, n_lags)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(weight.reshape(N, F, n_lags)))
        model.bias.copy_(torch.from_numpy(bias))
    model.alpha = torch.from_numpy(chosen)
    model.cv_corr = torch.from_numpy(cv_corr)
    model.neurons = neurons.tolist()
    return model
