"""The benchmark's model protocol, the built-in baselines, and adapters for users' models.

A benchmark model is any object with a ``name`` and a method
``fit(dataset, est_stims, *, seed, device)`` that returns a callable mapping a
stimulus batch ``(B, 1, F, T)`` to predictions ``(B, N, 1, T)`` for the
dataset's active neurons (``dataset.active_neurons``, in that order). The
validation stimuli, if the model needs them, are carved from ``est_stims``
inside ``fit``: the test stimuli are never seen.
"""

from __future__ import annotations

import importlib
from typing import Callable, Protocol

import numpy as np
import torch

from ..evaluation import train_model
from ..models import fit as fit_module
from ..models import lagged, split_stims
from ..paradigm import ResponseRow


class BenchmarkModel(Protocol):
    """What :func:`deepSTRF.benchmark.run` needs of a model: a ``name`` and a ``fit`` method.

    Examples
    --------
    The smallest model: predict each neuron's mean estimation rate (a floor for the scores).

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> class MeanRate:
    ...     name = "mean-rate"
    ...     def fit(self, dataset, est_stims, *, seed, device):
    ...         rate = torch.stack([torch.tensor([float(dataset.responses[s][n].nanmean()) for s in est_stims
    ...                                           if dataset.nrn_masks[s, n]]).mean()
    ...                             for n in dataset.active_neurons])
    ...         return lambda stims: rate.reshape(1, -1, 1, 1).expand(stims.shape[0], -1, 1, stims.shape[-1])
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> MeanRate().fit(ds, [0, 1, 2, 3], seed=0, device="cpu")(ds.stims[4][None]).shape
    torch.Size([1, 4, 1, 239])
    """

    name: str

    def fit(self, dataset, est_stims: list[int], *, seed: int, device: str) -> Callable:
        """Fit on ``est_stims``; return ``predict(stims (B, 1, F, T)) -> (B, N, 1, T)``."""


class Baseline:
    """One of deepSTRF's baselines, fitted as ``deepstrf fit`` fits it.

    ``'ridge'``: closed-form STRF, penalty by cross-validation over the
    estimation stimuli; ``'ln'``: the ridge STRF of 85 % of them plus a
    softplus output, trained by Poisson likelihood with early stopping on the
    other 15 %; ``'cnn'``: :class:`deepSTRF.models.CNNPopulation` trained the
    same way.

    Parameters
    ----------
    kind : {'ridge', 'ln', 'cnn'}
        The baseline.
    n_lags : int, default 15
        STRF length in bins (ridge and LN).

    Examples
    --------
    >>> from deepSTRF.benchmark import Baseline
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=10, n_val=2)
    >>> predict = Baseline("ridge").fit(ds, list(range(10)), seed=0, device="cpu")
    >>> predict(ds.stims[10][None]).shape
    torch.Size([1, 4, 1, 204])
    """

    def __init__(self, kind: str, n_lags: int = 15):
        self.name, self.kind, self.n_lags = kind, kind, n_lags

    def fit(self, dataset, est_stims, *, seed: int = 0, device: str = "cpu"):
        model = train_model(self.kind, dataset, list(est_stims), n_lags=self.n_lags, seed=seed,
                            progress=False, device=device)
        model.eval()
        return _predictor(model)

    def params(self) -> dict:
        return {"kind": self.kind, "n_lags": self.n_lags}


class TorchModel:
    """A user's ``torch.nn.Module``, trained by :func:`deepSTRF.models.fit` or by the user's function.

    Parameters
    ----------
    build : callable
        ``build(F, N) -> nn.Module`` mapping ``(B, 1, F, T)`` to ``(B, N, 1, T)``.
    name : str
        Its name in the results.
    train : callable, optional
        ``train(module, dataset, train_stims, val_stims, seed, device)``; default
        :func:`deepSTRF.models.fit` (Poisson loss, early stopping on the validation stimuli).
    val_fraction : float, default 0.15
        Share of the estimation stimuli held out for early stopping.

    Examples
    --------
    >>> from deepSTRF.benchmark import TorchModel
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.models import LNModel
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=10, n_val=2)
    >>> mine = TorchModel(lambda F, N: LNModel(F, N, n_lags=10), name="my-ln",
    ...                   train=lambda m, ds, tr, va, seed, device: None)   # (untrained, for brevity)
    >>> mine.fit(ds, list(range(10)), seed=0, device="cpu")(ds.stims[10][None]).shape
    torch.Size([1, 4, 1, 204])
    """

    def __init__(self, build: Callable, name: str, train: Callable | None = None, val_fraction: float = 0.15):
        self.build, self.name, self.train, self.val_fraction = build, name, train, val_fraction

    def fit(self, dataset, est_stims, *, seed: int = 0, device: str = "cpu"):
        torch.manual_seed(seed)
        module = self.build(dataset.F, len(dataset.active_neurons))
        train, val = split_stims(list(est_stims), self.val_fraction, seed)
        if self.train is None:
            fit_module(module, dataset, train, val, seed=seed, progress=False, device=device)
        else:
            self.train(module, dataset, train, val, seed, device)
        module.eval()
        return _predictor(module)

    def params(self) -> dict:
        return {"val_fraction": self.val_fraction}


