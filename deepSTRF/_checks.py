"""One small set of argument checks, so every error message has the same shape.

Each check names the parameter, what is allowed, and what was received.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import DatasetIndexError, DatasetTypeError, DatasetValueError


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise DatasetValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_positive(name: str, value: Any, *, integer: bool = False) -> Any:
    """Return ``value`` if it is a finite number > 0 (an int if ``integer``)."""
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        kind = "a positive integer" if integer else "a positive number"
        raise DatasetTypeError(f"{name} must be {kind}; got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and value > 0):
        kind = "a positive integer" if integer else "a positive finite number"
        raise DatasetValueError(f"{name} must be {kind}; got {value!r}")
    return value


def check_index(name: str, value: Any, size: int) -> int:
    """Return ``value`` as a non-negative index into a sequence of ``size``.

    Negative indices count from the end, as in Python.
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise DatasetTypeError(f"{name} must be an integer index; got {value!r} ({type(value).__name__})")
    i = int(value.__index__())
    if not -size <= i < size:
        raise DatasetIndexError(f"{name} {i} is out of range for {size} entries (valid: {-size}..{size - 1})")
    return i + size if i < 0 else i


def exact_hop(audio_fs: int, dt_ms: float) -> int:
    """Audio samples per neural bin, ``audio_fs * dt_ms / 1000``, which must be an integer."""
    hop = audio_fs * dt_ms / 1000.0
    r = round(hop)
    if r < 1 or abs(hop - r) > 1e-9 * max(1.0, hop):
        raise DatasetValueError(
            f"audio_fs * dt_ms / 1000 must be a whole number of samples per bin (the grid lock); "
            f"got audio_fs={audio_fs!r} Hz, dt_ms={dt_ms!r} -> {hop!r} samples. "
            f"Choose an audio_fs that is a multiple of {_rate_step(dt_ms)} Hz."
        )
    return int(r)


def _rate_step(dt_ms: float) -> str:
    from fractions import Fraction

    step = Fraction(1000) / Fraction(dt_ms).limit_denominator(10**6)
    # the smallest rate giving an integer hop is the numerator of 1000/dt reduced
    return str(step.numerator)


def check_choices(name: str, values, allowed) -> list:
    """A tuple/list argument whose members must all be allowed (a single string is accepted too); as a list."""
    values = [values] if isinstance(values, str) else list(values)
    if not values:
        raise DatasetValueError(f"{name} must not be empty; allowed: {', '.join(map(repr, allowed))}")
    for v in values:
        check_option(f"{name} entry", v, allowed)
    return values


def check_names(name: str, value) -> list[str]:
    """A string or a non-empty list of strings (ids, labels), as a list."""
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple, set)) else None
    if not values or not all(isinstance(v, str) for v in values):
        raise DatasetValueError(f"{name} must be a string or a non-empty list of strings; got {value!r}")
    return values


def check_fixed(name: str, value, required, dataset: str, why: str):
    """Fail unless ``value == required`` (e.g. a bin width fixed by precomputed data)."""
    if value != required:
        raise DatasetValueError(f"{name} must be {required!r} for {dataset}: {why}; got {value!r}")
    return value


def check_waveform_args(return_waveform: bool, audio_fs, dt_ms: float) -> None:
    """In waveform mode, ``audio_fs`` must be a positive int with a whole number of samples per bin."""
    if return_waveform:
        check_positive("audio_fs", audio_fs, integer=True)
        exact_hop(audio_fs, dt_ms)


#: loader arguments that carry a secret: never recorded, so never accepted where they would be
CREDENTIAL_ARGS = ("username", "password")


def refuse_credentials(kwargs: dict, where: str) -> None:
    """Refuse ``username`` / ``password`` in arguments that are recorded in a file (benchmark
    results, a saved model's description); the loaders read ``$CRCNS_USERNAME`` /
    ``$CRCNS_PASSWORD`` instead."""
    found = [k for k in CREDENTIAL_ARGS if k in kwargs]
    if found:
        raise DatasetValueError(f"{where}: {', '.join(found)} would be written to the results; set "
                                "$CRCNS_USERNAME and $CRCNS_PASSWORD instead (the loaders read them)")
