"""Readers of the Downer 2025 release: the YAML session sheet, the per-channel
``*_MUspk.mat`` files (read without their spike-waveform field), the TIMIT
sentence table and the concatenated monkey-vocalisation recording.

Plain numpy arrays and dicts out; every malformation is a
:class:`DownerFormatError` naming the file and the field.
"""

from __future__ import annotations

import os
import re
from collections import Counter

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

    Examples
    --------
    >>> from deepSTRF.io import DownerFormatError, FormatError
    >>> issubclass(DownerFormatError, FormatError)
    True
    """


_SESSION_KEY = re.compile(r"^([bcf])_(RH|LH)_sessions$")
#: a channel file: ``<animal>_<session>_Ch<channel>[<suffix>]_MUspk.mat``
CHANNEL = re.compile(r"^([a-z])_(\d{6})_Ch(\d+)([a-z][a-z0-9]*)?_MUspk\.mat$")


def session_channels(folder: str) -> dict[str, list[tuple[str, dict]]]:
    """The ``sessions/`` tree: ``session id -> [(path, parts)]`` of its ``*_MUspk.mat`` files.

    Sessions (sub-folders) and files in sorted order; ``parts`` holds ``animal``,
    ``session``, ``channel`` (int) and ``suffix`` (text or None) from the file name.
    Files that do not follow the grammar are not channels and are left out.

    Parameters
    ----------
    folder : str
        The release's ``sessions/`` folder.
    """
    out = {}
    for sid in sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))):
        files = []
        for f in sorted(os.listdir(os.path.join(folder, sid))):
            m = CHANNEL.match(f) if "MUspk" in f else None
            if m:
                files.append((os.path.join(folder, sid, f), {"animal": m.group(1), "session": m.group(2),
                                                             "channel": int(m.group(3)), "suffix": m.group(4)}))
        out[sid] = files
    return out


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


def read_channels(channels: list[tuple[str, str]], code_field: str, desc: str = "reading sessions"):
    """One pass over channel files: ``(trials, spikes)``.

    ``channels`` are ``(path, session id)`` pairs; ``trials[session] = (stimon,
    codes)`` is the trial table of the session's first file (it is the same in
    all of a session's files), ``spikes[i]`` the spike times of file ``i``.
    The spike-waveform field is never read. A progress bar counts sessions.

    Parameters
    ----------
    channels : list of (str, str)
        ``(path of a *_MUspk.mat, its session id)``, in the order wanted.
    code_field : str
        The stimulus-code field of the set: ``'timitStimcode'`` or ``'mVocStimcode'``.
    desc : str, default 'reading sessions'
        Label of the progress bar.
    """
    from tqdm.auto import tqdm

    trials, spikes = {}, []
    bar = tqdm(total=len({sid for _, sid in channels}), desc=desc, unit="session", leave=False, disable=None)
    for path, sid in channels:
        channel = read_channel_file(path, code_field)
        if sid not in trials:
            bar.update(1)
            bar.set_postfix_str(f"session {sid}")
            trials[sid] = (channel["stimon"], channel["codes"])
        spikes.append(channel["spktimes"])
    bar.close()
    return trials, spikes


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


def read_mvoc_sounds(codes_path: str, wav_path: str) -> tuple[dict[int, np.ndarray], int, dict[int, int]]:
    """The vocalisations cut from the concatenated recording: ``(sounds, rate, n_in_wav)``.

    ``sounds[id]`` is the left channel from the id's first slot, as long as
    its shortest slot (a slot lasts until the next one starts), float64
    (int16 scaled by 1/32768); ``n_in_wav[id]`` counts its slots.

    Parameters
    ----------
    codes_path : str
        ``SqMoPhys_MVOCStimcodes.mat`` (the id and onset of every slot).
    wav_path : str
        ``MonkVocs_15Blocks.wav`` (left: the sounds; right: trigger pulses).
    """
    codes, onsets, rate, left = read_mvoc_slots(codes_path, wav_path)
    scale = 32768.0 if left.dtype == np.int16 else 1.0
    ends = np.append(onsets[1:], len(left) / rate)
    sounds = {}
    for sid in sorted(set(codes.tolist())):
        slots = np.flatnonzero(codes == sid)
        duration = float(np.min(ends[slots] - onsets[slots]))
        a = int(round(onsets[slots[0]] * rate))
        sounds[sid] = left[a: a + int(round(duration * rate))].astype(np.float64) / scale
    return sounds, int(rate), dict(Counter(codes.tolist()))
