"""Caches on disk: find them, list them, verify them byte for byte, clear them."""

from __future__ import annotations

import json
import os
import shutil

from ..download.registry import name_key
from .files import is_complete, verify_processed
from .keys import _NOT_CONTENT, CACHE_NAME


def cache_roots(extra: list[str] | None = None, depth: int = 3) -> list[str]:
    """Folders that may hold caches: ``$DEEPSTRF_CACHE_DIR``, every ``.deepstrf/processed``
    within ``depth`` levels of the default data folder, and those of ``extra`` folders.

    Parameters
    ----------
    extra : list of str, optional
        Data folders to look under too (their ``.deepstrf/processed``).
    depth : int, default 3
        How many folder levels below each base to look.

    Returns
    -------
    list of str
        The folders that exist, sorted.

    Examples
    --------
    >>> import os
    >>> from deepSTRF.cache import cache_roots
    >>> os.environ["DEEPSTRF_CACHE_DIR"] in cache_roots()
    True
    """
    from .._paths import default_cache_dir

    found = []
    env = os.environ.get("DEEPSTRF_CACHE_DIR")
    if env:
        found.append(os.path.abspath(env))
    found.append(default_cache_dir("processed"))
    bases = [os.path.dirname(default_cache_dir("processed"))] + [os.path.abspath(e) for e in extra or []]
    for base in bases:
        for d, dirs, _ in os.walk(base):
            if os.path.basename(d) == ".deepstrf" and "processed" in dirs:
                found.append(os.path.join(d, "processed"))
            level = os.path.relpath(d, base).count(os.sep) + (d != base)
            dirs[:] = [x for x in dirs if x == ".deepstrf" or (not x.startswith(".") and level < depth)]
    return sorted({f for f in found if os.path.isdir(f)})


def list_caches(roots: list[str]) -> list[dict]:
    """Every cache under ``roots``: folder, class, arguments (never credentials), bytes, age in s, and
    ``complete`` (False for a folder whose manifest is lost: damaged, removed by ``cache clear``).

    Parameters
    ----------
    roots : list of str
        Folders holding caches (see :func:`cache_roots`).

    Returns
    -------
    list of dict
        ``folder``, ``class``, ``arguments``, ``bytes``, ``age_s``, ``complete`` per cache.

    Examples
    --------
    >>> from deepSTRF.cache import cache_roots, list_caches
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> _ = SimulatedDataset(seed=11, n_neurons=4, n_est=4, n_val=2)   # writes its cache
    >>> any(c["class"].endswith(".SimulatedDataset") for c in list_caches(cache_roots()))
    True
    """
    import time

    out = []
    for root in roots:
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if not (os.path.isdir(folder) and CACHE_NAME.match(name)):
                continue
            try:
                with open(os.path.join(folder, "key.json"), encoding="utf-8") as f:
                    key = json.load(f)
                key = key if isinstance(key, dict) else {}
            except (OSError, ValueError):
                key = {}
            complete = is_complete(folder)
            size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
                       if os.path.isfile(os.path.join(folder, f)))
            age = time.time() - os.path.getmtime(os.path.join(folder, "manifest.json") if complete else folder)
            arguments = key.get("arguments", {}) if isinstance(key.get("arguments"), dict) else {}
            out.append({"folder": folder, "class": key.get("class", name.split("-")[0]),
                        "arguments": {k: v for k, v in arguments.items() if k not in _NOT_CONTENT},
                        "bytes": size, "age_s": age, "complete": complete})
    return out


def verify_caches(roots: list[str], name: str | None = None) -> list[dict]:
    """Check every cache under ``roots`` (of class ``name`` only, when given) byte for byte against the
    content hashes its manifest records; return ``{folder, class, ok, problems}`` per cache.

    Parameters
    ----------
    roots : list of str
        Folders holding caches.
    name : str, optional
        Only this dataset's caches (any spelling: ``NS1``, ``NS1Dataset``).

    Returns
    -------
    list of dict
        ``folder``, ``class``, ``ok``, ``problems`` per cache.

    Examples
    --------
    >>> from deepSTRF.cache import cache_roots, verify_caches
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> _ = SimulatedDataset(seed=11, n_neurons=4, n_est=4, n_val=2)
    >>> all(not r["problems"] for r in verify_caches(cache_roots(), "Simulated"))
    True
    """
    out = []
    for entry in list_caches(roots):
        if name is not None and not _is_class(entry["class"], name):
            continue
        problems = verify_processed(entry["folder"]) if entry["complete"] else ["incomplete: no manifest"]
        ok = not problems or problems[0].startswith("no content hashes recorded")
        out.append({"folder": entry["folder"], "class": entry["class"], "ok": ok, "problems": problems})
    return out


def _is_class(class_name: str, name: str) -> bool:
    """Whether the cached class is dataset ``name`` in any spelling (``NS1``, ``NS1Dataset``, ``crcns_aa1``)."""
    return name_key(class_name.rsplit(".", 1)[-1]) == name_key(name)


def clear_caches(roots: list[str], name: str | None = None, dry_run: bool = False) -> list[str]:
    """Delete the caches under ``roots`` (only those of class ``name``, matched case-insensitively
    with or without the ``Dataset`` suffix, when given; without ``name``, also the temporary folders
    of builds that were interrupted); return the folders removed.

    Parameters
    ----------
    roots : list of str
        Folders holding caches.
    name : str, optional
        Only this dataset's caches (any spelling); without it, every cache and every leftover build folder.
    dry_run : bool, default False
        Only say which folders would be removed.

    Returns
    -------
    list of str
        The folders removed (or, with ``dry_run``, that would be).

    Examples
    --------
    ``dry_run=True`` lists what would go (here, not to delete the caches of the reader's own
    datasets):

    >>> from deepSTRF.cache import cache_roots, clear_caches
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> _ = SimulatedDataset(seed=11, n_neurons=4, n_est=4, n_val=2)
    >>> len(clear_caches(cache_roots(), "Simulated", dry_run=True)) >= 1
    True
    """
    want = None if name is None else name.lower().removesuffix("dataset")
    removed = []
    if name is None:  # what interrupted builds and writes left behind (`.build-*`, `.<name>.tmp-*`)
        for root in roots:
            for entry in sorted(os.listdir(root)):
                path = os.path.join(root, entry)
                if os.path.isdir(path) and (entry.startswith(".build-") or ".tmp-" in entry):
                    if not dry_run:
                        shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
    for entry in list_caches(roots):
        if want is None or _is_class(entry["class"], name):
            if not dry_run:
                shutil.rmtree(entry["folder"])
            removed.append(entry["folder"])
    return removed
