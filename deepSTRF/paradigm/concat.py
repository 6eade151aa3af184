"""Concatenation of datasets: the union of their neurons and stimuli."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .storage import PackedResponses, PackedStims


def concat_neural_datasets(datasets: Sequence):
    """One dataset holding the neurons and stimuli of all of ``datasets``.

    Neurons are the union of all neurons (each dataset's, in order).
    Stimuli are the union of all stimuli: two stimuli with the same
    ``stim_meta['name']`` and identical content become one entry (its
    ``stim_meta`` is the first one's, completed by keys only the later ones
    have); same name with different content stays two entries. Every pair
    that no dataset recorded is the ``(1, 1)`` NaN sentinel. ``a + b`` is
    ``concat_neural_datasets([a, b])``.

    No data are copied: the result shares memory with its inputs, and any
    in-place transform (``smooth_responses``, ``normalize_responses``,
    ``standardize_stims``) on either side first takes a private copy, so
    the other side never changes. Metadata dicts are copied.

    Parameters
    ----------
    datasets : sequence of NeuralDataset
        Datasets with the same ``dt_ms``, ``F``, stimulus mode and ``audio_fs``.

    Raises
    ------
    ValueError
        If the datasets differ in ``dt_ms``, ``F``, stimulus mode or
        ``audio_fs``, naming the two values.
    """
    datasets = list(datasets)
    if not datasets:
        raise ValueError("concat_neural_datasets needs at least one dataset")
    for k, ds in enumerate(datasets):
        if not hasattr(type(ds), "_concat_class"):
            raise TypeError(f"datasets[{k}] is a {type(ds).__name__}, not a NeuralDataset")
        ds._store()
    first = datasets[0]
    for k, ds in enumerate(datasets[1:], start=1):
        for attr, label in (("dt_ms", "dt_ms"), ("_mode", "stimulus mode"), ("F", "F"), ("audio_fs", "audio_fs")):
            a = getattr(first, attr, None)
            b = getattr(ds, attr, None)
            a, b = (a(), b()) if callable(a) else (a, b)
            if a != b:
                raise ValueError(
                    f"cannot concatenate {first.name} and {ds.name} (datasets[{k}]): {label} differs "
                    f"({a!r} vs {b!r}); concatenated datasets share one {label}"
                )

    stim_meta: list[dict] = []
    by_name: dict = {}
    stim_maps, keep = [], []
    for ds in datasets:
        smap = np.empty(len(ds.stim_meta), dtype=np.int64)
        kept = []
        for s, meta in enumerate(ds.stim_meta):
            target = _same_stim(ds, s, by_name.get(meta.get("name"), []), stim_meta)
            if target is None:
                target = len(stim_meta)
                stim_meta.append(dict(meta))
                kept.append(s)
                if meta.get("name") is not None:
                    by_name.setdefault(meta["name"], []).append((target, ds, s))
            else:
                for key, value in meta.items():
                    stim_meta[target].setdefault(key, value)
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

    out = _result_class(datasets)(None, first.dt_ms)
    for attr in ("F", "audio_fs"):
        if hasattr(first, attr):
            setattr(out, attr, getattr(first, attr))
    if hasattr(first, "hearing_range_hz"):
        ranges = {getattr(ds, "hearing_range_hz", None) for ds in datasets}
        out.hearing_range_hz = ranges.pop() if len(ranges) == 1 else None
    out.name = " + ".join(ds.name for ds in datasets)
    out._install(stim_store, resp_store, stim_meta, [dict(m) for ds in datasets for m in ds.nrn_meta])
    out.validate()
    return out


def _same_stim(ds, s: int, candidates, stim_meta):
    """Index of an already kept stimulus with the same name and content, or None."""
    a = ds._stim_store.array(s)
    for target, other, t in candidates:
        b = other._stim_store.array(t)
        if a.shape == b.shape and np.array_equal(a, b):
            return target
    return None


def _result_class(datasets):
    """The most specific paradigm class that every input's ``_concat_class()`` derives from."""
    classes = [ds._concat_class() for ds in datasets]
    return next(c for c in classes[0].__mro__ if all(issubclass(k, c) for k in classes))


class ConcatMixin:
    """``a + b`` of :class:`~deepSTRF.paradigm.NeuralDataset` (see :func:`concat_neural_datasets`)."""

    @classmethod
    def _concat_class(cls):
        """The class a concatenation holding this dataset is made of (the paradigm class, not a loader)."""
        return ConcatMixin

    def __add__(self, other):
        return concat_neural_datasets([self, other])
