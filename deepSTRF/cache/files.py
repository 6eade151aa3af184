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

A first load builds straight into the cache (:mod:`deepSTRF.cache.build`),
so writing the cache copies no data: its chunks are adopted (cut to length
and renamed).

The folder is written under a temporary name and renamed into place, and
``manifest.json`` is written last, so a crash mid-write never leaves a
folder that looks complete. The manifest records every file's size and an
xxHash (XXH3-128) of its bytes, computed on the bytes in hand while
writing. On read, every file's size is checked against the manifest (cheap:
warm loads stay fast); a mismatch raises :class:`CacheError` (the caller
reports it and rebuilds). :func:`verify_processed` checks the hashes too
(``deepstrf cache verify``), which catches a same-size change. Chunks are mapped copy-on-write (``mmap_mode='c'``) and
marked shared: reading costs only the pages touched, processes share those
pages, an in-place transform first copies the chunk into private memory (so
a chunk that is still a map equals its file, and pickles as a reference to
it), and the files never change.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import uuid
import zipfile

import numpy as np
import torch

from ..paradigm.storage import PackedResponses, PackedStims
from .build import BuildFolder, CacheError
from .hashes import content_hash, file_content_hash

FORMAT = 1
#: attributes never written to a cache, whatever a loader keeps (credentials are not content)
_SECRET = {"username", "password", "credentials", "creds", "token", "_username", "_password", "_creds"}


#: more chunks than this (a dataset built from lists keeps one per tensor) are written as one file each kind
_MAX_CHUNK_FILES = 256


def write_processed(ds, folder: str, build: BuildFolder | None = None) -> str:
    """Write dataset ``ds`` (validated) into ``folder`` atomically; return ``folder``.

    ``folder`` must not exist yet (a concurrent writer that finished first
    wins; this call then discards its own copy). With ``build`` (the folder
    ``ds`` was built into, see :func:`building_into`), chunks that are
    already files there are adopted (cut to length and renamed), not copied.

    Parameters
    ----------
    ds : NeuralDataset
        A validated dataset.
    folder : str
        The cache folder to create.
    build : BuildFolder, optional
        The folder ``ds`` was built into (its chunk files are adopted).

    Returns
    -------
    str
        ``folder``.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.cache import is_complete, read_processed, write_processed
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2, cache=False)
    >>> folder = write_processed(ds, os.path.join(tempfile.mkdtemp(), "ds"))
    >>> is_complete(folder), read_processed(folder, SimulatedDataset).get_S()
    (True, 6)
    """
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    tmp = build.path if build is not None else os.path.join(
        parent, f".{os.path.basename(folder)}.tmp-{uuid.uuid4().hex[:8]}")
    os.makedirs(tmp, exist_ok=build is not None)
    try:
        store, stims = ds.packed_responses, ds.packed_stims
        if len(store.chunks) + len(stims.chunks) > _MAX_CHUNK_FILES:  # built from lists: one chunk per tensor
            store, stims = store.compacted(), stims.compacted()
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
        attrs = {k: v for k, v in ds.dataset_attributes().items() if k not in _SECRET}
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
    """True if ``folder`` holds a manifest (the last file a writer creates).

    Parameters
    ----------
    folder : str
        A cache folder.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.cache import is_complete
    >>> is_complete(tempfile.mkdtemp())              # no manifest: not a finished cache
    False
    """
    return os.path.isfile(os.path.join(folder, "manifest.json"))


def read_processed(folder: str, cls):
    """A dataset of class ``cls`` from ``folder``, its chunks memory-mapped copy-on-write.

    Parameters
    ----------
    folder : str
        A cache folder.
    cls : type
        The class the cache must hold.

    Returns
    -------
    NeuralDataset
        Of class ``cls``, every chunk a copy-on-write map of its file.

    Raises
    ------
    CacheError
        When the folder is incomplete, a file is missing or has the wrong
        size, the format version differs, or the cache holds another class.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.cache import read_processed, write_processed
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2, cache=False)
    >>> back = read_processed(write_processed(ds, os.path.join(tempfile.mkdtemp(), "ds")), SimulatedDataset)
    >>> bool(torch.equal(back.responses[4][0], ds.responses[4][0]))
    True
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
        arrays = _ArrayLoader(folder)
        ds = cls.from_packed(stims, responses, _decode(meta["stim_meta"], arrays), _decode(meta["nrn_meta"], arrays),
                             _decode(meta["attrs"], arrays))
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

    Parameters
    ----------
    folder : str
        A cache folder.

    Returns
    -------
    list of str
        One line per problem found.

    Examples
    --------
    >>> import glob, os, tempfile
    >>> from deepSTRF.cache import verify_processed, write_processed
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2, cache=False)
    >>> folder = write_processed(ds, os.path.join(tempfile.mkdtemp(), "ds"))
    >>> verify_processed(folder)
    []
    >>> chunk = sorted(glob.glob(os.path.join(folder, "resp*.npy")))[0]
    >>> with open(chunk, "r+b") as f:                 # one byte flipped on disk
    ...     _ = f.seek(-1, 2)
    ...     _ = f.write(b"\x01")
    >>> len(verify_processed(folder))
    1
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
