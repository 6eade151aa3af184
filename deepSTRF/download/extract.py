"""Safe extraction of zip and tar archives.

Every member is checked before anything is written: an absolute path, a
``..`` component, a link (tar symlinks and hard links, zip symlinks), a
special file, two members with one name, a file and a folder at one path,
or a member that would land on a protected path (our ``.deepstrf/`` state,
the archive itself) is refused with an error naming the archive and the
member. The members' sizes (from the zip index or the tar headers) are
checked against the free space. The archive is then unpacked into a
temporary folder next to the target and its files are moved into place one
by one: files the archive does not hold are never touched, and an error
while reading (a CRC failure, a truncated stream) or writing (a full disk)
names the archive and leaves no half-written file in the target.
"""

from __future__ import annotations

import errno
import gzip
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib

from .errors import NotEnoughSpaceError


class ArchiveError(ValueError):
    """An archive cannot be extracted because of what it holds (damaged, unsafe, ambiguous); names it.

    Examples
    --------
    >>> from deepSTRF.download import ArchiveError, UnsafeArchiveError
    >>> issubclass(UnsafeArchiveError, ArchiveError), issubclass(ArchiveError, ValueError)
    (True, True)
    """


class UnsafeArchiveError(ArchiveError):
    """An archive member would land outside the target, on a protected path, or is not a plain file.

    Examples
    --------
    See :func:`extract_archive` for one raised.

    >>> from deepSTRF.download import ArchiveError, UnsafeArchiveError
    >>> issubclass(UnsafeArchiveError, ArchiveError)
    True
    """


_READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, NotImplementedError, gzip.BadGzipFile,
                lzma.LZMAError)


def _clean(archive: str, name: str) -> list[str]:
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains '..'; refusing to extract")
    return parts


class _Member:
    __slots__ = ("name", "parts", "is_dir", "size", "open")

    def __init__(self, name, parts, is_dir, size, opener):
        self.name, self.parts, self.is_dir, self.size, self.open = name, parts, is_dir, size, opener


def _members(archive: str):
    """``([_Member], handle)`` for every member, after the per-member safety checks."""
    out = []
    try:
        if zipfile.is_zipfile(archive):
            zf = zipfile.ZipFile(archive)
            for info in zf.infolist():
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symbolic link; "
                                             "refusing to extract")
                if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # FIFO, device, socket
                    raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is not a regular file or folder; "
                                             "refusing to extract")
                parts = _clean(archive, info.filename)
                if parts:
                    out.append(_Member(info.filename, parts, info.is_dir(), info.file_size,
                                       (lambda i=info: zf.open(i))))
            return out, zf
        tf = tarfile.open(archive)
        for m in tf.getmembers():
            if m.issym() or m.islnk():
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} is a link (to {m.linkname!r}); "
                                         "refusing to extract")
            if not (m.isfile() or m.isdir()):
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} is not a regular file or folder; "
                                         "refusing to extract")
            parts = _clean(archive, m.name)
            if parts:
                out.append(_Member(m.name, parts, m.isdir(), m.size if m.isfile() else 0,
                                   (lambda mm=m: tf.extractfile(mm))))
        return out, tf
    except ArchiveError:
        raise
    except tarfile.ReadError as err:
        raise ArchiveError(f"{archive}: not a readable zip or tar archive ({err}); the file may be damaged or "
                           "truncated") from err
    except _READ_ERRORS as err:
        raise ArchiveError(f"{archive}: damaged archive ({type(err).__name__}: {err})") from err


def _strip(members, strip, target: str = "") -> list:
    if strip in ("auto", "named"):
        tops = {m.parts[0] for m in members}
        single_dir = len(tops) == 1 and any(len(m.parts) > 1 or m.is_dir for m in members)
        if strip == "named":  # only a single top folder named like the target ("x.zip" -> x/x/... -> x/...)
            single_dir = single_dir and tops == {os.path.basename(os.path.normpath(target))}
        strip = 1 if single_dir else 0
    out = []
    for m in members:
        if len(m.parts) > strip:
            m.parts = m.parts[strip:]
            out.append(m)
    return out


