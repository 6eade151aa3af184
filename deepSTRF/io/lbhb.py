"""Readers of the LBHB releases: Wingert 2026's ``cell_list.csv`` and its folder of per-session
archives, Lopez Espejo 2019's site archives, and NAT4's ``<area>_pred_correlation.csv``. Plain dicts out; nothing of torch or datasets."""

from __future__ import annotations

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .nems import RecordingError, epoch_bounds, read_recording
from .tables import MISSING, read_table

#: an LBHB unit id: ``<animal (3 letters)><session rest>[-<probe letter>]-<electrode>-<unit>``
CELL_ID = re.compile(r"^([A-Za-z]{3})[A-Za-z0-9]*?(?:-[A-Z])?-(\d+)-(\d+)$")
#: a Lopez Espejo 2019 unit id: ``<animal><n>[letter]-<channel>[-<unit>]`` (the channel may carry letters)
#: a NAT4 unit id: ``<animal (3 letters)><n><site letter>-<electrode>-<unit>``
NAT4_CELL_ID = re.compile(r"^([A-Za-z]{3})\d+[a-z]-(\d+)-(\d+)$")
SITE_CELL_ID = re.compile(r"^([A-Za-z]+)\d+[A-Za-z]?-([A-Za-z]*\d+)(?:-(\d+))?$")


def _text(v: str | None) -> str | None:
    return None if v is None or v.strip() in MISSING else v.strip()


def _truth(v: str | None) -> bool | None:
    t = _text(v)
    return None if t is None else t.lower() in ("true", "1", "1.0")


def read_cell_list(path: str) -> list[dict]:
    """The rows of Wingert 2026's ``cell_list.csv``, in file order.

    Each row: ``cellid``, ``siteid`` (text; required in every row), ``area``,
    ``layer``, ``celltype`` (text or None), ``depth``, ``sw`` (float or None),
    ``narrow``, ``goodpred`` (bool or None), and from the ``cellid``: its
    ``session`` (the part before the first ``-``), ``animal`` (three letters),
    ``electrode`` and ``unit_in_electrode`` (ints; None when the id does not
    follow the LBHB grammar).
    """
    out = []
    for row in read_table(path, required=("cellid", "siteid", "area")):
        cid = row.value("cellid")
        m = CELL_ID.match(cid)
        out.append({"session": cid.split("-")[0], "animal": m.group(1) if m else None,
                    "electrode": int(m.group(2)) if m else None, "unit_in_electrode": int(m.group(3)) if m else None,
            "cellid": row.value("cellid"), "siteid": row.value("siteid"), "area": _text(row.get("area")),
            "layer": _text(row.get("layer")), "celltype": _text(row.get("celltype")),
            "depth": row.value("depth", float, missing_ok=True) if "depth" in row else None,
            "sw": row.value("sw", float, missing_ok=True) if "sw" in row else None,
            "narrow": _truth(row.get("narrow")), "goodpred": _truth(row.get("goodpred")),
        })
    return out


def espejo_cell_parts(cid: str) -> dict:
    """``site`` (the part before the first ``-``), ``animal_id``, ``channel`` and ``unit`` (text; None
    when absent or when the id does not follow the grammar) of a Lopez Espejo 2019 unit id."""
    m = SITE_CELL_ID.match(cid)
    site = cid.split("-")[0] if "-" in cid else cid
    if not m:
        return {"site": site, "animal_id": None, "channel": None, "unit": None}
    return {"site": site, "animal_id": m.group(1), "channel": m.group(2), "unit": m.group(3)}


def nat4_cell_parts(cid: str) -> dict:
    """``site``, ``animal``, ``electrode`` and ``unit_in_electrode`` (ints) of a NAT4 unit id; the site
    alone (None without a ``-``) when the id does not follow the grammar."""
    m = NAT4_CELL_ID.match(cid)
    if m:
        site = cid.split("-")[0]
        return {"site": site, "animal": m.group(1), "electrode": int(m.group(2)), "unit_in_electrode": int(m.group(3))}
    site = cid.split("-")[0] if "-" in cid else None
    return {"site": site, "animal": None, "electrode": None, "unit_in_electrode": None}


def read_auditory_flags(path: str) -> dict[str, bool]:
    """``cellid -> sig_auditory`` of a NAT4 ``<area>_pred_correlation.csv`` (``True``/``False`` text)."""
    flags = {}
    for row in read_table(path, required=("cellid", "sig_auditory")):
        flags[row.value("cellid")] = str(row.get("sig_auditory", "")).strip().lower() == "true"
    return flags


