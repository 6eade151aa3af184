"""Wingert 2026, session by session: each recording archive read once, its stimuli compressed and its
units binned on the release's grid and min-max normalised, into a dataset builder."""

from __future__ import annotations

import glob
import os
import warnings

import numpy as np

from ..._jsonfile import read_json_or_empty, write_json_if_possible
from ...dsp.binning import bin_window_rows
from ...dsp.scaling import minmax_scale_, offset_log
from ...io.lbhb import read_session_archives
from ...io.nems import RecordingError


class SessionLoader:
    """Turns one session's recording into builder entries (stims and normalised responses)."""

    def __init__(self, builder, units, by_session, subset, log_offset, wavs):
        self.b, self.units, self.by_session, self.subset = builder, units, by_session, subset
        self.log_offset, self.wavs = log_offset, wavs  # log_offset None: no compression; wavs None: spectrograms
        self.bands: dict = {}  # session -> (band min, band max) of its log-compressed stims

    def __call__(self, session: str, rec, path: str) -> list[tuple]:
        resp, stim = rec.signal("resp"), rec.signal("stim")
        if resp.arrays is None or resp.epochs is None or stim.arrays is None:
            raise RecordingError(f"{path}: expected resp.h5, resp.epoch.csv and stim.h5")
        names = sorted(stim.arrays)
        neurons = self.by_session[session]
        blocks = session_responses(resp, names, {n: stim.arrays[n].shape[1] for n in names},
                                    {n: self.units[n]["cell_id"] for n in neurons})
        lo, hi, entries = np.full(32, np.inf), np.full(32, -np.inf), []
        for name in names:
            sub = "val" if name.startswith("STIM_00") else "est"
            x = stim.arrays[name].astype(np.float32)
            if self.wavs is None:
                x = x if self.log_offset is None else offset_log(x, self.log_offset)
                lo, hi = np.minimum(lo, x.min(axis=1)), np.maximum(hi, x.max(axis=1))
            if self.subset != "all" and sub != self.subset:
                continue
            s = self.b.add_stim(x[None] if self.wavs is None else self.wavs.locked(name, x.shape[1]), name=name,
                                subset=sub, site=session, session=session)
            for n in neurons:
                if (name, n) in blocks:
                    self.b.add_response(s, n, blocks[name, n])
            entries.append((session, name, s))
        self.bands[session] = (lo, hi)
        return entries


def load_sessions(folder: str, wanted: set, load) -> list[tuple]:
    """``load`` every wanted session once (:func:`~deepSTRF.io.lbhb.read_session_archives`); the archive ->
    session mapping is cached next to the data, so a later load skips archives of unwanted sessions."""
    paths = sorted(glob.glob(os.path.join(folder, "*.tgz")) + glob.glob(os.path.join(folder, "*.tar.gz")))
    if not paths:
        raise FileNotFoundError(f"Wingert2026: no session archive (*.tgz) in {folder}; pass download=True")
    cache_path = os.path.join(os.path.dirname(folder), ".deepstrf", "wingert_sessions.json")
    known = read_json_or_empty(cache_path)  # an unreadable mapping is rebuilt
    done, dropped = read_session_archives(paths, wanted, load, known)
    write_json_if_possible(cache_path, known)  # a read-only data folder: the mapping is simply not cached
    for session, paths_dropped in dropped.items():
        warnings.warn(f"Wingert2026: session {session} is in several archives; using "
                      f"{os.path.basename(done[session][0])}, ignoring "
                      f"{', '.join(sorted(os.path.basename(q) for q in paths_dropped))}", stacklevel=3)
    missing = sorted(wanted - set(done))
    if missing:
        raise FileNotFoundError(f"Wingert2026: no archive in {folder} holds session(s) {', '.join(missing)} "
                                "listed in cell_list.csv; pass download=True or restore recordings.zip")
    return [e for _, entries in done.values() for e in entries]


def session_responses(resp, names, T_of: dict, cell_of: dict) -> dict:
    """Normalised ``(R, T)`` blocks ``{(stim name, neuron): array}`` of one session.

    Per unit, all epoch rows of the session's stimuli are binned at once:
    a spike ``t`` with ``start <= t < end`` goes to bin ``floor(t * 100) -
    round(start * 100)`` (the release's absolute rule), kept if inside the
    stimulus. Then the unit's min-max over all those rows maps it to [0, 1]
    (values below 1e-6 set to 0; a constant unit is left as it is).
    """
    ep = resp.epochs
    rows = np.flatnonzero(np.isin(ep["name"], names))
    if not len(rows):
        return {}
    row_names, starts = ep["name"][rows], ep["start"][rows]
    Tr = np.array([T_of[n] for n in row_names], dtype=np.int64)
    inside = np.arange(int(Tr.max()))[None, :] < Tr[:, None]
    by_name = {name: np.flatnonzero(row_names == name) for name in names}
    blocks = {}
    for n, cid in cell_of.items():
        spikes = np.sort(np.asarray(resp.arrays.get(cid, []), dtype=np.float64))
        mat = bin_window_rows(spikes, starts, Tr, 10.0, unit="s", origins=np.round(starts * 100.0) / 100.0,
                              ends=ep["end"][rows])  # the absolute rule: bins on the recording's 10-ms grid
        vmin, vmax = mat[inside].min(), mat[inside].max()
        if vmax > vmin:  # a constant unit is left as it is
            minmax_scale_(mat, vmin, vmax)
        for name, r in by_name.items():
            if len(r):
                blocks[name, n] = mat[r, : T_of[name]]
    return blocks
