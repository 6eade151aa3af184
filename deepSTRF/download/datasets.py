"""Download, extract and verify whole datasets, one lock per dataset folder.

Next to the data, ``.deepstrf/files.json`` records every file fetched
(size, modification time, SHA-256, and the host's published checksum when
there is one) and ``.deepstrf/extracted/<archive>.json`` marks an archive
whose extraction completed. Where neither the registry nor the host
publishes a checksum, the SHA-256 recorded at the first download is what
later checks (``verify_dataset``, ``deepstrf verify``) compare against.
"""

from __future__ import annotations

import json
import logging
import os

from filelock import FileLock

from .._jsonfile import read_json, write_json
from .._paths import default_cache_dir
from .extract import safe_extract
from .fetch import check_free_space, credentials, fetch_file, file_hash
from .registry import DatasetInfo, FileEntry, dataset_info

STATE = ".deepstrf"
log = logging.getLogger("deepSTRF.download")


def dataset_folder(name: str, dest: str | None = None) -> str:
    """``dest`` or the default cache folder of dataset ``name``."""
    return os.path.abspath(dest) if dest else default_cache_dir(dataset_info(name).folder)


def _state_path(root: str) -> str:
    return os.path.join(root, STATE, "files.json")


def _read_state(root: str) -> dict:
    return read_json(_state_path(root))


def _write_json(path: str, data: dict) -> None:
    write_json(path, data, indent=1, sort_keys=True)


def _marker(root: str, entry: FileEntry) -> str:
    return os.path.join(root, STATE, "extracted", f"{entry.name}.json")


def lock(root: str) -> FileLock:
    """The lock of a dataset folder (two processes never fetch or extract into it at once)."""
    os.makedirs(os.path.join(root, STATE), exist_ok=True)
    return FileLock(os.path.join(root, STATE, "lock"))


def _recorded_ok(root: str, entry: FileEntry, state: dict) -> bool:
    """The file is there, unchanged since we recorded it (size and mtime)."""
    rec = state.get(entry.name)
    path = os.path.join(root, entry.name)
    if not rec or not os.path.isfile(path):
        return False
    st = os.stat(path)
    return st.st_size == rec["size"] and abs(st.st_mtime - rec["mtime"]) < 1e-3


def _extracted(root: str, entry: FileEntry, state: dict) -> bool:
    try:
        with open(_marker(root, entry)) as f:
            return json.load(f).get("sha256") == state.get(entry.name, {}).get("sha256")
    except FileNotFoundError:
        return False


def download_dataset(name: str, dest: str | None = None, groups=None, username: str | None = None,
                     password: str | None = None, extract: bool = True, progress: bool | None = None) -> str:
    """Fetch (and unpack) the files of dataset ``name``; return its folder.

    Idempotent: files recorded as complete are not fetched again and
    archives marked as extracted are not unpacked again. Safe to call from
    several processes at once (a file lock serialises them).

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
        never written anywhere.
    extract : bool, default True
        Unpack archives after download.
    """
    info = dataset_info(name)
    root = dataset_folder(name, dest)
    entries = info.select(groups)
    with lock(root):
        state = _read_state(root)
        creds = None
        for entry in entries:
            path = os.path.join(root, entry.name)
            if not _recorded_ok(root, entry, state):
                if os.path.lexists(path):
                    log.warning("%s: %s is not recorded as complete; fetching it again", info.name, path)
                    os.remove(path)
                if entry.scheme == "crcns" and creds is None:
                    creds = credentials(username, password)
                _, sha, size = fetch_file(entry.source, root, entry.name, entry.size, entry.hash, creds, progress)
                st = os.stat(path)
                state[entry.name] = {"size": size, "mtime": st.st_mtime, "sha256": sha, "source": entry.source,
                                     "published_hash": entry.hash}
                _write_json(_state_path(root), state)
            if extract and entry.post != "none" and not _extracted(root, entry, state):
                target = os.path.normpath(os.path.join(root, entry.into))
                check_free_space(root, _unpacked_size(path), f"unpacking {entry.name}")
                written = safe_extract(path, target, entry.strip)
                _write_json(_marker(root, entry), {"sha256": state[entry.name]["sha256"], "into": entry.into,
                                                   "entries": written})
    return root


def _unpacked_size(archive: str) -> int | None:
    """Total size of a zip's members (read from its index), None for other archives."""
    import zipfile

    if not zipfile.is_zipfile(archive):
        return None
    with zipfile.ZipFile(archive) as z:
        return sum(i.file_size for i in z.infolist())


def verify_dataset(name: str, dest: str | None = None, groups=None) -> list[dict]:
    """Re-check the files on disk: presence, size and SHA-256 against what was
    recorded at download (and the registry's checksum when it has one), and
    extraction markers. Returns one dict per file with ``file``, ``ok`` and ``detail``."""
    info = dataset_info(name)
    root = dataset_folder(name, dest)
    state = _read_state(root)
    report = []
    for entry in info.select(groups):
        path = os.path.join(root, entry.name)
        rec = state.get(entry.name)
        if not os.path.isfile(path):
            report.append({"file": entry.name, "ok": False, "detail": f"missing: {path}"})
            continue
        if rec is None:
            report.append({"file": entry.name, "ok": False,
                           "detail": "present but not recorded by a deepSTRF download; nothing to verify against"})
            continue
        size = os.path.getsize(path)
        sha = file_hash(path)
        problems = []
        if size != rec["size"]:
            problems.append(f"size {size} bytes, recorded {rec['size']}")
        if sha != rec["sha256"]:
            problems.append(f"{sha}, recorded {rec['sha256']}")
        if entry.hash:
            alg = entry.hash.split(":", 1)[0]
            if file_hash(path, alg) != entry.hash:
                problems.append(f"does not match the registry's {entry.hash}")
        if entry.post != "none" and not _extracted(root, entry, state):
            problems.append("archive not (completely) extracted")
        report.append({"file": entry.name, "ok": not problems, "detail": "; ".join(problems) or "verified"})
    return report


def status(name: str, dest: str | None = None) -> str:
    """``'absent'``, ``'partial'`` or ``'complete'`` (every default file recorded, archives extracted)."""
    info: DatasetInfo = dataset_info(name)
    root = dataset_folder(name, dest)
    if not os.path.isdir(root):
        return "absent"
    state = _read_state(root)
    entries = info.select()
    done = [_recorded_ok(root, e, state) and (e.post == "none" or _extracted(root, e, state)) for e in entries]
    if all(done):
        return "complete"
    return "partial" if any(done) or state else "absent"
