"""The base class of every deepSTRF dataset: the data paradigm.

- ``stims[s]``: stimulus ``s`` as a float32 tensor whose last axis is time
  (audio datasets: ``(1, F, T_s)`` or a ``(1, T_s * hop)`` waveform). Never NaN.
- ``responses[s][n]``: ``(R_sn, T_s)`` float32 tensor (repeats x bins of
  ``dt_ms``), or the ``(1, 1)`` NaN sentinel when neuron ``n`` never heard
  stimulus ``s``. Rows a recording marks invalid are NaN; repeats that do
  not exist for a pair are simply absent (``R`` differs between pairs).
- ``stim_meta[s]``, ``nrn_meta[n]``: plain dicts.
- ``nrn_masks``: ``(S, N)`` bool, derived from the sentinels.

Two ways in, one storage. A subclass either assigns plain lists
(``self.stims = [...]``, ``self.responses = [[...]]``, the metas,
``self.N_neurons``) and calls ``self.validate()``, which packs them; or fills
a :class:`~deepSTRF.paradigm.DatasetBuilder` and calls
``builder.fill(self)`` then ``self.validate()``. Either way the responses
end up in one packed float32 store, and ``responses[s][n]`` hands out views.

After the build the data stay editable, as deepSTRF 0.1.0's lists were:
``ds.responses[s][n] = x`` and ``ds.stims[s] = x`` write in place when the
shape is kept and are accepted with a new shape too (the pair table and the
masks follow); ``ds.responses[s] = row`` replaces a row; assigning whole new
lists (``ds.stims = [...]``, ``ds.responses = [[...]]``) repacks them on next
use, checked as by :meth:`~NeuralDataset.validate`. A write that breaks an
invariant (a response whose ``T`` is not its stimulus's, NaN in a stimulus)
fails at once, naming the entry.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import DatasetIndexError, DatasetTypeError, DatasetValueError
from .._checks import check_positive
from .concat import ConcatMixin
from .quality import QualityMixin
from .selection import SelectionMixin
from .storage import PackedResponses, PackedStims, adopted_chunks, as_float32
from .transforms import TransformsMixin
from .views import Item, ResponseList, ResponseRow, ResponseTable, StimTable, _response_value


class NeuralDataset(SelectionMixin, TransformsMixin, QualityMixin, ConcatMixin, torch.utils.data.Dataset):
    """Stimuli and the responses of a population of neurons to them.

    Parameters
    ----------
    path : str or None
        Folder holding the dataset's files (``None`` for generated data).
    dt_ms : float
        Bin width of the responses, in ms.

    Attributes
    ----------
    stims : sequence of torch.Tensor
        ``S`` stimuli, time on the last axis.
    responses : sequence of sequence of torch.Tensor
        ``responses[s][n]``: ``(R, T_s)`` or the ``(1, 1)`` NaN sentinel.
    stim_meta, nrn_meta : list of dict
    N_neurons : int
    dt_ms : float

    Notes
    -----
    ``len(ds)`` and ``ds[i]`` follow the current selection (see the
    ``select_*`` methods); ``stims``, ``responses`` and the metas always
    show every stimulus and neuron.

    Examples
    --------
    Every dataset is one (here the built-in simulated data, kept small):

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> ds.get_S(), ds.get_N(), ds.dt
    (6, 4, 10.0)
    >>> ds.stims[4].shape, ds.responses[4][0].shape   # (1, F, T) and (R, T)
    (torch.Size([1, 32, 239]), torch.Size([20, 239]))
    >>> ds.responses[0][1]                            # neuron 1 never heard stimulus 0
    tensor([[nan]])
    >>> ds.nrn_masks[0].tolist()
    [True, False, False, False]
    """

    def __init__(self, path=None, dt_ms: float = 1.0):
        self.path = None if path is None else str(path)
        self.dt_ms = float(check_positive("dt_ms", dt_ms))
        self.name = type(self).__name__
        self.stim_meta: list[dict] = []
        self.nrn_meta: list[dict] = []
        self.N_neurons = 0
        self._raw_stims = None
        self._raw_responses = None
        self._stim_store: PackedStims | None = None
        self._resp_store: PackedResponses | None = None
        self._masks = None
        self._validated = False
        self._seen_version = None
        self._reset_selection_state()

    # ------------------------------------------------------------ the data
    @property
    def dt(self) -> float:
        """Bin width in ms (same as ``dt_ms``)."""
        return self.dt_ms

    @property
    def stims(self):
        """``S`` stimuli (a list-like view of the packed store; see the module notes on editing)."""
        if self._raw_stims is not None or self._stim_store is None:
            return self._raw_stims if self._raw_stims is not None else []
        return StimTable(self)

    @stims.setter
    def stims(self, value):
        self._raw_stims = value
        self._stim_store = None
        self._masks = None

    @property
    def responses(self):
        """``responses[s][n]``: ``(R, T_s)`` tensors or the ``(1, 1)`` NaN sentinel (editable view)."""
        if self._raw_responses is not None or self._resp_store is None:
            return self._raw_responses if self._raw_responses is not None else []
        return ResponseTable(self)

    @responses.setter
    def responses(self, value):
        self._raw_responses = value
        self._resp_store = None
        self._masks = None

    def _write_response(self, s: int, n: int, value) -> None:
        self._store()
        self._resp_store.write(s, n, _response_value(self, s, n, value))

    def _write_stim(self, s: int, value) -> None:
        store = self._store()
        a = as_float32(f"stims[{s}]", value)
        if np.isnan(a).any():
            raise DatasetValueError(f"stims[{s_name(self, s)}]: stimuli never contain NaN")
        T = self._stim_bins(s, a.shape)
        old = self._stim_store.shapes[s]
        if a.shape[:-1] != old[:-1] and len({sh[:-1] for sh in self._stim_store.shapes}) == 1 and len(old) > 1:
            raise DatasetValueError(f"stims[{s_name(self, s)}] has shape {tuple(a.shape)}, but every stimulus "
                                    f"of this dataset is (..., T) with leading axes {old[:-1]}")
        if T != int(store.stim_T[s]):
            heard = store.heard_by(s)
            if heard:
                raise DatasetValueError(
                    f"stims[{s_name(self, s)}] would have {T} time bins but responses[{s}][{heard[0]}] has "
                    f"{int(store.stim_T[s])}: to change the length of a stimulus, assign the lists whole "
                    "(ds.stims = [...]; ds.responses = [[...]]), checked together on next use"
                )
            store.set_stim_T(s, T)
        self._stim_store.replace(s, a)

    def compact(self) -> None:
        """Copy the data into one chunk each for responses and stimuli.

        A dataset built from lists keeps the lists' tensors as its storage (one
        chunk per tensor): nothing is copied, and in-place transforms change
        those tensors, as in 0.1.0. ``compact()`` makes one packed copy
        instead, so transforms and batches work on long runs of memory and the
        dataset no longer shares memory with the lists.
        """
        store = self._store()
        self._resp_store = store.compacted()
        self._stim_store = self._stim_store.compacted()
        self._seen_version = None

    def _invalidate_nrn_masks(self) -> None:
        """Drop the derived masks and selection caches (deepSTRF 0.1.0's hook after editing
        responses). Edits through ``ds.responses`` already keep them current; kept so
        code written for 0.1.0 runs."""
        self._masks = None
        self._cache = {}

    def _install(self, stims: PackedStims, responses: PackedResponses, stim_meta, nrn_meta):
        """Take packed stores (from a builder, a concatenation or a cache)."""
        self._raw_stims = self._raw_responses = None
        self._stim_store, self._resp_store = stims, responses
        self.stim_meta, self.nrn_meta = stim_meta, nrn_meta
        self.N_neurons = responses.n_neurons
        self._masks = None
        self._validated = True
        self._seen_version = None

    @property
    def nrn_masks(self) -> torch.Tensor:
        """``(S, N)`` bool: True where neuron n heard stimulus s (derived, never stored by hand)."""
        store = self._store()
        if self._masks is None:
            self._masks = torch.from_numpy(store.masks())
        return self._masks

    def _store(self) -> PackedResponses:
        """The response store, current: lists assigned since the build are packed and
        checked, pending edits applied, derived masks dropped if the pairs changed."""
        if self._raw_responses is not None or self._raw_stims is not None or self._resp_store is None:
            if not getattr(self, "_validated", False):
                raise RuntimeError(
                    f"{self.name}: the data are not packed yet; a dataset's __init__ must end with "
                    "self.validate()"
                )
            self._revalidate()
        store = self._resp_store
        if store.pending:
            store.flush()
        if store.version != self._seen_version:
            self._masks = None
            self._cache = {}
            self._seen_version = store.version
        return store

    def _revalidate(self) -> None:
        """Pack and check lists assigned after the build, keeping the selection if the sizes hold."""
        sel, shape = (self._sel_nrns, self._sel_stims), (self.N_neurons, len(self.stim_meta))
        self.validate()
        if (self.N_neurons, len(self.stim_meta)) == shape:
            self._sel_nrns, self._sel_stims = sel
        elif len(sel[0]) != shape[0] or len(sel[1]) != shape[1]:
            import warnings

            warnings.warn(f"{self.name}: the assigned lists changed the number of stimuli or neurons; "
                          "the selection was reset to everything", stacklevel=3)

    @property
    def packed_responses(self) -> PackedResponses:
        """The packed response store: float32 chunks and the table of recorded
        ``(stim, neuron)`` pairs (``pair_stim``, ``pair_nrn``, ``pair_reps``, ...;
        see :class:`~deepSTRF.paradigm.storage.PackedResponses`). For code that
        works on all pairs at once (models, quality, the cache); ``responses[s][n]``
        is the list-like view of the same data.

        Raises
        ------
        RuntimeError
            Before the dataset is validated (its lists not packed yet).
        """
        return self._store()

    @property
    def packed_stims(self) -> PackedStims:
        """The packed stimulus store (:class:`~deepSTRF.paradigm.storage.PackedStims`);
        ``packed_stims.array(s)`` is stimulus ``s`` as a writable float32 array."""
        self._store()
        return self._stim_store

    #: attributes that belong to the paradigm's machinery, not to the dataset's description
    _MACHINERY = frozenset({"_raw_stims", "_raw_responses", "_stim_store", "_resp_store", "_masks", "_sel_nrns",
                            "_sel_stims", "_cache", "stim_meta", "nrn_meta", "N_neurons", "_validated",
                            "_seen_version", "response_normalization", "stim_normalization"})

    def dataset_attributes(self) -> dict:
        """The dataset's own attributes (``path``, ``dt_ms``, ``F``, what a loader set), without the
        stores, the selection state and the metadata lists: what describes it besides its data."""
        return {k: v for k, v in self.__dict__.items() if k not in self._MACHINERY}

    @classmethod
    def from_packed(cls, stims: PackedStims, responses: PackedResponses, stim_meta: list, nrn_meta: list,
                    attributes: dict | None = None):
        """A dataset of class ``cls`` made from packed stores (a cache, a concatenation), without running
        ``cls.__init__``: ``attributes`` (see :meth:`dataset_attributes`) are set first, then the data."""
        ds = cls.__new__(cls)
        ds.__dict__.update(attributes or {})
        ds._install(stims, responses, stim_meta, nrn_meta)
        ds._reset_selection_state()
        return ds

    @property
    def payload_nbytes(self) -> int:
        """Bytes of float32 values held (responses + stimuli)."""
        return self._store().nbytes + self._stim_store.nbytes

    # ------------------------------------------------------------- validation
    def _stim_bins(self, s: int, shape: tuple) -> int:
        """Neural time bins of a stimulus of this shape (checks the shape)."""
        if len(shape) < 1 or shape[-1] < 1:
            raise DatasetValueError(f"stim {s} must have time on its last axis; got shape {shape}")
        return shape[-1]

    def validate(self) -> None:
        """Check every invariant of the paradigm, packing assigned lists first.

        Raises
        ------
        ValueError or TypeError
            Naming the stimulus / neuron and the rule it breaks.
        """
        if not isinstance(self.N_neurons, (int, np.integer)) or isinstance(self.N_neurons, bool) \
                or self.N_neurons < 0:
            raise DatasetTypeError(f"N_neurons must be a non-negative int; got {self.N_neurons!r}")
        self.N_neurons = int(self.N_neurons)
        for attr in ("stim_meta", "nrn_meta"):
            metas = getattr(self, attr)
            if not isinstance(metas, list):
                raise DatasetTypeError(f"{attr} must be a list of dicts; got {type(metas).__name__}")
            for i, m in enumerate(metas):
                if not isinstance(m, dict):
                    raise DatasetTypeError(f"{attr}[{i}] must be a dict; got {type(m).__name__}")
        self._check_attributes()
        if self._raw_stims is not None:
            self._pack_stims()
        if self._raw_responses is not None:
            self._pack_responses()
        if self._stim_store is None or self._resp_store is None:
            raise DatasetValueError(f"{self.name}: stims and responses must be set before validate()")
        stims, store = self._stim_store, self._resp_store
        S = len(stims)
        if store.n_stims != S:
            raise DatasetValueError(f"responses has {store.n_stims} rows but there are {S} stims")
        if len(self.stim_meta) != S:
            raise DatasetValueError(f"stim_meta has {len(self.stim_meta)} entries but there are {S} stims")
        if store.n_neurons != self.N_neurons:
            raise DatasetValueError(f"responses cover {store.n_neurons} neurons but N_neurons = {self.N_neurons}")
        if len(self.nrn_meta) != self.N_neurons:
            raise DatasetValueError(f"nrn_meta has {len(self.nrn_meta)} entries but N_neurons = {self.N_neurons}")
        for s, shape in enumerate(stims.shapes):
            T = self._stim_bins(s, shape)
            if T != store.stim_T[s]:
                raise DatasetValueError(f"stim {s} has {T} time bins but its responses have {store.stim_T[s]}")
        for c, chunk in enumerate(stims.chunks):
            if np.isnan(chunk).any():
                bad = next(s for s in range(S) if stims.chunk_of[s] == c and np.isnan(stims.array(s)).any())
                raise DatasetValueError(f"stim {s_name(self, bad)} contains NaN; stimuli never do")
        self._masks = None
        self._validated = True
        self._seen_version = None
        self._reset_selection_state()

    def _check_attributes(self) -> None:
        """Subclass hook for dataset-level attributes (F, audio_fs, ...)."""

    def _pack_stims(self) -> None:
        raw = self._raw_stims
        if not isinstance(raw, (list, tuple)):
            raise DatasetTypeError(f"stims must be a list of tensors; got {type(raw).__name__}")
        arrays = []
        for s, x in enumerate(raw):
            a = as_float32(f"stim {s}", x)
            self._stim_bins(s, a.shape)
            arrays.append(a)
        self._stim_store = PackedStims.adopting(arrays)  # no copy: the tensors become the storage
        self._raw_stims = None

    def _pack_responses(self) -> None:
        """Pack the assigned ``responses`` lists into one exactly sized float32 buffer.

        Each row is classified in a few C-level passes (types, element
        counts, one ``torch.cat`` of its ``(1, 1)`` entries to check they are
        NaN); a row that pass cannot vouch for (other types, ``T = 1``, a
        wrong shape) is read entry by entry, which names the bad entry. The
        blocks are then adopted as the store's chunks, not copied (a float32
        contiguous tensor is kept as it is; see :meth:`compact` for one packed
        copy): the dataset's memory is the lists' memory, as in 0.1.0.
        """
        raw = self._raw_responses
        stim_T = [self._stim_bins(s, shape) for s, shape in enumerate(self._stim_store.shapes)]
        if not isinstance(raw, (list, tuple)) or len(raw) != len(stim_T):
            got = len(raw) if isinstance(raw, (list, tuple)) else type(raw).__name__
            raise DatasetValueError(f"responses must be a list of {len(stim_T)} rows (one per stim); got {got}")
        N = self.N_neurons
        per_stim: list[list] = []  # per stimulus: [(n, tensor (R, T)), ...], by neuron
        with torch.no_grad():
            for s, row in enumerate(raw):
                if not hasattr(row, "__len__") or len(row) != N:
                    got = len(row) if hasattr(row, "__len__") else type(row).__name__
                    raise DatasetValueError(f"responses[{s}] has {got} entries but N_neurons = {N}")
                blocks = _row_blocks_fast(row, stim_T[s])
                per_stim.append(blocks if blocks is not None else _row_blocks_checked(s, row, stim_T[s]))
        # the tensors themselves become the storage (no copy, no new memory), as 0.1.0's lists were
        blocks = [(s, n, x) for s, row in enumerate(per_stim) for n, x in row]
        arrays = [_float32_view(x) for _, _, x in blocks]
        chunks = adopted_chunks(arrays, [x.data_ptr() if a.dtype == np.float32 and a.base is not None else
                                         a.__array_interface__["data"][0] for (_, _, x), a in zip(blocks, arrays)])
        self._resp_store = PackedResponses(
            chunks, stim_T, N, pair_stim=[b[0] for b in blocks], pair_nrn=[b[1] for b in blocks],
            pair_chunk=np.arange(len(blocks)), pair_offset=np.zeros(len(blocks), dtype=np.int64),
            pair_reps=[int(b[2].shape[0]) for b in blocks],
        )
        self._raw_responses = None

    # ------------------------------------------------------------- iteration
    def __len__(self) -> int:
        return len(self._visible_stims())

    def __getitem__(self, i):
        """Item ``i`` of the selection; a slice or a list of positions gives one dict of lists.

        Returns
        -------
        dict
            ``stims``: the stimulus tensor (``(1, F, T)`` or ``(1, T * hop)``);
            ``responses``: a ``list`` (:class:`~deepSTRF.paradigm.views.ResponseList`)
            with one ``(R, T)`` float32 tensor per active neuron
            (:attr:`active_neurons`), the ``(1, 1)`` NaN sentinel where that
            neuron did not hear this stimulus; ``pair_mask``:
            ``(len(active_neurons),)`` bool, False at the sentinels;
            ``stim_meta``: dict. For ``ds[a:b]`` or ``ds[[i, j]]``: the same
            keys, each holding the list of the items' values (as in 0.1.0).
        """
        visible = self._visible_stims()
        if isinstance(i, slice):
            return self._batch(visible[i].tolist())
        if isinstance(i, (list, tuple, np.ndarray, torch.Tensor)) and not (
                isinstance(i, (np.ndarray, torch.Tensor)) and i.ndim == 0):
            return self._batch([int(visible[self._position(k, len(visible))]) for k in list(i)])
        return self._item(int(visible[self._position(i, len(visible))]))

    @staticmethod
    def _position(i, size: int) -> int:
        if isinstance(i, bool) or not hasattr(i, "__index__"):
            raise DatasetTypeError(f"index must be an int, a slice or a list of ints; got {type(i).__name__}")
        k = int(i.__index__())
        if not -size <= k < size:
            raise DatasetIndexError(f"index {k} is out of range for {size} stimuli in the selection")
        return k

    def __getitems__(self, indices) -> list:
        """The items at these positions, as a list (what a DataLoader hands its ``collate_fn``)."""
        visible = self._visible_stims()
        return [self._item(int(visible[self._position(k, len(visible))])) for k in indices]

    def _batch(self, stims: list) -> dict:
        items = [self._item(s) for s in stims]
        keys = ("responses", "stims", "pair_mask", "stim_meta")
        return Item({k: [it[k] for it in items] for k in keys})

    def _item(self, s: int) -> dict:
        row = ResponseRow.for_neurons(self._store(), s, self._active(), self._nrn_position())
        return Item(  # responses first: torch's default collate meets them (and our hint) before the stims
            responses=ResponseList.of_row(row),
            stims=self._stim_store.tensor(s),
            pair_mask=row.valid_mask,
            stim_meta=self.stim_meta[s],
        )

    # ------------------------------------------------------------- counts
    def get_N(self) -> int:
        """The full population, ``N_neurons`` (as in 0.1.0; the neurons items show are
        :attr:`active_neurons`)."""
        return self.N_neurons

    def get_S(self) -> int:
        """All stimuli, ``len(stim_meta)`` (as in 0.1.0; ``len(ds)`` counts those iterated)."""
        return len(self.stim_meta)

    def get_nrn_meta(self) -> list[dict]:
        """``nrn_meta`` of the active neurons (:attr:`active_neurons`), in selection order:
        entry ``k`` describes ``ds[i]['responses'][k]``."""
        return [self.nrn_meta[n] for n in self._active()]

    @property
    def return_waveform(self) -> bool:
        """True when ``stims`` are waveforms (read-only: the loader's mode)."""
        return False

    # ------------------------------------------------------------- dunder
    def _mode(self) -> str:
        return "generic"

    def _describe(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        if self._resp_store is None or self._raw_responses is not None:
            return f"{self.name}(not validated)"
        S, N = len(self._stim_store), self.N_neurons
        parts = [f"S={S}", f"N={N}"] + self._describe() + [f"dt={self.dt_ms:g} ms", f"mode={self._mode()}"]
        sel = f"selection: {len(self)}/{S} stims, {len(self._active())}/{N} neurons"
        return f"{self.name}({', '.join(parts)}; {sel})"

    def __getstate__(self):
        if getattr(self, "_validated", False):
            self._store()  # pending edits and assigned lists are packed before pickling
        state = self.__dict__.copy()
        state["_masks"] = None
        state["_cache"] = {}
        return state


_REAL = {torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
         torch.int8, torch.uint8, torch.bool}


def _float32_view(x: torch.Tensor) -> np.ndarray:
    """A CPU tensor as a float32 array: a view when it already is float32, else a copy."""
    try:
        a = x.numpy()
    except RuntimeError:  # requires grad
        a = x.detach().numpy()
    return a if a.dtype == np.float32 else a.astype(np.float32)


def _row_blocks_fast(row, T: int):
    """``[(n, (R, T) tensor), ...]`` of a row of real CPU tensors whose every other entry is the
    ``(1, 1)`` NaN sentinel, found without a Python step per entry; None if the row needs
    the entry-by-entry check (other types, ``T = 1``, a wrong shape or value)."""
    if T == 1 or not row:
        return None
    try:  # the unbound method refuses anything but a tensor
        numel = np.fromiter(map(torch.Tensor.numel, row), dtype=np.int64, count=len(row))
    except TypeError:
        return None
    ones = np.flatnonzero(numel == 1).tolist()
    if ones:
        try:
            values = torch.cat([row[i] for i in ones])
        except (RuntimeError, TypeError):  # mixed ranks or devices: let the careful path name it
            return None
        if tuple(values.shape) != (len(ones), 1) or not bool(torch.isnan(values).all()):
            return None
    heard = np.flatnonzero(numel != 1).tolist()
    blocks = [(n, row[n]) for n in heard]
    for _, x in blocks:
        if x.dim() != 2 or x.shape[1] != T or x.dtype not in _REAL or x.device.type != "cpu":
            return None
    return blocks


def _row_blocks_checked(s: int, row, T: int) -> list:
    """The same as :func:`_row_blocks_fast`, entry by entry, raising on the first bad entry."""
    blocks = []
    for n, x in enumerate(row):
        if not isinstance(x, torch.Tensor):
            x = torch.from_numpy(as_float32(f"responses[{s}][{n}]", x))
        elif x.dtype not in _REAL:
            raise DatasetTypeError(f"responses[{s}][{n}] must hold real numbers; got {x.dtype}")
        x = x.detach().cpu()
        shape = tuple(x.shape)
        if shape == (1, 1) and bool(torch.isnan(x).all()):
            continue  # the not-heard sentinel
        if len(shape) != 2 or shape[0] < 1 or shape[1] != T:
            raise DatasetValueError(
                f"responses[{s}][{n}] must be (R, {T}) (repeats, bins of stim {s}) or the (1, 1) NaN "
                f"sentinel; got shape {shape}" + (" (a (1, 1) entry that is not NaN)" if shape == (1, 1) else "")
            )
        blocks.append((n, x))
    return blocks


def s_name(ds, s: int) -> str:
    name = ds.stim_meta[s].get("name") if s < len(ds.stim_meta) else None
    return f"{s} ({name})" if name is not None else str(s)
