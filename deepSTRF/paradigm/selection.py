"""Selection of neurons and stimuli: what iteration shows, never the data.

Every ``select_*`` call **replaces** the selection on its side (neurons or
stimuli), built from all neurons or all stimuli, as in deepSTRF 0.1.0; pass
``within_current=True`` to narrow the current selection instead (or combine
the conditions in one predicate). Each returns the selected absolute indices.

The bidirectional rule: ``ds[i]`` iterates over the selected stimuli that at
least one selected neuron heard, and shows the **active neurons**: the
selected neurons that heard at least one selected stimulus
(:attr:`~SelectionMixin.active_neurons`). A neuron with no data under the
current stimulus selection is hidden from items, batches and
``get_nrn_meta()``; within an item, an active neuron that did not hear that
stimulus is the ``(1, 1)`` NaN sentinel (``pair_mask`` False).

A predicate that raises ``KeyError`` or ``TypeError`` for an entry (a key
it lacks, a ``None`` value) does not select that entry; any other exception
is let through.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import torch

from ..errors import DatasetTypeError, DatasetValueError, EmptySelectionWarning
from .._checks import check_index

_MEMBERSHIP = (list, tuple, set, frozenset)


def _matches(meta: dict, key: str, value) -> bool:
    if key not in meta:
        return False
    v = meta[key]
    if isinstance(value, _MEMBERSHIP):
        return any(_equal(v, x) for x in value)
    return _equal(v, value)


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and the like: not a match by value
        return False


def _judge(predicate: Callable[[dict], bool], meta: dict) -> bool:
    """``predicate(meta)``; an entry it cannot judge (KeyError, TypeError) is not selected."""
    try:
        return bool(predicate(meta))
    except (KeyError, TypeError):
        return False


def _present_values(metas, key: str) -> str:
    vals = []
    for m in metas:
        if key in m:
            try:
                if m[key] not in vals:
                    vals.append(m[key])
            except (TypeError, ValueError):
                continue
        if len(vals) > 12:
            return ", ".join(repr(v) for v in vals[:12]) + ", ..."
    return ", ".join(repr(v) for v in vals)


def _keys_present(metas) -> list:
    return sorted({k for m in metas for k in m})


def _attr_why(metas, key: str, value) -> str:
    """What an attribute selection that matched nothing was looking for, and what there is."""
    if not any(key in m for m in metas):
        return f"has the key {key!r} (keys present: {_keys_present(metas)})"
    return f"has {key} == {value!r} (values present: {_present_values(metas, key)})"


class SelectionMixin:
    """Selection API of :class:`~deepSTRF.datasets.NeuralDataset` (deepSTRF 0.1.0's names)."""

    # state ------------------------------------------------------------------
    def _reset_selection_state(self) -> None:
        S = len(self._stim_store) if getattr(self, "_stim_store", None) is not None else 0
        self._sel_nrns = np.arange(self.N_neurons if self._resp_store is not None else 0)
        self._sel_stims = np.arange(S)
        self._cache = {}

    def _set_neurons(self, idx) -> list[int]:
        self._sel_nrns = np.asarray(idx, dtype=np.int64)
        self._cache = {}
        return self._sel_nrns.tolist()

    def _set_stims(self, idx) -> list[int]:
        self._sel_stims = np.asarray(idx, dtype=np.int64)
        self._cache = {}
        return self._sel_stims.tolist()

    def _active(self) -> np.ndarray:
        """Selected neurons that heard at least one selected stimulus, in selection order."""
        store = self._store()
        act = self._cache.get("active")
        if act is None:
            chosen = np.zeros(store.n_stims, dtype=bool)
            chosen[self._sel_stims] = True
            heard = np.zeros(self.N_neurons, dtype=bool)
            heard[store.pair_nrn[chosen[store.pair_stim]]] = True
            act = self._sel_nrns[heard[self._sel_nrns]]
            self._cache["active"] = act
        return act

    def _nrn_position(self) -> np.ndarray:
        """Absolute neuron index -> position among the active neurons (-1 if not active)."""
        act = self._active()
        pos = self._cache.get("pos")
        if pos is None:
            pos = np.full(self.N_neurons, -1, dtype=np.int64)
            pos[act] = np.arange(len(act))
            self._cache["pos"] = pos
        return pos

    def _visible_stims(self) -> np.ndarray:
        store = self._store()
        vis = self._cache.get("visible")
        if vis is None:
            selected = np.zeros(self.N_neurons, dtype=bool)
            selected[self._sel_nrns] = True
            heard = np.zeros(store.n_stims, dtype=bool)
            heard[store.pair_stim[selected[store.pair_nrn]]] = True
            vis = self._sel_stims[heard[self._sel_stims]]
            self._cache["visible"] = vis
        return vis

    def _check_indices(self, what: str, indices, size: int) -> list[int]:
        if isinstance(indices, (str, bytes)) or not hasattr(indices, "__iter__"):
            raise DatasetTypeError(f"{what} must be a sequence of integer indices; got {indices!r}")
        out = [check_index(what, i, size) for i in indices]
        if len(set(out)) != len(out):
            dup = sorted({i for i in out if out.count(i) > 1})
            raise DatasetValueError(f"{what} contains duplicates: {dup}")
        if not out:
            raise DatasetValueError(f"{what} is empty; to select everything use the reset_* methods")
        return out

    def _neuron_pool(self, within_current: bool) -> np.ndarray:
        self._store()
        return self._sel_nrns if within_current else np.arange(self.N_neurons)

    def _stim_pool(self, within_current: bool) -> np.ndarray:
        self._store()
        return self._sel_stims if within_current else np.arange(len(self.stim_meta))

    def _keep_neurons(self, pool: np.ndarray, keep: np.ndarray, why: str, within_current: bool) -> list[int]:
        kept = pool[keep]
        if kept.size == 0:
            where = "in the current selection " if within_current else ""
            raise DatasetValueError(f"no neuron {where}{why}; the selection is unchanged")
        return self._set_neurons(kept)

    def _keep_stims(self, pool: np.ndarray, keep: np.ndarray, why: str, within_current: bool) -> list[int]:
        kept = pool[keep]
        if kept.size == 0:
            where = "in the current selection " if within_current else ""
            warnings.warn(f"{self.name}: no stimulus {where}{why}; len(ds) is 0 until the next stimulus "
                          "selection (reset_stim_selection() shows all)", EmptySelectionWarning, stacklevel=3)
        return self._set_stims(kept)

    # neurons ----------------------------------------------------------------
    def select_neuron(self, neuron_index: int) -> list[int]:
        """Select the single neuron ``neuron_index`` (absolute; negative counts from the end)."""
        self._store()
        return self._set_neurons([check_index("neuron index", neuron_index, self.N_neurons)])

    def select_population(self, neuron_indices) -> list[int]:
        """Select exactly these neurons (absolute indices), in this order.

        Raises
        ------
        DatasetValueError
            If ``neuron_indices`` is empty (0.1.0 read an empty list as "all
            neurons"; use :meth:`reset_pop_selection` for that) or has duplicates.
        """
        self._store()
        return self._set_neurons(self._check_indices("neuron indices", neuron_indices, self.N_neurons))

    def select_pop_by_nrn_attr(self, attribute_name: str, value, *, within_current: bool = False) -> list[int]:
        """Select the neurons whose ``nrn_meta[attribute_name]`` equals ``value``.

        Parameters
        ----------
        attribute_name : str
            A key of ``nrn_meta``.
        value : object
            The value to match; a list, tuple or set matches any of its members.
        within_current : bool, default False
            Narrow the current neuron selection instead of replacing it.

        Raises
        ------
        DatasetValueError
            If no neuron matches (naming the values present); the selection is unchanged.
        """
        pool = self._neuron_pool(within_current)
        keep = np.array([_matches(self.nrn_meta[n], attribute_name, value) for n in pool], dtype=bool)
        return self._keep_neurons(pool, keep, _attr_why(self.nrn_meta, attribute_name, value), within_current)

    def select_pop_by_nrn_predicate(self, predicate: Callable[[dict], bool], *,
                                    within_current: bool = False) -> list[int]:
        """Select the neurons for which ``predicate(nrn_meta[n])`` is true (one raising
        ``KeyError`` / ``TypeError`` is not selected); ``within_current=True`` narrows."""
        pool = self._neuron_pool(within_current)
        keep = np.array([_judge(predicate, self.nrn_meta[n]) for n in pool], dtype=bool)
        return self._keep_neurons(pool, keep, "satisfies the predicate", within_current)

    def _neurons_hearing(self, pool: np.ndarray, stim_keep: np.ndarray) -> np.ndarray:
        store = self._store()
        heard_by = np.zeros(self.N_neurons, dtype=bool)
        heard_by[store.pair_nrn[stim_keep[store.pair_stim]]] = True
        return heard_by[pool]

    def select_pop_by_stim_attr(self, attribute_name: str, value, *, within_current: bool = False) -> list[int]:
        """Select the neurons that heard at least one stimulus with
        ``stim_meta[attribute_name] == value`` (among all stimuli); the stimulus
        selection is unchanged. ``within_current=True`` narrows the neuron selection."""
        pool = self._neuron_pool(within_current)
        stim_keep = np.array([_matches(m, attribute_name, value) for m in self.stim_meta], dtype=bool)
        why = (f"heard a stimulus with {attribute_name} == {value!r} (values present: "
               f"{_present_values(self.stim_meta, attribute_name)})")
        return self._keep_neurons(pool, self._neurons_hearing(pool, stim_keep), why, within_current)

    def select_pop_by_stim_predicate(self, predicate: Callable[[dict], bool], *,
                                     within_current: bool = False) -> list[int]:
        """Select the neurons that heard at least one stimulus for which
        ``predicate(stim_meta[s])`` is true; ``within_current=True`` narrows."""
        pool = self._neuron_pool(within_current)
        stim_keep = np.array([_judge(predicate, m) for m in self.stim_meta], dtype=bool)
        why = "heard a stimulus satisfying the predicate"
        return self._keep_neurons(pool, self._neurons_hearing(pool, stim_keep), why, within_current)

    def reset_pop_selection(self) -> list[int]:
        """Select every neuron again."""
        self._store()
        return self._set_neurons(np.arange(self.N_neurons))

    # stimuli ------------------------------------------------------------------
    def select_stim(self, stim_index: int) -> list[int]:
        """Select the single stimulus ``stim_index`` (absolute index)."""
        self._store()
        return self._set_stims([check_index("stim index", stim_index, len(self.stim_meta))])

    def select_stims(self, stim_indices) -> list[int]:
        """Select exactly these stimuli (absolute indices), in this order."""
        self._store()
        return self._set_stims(self._check_indices("stim indices", stim_indices, len(self.stim_meta)))

    def select_stims_by_attr(self, attribute_name: str, value, *, within_current: bool = False) -> list[int]:
        """Select the stimuli whose ``stim_meta[attribute_name]`` equals ``value``.

        Parameters
        ----------
        attribute_name : str
            A key of ``stim_meta``.
        value : object
            The value to match; a list, tuple or set matches any of its members.
        within_current : bool, default False
            Narrow the current stimulus selection instead of replacing it.

        Returns
        -------
        list of int
            The selected stimuli; ``[]`` if none matches (as in 0.1.0), with an
            :class:`~deepSTRF.errors.EmptySelectionWarning` naming the values present.
        """
        pool = self._stim_pool(within_current)
        keep = np.array([_matches(self.stim_meta[s], attribute_name, value) for s in pool], dtype=bool)
        return self._keep_stims(pool, keep, _attr_why(self.stim_meta, attribute_name, value), within_current)

    def select_stims_by_predicate(self, predicate: Callable[[dict], bool], *,
                                  within_current: bool = False) -> list[int]:
        """Select the stimuli for which ``predicate(stim_meta[s])`` is true (``[]``, with a
        warning, if none is); ``within_current=True`` narrows the current selection."""
        pool = self._stim_pool(within_current)
        keep = np.array([_judge(predicate, self.stim_meta[s]) for s in pool], dtype=bool)
        return self._keep_stims(pool, keep, "satisfies the predicate", within_current)

    def reset_stim_selection(self) -> list[int]:
        """Select every stimulus again."""
        self._store()
        return self._set_stims(np.arange(len(self.stim_meta)))

    @property
    def selected_neurons(self) -> list[int]:
        """Absolute indices of the selected neurons, in selection order (before the
        bidirectional rule; see :attr:`active_neurons`)."""
        return self._sel_nrns.tolist()

    @property
    def active_neurons(self) -> list[int]:
        """Absolute indices of the neurons items and batches show: the selected neurons
        that heard at least one selected stimulus, in selection order. Size a model's
        output layer with ``len(ds.active_neurons)``."""
        return self._active().tolist()

    @property
    def selected_stims(self) -> list[int]:
        """Absolute indices of the stimuli ``ds[i]`` iterates over (after the bidirectional rule)."""
        return self._visible_stims().tolist()

    @property
    def selection_masks(self):
        """``(len(ds), len(active_neurons))`` bool tensor: ``nrn_masks`` restricted to the
        iterated stimuli and the active neurons (row ``i`` is ``ds[i]['pair_mask']``)."""
        m = self.nrn_masks.numpy()
        return torch.from_numpy(m[np.ix_(self._visible_stims(), self._active())])
