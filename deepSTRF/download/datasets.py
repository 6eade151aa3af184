"""Download, extract and verify whole datasets, one lock per dataset folder.

The rules (the state files are described in :mod:`deepSTRF.download.state`):

- Nothing is removed before its replacement has been downloaded and
  verified, and nothing deepSTRF did not write is ever deleted.
- A file already in the folder that deepSTRF did not record (placed by
  hand, by another tool, by the earlier package) is checked against the
  published size and checksum (the registry's, or Zenodo's and figshare's)
  and adopted when it matches; where no checksum is published it is
  adopted with its SHA-256 recorded and a one-line note.
- An archive whose extracted tree is complete counts as done, even once
  the archive itself has been deleted; ``download=True`` fetches only what
  is missing.
- A file is recorded only after every check, extraction included, has
  passed; a downloaded archive that cannot be extracted is removed, with a
  message saying so.
"""

from __future__ import annotations

import logging
import os

from filelock import FileLock

from .._paths import default_cache_dir
from .content import SNIFF_BYTES, check_body
from .errors import DownloadError, StateFileError, UnexpectedContentError
from .extract import ArchiveError, extract_archive
from .fetch import credentials, fetch, file_hashes
from .registry import DatasetInfo, FileEntry, dataset_info
from .sources import resolve
from .state import (
    STATE,
    read_state,
    record,
    recorded_ok,
    state_path,
    target_folder,
    tree_complete,
    write_marker,
    write_state,
)

log = logging.getLogger("deepSTRF.download")
#: sources whose host publishes each file's size and checksum (read with the file's record)
PUBLISHING = ("zenodo", "figshare")


def dataset_folder(name: str, dest: str | None = None) -> str:
    """``dest`` or the default cache folder of dataset ``name``.

    Parameters
    ----------
    name : str
        The dataset's registry name (any spelling).
    dest : str, optional
        An explicit folder.

    Returns
    -------
    str
        An absolute path.

    Examples
    --------
    >>> import os
    >>> from deepSTRF.download import dataset_folder
    >>> dataset_folder("NS1", "/data/NS1"), os.path.basename(dataset_folder("crcns_ac1"))
    ('/data/NS1', 'CRCNS_AC1')
    """
    return os.path.abspath(dest) if dest else default_cache_dir(dataset_info(name).folder)


def lock(root: str) -> FileLock:
    """The lock of a dataset folder (two processes never fetch or extract into it at once)."""
    os.makedirs(os.path.join(root, STATE), exist_ok=True)
    return FileLock(os.path.join(root, STATE, "lock"))


