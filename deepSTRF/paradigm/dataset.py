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
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_positive
from .concat import ConcatMixin
from .quality import QualityMixin
from .selection import SelectionMixin
from .storage import PackedResponses, PackedStims, as_float32
from .transforms import TransformsMixin
from .views import ResponseRow, ResponseTable, StimTable


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
        self._reset_selection_state()

    # ------------------------------------------------------------ the data
    @property
    def dt(self) -> float:
        """Bin width in ms (same as ``dt_ms``)."""
        return self.dt_ms

    @property
    def stims(self):
        if self._raw_stims is not None or self._stim_store is None:
            return self._raw_stims if self._raw_stims is not None else []
        return StimTable(self._stim_store)

    @stims.setter
    def stims(self, value):
        self._raw_stims = value
        self._stim_store = None
        self._masks = None

    @property
    def responses(self):
        if self._raw_responses is not None or self._resp_store is None:
            return self._raw_responses if self._raw_responses is not None else []
        return ResponseTable(self._resp_store)

    @responses.setter
    def responses(self, value):
        self._raw_responses = value
        self._resp_store = None
        self._masks = None

    def _install(self, stims: PackedStims, responses: PackedResponses, stim_meta, nrn_meta):
        """Take packed stores (from a builder, a concatenation or a cache)."""
        self._raw_stims = self._raw_responses = None
        self._stim_store, self._resp_store = stims, responses
        self.stim_meta, self.nrn_meta = stim_meta, nrn_meta
        self.N_neurons = responses.n_neurons
        self._masks = None

    @property
    def nrn_masks(self) -> torch.Tensor:
        """``(S, N)`` bool: True where neuron n heard stimulus s (derived, never stored by hand)."""
        if self._masks is None:
            self._masks = torch.from_numpy(self._store().masks())
        return self._masks

    def _store(self) -> PackedResponses:
        if self._resp_store is None or self._raw_responses is not None:
            raise RuntimeError(
                f"{self.name}: the data are not packed yet; a dataset's __init__ must end with "
                "self.validate()"
            )
        return self._resp_store

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
                            "_sel_stims", "_cache", "stim_meta", "nrn_meta", "N_neurons"})

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
            raise ValueError(f"stim {s} must have time on its last axis; got shape {shape}")
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
            raise TypeError(f"N_neurons must be a non-negative int; got {self.N_neurons!r}")
        self.N_neurons = int(self.N_neurons)
        for attr in ("stim_meta", "nrn_meta"):
            metas = getattr(self, attr)
            if not isinstance(metas, list):
                raise TypeError(f"{attr} must be a list of dicts; got {type(metas).__name__}")
            for i, m in enumerate(metas):
                if not isinstance(m, dict):
                    raise TypeError(f"{attr}[{i}] must be a dict; got {type(m).__name__}")
        self._check_attributes()
        if self._raw_stims is not None:
            self._pack_stims()
        if self._raw_responses is not None:
            self._pack_responses()
        if self._stim_store is None or self._resp_store is None:
            raise ValueError(f"{self.name}: stims and responses must be set before validate()")
        stims, store = self._stim_store, self._resp_store
        S = len(stims)
        if store.n_stims != S:
            raise ValueError(f"responses has {store.n_stims} rows but there are {S} stims")
        if len(self.stim_meta) != S:
            raise ValueError(f"stim_meta has {len(self.stim_meta)} entries but there are {S} stims")
        if store.n_neurons != self.N_neurons:
            raise ValueError(f"responses cover {store.n_neurons} neurons but N_neurons = {self.N_neurons}")
        if len(self.nrn_meta) != self.N_neurons:
            raise ValueError(f"nrn_meta has {len(self.nrn_meta)} entries but N_neurons = {self.N_neurons}")
        for s, shape in enumerate(stims.shapes):
            T = self._stim_bins(s, shape)
            if T != store.stim_T[s]:
                raise ValueError(f"stim {s} has {T} time bins but its responses have {store.stim_T[s]}")
        for c, chunk in enumerate(stims.chunks):
            if np.isnan(chunk).any():
                bad = next(s for s in range(S) if stims.chunk_of[s] == c and np.isnan(stims.array(s)).any())
                raise ValueError(f"stim {s_name(self, bad)} contains NaN; stimuli never do")
        self._masks = None
        self._reset_selection_state()

    def _check_attributes(self) -> None:
        """Subclass hook for dataset-level attributes (F, audio_fs, ...)."""

    def _pack_stims(self) -> None:
        raw = self._raw_stims
        if not isinstance(raw, (list, tuple)):
            raise TypeError(f"stims must be a list of tensors; got {type(raw).__name__}")
        arrays = []
        for s, x in enumerate(raw):
            a = as_float32(f"stim {s}", x)
            self._stim_bins(s, a.shape)
            arrays.append(a)
        self._stim_store = PackedStims.from_arrays(arrays)
        self._raw_stims = None

    def _pack_responses(self) -> None:
        raw = self._raw_responses
        stim_T = [self._stim_bins(s, shape) for s, shape in enumerate(self._stim_store.shapes)]
        if not isinstance(raw, (list, tuple)) or len(raw) != len(stim_T):
            got = len(raw) if isinstance(raw, (list, tuple)) else type(raw).__name__
            raise ValueError(f"responses must be a list of {len(stim_T)} rows (one per stim); got {got}")
        blocks = []
        for s, row in enumerate(raw):
            if len(row) != self.N_neurons:
                raise ValueError(f"responses[{s}] has {len(row)} entries but N_neurons = {self.N_neurons}")
            T = stim_T[s]
            for n, x in enumerate(row):
                a = as_float32(f"responses[{s}][{n}]", x)
                if a.shape == (1, 1) and np.isnan(a[0, 0]):
                    continue  # the not-heard sentinel
                if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] != T:
                    raise ValueError(
                        f"responses[{s}][{n}] must be (R, {T}) (repeats, bins of stim {s}) or the "
                        f"(1, 1) NaN sentinel; got shape {a.shape}"
                    )
                blocks.append((s, n, a))
        self._resp_store = PackedResponses.from_blocks(blocks, stim_T, self.N_neurons)
        self._raw_responses = None

    # ------------------------------------------------------------- iteration
    def __len__(self) -> int:
        return len(self._visible_stims())

    def __getitem__(self, i):
        """Item ``i`` of the selection: a dict, or a list of dicts for a slice / list.

        Returns
        -------
        dict
            ``stims``: the stimulus tensor; ``responses``: a sequence of the
            selected neurons' ``(R, T)`` tensors (sentinel where not heard);
            ``valid_mask``: ``(N_selected,)`` bool; ``stim_meta``: dict.
        """
        visible = self._visible_stims()
        if isinstance(i, slice):
            return [self._item(int(s)) for s in visible[i]]
        if isinstance(i, (list, tuple, np.ndarray, torch.Tensor)):
            return [self[int(k)] for k in i]
        if isinstance(i, bool) or not hasattr(i, "__index__"):
            raise TypeError(f"index must be an int, a slice or a list of ints; got {type(i).__name__}")
        k = int(i.__index__())
        if not -len(visible) <= k < len(visible):
            raise IndexError(f"index {k} is out of range for {len(visible)} stimuli in the selection")
        return self._item(int(visible[k]))

    def _item(self, s: int) -> dict:
        row = ResponseRow.for_neurons(self._store(), s, self._sel_nrns, self._nrn_position())
        return {
            "stims": self._stim_store.tensor(s),
            "responses": row,
            "valid_mask": row.valid_mask,
            "stim_meta": self.stim_meta[s],
        }

    # ------------------------------------------------------------- counts
    def get_N(self) -> int:
        """Number of neurons in the current selection."""
        return len(self._sel_nrns)

    def get_S(self) -> int:
        """Number of stimuli ``ds[i]`` iterates over (same as ``len(ds)``)."""
        return len(self)

    def get_nrn_meta(self) -> list[dict]:
        """``nrn_meta`` of the selected neurons, in selection order."""
        return [self.nrn_meta[n] for n in self._sel_nrns]

    # ------------------------------------------------------------- dunder
    @classmethod
    def _concat_class(cls):
        return NeuralDataset

    def _mode(self) -> str:
        return "generic"

    def _describe(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        if self._resp_store is None or self._raw_responses is not None:
            return f"{self.name}(not validated)"
        S, N = len(self._stim_store), self.N_neurons
        parts = [f"S={S}", f"N={N}"] + self._describe() + [f"dt={self.dt_ms:g} ms", f"mode={self._mode()}"]
        sel = f"selection: {len(self)}/{S} stims, {self.get_N()}/{N} neurons"
        return f"{self.name}({', '.join(parts)}; {sel})"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_masks"] = None
        state["_cache"] = {}
        return state


def s_name(ds, s: int) -> str:
    name = ds.stim_meta[s].get("name") if s < len(ds.stim_meta) else None
    return f"{s} ({name})" if name is not None else str(s)
