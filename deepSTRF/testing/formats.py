"""Writers of the file formats of the releases, for fake releases (tests, examples, the benchmark's CI run).

Each writes small files exactly in the release's format: WAV, CRCNS cell
folders (``stimK`` / ``spikeK`` text pairs), NEMS recording tarballs, and
zip / tar archives in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile

import h5py
import numpy as np
import scipy.io.wavfile


def write_wav(path, seconds: float, rate: int = 32000, freq: float | None = None, seed: int = 0) -> int:
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t) if freq else 0.3 * np.random.default_rng(seed).normal(size=n)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scipy.io.wavfile.write(path, rate, (np.clip(x, -1, 1) * 32767).astype(np.int16))
    return n


def write_pair(folder, k: int, wav: str | None, trials: list | None, newline: str = "\n", sep: str = " ") -> None:
    """stimK naming ``wav`` and spikeK with one line per trial (times in ms)."""
    os.makedirs(folder, exist_ok=True)
    if wav is not None:
        with open(os.path.join(folder, f"stim{k}"), "w", newline="") as f:
            f.write(wav + "\n")
    if trials is not None:
        with open(os.path.join(folder, f"spike{k}"), "w", newline="") as f:
            for tr in trials:
                f.write("".join(f"{t:.3f}{sep}" for t in tr) + newline)


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
        kind = spec.get("type", "RasterizedSignal")
        info = {"name": sig, "chans": spec.get("chans", []), "fs": spec["fs"], "meta": {}, "recording": rec,
                "segments": [[0, int(n_total)]], "signal_type": f"<class 'nems0.signal.{kind}'>",
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


def make_zip(files: dict) -> bytes:
    """A zip holding ``{member name: bytes}``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_tar(members: list) -> bytes:
    """A tar.gz of members: (name, bytes) for files, or tarfile.TarInfo objects as they are."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                t.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                t.addfile(info, io.BytesIO(m[1]))
    return buf.getvalue()


def make_tgz(files: dict) -> bytes:
    """A tar.gz holding ``{member name: bytes}``."""
    return make_tar(list(files.items()))


def md5(b: bytes) -> str:
    return "md5:" + hashlib.md5(b).hexdigest()
