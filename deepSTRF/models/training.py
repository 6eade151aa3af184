"""Gradient training with early stopping and best-checkpoint restore."""

from __future__ import annotations

import copy
import math

import torch
from torch.utils.data import DataLoader, Dataset

from .._checks import check_option, check_positive
from ..metrics import mse_loss, poisson_loss
from ..paradigm.collate import neural_collate
from .progress import FitProgress

LOSSES = {"poisson": poisson_loss, "mse": mse_loss}


class StimSubset(Dataset):
    """Items of ``dataset`` for the given absolute stimulus indices (the
    dataset's neuron selection applies; its stimulus selection does not).

    Parameters
    ----------
    dataset : NeuralDataset
        The dataset.
    stim_indices : sequence of int
        Absolute stimulus indices.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.models import StimSubset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> sub = StimSubset(ds, [4, 5])
    >>> len(sub), sub[0]["stims"].shape
    (2, torch.Size([1, 32, 239]))
    """

    def __init__(self, dataset, stim_indices):
        self.dataset = dataset
        self.stims = [int(s) for s in stim_indices]

    def __len__(self) -> int:
        return len(self.stims)

    def __getitem__(self, i: int) -> dict:
        return self.dataset._item(self.stims[i])


def split_stims(stim_indices, val_fraction: float = 0.1, seed: int = 0) -> tuple[list[int], list[int]]:
    """Split stimuli into training and validation sets (at least one of each).

    Parameters
    ----------
    stim_indices : sequence of int
        Absolute stimulus indices (e.g. the estimation set).
    val_fraction : float, default 0.1
        Fraction held out for validation (at least one stimulus).
    seed : int, default 0
        Seed of the shuffle.

    Returns
    -------
    train, val : list of int

    Examples
    --------
    >>> from deepSTRF.models import split_stims
    >>> train, val = split_stims(list(range(10)), val_fraction=0.2, seed=0)
    >>> len(train), len(val), sorted(train + val) == list(range(10))
    (8, 2, True)
    """
    stims = list(stim_indices)
    if len(stims) < 2:
        raise ValueError(f"need at least 2 stimuli to hold some out for validation; got {len(stims)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1); got {val_fraction!r}")
    order = torch.randperm(len(stims), generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = min(len(stims) - 1, max(1, round(val_fraction * len(stims))))
    val = sorted(stims[i] for i in order[:n_val])
    train = sorted(stims[i] for i in order[n_val:])
    return train, val


def resolve_device(device="auto") -> torch.device:
    """``'auto'`` (CUDA when torch sees a device, else the CPU), ``'cpu'``, ``'cuda'`` or a ``torch.device``.

    Parameters
    ----------
    device : str or torch.device, default 'auto'
        The device wanted.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    d = torch.device(device)
    if d.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}, but torch sees no CUDA device (device='auto' picks the CPU then)")
    return d


def evaluate_loss(model, loader, loss_fn, device=None) -> float:
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            stims, responses = batch["stims"], batch["responses"]
            if device is not None:
                stims, responses = stims.to(device), responses.to(device)
            pred = model(stims)
            per = loss_fn(pred, responses, reduction="none")
            ok = ~torch.isnan(per)
            total += float(per[ok].sum())
            count += int(ok.sum())
    return total / max(count, 1)


def fit(model: torch.nn.Module, dataset, train_stims, val_stims, loss: str = "poisson", lr: float = 1e-3,
        max_epochs: int = 200, patience: int = 10, batch_size: int = 8, weight_decay: float = 0.0,
        seed: int = 0, progress: bool = True, device="auto") -> dict:
    """Train ``model`` on ``train_stims`` with Adam, stopping when the loss on
    ``val_stims`` has not improved for ``patience`` epochs; the best weights
    (lowest validation loss) are restored.

    Parameters
    ----------
    model : torch.nn.Module
        ``(B, 1, F, T)`` -> ``(B, N, 1, T)``, N = the dataset's selected neurons.
    dataset : NeuralDataset
        The dataset (its neuron selection applies).
    train_stims, val_stims : sequence of int
        Absolute stimulus indices.
    loss : {'poisson', 'mse'}
        NaN-aware (:mod:`deepSTRF.metrics`).
    lr, weight_decay : float
        Adam settings.
    max_epochs, patience, batch_size, seed : int
        Most epochs, epochs without a better validation loss before stopping, stimuli per batch, and the seed of the shuffles and initialisation.
    progress : bool
        Report epochs, losses, the best epoch and the patience left (:class:`FitProgress`: a
        rewritten line on a terminal, a line every 5 s elsewhere). The fit runs on
        :func:`fit_threads` threads (``$DEEPSTRF_NUM_THREADS``, default 1).
    device : {'auto', 'cpu', 'cuda'} or torch.device, default 'auto'
        Where to train (:func:`resolve_device`); the model stays there afterwards.

    Returns
    -------
    dict
        ``train_loss`` and ``val_loss`` per epoch, ``best_epoch`` (0-based: an index into
        ``val_loss``; the progress line counts epochs from 1) and ``best_val_loss``.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.models import LNModel, fit
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=6, n_val=2)
    >>> model = LNModel(ds.F, len(ds.active_neurons), n_lags=10)
    >>> history = fit(model, ds, [0, 1, 2, 3], [4, 5], max_epochs=3, progress=False)
    >>> len(history["val_loss"]), 0 <= history["best_epoch"] < 3
    (3, True)
    """
    check_option("loss", loss, tuple(LOSSES))
    for name, v in (("max_epochs", max_epochs), ("patience", patience), ("batch_size", batch_size)):
        check_positive(name, v, integer=True)
    check_positive("lr", lr)
    loss_fn = LOSSES[loss]
    gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(StimSubset(dataset, train_stims), batch_size=batch_size, shuffle=True,
                              collate_fn=neural_collate, generator=gen)
    val_loader = DataLoader(StimSubset(dataset, val_stims), batch_size=batch_size, collate_fn=neural_collate)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = {"train_loss": [], "val_loss": []}
    best = [(math.inf, -1, copy.deepcopy(model.state_dict()))]  # a list: _epoch updates it
    dev = resolve_device(device)
    model.to(dev)
    report = FitProgress(f"fit {type(model).__name__}", patience, enabled=progress)
    threads = torch.get_num_threads()
    torch.set_num_threads(fit_threads())
    stopped = False
    try:
        for epoch in range(max_epochs):
            if _epoch(model, train_loader, val_loader, opt, loss_fn, history, epoch, best, report, dev):
                stopped = True
                break
    finally:
        torch.set_num_threads(threads)
        report.done(stopped)
    best = best[0]
    model.load_state_dict(best[2])
    model.eval()
    history["best_epoch"] = best[1]
    history["best_val_loss"] = best[0]
    return history


def fit_threads() -> int:
    """Threads a fit uses: ``$DEEPSTRF_NUM_THREADS`` if set, else 1.

    The baseline models are small: one thread fits the simulated LN model in
    13.7 s against 11.3 s with two on a quiet 2-core machine, while two threads
    next to one busy process took 64.5 s (oversubscription). One thread keeps
    a fit's time predictable on shared machines; set ``DEEPSTRF_NUM_THREADS``
    (or call ``torch.set_num_threads`` inside your own loop) for more.
    """
    import os

    value = os.environ.get("DEEPSTRF_NUM_THREADS", "1")
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"DEEPSTRF_NUM_THREADS must be a positive integer; got {value!r}") from None
    return max(1, n)


def _epoch(model, train_loader, val_loader, opt, loss_fn, history, epoch, best, report, device) -> bool:
    """One epoch; updates ``history`` and ``best`` (a one-item list); True when patience ran out."""
    model.train()
    total, count = 0.0, 0
    for batch in train_loader:
        opt.zero_grad()
        value = loss_fn(model(batch["stims"].to(device)), batch["responses"].to(device))
        value.backward()
        opt.step()
        total += float(value.detach()) * batch["stims"].shape[0]
        count += batch["stims"].shape[0]
    history["train_loss"].append(total / max(count, 1))
    val = evaluate_loss(model, val_loader, loss_fn, device)
    history["val_loss"].append(val)
    if val < best[0][0]:
        best[0] = (val, epoch, copy.deepcopy(model.state_dict()))
    report.epoch(epoch, history["train_loss"][-1], val, best[0][0], best[0][1])
    return epoch - best[0][1] >= report.patience
