"""Fetch one file: stream with a progress bar into a partial file, check size
and checksum (pooch), then move it into place.

Nothing unverified ever takes the target's name. An interrupted GET
transfer keeps what it received in ``<dest>/.deepstrf/partial/<name>.part``
and the next attempt (a retry, or a later call after Ctrl-C) asks the server
for the rest with an HTTP ``Range`` request; a server that answers with the
whole file instead restarts it cleanly. Transient failures (connection
errors, truncated bodies, HTTP 5xx) are retried with a short backoff; a 4xx,
a failed CRCNS login or a checksum that stays wrong are final, and a
checksum mismatch discards the partial data.
"""

from __future__ import annotations

import hashlib
import os
import time

import pooch

from .sources import TIMEOUT_S, Request, resolve

RETRIES = 3
BACKOFF_S = 1.0
CHUNK = 1 << 20
REGISTER_URL = "https://crcns.org/register"


class DownloadError(RuntimeError):
    """A file could not be fetched or did not match what was expected."""


class LoginError(DownloadError):
    """CRCNS refused the credentials."""


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
        raise DownloadError(f"{what}: needs {needed / 2**30:.2f} GiB but only {free / 2**30:.2f} GiB are free "
                            f"under {folder}; free some space or pass another dest/path")


def partial_path(dest_dir: str, name: str) -> str:
    """Where an interrupted download of ``name`` keeps its bytes for resuming."""
    return os.path.join(dest_dir, ".deepstrf", "partial", name.replace("/", "_") + ".part")


def file_hash(path: str, alg: str = "sha256") -> str:
    h = hashlib.new(alg)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return f"{alg}:{h.hexdigest()}"


class _Downloader:
    """A pooch downloader: GET, or the CRCNS form POST; streams with tqdm and
    checks the byte count against the published size or Content-Length."""

    def __init__(self, req: Request, label: str, progress: bool | None, partial: str):
        self.req = req
        self.label = label
        self.progress = progress
        self.partial = partial

    def __call__(self, url, output_file, pooch_instance, check_only=False):
        import requests
        from tqdm.auto import tqdm

        r = self.req
        kwargs = {"stream": True, "timeout": TIMEOUT_S}
        have = os.path.getsize(self.partial) if r.method == "GET" and os.path.exists(self.partial) else 0
        if r.size is not None and have >= r.size:
            have = 0  # a stale partial file as long as the whole: start again
        if r.method == "POST":
            resp = requests.post(r.url, data=r.form, **kwargs)
        else:
            resp = requests.get(r.url, headers={"Range": f"bytes={have}-"} if have else None, **kwargs)
        try:
            if resp.status_code == 416:  # the server cannot continue from there: start again on the next attempt
                os.remove(self.partial)
                raise _Truncated(f"{self.label}: the server refused to resume at byte {have}")
            resumed = have if resp.status_code == 206 else 0
            if resp.status_code in (401, 403) and r.method == "POST":
                raise LoginError(f"CRCNS refused the login for {self.label} (HTTP {resp.status_code}); "
                                 f"check the username and password (register at {REGISTER_URL})")
            if 400 <= resp.status_code < 500:
                raise DownloadError(f"{self.label}: the server answered HTTP {resp.status_code} for {r.url}")
            resp.raise_for_status()
            if r.method == "POST" and "text/html" in resp.headers.get("Content-Type", ""):
                head = resp.raw.read(65536, decode_content=True)
                if b"<form" in head.lower() and b"password" in head.lower():
                    raise LoginError(f"CRCNS did not accept the login for {self.label}: it answered with its "
                                     f"login form; check the username and password (register at {REGISTER_URL})")
                chunks = [head]
            else:
                chunks = []
            length = resp.headers.get("Content-Length")
            expected = r.size if r.size is not None else (
                int(length) + resumed if length and length.isdigit() else None)
            got = resumed
            os.makedirs(os.path.dirname(self.partial), exist_ok=True)
            with tqdm(total=expected, initial=resumed, unit="B", unit_scale=True, desc=self.label, leave=False,
                      disable=None if self.progress is None else not self.progress) as bar, \
                    open(self.partial, "ab" if resumed else "wb") as out:
                for block in _chain(chunks, resp.iter_content(CHUNK)):
                    out.write(block)
                    got += len(block)
                    bar.update(len(block))
            if expected is not None and got != expected:
                raise _Truncated(f"{self.label}: expected {expected} bytes, received {got}")
            os.replace(self.partial, output_file)  # pooch checks the hash, then moves it into place
        finally:
            resp.close()


def _chain(first, rest):
    yield from (c for c in first if c)
    yield from (c for c in rest if c)


class _Truncated(DownloadError):
    pass


def _transient(err: Exception) -> bool:
    import requests

    if isinstance(err, (LoginError,)):
        return False
    if isinstance(err, _Truncated):
        return True
    if isinstance(err, requests.HTTPError):
        return err.response is not None and err.response.status_code >= 500
    if isinstance(err, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return True
    return isinstance(err, ValueError) and "hash" in str(err).lower()  # pooch: checksum mismatch


def fetch_file(source: str, dest_dir: str, name: str, size: int | None = None, known_hash: str | None = None,
               creds: tuple[str, str] | None = None, progress: bool | None = None) -> tuple[str, str, int]:
    """Download ``source`` to ``dest_dir/name``; return ``(path, sha256, size)``.

    The published size and hash (registry, or the host's record) are
    checked before the file is moved into place; on a mismatch the
    temporary file is deleted and :class:`DownloadError` names the file,
    what was expected and what was found.
    """
    last: Exception | None = None
    for attempt in range(RETRIES):
        try:
            req = resolve(source, creds)
            if size is not None:
                req.size = size
            partial = partial_path(dest_dir, name)
            have = os.path.getsize(partial) if os.path.exists(partial) else 0
            check_free_space(dest_dir, None if req.size is None else max(req.size - have, 0), name)
            expected_hash = known_hash or req.hash
            path = pooch.retrieve(req.url, known_hash=expected_hash, fname=name, path=dest_dir,
                                  downloader=_Downloader(req, name, progress, partial))
            return path, file_hash(path), os.path.getsize(path)
        except Exception as err:  # noqa: BLE001 - classified below, re-raised
            last = err
            if not _transient(err) or attempt == RETRIES - 1:
                break
            time.sleep(BACKOFF_S * 2**attempt)
    if isinstance(last, DownloadError):
        raise last
    if isinstance(last, ValueError) and "hash" in str(last).lower():
        raise DownloadError(f"{name}: checksum mismatch after {RETRIES} attempts; {last}") from None
    raise DownloadError(f"{name}: download from {source} failed ({type(last).__name__}: {last})") from None
