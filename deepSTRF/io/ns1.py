"""Readers of the NS1 release (Harper et al. 2016): MATLAB v5 files."""

from __future__ import annotations

import numpy as np


class NS1FormatError(ValueError):
    """A malformed NS1 file (names the file and what was expected)."""


def _loadmat(path: str, **kw) -> dict:
    import scipy.io

    try:
        return scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False, **kw)
    except (ValueError, OSError, NotImplementedError) as err:
        raise NS1FormatError(f"{path}: cannot read as a MATLAB v5 file ({err})") from None


def read_spectrogram(path: str) -> np.ndarray:
    """``X_nfht`` of ``test_data_5ms.mat`` as ``(S, F, T)`` float64 (the singleton history axis dropped)."""
    mat = _loadmat(path, variable_names=["X_nfht"])
    if "X_nfht" not in mat:
        raise NS1FormatError(f"{path}: no variable 'X_nfht' (expected the (20, 34, 1, 999) spectrogram)")
    x = np.asarray(mat["X_nfht"], dtype=np.float64)
    if x.ndim == 4:
        x = x[:, :, 0, :]
    if x.ndim != 3:
        raise NS1FormatError(f"{path}: X_nfht has shape {x.shape}; expected (stims, bands, 1, bins)")
    return x


METADATA_FIELDS = ("path", "depth", "NoiseRatio", "singleN", "singleT", "NrOfElectrodes", "ElectrodeNumber")


def read_metadata(path: str) -> list[dict]:
    """The ``neuron`` struct array: one dict per unit with ``file`` (the first field,
    taken by position) and the fields of :data:`METADATA_FIELDS`."""
    mat = _loadmat(path)
    if "neuron" not in mat:
        raise NS1FormatError(f"{path}: no variable 'neuron' (the per-unit metadata struct array)")
    units = np.atleast_1d(mat["neuron"])
    out = []
    for i, u in enumerate(units):
        fields = list(getattr(u, "_fieldnames", []))
        missing = [f for f in METADATA_FIELDS if f not in fields]
        if missing or not fields:
            raise NS1FormatError(f"{path}: neuron({i + 1}) lacks field(s) {missing}; found {fields}")
        rec = {"file": str(getattr(u, fields[0]))}
        rec.update({f: getattr(u, f) for f in METADATA_FIELDS})
        out.append(rec)
    return out


def read_spike_sets(path: str, n_sets: int = 20) -> list[list[np.ndarray]]:
    """Spike times (ms re. onset) of the first ``n_sets`` stimulus sets: ``[set][repeat] -> array``."""
    mat = _loadmat(path)
    try:
        sets = np.atleast_1d(mat["data"].set)
    except (KeyError, AttributeError):
        raise NS1FormatError(f"{path}: expected a struct 'data' with field 'set'") from None
    if len(sets) < n_sets:
        raise NS1FormatError(f"{path}: data.set has {len(sets)} elements; expected at least {n_sets}")
    out = []
    for k in range(n_sets):
        reps = np.atleast_1d(sets[k].repeats)
        out.append([np.atleast_1d(np.asarray(r.t, dtype=np.float64)).ravel() for r in reps])
    return out
