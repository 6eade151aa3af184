"""Packed storage of stimuli and responses.

Responses of ``S`` stimuli x ``N`` neurons are kept as float32 *chunks* (one
chunk when the data were packed in one go, a few when a builder grew them)
plus a table of recorded ``(stim, neuron)`` pairs sorted by stim then neuron:
where each pair's ``(R, T)`` block starts (chunk, offset) and its repeat count
``R``. A pair that is not in the table was never heard; its repeat count in
:meth:`PackedResponses.repeat_table` is ``-1``. The table is sparse (CSR by
stimulus) because the largest releases have tens of millions of possible
pairs, almost all of them not heard.

Nothing here keeps one Python object per pair: the list-like views of
:mod:`deepSTRF.paradigm.views` are made on demand.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np
import torch

from ..errors import DatasetTypeError, DatasetValueError

_NAN = float("nan")


def sentinel() -> torch.Tensor:
    """The ``(1, 1)`` NaN tensor standing for "this neuron never heard this stimulus".

    Examples
    --------
    >>> from deepSTRF.paradigm import sentinel
    >>> sentinel()
    tensor([[nan]])
    """
    return torch.full((1, 1), _NAN, dtype=torch.float32)


#: the allocator of new chunks: ``allocate(prefix, size) -> 1-D float32 array``, or None for ``np.empty``
_ALLOCATOR: contextvars.ContextVar = contextvars.ContextVar("deepstrf_chunk_allocator", default=None)


@contextlib.contextmanager
def allocating_with(allocate):
    """Within the block, new :class:`ChunkedBuffer` chunks come from ``allocate(prefix, size)``.

    The processed-data cache uses this hook to build straight into the
    ``.npy`` files of a cache being written (``prefix`` is ``'stim'`` or
    ``'resp'``); ``None`` restores plain memory.

    Parameters
    ----------
    allocate : callable or None
        ``allocate(prefix, size) -> 1-D float32 array``; None for plain memory.

    Examples
    --------
    Build a dataset's chunks into arrays of our own (the cache maps ``.npy`` files this way):

    >>> from deepSTRF.datasets import DatasetBuilder
    >>> from deepSTRF.paradigm import allocating_with
    >>> given = []
    >>> def allocate(prefix, size):
    ...     given.append(prefix)
    ...     return np.empty(size, np.float32)
    >>> with allocating_with(allocate):
    ...     b = DatasetBuilder(dt_ms=10.0)
    ...     s = b.add_stim(np.zeros((1, 2, 5), np.float32))
    ...     n = b.add_neuron()
    ...     b.add_response(s, n, np.ones((1, 5), np.float32))
    ...     ds = b.build()
    >>> sorted(set(given))
    ['resp', 'stim']
    """
    token = _ALLOCATOR.set(allocate)
    try:
        yield
    finally:
        _ALLOCATOR.reset(token)


def as_float32(name: str, value) -> np.ndarray:
    """``value`` (numpy array, tensor, nested list) as a float32 numpy array."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise DatasetTypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr.astype(np.float32, copy=False)


def adopted_chunks(arrays: list, starts=None) -> list:
    """1-D float32 views of ``arrays`` to keep as chunks without copying, a copy where a view
    is impossible (not C-contiguous) or unsafe (memory another entry also covers, which an
    in-place transform would otherwise change twice). ``starts``: the arrays' data addresses,
    if known (else read from each array)."""
    flat = [a.reshape(-1) if a.flags.c_contiguous else np.ascontiguousarray(a).reshape(-1) for a in arrays]
    if len(flat) > 1:
        if starts is None:
            starts = [c.__array_interface__["data"][0] for c in flat]
        start = np.asarray(starts, dtype=np.int64)
        end = start + np.array([c.nbytes for c in flat], dtype=np.int64)
        order = np.argsort(start, kind="stable")
        overlap = np.flatnonzero(start[order][1:] < np.maximum.accumulate(end[order])[:-1]) + 1
        for k in order[overlap].tolist():
            flat[k] = flat[k].copy()
    return flat


