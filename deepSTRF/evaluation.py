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

__all__ = ["train_model", "collate_stims", "score", "strf_similarity", "save_fitted", "load_fitted"]


def train_model(kind: str, ds, est: list[int], n_lags: int = 15, seed: int = 0, progress: bool = True,
                device="auto"):
    """A fitted ``'ridge'``, ``'ln'`` or ``'cnn'`` model for the active neurons of ``ds``.

    The recipe of ``deepstrf fit`` and ``deepstrf demo``: the ridge STRF on all of ``est`` (its
    penalty by ``min(5, len(est))``-fold cross-validation over stimuli); the LN model from the
    ridge STRF of 85 % of ``est``, trained with early stopping on the other 15 %; the CNN trained
    the same way from scratch.

    Parameters
    ----------
    kind : {'ridge', 'ln', 'cnn'}
        The model.
    ds : NeuralDataset
        The dataset (its neuron selection applies).
    est : list of int
        Absolute indices of the estimation stimuli.
    n_lags : int, default 15
        STRF length in bins (ridge and LN).
    seed : int, default 0
        Seeds the validation split, the initialisation and the batch order.
    progress : bool, default True
        Show the fit's progress (LN and CNN).
    device : {'auto', 'cpu', 'cuda'}, default 'auto'
        Where LN and CNN train.

    Returns
    -------
    torch.nn.Module
        Maps stimuli ``(B, 1, F, T)`` to predictions ``(B, N, 1, T)``.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.evaluation import train_model
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=10, n_val=2)
    >>> model = train_model("ridge", ds, list(range(10)))
    >>> type(model).__name__, model(ds.stims[10][None]).shape
    ('LinearSTRF', torch.Size([1, 4, 1, 204]))
    """
    check_option("model", kind, MODELS)
    torch.manual_seed(seed)
    train, val = split_stims(est, 0.15, seed)
    if kind == "cnn":
        model = CNNPopulation(ds.F, len(ds.active_neurons))
        fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress, device=device)
        return model
    stims = train if kind == "ln" else est
    if len(stims) < 2:
        raise ValueError(f"a {kind} fit needs at least 2 {'training' if kind == 'ln' else 'estimation'} stimuli "
                         f"to choose its ridge penalty; got {len(stims)}")
    linear = fit_ridge(ds, stims, n_lags=n_lags, seed=seed, n_folds=min(5, len(stims)))
    if kind == "ridge":
        return linear
    model = LNModel.from_linear(linear, ds, train)
    fit(model, ds, train, val, lr=3e-3, patience=8, seed=seed, progress=progress, device=device)
    return model


def collate_stims(ds, stims: list[int]) -> dict:
    """The given stimuli collated in one batch (whatever the dataset's stimulus selection).

    Parameters
    ----------
    ds : NeuralDataset
        The dataset (its neuron selection applies).
    stims : list of int
        Absolute stimulus indices.

    Returns
    -------
    dict
        As :func:`deepSTRF.utils.neural_collate`.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.evaluation import collate_stims
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> collate_stims(ds, [4, 5])["responses"].shape
    torch.Size([2, 4, 20, 239])
    """
    return neural_collate([StimSubset(ds, stims)[i] for i in range(len(stims))])


def score(model, batch: dict) -> dict:
    """Per-neuron CC and Schoppe normalised CC of a model on a batch.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``batch['stims']`` to ``(B, N, 1, T)``.
    batch : dict
        A collated batch (:func:`collate_stims`).

    Returns
    -------
    dict
        ``cc`` and ``cc_norm``: ``(N,)`` numpy arrays; ``pred``: the prediction tensor.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.evaluation import collate_stims, score
    >>> from deepSTRF.models import fit_ridge
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=20, n_val=2)
    >>> result = score(fit_ridge(ds, list(range(20))), collate_stims(ds, [20, 21]))
    >>> sorted(result), result["cc"].shape
    (['cc', 'cc_norm', 'pred'], (4,))
    """
    with torch.no_grad():
        device = next(iter(model.parameters())).device
        pred = model(batch["stims"].to(device)).cpu()
    return {
        "cc": corrcoef(pred, batch["responses"], reduction="none").numpy(),
        "cc_norm": normalized_corrcoef(pred, batch["responses"], reduction="none").numpy(),
        "pred": pred,
    }


def strf_similarity(fitted: torch.Tensor, true: torch.Tensor) -> np.ndarray:
    """Correlation of each fitted STRF with the true one.

    Parameters
    ----------
    fitted, true : torch.Tensor, shape (N, F, L)
        The STRFs (``model.strfs``, ``SimulatedDataset.true_strfs``).

    Returns
    -------
    np.ndarray, shape (N,)
        Pearson correlation over all (band, lag) weights; NaN for a constant STRF.

    Examples
    --------
    >>> from deepSTRF.evaluation import strf_similarity
    >>> w = torch.randn(3, 4, 5)
    >>> strf_similarity(w, w).round(6), strf_similarity(-w, w).round(6)
    (array([1., 1., 1.]), array([-1., -1., -1.]))
    """
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

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.evaluation import load_fitted, save_fitted
    >>> from deepSTRF.models import LinearSTRF
    >>> folder = save_fitted(LinearSTRF(F=4, N=2, n_lags=5), tempfile.mkdtemp(), dataset="Simulated", seed=0)
    >>> model, info = load_fitted(folder)
    >>> type(model).__name__, info["dataset"], info["seed"]
    ('LinearSTRF', 'Simulated', 0)
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

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.evaluation import load_fitted, save_fitted
    >>> from deepSTRF.models import LNModel
    >>> original = LNModel(F=4, N=2, n_lags=5)
    >>> model, info = load_fitted(save_fitted(original, tempfile.mkdtemp()))
    >>> x = torch.rand(1, 1, 4, 20)
    >>> bool(torch.allclose(model(x), original(x)))
    True
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
