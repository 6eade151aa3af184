"""Building straight into a cache: the temporary folder of a first load.

Inside :func:`building_into`, every :class:`~deepSTRF.paradigm.DatasetBuilder`
allocates its chunks as ``.npy`` files of the build folder (through the
storage's allocation hook, :func:`deepSTRF.paradigm.storage.allocating_with`),
so what a loader writes lands in the page cache (memory the kernel can
write out and reclaim) and writing the cache copies nothing.

Space is reserved (``posix_fallocate``) before a chunk file is mapped, so a
full disk is an ``ENOSPC`` error at allocation, never a ``SIGBUS`` while
writing through the map; the build then continues in memory
(:attr:`BuildFolder.spilled`) and the caller loads without the cache.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid

import numpy as np

from ..paradigm.storage import allocating_with
from .hashes import content_hash


class CacheError(RuntimeError):
    """A cache folder is incomplete, truncated, damaged or from another format version.

    Examples
    --------
    >>> from deepSTRF.cache import CacheError
    >>> issubclass(CacheError, RuntimeError)
    True
    """


class BuildFolder:
    """The temporary folder of a cache being built: the builder's chunks are
    allocated as ``.npy`` files there, so writing the cache copies nothing.

    A chunk allocated here is a shared map of its file; what the loader
    writes into it goes to the page cache (memory the kernel can write out
    and reclaim) instead of anonymous memory, and :func:`write_processed`
    then only cuts each file to its chunk's length and renames it.
    """

    def __init__(self, path: str):
        self.path = path
        self.files: list[tuple[str, np.memmap]] = []
        self.spilled: OSError | None = None  # set when the disk was full: later chunks live in memory

    def allocate(self, prefix: str, size: int) -> np.ndarray:
        """A chunk of ``size`` float32: a map of a new file here, its disk space reserved first; plain memory
        once the disk has been found full (see :attr:`spilled`)."""
        if self.spilled is None:
            path = os.path.join(self.path, f"build-{prefix}-{uuid.uuid4().hex[:12]}.npy")
            try:
                m = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(size,))
                _reserve(path)
            except OSError as err:
                if err.errno not in _FULL:
                    raise
                self.spilled = err
                with contextlib.suppress(OSError):
                    os.remove(path)
            else:
                self.files.append((path, m))
                return m
        return np.empty(size, dtype=np.float32)

    def adoptable(self, chunks: list) -> dict[int, int]:
        """``{id(chunk): file index}`` for chunks that are the only user of a file and start at its start."""
        users: dict[int, list] = {}
        for c in chunks:
            if not isinstance(c, np.ndarray) or c.dtype != np.float32 or c.ndim != 1 or not c.flags.c_contiguous:
                continue
            for i, (_, m) in enumerate(self.files):
                if np.may_share_memory(c, m):
                    users.setdefault(i, []).append(c)
        return {id(cs[0]): i for i, cs in users.items()
                if len(cs) == 1 and cs[0].ctypes.data == self.files[i][1].ctypes.data}

    def adopt(self, i: int, n: int, target: str) -> tuple[int, str]:
        """Cut file ``i`` to ``n`` values (header and length) and rename it ``target``; return its size
        and content hash (of the new header and the values already in memory)."""
        path, m = self.files[i]
        m.flush()
        size = _set_npy_length(path, n)
        with open(path, "rb") as f:
            header = f.read(size - 4 * n)
        os.rename(path, target)
        self.files[i] = (target, m)
        return size, content_hash(header, memoryview(np.ascontiguousarray(m[:n])).cast("B"))

    def discard_rest(self) -> None:
        """Delete the build files no chunk of the dataset uses (e.g. stimuli a loader dropped)."""
        for path, _ in self.files:
            if os.path.basename(path).startswith("build-") and os.path.exists(path):
                os.remove(path)


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _reserve(path: str) -> None:
    """Reserve the disk blocks of the whole file, so writing through a map of it can never fault."""
    fd = os.open(path, os.O_RDWR)
    try:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` says the disk (or the quota) is full."""
    return isinstance(err, OSError) and err.errno in _FULL


def to_memory(ds) -> None:
    """Replace every chunk of ``ds`` that maps a file by an in-memory copy (so the file can go)."""
    for store in (ds.packed_responses, ds.packed_stims):
        for i, c in enumerate(store.chunks):
            if isinstance(c, np.memmap) or isinstance(getattr(c, "base", None), np.memmap):
                store.chunks[i] = np.array(c)
                store.shared[i] = False


@contextlib.contextmanager
def building_into(build: BuildFolder | None):
    """Within the block, builders allocate their chunks in ``build`` (nothing changes with ``None``);
    the hook is :func:`deepSTRF.paradigm.storage.allocating_with`."""
    with allocating_with(None if build is None else build.allocate):
        yield build


def _set_npy_length(path: str, n: int) -> int:
    """Rewrite the shape of a 1-D ``.npy`` file to ``(n,)`` in place (the header keeps its length)
    and cut the file after ``n`` values; return the new file size."""
    with open(path, "r+b") as f:
        start = f.read(8)
        if start[:6] != b"\x93NUMPY":
            raise CacheError(f"{path}: not a .npy file")
        width = 2 if start[6] == 1 else 4
        hlen = int.from_bytes(f.read(width), "little")
        header = repr({"descr": "<f4", "fortran_order": False, "shape": (n,)})
        if len(header) + 1 > hlen:
            raise CacheError(f"{path}: header too short to rewrite")
        f.write((header.ljust(hlen - 1) + "\n").encode("latin1"))
        size = 8 + width + hlen + 4 * n
        f.truncate(size)
    return size
