"""A streaming MATLAB v5 reader that can skip struct fields without reading them.

``scipy.io.loadmat`` reads a struct variable whole. The Downer 2025 channel
files keep a huge spike-waveform matrix (``spike.events``) next to the
small vectors a loader needs, so :func:`read_struct` walks the file element
by element and passes over the unwanted fields: their bytes are skipped
(or, inside a compressed variable, inflated in small pieces and dropped)
and never become arrays.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ._common import FormatError

_NUMERIC = {1: "i1", 2: "u1", 3: "<i2", 4: "<u2", 5: "<i4", 6: "<u4", 7: "<f4", 9: "<f8", 12: "<i8", 13: "<u8"}
MI_MATRIX, MI_COMPRESSED = 14, 15
MX_CELL, MX_STRUCT, MX_CHAR = 1, 2, 4


class MatFormatError(FormatError):
    """A MAT file this reader cannot parse (names the file).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import FormatError, MatFormatError
    >>> issubclass(MatFormatError, FormatError)
    True
    """


class _Bytes:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n: int) -> bytes:
        out = bytes(self.data[self.pos: self.pos + n])
        if len(out) < n:
            raise EOFError
        self.pos += n
        return out

    def skip(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise EOFError
        self.pos += n


class _Inflate:
    """A zlib stream read piece by piece; ``skip`` inflates and drops."""

    def __init__(self, src: _Bytes, size: int):
        self.src, self.left = src, size
        self.z = zlib.decompressobj()
        self.buf = b""

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            if self.z.unconsumed_tail:
                chunk = self.z.unconsumed_tail
            elif self.left > 0:
                take = min(self.left, 1 << 16)
                chunk = self.src.read(take)
                self.left -= take
            else:
                raise EOFError
            self.buf += self.z.decompress(chunk, max(n - len(self.buf), 1 << 16))

    def read(self, n: int) -> bytes:
        self._fill(n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def skip(self, n: int) -> None:
        while n > 0:
            step = min(n, 1 << 20)
            self.read(step)
            n -= step


def _tag(s) -> tuple[int, int, bytes | None]:
    """(type, size, small-element data or None)."""
    typ, size = struct.unpack("<II", s.read(8))
    if typ >> 16:  # small data element: size in the upper 16 bits, data in the next 4 bytes
        return typ & 0xFFFF, typ >> 16, (struct.pack("<I", size))[: typ >> 16]
    return typ, size, None


def _element(s) -> tuple[int, bytes]:
    typ, size, small = _tag(s)
    if small is not None:
        return typ, small
    data = s.read(size)
    s.skip((8 - size % 8) % 8)
    return typ, data


def _matrix(s, size: int, skip: set, depth: int):
    """Parse a miMATRIX body of ``size`` bytes; returns an array, str, dict or list."""
    _, flags = _element(s)
    cls = struct.unpack("<I", flags[:4])[0] & 0xFF
    _, dims_raw = _element(s)
    dims = tuple(np.frombuffer(dims_raw, "<i4"))
    _element(s)  # the array name (empty inside structs)
    if cls == MX_STRUCT:
        _, flen = _element(s)
        width = struct.unpack("<i", flen[:4])[0]
        _, names_raw = _element(s)
        names = [names_raw[i: i + width].split(b"\0")[0].decode() for i in range(0, len(names_raw), width)]
        n = int(np.prod(dims))
        out = [dict() for _ in range(n)]
        for k in range(n):
            for name in names:
                typ, sub = struct.unpack("<II", s.read(8))
                if name in skip and depth == 0:
                    s.skip(sub)
                    continue
                out[k][name] = _matrix(s, sub, skip, depth + 1) if sub else np.zeros((0, 0))
        return out[0] if n == 1 else out
    if cls == MX_CELL:
        items = []
        for _ in range(int(np.prod(dims))):
            typ, sub = struct.unpack("<II", s.read(8))
            items.append(_matrix(s, sub, skip, depth + 1) if sub else np.zeros((0, 0)))
        return items
    typ, data = _element(s)
    if cls == MX_CHAR:
        enc = {16: "utf-8", 17: "utf-16-le", 18: "utf-32-le"}.get(typ)
        if enc is None:
            return np.frombuffer(data, _NUMERIC[typ]).astype(np.uint32).tobytes().decode("utf-32-le")
        return data.decode(enc)
    if typ not in _NUMERIC:
        raise MatFormatError(f"unsupported MAT data type {typ} in a numeric array")
    arr = np.frombuffer(data, _NUMERIC[typ]).astype(np.float64 if cls == 6 else _NUMERIC[typ])
    return arr.reshape(dims, order="F")


def read_struct(path: str, variable: str, skip=()) -> dict:
    """The fields of the 1x1 struct ``variable`` of a MAT v5 file, as numpy arrays
    (column-major shapes as stored) / strings / nested dicts, without reading the
    top-level fields named in ``skip``."""
    return read_structs(path, {variable: skip})[variable]


def read_structs(path: str, variables: dict) -> dict:
    """Several 1x1 struct variables in one pass over the file: ``{name: skip}`` ->
    ``{name: fields}`` (see :func:`read_struct`)."""
    wanted = {k: set(v) for k, v in variables.items()}
    found: dict = {}
    import mmap

    try:
        with open(path, "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # skipped bytes are never paged in
    except (FileNotFoundError, PermissionError):
        raise
    except (OSError, ValueError) as err:  # e.g. an empty file cannot be mapped
        raise MatFormatError(f"{path}: cannot read as a MAT file ({err}); is it empty?", path) from err
    if len(data) < 128 or not data[:6] == b"MATLAB":
        raise MatFormatError(f"{path}: not a MATLAB v5 file (too short, or no 'MATLAB' header; v7.3 files are "
                             "HDF5)", path)
    src = _Bytes(data)
    src.skip(128)
    try:
        while src.pos < len(data):
            typ, size = struct.unpack("<II", src.read(8))
            body = _Inflate(src, size) if typ == MI_COMPRESSED else src
            end = src.pos + size
            if typ == MI_COMPRESSED:
                typ, size = struct.unpack("<II", body.read(8))
            if typ != MI_MATRIX:
                src.pos = end
                continue
            flags = _element(body)[1]
            _element(body)
            _, name = _element(body)
            variable = name.split(b"\0")[0].decode()
            if variable not in wanted:
                src.pos = end
                continue
            skip = wanted[variable]
            cls = struct.unpack("<I", flags[:4])[0] & 0xFF
            if cls != MX_STRUCT:
                raise MatFormatError(f"{path}: variable {variable!r} is not a struct", path, variable)
            # re-read the struct body from its start: flags, dims and name were consumed above
            _, flen = _element(body)
            width = struct.unpack("<i", flen[:4])[0]
            _, names_raw = _element(body)
            names = [names_raw[i: i + width].split(b"\0")[0].decode() for i in range(0, len(names_raw), width)]
            out = {}
            for field in names:
                _, sub = struct.unpack("<II", body.read(8))
                if field in skip:
                    body.skip(sub)
                    continue
                out[field] = _matrix(body, sub, set(), 1) if sub else np.zeros((0, 0))
            found[variable] = out
            src.pos = end
            if len(found) == len(wanted):
                return found
    except (EOFError, struct.error, zlib.error) as err:
        raise MatFormatError(f"{path}: truncated or malformed MAT data ({type(err).__name__}: {err})", path) from err
    except MatFormatError as err:
        if err.path is None:  # raised deep in the parser, without the file
            raise MatFormatError(f"{path}: {err}", path) from err
        raise
    except (KeyError, ValueError, IndexError, UnicodeDecodeError, OverflowError, MemoryError) as err:
        raise MatFormatError(f"{path}: malformed MAT data ({type(err).__name__}: {err})", path) from err
    missing = sorted(set(wanted) - set(found))
    raise MatFormatError(f"{path}: no variable {missing[0]!r}", path, missing[0])
