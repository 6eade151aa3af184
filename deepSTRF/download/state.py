"""What a dataset folder's ``.deepstrf/`` records about its files.

- ``files.json``: per fetched or adopted file its size, modification time,
  SHA-256, source and the published checksum it matched. A file enters it
  only once every check (extraction included) has passed.
- ``extracted/<archive>.json``: written after an archive was unpacked; it
  lists every file the archive wrote (path relative to the dataset folder,
  size), so an extracted tree can be checked without the archive, which
  may then be deleted.

A damaged ``files.json`` is reported naming the file and the remedy
(``deepstrf verify`` re-checks the files on disk and writes it again); a
damaged marker only means "not known to be extracted".
"""

from __future__ import annotations

import os

from .._jsonfile import read_json, write_json
from .errors import StateFileError
from .registry import FileEntry

STATE = ".deepstrf"


def state_path(root: str) -> str:
    return os.path.join(root, STATE, "files.json")


def read_state(root: str, dataset: str) -> dict:
    """The records of ``files.json`` (``{}`` if there is none).

    Raises
    ------
    StateFileError
        The file is not a JSON object (damaged): names it and how to rebuild it.
    """
    path = state_path(root)
    try:
        doc = read_json(path)
    except (ValueError, UnicodeDecodeError) as err:
        raise _damaged(path, dataset, root, str(err)) from None
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise _damaged(path, dataset, root, "not a table of file records")
    return doc


def _damaged(path: str, dataset: str, root: str, why: str) -> StateFileError:
    return StateFileError(f"{path} is damaged ({why}); run `deepstrf verify {dataset} --path {root}` to check the "
                          "files on disk and write it again", why)


def write_state(root: str, state: dict) -> None:
    write_json(state_path(root), state, indent=1, sort_keys=True)


def record(path: str, sha256: str, source: str, published_hash: str | None, adopted: bool = False) -> dict:
    """The ``files.json`` entry of a verified file."""
    st = os.stat(path)
    rec = {"size": st.st_size, "mtime": st.st_mtime, "sha256": sha256, "source": source,
           "published_hash": published_hash}
    if adopted:
        rec["adopted"] = True
    return rec


def recorded_ok(root: str, entry: FileEntry, state: dict) -> bool:
    """The file is there, unchanged since we recorded it (size and mtime)."""
    rec = state.get(entry.name)
    path = os.path.join(root, entry.name)
    if not rec or not os.path.isfile(path):
        return False
    st = os.stat(path)
    return st.st_size == rec.get("size") and abs(st.st_mtime - rec.get("mtime", -1.0)) < 1e-3


def marker_path(root: str, entry: FileEntry) -> str:
    return os.path.join(root, STATE, "extracted", f"{entry.name}.json")


def read_marker(root: str, entry: FileEntry) -> dict | None:
    try:
        doc = read_json(marker_path(root, entry))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) and doc else None


def write_marker(root: str, entry: FileEntry, sha256: str | None, members: dict[str, int]) -> None:
    """Record that ``entry`` was unpacked: ``members`` maps paths relative to ``root`` to sizes."""
    tops = sorted({rel.split("/")[0] for rel in members})
    write_json(marker_path(root, entry), {"sha256": sha256, "into": entry.into, "entries": tops,
                                          "members": members}, indent=1, sort_keys=True)


def members_present(root: str, members: dict[str, int]) -> bool:
    """Every file of ``members`` (relative to ``root``) is there at its size."""
    for rel, size in members.items():
        try:
            if os.path.getsize(os.path.join(root, *rel.split("/"))) != size:
                return False
        except OSError:
            return False
    return True


def target_folder(root: str, entry: FileEntry) -> str:
    return os.path.normpath(os.path.join(root, entry.into))


def tree_complete(root: str, entry: FileEntry, state: dict, inspect_archive: bool = True) -> bool:
    """Whether ``entry``'s archive counts as extracted.

    Yes when its marker lists files that are all present at their sizes
    (the archive itself may be gone); when there is no marker, yes if the
    archive is present and every member is on disk at its size (an earlier
    or manual extraction; a marker is written then), or if the archive is
    gone and the registry's ``done`` path exists, a file or a folder that is
    not empty (extracted by an earlier tool). ``inspect_archive=False`` skips reading the archive's index.
    """
    marker = read_marker(root, entry)
    if marker is not None:
        members = marker.get("members")
        if isinstance(members, dict):
            return members_present(root, members)
        rec = state.get(entry.name, {})  # a marker of the earlier format: the archive's checksum and top names
        return marker.get("sha256") == rec.get("sha256") and all(
            os.path.exists(os.path.join(target_folder(root, entry), e)) for e in marker.get("entries", []))
    archive = os.path.join(root, entry.name)
    if os.path.isfile(archive):
        if not inspect_archive:
            return False
        from .extract import ArchiveError, archive_members

        target = target_folder(root, entry)
        try:
            members = {os.path.relpath(os.path.join(target, *rel.split("/")), root).replace(os.sep, "/"): size
                       for rel, size in archive_members(archive, entry.strip, target).items()}
        except ArchiveError:
            return False
        if members and members_present(root, members):
            try:
                write_marker(root, entry, state.get(entry.name, {}).get("sha256"), members)
            except OSError:
                pass
            return True
        return False
    if entry.done is None:
        return False
    done = os.path.join(root, entry.done)
    return os.path.isfile(done) or (os.path.isdir(done) and bool(os.listdir(done)))
