"""Fetch one file: stream it with a progress bar into a partial file, check
what came back (its first bytes, size and checksum), then move it into place.

Nothing unverified ever takes the target's name, and a file already at the
target is replaced only by a verified one (an atomic rename). An
interrupted GET keeps what it received in
``<dest>/.deepstrf/partial/<name>.part`` with the URL and the server's
validator (ETag or Last-Modified) beside it; the next attempt (a retry, or
a later call after Ctrl-C) asks for the rest with ``Range`` and
``If-Range``, checks that ``Content-Range`` starts where the partial file
ends and that its total is the file's size, and otherwise starts again from
byte zero (so a file that changed on the server is never spliced onto the
old one). Transient failures (connection errors, truncated bodies, HTTP
5xx) are retried with a short backoff; a 4xx, a refused login, an error
page or a checksum that stays wrong are final, and nothing of them is kept.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass

from .._jsonfile import read_json, write_json
from .content import SNIFF_BYTES, check_body
from .errors import DownloadError, HTTPStatusError, LoginError, NotEnoughSpaceError, UnexpectedContentError
from .http import open_url
from .sources import Request, resolve

log = logging.getLogger("deepSTRF.download")
RETRIES = 3
BACKOFF_S = 1.0
CHUNK = 1 << 20
REGISTER_URL = "https://crcns.org/register"
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


def credentials(username: str | None, password: str | None) -> tuple[str, str]:
    """CRCNS credentials from the arguments or ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``."""
    user = username or os.environ.get("CRCNS_USERNAME")
    pw = password or os.environ.get("CRCNS_PASSWORD")
    if not user or not pw:
        raise LoginError(
            "this dataset is on CRCNS and needs a free account: pass username= and password=, or set "
            f"CRCNS_USERNAME and CRCNS_PASSWORD (register at {REGISTER_URL})"
        )
    return user, pw


def check_free_space(folder: str, needed: int | None, what: str) -> None:
    """Fail before starting when ``folder``'s disk has less than ``needed`` bytes free."""
    if not needed:
        return
    import shutil

    os.makedirs(folder, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise NotEnoughSpaceError(f"{what}: needs {needed / 2**30:.2f} GiB but only {free / 2**30:.2f} GiB are free "
                                  f"under {folder}; free some space or pass another dest/path")


def partial_path(dest_dir: str, name: str) -> str:
    """Where an interrupted download of ``name`` keeps its bytes for resuming."""
    return os.path.join(dest_dir, ".deepstrf", "partial", name.replace("/", "_") + ".part")


def file_hash(path: str, alg: str = "sha256") -> str:
    """``'<alg>:<hex digest>'`` of the file at ``path``."""
    return file_hashes(path, (alg,))[alg]


def file_hashes(path: str, algs) -> dict[str, str]:
    """Several digests of one file in a single read: ``{alg: '<alg>:<hex>'}``."""
    hs = {alg: hashlib.new(alg) for alg in dict.fromkeys(algs)}
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            for h in hs.values():
                h.update(block)
    return {alg: f"{alg}:{h.hexdigest()}" for alg, h in hs.items()}


@dataclass
class Fetched:
    """A verified file: where it is, its SHA-256 and size, and the published checksum it matched (if any)."""

    path: str
    sha256: str
    size: int
    published_hash: str | None


class _Truncated(DownloadError):
    pass


class _Restart(DownloadError):
    """The partial data cannot be continued (changed on the server, wrong Content-Range): start from zero."""


def _transient(err: Exception) -> bool:
    import requests

    if isinstance(err, (_Truncated, _Restart, _ChecksumMismatch)):
        return True
    if isinstance(err, DownloadError):
        return isinstance(err, HTTPStatusError) and err.status >= 500
    return isinstance(err, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError))


class _ChecksumMismatch(DownloadError):
    pass


def _validator(resp) -> str | None:
    """What ``If-Range`` can send back: a strong ETag, else Last-Modified."""
    etag = resp.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return resp.headers.get("Last-Modified")


