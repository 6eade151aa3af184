"""Load a dataset from its processed cache, or build it and write the cache.

The on-disk format is :mod:`deepSTRF.cache.files`; the keys are
:mod:`deepSTRF.cache.keys`; listing, verifying and clearing are
:mod:`deepSTRF.cache.manage`. A cache lives in
``<data folder>/.deepstrf/processed/<Class>-<group>-<content>/`` (or under
``$DEEPSTRF_CACHE_DIR``).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

from .build import BuildFolder, CacheError, building_into, is_disk_full, to_memory
from .files import is_complete, read_processed, write_processed
from .keys import CACHE_NAME, cache_key, canonical_arguments, source_fingerprint


def cache_root(data_root: str | None) -> str:
    """``$DEEPSTRF_CACHE_DIR`` if set, else ``<data_root>/.deepstrf/processed`` (or the user cache
    folder's ``processed/`` for datasets with no data folder).

    Parameters
    ----------
    data_root : str or None
        The dataset's source folder; None for a dataset made from its arguments.

    Returns
    -------
    str
        An absolute folder (it may not exist yet).

    Examples
    --------
    >>> import os
    >>> from deepSTRF.cache import cache_root
    >>> cache_root("/data/NS1") == os.environ.get("DEEPSTRF_CACHE_DIR", "/data/NS1/.deepstrf/processed")
    True
    """
    env = os.environ.get("DEEPSTRF_CACHE_DIR")
    if env:
        return os.path.abspath(env)
    if data_root is None:
        from .._paths import default_cache_dir

        return default_cache_dir("processed")
    return os.path.join(os.path.abspath(data_root), ".deepstrf", "processed")


def load_or_build(cls, arguments: dict, data_root: str | None, build, loader_version: int = 1):
    """The dataset ``cls(**arguments)`` from its cache, or ``build()`` and cache it.

    ``data_root`` is the folder of the source files (``None`` for a dataset
    made from nothing but its arguments); it need not exist yet (a build
    that downloads creates it). The key is :func:`cache_key` over the
    arguments and the fingerprint of ``data_root`` taken after any build,
    so downloaded files are part of it. A cache that fails its checks, or
    an earlier cache of the same class and arguments whose sources or
    loader have changed since, is reported in one warning line, deleted
    and rebuilt, never used. Caches of a read-only data folder go to the
    user cache folder's ``processed/`` instead. The build runs under a file lock per class and
    arguments, so concurrent first loads (DataLoader workers, DDP ranks,
    several scripts) build once and the others then map that cache. If the
    cache cannot be written (read-only disk), the built dataset is returned
    with a warning.

    Parameters
    ----------
    cls : type
        The dataset class.
    arguments : dict
        Its constructor's arguments by name (bound, defaults applied).
    data_root : str or None
        The folder of its source files.
    build : callable
        ``build() -> dataset``: the uncached load.
    loader_version : int, default 1
        The loader's output format version.

    Returns
    -------
    NeuralDataset
        The mapped cache, or the built dataset when no cache can be used.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.cache import load_or_build
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> args = {"seed": 5, "n_neurons": 4, "n_est": 4, "n_val": 2}
    >>> built = []
    >>> def build():
    ...     built.append(1)
    ...     return SimulatedDataset(**args, cache=False)
    >>> ds1 = load_or_build(SimulatedDataset, args, None, build)
    >>> ds2 = load_or_build(SimulatedDataset, args, None, build)     # mapped from the cache
    >>> len(built), ds2.get_N()
    (1, 4)
    """
    import warnings

    from filelock import FileLock

    arguments = canonical_arguments(arguments)  # before any work: an UnkeyableArgument costs nothing
    root = cache_root(data_root)
    place = "" if data_root is None or not os.environ.get("DEEPSTRF_CACHE_DIR") else os.path.realpath(data_root)
    if data_root is not None and not place and os.path.isdir(data_root) and not _can_write(root):
        from .._paths import default_cache_dir  # a read-only data folder: keep its caches in the user's

        root, place = default_cache_dir("processed"), os.path.realpath(data_root)

    def folder_now():
        """The cache folder for the sources as they are now (None while the source folder is missing)."""
        if data_root is None:
            fingerprint = "none"
        elif os.path.exists(data_root):
            fingerprint = source_fingerprint(data_root)
        else:
            return None
        name, desc = cache_key(cls, arguments, fingerprint, loader_version, place)
        return os.path.join(root, name), desc

    def attempt(where):
        if where is None or not is_complete(where[0]):
            return None
        try:
            return read_processed(where[0], cls)
        except CacheError as err:
            warnings.warn(f"deepSTRF cache: {err}; rebuilding", stacklevel=4)
            shutil.rmtree(where[0], ignore_errors=True)
            return None

    where = folder_now()
    ds = attempt(where)
    if ds is not None:
        return ds
    if where is None:  # no sources yet (a build that downloads them): no lock to take before the build
        return _build_and_write(build, root, None, folder_now)
    group = os.path.basename(where[0]).rsplit("-", 1)[0]
    try:
        os.makedirs(root, exist_ok=True)
        lock = FileLock(os.path.join(root, group + ".lock"))
        lock.acquire()
    except OSError as err:
        warnings.warn(f"deepSTRF cache: cannot use {root} ({err.strerror or err}); loading without the cache",
                      stacklevel=3)
        return build()
    try:
        ds = attempt(where)  # another process may have built it while we waited
        if ds is not None:
            return ds
        _drop_leftovers(root, group)  # we hold the group's lock: any build folder of the group is dead
        _drop_stale(where[0], stacklevel=4)  # before the build: the disk space is free for it
        return _build_and_write(build, root, group, folder_now, before=where)
    finally:
        lock.release()


def _build_and_write(build, root: str, group: str | None, folder_now, before=None):
    """Build into a temporary folder of ``root`` and make it the cache; on a full or read-only disk,
    return the dataset built in memory with a one-line warning (no build folder is left behind)."""
    import warnings

    into = None
    if group is not None:
        into = BuildFolder(os.path.join(root, f".build-{group}-{uuid.uuid4().hex[:12]}"))
        try:
            os.makedirs(into.path)
        except OSError as err:
            warnings.warn(f"deepSTRF cache: cannot write in {root} ({err.strerror or err}); loading without the "
                          "cache", stacklevel=4)
            into = None
    try:
        with building_into(into):
            built = build()
    except BaseException:
        if into is not None:
            shutil.rmtree(into.path, ignore_errors=True)
        raise
    if into is not None and into.spilled is not None:
        return _without_cache(built, into, root, into.spilled)
    where = folder_now()  # the build may have downloaded the sources
    if where is None:
        if into is not None:
            _without_cache(built, into, root, None)
        return built
    folder, desc = where
    try:
        if before is None or before[0] != folder:
            _drop_stale(folder)
        if os.path.isdir(folder) and not is_complete(folder):  # a damaged folder (its manifest lost): replace it
            warnings.warn(f"deepSTRF cache: {folder} is incomplete (no manifest); replacing it", stacklevel=4)
            shutil.rmtree(folder)
        write_processed(built, folder, into)
        with open(os.path.join(folder, "key.json"), "w", encoding="utf-8") as f:
            json.dump(desc, f, indent=1)  # for `deepstrf cache list`; not part of the checked files
    except (OSError, TypeError) as err:
        return _without_cache(built, into, root, err)
    return read_processed(folder, type(built))  # the mapped copy: the in-memory build is released


def _without_cache(built, into: BuildFolder | None, root: str, err: BaseException | None):
    """``built`` with every chunk in memory and the build folder removed, after a one-line warning."""
    import warnings

    if into is not None:
        to_memory(built)
        into.files.clear()
        shutil.rmtree(into.path, ignore_errors=True)
    if err is None:
        return built
    if is_disk_full(err):
        free = shutil.disk_usage(root).free if os.path.isdir(root) else 0
        warnings.warn(f"deepSTRF cache: not enough space in {root}: the build needs "
                      f"{built.payload_nbytes / 2**30:.2f} GiB, {free / 2**30:.2f} GiB free; loaded without the "
                      "cache (free some space, or set $DEEPSTRF_CACHE_DIR to a larger disk)", stacklevel=5)
    else:
        warnings.warn(f"deepSTRF cache: could not write in {root} ({type(err).__name__}: {err}); loaded without "
                      "the cache, it will be built next time", stacklevel=5)
    return built


def _drop_leftovers(root: str, group: str) -> None:
    """Remove the build and temporary folders of ``group`` that dead processes left behind (the caller
    holds the group's lock, so no live process is writing them)."""
    for entry in os.listdir(root):
        if entry.startswith(f".build-{group}-") or (entry.startswith(f".{group}-") and ".tmp-" in entry):
            shutil.rmtree(os.path.join(root, entry), ignore_errors=True)


def _can_write(folder: str) -> bool:
    """Whether ``folder`` exists and is writable, or could be created (its nearest existing parent is)."""
    while not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
    return os.access(folder, os.W_OK)


def _drop_stale(folder: str, stacklevel: int = 5) -> None:
    """Delete the other caches of ``folder``'s group (same class and arguments): complete ones are out of
    date, incomplete ones (manifest lost) damaged; each is reported in one line."""
    import warnings

    root, name = os.path.split(folder)
    group = name.rsplit("-", 1)[0] + "-"
    if not os.path.isdir(root):
        return
    for other in sorted(os.listdir(root)):
        path = os.path.join(root, other)
        if not (other.startswith(group) and path != folder and os.path.isdir(path) and CACHE_NAME.match(other)):
            continue
        if is_complete(path):
            warnings.warn(f"deepSTRF cache: {path} is out of date (the source files, the loader or deepSTRF "
                          "changed since it was written); rebuilding", stacklevel=stacklevel)
        else:
            warnings.warn(f"deepSTRF cache: {path} is incomplete (no manifest); removed", stacklevel=stacklevel)
        shutil.rmtree(path, ignore_errors=True)
