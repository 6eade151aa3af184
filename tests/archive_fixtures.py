"""Archives and checksums in memory, for the download tests."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile


def make_zip(files: dict) -> bytes:
    """A zip holding ``{member name: bytes}``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_tar(members: list) -> bytes:
    """A tar.gz of members: (name, bytes) for files, or tarfile.TarInfo objects as they are."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                t.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                t.addfile(info, io.BytesIO(m[1]))
    return buf.getvalue()


def make_tgz(files: dict) -> bytes:
    """A tar.gz holding ``{member name: bytes}``."""
    return make_tar(list(files.items()))


def md5(b: bytes) -> str:
    return "md5:" + hashlib.md5(b).hexdigest()
