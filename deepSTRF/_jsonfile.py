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


def read_json_or_empty(path: str, warn: str | None = None) -> dict:
    """A cache file that may be damaged: its document, or ``{}`` when it is unreadable (with the
    one-line warning ``f"{warn} {path} ({error})"`` if ``warn`` is given; the cache is then rebuilt)."""
    try:
        doc = read_json(path)
    except (OSError, ValueError) as err:
        if warn:
            import warnings

            warnings.warn(f"{warn} {path} ({err})", stacklevel=3)
        return {}
    return doc if isinstance(doc, dict) else {}


def write_json_if_possible(path: str, data, warn: str | None = None) -> bool:
    """Write a cache file; on a read-only folder say ``f"{warn} {path} ({error})"`` (if given) and return False."""
    try:
        write_json(path, data)
    except OSError as err:
        if warn:
            import warnings

            warnings.warn(f"{warn} {path} ({err})", stacklevel=3)
        return False
    return True
