"""Writers of small NEMS recording tarballs in the release format (see formats/nat4.md)."""

from __future__ import annotations

import io
import json
import tarfile

import h5py
import numpy as np


def _csv_bytes(matrix: np.ndarray) -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, np.asarray(matrix, dtype=np.float64), delimiter=",", fmt="%.18e")
    return buf.getvalue().replace("nan", "nan").encode()


def _h5_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for k, v in arrays.items():
            f.create_dataset(k, data=np.asarray(v, dtype=np.float64), compression="gzip")
    return buf.getvalue()


def _epochs_bytes(rows) -> bytes:
    lines = ["name,start,end"] + [f"{n},{s!r},{e!r}" for n, s, e in rows]
    return ("\n".join(lines) + "\n").encode()


def write_recording(path, rec: str, signals: dict, meta: dict | None = None, folder: str | None = None) -> None:
    """``signals[sig] = {'chans': [...], 'fs': float, 'epochs': [(name, start, end), ...],
    'csv': 2-D array | None, 'h5': {name: array} | None, 'type': 'RasterizedSignal' | ...}``."""
    top = rec if folder is None else folder
    members = {f"{top}/{rec}.meta.json": json.dumps(meta or {"siteid": rec, "rasterfs": 100}).encode()}
    for sig, spec in signals.items():
        n_total = spec.get("n_total", len(spec["csv"]) if spec.get("csv") is not None else 0)
        info = {"name": sig, "chans": spec.get("chans", []), "fs": spec["fs"], "meta": {}, "recording": rec,
                "segments": [[0, int(n_total)]], "signal_type": f"<class 'nems0.signal.{spec.get('type', 'RasterizedSignal')}'>",
                "normalization": "none", "norm_baseline": [], "norm_gain": []}
        members[f"{top}/{rec}.{sig}.json"] = json.dumps(info).encode()
        if spec.get("epochs") is not None:
            members[f"{top}/{rec}.{sig}.epoch.csv"] = _epochs_bytes(spec["epochs"])
        if spec.get("csv") is not None:
            members[f"{top}/{rec}.{sig}.csv"] = _csv_bytes(spec["csv"])
        if spec.get("h5") is not None:
            members[f"{top}/{rec}.{sig}.h5"] = _h5_bytes(spec["h5"])
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
