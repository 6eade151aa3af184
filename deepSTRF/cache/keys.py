"""What a processed-dataset cache is keyed by: the class, the content arguments in canonical
JSON form, the loader's and deepSTRF's versions, and a fingerprint of the source files."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re

import numpy as np

from .._checks import CREDENTIAL_ARGS
from .files import FORMAT

#: the name of a cache folder: <Class>-<group>-<content>
CACHE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*-[0-9a-f]{10}-[0-9a-f]{12}$")


class UnkeyableArgument(TypeError):
    """A constructor argument has no canonical JSON form, so it cannot key a cache.

    Examples
    --------
    >>> from deepSTRF.cache import UnkeyableArgument, canonical_arguments
    >>> canonical_arguments({"f": lambda x: x})
    Traceback (most recent call last):
    ...
    deepSTRF.cache.keys.UnkeyableArgument: ...
    """


#: arguments that never change the content: never in a key, a manifest, a listing or ``key.json``
#: (credentials above all: the same data loaded with $CRCNS_USERNAME / $CRCNS_PASSWORD keys the same cache)
_NOT_CONTENT = ("path", "download", "cache", "verbose", "progress") + CREDENTIAL_ARGS


def source_fingerprint(root: str, ignore: tuple[str, ...] = (".deepstrf",)) -> str:
    """SHA-256 over (relative path, size, mtime in ns) of every file under ``root``.

    Cheap (one ``stat`` per file, no reading), and any added, removed,
    resized or touched source file changes it. Folders named in ``ignore``
    (our own state, including the caches) are skipped.

    Parameters
    ----------
    root : str
        The source folder.
    ignore : tuple of str, default ('.deepstrf',)
        Names of folders to skip.

    Returns
    -------
    str
        A hex digest.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.cache import source_fingerprint
    >>> root = tempfile.mkdtemp()
    >>> _ = open(os.path.join(root, "a.mat"), "wb").write(b"x")
    >>> before = source_fingerprint(root)
    >>> _ = open(os.path.join(root, "a.mat"), "ab").write(b"y")        # a source file changes
    >>> source_fingerprint(root) == before
    False
    """
    h = hashlib.sha256()
    root = os.path.realpath(root)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ignore)
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                st = os.stat(p)
            except FileNotFoundError:  # a dangling link is not a source
                continue
            h.update(f"{os.path.relpath(p, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cache_key(cls, arguments: dict, fingerprint: str, loader_version: int = 1, place: str = "") -> tuple[str, dict]:
    """``(folder name, description)`` of the cache for ``cls(**arguments)`` on sources with ``fingerprint``.

    Every argument except those that cannot change the content (``path``,
    ``download``, ``cache``, ``verbose``, ``progress`` and the credentials
    ``username``, ``password``) enters the key, in a
    canonical JSON form, with the class, the cache format, the loader's
    format version, the deepSTRF version and the source fingerprint; any
    change gives another folder. The name is ``<Class>-<group>-<content>``:
    ``group`` hashes the class, the arguments and ``place`` (the source
    folder, when caches are kept outside it), so caches of one group that
    differ only in content are earlier versions of the same dataset.

    Parameters
    ----------
    cls : type
        The dataset class.
    arguments : dict
        Its constructor's arguments (bound, defaults applied).
    fingerprint : str
        :func:`source_fingerprint` of the source folder (``'none'`` without one).
    loader_version : int, default 1
        The loader's output format version (``cached_loader(version=...)``).
    place : str, default ''
        The source folder's real path when caches are kept outside it, else ``''``.

    Returns
    -------
    name : str
        The cache folder's name.
    description : dict
        What ``key.json`` shows: class, format, versions, arguments, sources.

    Examples
    --------
    >>> from deepSTRF.cache import cache_key
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> a, _ = cache_key(SimulatedDataset, {"seed": 0, "dt_ms": 10}, fingerprint="")
    >>> b, _ = cache_key(SimulatedDataset, {"seed": 0, "dt_ms": 10.0}, fingerprint="")
    >>> a == b, a.startswith("SimulatedDataset-")
    (True, True)
    """
    from .. import __version__

    args = canonical_arguments(arguments)
    cls_name = f"{cls.__module__}.{cls.__qualname__}"
    group = hashlib.sha256(json.dumps([cls_name, args, place], sort_keys=True).encode()).hexdigest()[:10]
    desc = {"class": cls_name, "format": FORMAT, "loader_version": int(loader_version), "deepSTRF": __version__,
            "arguments": args, "sources": fingerprint}
    digest = hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:12]
    return f"{cls.__name__}-{group}-{digest}", desc


def canonical_arguments(arguments: dict) -> dict:
    """The content-affecting arguments in canonical JSON form (idempotent).

    Parameters
    ----------
    arguments : dict
        Constructor arguments by name.

    Returns
    -------
    dict
        Sorted by name, without the arguments that never change the content.

    Raises
    ------
    UnkeyableArgument
        For a value with no canonical form (an arbitrary object).

    Examples
    --------
    >>> from deepSTRF.cache import canonical_arguments
    >>> canonical_arguments({"dt_ms": 10.0, "areas": ("A1", "PEG")})
    {'areas': ['A1', 'PEG'], 'dt_ms': 10}
    """
    return {k: _canonical(v) for k, v in sorted(arguments.items()) if k not in _NOT_CONTENT}


def _canonical(v):
    import dataclasses

    if dataclasses.is_dataclass(v) and not isinstance(v, type):  # e.g. RepeatGating(...)
        fields = {f.name: _canonical(getattr(v, f.name)) for f in dataclasses.fields(v)}
        return {"__class__": f"{type(v).__module__}.{type(v).__qualname__}", **fields}
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple, set, frozenset)):
        items = [_canonical(x) for x in v]
        return sorted(items, key=repr) if isinstance(v, (set, frozenset)) else items
    if isinstance(v, dict):
        return {str(k): _canonical(x) for k, x in sorted(v.items(), key=lambda kv: repr(kv[0]))}
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)  # dt_ms=10 and dt_ms=10.0 load the same data: one cache
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise UnkeyableArgument(f"argument value of type {type(v).__name__} cannot key a cache")
