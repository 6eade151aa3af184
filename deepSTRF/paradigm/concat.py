"""Concatenation of datasets: the union of their neurons and stimuli."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DatasetTypeError, DatasetValueError
from .storage import PackedResponses, PackedStims


def concat_neural_datasets(datasets: Sequence, names: Sequence[str] | None = None, merge_stims: bool = False):
    """One dataset holding the neurons and stimuli of all of ``datasets``.

    Neurons are every dataset's, in order. Stimuli, by default, too: dataset
    ``k``'s stimuli form block ``k`` (``S = sum S_k``, stimulus ``s`` of
    dataset ``k`` is ``offset_k + s``), as in deepSTRF 0.1.0; a neuron of one
    block never heard the stimuli of another (the ``(1, 1)`` NaN sentinel),
    and the bidirectional rule hides it under a selection of those stimuli.

    Every ``stim_meta`` and ``nrn_meta`` entry of the result (copies: the
    inputs are untouched) gets ``'dataset'``: ``names[k]``, or else the tag it
    already had (a concatenation of concatenations keeps its sources), or else
    ``type(ds).__name__``; ``select_pop_by_nrn_attr('dataset', name)`` then
    picks one source.

    ``merge_stims=True`` (an addition of ours) instead makes one entry of
    stimuli with the same ``stim_meta['name']`` and identical content, so the
    neurons of several recordings share them (pooling NAT4 A1 and PEG on
    their 593 shared stimuli, for a population model); such a stimulus's
    ``stim_meta`` is the first one's completed by keys only later ones have,
    and its ``'dataset'`` is the list of every source's tag (a list for every
    stimulus in this mode). Same name, other content stays two entries.

    The result is of the most specific class all inputs share (two
    ``Le2025Dataset`` give a ``Le2025Dataset``, with its methods), made
    without running its loader; attributes on which the inputs disagree
    (``path``, ``experiment``, ...) are None. With one dataset (and no
    ``names``), that dataset is returned unchanged. ``a + b`` is
    ``concat_neural_datasets([a, b])``.

    No data are copied: the result shares memory with its inputs, and any
    in-place transform (``smooth_responses``, ``normalize_responses``,
    ``standardize_stims``) or edit on either side first takes a private copy.

    Parameters
    ----------
    datasets : sequence of NeuralDataset
        Datasets with the same ``dt_ms``, ``F``, stimulus mode and ``audio_fs``.
    names : sequence of str, optional
        One tag per dataset for ``'dataset'``.
    merge_stims : bool, default False
        Merge stimuli with the same name and content (see above).

    Raises
    ------
    DatasetValueError
        (a ``ValueError`` and an ``AssertionError``, as 0.1.0 raised) if the
        datasets differ in ``dt_ms``, ``F``, stimulus mode or ``audio_fs``,
        naming the two values, or if ``names`` has the wrong length.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.utils import concat_neural_datasets
    >>> a = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)
    >>> b = SimulatedDataset(seed=1, n_neurons=3, n_est=4, n_val=2, n_site_b=1)
    >>> both = concat_neural_datasets([a, b], names=["first", "second"])
    >>> both.get_S(), both.get_N(), both.nrn_meta[5]["dataset"]
    (12, 7, 'second')
    >>> bool(both.nrn_masks[0, 5])         # a neuron of one block never heard the other's stimuli
    False
    """
    datasets = list(datasets)
    if not datasets:
        raise DatasetValueError("concat_neural_datasets needs at least one dataset")
    for k, ds in enumerate(datasets):
        if not hasattr(type(ds), "from_packed"):
            raise DatasetTypeError(f"datasets[{k}] is a {type(ds).__name__}, not a NeuralDataset")
        ds._store()
    if names is not None:
        names = list(names)
        if len(names) != len(datasets):
            raise DatasetValueError(f"names has {len(names)} entries for {len(datasets)} datasets")
    if len(datasets) == 1 and names is None:
        return datasets[0]
    first = datasets[0]
    for k, ds in enumerate(datasets[1:], start=1):
        for attr, label in (("dt_ms", "dt_ms"), ("_mode", "stimulus mode"), ("F", "F"), ("audio_fs", "audio_fs")):
            a = getattr(first, attr, None)
            b = getattr(ds, attr, None)
            a, b = (a(), b()) if callable(a) else (a, b)
            if a != b:
                raise DatasetValueError(
                    f"cannot concatenate {first.name} and {ds.name} (datasets[{k}]): {label} differs "
                    f"({a!r} vs {b!r}); concatenated datasets share one {label}"
                )

    def tag(k: int, meta: dict):
        if names is not None:
            return names[k]
        return meta.get("dataset", type(datasets[k]).__name__)

    stim_meta: list[dict] = []
    by_name: dict = {}
    stim_maps, keep = [], []
    for k, ds in enumerate(datasets):
        smap = np.empty(len(ds.stim_meta), dtype=np.int64)
        kept = []
        for s, meta in enumerate(ds.stim_meta):
            target = _same_stim(ds, s, by_name.get(meta.get("name"), []), stim_meta) if merge_stims else None
            if target is None:
                target = len(stim_meta)
                entry = dict(meta)
                entry["dataset"] = [tag(k, meta)] if merge_stims else tag(k, meta)
                stim_meta.append(entry)
                kept.append(s)
                if merge_stims and meta.get("name") is not None:
                    by_name.setdefault(meta["name"], []).append((target, ds, s))
            else:
                for key, value in meta.items():
                    stim_meta[target].setdefault(key, value)
                if tag(k, meta) not in stim_meta[target]["dataset"]:
                    stim_meta[target]["dataset"].append(tag(k, meta))
            smap[s] = target
        stim_maps.append(smap)
        keep.append(kept)

    stim_store = PackedStims.combine([ds._stim_store for ds in datasets], keep)
    stim_T = np.zeros(len(stim_meta), dtype=np.int64)
    for ds, smap in zip(datasets, stim_maps):
        stim_T[smap] = ds._resp_store.stim_T
    offsets = np.cumsum([0] + [ds.N_neurons for ds in datasets[:-1]])
    n_total = sum(ds.N_neurons for ds in datasets)
    resp_store = PackedResponses.combine([ds._resp_store for ds in datasets], stim_maps, offsets,
                                         stim_T, n_total)
    nrn_meta = []
    for k, ds in enumerate(datasets):
        for meta in ds.nrn_meta:
            entry = dict(meta)
            entry["dataset"] = tag(k, meta)
            nrn_meta.append(entry)
    out = _result_class(datasets).from_packed(stim_store, resp_store, stim_meta, nrn_meta,
                                              _common_attributes(datasets))
    out.name = " + ".join(ds.name for ds in datasets)
    out.validate()
    return out


def _common_attributes(datasets) -> dict:
    """The inputs' own attributes, each kept where all agree and None where they do not."""
    attrs = [ds.dataset_attributes() for ds in datasets]
    out = {}
    for key in set().union(*attrs):
        values = [a.get(key) for a in attrs]
        out[key] = values[0] if all(_same(v, values[0]) for v in values[1:]) else None
    return out


def _same_stim(ds, s: int, candidates, stim_meta):
    """Index of an already kept stimulus with the same name and content, or None."""
    a = ds._stim_store.array(s)
    for target, other, t in candidates:
        b = other._stim_store.array(t)
        if a.shape == b.shape and np.array_equal(a, b):
            return target
    return None


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # arrays, tensors: equal only if the same object
        return False


def _result_class(datasets):
    """The most specific class every input is an instance of (a paradigm class at worst)."""
    return next(c for c in type(datasets[0]).__mro__ if all(isinstance(ds, c) for ds in datasets)
                and hasattr(c, "from_packed"))


class ConcatMixin:
    """``a + b`` of :class:`~deepSTRF.paradigm.NeuralDataset` (see :func:`concat_neural_datasets`)."""

    def __add__(self, other):
        return concat_neural_datasets([self, other])
