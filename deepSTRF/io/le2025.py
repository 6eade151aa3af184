"""Readers of the Le, Bjoring & Meliza (2025) release: its metadata tables (``metadata/*.csv``) and the
name grammar of its stimulus files."""

from __future__ import annotations

import os
import re
import warnings

from .tables import read_table


def _read_csv(path: str, required=()) -> list:
    """The rows of a table, or ``[]`` with a warning if the file is missing."""
    if not os.path.isfile(path):
        warnings.warn(f"Le2025: {path} is missing; the fields it provides are unknown", stacklevel=4)
        return []
    return read_table(path, required)


def read_metadata_tables(root: str) -> dict:
    """The three tables of ``<root>/metadata/``: ``ci`` ``{(motif, gap): (start_s, stop_s)}`` (the critical
    intervals, from ``song-birds.csv``), ``rooms`` ``{group: {birds}}``, ``birds`` (``ephys-birds.csv`` rows
    by bird) and ``sites`` (``recordings.csv`` rows by site). A missing table is a warning and empty."""
    meta = os.path.join(root, "metadata")
    songs = _read_csv(os.path.join(meta, "song-birds.csv"), ("bird", "gap", "gap_start", "gap_stop"))
    ci = {}
    rooms: dict = {}
    for r in songs:
        code = r.get("nat8b_encoding") or r.get("nat8b_coding")
        for motif in (r.get("bird"), code):
            if motif:
                ci[(motif, r.value("gap", int))] = (r.value("gap_start", float) / 1000,
                                                    r.value("gap_stop", float) / 1000)
        if r.get("group"):
            rooms.setdefault(r["group"], set()).add(r["bird"])
    birds = {r["bird"]: r for r in _read_csv(os.path.join(meta, "ephys-birds.csv"), ("bird",))}
    sites = {r["site"]: r for r in _read_csv(os.path.join(meta, "recordings.csv"), ("site",))}
    return {"ci": ci, "rooms": rooms, "birds": birds, "sites": sites}


def parse_age_days(text) -> int | None:
    """``'1y234d'`` -> 599, ``'254d'`` -> 254; None for anything else."""
    m = re.match(r"^(?:(\d+)y)?(?:(\d+)d)?$", str(text or ""))
    if not m or not (m.group(1) or m.group(2)):
        return None
    return 365 * int(m.group(1) or 0) + int(m.group(2) or 0)


_NAT8A = {"continuous": ("C", None), "gap": ("G", 1), "noise": ("N", 1), "gapnoise": ("GB", 1),
          "continuousnoise": ("CB", 1)}
_EP = re.compile(r"^ep_((?:nat|synth)8mk\d+)_(C|G|N|GB|CB|GM|CM)(?:_g(\d+a?))?(?:_snr(-?\d+))?$")


def parse_stimulus(stem: str, experiment: str) -> dict | None:
    """``motif``, ``critical_interval``, ``variant`` and ``syntax`` of a wav stem, or None."""
    if experiment == "nat8a":
        m = re.match(r"^([A-Za-z]+\d+)_([a-z]+?)([12])?$", stem)
        if not m or m.group(2) not in _NAT8A or (m.group(2) == "continuous") != (m.group(3) is None):
            return None
        variant, _ = _NAT8A[m.group(2)]
        return {"motif": m.group(1), "critical_interval": int(m.group(3)) if m.group(3) else None,
                "variant": variant, "syntax": "natural"}
    m = _EP.match(stem)
    if not m or not m.group(1).startswith("nat" if experiment == "nat8b" else "synth"):
        return None
    ci = m.group(3)
    if (ci is None) != (m.group(2) in ("C", "CM")):
        return None
    ci = None if ci is None else (int(ci) if ci.isdigit() else ci)
    return {"motif": m.group(1), "critical_interval": ci, "variant": m.group(2),
            "syntax": "natural" if experiment == "nat8b" else "scrambled"}