class LaggedEstimator:
    """A scikit-learn-style estimator on time-lagged spectrogram features.

    Each bin's features are the ``F x n_lags`` spectrogram values at that bin
    and the ``n_lags - 1`` before it (zeros before the stimulus starts: causal);
    the target is the neuron's repeat-mean response (bins without a valid
    repeat are left out). Neurons that heard the same estimation stimuli are
    fitted together (one multi-output ``fit``).

    Parameters
    ----------
    estimator : object
        With ``fit(X, Y)`` and ``predict(X)`` (``X`` ``(n_bins, F * n_lags)``, ``Y``
        ``(n_bins, n_neurons)``); cloned per group of neurons with ``sklearn.base.clone`` (a
        scikit-learn estimator), else deep-copied.
    name : str
        Its name in the results.
    n_lags : int, default 15
        Lags in bins.

    Examples
    --------
    A least-squares estimator written with numpy (any scikit-learn regressor fits the same slot):

    >>> from deepSTRF.benchmark import LaggedEstimator
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> class LeastSquares:
    ...     def fit(self, X, Y):
    ...         X1 = np.c_[X, np.ones(len(X))]
    ...         self.w = np.linalg.lstsq(X1, Y, rcond=None)[0]
    ...         return self
    ...     def predict(self, X):
    ...         return np.c_[X, np.ones(len(X))] @ self.w
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=10, n_val=2)
    >>> predict = LaggedEstimator(LeastSquares(), "lstsq", n_lags=5).fit(ds, list(range(10)), seed=0, device="cpu")
    >>> predict(ds.stims[10][None]).shape
    torch.Size([1, 4, 1, 204])
    """

    def __init__(self, estimator, name: str, n_lags: int = 15):
        self.estimator, self.name, self.n_lags = estimator, name, n_lags

    def fit(self, dataset, est_stims, *, seed: int = 0, device: str = "cpu"):
        neurons = np.asarray(dataset.active_neurons)
        heard = dataset.nrn_masks.numpy()[np.ix_(list(est_stims), neurons)]  # (S_est, N)
        X = np.concatenate([lagged(dataset.stims[s][0].numpy().astype(np.float64), self.n_lags) for s in est_stims])
        # repeat means (T, N) per stimulus; NaN where a neuron did not hear it, or no repeat is valid
        Y = np.concatenate([ResponseRow.for_neurons(dataset.packed_responses, int(s), neurons).trial_mean().numpy().T
                            for s in est_stims]).astype(np.float64)
        groups: dict[bytes, list[int]] = {}
        for k in range(len(neurons)):
            groups.setdefault(heard[:, k].tobytes(), []).append(k)
        fitted = []
        for ks in groups.values():
            rows = np.isfinite(Y[:, ks]).all(axis=1)
            est = _clone(self.estimator)
            if rows.any():
                est.fit(X[rows], Y[rows][:, ks])
                fitted.append((ks, est))
        n_lags, N = self.n_lags, len(neurons)

        def predict(stims: torch.Tensor) -> torch.Tensor:
            B, _, F, T = stims.shape
            out = np.full((B, N, 1, T), np.nan)
            for b in range(B):
                x = lagged(stims[b, 0].cpu().numpy().astype(np.float64), n_lags)
                for ks, est in fitted:
                    out[b, ks, 0] = np.asarray(est.predict(x)).reshape(T, len(ks)).T
            return torch.from_numpy(out).float()

        return predict

    def params(self) -> dict:
        return {"n_lags": self.n_lags, "estimator": type(self.estimator).__name__}


def _clone(estimator):
    import copy

    try:
        from sklearn.base import clone
    except ImportError:
        return copy.deepcopy(estimator)
    try:
        return clone(estimator)
    except TypeError:  # not a scikit-learn estimator (no get_params): a plain copy
        return copy.deepcopy(estimator)


def _predictor(module: torch.nn.Module) -> Callable:
    device = next(iter(module.parameters())).device

    def predict(stims: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return module(stims.to(device)).cpu()

    predict.module = module  # the scoring compares its STRFs with the truth where a dataset has one
    return predict


#: the built-in models by name
BUILT_IN = {"ridge": lambda: Baseline("ridge"), "ln": lambda: Baseline("ln"), "cnn": lambda: Baseline("cnn")}


def resolve_model(spec) -> BenchmarkModel:
    """A model from a name (``'ridge'``, ``'ln'``, ``'cnn'``), an import path ``'package.module:attr'``
    (a model object, or a callable returning one), or a model object.

    Parameters
    ----------
    spec : str or BenchmarkModel
        What to resolve.

    Examples
    --------
    >>> from deepSTRF.benchmark.models import resolve_model
    >>> resolve_model("cnn").name
    'cnn'
    >>> resolve_model("deepSTRF.benchmark.models:Baseline")     # a class, not a model
    Traceback (most recent call last):
    ...
    TypeError: deepSTRF.benchmark.models:Baseline is not a benchmark model ...
    """
    if not isinstance(spec, str):
        if not (hasattr(spec, "fit") and hasattr(spec, "name")):
            raise TypeError(f"a benchmark model needs a 'name' and a 'fit' method; got {spec!r}")
        return spec
    if spec in BUILT_IN:
        return BUILT_IN[spec]()
    if ":" in spec:
        module, _, attr = spec.partition(":")
        obj = getattr(importlib.import_module(module), attr)
        model = obj() if callable(obj) and not hasattr(obj, "fit") else obj
        if isinstance(model, type) or not (hasattr(model, "fit") and hasattr(model, "name")):
            raise TypeError(f"{spec} is not a benchmark model (an object with 'name' and 'fit', or a "
                            f"function returning one)")
        return model
    raise ValueError(f"unknown model {spec!r}: use one of {', '.join(BUILT_IN)} or 'package.module:attr'")