def _check_layout(archive: str, members, target: str, protect) -> None:
    """Duplicates, file/folder clashes, protected paths and clashes with what is already on disk."""
    files: dict[tuple, str] = {}
    dirs: set[tuple] = set()
    for m in members:
        key = tuple(m.parts)
        if m.is_dir:
            dirs.add(key)
            continue
        if key in files:
            raise ArchiveError(f"{archive}: two members are named {'/'.join(key)!r} ({files[key]!r} and {m.name!r}); "
                               "refusing to guess which one is meant")
        files[key] = m.name
        dirs.update(key[:i] for i in range(1, len(key)))
    for key, name in files.items():
        if key in dirs:
            raise ArchiveError(f"{archive}: member {name!r} is a file, and other members make {'/'.join(key)!r} a "
                               "folder; refusing to extract")
    protected = [os.path.realpath(p) for p in protect]
    real_target = os.path.realpath(target)
    for key in list(files) + sorted(dirs):
        dest = os.path.join(real_target, *key)
        for p in protected:
            if dest == p or dest.startswith(p + os.sep) or (key in files and p.startswith(dest + os.sep)):
                what = "overwrite the archive itself" if p == os.path.realpath(archive) else \
                    f"land on {p}, which deepSTRF keeps its own state in" if os.path.basename(p) == ".deepstrf" else \
                    f"overwrite {p}"
                raise UnsafeArchiveError(f"{archive}: member {'/'.join(key)!r} would {what}; refusing to extract")
    for key, name in files.items():
        dest = os.path.join(target, *key)
        if os.path.isdir(dest) and not os.path.islink(dest):
            raise ArchiveError(f"{archive}: member {name!r} is a file, but {dest} is a folder; move it away and "
                               "extract again")
        for i in range(1, len(key)):
            p = os.path.join(target, *key[:i])
            if os.path.lexists(p) and not os.path.isdir(p):
                raise ArchiveError(f"{archive}: member {name!r} needs {p} to be a folder, but it is a file; move it "
                                   "away and extract again")
            if os.path.islink(p) and not (os.path.realpath(p) + os.sep).startswith(real_target + os.sep):
                raise UnsafeArchiveError(f"{archive}: member {name!r} would be written through the link {p}, which "
                                         f"leads outside {target}; refusing to extract")


def _check_space(archive: str, members, target: str) -> int:
    need = sum(m.size for m in members if not m.is_dir)
    folder = target
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    free = shutil.disk_usage(folder).free
    if need > free:
        raise NotEnoughSpaceError(f"not enough space to unpack {archive}: its members need {need / 2**30:.2f} GiB, "
                                  f"{free / 2**30:.2f} GiB are free under {folder}")
    return need


