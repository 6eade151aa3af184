"""CRCNS-AC1, Wehr subset (Machens, Wehr & Zador 2004): rat A1 whole-cell
recordings, one trial file per natural-sound fragment presentation."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np

from ...io.crcns_ac1 import NATURAL_TYPES, read_stimulus_file, read_trial_file

#: Wehr cell indices (0-based, session order) of the Rançon et al. cohort (1, 2, 4, 8 left out)
WEHR_VALID_NEURONS = tuple(i for i in range(25) if i not in (1, 2, 4, 8))
#: per Wehr cell index, its (train, validation, test) natural-stimulus counts (Rançon et al.)
WEHR_NEURONS_SPLIT_NATURAL = {
    0: (7, 2, 2), 1: (5, 1, 1), 2: (3, 1, 1), 3: (7, 1, 1), 4: (1, 1, 1), 5: (6, 1, 1), 6: (3, 1, 1),
    7: (1, 1, 1), 8: (4, 1, 1), 9: (7, 1, 2), 10: (11, 2, 3), 11: (25, 4, 7), 12: (7, 1, 2), 13: (25, 4, 7),
    14: (7, 1, 1), 15: (14, 3, 5), 16: (25, 4, 7), 17: (17, 3, 5), 18: (5, 1, 1), 19: (11, 2, 3), 20: (5, 1, 1),
    21: (12, 2, 4), 22: (7, 2, 2), 23: (44, 6, 13), 24: (4, 1, 1),
}

STIM_FOLDERS = ("fragments", "category1", "category2", "category3")


def stimulus_index(root: str) -> dict[str, dict]:
    """``description -> {'category', 'idx', 'path'}`` of every Wehr stimulus file."""
    out = {}
    base = os.path.join(root, "crcns-ac1", "wehr", "Stimuli")
    for sub in STIM_FOLDERS:
        folder = os.path.join(base, sub)
        for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            stem, ext = os.path.splitext(f)
            if ext == ".mat" and stem.isdigit():
                desc = read_stimulus_file(os.path.join(folder, f))["description"]
                out.setdefault(desc, {"category": sub, "idx": int(stem), "path": os.path.join(folder, f)})
    return out


def cells(root: str) -> list[dict]:
    """Wehr cells in session order, each with its repeats grouped by stimulus."""
    index = stimulus_index(root)
    results = os.path.join(root, "crcns-ac1", "wehr", "Results")
    sessions = sorted(d for d in os.listdir(results)
                      if re.match(r"^\d{4}", d) and len(d.split("-")) == 3 and os.path.isdir(os.path.join(results, d)))
    out = []
    for cell_idx, session in enumerate(sessions):
        groups: dict = {}
        rate = None
        folder = os.path.join(results, session)
        for f in sorted(os.listdir(folder)):
            if not f.endswith(".mat"):
                continue
            rec = read_trial_file(os.path.join(folder, f))
            if not rec["triggers"] or rec["triggers"][0]["type"] not in NATURAL_TYPES:
                continue
            trig = rec["triggers"][0]
            stim = index.get(trig["description"])
            if stim is None:
                warnings.warn(f"AC1: {os.path.join(folder, f)} names an unknown Wehr stimulus "
                              f"{trig['description']!r}; trial skipped", stacklevel=3)
                continue
            key = ("wehr", stim["category"], stim["idx"])
            n = int(np.round(trig["duration_ms"] * rec["sf"] / 1000.0))
            entry = groups.setdefault(key, {"repeats": [], "duration_ms": trig["duration_ms"], "meta": {
                "experimenter": "wehr", "category": stim["category"], "idx": stim["idx"],
                "description": trig["description"], "duration_s": trig["duration_ms"] / 1000.0}, "path": stim["path"]})
            entry["repeats"].append(rec["trace"][trig["onset"]: trig["onset"] + n].copy())
            rate = rec["sf"]
        date, animal, pen = session.split("-")
        out.append({"meta": {"experimenter": "wehr", "session": session, "animal_id": animal, "penetration": int(pen),
                             "date": date, "site": "A1", "recording_type": "whole-cell", "species": "rat",
                             "signal_type": "subthresh", "_wehr_cell_idx": cell_idx},
                    "rate": rate, "stimuli": groups})
    return out


def waveform(entry: dict, root: str) -> tuple[np.ndarray, float]:
    st = read_stimulus_file(entry["path"])
    return st["samples"], st["sf"]
