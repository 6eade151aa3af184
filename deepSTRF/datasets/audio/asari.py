"""CRCNS-AC1, Asari subset (Asari & Zador 2009): rat A1 whole-cell and MGB
cell-attached recordings of sequences of five spliced natural-sound segments."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np

from ..._paths import inside_relative
from ...dsp.intracellular import sin2_ramp
from ...io.crcns_ac1 import NATURAL_TYPES, parse_sequence, read_stimulus_file, read_trial_file

RESULTS = (("crcns-ac1-asari-results-1", "asari-results-1"), ("crcns-ac1-asari-results-2", "asari-results-2"))


def cells(root: str, sites) -> list[dict]:
    """Asari cells (results-1 then results-2, sessions sorted), repeats grouped by segment sequence."""
    out = []
    for top, sub in RESULTS:
        base = os.path.join(root, top, sub)
        for session in sorted(os.listdir(base)):
            parts = session.split("-")
            if len(parts) < 3 or not parts[0].isdigit() or not os.path.isdir(os.path.join(base, session)):
                continue
            cell = _session(os.path.join(base, session), session, parts)
            if cell is not None and cell["meta"]["site"] in sites and cell["stimuli"]:
                out.append(cell)
    return out


def _session(folder: str, session: str, parts: list[str]) -> dict | None:
    groups: dict = {}
    site = rtype = None
    rate = None
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".mat"):
            continue
        rec = read_trial_file(os.path.join(folder, f))
        table = rec["stimulus_files"]
        if not table:
            continue
        if site is None and rec["site"] is not None:
            site = "A1" if "cortex" in rec["site"].lower() else "MGB"
            rtype = rec["recording_type"].strip().lower().replace(" ", "-")
        for trig in rec["triggers"]:
            if trig["type"] not in NATURAL_TYPES:
                continue
            seq = parse_sequence(trig["description"])
            if seq is None:
                continue
            if max(seq) > len(table) or min(seq) < 1:
                warnings.warn(f"AC1: {os.path.join(folder, f)}: sequence {seq} refers beyond its "
                              f"{len(table)}-entry stimulus table; trigger skipped", stacklevel=4)
                continue
            key = tuple(table[p - 1] for p in seq)
            n = int(np.round(trig["duration_ms"] * rec["sf"] / 1000.0))
            first = key[0].split("/")[0]
            entry = groups.setdefault(key, {"repeats": [], "duration_ms": trig["duration_ms"], "meta": {
                "experimenter": "asari", "category": first if first.startswith("class") else "mixed",
                "class_n": int(re.sub(r"\D", "", first) or 0), "segments": seq, "segment_files": key,
                "sequence": " ".join(trig["description"].split()), "description": " ".join(trig["description"].split()),
                "duration_s": trig["duration_ms"] / 1000.0}})
            entry["repeats"].append(rec["trace"][trig["onset"]: trig["onset"] + n].copy())
            rate = rec["sf"]
    if site is None:
        return None
    signal = "spikes" if "attached" in rtype else "subthresh"
    return {"meta": {"experimenter": "asari", "session": session, "animal_id": parts[1],
                     "penetration": int(parts[2]) if parts[2].isdigit() else None, "date": parts[0], "site": site,
                     "recording_type": rtype, "species": "rat", "signal_type": signal},
            "rate": rate, "stimuli": groups}


def waveform(entry: dict, root: str) -> tuple[np.ndarray, float]:
    """The segments in sequence order, each with 5-ms sin^2 ramps, concatenated."""
    segs, rate = [], None
    for f in entry["meta"]["segment_files"]:
        st = read_stimulus_file(inside_relative(os.path.join(root, "crcns-ac1", "asari", "Stimuli"), f,
                                                "stimulus file", "a recording's param.stimulus table"))
        segs.append(sin2_ramp(st["samples"], st["sf"]))
        rate = st["sf"]
    return np.concatenate(segs), rate
