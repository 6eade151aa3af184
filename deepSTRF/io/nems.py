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

from ._common import FormatError, finite_times

zlib_error = zlib.error


class RecordingError(FormatError):
    """A recording archive is missing something or is malformed (names the file).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    A truncated recording archive:

    >>> import os, tempfile
    >>> from deepSTRF.io import RecordingError, read_recording
    >>> path = os.path.join(tempfile.mkdtemp(), "site.tgz")
    >>> _ = open(path, "wb").write(bytes([0x1F, 0x8B, 8, 0]) + b" truncated")
    >>> try:
    ...     read_recording(path)
    ... except RecordingError as err:
    ...     print(err.path == path)
    True
    """


@dataclass
class Signal:
    """One signal of a recording (``origin``: the archive and member its ``<sig>.json`` came from).

    Parameters
    ----------
    name : str
        The signal's name (``resp``, ``stim``).
    info : dict
        Its ``<sig>.json``: ``chans``, ``fs``, ``segments``, ``signal_type``, ...
    epochs : dict, optional
        Its epoch table: ``start``, ``end`` (s) and ``name`` arrays.
    raster : np.ndarray, shape (T_total, channels), optional
        The data of a CSV (rasterised) signal.
    arrays : dict of np.ndarray, optional
        The data of an HDF5 signal: one array per channel or stimulus.
    origin : str, default ''
        ``<archive>:<member>`` of its ``<sig>.json``, for messages.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.io import read_recording
    >>> from deepSTRF.testing.formats import write_recording
    >>> path = os.path.join(tempfile.mkdtemp(), "site.tgz")
    >>> write_recording(path, "SITE01", {"resp": {"chans": ["SITE01-01-1"], "fs": 100.0,
    ...                 "epochs": [("TRIAL", 0.0, 1.0)], "csv": np.ones((100, 1))}})  # (time samples, channels)
    >>> sig = read_recording(path).signals["resp"]
    >>> sig.info["chans"], sig.raster.shape        # (T_total, channels)
    (['SITE01-01-1'], (100, 1))
    """

    name: str
    info: dict = field(default_factory=dict)  # the <sig>.json
    epochs: dict | None = None  # {'start': (E,), 'end': (E,), 'name': (E,) object}
    raster: np.ndarray | None = None  # (T_total, channels) for CSV signals
    arrays: dict | None = None  # name -> array for HDF5 signals
    origin: str = ""

    @property
    def fs(self) -> float:
        try:
            fs = float(self.info["fs"])
        except (KeyError, TypeError, ValueError) as err:
            raise RecordingError(f"{self.origin or self.name}: the signal's 'fs' is missing or not a number "
                                 f"({self.info.get('fs')!r})", self.origin or None, "fs") from err
        if not (np.isfinite(fs) and fs > 0):
            raise RecordingError(f"{self.origin or self.name}: the signal's 'fs' must be positive; got {fs!r}",
                                 self.origin or None, "fs")
        return fs

    @property
    def chans(self) -> list[str]:
        chans = self.info.get("chans", [])
        if not isinstance(chans, list):
            raise RecordingError(f"{self.origin or self.name}: 'chans' is a {type(chans).__name__}, not a list of "
                                 "channel names", self.origin or None, "chans")
        return [str(c) for c in chans]

    def total_samples(self) -> int:
        """The end of the last segment (``segments[-1][1]``): the signal's length in samples."""
        try:
            n = int(self.info["segments"][-1][1])
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise RecordingError(f"{self.origin or self.name}: 'segments' must be a list of [start, end] sample "
                                 f"pairs; got {self.info.get('segments')!r}", self.origin or None, "segments") from err
        if n < 0:
            raise RecordingError(f"{self.origin or self.name}: the last segment ends at {n}", self.origin or None,
                                 "segments")
        return n


