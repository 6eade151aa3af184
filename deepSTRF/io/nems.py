"""Reader of NEMS recording tarballs (the LBHB releases: NAT4, Wingert 2026, Espejo).

A recording is a gzip tar whose files are matched by suffix inside the
folder that holds ``*.meta.json``: ``<rec>.meta.json``; per signal
``<rec>.<sig>.json`` (channels, rate, signal type), ``<rec>.<sig>.epoch.csv``
(``start``, ``end`` in s, ``name``), and the data, ``<rec>.<sig>.csv``
(rasterised, headerless, one row per sample) or ``<rec>.<sig>.h5`` (point
process: spike times in s per channel; tiled: one array per stimulus).

The archive is decompressed exactly once: members are read in one
streaming pass, and the large CSVs are parsed straight from the stream.
Nothing here knows about torch or datasets.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zlib
from dataclasses import dataclass, field

import numpy as np


zlib_error = zlib.error


class RecordingError(ValueError):
    """A recording archive is missing something or is malformed (names the file)."""


@dataclass
class Signal:
    """One signal of a recording."""

    name: str
    info: dict = field(default_factory=dict)  # the <sig>.json
    epochs: dict | None = None  # {'start': (E,), 'end': (E,), 'name': (E,) object}
    raster: np.ndarray | None = None  # (T_total, channels) for CSV signals
    arrays: dict | None = None  # name -> array for HDF5 signals

    @property
    def fs(self) -> float:
        return float(self.info["fs"])

    @property
    def chans(self) -> list[str]:
        return [str(c) for c in self.info.get("chans", [])]


@dataclass
class Recording:
    path: str
    meta: dict = field(default_factory=dict)
    signals: dict = field(default_factory=dict)

    def signal(self, name: str) -> Signal:
        if name not in self.signals:
            raise RecordingError(f"{self.path}: the recording has no '{name}' signal "
                                 f"(found: {', '.join(sorted(self.signals)) or 'none'})")
        return self.signals[name]


def _parse_member(name: str):
    """``(signal, kind)`` from a member file name, kind in meta/json/epochs/csv/h5; else None."""
    base = os.path.basename(name)
    if base.endswith(".meta.json"):
        return None, "meta"
    for suffix, kind in ((".epoch.csv", "epochs"), (".json", "json"), (".csv", "csv"), (".h5", "h5")):
        if base.endswith(suffix):
            stem = base[: -len(suffix)]
            if "." not in stem:
                return None
            return stem.rsplit(".", 1)[1], kind
    return None


def read_epochs(fileobj, origin: str) -> dict:
    """An epoch table: ``start``, ``end`` (float64 s) and ``name`` (object) arrays, file order."""
    import pandas as pd

    try:
        df = pd.read_csv(fileobj)
    except Exception as err:  # noqa: BLE001 - any parse failure is reported with the file
        raise RecordingError(f"{origin}: cannot parse the epoch table ({err})") from None
    missing = [c for c in ("start", "end", "name") if c not in df.columns]
    if missing:
        raise RecordingError(f"{origin}: the epoch table lacks column(s) {missing}; found {list(df.columns)}")
    return {"start": df["start"].to_numpy(np.float64), "end": df["end"].to_numpy(np.float64),
            "name": df["name"].astype(str).to_numpy(object)}


def read_raster_csv(fileobj, origin: str, dtype=np.float32) -> np.ndarray:
    """A headerless numeric CSV (one row per sample) as a 2-D array, parsed with pandas' C engine."""
    import pandas as pd

    try:
        return pd.read_csv(fileobj, header=None, dtype=dtype, engine="c", na_values=["nan", "NaN"]).to_numpy()
    except Exception as err:  # noqa: BLE001
        raise RecordingError(f"{origin}: cannot parse the data CSV ({err})") from None