def read_session_archives(paths: list[str], wanted: set, load, known: dict, signals=("resp", "stim")):
    """Read every archive needed exactly once, in the given order, and ``load`` the wanted sessions.

    An archive's session is the id of its units (``<session>-...`` in
    ``resp.json``), not its file name. ``known`` maps an archive's base name
    to ``{"size", "mtime", "session"}`` from an earlier pass: an archive whose
    size and mtime still match is skipped without reading when its session is
    not wanted. ``known`` is updated in place for every archive read. When
    two archives hold one session, the one whose file-name prefix is the
    session id wins (else the first in order); the others are dropped.
    The next archive is read (gunzip and HDF5 parsing, which release the
    GIL) while ``load`` works on the current one.

    Parameters
    ----------
    paths : list of str
        The archives (``*.tgz``), in the order to read them.
    wanted : set of str
        Session ids to load.
    load : callable
        ``load(session, recording, path) -> result``, called once per wanted session.
    known : dict
        The archive -> session mapping of an earlier pass (updated in place).
    signals : tuple of str, default ('resp', 'stim')
        The signals :func:`~deepSTRF.io.nems.read_recording` reads.

    Returns
    -------
    done : dict
        ``session -> (archive path, load result)``.
    dropped : dict
        ``session -> [archive paths]`` ignored because another archive holds the session.
    """
    def session_of(p):
        hit = known.get(os.path.basename(p))
        st = os.stat(p)
        return hit["session"] if hit and hit["size"] == st.st_size and hit["mtime"] == st.st_mtime else None

    def better(p, q, session):  # is archive p preferred to q for this session?
        named = [x for x in (p, q) if os.path.basename(x).split("_")[0] == session]
        return (named[0] == p) if len(named) == 1 else p < q

    sessions = {p: session_of(p) for p in paths}
    done: dict = {}
    dropped: dict = {}
    to_read = []
    for p in paths:
        session = sessions[p]
        if session is not None:
            if session not in wanted:
                continue
            if any(better(q, p, session) for q in paths if sessions[q] == session and q != p):
                dropped.setdefault(session, []).append(p)
                continue
        to_read.append(p)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = {}

        def prefetch(i):
            if i < len(to_read):
                pending[i] = pool.submit(read_recording, to_read[i], signals)

        prefetch(0)
        for i, p in enumerate(to_read):
            prefetch(i + 1)
            rec = pending.pop(i).result()
            chans = rec.signal("resp").chans
            if not chans:
                raise RecordingError(f"{p}: resp.json lists no unit")
            session = chans[0].split("-")[0]
            st = os.stat(p)
            known[os.path.basename(p)] = {"size": st.st_size, "mtime": st.st_mtime, "session": session}
            if session not in wanted:
                continue
            if session in done:
                if not better(p, done[session][0], session):
                    dropped.setdefault(session, []).append(p)
                    continue
                dropped.setdefault(session, []).append(done[session][0])
            done[session] = (p, load(session, rec, p))
            del rec
    return done, dropped


def read_site(path: str, stimfmt: str) -> dict:
    """One Lopez Espejo 2019 site archive, read once: its units, epochs, responses, stimuli and repeat counts.

    Parameters
    ----------
    path : str
        The site's NEMS recording (``*.tgz``).
    stimfmt : str
        The release's stimulus format (``'ozgf'`` or ``'envelope'``); an archive whose
        ``stimfmt`` differs is refused.

    Returns
    -------
    dict
        ``path``; ``units`` (the response channels); ``epochs`` (the epoch table);
        ``counts`` (``STIM_*`` epoch name -> occurrences) and ``site_max`` (the largest);
        ``stims`` (name -> ``(F, T)`` float64 spectrogram: from ``stim.h5``, or cut from
        the stim raster at each name's first epoch, 100 Hz); ``spikes`` (unit -> spike
        times in s, or None) or ``raster`` (``(samples, units)``, or None) and ``col``
        (unit -> raster column).
    """
    rec = read_recording(path, signals=("resp", "stim"))
    fmt = rec.meta.get("stimfmt")
    if fmt is not None and fmt != stimfmt:
        raise RecordingError(f"{path}: stimfmt is {fmt!r}, expected {stimfmt!r} for this release; "
                             "is the archive in the right folder?")
    resp = rec.signal("resp")
    if resp.epochs is None or (resp.arrays is None and resp.raster is None):
        raise RecordingError(f"{path}: expected resp spike times (h5) or a resp CSV, and an epoch table")
    ep = resp.epochs
    is_stim = np.array([n.startswith("STIM_") for n in ep["name"]], dtype=bool)
    counts = Counter(ep["name"][is_stim])
    site_max = max(counts.values(), default=0)
    stims = {}
    if "stim" in rec.signals:
        st = rec.signals["stim"]
        if st.arrays is not None:
            stims = {k: np.asarray(v, dtype=np.float64) for k, v in st.arrays.items()}
        elif st.raster is not None:
            for name in counts:
                i = int(np.flatnonzero(ep["name"] == name)[0])
                a, z = epoch_bounds(ep["start"][i], ep["end"][i], 100.0)
                stims[name] = st.raster[a:z].T.astype(np.float64)
    return {"path": path, "units": resp.chans, "epochs": ep, "counts": counts, "site_max": site_max,
            "stims": stims, "spikes": resp.arrays, "raster": resp.raster,
            "col": {u: k for k, u in enumerate(resp.chans)}}