@dataclass
class Recording:
    """A NEMS recording: its metadata and its signals.

    Parameters
    ----------
    path : str
        The archive (or folder) read.
    meta : dict
        Its ``<rec>.meta.json``.
    signals : dict of Signal
        By name.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.io import read_recording
    >>> from deepSTRF.testing.formats import write_recording
    >>> path = os.path.join(tempfile.mkdtemp(), "site.tgz")
    >>> write_recording(path, "SITE01", {"resp": {"chans": ["SITE01-01-1"], "fs": 100.0,
    ...                 "epochs": [("TRIAL", 0.0, 1.0)], "csv": np.zeros((100, 1))}})
    >>> rec = read_recording(path)
    >>> list(rec.signals), rec.signals["resp"].fs
    (['resp'], 100.0)
    """

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
    """An epoch table: ``start``, ``end`` (float64 s) and ``name`` (object) arrays, file order.

    A row with a missing or non-numeric ``start`` / ``end``, an end before
    its start, or an empty name is an error naming the row.
    """
    import pandas as pd

    try:
        df = pd.read_csv(fileobj, keep_default_na=False, dtype={"name": str})
    except Exception as err:  # noqa: BLE001 - any parse failure is reported with the file
        raise RecordingError(f"{origin}: cannot parse the epoch table ({type(err).__name__}: {err})", origin) from err
    missing = [c for c in ("start", "end", "name") if c not in df.columns]
    if missing:
        raise RecordingError(f"{origin}: the epoch table lacks column(s) {missing}; found {list(df.columns)}",
                             origin, missing[0])
    out = {"name": df["name"].astype(str).to_numpy(object)}
    for col in ("start", "end"):
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            r = int(bad[0])
            raise RecordingError(f"{origin}: line {r + 2} (epoch {out['name'][r]!r}): {col} is {df[col].iloc[r]!r}, "
                                 "not a number of seconds", origin, f"line {r + 2}")
        out[col] = values
    for r in np.flatnonzero((out["end"] < out["start"]) | (df["name"].astype(str).str.strip() == "").to_numpy()):
        raise RecordingError(f"{origin}: line {r + 2}: epoch {out['name'][r]!r} from {out['start'][r]} to "
                             f"{out['end'][r]} s is not a valid epoch (empty name, or end before start)", origin,
                             f"line {r + 2}")
    return out


def read_raster_csv(fileobj, origin: str, dtype=np.float32) -> np.ndarray:
    """A headerless numeric CSV (one row per sample) as a 2-D array, parsed with pandas' C engine.

    Missing values must be written ``nan``: an empty field or a short row is
    an error (raised as :class:`_CSVProblem`, so that :func:`read_recording`
    can name the row), never a silent NaN.
    """
    import pandas as pd

    try:
        return pd.read_csv(fileobj, header=None, dtype=dtype, engine="c", keep_default_na=False,
                           na_values=["nan", "NaN"]).to_numpy()
    except Exception as err:  # noqa: BLE001
        raise _CSVProblem(f"{origin}: cannot parse the data CSV ({type(err).__name__}: {err})", origin) from err


class _CSVProblem(RecordingError):
    """A data CSV that did not parse; :func:`read_recording` looks for the row to name it."""


def find_csv_problem(lines, origin: str) -> str | None:
    """The first malformed row of a headerless numeric CSV, described, or None.

    ``lines`` yields the rows as bytes or str. Every row must have as many
    fields as the first, and every field must be a number or ``nan``.
    """
    width = None
    for row, line in enumerate(lines, start=1):
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        text = text.rstrip("\r\n")
        fields = text.split(",")
        if width is None:
            width = len(fields)
        if len(fields) != width:
            return f"row {row} has {len(fields)} fields, the first row {width}"
        try:
            np.array(fields, dtype=np.float64)
        except ValueError:
            for col, value in enumerate(fields, start=1):
                try:
                    float(value)
                except ValueError:
                    what = "is empty (a missing value is written 'nan')" if not value.strip() else \
                        f"is {value[:40]!r}, not a number"
                    return f"row {row}, column {col} {what}"
    return None


