"""List-like views of packed storage: what ``ds.stims``, ``ds.responses`` and ``ds[i]['responses']`` hand out.

Each view is made on demand over a :class:`~deepSTRF.paradigm.storage.PackedResponses`
or :class:`~deepSTRF.paradigm.storage.PackedStims`; nothing here holds data
of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import DatasetKeyError, DatasetValueError
from .._checks import check_index
from .storage import PackedResponses, as_float32, sentinel


class ResponseRow(Sequence):
    """The responses of one stimulus across a list of neurons.

    Behaves like a list of tensors: ``row[k]`` is the ``(R, T)`` float32
    tensor of the k-th neuron (a view of the dataset's storage) or the
    ``(1, 1)`` NaN sentinel if that neuron never heard the stimulus.

    Parameters
    ----------
    store : PackedResponses
        The storage.
    stim : int
        The stimulus.
    pairs : np.ndarray of int
        Per neuron of the row, its pair index in ``store`` (``-1``: never heard).
    neurons : np.ndarray of int
        The row's absolute neuron indices.

    Attributes
    ----------
    valid_mask : torch.Tensor, shape (len(row),), bool
        True where the neuron heard the stimulus.
    T : int
        Time bins of the stimulus.

    Examples
    --------
    The responses of stimulus 4 for neurons 0 and 2, padded into one tensor:

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.paradigm import ResponseRow
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> row = ResponseRow.for_neurons(ds.packed_responses, 4, np.array([0, 2]))
    >>> len(row), row[0].shape, row.padded().shape        # (N, R_max, T)
    (2, torch.Size([20, 239]), torch.Size([2, 20, 239]))
    """

    __slots__ = ("_store", "_stim", "_pairs", "_neurons")

    def __init__(self, store: PackedResponses, stim: int, pairs: np.ndarray, neurons: np.ndarray):
        self._store = store
        self._stim = stim
        self._pairs = pairs  # (len,) pair index or -1
        self._neurons = neurons  # (len,) absolute neuron index

    @classmethod
    def for_neurons(cls, store: PackedResponses, s: int, neurons: np.ndarray | None,
                    position_of: np.ndarray | None = None) -> "ResponseRow":
        """Row of stim ``s`` over ``neurons`` (all if None). ``position_of`` maps an
        absolute neuron index to its position in ``neurons`` (-1 if absent)."""
        lo, hi = int(store.stim_ptr[s]), int(store.stim_ptr[s + 1])
        row_nrn = store.pair_nrn[lo:hi]
        if neurons is None:
            pairs = np.full(store.n_neurons, -1, dtype=np.int64)
            pairs[row_nrn] = np.arange(lo, hi)
            return cls(store, s, pairs, np.arange(store.n_neurons))
        if position_of is None:
            position_of = np.full(store.n_neurons, -1, dtype=np.int64)
            position_of[neurons] = np.arange(len(neurons))
        pos = position_of[row_nrn]
        keep = pos >= 0
        pairs = np.full(len(neurons), -1, dtype=np.int64)
        pairs[pos[keep]] = np.arange(lo, hi)[keep]
        return cls(store, s, pairs, neurons)

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        p = self._pairs[k]
        return self._store.tensor(int(p)) if p >= 0 else sentinel()

    @property
    def T(self) -> int:
        return int(self._store.stim_T[self._stim])

    @property
    def valid_mask(self) -> torch.Tensor:
        return torch.from_numpy(self._pairs >= 0)

    @property
    def repeats(self) -> np.ndarray:
        """Repeat count per neuron, ``-1`` where not heard, shape (len(row),)."""
        r = np.full(len(self._pairs), -1, dtype=np.int64)
        ok = self._pairs >= 0
        r[ok] = self._store.pair_reps[self._pairs[ok]]
        return r

    def fill_padded(self, out: np.ndarray) -> None:
        """Write the row into ``out`` ``(len, R_max, T_max)``, already NaN-filled."""
        for k in np.flatnonzero(self._pairs >= 0):
            b = self._store.block(int(self._pairs[k]))
            out[k, : b.shape[0], : b.shape[1]] = b

    def fill_mean(self, out: np.ndarray) -> None:
        """Write the repeat mean (NaN-aware) into ``out`` ``(len, T_max)``, already NaN-filled."""
        for k in np.flatnonzero(self._pairs >= 0):
            b = self._store.block(int(self._pairs[k]))
            out[k, : b.shape[1]] = b[0] if b.shape[0] == 1 else nanmean_rows(b)

    def padded(self) -> torch.Tensor:
        """``(len, R_max, T)`` tensor, NaN where a neuron has fewer repeats or none."""
        r = self.repeats
        out = np.full((len(self), max(1, int(r.max(initial=1))), self.T), np.nan, dtype=np.float32)
        self.fill_padded(out)
        return torch.from_numpy(out)

    def trial_mean(self) -> torch.Tensor:
        """``(len, T)`` tensor of repeat means (NaN-aware); NaN rows where not heard."""
        out = np.full((len(self), self.T), np.nan, dtype=np.float32)
        self.fill_mean(out)
        return torch.from_numpy(out)

    def __reduce__(self):
        # Sent to another process (a DataLoader worker's result): carry only this
        # row's blocks, never the whole dataset.
        heard = np.flatnonzero(self._pairs >= 0)
        blocks = [(0, int(self._neurons[k]), self._store.block(int(self._pairs[k]))) for k in heard]
        n_total = max(self._store.n_neurons, 1)
        store = PackedResponses.from_blocks(blocks, [self.T], n_total)
        pairs = np.full(len(self._pairs), -1, dtype=np.int64)
        order = np.argsort(self._neurons[heard], kind="stable")
        pairs[heard[order]] = np.arange(len(heard))  # the store sorts its blocks by neuron
        return (ResponseRow, (store, 0, pairs, self._neurons.copy()))

    def __repr__(self) -> str:
        return (f"ResponseRow(stim={self._stim}, neurons={len(self)}, "
                f"heard={int((self._pairs >= 0).sum())}, T={self.T})")


def nanmean_rows(b: np.ndarray) -> np.ndarray:
    """Mean over axis 0 ignoring NaN; NaN where a column has no valid value."""
    valid = ~np.isnan(b)
    count = valid.sum(axis=0)
    total = np.where(valid, b, 0).sum(axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).astype(np.float32)


class ResponseList(list):
    """``ds[i]['responses']``: a real ``list`` of the active neurons' tensors.

    Entry ``k`` is the ``(R, T)`` float32 tensor of the k-th active neuron (a
    view of the dataset's storage: in-place changes reach the dataset) or the
    ``(1, 1)`` NaN sentinel, one tensor shared by the item's unheard entries.
    ``torch.stack`` and every list operation work. The list also remembers
    where its blocks are stored, so :func:`~deepSTRF.paradigm.neural_collate`
    copies them in bulk; any change to the list itself drops that shortcut.
    """

    __slots__ = ("_row",)

    @classmethod
    def of_row(cls, row: ResponseRow) -> "ResponseList":
        store, pairs = row._store, row._pairs
        items = [sentinel()] * len(pairs)  # a plain list first: its item assignment is the fast one
        heard = np.flatnonzero(pairs >= 0)
        if heard.size:
            p = pairs[heard]
            T = int(store.stim_T[row._stim])
            ch, off, reps = store.pair_chunk[p], store.pair_offset[p], store.pair_reps[p]
            ends = off + reps.astype(np.int64) * T
            if (ch == ch[0]).all() and (off[1:] == ends[:-1]).all() and (np.diff(p) > 0).all():
                # one run of storage: one tensor, split by repeats (one C call)
                run = torch.from_numpy(store.chunks[int(ch[0])][int(off[0]) : int(ends[-1])]).view(-1, T)
                for k, t in zip(heard.tolist(), run.split(reps.tolist())):
                    items[k] = t
            else:
                chunks, from_numpy = store.chunks, torch.from_numpy
                for k, c, o, r in zip(heard.tolist(), ch.tolist(), off.tolist(), reps.tolist()):
                    items[k] = from_numpy(chunks[c][o : o + r * T].reshape(r, T))
        out = cls(items)
        out._row = row
        return out

    def _fast_row(self) -> ResponseRow | None:
        """The storage row this list still mirrors, or None once the list was changed."""
        return getattr(self, "_row", None)

    def _changed(self) -> None:
        self._row = None

    def __setitem__(self, k, v):
        self._changed()
        super().__setitem__(k, v)

    def __delitem__(self, k):
        self._changed()
        super().__delitem__(k)

    def __iadd__(self, other):
        self._changed()
        return super().__iadd__(other)

    def __imul__(self, n):
        self._changed()
        return super().__imul__(n)

    def __reduce__(self):
        # pickled (a DataLoader worker's result): a plain list of the tensors, each
        # carrying only its own block, never the dataset's storage
        return (list, (list(self),))


def _drop_fast_path(name):
    def method(self, *args, **kwargs):
        self._changed()
        return getattr(list, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"):
    setattr(ResponseList, _name, _drop_fast_path(_name))


class Item(dict):
    """``ds[i]``: a ``dict`` whose missing ``'valid_mask'`` says where the mask went."""

    def __missing__(self, key):
        if key == "valid_mask":
            raise DatasetKeyError(
                "items carry 'pair_mask' ((N,) bool: which active neurons heard the stimulus); "
                "'valid_mask' is made by neural_collate, element-wise (B, N, R_max, T_max) = "
                "~responses.isnan(), as in deepSTRF 0.1.0"
            )
        raise KeyError(key)


def _response_value(ds, s: int, n: int, value) -> np.ndarray | None:
    """``value`` checked as ``responses[s][n]``: a float32 ``(R, T_s)`` array, or None for the sentinel."""
    a = as_float32(f"responses[{s}][{n}]", value)
    if a.shape == (1, 1) and np.isnan(a[0, 0]):
        return None
    T = int(ds._resp_store.stim_T[s])
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] != T:
        raise DatasetValueError(
            f"responses[{s}][{n}] must be (R, {T}) (repeats, the {T} bins of stim {s}) or the (1, 1) NaN "
            f"sentinel; got shape {a.shape}. To change the length of a stimulus, assign the stimulus "
            "lists whole (ds.stims = [...]; ds.responses = [[...]]): they are checked together on next use"
        )
    return a


class StimResponses(Sequence):
    """``ds.responses[s]``: the responses of stimulus ``s`` to every neuron, editable.

    ``row[n] = x`` writes in place when ``x`` keeps the pair's shape; a new
    repeat count, or the ``(1, 1)`` NaN sentinel (or data where there was
    none), is accepted too: the masks and items follow. ``x`` must span the
    stimulus's ``T`` bins.

    Parameters
    ----------
    ds : NeuralDataset
        The dataset.
    stim : int
        The stimulus.
    """

    __slots__ = ("_ds", "_stim")

    def __init__(self, ds, stim: int):
        self._ds, self._stim = ds, stim

    def __len__(self) -> int:
        return self._ds.N_neurons

    def __getitem__(self, n):
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        n = check_index("neuron index", n, len(self))
        return self._ds._resp_store.lookup(self._stim, n)

    def __setitem__(self, n, value) -> None:
        n = check_index("neuron index", n, len(self))
        self._ds._write_response(self._stim, n, value)

    def __repr__(self) -> str:
        return f"StimResponses(stim={self._stim}, N={len(self)})"


class ResponseTable(Sequence):
    """``ds.responses``: ``responses[s][n]`` over the packed storage (all stims, all neurons).

    ``responses[s] = row`` replaces a stimulus's row (``N`` entries, each
    checked as in :class:`StimResponses`).

    Parameters
    ----------
    ds : NeuralDataset
        The dataset whose store the view reads and writes.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> len(ds.responses), len(ds.responses[0])              # S rows of N entries
    (6, 4)
    >>> ds.responses[4][3] = torch.zeros(2, 239)           # a checked write: (R, T) of stimulus 4
    >>> ds.responses[4][3].shape
    torch.Size([2, 239])
    """

    __slots__ = ("_ds",)

    def __init__(self, ds):
        self._ds = ds

    def __len__(self) -> int:
        return self._ds._resp_store.n_stims

    def __getitem__(self, s):
        if isinstance(s, slice):
            return [self[i] for i in range(*s.indices(len(self)))]
        return StimResponses(self._ds, check_index("stim index", s, len(self)))

    def __setitem__(self, s, row) -> None:
        s = check_index("stim index", s, len(self))
        N = self._ds.N_neurons
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != N:
            got = len(row) if hasattr(row, "__len__") else type(row).__name__
            raise DatasetValueError(f"responses[{s}] must hold one entry per neuron ({N}); got {got}")
        store = self._ds._store()  # lists assigned since the build are packed first
        values = [_response_value(self._ds, s, n, x) for n, x in enumerate(row)]  # all checked first
        for n, a in enumerate(values):
            store.write(s, n, a)

    def __repr__(self) -> str:
        store = self._ds._resp_store
        return f"ResponseTable(S={len(self)}, N={store.n_neurons}, pairs={store.n_pairs})"


class StimTable(Sequence):
    """``ds.stims``: ``stims[s]`` as tensors sharing the storage's memory.

    ``stims[s] = x`` writes ``x`` (checked: no NaN, the dataset's layout, and
    the ``T`` of the stimulus's responses if any neuron heard it).

    Parameters
    ----------
    ds : NeuralDataset
        The dataset whose store the view reads and writes.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> ds.stims[0].shape
    torch.Size([1, 32, 285])
    >>> ds.stims[0] = torch.zeros(1, 32, 285)              # same layout and T: accepted
    >>> ds.stims[0] = torch.zeros(1, 32, 10)               # another T than its responses
    Traceback (most recent call last):
    ...
    deepSTRF.errors.DatasetValueError: ...
    """

    __slots__ = ("_ds",)

    def __init__(self, ds):
        self._ds = ds

    def __len__(self) -> int:
        return len(self._ds._stim_store)

    def __getitem__(self, s):
        if isinstance(s, slice):
            return [self[i] for i in range(*s.indices(len(self)))]
        return self._ds._stim_store.tensor(check_index("stim index", s, len(self)))

    def __setitem__(self, s, value) -> None:
        s = check_index("stim index", s, len(self))
        self._ds._write_stim(s, value)

    def __repr__(self) -> str:
        return f"StimTable(S={len(self)})"
