"""Selection of neurons and stimuli: what iteration shows, never the data.

The bidirectional rule: ``ds[i]`` iterates only over selected stimuli that at
least one selected neuron heard, and in each item a neuron that did not hear
the stimulus is masked (``valid_mask`` False, sentinel response).

Explicit selections (``select_neuron``, ``select_population``,
``select_stim``, ``select_stims``) replace the current one; attribute and
predicate selections narrow it, so they chain. ``reset_*`` restores all.
Every ``select_*`` method returns the selected absolute indices.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


class SelectionMixin:
    """Selection API of :class:`~deepSTRF.datasets.NeuralDataset`."""

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

    def _nrn_position(self) -> np.ndarray:
        """Absolute neuron index -> position in the selection (-1 if not selected)."""
        pos = self._cache.get("pos")
        if pos is None:
            pos = np.full(self.N_neurons, -1, dtype=np.int64)
            pos[self._sel_nrns] = np.arange(len(self._sel_nrns))
            self._cache["pos"] = pos
        return pos

    def _visible_stims(self) -> np.ndarray:
        vis = self._cache.get("visible")
        if vis is None:
            store = self._store()
            selected = np.zeros(self.N_neurons, dtype=bool)
            selected[self._sel_nrns] = True
            heard = np.zeros(store.n_stims, dtype=bool)
            heard[store.pair_stim[selected[store.pair_nrn]]] = True
            vis = self._sel_stims[heard[self._sel_stims]]
            self._cache["visible"] = vis
        return vis

    def _check_indices(self, what: str, indices, size: int) -> list[int]:
        if isinstance(indices, (str, bytes)) or not hasattr(indices, "__iter__"):
            raise TypeError(f"{what} must be a sequence of integer indices; got {indices!r}")
        out = [check_index(what, i, size) for i in indices]
        if len(set(out)) != len(out):
            dup = sorted({i for i in out if out.count(i) > 1})
            raise ValueError(f"{what} contains duplicates: {dup}")
        if not out:
            raise ValueError(f"{what} is empty; to select everything use the reset_* methods")
        return out

    def _narrow(self, current: np.ndarray, keep: np.ndarray, what: str, why: str) -> np.ndarray:
        kept = current[keep]
        if kept.size == 0:
            raise ValueError(f"no {what} in the current selection {why}")
        return kept

    def _check_key(self, metas, key: str, what: str) -> None:
        if not any(key in m for m in metas):
            keys = sorted({k for m in metas for k in m})
            raise KeyError(f"no {what} has the key {key!r}; keys present: {keys}")

    # neurons ----------------------------------------------------------------
    def select_neuron(self, n: int) -> list[int]:
        """Select the single neuron ``n`` (absolute index; negative counts from the end)."""
        self._store()
        return self._set_neurons([check_index("neuron index", n, self.N_neurons)])

    def select_population(self, indices) -> list[int]:
        """Select exactly these neurons (absolute indices), in this order."""
        self._store()
        return self._set_neurons(self._check_indices("neuron indices", indices, self.N_neurons))

    def select_pop_by_nrn_attr(self, key: str, value) -> list[int]:
        """Keep the selected neurons whose ``nrn_meta[key]`` equals ``value``.

        ``value`` may be a list, tuple or set: then any of its members matches.
        """
        self._check_key(self.nrn_meta, key, "neuron's nrn_meta")
        keep = np.array([_matches(self.nrn_meta[n], key, value) for n in self._sel_nrns], dtype=bool)
        why = f"has {key} == {value!r} (values present: {_present_values(self.nrn_meta, key)})"
        return self._set_neurons(self._narrow(self._sel_nrns, keep, "neuron", why))

    def select_pop_by_nrn_predicate(self, predicate: Callable[[dict], bool]) -> list[int]:
        """Keep the selected neurons for which ``predicate(nrn_meta[n])`` is true."""
        keep = np.array([bool(predicate(self.nrn_meta[n])) for n in self._sel_nrns], dtype=bool)
        return self._set_neurons(self._narrow(self._sel_nrns, keep, "neuron", "satisfies the predicate"))

    def _neurons_hearing(self, stim_keep: np.ndarray) -> np.ndarray:
        store = self._store()
        heard_by = np.zeros(self.N_neurons, dtype=bool)
        heard_by[store.pair_nrn[stim_keep[store.pair_stim]]] = True
        return heard_by[self._sel_nrns]

    def select_pop_by_stim_attr(self, key: str, value) -> list[int]:
        """Keep the selected neurons that heard at least one stimulus with
        ``stim_meta[key] == value`` (among all stimuli). The stimulus selection
        is unchanged."""
        self._check_key(self.stim_meta, key, "stimulus's stim_meta")
        stim_keep = np.array([_matches(m, key, value) for m in self.stim_meta], dtype=bool)
        why = f"heard a stimulus with {key} == {value!r}"
        return self._set_neurons(self._narrow(self._sel_nrns, self._neurons_hearing(stim_keep), "neuron", why))

    def select_pop_by_stim_predicate(self, predicate: Callable[[dict], bool]) -> list[int]:
        """Keep the selected neurons that heard at least one stimulus for which
        ``predicate(stim_meta[s])`` is true."""
        stim_keep = np.array([bool(predicate(m)) for m in self.stim_meta], dtype=bool)
        why = "heard a stimulus satisfying the predicate"
        return self._set_neurons(self._narrow(self._sel_nrns, self._neurons_hearing(stim_keep), "neuron", why))

    def reset_pop_selection(self) -> list[int]:
        """Select every neuron again."""
        self._store()
        return self._set_neurons(np.arange(self.N_neurons))

    # stimuli ------------------------------------------------------------------
    def select_stim(self, s: int) -> list[int]:
        """Select the single stimulus ``s`` (absolute index)."""
        self._store()
        return self._set_stims([check_index("stim index", s, len(self.stim_meta))])

    def select_stims(self, indices) -> list[int]:
        """Select exactly these stimuli (absolute indices), in this order."""
        self._store()
        return self._set_stims(self._check_indices("stim indices", indices, len(self.stim_meta)))

    def select_stims_by_attr(self, key: str, value) -> list[int]:
        """Keep the selected stimuli whose ``stim_meta[key]`` equals ``value``
        (any member, if ``value`` is a list, tuple or set)."""
        self._check_key(self.stim_meta, key, "stimulus's stim_meta")
        keep = np.array([_matches(self.stim_meta[s], key, value) for s in self._sel_stims], dtype=bool)
        why = f"has {key} == {value!r} (values present: {_present_values(self.stim_meta, key)})"
        return self._set_stims(self._narrow(self._sel_stims, keep, "stimulus", why))

    def select_stims_by_predicate(self, predicate: Callable[[dict], bool]) -> list[int]:
        """Keep the selected stimuli for which ``predicate(stim_meta[s])`` is true."""
        keep = np.array([bool(predicate(self.stim_meta[s])) for s in self._sel_stims], dtype=bool)
        return self._set_stims(self._narrow(self._sel_stims, keep, "stimulus", "satisfies the predicate"))

    def reset_stim_selection(self) -> list[int]:
        """Select every stimulus again."""
        self._store()
        return self._set_stims(np.arange(len(self.stim_meta)))

    @property
    def selected_neurons(self) -> list[int]:
        """Absolute indices of the selected neurons, in selection order."""
        return self._sel_nrns.tolist()

    @property
    def selected_stims(self) -> list[int]:
        """Absolute indices of the stimuli ``ds[i]`` iterates over (after the bidirectional rule)."""
        return self._visible_stims().tolist()
