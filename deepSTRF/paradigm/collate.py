"""Batching items of a :class:`~deepSTRF.datasets.NeuralDataset` for a DataLoader."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import DatasetKeyError, DatasetTypeError, DatasetValueError
from .buffers import POOL
from .views import ResponseList, ResponseRow, nanmean_rows

_CORE = ("stims", "responses")
_MADE_HERE = ("stims", "responses", "pair_mask", "valid_mask")


def neural_collate(batch: Sequence[dict], average_repeats: bool = False) -> dict:
    """Collate ``ds[i]`` items into padded batch tensors.

    Parameters
    ----------
    batch : sequence of dict
        Items, each with ``stims`` and ``responses`` (a list of ``(R, T)``
        tensors, the ``(1, 1)`` NaN sentinel where a neuron did not hear the
        stimulus); ``pair_mask`` and other keys are optional (items built by
        hand need only the two).
    average_repeats : bool, default False
        If True, responses are averaged over repeats (NaN-aware) and returned
        as ``(B, N, T_max)``: the form for large populations, where the
        padded repeat axis would not fit in memory.

    Returns
    -------
    dict
        ``stims``: ``(B, *stim_shape[:-1], T_max)`` float32, zero-padded on the
        last axis. ``responses``: ``(B, N, R_max, T_max)`` float32 (or
        ``(B, N, T_max)`` with ``average_repeats``), NaN where a neuron did
        not hear the stimulus, has fewer repeats than ``R_max``, past the end
        of a shorter stimulus, or where the recording has NaN.
        ``valid_mask``: bool, shaped like ``responses``, ``~responses.isnan()``
        (as in deepSTRF 0.1.0): a masked loss is ``loss(pred[m], resp[m])``.
        ``pair_mask``: ``(B, N)`` bool, True where the neuron heard the
        stimulus. ``stim_meta`` and any other key: lists of the items' values.

    Examples
    --------
    >>> from torch.utils.data import DataLoader
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.utils import neural_collate
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> batch = next(iter(DataLoader(ds, batch_size=3, collate_fn=neural_collate)))
    >>> batch["stims"].shape, batch["responses"].shape    # T_max = 285; R_max = 2
    (torch.Size([3, 1, 32, 285]), torch.Size([3, 4, 2, 285]))
    >>> batch["pair_mask"][0].tolist()                     # only neuron 0 heard stimulus 0
    [True, False, False, False]
    """
    if len(batch) == 0:
        raise DatasetValueError("cannot collate an empty batch")
    for k, item in enumerate(batch):
        missing = [key for key in _CORE if key not in item]
        if missing:
            raise DatasetKeyError(f"batch item {k} lacks {missing}; items come from NeuralDataset.__getitem__")
    out = {"stims": _pad_stims([item["stims"] for item in batch])}
    rows = [_fast(item["responses"]) for item in batch]
    n_set = {len(r) for r in rows}
    if len(n_set) != 1:
        raise DatasetValueError(f"batch items have different neuron counts {sorted(n_set)}; one selection per batch")
    N = n_set.pop()
    T_max = max(_row_T(r) for r in rows)
    shape = (len(rows), N, T_max) if average_repeats else \
        (len(rows), N, max([_row_R(r) for r in rows] + [1]), T_max)
    buf = POOL.nan_filled(shape)
    # zero pages cost nothing until written: only the heard entries' part of the mask is touched
    mask = np.zeros(shape, dtype=bool)
    for b, r in enumerate(rows):
        _fill(r, buf[b], average=average_repeats)
        for k, R, T in _heard(r):
            region = (k, slice(0, T)) if average_repeats else (k, slice(0, R), slice(0, T))
            np.logical_not(np.isnan(buf[b][region]), out=mask[b][region])
    out["responses"] = torch.from_numpy(buf)
    out["valid_mask"] = torch.from_numpy(mask)
    out["pair_mask"] = torch.stack([_pair_mask(item, r) for item, r in zip(batch, rows)])
    for key in batch[0]:
        if key not in _MADE_HERE:
            out[key] = [item.get(key) for item in batch]
    return out


def _fast(responses):
    """The storage row an untouched ``ds[i]['responses']`` mirrors, else the list itself."""
    row = responses._fast_row() if isinstance(responses, ResponseList) else None
    return row if row is not None else responses


def _heard(row):
    """``(k, R, T)`` of every entry of a row that holds data."""
    if isinstance(row, ResponseRow):
        heard = np.flatnonzero(row._pairs >= 0)
        reps = row._store.pair_reps[row._pairs[heard]]
        return [(int(k), int(R), row.T) for k, R in zip(heard, reps)]
    return [(k, int(x.shape[0]), int(x.shape[-1])) for k, x in enumerate(row) if not _is_sentinel(x)]


def _pair_mask(item, row) -> torch.Tensor:
    if "pair_mask" in item:
        return torch.as_tensor(item["pair_mask"], dtype=torch.bool)
    if isinstance(row, ResponseRow):
        return row.valid_mask
    return torch.tensor([not _is_sentinel(x) for x in row], dtype=torch.bool)


def neural_collate_averaged(batch: Sequence[dict]) -> dict:
    """:func:`neural_collate` with ``average_repeats=True``: responses ``(B, N, T_max)``.

    Parameters
    ----------
    batch : sequence of dict
        Items of a dataset (``ds[i]``).

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.utils import neural_collate_averaged
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> neural_collate_averaged([ds[4], ds[5]])["responses"].shape   # (B, N, T_max): repeat means
    torch.Size([2, 4, 239])
    """
    return neural_collate(batch, average_repeats=True)


def _pad_stims(stims: list) -> torch.Tensor:
    stims = [torch.as_tensor(s, dtype=torch.float32) for s in stims]
    lead = {tuple(s.shape[:-1]) for s in stims}
    if len(lead) != 1:
        raise DatasetValueError(f"stimuli in a batch must agree on all but the last axis; got shapes "
                         f"{sorted({tuple(s.shape) for s in stims})}")
    T_max = max(s.shape[-1] for s in stims)
    out = torch.zeros((len(stims),) + lead.pop() + (T_max,), dtype=torch.float32)
    for b, s in enumerate(stims):
        out[b, ..., : s.shape[-1]] = s
    return out


def _is_sentinel(x) -> bool:
    return tuple(x.shape) == (1, 1) and bool(torch.isnan(torch.as_tensor(x)).all())


def _row_T(row) -> int:
    if isinstance(row, ResponseRow):
        return row.T
    return max([int(x.shape[-1]) for x in row if not _is_sentinel(x)] + [1])


def _row_R(row) -> int:
    if isinstance(row, ResponseRow):
        return int(row.repeats.max(initial=1))
    return max([int(x.shape[0]) for x in row if not _is_sentinel(x)] + [1])


def _fill(row, out: np.ndarray, average: bool) -> None:
    """Write one item's responses into its slice of the NaN-filled batch."""
    if isinstance(row, ResponseRow):
        (row.fill_mean if average else row.fill_padded)(out)
        return
    for k, x in enumerate(row):
        if not _is_sentinel(x):
            a = torch.as_tensor(x, dtype=torch.float32).numpy()
            if average:
                out[k, : a.shape[1]] = nanmean_rows(a)
            else:
                out[k, : a.shape[0], : a.shape[1]] = a


def _refuse_default_collate(batch, *, collate_fn_map=None):
    raise DatasetTypeError(
        "a DataLoader over a deepSTRF dataset needs collate_fn=neural_collate (or neural_collate_averaged), "
        "from deepSTRF.utils: each item's responses are ragged (R x T per neuron, the (1, 1) sentinel where "
        "a neuron did not hear the stimulus), which torch's default collate cannot stack"
    )


def _register_hint() -> None:
    """Make torch's default collate explain itself on our items (torch's documented extension
    point for custom types; skipped if a future torch moves it)."""
    try:
        from torch.utils.data._utils.collate import default_collate_fn_map
    except ImportError:  # pragma: no cover
        return
    default_collate_fn_map.setdefault(ResponseList, _refuse_default_collate)


_register_hint()
