"""The constructor flow every dataset shares: check arguments, download if
asked, check that the files are there, then load."""

from __future__ import annotations

import os

from .._checks import check_positive, exact_hop
from .._paths import default_cache_dir


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


def dataset_root(path, folder: str) -> str:
    """``path`` or the default cache folder of the dataset."""
    return os.path.abspath(os.path.expanduser(str(path))) if path is not None else default_cache_dir(folder)


def require(root: str, relpaths, dataset: str, remedy: str) -> None:
    """Raise FileNotFoundError listing every missing file or folder under ``root``."""
    missing = [p for p in relpaths if not os.path.exists(os.path.join(root, p))]
    if missing:
        listing = "\n  ".join(os.path.join(root, p) for p in missing)
        raise FileNotFoundError(f"{dataset}: missing under {root}:\n  {listing}\n{remedy}")