def _download(req: Request, label: str, partial: str, size: int | None, progress: bool | None) -> None:
    """One attempt: the body of ``req`` into ``partial``, continued where it stopped when possible."""
    from tqdm.auto import tqdm

    info_path = partial + ".json"
    have = os.path.getsize(partial) if os.path.exists(partial) else 0
    info = _read_partial_info(info_path) if have else {}
    headers = None
    if have and req.method == "GET" and info.get("url") == req.url and info.get("validator") \
            and (size is None or have < size):  # continue only what the server can vouch for (If-Range)
        headers = {"Range": f"bytes={have}-", "If-Range": info["validator"]}
    else:
        have = 0
    resp, chain = open_url(req.url, method=req.method, form=req.form, headers=headers,
                           credential_host=req.credential_host)
    try:
        final_url = chain[-1]
        if resp.status_code == 416:  # the server cannot continue from there
            raise _Restart(f"{label}: the server refused to resume at byte {have}")
        if resp.status_code in (401, 403) and req.method == "POST":
            raise LoginError(f"CRCNS refused the login for {label} (HTTP {resp.status_code}); "
                             f"check the username and password (register at {REGISTER_URL})")
        if resp.status_code >= 400:
            raise HTTPStatusError(f"{label}: the server answered HTTP {resp.status_code} for {final_url}",
                                  resp.status_code, final_url)
        length = resp.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        if resp.status_code == 206 and not have:
            raise DownloadError(f"{label}: {final_url} answered 206 (part of the file) to a request for the whole "
                                "file; nothing was stored")
        if resp.status_code == 206:
            total = _check_content_range(resp.headers.get("Content-Range"), have, size or info.get("total"), label)
        else:
            if have:
                log.warning("%s: the server sent the whole file instead of the rest (it changed since the "
                            "interrupted attempt, or it cannot resume); starting again from byte 0", label)
            have, total = 0, size if size is not None else length  # a whole body (or If-Range said: changed)
        body = resp.iter_content(CHUNK)
        first = b""
        if not have:  # check what the server sends before anything is stored
            first = _read_head(body, SNIFF_BYTES)
            if req.method == "POST" and b"<form" in first.lower() and b"password" in first.lower():
                first += _read_head(body, 65536)
                raise LoginError(f"CRCNS did not accept the login for {label}: it answered with its login form; "
                                 f"check the username and password (register at {REGISTER_URL})")
            check_body(label, first, resp.headers.get("Content-Type"), final_url)
        os.makedirs(os.path.dirname(partial), exist_ok=True)
        write_json(info_path, {"url": req.url, "validator": _validator(resp), "total": total})
        got = have
        with tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=label, leave=False,
                  disable=None if progress is None else not progress) as bar, \
                open(partial, "ab" if have else "wb") as out:
            for block in _chain(first, body):
                out.write(block)
                got += len(block)
                bar.update(len(block))
        if total is not None and got != total:
            raise _Truncated(f"{label}: expected {total} bytes, received {got}")
    finally:
        resp.close()


def _read_head(body, n: int) -> bytes:
    head = b""
    for block in body:
        head += block
        if len(head) >= n:
            break
    return head


def _chain(first: bytes, rest):
    if first:
        yield first
    yield from (c for c in rest if c)


def _read_partial_info(path: str) -> dict:
    try:
        info = read_json(path)
    except (OSError, ValueError):  # a damaged note: the partial data cannot be trusted
        return {}
    return info if isinstance(info, dict) else {}


def _check_content_range(value: str | None, have: int, total: int | None, label: str) -> int:
    """The total size from a 206's ``Content-Range``, which must continue at ``have`` and end the file."""
    m = _CONTENT_RANGE.match(value or "")
    if not m:
        raise _Restart(f"{label}: a 206 answer with Content-Range {value!r}; starting again from byte 0")
    start, end = int(m.group(1)), int(m.group(2))
    full = None if m.group(3) == "*" else int(m.group(3))
    if start != have or full is None or (total is not None and full != total) or end != full - 1:
        raise _Restart(f"{label}: asked for bytes {have}- of {total if total is not None else '?'}, the server sent "
                       f"{value!r}; starting again from byte 0")
    return full


def _remove_partial(partial: str) -> None:
    for p in (partial, partial + ".json"):
        if os.path.exists(p):
            os.remove(p)