def download_dataset(name: str, dest: str | None = None, groups=None, username: str | None = None,
                     password: str | None = None, extract: bool = True, progress: bool | None = None,
                     fetch_missing: bool = True) -> str:
    """Fetch (and unpack) what is missing of dataset ``name``; return its folder.

    Idempotent and safe to call from several processes at once (a file
    lock serialises them). Files recorded as complete are not fetched
    again, files already there are checked and adopted rather than
    fetched (see the module's rules), and archives whose extracted tree is
    complete are neither fetched nor unpacked again.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``'NS1'``.
    dest : str, optional
        Dataset folder; default ``default_cache_dir(<folder>)``.
    groups : iterable of str, optional
        Optional file groups to include (e.g. ``['A1', 'wav']`` for NAT4).
    username, password : str, optional
        CRCNS credentials (else ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``);
        sent only to the CRCNS host over https, never written anywhere.
    extract : bool, default True
        Unpack archives after download.
    progress : bool, optional
        Progress bars (default: when writing to a terminal).
    fetch_missing : bool, default True
        ``False``: use only what is on disk (check and adopt files, unpack
        archives), never the network; see :func:`unpack_dataset`.

    Raises
    ------
    DownloadError
        A file could not be fetched or verified (names it and why);
        :class:`StateFileError` if ``.deepstrf/files.json`` is damaged.
    ArchiveError
        An archive cannot be extracted (damaged, unsafe members).

    Examples
    --------
    Any dataset by name (not run here: no example reaches the network; ``deepstrf download NAME``
    does the same):

    >>> from deepSTRF.download import download_dataset
    >>> folder = download_dataset("NAT4", dest="/data/NAT4", groups=["A1"])  # doctest: +SKIP

    Files already in place are checked and kept; ``fetch_missing=False`` never touches the network.
    Here an NS1 fake (NS1 publishes no checksums, so the files are recorded with their SHA-256):

    >>> import tempfile
    >>> from deepSTRF.testing import fake_release
    >>> from deepSTRF.download import status
    >>> root = fake_release("NS1", tempfile.mkdtemp())["path"]
    >>> download_dataset("NS1", root, fetch_missing=False, progress=False) == root
    True
    >>> status("NS1", root)
    'complete'
    """
    info = dataset_info(name)
    root = dataset_folder(name, dest)
    with lock(root):
        state = read_state(root, info.name)
        creds = None
        for entry in info.select(groups):
            unpack = extract and entry.post != "none"
            if unpack and tree_complete(root, entry, state):
                continue  # the archive may have been deleted after extraction: nothing to do
            path = os.path.join(root, entry.name)
            new = None
            fetched = False
            if not recorded_ok(root, entry, state):
                if os.path.isfile(path):
                    new = _adopt(root, entry, state, creds, info, online=fetch_missing)
                if new is None:
                    if not fetch_missing:
                        continue  # the caller reports what is missing
                    if entry.scheme == "crcns" and creds is None:
                        creds = credentials(username, password)
                    f = fetch(entry.source, root, entry.name, entry.size, entry.hash, creds, progress)
                    new, fetched = record(f.path, f.sha256, entry.source, f.published_hash), True
            if unpack:
                _unpack(root, entry, path, fetched, (new or state[entry.name])["sha256"])
            if new is not None:
                state[entry.name] = new
                write_state(root, state)
    return root


def unpack_dataset(name: str, dest: str | None = None, groups=None) -> str:
    """Check, record and unpack the archives of dataset ``name`` that are already in ``dest``, without
    the network (archives placed by hand, or fetched by a ``download_*`` function that leaves the
    extraction to the dataset); return the folder. The same rules as :func:`download_dataset` apply.

    Parameters
    ----------
    name : str
        The dataset's registry name (any spelling).
    dest : str, optional
        Its folder; default ``default_cache_dir(<its folder>)``.
    groups : iterable of str, optional
        Optional file groups to include.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.download import unpack_dataset
    >>> from deepSTRF.testing import fake_release
    >>> root = fake_release("NS1", tempfile.mkdtemp())["path"]
    >>> unpack_dataset("NS1", root) == root
    True
    """
    return download_dataset(name, dest, groups, fetch_missing=False)


def _adopt(root: str, entry: FileEntry, state: dict, creds, info: DatasetInfo, online: bool = True) -> dict | None:
    """The record of the file already at ``entry``'s path if it passes the published checks, else None
    (then a verified copy is fetched and replaces it only once it has arrived)."""
    path = os.path.join(root, entry.name)
    rec = state.get(entry.name)
    published, size = entry.hash, entry.size
    if published is None and entry.scheme in PUBLISHING:
        if not online:
            return None  # its checksum is the host's: nothing can be said offline
        req = resolve(entry.source, creds)
        published, size = req.hash, size if size is not None else req.size
    algs = ["sha256"] + ([published.split(":", 1)[0]] if published else [])
    digests = file_hashes(path, algs)
    actual = os.path.getsize(path)
    if rec is not None and rec.get("sha256") == digests["sha256"]:
        return record(path, digests["sha256"], entry.source, rec.get("published_hash"), rec.get("adopted", False))
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    try:
        check_body(entry.name, head, None, path)
    except UnexpectedContentError:
        log.warning("%s: %s is not %s; fetching a verified copy to replace it", info.name, path, "the expected file")
        return None
    if published:
        if digests[published.split(":", 1)[0]] == published.lower() and (size is None or size == actual):
            log.info("%s: %s matches the published checksum; kept", info.name, path)
            return record(path, digests["sha256"], entry.source, published.lower(), adopted=rec is None)
        log.warning("%s: %s does not match the published checksum %s; fetching a verified copy (the file stays "
                    "until it has arrived)", info.name, path, published)
        return None
    if rec is not None:  # recorded once, changed since, and nothing published to judge it by
        log.warning("%s: %s changed since it was downloaded; fetching it again (it stays until the new copy has "
                    "arrived)", info.name, path)
        return None
    if size is not None and size != actual:
        log.warning("%s: %s is %d bytes, the registry says %d; fetching a verified copy", info.name, path, actual,
                    size)
        return None
    log.warning("%s: kept %s, which was already there (no checksum is published for it; its SHA-256 is "
                "recorded, so later checks compare against it)", info.name, path)
    return record(path, digests["sha256"], entry.source, None, adopted=True)


