"""Packed storage of stimuli and responses.

Responses of ``S`` stimuli x ``N`` neurons are kept as float32 *chunks* (one
chunk when the data were packed in one go, a few when a builder grew them)
plus a table of recorded ``(stim, neuron)`` pairs sorted by stim then neuron:
where each pair's ``(R, T)`` block starts (chunk, offset) and its repeat count
``R``. A pair that is not in the table was never heard; its repeat count in
:meth:`PackedResponses.repeat_table` is ``-1``. The table is sparse (CSR by
stimulus) because the largest releases have tens of millions of possible
pairs, almost all of them not heard.

Nothing here keeps one Python object per pair: views are made on demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Iterator

import numpy as np
import torch

from .._checks import check_index

_NAN = float("nan")


def sentinel() -> torch.Tensor:
    """The ``(1, 1)`` NaN tensor standing for "this neuron never heard this stimulus"."""
    return torch.full((1, 1), _NAN, dtype=torch.float32)


class ChunkedBuffer:
    """A float32 store that grows by whole chunks, never by copying what it holds.

    Chunks are allocated with ``np.empty`` (or ``allocate(size)``, e.g. a
    map of a file of the cache being built); pages not yet written are not
    resident, so the unused tail of the last chunk costs no memory.
    """

    def __init__(self, first_chunk: int = 1 << 18, max_chunk: int = 1 << 26, allocate=None):
        self.chunks: list[np.ndarray] = []
        self.used: list[int] = []
        self._next = first_chunk
        self._max = max_chunk
        self._allocate = allocate or (lambda size: np.empty(size, dtype=np.float32))

    def append(self, values: np.ndarray) -> tuple[int, int]:
        """Copy ``values`` (any shape) in; return ``(chunk, offset)`` of its first value."""
        n = values.size
        if not self.chunks or self.used[-1] + n > self.chunks[-1].size:
            size = max(n, self._next)
            self._next = min(self._max, self._next * 2)
            self.chunks.append(self._allocate(size))
            self.used.append(0)
        c = len(self.chunks) - 1
        off = self.used[c]
        self.chunks[c][off : off + n] = values.reshape(-1)
        self.used[c] = off + n
        return c, off

    def finish(self) -> list[np.ndarray]:
        """The chunks, each cut to its used length (views: nothing is copied)."""
        return [c[:u] for c, u in zip(self.chunks, self.used)]


class _ChunkStore:
    """Float32 chunks, each either private or ``shared`` with another store.

    A shared chunk (another dataset's memory, or a map of a cache file) is
    copied before any in-place work; a chunk that is a whole cache-file map
    pickles as a reference to its file (see ``_chunks_out``).
    """

    def _set_chunks(self, chunks, shared) -> None:
        self.chunks = list(chunks)
        self.shared = list(shared) if shared is not None else [False] * len(self.chunks)

    def make_private(self) -> None:
        """Copy every shared chunk, so in-place work stays here."""
        for i, shared in enumerate(self.shared):
            if shared:
                self.chunks[i] = np.array(self.chunks[i])  # a plain in-memory copy (also of a map)
                self.shared[i] = False

    def __getstate__(self):
        state = self.__dict__.copy()
        state["chunks"] = _chunks_out(self.chunks)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.chunks = _chunks_in(self.chunks)


class PackedResponses(_ChunkStore):
    """Responses ``(R, T_s)`` of recorded (stim, neuron) pairs in float32 chunks.

    Parameters
    ----------
    chunks : list of np.ndarray, each 1-D float32
    stim_T : array of int, shape (S,)
        Time bins of every stimulus.
    n_neurons : int
    pair_stim, pair_nrn, pair_chunk, pair_offset, pair_reps : arrays, shape (P,)
        One entry per recorded pair, in any order (sorted here).
    shared : list of bool, optional
        Per chunk: True if another dataset holds the same memory (then the
        chunk is copied before any in-place transform).
    """

    def __init__(self, chunks, stim_T, n_neurons, pair_stim, pair_nrn, pair_chunk, pair_offset,
                 pair_reps, shared=None):
        self._set_chunks(chunks, shared)
        self.stim_T = np.asarray(stim_T, dtype=np.int64)
        self.n_neurons = int(n_neurons)
        ps = np.asarray(pair_stim, dtype=np.int32)
        pn = np.asarray(pair_nrn, dtype=np.int32)
        order = np.lexsort((pn, ps))
        if not np.all(order[1:] > order[:-1]):  # not already sorted
            ps, pn = ps[order], pn[order]
            pair_chunk = np.asarray(pair_chunk)[order]
            pair_offset = np.asarray(pair_offset)[order]
            pair_reps = np.asarray(pair_reps)[order]
        self.pair_stim = ps
        self.pair_nrn = pn
        self.pair_chunk = np.asarray(pair_chunk, dtype=np.int32)
        self.pair_offset = np.asarray(pair_offset, dtype=np.int64)
        self.pair_reps = np.asarray(pair_reps, dtype=np.int32)
        dup = (ps[1:] == ps[:-1]) & (pn[1:] == pn[:-1])
        if dup.any():
            k = int(np.flatnonzero(dup)[0])
            raise ValueError(
                f"response for stim {int(ps[k])}, neuron {int(pn[k])} was given twice; "
                "each (stim, neuron) pair holds one (R, T) block with all its repeats"
            )
        self.stim_ptr = np.zeros(len(self.stim_T) + 1, dtype=np.int64)
        np.cumsum(np.bincount(ps, minlength=len(self.stim_T)), out=self.stim_ptr[1:])

    # ------------------------------------------------------------------ sizes
    @property
    def n_stims(self) -> int:
        return len(self.stim_T)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_stim)

    def block_sizes(self) -> np.ndarray:
        """Values per pair, ``R * T``, shape (P,)."""
        return self.pair_reps.astype(np.int64) * self.stim_T[self.pair_stim]

    @property
    def nbytes(self) -> int:
        """Bytes of response values (the float32 payload)."""
        return int(self.block_sizes().sum()) * 4

    # ----------------------------------------------------------------- lookup
    def pair_index(self, s: int, n: int) -> int:
        """Index of pair ``(s, n)`` in the table, or -1 if neuron n never heard stim s."""
        lo, hi = self.stim_ptr[s], self.stim_ptr[s + 1]
        row = self.pair_nrn[lo:hi]
        k = int(np.searchsorted(row, n))
        return int(lo + k) if k < len(row) and row[k] == n else -1

    def block(self, p: int) -> np.ndarray:
        """The ``(R, T)`` float32 numpy view of pair ``p``."""
        T = int(self.stim_T[self.pair_stim[p]])
        R = int(self.pair_reps[p])
        off = int(self.pair_offset[p])
        return self.chunks[self.pair_chunk[p]][off : off + R * T].reshape(R, T)

    def tensor(self, p: int) -> torch.Tensor:
        """The ``(R, T)`` torch view of pair ``p`` (shares memory with the store)."""
        return torch.from_numpy(self.block(p))

    def get(self, s: int, n: int) -> torch.Tensor:
        p = self.pair_index(s, n)
        return self.tensor(p) if p >= 0 else sentinel()

    def masks(self) -> np.ndarray:
        """``(S, N)`` bool: True where the neuron heard the stimulus."""
        m = np.zeros((self.n_stims, self.n_neurons), dtype=bool)
        m[self.pair_stim, self.pair_nrn] = True
        return m

    def repeat_table(self) -> np.ndarray:
        """``(S, N)`` int32 repeat counts, ``-1`` where the neuron never heard the stimulus."""
        t = np.full((self.n_stims, self.n_neurons), -1, dtype=np.int32)
        t[self.pair_stim, self.pair_nrn] = self.pair_reps
        return t

    # ------------------------------------------------------------------- bulk
    def runs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(rows, pairs)``: 2-D ``(sum R, T)`` views of contiguous blocks
        sharing one ``T``, with the pair indices they hold, in storage order."""
        if self.n_pairs == 0:
            return
        order = np.lexsort((self.pair_offset, self.pair_chunk))
        ch = self.pair_chunk[order]
        off = self.pair_offset[order]
        T = self.stim_T[self.pair_stim[order]]
        size = self.pair_reps[order].astype(np.int64) * T
        new = np.ones(len(order), dtype=bool)
        new[1:] = (ch[1:] != ch[:-1]) | (off[1:] != off[:-1] + size[:-1]) | (T[1:] != T[:-1])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], len(order))
        for a, b in zip(starts, ends):
            t = int(T[a])
            n_rows = int(size[a:b].sum()) // t
            o = int(off[a])
            yield self.chunks[ch[a]][o : o + n_rows * t].reshape(n_rows, t), order[a:b]


    @classmethod
    def from_blocks(cls, blocks, stim_T, n_neurons) -> "PackedResponses":
        """Pack ``[(s, n, array (R, T_s)), ...]`` into one exactly sized chunk."""
        sizes = [b[2].size for b in blocks]
        total = int(sum(sizes))
        buf = np.empty(total, dtype=np.float32)
        offsets = np.zeros(len(blocks), dtype=np.int64)
        pos = 0
        for i, (_, _, a) in enumerate(blocks):
            offsets[i] = pos
            buf[pos : pos + a.size] = a.reshape(-1)
            pos += a.size
        return cls(
            [buf], stim_T, n_neurons,
            pair_stim=[b[0] for b in blocks], pair_nrn=[b[1] for b in blocks],
            pair_chunk=np.zeros(len(blocks), dtype=np.int32), pair_offset=offsets,
            pair_reps=[b[2].shape[0] for b in blocks],
        )

    @classmethod
    def combine(cls, parts, stim_maps, nrn_offsets, stim_T, n_neurons) -> "PackedResponses":
        """Concatenate stores without copying their data.

        ``stim_maps[k]`` maps part k's stim indices to the result's;
        ``nrn_offsets[k]`` is added to part k's neuron indices. Every chunk
        becomes shared (copied before any later in-place change, on any side).
        """
        chunks, cols = [], {k: [] for k in ("s", "n", "c", "o", "r")}
        for part, smap, noff in zip(parts, stim_maps, nrn_offsets):
            base = len(chunks)
            chunks.extend(part.chunks)
            part.shared = [True] * len(part.chunks)
            cols["s"].append(np.asarray(smap, dtype=np.int64)[part.pair_stim])
            cols["n"].append(part.pair_nrn.astype(np.int64) + noff)
            cols["c"].append(part.pair_chunk + base)
            cols["o"].append(part.pair_offset)
            cols["r"].append(part.pair_reps)
        cat = {k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64)) for k, v in cols.items()}
        return cls(chunks, stim_T, n_neurons, cat["s"], cat["n"], cat["c"], cat["o"], cat["r"],
                   shared=[True] * len(chunks))


