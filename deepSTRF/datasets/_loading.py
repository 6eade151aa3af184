"""The constructor steps every dataset shares: check arguments, find the folder,
check that the files are there (the cache decorator is :func:`deepSTRF.cache.cached_loader`)."""

from __future__ import annotations

import os

from .._checks import check_positive, exact_hop
from .._paths import dataset_root  # noqa: F401  (re-exported for the loaders)


def check_fixed(name: str, value, required, dataset: str, why: str):
    """Fail unless ``value == required`` (e.g. a bin width fixed by precomputed data)."""
    if value != required:
        raise ValueError(f"{name} must be {required!r} for {dataset}: {why}; got {value!r}")
    return value


def check_waveform_args(return_waveform: bool, audio_fs, dt_ms: float) -> None:
    """In waveform mode, ``audio_fs`` must be a positive int with a whole number of samples per bin."""
    if return_waveform:
        check_positive("audio_fs", audio_fs, integer=True)
        exact_hop(audio_fs, dt_ms)


def require(root: str, relpaths, dataset: str, remedy: str) -> None:
    """Raise FileNotFoundError listing every missing file or folder under ``root``."""
    missing = [p for p in relpaths if not os.path.exists(os.path.join(root, p))]
    if missing:
        listing = "\n  ".join(os.path.join(root, p) for p in missing)
        raise FileNotFoundError(f"{dataset}: missing under {root}:\n  {listing}\n{remedy}")
