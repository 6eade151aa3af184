"""Fit a baseline model on a dataset's estimation stimuli and score it on its test stimuli."""

from __future__ import annotations

import numpy as np
import torch

from ._checks import check_option
from .metrics import corrcoef, normalized_corrcoef
from .models import CNNPopulation, LNModel, fit, fit_ridge, split_stims
from .models.training import StimSubset
from .paradigm.collate import neural_collate

MODELS = ("ridge", "ln", "cnn")


def train_model(kind: str, ds, est: list[int], n_lags: int = 15, seed: int = 0, progress: bool = True):
    """A fitted ``'ridge'``, ``'ln'`` or ``'cnn'`` model for the selected neurons of ``ds``."""
    check_option("model", kind, MODELS)
    torch.manual_seed(seed)
    train, val = split_stims(est, 0.15, seed)
    if kind == "cnn":
        model = CNNPopulation(ds.F, len(ds.active_neurons))
        fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress)
        return model
    linear = fit_ridge(ds, train if kind == "ln" else est, n_lags=n_lags, seed=seed)
    if kind == "ridge":
        return linear
    model = LNModel.from_linear(linear, ds, train)
    fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress)
    return model


def collate_stims(ds, stims: list[int]) -> dict:
    """The given stimuli collated in one batch."""
    return neural_collate([StimSubset(ds, stims)[i] for i in range(len(stims))])


def score(model, batch: dict) -> dict:
    """Per-neuron CC and Schoppe normalised CC on a batch, ``(N,)`` numpy arrays."""
    with torch.no_grad():
        pred = model(batch["stims"])
    return {
        "cc": corrcoef(pred, batch["responses"], reduction="none").numpy(),
        "cc_norm": normalized_corrcoef(pred, batch["responses"], reduction="none").numpy(),
        "pred": pred,
    }


def strf_similarity(fitted: torch.Tensor, true: torch.Tensor) -> np.ndarray:
    """Correlation of each fitted STRF ``(N, F, L)`` with the true one, ``(N,)``."""
    a = fitted.reshape(fitted.shape[0], -1).double().numpy()
    b = true.reshape(true.shape[0], -1).double().numpy()
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    with np.errstate(invalid="ignore"):
        return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