class PackedStims(_ChunkStore):
    """Stimulus arrays of any per-stim shape in float32 chunks."""

    def __init__(self, chunks, chunk_of, offset_of, shapes, shared=None):
        self._set_chunks(chunks, shared)
        self.chunk_of = np.asarray(chunk_of, dtype=np.int32)
        self.offset_of = np.asarray(offset_of, dtype=np.int64)
        self.shapes = [tuple(int(d) for d in s) for s in shapes]

    def __len__(self) -> int:
        return len(self.shapes)


    def array(self, s: int) -> np.ndarray:
        shape = self.shapes[s]
        off = int(self.offset_of[s])
        return self.chunks[self.chunk_of[s]][off : off + int(np.prod(shape))].reshape(shape)

    def tensor(self, s: int) -> torch.Tensor:
        return torch.from_numpy(self.array(s))

    @property
    def nbytes(self) -> int:
        return int(sum(int(np.prod(s)) for s in self.shapes)) * 4


    @classmethod
    def from_arrays(cls, arrays) -> "PackedStims":
        total = int(sum(a.size for a in arrays))
        buf = np.empty(total, dtype=np.float32)
        offsets, pos = [], 0
        for a in arrays:
            offsets.append(pos)
            buf[pos : pos + a.size] = a.reshape(-1)
            pos += a.size
        return cls([buf], np.zeros(len(arrays), dtype=np.int32), offsets, [a.shape for a in arrays])

    @classmethod
    def combine(cls, parts, keep) -> "PackedStims":
        """Concatenate stores without copying; ``keep[k]`` lists part k's stims to keep."""
        chunks, chunk_of, offset_of, shapes = [], [], [], []
        for part, kept in zip(parts, keep):
            base = len(chunks)
            chunks.extend(part.chunks)
            part.shared = [True] * len(part.chunks)
            kept = np.asarray(kept, dtype=np.int64)
            chunk_of.append(part.chunk_of[kept] + base)
            offset_of.append(part.offset_of[kept])
            shapes.extend(part.shapes[i] for i in kept)
        return cls(chunks, np.concatenate(chunk_of), np.concatenate(offset_of), shapes,
                   shared=[True] * len(chunks))


