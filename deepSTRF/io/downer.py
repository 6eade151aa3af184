"""Readers of the Downer 2025 release: the YAML session sheet, the per-channel
``*_MUspk.mat`` files (read without their spike-waveform field), the TIMIT
sentence table and the concatenated monkey-vocalisation recording.

Plain numpy arrays and dicts out; every malformation is a
:class:`DownerFormatError` naming the file and the field.
"""

from __future__ import annotations

import re

import numpy as np

from ._common import FormatError, finite_times, loadmat, reading
from .matv5 import read_structs
from .wav import read_wav_raw


class DownerFormatError(FormatError):
    """A malformed Downer 2025 file (names the file and the field).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.
    """


_SESSION_KEY = re.compile(r"^([bcf])_(RH|LH)_sessions$")


def read_session_sheet(path: str) -> dict:
    """``sessions_metadata.yml`` with session ids as strings: ``animal``, ``hemisphere``, ``group``
    (area group), ``coords``, ``bad`` (a set) and ``repeats`` (``{'timit': n, 'mvocs': n}``)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise DownerFormatError(f"{path}: not valid YAML ({err})", path) from err
    if doc is None:
        raise DownerFormatError(f"{path}: the session sheet is empty", path)
    if not isinstance(doc, dict):
        raise DownerFormatError(f"{path}: expected a mapping of keys, found a {type(doc).__name__}", path)

    def ids(key, value):
        if value is None:
            return []
        if not isinstance(value, list):
            raise DownerFormatError(f"{path}: {key} must be a list of session ids; got {value!r}", path, key)
        return [str(v) for v in value]

    animal, hemisphere = {}, {}
    for key, value in doc.items():
        m = _SESSION_KEY.match(str(key))
        if m:
            for s in ids(key, value):
                animal[s], hemisphere[s] = m.group(1), m.group(2)
    areas = doc.get("area_wise_sessions") or {}
    coords = doc.get("session_coordinates") or {}
    reps = doc.get("stim_wise_num_repeats") or {}
    for key, value in (("area_wise_sessions", areas), ("session_coordinates", coords),
                       ("stim_wise_num_repeats", reps)):
        if not isinstance(value, dict):
            raise DownerFormatError(f"{path}: {key} must be a mapping; got {value!r}", path, key)
    group = {s: str(g) for g, value in areas.items() for s in ids(f"area_wise_sessions.{g}", value)}
    with reading(path, "stim_wise_num_repeats must hold whole numbers", DownerFormatError, "stim_wise_num_repeats"):
        repeats = {"timit": int(reps.get("timit", 11)), "mvocs": int(reps.get("mVocs", 15))}
    return {"animal": animal, "hemisphere": hemisphere, "group": group,
            "coords": {str(k): v for k, v in coords.items()},
            "bad": set(ids("bad_sessions", doc.get("bad_sessions"))), "repeats": repeats}


def read_channel_file(path: str, code_field: str) -> dict:
    """One ``*_MUspk.mat``: ``spktimes`` (s, sorted), and the session's trial table ``stimon`` (s) and
    ``codes`` (the ``code_field`` stimulus id of each trial, 0 = another class). The spike waveforms
    (``spike.events``) are never read."""
    parts = read_structs(path, {"spike": ("events",), "trial": ()})
    spike, trial = parts["spike"], parts["trial"]
    for name, struct, fields in (("spike", spike, ("spktimes",)), ("trial", trial, ("stimon", code_field))):
        for f in fields:
            if f not in struct:
                raise DownerFormatError(f"{path}: the '{name}' struct has no field {f!r}", path, f"{name}.{f}")
    with reading(path, "trial.stimon / trial codes are not numeric", DownerFormatError, "trial"):
        stimon = np.asarray(trial["stimon"], dtype=np.float64).ravel()
        codes_f = np.asarray(trial[code_field], dtype=np.float64).ravel()
    if stimon.shape != codes_f.shape:
        raise DownerFormatError(f"{path}: trial.stimon has {stimon.size} trials, trial.{code_field} "
                                f"{codes_f.size}", path, f"trial.{code_field}")
    if not np.isfinite(stimon).all() or not np.isfinite(codes_f).all() or (codes_f != np.round(codes_f)).any():
        raise DownerFormatError(f"{path}: trial.stimon or trial.{code_field} holds NaN/inf or non-integer codes",
                                path, "trial")
    times = finite_times(spike["spktimes"], path, "spike.spktimes", DownerFormatError)
    return {"spktimes": np.sort(times), "stimon": stimon, "codes": codes_f.astype(np.int64)}


def read_timit_table(path: str) -> dict[int, dict]:
    """``sentId -> {'name', 'sound' (speech only, float64), 'rate'}`` of
    ``out_sentence_details_timit_all_loudness.mat`` (the ``befaft`` padding trimmed)."""
    mat = loadmat(path, DownerFormatError, variable_names=["sentdet"])
    if "sentdet" not in mat:
        raise DownerFormatError(f"{path}: no variable 'sentdet' (the sentence table)", path, "sentdet")
    out = {}
    for i, el in enumerate(np.atleast_1d(mat["sentdet"])):
        where = f"sentdet({i + 1})"
        with reading(path, f"{where} is malformed (fields name, sentId, sound, soundf, befaft)", DownerFormatError,
                     where):
            rate = int(np.asarray(el.soundf))
            bef, aft = (float(v) for v in np.atleast_1d(el.befaft))
            x = np.asarray(el.sound, dtype=np.float64).ravel()
            sid = int(np.asarray(el.sentId))
            name = str(el.name)
        a, z = int(round(bef * rate)), len(x) - int(round(aft * rate))
        if rate <= 0 or not 0 <= a < z <= len(x) or not np.isfinite(x).all():
            raise DownerFormatError(f"{path}: {where}: sound of {len(x)} samples at {rate} Hz cannot be trimmed by "
                                    f"befaft {bef, aft} s, or holds NaN", path, where)
        out[sid] = {"name": name, "sound": x[a:z], "rate": rate}
    return out


def read_mvoc_slots(codes_path: str, wav_path: str) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """``(codes, onsets_s, rate, left)``: the vocalisation id and onset of every slot of the concatenated
    recording, its rate, and its left channel (the sounds, as stored; the right channel carries trigger
    pulses and is not returned)."""
    mat = loadmat(codes_path, DownerFormatError)
    for v in ("mVocsStimCodes", "mVocsStimOnTimes"):
        if v not in mat:
            raise DownerFormatError(f"{codes_path}: no variable {v!r}", codes_path, v)
    with reading(codes_path, "mVocsStimCodes / mVocsStimOnTimes are not numeric", DownerFormatError):
        codes = np.asarray(mat["mVocsStimCodes"], dtype=np.float64).ravel()
        onsets = np.asarray(mat["mVocsStimOnTimes"], dtype=np.float64).ravel()
    if codes.shape != onsets.shape or not np.isfinite(codes).all() or not np.isfinite(onsets).all():
        raise DownerFormatError(f"{codes_path}: {codes.size} codes and {onsets.size} onsets, or NaN among them",
                                codes_path)
    rate, data = read_wav_raw(wav_path, mmap=True)
    left = np.asarray(data[:, 0] if data.ndim == 2 else data)
    if onsets.size and onsets.max() * rate >= len(left):
        raise DownerFormatError(f"{wav_path}: a slot starts at {onsets.max():.2f} s, after the recording's end "
                                f"({len(left) / rate:.2f} s): is the wav truncated?", wav_path)
    return codes.astype(np.int64), onsets, rate, left