def read_h5(fileobj, origin: str) -> dict:
    """Every root dataset of an HDF5 file as a numpy array."""
    import h5py

    try:
        with h5py.File(fileobj, "r") as f:
            return {k: np.asarray(f[k][()]) for k in f.keys() if isinstance(f[k], h5py.Dataset)}
    except OSError as err:
        raise RecordingError(f"{origin}: cannot read the HDF5 data ({err})") from None


def read_recording(path: str, signals=None, skip=("mask_est",)) -> Recording:
    """Read a NEMS recording tarball in one streaming pass.

    Parameters
    ----------
    path : str
        The ``.tgz`` / ``.tar.gz`` archive.
    signals : iterable of str, optional
        Signals to read (default: all except ``skip``).
    skip : iterable of str
        Signals never read (their data is skipped without parsing).

    Raises
    ------
    RecordingError
        Naming the archive: not a readable gzip tar (e.g. truncated), no
        ``*.meta.json``, a malformed member.
    """
    wanted = None if signals is None else set(signals)
    skip = set(skip)
    rec = Recording(path)
    meta_dirs = set()

    def take(name: str, opener) -> None:
        parsed = _parse_member(name)
        if parsed is None:
            return
        sig, kind = parsed
        if kind == "meta":
            meta_dirs.add(os.path.dirname(name))
            rec.meta = json.loads(opener().read().decode("utf-8"))
            return
        if sig in skip or (wanted is not None and sig not in wanted):
            return
        origin = f"{path}:{name}"
        s = rec.signals.setdefault(sig, Signal(sig))
        fobj = opener()
        if kind == "json":
            s.info = json.loads(fobj.read().decode("utf-8"))
        elif kind == "epochs":
            s.epochs = read_epochs(io.BytesIO(fobj.read()), origin)
        elif kind == "csv":
            tracked = _Tracked(fobj)
            try:
                s.raster = read_raster_csv(tracked, origin)
            except RecordingError:
                if tracked.error is not None:  # the archive itself ended or broke mid-member
                    raise tracked.error from None
                raise
        else:
            s.arrays = read_h5(io.BytesIO(fobj.read()), origin)

    if os.path.isdir(path):  # an already extracted recording
        for folder, _, files in sorted(os.walk(path)):
            for f in sorted(files):
                full = os.path.join(folder, f)
                with open(full, "rb") as fh:
                    take(os.path.relpath(full, path), lambda fh=fh: fh)
        if not meta_dirs:
            raise RecordingError(f"{path}: no '*.meta.json' file; not a NEMS recording folder")
        return rec
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if member.isfile():
                    take(member.name, lambda m=member: tar.extractfile(m))
    except (tarfile.TarError, EOFError, OSError, zlib_error) as err:
        raise RecordingError(f"{path}: not a readable gzip tar archive ({type(err).__name__}: {err}); "
                             "the file may be truncated: delete it and download again") from None
    if not meta_dirs:
        raise RecordingError(f"{path}: no '*.meta.json' member; not a NEMS recording")
    return rec


class _Tracked:
    """A file object that remembers a read error of the underlying archive stream."""

    def __init__(self, fobj):
        self._f = fobj
        self.error = None

    def read(self, n=-1):
        try:
            return self._f.read(n)
        except (tarfile.TarError, EOFError, OSError) as err:
            self.error = err
            raise


def epoch_bounds(start: float, end: float, fs: float) -> tuple[int, int]:
    """Sample indices ``[round(start * fs), round(end * fs))`` (numpy rounding: half to even)."""
    return int(np.round(start * fs)), int(np.round(end * fs))


def rasterize(times: np.ndarray, fs: float, n_samples: int) -> np.ndarray:
    """Spike counts per sample ``(n_samples,)``: bin ``floor(t * fs)``, out-of-range dropped."""
    k = np.floor((np.asarray(times, dtype=np.float64) + 1e-9) * fs).astype(np.int64)  # 1-ns tolerance
    k = k[(k >= 0) & (k < n_samples)]
    return np.bincount(k, minlength=n_samples)[:n_samples].astype(np.float32)