def fetch(source: str, dest_dir: str, name: str, size: int | None = None, known_hash: str | None = None,
          creds: tuple[str, str] | None = None, progress: bool | None = None, req: Request | None = None) -> Fetched:
    """Download ``source`` to ``dest_dir/name`` and verify it; return a :class:`Fetched`.

    The expected size and checksum are the registry's (``size``,
    ``known_hash``) or those the host publishes (Zenodo, figshare). A file
    already at ``dest_dir/name`` is replaced only once the new one has
    passed every check. On a mismatch nothing is kept and
    :class:`DownloadError` names the file, what was expected and what was
    found.
    """
    last: Exception | None = None
    partial = partial_path(dest_dir, name)
    url = None
    for attempt in range(RETRIES):
        try:
            r = req if req is not None else resolve(source, creds)
            url = r.url
            want_size = size if size is not None else r.size
            expected_hash = known_hash or r.hash
            have = os.path.getsize(partial) if os.path.exists(partial) else 0
            check_free_space(dest_dir, None if want_size is None else max(want_size - have, 0), name)
            _download(r, name, partial, want_size, progress)
            algs = ["sha256"] + ([expected_hash.split(":", 1)[0]] if expected_hash else [])
            digests = file_hashes(partial, algs)
            if expected_hash and digests[expected_hash.split(":", 1)[0]] != expected_hash.lower():
                found = digests[expected_hash.split(":", 1)[0]]
                _remove_partial(partial)
                raise _ChecksumMismatch(f"{name}: checksum mismatch: expected {expected_hash}, the download has "
                                        f"{found}")
            got = os.path.getsize(partial)
            target = os.path.join(dest_dir, name)
            os.replace(partial, target)
            _remove_partial(partial)
            return Fetched(target, digests["sha256"], got, expected_hash.lower() if expected_hash else None)
        except Exception as err:  # noqa: BLE001 - classified below, re-raised
            last = err
            if isinstance(err, (_Restart, UnexpectedContentError, LoginError)):
                _remove_partial(partial)
            if isinstance(err, _Restart):
                log.warning("%s", err)
            if not _transient(err) or attempt == RETRIES - 1:
                break
            time.sleep(BACKOFF_S * 2**attempt)
    if isinstance(last, _ChecksumMismatch):
        raise DownloadError(f"{last} (after {RETRIES} attempts; nothing was kept)") from None
    if isinstance(last, DownloadError):
        raise last
    if isinstance(last, OSError) and not _is_network(last):  # our side: a full disk, a read-only folder
        where = last.filename or dest_dir
        if last.errno == errno.ENOSPC:
            err = NotEnoughSpaceError(f"{name}: the disk is full ({where}); free some space and run again (what "
                                      "was received is kept and the download resumes)")
        else:
            err = DownloadError(f"{name}: cannot write {where} ({last.strerror or last})")
        err.__cause__ = last
        raise err
    if _is_network(last):
        raise DownloadError(f"{name}: {network_problem(last, url)}") from None
    raise DownloadError(f"{name}: download from {source} failed ({type(last).__name__}: {last})") from None


def _is_network(err: Exception) -> bool:
    import requests

    return isinstance(err, requests.RequestException)


def network_problem(err: Exception, url: str | None = None) -> str:
    """A one-line account of a failed connection: which host, and why (never the request's body)."""
    from urllib.parse import urlsplit

    import requests

    url = getattr(getattr(err, "request", None), "url", None) or url or ""
    host = urlsplit(url).netloc or "the server"
    if isinstance(err, requests.Timeout):
        return f"{host} did not answer in time; try again later"
    if isinstance(err, requests.exceptions.ChunkedEncodingError):
        m = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", str(err))
        got = f": {m.group(1)} bytes of the {int(m.group(1)) + int(m.group(2))} announced" if m else ""
        return f"the connection to {host} broke during the transfer{got}; try again (it resumes)"
    m = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(err))
    why = m.group(1).strip() if m else type(err).__name__
    return f"could not reach {host} ({why}); check the network connection and try again"


def fetch_file(source: str, dest_dir: str, name: str, size: int | None = None, known_hash: str | None = None,
               creds: tuple[str, str] | None = None, progress: bool | None = None) -> tuple[str, str, int]:
    """Download ``source`` to ``dest_dir/name``; return ``(path, sha256, size)`` (see :func:`fetch`).

    Parameters
    ----------
    source : str
        A registry source (``zenodo:8044773/wav.zip``, ``osf:gdwyd``, ...).
    dest_dir : str
        The folder the file goes in.
    name : str
        Its file name there.
    size : int, optional
        The expected size in bytes (else the host's, if it publishes one).
    known_hash : str, optional
        The expected ``'<alg>:<hex>'`` checksum (else the host's, if published).
    creds : (str, str), optional
        CRCNS ``(username, password)``, sent only to the CRCNS host over https.
    progress : bool, optional
        A progress bar (default: when writing to a terminal).

    Examples
    --------
    Not run here (no example reaches the network); ``tests/test_download.py`` runs it against a
    local server:

    >>> from deepSTRF.download import fetch_file
    >>> path, sha256, size = fetch_file("zenodo:8044773/A1_pred_correlation.csv", "/data/NAT4",
    ...                                 "A1_pred_correlation.csv")  # doctest: +SKIP

    A source that names no host it knows is refused at once:

    >>> fetch_file("ftp://example.org/x.zip", "/tmp", "x.zip")
    Traceback (most recent call last):
    ...
    deepSTRF.download.errors.SourceError: ...
    """
    f = fetch(source, dest_dir, name, size, known_hash, creds, progress)
    return f.path, f.sha256, f.size