def extract_archive(archive: str, target: str, strip: int | str = 0, protect=()) -> dict[str, int]:
    """Extract ``archive`` into ``target`` safely; return ``{path relative to target: size}`` of every file.

    Parameters
    ----------
    archive : str
        A zip or tar (optionally compressed) file.
    target : str
        Destination folder (created if needed). Files already there that
        the archive does not hold are left alone; a file at a member's path
        is replaced by the member.
    strip : int, 'auto' or 'named'
        Leading path components to drop from every member; ``'auto'`` drops
        a single top-level folder if the archive has one, ``'named'`` only if
        that folder has the target's name.
    protect : iterable of str
        Paths no member may land on or under (e.g. ``<dataset>/.deepstrf``);
        the archive itself is always protected.

    Raises
    ------
    UnsafeArchiveError
        A member is absolute, has ``..``, is a link or special file, or would
        land on a protected path.
    ArchiveError
        Damaged (CRC error, truncated), duplicate member names, a file and a
        folder at one path, or a clash with a file or folder on disk.
    NotEnoughSpaceError
        The members need more space than is free, or the disk filled up.
    OSError
        The target cannot be written (read-only folder), naming the archive.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.download import extract_archive
    >>> from deepSTRF.testing.formats import make_zip
    >>> folder = tempfile.mkdtemp()
    >>> archive = os.path.join(folder, "a.zip")
    >>> _ = open(archive, "wb").write(make_zip({"x.txt": b"1", "sub/y.txt": b"22"}))
    >>> extract_archive(archive, os.path.join(folder, "out"))
    {'x.txt': 1, 'sub/y.txt': 2}
    >>> _ = open(archive, "wb").write(make_zip({"../evil.txt": b"!"}))
    >>> extract_archive(archive, os.path.join(folder, "out"))
    Traceback (most recent call last):
    ...
    deepSTRF.download.extract.UnsafeArchiveError: ...
    """
    members, handle = _members(archive)
    created = not os.path.isdir(target)
    try:
        members = _strip(members, strip, target)
        _check_layout(archive, members, target, list(protect) + [archive])
        _check_space(archive, members, target)
        written: dict[str, int] = {}
        try:
            os.makedirs(target, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix=".extract-", dir=target)
        except OSError as err:
            raise _write_error(archive, target, err) from err
        try:
            for m in members:
                dest = os.path.join(tmp, *m.parts)
                try:
                    if m.is_dir:
                        os.makedirs(dest, exist_ok=True)
                        continue
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with m.open() as src, open(dest, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                except _READ_ERRORS as err:
                    raise ArchiveError(f"{archive}: member {m.name!r} is damaged ({type(err).__name__}: {err}); "
                                       "nothing was extracted") from err
                except OSError as err:
                    raise _write_error(archive, target, err) from err
                written["/".join(m.parts)] = os.path.getsize(dest)
            for rel in sorted(written):
                final = os.path.join(target, *rel.split("/"))
                try:
                    os.makedirs(os.path.dirname(final), exist_ok=True)
                    os.replace(os.path.join(tmp, *rel.split("/")), final)
                except OSError as err:
                    raise _write_error(archive, target, err) from err
            for key in sorted({tuple(m.parts) for m in members if m.is_dir}):  # empty folders of the archive
                os.makedirs(os.path.join(target, *key), exist_ok=True)
            return written
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        if created and os.path.isdir(target) and not os.listdir(target):
            os.rmdir(target)  # a failed extraction leaves no empty folder that could pass for a dataset
        raise
    finally:
        handle.close()


def _write_error(archive: str, target: str, err: OSError) -> OSError:
    if err.errno == errno.ENOSPC:
        return NotEnoughSpaceError(f"the disk filled up while unpacking {archive} into {target}; free some space "
                                   "and run again")
    return OSError(err.errno, f"cannot unpack {archive} into {target}: {err.strerror or err}", err.filename)


def safe_extract(archive: str, target: str, strip: int | str = 0, protect=()) -> list[str]:
    """Extract ``archive`` into ``target`` (see :func:`extract_archive`); return the top-level names written.

    Parameters
    ----------
    archive : str
        A zip or tar (optionally compressed) file.
    target : str
        The destination folder (created if needed).
    strip : int, 'auto' or 'named', default 0
        Leading path components to drop (see :func:`extract_archive`).
    protect : iterable of str, default ()
        Paths no member may land on or under.

    Returns
    -------
    list of str
        The top-level names written.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.download import safe_extract
    >>> from deepSTRF.testing.formats import make_zip
    >>> folder = tempfile.mkdtemp()
    >>> archive = os.path.join(folder, "a.zip")
    >>> _ = open(archive, "wb").write(make_zip({"top/x.txt": b"1", "top/y.txt": b"22"}))
    >>> safe_extract(archive, os.path.join(folder, "out"), strip="auto")
    ['x.txt', 'y.txt']
    """
    return sorted({rel.split("/")[0] for rel in extract_archive(archive, target, strip, protect)})


def archive_members(archive: str, strip: int | str = 0, target: str = "") -> dict[str, int]:
    """``{path relative to the target: size}`` of the files ``archive`` would write (nothing is extracted;
    the same safety checks as :func:`extract_archive` apply)."""
    members, handle = _members(archive)
    try:
        return {"/".join(m.parts): m.size for m in _strip(members, strip, target) if not m.is_dir}
    finally:
        handle.close()
