"""Small JSON state files (a dataset folder's ``.deepstrf/``): read with a default, written atomically."""

from __future__ import annotations

import json
import os


def read_json(path: str) -> dict:
    """The document at ``path``; ``{}`` if there is no such file (other errors propagate)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def write_json(path: str, data, **dump_kwargs) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, **dump_kwargs)
    os.replace(tmp, path)
