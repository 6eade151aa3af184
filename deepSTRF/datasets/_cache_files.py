"""A processed dataset on disk: plain ``.npy`` files plus JSON, memory-mapped on read.

Layout of one cache folder::

    manifest.json          format version, class, every file with its byte size (written last)
    meta.json              stim_meta, nrn_meta and the dataset's own attributes
    resp_<k>.npy           response chunks (float32, 1-D)
    stim_<k>.npy           stimulus chunks (float32, 1-D)
    tables.npz             pair and stimulus index tables (small)
    arr_<k>.npy            arrays found inside metadata or attributes

``.npy`` because it is the one container numpy maps without a dependency,
readable by anything (a header and raw little-endian bytes); JSON because
metadata are small and must stay inspectable. Arrays inside metadata are
written as ``.npy`` and referenced from the JSON by a tag, and tuples,
tensors, non-string dict keys and non-finite floats keep their types, so a
warm dataset equals the cold one value for value (numpy scalars come back
as the Python scalars they hold).

A first load builds straight into the cache: inside :func:`building_into`
the :class:`~deepSTRF.datasets.DatasetBuilder` allocates its chunks as
``.npy`` files of the temporary folder, so writing the cache copies no
data (its chunks are adopted: cut to length and renamed).

The folder is written under a temporary name and renamed into place, and
``manifest.json`` is written last, so a crash mid-write never leaves a
folder that looks complete. The manifest records every file's size and an
xxHash (XXH3-128) of its bytes, computed on the bytes in hand while
writing. On read, every file's size is checked against the manifest (cheap:
warm loads stay fast); a mismatch raises :class:`CacheError` (the caller
reports it and rebuilds). :func:`verify_processed` checks the hashes too
(``deepstrf cache verify``), which catches a same-size change.

Space is reserved (``posix_fallocate``) before a chunk file is mapped, so a
full disk is an ``ENOSPC`` error at allocation, never a ``SIGBUS`` while
writing through the map; the build then continues in memory
(:attr:`BuildFolder.spilled`) and the caller loads without the cache. Chunks are mapped copy-on-write (``mmap_mode='c'``) and
marked shared: reading costs only the pages touched, processes share those
pages, an in-place transform first copies the chunk into private memory (so
a chunk that is still a map equals its file, and pickles as a reference to
it), and the files never change.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import io
import json
import math
import os
import shutil
import uuid
import zipfile

import numpy as np
import torch

from ._storage import PackedResponses, PackedStims

FORMAT = 1
_SKIP = {"_raw_stims", "_raw_responses", "_stim_store", "_resp_store", "_masks", "_sel_nrns", "_sel_stims",
         "_cache", "stim_meta", "nrn_meta", "N_neurons"}
#: attributes never written to a cache, whatever a loader keeps (credentials are not content)
_SECRET = {"username", "password", "credentials", "creds", "token", "_username", "_password", "_creds"}


class CacheError(RuntimeError):
    """A cache folder is incomplete, truncated or from another format version."""


# ---------------------------------------------------------------- building straight into the cache
_BUILDING: contextvars.ContextVar[BuildFolder | None] = contextvars.ContextVar("deepstrf_building", default=None)


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
    for store in (ds._store(), ds._stim_store):
        for i, c in enumerate(store.chunks):
            if isinstance(c, np.memmap) or isinstance(getattr(c, "base", None), np.memmap):
                store.chunks[i] = np.array(c)
                store.shared[i] = False


def chunk_allocator(prefix: str):
    """For :class:`~deepSTRF.datasets.DatasetBuilder`: ``allocate(size)`` writing chunks straight into
    the cache being built (inside :func:`building_into`), else ``None`` (plain memory)."""
    build = _BUILDING.get()
    return None if build is None else (lambda size: build.allocate(prefix, size))


@contextlib.contextmanager
def building_into(build: BuildFolder | None):
    """Within the block, builders allocate their chunks in ``build`` (nothing changes with ``None``)."""
    token = _BUILDING.set(build)
    try:
        yield build
    finally:
        _BUILDING.reset(token)


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


def write_processed(ds, folder: str, build: BuildFolder | None = None) -> str:
    """Write dataset ``ds`` (validated) into ``folder`` atomically; return ``folder``.

    ``folder`` must not exist yet (a concurrent writer that finished first
    wins; this call then discards its own copy). With ``build`` (the folder
    ``ds`` was built into, see :func:`building_into`), chunks that are
    already files there are adopted (cut to length and renamed), not copied.
    """
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    tmp = build.path if build is not None else os.path.join(
        parent, f".{os.path.basename(folder)}.tmp-{uuid.uuid4().hex[:8]}")
    os.makedirs(tmp, exist_ok=build is not None)
    try:
        store, stims = ds._store(), ds._stim_store
        named = [(f"{prefix}_{k}.npy", c) for prefix, chunks in (("resp", store.chunks), ("stim", stims.chunks))
                 for k, c in enumerate(chunks)]
        adopt = build.adoptable([c for _, c in named]) if build is not None else {}
        files, hashes = {}, {}
        for name, c in named:  # copies first: an adopted file is cut to its chunk's length
            if id(c) not in adopt:
                files[name], hashes[name] = _save(tmp, name, np.ascontiguousarray(c, np.float32))
        for name, c in named:
            if id(c) in adopt:
                files[name], hashes[name] = build.adopt(adopt[id(c)], c.size, os.path.join(tmp, name))
        if build is not None:
            build.discard_rest()
        tables = {"stim_T": store.stim_T, "pair_stim": store.pair_stim, "pair_nrn": store.pair_nrn,
                  "pair_chunk": store.pair_chunk, "pair_offset": store.pair_offset, "pair_reps": store.pair_reps,
                  "stim_chunk_of": stims.chunk_of, "stim_offset_of": stims.offset_of,
                  "stim_shapes_flat": np.array([d for s in stims.shapes for d in s], dtype=np.int64),
                  "stim_ndims": np.array([len(s) for s in stims.shapes], dtype=np.int64)}
        buf = io.BytesIO()
        np.savez(buf, **tables)
        files["tables.npz"], hashes["tables.npz"] = _write_bytes(tmp, "tables.npz", buf.getvalue())
        arrays: list = []
        attrs = {k: v for k, v in ds.__dict__.items() if k not in _SKIP and k not in _SECRET}
        meta = {"stim_meta": _encode(ds.stim_meta, arrays), "nrn_meta": _encode(ds.nrn_meta, arrays),
                "attrs": _encode(attrs, arrays), "n_neurons": int(ds.N_neurons)}
        for k, a in enumerate(arrays):
            files[f"arr_{k}.npy"], hashes[f"arr_{k}.npy"] = _save(tmp, f"arr_{k}.npy", a)
        files["meta.json"], hashes["meta.json"] = _write_bytes(
            tmp, "meta.json", json.dumps(meta, allow_nan=False).encode("utf-8"))
        manifest = {"format": FORMAT, "class": f"{type(ds).__module__}.{type(ds).__qualname__}",
                    "n_resp_chunks": len(store.chunks), "n_stim_chunks": len(stims.chunks), "files": files,
                    "hashes": hashes}
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.rename(tmp, folder)
        except OSError:
            if not is_complete(folder):
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: keep its cache
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def is_complete(folder: str) -> bool:
    """True if ``folder`` holds a manifest (the last file a writer creates)."""
    return os.path.isfile(os.path.join(folder, "manifest.json"))


def read_processed(folder: str, cls):
    """A dataset of class ``cls`` from ``folder``, its chunks memory-mapped copy-on-write.

    Raises
    ------
    CacheError
        When the folder is incomplete, a file is missing or has the wrong
        size, the format version differs, or the cache holds another class.
    """
    manifest = read_manifest(folder)
    want = f"{cls.__module__}.{cls.__qualname__}"
    if manifest.get("class") != want:
        raise CacheError(f"{folder}: holds a {manifest.get('class')}, not a {want}")
    check_sizes(folder, manifest)
    try:
        resp = [_part(folder, f"resp_{k}.npy", _map) for k in range(manifest["n_resp_chunks"])]
        stim = [_part(folder, f"stim_{k}.npy", _map) for k in range(manifest["n_stim_chunks"])]
        t = _part(folder, "tables.npz", _tables)
        meta = _part(folder, "meta.json", _json)
        shapes, pos = [], 0
        for nd in t["stim_ndims"].tolist():
            shapes.append(tuple(t["stim_shapes_flat"][pos : pos + nd].tolist()))
            pos += nd
        stims = PackedStims(stim, t["stim_chunk_of"], t["stim_offset_of"], shapes, shared=[True] * len(stim))
        responses = PackedResponses(resp, t["stim_T"], meta["n_neurons"], t["pair_stim"], t["pair_nrn"],
                                    t["pair_chunk"], t["pair_offset"], t["pair_reps"], shared=[True] * len(resp))
        ds = cls.__new__(cls)
        arrays = _ArrayLoader(folder)
        ds.__dict__.update(_decode(meta["attrs"], arrays))
        ds._install(stims, responses, _decode(meta["stim_meta"], arrays), _decode(meta["nrn_meta"], arrays))
        ds._reset_selection_state()
    except CacheError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile) as err:
        raise CacheError(f"{folder}: unreadable ({type(err).__name__}: {err})") from None
    return ds


def _map(path: str) -> np.ndarray:
    return np.load(path, mmap_mode="c", allow_pickle=False)


def _tables(path: str) -> dict:
    if not zipfile.is_zipfile(path):
        raise ValueError("not an .npz (zip) archive")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _part(folder: str, name: str, read):
    """``read(folder/name)``; a damaged file is a :class:`CacheError` naming it."""
    try:
        return read(os.path.join(folder, name))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise CacheError(f"{folder}: {name} is damaged ({type(err).__name__}: {err})") from None


def read_manifest(folder: str) -> dict:
    """The manifest of a cache folder (its format checked).

    Raises
    ------
    CacheError
        No manifest, an unreadable one, or another format version.
    """
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as err:
        raise CacheError(f"{folder}: no readable manifest ({err})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CacheError(f"{folder}: the manifest lists no files")
    if manifest.get("format") != FORMAT:
        raise CacheError(f"{folder}: cache format {manifest.get('format')!r}, this version reads {FORMAT}")
    return manifest


def check_sizes(folder: str, manifest: dict) -> None:
    """Every file the manifest lists is there at its size (a ``stat`` each), else :class:`CacheError`."""
    for name, size in manifest["files"].items():
        path = os.path.join(folder, name)
        actual = os.path.getsize(path) if os.path.exists(path) else None
        if actual != size:
            raise CacheError(f"{folder}: {name} is {'missing' if actual is None else f'{actual} bytes'}, "
                             f"the manifest says {size}")


def verify_processed(folder: str) -> list[str]:
    """The problems of a complete cache folder: sizes, then every file's content hash against the
    manifest (reads every byte once). An empty list means intact.

    A cache written before content hashes were recorded reports that only its sizes could be checked.
    """
    try:
        manifest = read_manifest(folder)
        check_sizes(folder, manifest)
    except CacheError as err:
        return [str(err).removeprefix(f"{folder}: ")]
    hashes = manifest.get("hashes")
    if not isinstance(hashes, dict):
        return ["no content hashes recorded (written by an earlier deepSTRF); only sizes were checked"]
    problems = []
    for name in manifest["files"]:
        want = hashes.get(name)
        got = file_content_hash(os.path.join(folder, name))
        if want != got:
            problems.append(f"{name}: content hash {got}, the manifest says {want}: the file changed since it "
                            "was written")
    return problems


def content_hash(*parts) -> str:
    """XXH3-128 of the concatenated byte buffers ``parts``, as ``'xxh3_128:<hex>'``."""
    import xxhash

    h = xxhash.xxh3_128()
    for p in parts:
        h.update(p)
    return f"xxh3_128:{h.hexdigest()}"


def file_content_hash(path: str) -> str:
    """:func:`content_hash` of a file's bytes (read in 16-MiB blocks)."""
    import xxhash

    h = xxhash.xxh3_128()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            h.update(block)
    return f"xxh3_128:{h.hexdigest()}"


