"""Readers of the NS1 release (Harper et al. 2016): MATLAB v5 files."""

from __future__ import annotations

import numpy as np

from ._common import FormatError, finite_times, loadmat, reading


class NS1FormatError(FormatError):
    """A malformed NS1 file (names the file and what was expected).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import FormatError, NS1FormatError
    >>> issubclass(NS1FormatError, FormatError)
    True
    """


def read_spectrogram(path: str) -> np.ndarray:
    """``X_nfht`` of ``test_data_5ms.mat`` as ``(S, F, T)`` float64 (the singleton history axis dropped)."""
    mat = loadmat(path, NS1FormatError, variable_names=["X_nfht"])
    if "X_nfht" not in mat:
        raise NS1FormatError(f"{path}: no variable 'X_nfht' (expected the (20, 34, 1, 999) spectrogram)", path,
                             "X_nfht")
    with reading(path, "X_nfht is not a numeric array", NS1FormatError, "X_nfht"):
        x = np.asarray(mat["X_nfht"], dtype=np.float64)
    if x.ndim == 4:
        x = x[:, :, 0, :]
    if x.ndim != 3:
        raise NS1FormatError(f"{path}: X_nfht has shape {x.shape}; expected (stims, bands, 1, bins)", path, "X_nfht")
    if not np.isfinite(x).all():
        raise NS1FormatError(f"{path}: X_nfht holds NaN or infinite values", path, "X_nfht")
    return x


METADATA_FIELDS = ("path", "depth", "NoiseRatio", "singleN", "singleT", "NrOfElectrodes", "ElectrodeNumber")


def read_metadata(path: str) -> list[dict]:
    """The ``neuron`` struct array: one dict per unit with ``file`` (the first field,
    taken by position) and the fields of :data:`METADATA_FIELDS`."""
    mat = loadmat(path, NS1FormatError)
    if "neuron" not in mat:
        raise NS1FormatError(f"{path}: no variable 'neuron' (the per-unit metadata struct array)", path, "neuron")
    units = np.atleast_1d(mat["neuron"])
    out = []
    for i, u in enumerate(units):
        fields = list(getattr(u, "_fieldnames", []))
        missing = [f for f in METADATA_FIELDS if f not in fields]
        if missing or not fields:
            raise NS1FormatError(f"{path}: neuron({i + 1}) lacks field(s) {missing}; found {fields}", path,
                                 f"neuron({i + 1})")
        first = getattr(u, fields[0])
        if not isinstance(first, str):
            raise NS1FormatError(f"{path}: neuron({i + 1}).{fields[0]} (the spike file name) is a "
                                 f"{type(first).__name__}, not text", path, f"neuron({i + 1}).{fields[0]}")
        rec = {"file": first}
        rec.update({f: getattr(u, f) for f in METADATA_FIELDS})
        out.append(rec)
    return out


def read_spike_sets(path: str, n_sets: int = 20) -> list[list[np.ndarray]]:
    """Spike times (ms re. onset) of the first ``n_sets`` stimulus sets: ``[set][repeat] -> array``."""
    mat = loadmat(path, NS1FormatError)
    try:
        sets = np.atleast_1d(mat["data"].set)
    except (KeyError, AttributeError) as err:
        raise NS1FormatError(f"{path}: expected a struct 'data' with field 'set'", path, "data.set") from err
    if len(sets) < n_sets:
        raise NS1FormatError(f"{path}: data.set has {len(sets)} elements; expected at least {n_sets}", path,
                             "data.set")
    out = []
    for k in range(n_sets):
        where = f"data.set({k + 1})"
        with reading(path, f"{where} is not a struct with 'repeats' of spike times 't'", NS1FormatError, where):
            reps = np.atleast_1d(sets[k].repeats)
            times = [getattr(r, "t") for r in reps]
        try:  # the fast path: one conversion per repeat, one check per set
            arrays = [np.asarray(t, dtype=np.float64).ravel() for t in times]
            ok = all(np.isfinite(a).all() for a in arrays)
        except (TypeError, ValueError):
            ok = False
        if not ok:  # find and name the repeat
            arrays = [finite_times(t, path, f"{where}.repeats({j + 1}).t", NS1FormatError) for j, t in enumerate(times)]
        out.append(arrays)
    return out
