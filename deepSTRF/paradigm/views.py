"""List-like views of packed storage: what ``ds.stims``, ``ds.responses`` and ``ds[i]['responses']`` hand out.

Each view is made on demand over a :class:`~deepSTRF.paradigm.storage.PackedResponses`
or :class:`~deepSTRF.paradigm.storage.PackedStims`; nothing here holds data
of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .._checks import check_index
from .storage import PackedResponses, PackedStims, sentinel


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

    def __setitem__(self, k, value) -> None:
        p = int(self._pairs[k])
        n = int(self._neurons[k])
        if p < 0:
            raise ValueError(
                f"neuron {n} never heard stim {self._stim} (its entry is the (1, 1) NaN sentinel); "
                "a response cannot be added to a packed dataset in place: build the dataset "
                "again with this block (DatasetBuilder.add_response)"
            )
        value = torch.as_tensor(value, dtype=torch.float32)
        block = self._store.block(p)
        if tuple(value.shape) != block.shape:
            raise ValueError(
                f"responses[{self._stim}][{n}] has shape {block.shape} (repeats, bins); "
                f"got a tensor of shape {tuple(value.shape)}: only same-shape values can be "
                "written into a packed dataset"
            )
        self._store.make_private()
        self._store.block(p)[...] = value.numpy()

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


class ResponseTable(Sequence):
    """``responses[s][n]`` over a :class:`PackedResponses` (all stims, all neurons).

    Parameters
    ----------
    store : PackedResponses
        The storage.
    """

    __slots__ = ("_store",)

    def __init__(self, store: PackedResponses):
        self._store = store

    def __len__(self) -> int:
        return self._store.n_stims

    def __getitem__(self, s):
        if isinstance(s, slice):
            return [self[i] for i in range(*s.indices(len(self)))]
        s = check_index("stim index", s, len(self))
        return ResponseRow.for_neurons(self._store, s, None)

    def __setitem__(self, s, value):
        raise TypeError(
            "rows of a packed responses table cannot be replaced; assign single entries "
            "(responses[s][n] = tensor of the same shape) or assign a whole new list of "
            "lists to dataset.responses and call validate()"
        )

    def __repr__(self) -> str:
        return (f"ResponseTable(S={len(self)}, N={self._store.n_neurons}, "
                f"pairs={self._store.n_pairs})")


class StimTable(Sequence):
    """``stims[s]`` over a :class:`PackedStims`: tensors sharing the store's memory.

    Parameters
    ----------
    store : PackedStims
        The storage.
    """

    __slots__ = ("_store",)

    def __init__(self, store: PackedStims):
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, s):
        if isinstance(s, slice):
            return [self[i] for i in range(*s.indices(len(self)))]
        return self._store.tensor(check_index("stim index", s, len(self)))

    def __setitem__(self, s, value) -> None:
        s = check_index("stim index", s, len(self))
        value = torch.as_tensor(value, dtype=torch.float32)
        shape = self._store.shapes[s]
        if tuple(value.shape) != shape:
            raise ValueError(
                f"stims[{s}] has shape {shape}; got a tensor of shape {tuple(value.shape)}: "
                "only same-shape values can be written into a packed dataset"
            )
        if torch.isnan(value).any():
            raise ValueError(f"stims[{s}]: stimuli must not contain NaN")
        self._store.make_private()
        self._store.array(s)[...] = value.numpy()

    def __repr__(self) -> str:
        return f"StimTable(S={len(self)})"
