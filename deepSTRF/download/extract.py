"""Safe extraction of zip and tar archives.

Every member is checked before anything is written: an absolute path, a
``..`` component, a link (tar symlinks and hard links, zip symlinks) or a
special file is refused with an error naming the member. The archive is
unpacked into a temporary folder next to the target and its entries are
then renamed into place, so a crash leaves no half-extracted dataset.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the target or is not a plain file."""


def _clean(archive: str, name: str) -> list[str]:
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains '..'; refusing to extract")
    return parts


def _members(archive: str):
    """``(parts, is_dir, reader)`` for every member, after the safety checks."""
    out = []
    if zipfile.is_zipfile(archive):
        zf = zipfile.ZipFile(archive)
        for info in zf.infolist():
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symbolic link; refusing to extract")
            parts = _clean(archive, info.filename)
            if parts:
                out.append((parts, info.is_dir(), (lambda i=info: zf.open(i))))
        return out, zf
    try:
        tf = tarfile.open(archive)
    except tarfile.TarError as err:
        raise UnsafeArchiveError(f"{archive}: not a zip or tar archive ({err})") from None
    for m in tf.getmembers():
        if m.issym() or m.islnk():
            raise UnsafeArchiveError(f"{archive}: member {m.name!r} is a link (to {m.linkname!r}); refusing to extract")
        if not (m.isfile() or m.isdir()):
            raise UnsafeArchiveError(f"{archive}: member {m.name!r} is not a regular file or folder; refusing to extract")
        parts = _clean(archive, m.name)
        if parts:
            out.append((parts, m.isdir(), (lambda mm=m: tf.extractfile(mm))))
    return out, tf


def _strip(members, strip) -> list:
    if strip == "auto":
        tops = {parts[0] for parts, _, _ in members}
        single_dir = len(tops) == 1 and any(len(p) > 1 or d for p, d, _ in members)
        strip = 1 if single_dir else 0
    return [(parts[strip:], d, r) for parts, d, r in members if len(parts) > strip]


def safe_extract(archive: str, target: str, strip: int | str = 0) -> list[str]:
    """Extract ``archive`` into ``target`` (created if needed); return the top-level names written.

    Parameters
    ----------
    archive : str
        A zip or tar (optionally compressed) file.
    target : str
        Destination folder.
    strip : int or 'auto'
        Leading path components to drop from every member; ``'auto'`` drops
        a single top-level folder if the archive has one.
    """
    members, handle = _members(archive)
    try:
        members = _strip(members, strip)
        os.makedirs(target, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".extract-", dir=target)
        try:
            for parts, is_dir, reader in members:
                dest = os.path.join(tmp, *parts)
                if is_dir:
                    os.makedirs(dest, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with reader() as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            tops = sorted(os.listdir(tmp))
            for name in tops:
                final = os.path.join(target, name)
                if os.path.isdir(final) and not os.path.islink(final):
                    shutil.rmtree(final)
                elif os.path.lexists(final):
                    os.remove(final)
                os.replace(os.path.join(tmp, name), final)
            return tops
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        handle.close()
