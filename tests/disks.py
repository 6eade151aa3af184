"""Folders that behave like a read-only or a nearly full disk, for the boundary tests.

Where the test may mount (root in a sandbox, as here and in CI), they are
real tmpfs mounts; otherwise a read-only folder is a ``chmod 555`` folder
(effective for a non-root user) and a small disk is simulated by patching
``shutil.disk_usage`` and ``os.posix_fallocate``. ``how`` says which.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess


def _mount(path: str, options: str) -> bool:
    os.makedirs(path, exist_ok=True)
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _umount(path: str) -> None:
    subprocess.run(["umount", "-l", path], capture_output=True, timeout=20)


@contextlib.contextmanager
def readonly_folder(path: str, contents=None):
    """``path`` made read-only, holding ``contents(path)`` written first; yields ``how``."""
    staging = path + ".staging"
    os.makedirs(staging, exist_ok=True)
    if contents is not None:
        contents(staging)
    if _mount(path, "size=64m"):
        for name in os.listdir(staging):
            src = os.path.join(staging, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy2)(src, os.path.join(path, name))
        subprocess.run(["mount", "-o", "remount,ro", path], check=True, capture_output=True)
        try:
            yield "read-only tmpfs"
        finally:
            _umount(path)
        return
    os.replace(staging, path)
    os.chmod(path, 0o555)
    try:
        if os.access(path, os.W_OK):  # root without mount: chmod does not stop it
            raise RuntimeError("cannot make a read-only folder here: neither a mount nor chmod works")
        yield "chmod 555"
    finally:
        os.chmod(path, 0o755)


@contextlib.contextmanager
def small_disk(path: str, size_bytes: int, monkeypatch):
    """A folder on a disk of ``size_bytes`` (a tmpfs), or a simulated one; yields ``how``."""
    if _mount(path, f"size={size_bytes}"):
        try:
            yield "tmpfs"
        finally:
            _umount(path)
        return
    os.makedirs(path, exist_ok=True)
    real_usage = shutil.disk_usage
    real_fallocate = os.posix_fallocate

    def usage(p):
        if os.path.realpath(str(p)).startswith(os.path.realpath(path)):
            return real_usage(p)._replace(free=size_bytes)
        return real_usage(p)

    def fallocate(fd, offset, length):
        if os.path.realpath(os.readlink(f"/proc/self/fd/{fd}")).startswith(os.path.realpath(path)) \
                and offset + length > size_bytes:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fallocate(fd, offset, length)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    monkeypatch.setattr(os, "posix_fallocate", fallocate)
    yield "simulated"