# ---------------------------------------------------------------- encoding
def _save(folder: str, name: str, a: np.ndarray) -> tuple[int, str]:
    """Write ``a`` as ``.npy``; return its size and content hash (header re-read, values from memory)."""
    path = os.path.join(folder, name)
    a = np.ascontiguousarray(a)
    np.save(path, a, allow_pickle=False)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(size - a.nbytes)
    return size, content_hash(header, memoryview(a).cast("B") if a.nbytes else b"")


def _write_bytes(folder: str, name: str, data: bytes) -> tuple[int, str]:
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    return len(data), content_hash(data)


def _encode(x, arrays: list):
    """JSON-ready form of ``x``; arrays and tensors go to ``arrays`` and are referenced by index."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)) and not isinstance(x, np.bool_):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else {"__float__": repr(v)}
    if isinstance(x, torch.Tensor):
        arrays.append(x.detach().cpu().numpy())
        return {"__array__": len(arrays) - 1, "torch": True}
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            raise TypeError("cannot cache an object array")
        arrays.append(np.ascontiguousarray(x))
        return {"__array__": len(arrays) - 1, "torch": False}
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in x]}
    if isinstance(x, list):
        return [_encode(v, arrays) for v in x]
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):
            return {"__dict__": {k: _encode(v, arrays) for k, v in x.items()}}
        return {"__items__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in x.items()]}
    raise TypeError(f"cannot cache a value of type {type(x).__name__}")


class _ArrayLoader:
    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, k: int, as_torch: bool):
        a = np.load(os.path.join(self.folder, f"arr_{k}.npy"), allow_pickle=False)
        return torch.from_numpy(a) if as_torch else a


def _decode(x, arrays: _ArrayLoader):
    if isinstance(x, list):
        return [_decode(v, arrays) for v in x]
    if not isinstance(x, dict):
        return x
    if "__array__" in x:
        return arrays(x["__array__"], x["torch"])
    if "__float__" in x:
        return float(x["__float__"])
    if "__tuple__" in x:
        return tuple(_decode(v, arrays) for v in x["__tuple__"])
    if "__dict__" in x:
        return {k: _decode(v, arrays) for k, v in x["__dict__"].items()}
    if "__items__" in x:
        return {_decode_key(k, arrays): _decode(v, arrays) for k, v in x["__items__"]}
    raise CacheError(f"unknown tag in cached metadata: {sorted(x)}")


def _decode_key(k, arrays):
    v = _decode(k, arrays)
    return tuple(v) if isinstance(v, list) else v