def _unpack(root: str, entry: FileEntry, path: str, fetched: bool, sha256: str) -> None:
    """Extract ``entry``'s archive and write its marker; a damaged archive downloaded now is removed."""
    try:
        written = extract_archive(path, target_folder(root, entry), entry.strip, protect=[os.path.join(root, STATE)])
    except ArchiveError as err:
        if fetched:
            os.remove(path)
            raise type(err)(f"{err}; removed {path}, downloaded just now: the next download fetches it "
                            "again") from err
        raise type(err)(f"{err}; {path} was already in the folder and is kept: check it, or delete it and "
                        "download again") from err
    target = target_folder(root, entry)
    members = {os.path.relpath(os.path.join(target, *rel.split("/")), root).replace(os.sep, "/"): size
               for rel, size in written.items()}
    write_marker(root, entry, sha256, members)


def verify_dataset(name: str, dest: str | None = None, groups=None) -> list[dict]:
    """Re-check the files on disk and rebuild ``.deepstrf/files.json`` where needed.

    Per file: presence, size and SHA-256 against what was recorded, and the
    registry's checksum when it has one; a file that was never recorded
    (or whose record was lost) is checked against the published checksum
    (Zenodo and figshare publish one; reading it needs the network) and
    recorded when it matches, or recorded with a note where nothing is
    published. An archive deleted after extraction is fine if its
    extracted tree is complete. Returns one dict per file with ``file``,
    ``ok`` and ``detail`` (first, a line about ``files.json`` if it was
    damaged and rebuilt).

    Parameters
    ----------
    name : str
        The dataset's registry name (any spelling).
    dest : str, optional
        Its folder; default ``default_cache_dir(<its folder>)``.
    groups : iterable of str, optional
        Optional file groups to include (e.g. ``['A1', 'wav']`` for NAT4).

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.download import download_dataset, verify_dataset
    >>> from deepSTRF.testing import fake_release
    >>> root = download_dataset("NS1", fake_release("NS1", tempfile.mkdtemp())["path"], fetch_missing=False, progress=False)
    >>> [r["ok"] for r in verify_dataset("NS1", root)]
    [True, True, True]
    """
    info = dataset_info(name)
    root = dataset_folder(name, dest)
    report = []
    with lock(root):
        try:
            state = read_state(root, info.name)
        except StateFileError as err:
            state = {}
            report.append({"file": os.path.relpath(state_path(root), root), "ok": True,
                           "detail": f"was damaged ({err.reason}); rebuilt from the files on disk"})
            write_state(root, state)
        changed = False
        for entry in info.select(groups):
            path = os.path.join(root, entry.name)
            unpack = entry.post != "none"
            if not os.path.isfile(path):
                if unpack and tree_complete(root, entry, state):
                    report.append({"file": entry.name, "ok": True,
                                   "detail": "deleted after extraction; its extracted files are all present"})
                else:
                    report.append({"file": entry.name, "ok": False, "detail": f"missing: {path}"})
                continue
            ok, detail, new = _verify_file(root, entry, state.get(entry.name))
            if new is not None:
                state[entry.name], changed = new, True
            if ok and unpack and not tree_complete(root, entry, state):
                ok, detail = False, detail + "; archive not (completely) extracted"
            report.append({"file": entry.name, "ok": ok, "detail": detail})
        if changed:
            write_state(root, state)
    return report


