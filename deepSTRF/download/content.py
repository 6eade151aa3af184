"""Is this body the file we asked for? A check of its first bytes and its type.

Hosts answer a missing file, an expired session or a rate limit with an
HTML page (often with status 200). Stored under the file's name, such a
page would pass every check of a source that publishes no checksum. So the
first bytes of every body are checked against what the file name promises:
a zip starts with ``PK``, a gzip tar with ``1f 8b``, a MAT file with
``MATLAB``, an HDF5 file with its signature, a WAV with ``RIFF``; a CSV or
any other text is refused if it is HTML or JSON.
"""

from __future__ import annotations

from .errors import UnexpectedContentError

#: how many leading bytes :func:`check_body` looks at
SNIFF_BYTES = 512

_KINDS = (  # (name suffix, kind), longest suffix first
    (".tar.gz", "gzip"), (".tgz", "gzip"), (".gz", "gzip"), (".zip", "zip"), (".tar", "tar"),
    (".mat", "mat"), (".h5", "hdf5"), (".hdf5", "hdf5"), (".wav", "wav"), (".csv", "text"),
    (".txt", "text"), (".yml", "text"), (".yaml", "text"), (".json", "json"),
)
_DESCRIBE = {"gzip": "a gzip (tar.gz) archive", "zip": "a zip archive", "tar": "a tar archive",
             "mat": "a MATLAB .mat file", "hdf5": "an HDF5 file", "wav": "a WAV file", "text": "a text table",
             "json": "a JSON document", None: "a data file"}
_HDF5 = b"\x89HDF\r\n\x1a\n"


def expected_kind(name: str) -> str | None:
    """The kind of file ``name`` promises (``'zip'``, ``'gzip'``, ``'mat'``, ...), None if unknown."""
    low = name.lower()
    for suffix, kind in _KINDS:
        if low.endswith(suffix):
            return kind
    return None


def _looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--", b"<h1", b"<title"))


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b" \t\r\n").startswith((b"{", b"["))


def _matches(kind: str | None, head: bytes) -> bool:
    if kind == "zip":
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    if kind == "gzip":
        return head.startswith(b"\x1f\x8b")
    if kind == "tar":
        return len(head) >= 262 and head[257:262] == b"ustar"
    if kind == "mat":  # v4-v7 text header, or v7.3 (HDF5 with a MATLAB user block)
        return head.startswith(b"MATLAB") or head.startswith(_HDF5)
    if kind == "hdf5":
        return head.startswith(_HDF5) or head[512:520] == _HDF5
    if kind == "wav":
        return head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"
    if kind == "json":
        return not _looks_like_markup(head)
    return not (_looks_like_markup(head) or _looks_like_json(head))  # text and unknown kinds


def _shown(head: bytes) -> str:
    text = head[:80].decode("latin-1")
    text = "".join(c if c.isprintable() else "." for c in text)
    return repr(text) + ("..." if len(head) > 80 else "")


def check_body(name: str, head: bytes, content_type: str | None, url: str) -> None:
    """Raise :class:`UnexpectedContentError` if ``head`` (the first bytes of the
    body served for file ``name`` from ``url``) is not that kind of file.

    An empty body of a file that should have content is refused too.
    """
    kind = expected_kind(name)
    ctype = (content_type or "").split(";")[0].strip().lower()
    wanted = _DESCRIBE[kind]
    if not head:
        raise UnexpectedContentError(f"{name}: {url} sent an empty body where {wanted} was expected")
    markup_type = ctype in ("text/html", "application/xhtml+xml")
    json_type = ctype in ("application/json", "application/problem+json")
    if (markup_type and kind != "text") or (json_type and kind != "json") or not _matches(kind, head) or (
            markup_type and _looks_like_markup(head)):
        raise UnexpectedContentError(
            f"{name}: {url} sent {ctype or 'a body of unknown type'} starting {_shown(head)} where {wanted} was "
            "expected (not the file: an error page, or another file); nothing was stored")
