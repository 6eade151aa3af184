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


def train_model(kind: str, ds, est: list[int], n_lags: int = 15, seed: int = 0, progress: bool = True,
                device="auto"):
    """A fitted ``'ridge'``, ``'ln'`` or ``'cnn'`` model for the selected neurons of ``ds``."""
    check_option("model", kind, MODELS)
    torch.manual_seed(seed)
    train, val = split_stims(est, 0.15, seed)
    if kind == "cnn":
        model = CNNPopulation(ds.F, len(ds.active_neurons))
        fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress, device=device)
        return model
    linear = fit_ridge(ds, train if kind == "ln" else est, n_lags=n_lags, seed=seed)
    if kind == "ridge":
        return linear
    model = LNModel.from_linear(linear, ds, train)
    fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress, device=device)
    return model


def collate_stims(ds, stims: list[int]) -> dict:
    """The given stimuli collated in one batch."""
    return neural_collate([StimSubset(ds, stims)[i] for i in range(len(stims))])


def score(model, batch: dict) -> dict:
    """Per-neuron CC and Schoppe normalised CC on a batch, ``(N,)`` numpy arrays."""
    with torch.no_grad():
        device = next(iter(model.parameters())).device
        pred = model(batch["stims"].to(device)).cpu()
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


def _classes() -> dict:
    from .models import LinearSTRF

    return {c.__name__: c for c in (LinearSTRF, LNModel, CNNPopulation)}


def _hyperparameters(model) -> dict:
    import inspect

    out = {}
    for name in list(inspect.signature(type(model).__init__).parameters)[1:]:
        for holder in (model, getattr(model, "strf", None)):
            if holder is not None and hasattr(holder, name):
                out[name] = int(getattr(holder, name))
                break
    return out


def save_fitted(model, folder: str, **meta) -> str:
    """Write a fitted baseline model to ``folder``: ``model.pt`` (its weights) and ``model.json``
    (its class, hyperparameters, the deepSTRF version and ``meta``: dataset, arguments, split, seed).

    Parameters
    ----------
    model : LinearSTRF, LNModel or CNNPopulation
        The fitted model.
    folder : str
        Created if missing.
    **meta
        JSON-able facts to keep with it.

    Returns
    -------
    str
        ``folder``.
    """
    import json
    import os

    from . import __version__

    os.makedirs(folder, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, os.path.join(folder, "model.pt"))
    doc = {"class": type(model).__name__, "hyperparameters": _hyperparameters(model), "deepSTRF": __version__, **meta}
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    return folder


def load_fitted(folder: str):
    """The model :func:`save_fitted` wrote, and its ``model.json`` as a dict.

    Parameters
    ----------
    folder : str
        What :func:`save_fitted` (or ``deepstrf fit --save``) wrote.

    Returns
    -------
    (torch.nn.Module, dict)
        The model in eval mode on the CPU, and its description.
    """
    import json
    import os

    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        doc = json.load(f)
    classes = _classes()
    if doc.get("class") not in classes:
        raise ValueError(f"{folder}/model.json names class {doc.get('class')!r}; known: {', '.join(classes)}")
    model = classes[doc["class"]](**doc["hyperparameters"])
    model.load_state_dict(torch.load(os.path.join(folder, "model.pt"), map_location="cpu", weights_only=True))
    return model.eval(), doc