def read_h5(fileobj, origin: str) -> dict:
    """Every root dataset of an HDF5 file as a numpy array."""
    import h5py

    try:
        with h5py.File(fileobj, "r") as f:
            return {k: np.asarray(f[k][()]) for k in f.keys() if isinstance(f[k], h5py.Dataset)}
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise RecordingError(f"{origin}: cannot read the HDF5 data ({type(err).__name__}: {err})", origin) from err


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

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.io import read_recording
    >>> from deepSTRF.testing.formats import write_recording
    >>> path = os.path.join(tempfile.mkdtemp(), "site.tgz")
    >>> write_recording(path, "SITE01", {"resp": {"chans": ["SITE01-01-1"], "fs": 100.0,
    ...                 "epochs": [("TRIAL", 0.0, 1.0)], "csv": np.zeros((100, 1))}})
    >>> read_recording(path).meta["siteid"]
    'SITE01'
    """
    wanted = None if signals is None else set(signals)
    skip = set(skip)
    rec = Recording(path)
    meta_dirs = set()
    bad_csv: list = []  # (member, error) of a data CSV that did not parse

    def take(name: str, opener) -> None:
        parsed = _parse_member(name)
        if parsed is None:
            return
        sig, kind = parsed
        origin = f"{path}:{name}"
        if kind == "meta":
            meta_dirs.add(os.path.dirname(name))
            rec.meta = _json_member(opener(), origin)
            return
        if sig in skip or (wanted is not None and sig not in wanted):
            return
        s = rec.signals.setdefault(sig, Signal(sig))
        fobj = opener()
        if kind == "json":
            s.info, s.origin = _json_member(fobj, origin), origin
        elif kind == "epochs":
            s.epochs = read_epochs(io.BytesIO(fobj.read()), origin)
        elif kind == "csv":
            tracked = _Tracked(fobj)
            try:
                s.raster = read_raster_csv(tracked, origin)
            except _CSVProblem as err:
                if tracked.error is not None:  # the archive itself ended or broke mid-member
                    raise tracked.error from None
                bad_csv.append((name, err))
                raise
        else:
            s.arrays = read_h5(io.BytesIO(fobj.read()), origin)

    if os.path.isdir(path):  # an already extracted recording
        try:
            for folder, _, files in sorted(os.walk(path)):
                for f in sorted(files):
                    full = os.path.join(folder, f)
                    with open(full, "rb") as fh:
                        take(os.path.relpath(full, path), lambda fh=fh: fh)
        except _CSVProblem as err:
            raise _name_the_row(err, lambda: open(os.path.join(path, bad_csv[0][0]), "rb"))  # noqa: B904
        if not meta_dirs:
            raise RecordingError(f"{path}: no '*.meta.json' file; not a NEMS recording folder", path)
        return _checked(rec)
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if member.isfile():
                    take(member.name, lambda m=member: tar.extractfile(m))
    except _CSVProblem as err:
        raise _name_the_row(err, lambda: _member_lines(path, bad_csv[0][0]))  # noqa: B904 - chained to the parser
    except (tarfile.TarError, EOFError, OSError, zlib_error) as err:
        raise RecordingError(f"{path}: not a readable gzip tar archive ({type(err).__name__}: {err}); "
                             "the file may be truncated: delete it and download again", path) from err
    if not meta_dirs:
        raise RecordingError(f"{path}: no '*.meta.json' member; not a NEMS recording", path)
    return _checked(rec)


def _json_member(fobj, origin: str) -> dict:
    try:
        doc = json.loads(fobj.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RecordingError(f"{origin}: not valid JSON ({err})", origin) from err
    if not isinstance(doc, dict):
        raise RecordingError(f"{origin}: expected a JSON object, found a {type(doc).__name__}", origin)
    return doc


def _member_lines(path: str, name: str):
    """The lines of member ``name`` of the archive at ``path`` (a second pass, only to name a bad row)."""
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            if member.name == name:
                yield from tar.extractfile(member)
                return


def _name_the_row(err: RecordingError, lines) -> RecordingError:
    """``err`` with the malformed row named (found by reading the member once more)."""
    try:
        source = lines()
        where = find_csv_problem(source, err.path)
    except (OSError, tarfile.TarError, EOFError, zlib_error):
        where = None
    cause = err.__cause__ or err  # the parser's own exception
    if where is None:
        out = RecordingError(str(err), err.path)
    else:
        out = RecordingError(f"{err.path}: {where}", err.path, where.split(",")[0])
    out.__cause__ = cause
    return out


def _checked(rec: Recording) -> Recording:
    """Point-process signals hold spike times: every one must be a finite number."""
    for sig in rec.signals.values():
        if sig.arrays is not None and "PointProcess" in str(sig.info.get("signal_type", "")):
            where = sig.origin.replace(".json", ".h5") if sig.origin else f"{rec.path}: signal {sig.name}"
            for chan, times in sig.arrays.items():
                sig.arrays[chan] = finite_times(times, where, f"channel {chan!r}", RecordingError)
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
    """Sample indices ``[round(start * fs), round(end * fs))`` (numpy rounding: half to even).

    Parameters
    ----------
    start, end : float
        The epoch, in s.
    fs : float
        The signal's sample rate in Hz.

    Returns
    -------
    (int, int)
        The sample slice ``[a, z)``.

    Examples
    --------
    >>> from deepSTRF.io import epoch_bounds
    >>> epoch_bounds(0.25, 1.25, fs=100.0)
    (25, 125)
    """
    return int(np.round(start * fs)), int(np.round(end * fs))
