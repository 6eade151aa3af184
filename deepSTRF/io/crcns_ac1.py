"""Readers of CRCNS-AC1 (Wehr and Asari) MATLAB v5 files."""

from __future__ import annotations

import re

import numpy as np

from ._common import FormatError, loadmat, reading

NATURAL_TYPES = {"naturalsound", "nauralsound", "natural", "natural sound"}
_SEQ = re.compile(r"^\s*sequence\s*\d*\s*:\s*([\d\s]+)$", re.IGNORECASE)


class AC1FormatError(FormatError):
    """A malformed CRCNS-AC1 file (names the file and what was expected).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import AC1FormatError, FormatError
    >>> issubclass(AC1FormatError, FormatError)
    True
    """


def _load(path: str) -> dict:
    return loadmat(path, AC1FormatError)


def _field(obj, name, path, what):
    if not hasattr(obj, name):
        raise AC1FormatError(f"{path}: {what} has no field '{name}'", path, f"{what}.{name}")
    return getattr(obj, name)


def read_trial_file(path: str) -> dict:
    """A recording / trial file.

    Returns ``trace`` (float64 mV = int16 samples x ``scale``), ``sf`` (Hz),
    ``triggers`` (list of dicts: ``type`` lower-cased, ``onset`` 0-based
    sample, ``description``, ``duration_ms``) and, for Asari files,
    ``stimulus_files`` (the ``param.stimulus`` table) and ``site`` /
    ``recording_type`` (from ``param.recording``, else None).
    """
    mat = _load(path)
    if "response" not in mat:
        raise AC1FormatError(f"{path}: no 'response' struct (expected trace, scale, sf)", path, "response")
    resp = mat["response"]
    with reading(path, "response.scale is not a number", AC1FormatError, "response.scale"):
        scale = np.asarray(_field(resp, "scale", path, "response"), dtype=np.float64)
    if scale.size != 1 or not np.isfinite(scale).all():
        raise AC1FormatError(f"{path}: response.scale must be one number (mV per count); got {scale!r}", path,
                             "response.scale")
    with reading(path, "response.trace is not a numeric vector", AC1FormatError, "response.trace"):
        trace = np.asarray(_field(resp, "trace", path, "response"), dtype=np.float64).ravel() * float(scale)
    with reading(path, "response.sf is not a number", AC1FormatError, "response.sf"):
        sf = float(np.asarray(_field(resp, "sf", path, "response")))
    if not (np.isfinite(sf) and sf > 0):
        raise AC1FormatError(f"{path}: response.sf must be a positive sampling rate; got {sf!r}", path, "response.sf")
    if trace.size == 0 or not np.isfinite(trace).all():
        raise AC1FormatError(f"{path}: response.trace is empty or holds NaN/inf", path, "response.trace")
    triggers = []
    for k, trig in enumerate(np.atleast_1d(mat.get("triggers", []))):
        param = getattr(trig, "param", None)
        with reading(path, f"triggers({k + 1}) is malformed", AC1FormatError, f"triggers({k + 1})"):
            triggers.append({
                "type": str(getattr(trig, "type", "")).strip().lower(),
                "onset": int(np.asarray(getattr(trig, "time", 1))) - 1,
                "description": str(getattr(param, "description", "")) if param is not None else "",
                "duration_ms": float(np.asarray(getattr(param, "duration", np.nan))) if param is not None else np.nan,
            })
    out = {"trace": trace, "sf": sf, "triggers": triggers, "stimulus_files": None, "site": None,
           "recording_type": None}
    param = mat.get("param")
    if param is not None and hasattr(param, "stimulus"):
        with reading(path, "param.stimulus is not a table of files", AC1FormatError, "param.stimulus"):
            out["stimulus_files"] = [str(_field(s, "file", path, "param.stimulus")) for s in
                                     np.atleast_1d(param.stimulus)]
        rec = getattr(param, "recording", None)
        if rec is not None:
            out["site"] = str(getattr(rec, "site", ""))
            out["recording_type"] = str(getattr(rec, "type", ""))
    return out


def read_stimulus_file(path: str) -> dict:
    """A stimulus file: ``samples`` (float64; Wehr ``samples`` / Asari ``sample``),
    ``sf`` (Hz) and ``description`` (Wehr)."""
    mat = _load(path)
    if "stimulus" not in mat:
        raise AC1FormatError(f"{path}: no 'stimulus' struct", path, "stimulus")
    st = mat["stimulus"]
    samples = getattr(st, "samples", None)
    if samples is None:
        samples = getattr(st, "sample", None)
    if samples is None:
        raise AC1FormatError(f"{path}: stimulus has neither 'samples' nor 'sample'", path, "stimulus.samples")
    param = _field(st, "param", path, "stimulus")
    with reading(path, "stimulus.samples is not a numeric vector", AC1FormatError, "stimulus.samples"):
        x = np.asarray(samples, dtype=np.float64).ravel()
    with reading(path, "stimulus.param.sf is not a number", AC1FormatError, "stimulus.param.sf"):
        sf = float(np.asarray(_field(param, "sf", path, "stimulus.param")))
    if x.size == 0 or not np.isfinite(x).all():
        raise AC1FormatError(f"{path}: stimulus.samples is empty or holds NaN/inf", path, "stimulus.samples")
    if not (np.isfinite(sf) and sf > 0):
        raise AC1FormatError(f"{path}: stimulus.param.sf must be a positive sampling rate; got {sf!r}", path,
                             "stimulus.param.sf")
    return {"samples": x, "sf": sf, "description": str(getattr(param, "description", ""))}


def parse_sequence(description: str) -> tuple[int, ...] | None:
    """``'Sequence 1: 2  1 3'`` -> ``(2, 1, 3)`` (1-based positions), else None."""
    m = _SEQ.match(description)
    return tuple(int(v) for v in m.group(1).split()) if m else None