class ChunkedBuffer:
    """A float32 store that grows by whole chunks, never by copying what it holds.

    Chunks are allocated with ``np.empty``, or with the allocator installed
    by :func:`allocating_with` when the buffer was made (e.g. a map of a
    file of the cache being built); pages not yet written are not resident,
    so the unused tail of the last chunk costs no memory.

    Parameters
    ----------
    prefix : str
        What the chunks hold (``'stim'``, ``'resp'``), passed to the allocator.
    first_chunk, max_chunk : int
        Values in the first chunk, and the most in any chunk (chunks double).
    """

    def __init__(self, prefix: str = "data", first_chunk: int = 1 << 18, max_chunk: int = 1 << 26):
        self.chunks: list[np.ndarray] = []
        self.used: list[int] = []
        self._next = first_chunk
        self._max = max_chunk
        hook = _ALLOCATOR.get()
        self._allocate = (lambda size: np.empty(size, dtype=np.float32)) if hook is None else \
            (lambda size: hook(prefix, size))

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
        if isinstance(self, PackedResponses):
            self.__dict__.setdefault("pending", {})
            self.__dict__.setdefault("version", 0)


class PackedResponses(_ChunkStore):
    """Responses ``(R, T_s)`` of recorded (stim, neuron) pairs in float32 chunks.

    Parameters
    ----------
    chunks : list of np.ndarray, each 1-D float32
        The float32 buffers holding every recorded ``(R, T)`` block.
    stim_T : array of int, shape (S,)
        Time bins of every stimulus.
    n_neurons : int
        Neurons ``N`` (a neuron may have no recorded pair).
    pair_stim, pair_nrn, pair_chunk, pair_offset, pair_reps : arrays, shape (P,)
        One entry per recorded pair, in any order (sorted here).
    shared : list of bool, optional
        Per chunk: True if another dataset holds the same memory (then the
        chunk is copied before any in-place transform).

    Examples
    --------
    A dataset's responses live in one of these; ``get(s, n)`` is a view.

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> store = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2).packed_responses
    >>> store.n_stims, store.n_neurons, store.n_pairs
    (6, 4, 18)
    >>> store.get(4, 0).shape
    torch.Size([20, 239])
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
            raise DatasetValueError(
                f"response for stim {int(ps[k])}, neuron {int(pn[k])} was given twice; "
                "each (stim, neuron) pair holds one (R, T) block with all its repeats"
            )
        self.stim_ptr = np.zeros(len(self.stim_T) + 1, dtype=np.int64)
        np.cumsum(np.bincount(ps, minlength=len(self.stim_T)), out=self.stim_ptr[1:])
        #: edits waiting for :meth:`flush`: ``(s, n) -> (R, T) array``, or None for "not heard"
        self.pending: dict = {}
        #: bumped by every change of the pair table (what derived masks are keyed on)
        self.version = 0

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

    # ------------------------------------------------------------------ edits
    # A write that keeps a pair's shape goes into its block; one that changes
    # the shape, or turns the pair into the sentinel or back, waits in
    # ``pending`` (reads see it at once) until :meth:`flush` rebuilds the pair
    # table: new blocks go to one new chunk, nothing already stored is copied.
    def lookup(self, s: int, n: int) -> torch.Tensor:
        """``responses[s][n]`` with pending edits applied."""
        if self.pending and (s, n) in self.pending:
            a = self.pending[(s, n)]
            return sentinel() if a is None else torch.from_numpy(a)
        return self.get(s, n)

    def heard_by(self, s: int) -> list[int]:
        """The neurons that heard stimulus ``s``, pending edits included."""
        lo, hi = int(self.stim_ptr[s]), int(self.stim_ptr[s + 1])
        out = set(self.pair_nrn[lo:hi].tolist())
        for (ps, pn), a in self.pending.items():
            if ps == s:
                (out.add if a is not None else out.discard)(pn)
        return sorted(out)

    def write(self, s: int, n: int, a: np.ndarray | None) -> None:
        """Set pair ``(s, n)`` to ``a`` (``(R, T_s)`` float32, already checked) or, with None, to "not heard"."""
        if (s, n) in self.pending:
            old = self.pending[(s, n)]
            if a is not None and old is not None and old.shape == a.shape:
                old[...] = a
            elif a is None and self.pair_index(s, n) < 0:
                del self.pending[(s, n)]
            else:
                self.pending[(s, n)] = None if a is None else np.array(a, dtype=np.float32)
            return
        p = self.pair_index(s, n)
        if a is None:
            if p >= 0:
                self.pending[(s, n)] = None
        elif p >= 0 and (int(self.pair_reps[p]), int(self.stim_T[s])) == a.shape:
            self.make_private()
            self.block(p)[...] = a
        else:
            self.pending[(s, n)] = np.array(a, dtype=np.float32)

    def flush(self) -> None:
        """Apply the pending edits to the pair table (in place: views of this store stay valid)."""
        if not self.pending:
            return
        keys = np.array(list(self.pending), dtype=np.int64).reshape(-1, 2)
        edited = keys[:, 0] * self.n_neurons + keys[:, 1]
        keep = ~np.isin(self.pair_stim.astype(np.int64) * self.n_neurons + self.pair_nrn, edited)
        new = [((s, n), a) for (s, n), a in self.pending.items() if a is not None]
        sizes = np.array([a.size for _, a in new], dtype=np.int64)
        buf = np.empty(int(sizes.sum()), dtype=np.float32)
        offsets = np.cumsum(sizes) - sizes  # where each new block starts in the new chunk
        for (_, a), o in zip(new, offsets):
            buf[o : o + a.size] = a.reshape(-1)
        chunks, shared = self.chunks + [buf], self.shared + [False]
        version = self.version
        self.__init__(
            chunks, self.stim_T, self.n_neurons,
            np.concatenate((self.pair_stim[keep], np.array([k[0] for k, _ in new], dtype=np.int64))),
            np.concatenate((self.pair_nrn[keep], np.array([k[1] for k, _ in new], dtype=np.int64))),
            np.concatenate((self.pair_chunk[keep], np.full(len(new), len(chunks) - 1, dtype=np.int32))),
            np.concatenate((self.pair_offset[keep], offsets)),
            np.concatenate((self.pair_reps[keep], np.array([a.shape[0] for _, a in new], dtype=np.int32))),
            shared=shared,
        )
        self.version = version + 1

    def set_stim_T(self, s: int, T: int) -> None:
        """Give stimulus ``s`` a new length; only for a stimulus no neuron heard (the caller checks)."""
        self.stim_T = np.array(self.stim_T)
        self.stim_T[s] = T
        self.version += 1

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


    def compacted(self) -> "PackedResponses":
        """The same pairs in one exactly sized chunk, in pair order (a copy)."""
        self.flush()
        sizes = self.block_sizes()
        offsets = np.zeros(len(sizes), dtype=np.int64)
        np.cumsum(sizes[:-1], out=offsets[1:])
        buf = np.empty(int(sizes.sum()), dtype=np.float32)
        for p in range(self.n_pairs):
            buf[offsets[p] : offsets[p] + sizes[p]] = self.block(p).reshape(-1)
        return PackedResponses([buf], self.stim_T, self.n_neurons, self.pair_stim, self.pair_nrn,
                               np.zeros(self.n_pairs, dtype=np.int32), offsets, self.pair_reps)

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
    """Stimulus arrays of any per-stim shape in float32 chunks.

    Parameters
    ----------
    chunks : list of np.ndarray, each 1-D float32
        The buffers holding the stimuli.
    chunk_of, offset_of : array of int, shape (S,)
        Where each stimulus starts: its chunk and offset.
    shapes : list of tuple of int
        Each stimulus's shape.
    shared : list of bool, optional
        Per chunk: True if another dataset holds the same memory.

    Examples
    --------
    >>> from deepSTRF.paradigm import PackedStims
    >>> packed = PackedStims.from_arrays([np.zeros((1, 4, 10), np.float32), np.ones((1, 4, 5), np.float32)])
    >>> packed.tensor(1).shape, float(packed.tensor(1).sum())
    (torch.Size([1, 4, 5]), 20.0)
    """

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

    def replace(self, s: int, a: np.ndarray) -> None:
        """Set stimulus ``s`` to ``a`` (float32, already checked): in place if the shape is
        unchanged, else in a new chunk of its own (nothing else moves)."""
        if tuple(a.shape) == self.shapes[s]:
            self.make_private()
            self.array(s)[...] = a
            return
        self.chunks.append(np.array(a, dtype=np.float32).reshape(-1))
        self.shared.append(False)
        self.chunk_of = np.array(self.chunk_of)
        self.offset_of = np.array(self.offset_of)
        self.chunk_of[s], self.offset_of[s] = len(self.chunks) - 1, 0
        self.shapes[s] = tuple(int(d) for d in a.shape)

    @property
    def nbytes(self) -> int:
        return int(sum(int(np.prod(s)) for s in self.shapes)) * 4


    @classmethod
    def adopting(cls, arrays) -> "PackedStims":
        """Stimuli kept where they are: one chunk per array (see :func:`adopted_chunks`), no copy."""
        return cls(adopted_chunks(arrays), np.arange(len(arrays)), np.zeros(len(arrays), dtype=np.int64),
                   [a.shape for a in arrays])

    def compacted(self) -> "PackedStims":
        """The same stimuli in one chunk (a copy)."""
        return PackedStims.from_arrays([self.array(s) for s in range(len(self))])

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