def _verify_file(root: str, entry: FileEntry, rec: dict | None) -> tuple[bool, str, dict | None]:
    path = os.path.join(root, entry.name)
    if rec is not None:
        algs = ["sha256"] + [h.split(":", 1)[0] for h in (entry.hash, rec.get("published_hash")) if h]
        digests = file_hashes(path, algs)
        problems = []
        if os.path.getsize(path) != rec.get("size"):
            problems.append(f"size {os.path.getsize(path)} bytes, recorded {rec.get('size')}")
        if digests["sha256"] != rec.get("sha256"):
            problems.append(f"{digests['sha256']}, recorded {rec.get('sha256')}")
        for h, whose in ((entry.hash, "the registry's"), (rec.get("published_hash"), "the published")):
            if h and digests[h.split(":", 1)[0]] != h.lower():
                problems.append(f"does not match {whose} {h}")
        return not problems, "; ".join(problems) or "verified", None
    published, size = entry.hash, entry.size
    if published is None and entry.scheme in PUBLISHING:
        try:
            req = resolve(entry.source)
        except Exception as err:  # noqa: BLE001 - offline, or the host is down: say so, record nothing
            return False, f"not recorded, and its published checksum could not be read ({err})", None
        published, size = req.hash, size if size is not None else req.size
    algs = ["sha256"] + ([published.split(":", 1)[0]] if published else [])
    digests = file_hashes(path, algs)
    actual = os.path.getsize(path)
    if size is not None and size != actual:
        return False, f"size {actual} bytes, published {size}", None
    if published:
        if digests[published.split(":", 1)[0]] != published.lower():
            return False, f"{digests[published.split(':', 1)[0]]} does not match the published {published}", None
        return True, "matches the published checksum; recorded", record(path, digests["sha256"], entry.source,
                                                                         published.lower(), adopted=True)
    return True, "no checksum is published: its SHA-256 is recorded now, later checks compare against it", \
        record(path, digests["sha256"], entry.source, None, adopted=True)


def status(name: str, dest: str | None = None) -> str:
    """``'absent'``, ``'partial'``, ``'complete'`` (every default file recorded, archives extracted) or
    ``'damaged'`` (``.deepstrf/files.json`` cannot be read: ``deepstrf verify`` rebuilds it).

    A dataset whose files all belong to groups (NAT4's areas, Espejo's stimulus sets, AA4's
    animals) is complete when one group is: its files without a group plus that group's.

    Parameters
    ----------
    name : str
        The dataset's registry name (any spelling).
    dest : str, optional
        Its folder; default ``default_cache_dir(<its folder>)``.

    Examples
    --------
    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("NAT4", tempfile.mkdtemp())
    'absent'
    """
    info: DatasetInfo = dataset_info(name)
    root = dataset_folder(name, dest)
    if not os.path.isdir(root):
        return "absent"
    try:
        state = read_state(root, info.name)
    except DownloadError:
        return "damaged"
    def done(entries) -> list[bool]:
        return [tree_complete(root, e, state, inspect_archive=False) if e.post != "none"
                else recorded_ok(root, e, state) for e in entries]

    if info.select():
        found = done(info.select())
        if all(found):
            return "complete"
    else:  # every file is in a group: complete when one group is (an empty folder is not complete)
        found = done(info.files)
        if any(all(done(info.select([g]))) for g in info.groups):
            return "complete"
    return "partial" if any(found) or state else "absent"
