"""Readers of the Theunissen-lab CRCNS releases (AA1, AA2: text cell folders; AA4: HDF5 units).

Cell folders hold pairs ``stimK`` (a wav name) / ``spikeK`` (one trial per
line, spike times in ms re. stimulus onset, any whitespace; an empty line
is a trial without spikes). AA4 units are HDF5 files with one group per
protocol, stimulus and trial (spike times in s; a scalar -999 marks a
trial without spikes). Nothing here knows about torch or datasets.
"""

from __future__ import annotations

import os
import re

import numpy as np

from ._common import FormatError, finite_times, reading

_PAIR = re.compile(r"^(stim|spike)(\d+)$")


class CRCNSFormatError(FormatError):
    """A malformed CRCNS file (names the file, and the line where it applies).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import CRCNSFormatError, FormatError
    >>> err = CRCNSFormatError("spike1.txt: line 3: not a number", path="spike1.txt", field="line 3")
    >>> isinstance(err, FormatError), err.path, err.field
    (True, 'spike1.txt', 'line 3')
    """


def _ascii(path: str) -> str:
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("ascii", errors="strict")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise CRCNSFormatError(f"{path}, line {line}: byte {data[err.start]:#04x} is not ASCII text; the file is "
                               "damaged or not a CRCNS text file", path, f"line {line}") from err


def read_spike_file(path: str) -> list[np.ndarray]:
    """Trials of a ``spikeK`` file: one float64 array of times (ms) per line, empty lines included.

    A token that is not a number, or is NaN or infinite, is an error naming the line.
    """
    text = _ascii(path)
    if not text:
        raise CRCNSFormatError(f"{path}: no trial (an empty spike file; a trial without spikes is an empty line)",
                               path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the newline ending the last trial
    trials = []
    for i, line in enumerate(lines, start=1):
        try:
            t = np.array(line.split(), dtype=np.float64)
        except ValueError as err:
            bad = next(tok for tok in line.split() if not _is_number(tok))
            raise CRCNSFormatError(f"{path}, line {i}: {bad!r} is not a spike time in ms", path, f"line {i}") from err
        trials.append(finite_times(t, path, f"line {i} (trial {i})", CRCNSFormatError))
    return trials


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def read_stim_file(path: str) -> str:
    """The wav name a ``stimK`` file points to (one file name: no folder, no ``..``)."""
    name = _ascii(path).strip()
    if not name:
        raise CRCNSFormatError(f"{path}: empty stim file (expected a wav file name)", path)
    if "/" in name or "\\" in name or name in (".", "..") or "\n" in name or "\0" in name:
        raise CRCNSFormatError(f"{path}: {name[:80]!r} is not a wav file name (one name, no folder or '..')", path)
    return name


def index_class_folder(folder: str) -> dict[str, str | None]:
    """``wav name -> spikeK path`` (None when the ``spikeK`` is missing) of one cell/class folder.

    One directory listing; ``stimK`` files are visited in string order
    (stim1, stim10, stim2, ...) and the first pointing to a wav wins. A
    ``spikeK`` without its ``stimK`` is an error (its stimulus is unknown).
    """
    pairs: dict[str, dict[str, str]] = {}
    for f in os.listdir(folder):
        m = _PAIR.match(f)
        if m:
            pairs.setdefault(m.group(2), {})[m.group(1)] = os.path.join(folder, f)
    orphans = sorted(k for k, p in pairs.items() if "stim" not in p)
    if orphans:
        raise CRCNSFormatError(f"{folder}: spike{orphans[0]} has no stim{orphans[0]}: its stimulus is unknown")
    out: dict[str, str | None] = {}
    for key in sorted(pairs, key=lambda k: f"stim{k}"):
        wav = read_stim_file(pairs[key]["stim"])
        if wav not in out:
            out[wav] = pairs[key].get("spike")
    return out


def read_headerless_csv(path: str) -> list[list[str]]:
    """Rows of a comma-separated table with no header and a variable number of fields."""
    with open(path, "rb") as f:
        data = f.read()
    with reading(path, "not UTF-8 text", CRCNSFormatError):
        text = data.decode("utf-8", errors="strict")
    return [[c.strip() for c in line.strip().split(",")] for line in text.splitlines() if line.strip()]


def _text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v.item())
    return str(v)


def read_aa4_unit(path: str) -> dict:
    """An AA4 unit: root attributes and ``stimuli`` = list of dicts (``protocol``,
    ``number``, ``md5``, ``type``, ``class``, ``duration_s``, ``trials``: list of
    spike-time arrays in s, -999 empty trials as empty arrays), in file order
    (protocols and stimulus groups sorted by name, trials by name)."""
    import h5py

    try:
        f = h5py.File(path, "r")
    except (FileNotFoundError, PermissionError):
        raise
    except OSError as err:
        raise CRCNSFormatError(f"{path}: cannot read as HDF5 ({err}); the file may be truncated", path) from err
    with f, reading(path, "malformed AA4 unit", CRCNSFormatError):
        attrs = {k: f.attrs[k] for k in f.attrs}
        if "sortType" not in attrs:
            raise CRCNSFormatError(f"{path}: no 'sortType' attribute; not an AA4 unit file", path, "sortType")
        stimuli = []
        for proto in sorted(f.keys()):
            if proto in ("class_info", "extra_info") or not isinstance(f[proto], h5py.Group):
                continue
            for number in sorted(f[proto].keys()):
                g = f[proto][number]
                if not isinstance(g, h5py.Group):
                    continue
                missing = [a for a in ("stim_md5", "stim_type") if a not in g.attrs]
                if missing:
                    raise CRCNSFormatError(f"{path}: stimulus group /{proto}/{number} lacks attribute(s) {missing}",
                                           path, f"/{proto}/{number}")
                md5 = _text(g.attrs["stim_md5"]).lower()
                if not re.fullmatch(r"[0-9a-f]{32}", md5):
                    raise CRCNSFormatError(f"{path}: /{proto}/{number} stim_md5 {md5[:40]!r} is not an MD5 (32 hex "
                                           "digits); it names the stimulus wav", path, f"/{proto}/{number}")
                trials = []
                for t in sorted(g.keys()):
                    if not isinstance(g[t], h5py.Group) or "spike_times" not in g[t]:
                        raise CRCNSFormatError(f"{path}: trial /{proto}/{number}/{t} has no 'spike_times'", path,
                                               f"/{proto}/{number}/{t}")
                    where = f"trial /{proto}/{number}/{t}"
                    with reading(path, f"{where}: spike_times is not numeric", CRCNSFormatError, where):
                        st = np.atleast_1d(np.asarray(g[t]["spike_times"][()], dtype=np.float64)).ravel()
                    st = st[st != -999] if st.size == 1 else st
                    trials.append(finite_times(st, path, where, CRCNSFormatError))
                stimuli.append({
                    "protocol": proto, "number": number, "md5": md5,
                    "type": _text(g.attrs["stim_type"]), "class": _text(g.attrs.get("stim_class", "")),
                    "duration_s": float(g.attrs.get("stim_duration", np.nan)), "trials": trials,
                })
    return {"attrs": {k: (_text(v) if isinstance(v, (bytes, np.bytes_)) else v) for k, v in attrs.items()},
            "stimuli": stimuli}