# ------------------------------------------------------------ pickling
class _MappedChunk:
    """A chunk that is an unmodified map of a cache file, pickled as (file, offset, length)."""

    __slots__ = ("filename", "offset", "length")

    def __init__(self, filename: str, offset: int, length: int):
        self.filename, self.offset, self.length = filename, offset, length


def _chunks_out(chunks):
    """Chunks for pickling: a whole-file map (only ever read: transforms copy it first, see
    ``make_private``) travels as a reference, so DataLoader workers and DDP ranks started
    with ``spawn`` map the same pages instead of receiving a copy."""
    import mmap

    out = []
    for c in chunks:
        if isinstance(c, np.memmap) and isinstance(c.base, mmap.mmap) and c.filename and c.ndim == 1 \
                and c.dtype == np.float32:
            out.append(_MappedChunk(c.filename, int(c.offset), int(c.shape[0])))
        else:
            out.append(c)
    return out


def _chunks_in(chunks):
    return [np.memmap(c.filename, dtype=np.float32, mode="c", offset=c.offset, shape=(c.length,))
            if isinstance(c, _MappedChunk) else c for c in chunks]


# ---------------------------------------------------------------------- views
class ResponseRow(Sequence):
    """The responses of one stimulus across a list of neurons.

    Behaves like a list of tensors: ``row[k]`` is the ``(R, T)`` float32
    tensor of the k-th neuron (a view of the dataset's storage) or the
    ``(1, 1)`` NaN sentinel if that neuron never heard the stimulus.

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
    """``responses[s][n]`` over a :class:`PackedResponses` (all stims, all neurons)."""

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
    """``stims[s]`` over a :class:`PackedStims`: tensors sharing the store's memory."""

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
