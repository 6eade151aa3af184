"""``deepSTRF.utils.data_download``: the import path of deepSTRF 0.1.0 for downloads.

Thin wrappers over :mod:`deepSTRF.download`, so every file they fetch is
verified (size, checksum where the host publishes one), resumed, written
atomically, and credentials go only to the CRCNS host over https. Prefer
``download=True`` on a loader, or ``deepstrf download <name>``: those also
know each dataset's files and checksums from the registry.
"""

from __future__ import annotations

import os

from .._paths import default_cache_dir, safe_name
from ..download import download_dataset, fetch_file


def _dest(dest_dir) -> str:
    dest = default_cache_dir("downloads") if dest_dir is None else str(dest_dir)
    os.makedirs(dest, exist_ok=True)
    return dest


def crcns_download(dataset: str, dest: str | None = None, username: str | None = None,
                   password: str | None = None) -> str:
    """Download and unpack a CRCNS dataset of the registry (``'AA1'``, ``'AA2'``, ``'AA4'``, ``'AC1'``).

    Parameters
    ----------
    dataset : str
        The dataset's name.
    dest : str, optional
        Its folder (default: under :func:`default_cache_dir`).
    username, password : str, optional
        CRCNS credentials (default: ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``); never written anywhere.

    Returns
    -------
    str
        The dataset's folder.
    """
    return download_dataset(dataset, dest, username=username, password=password)


def zenodo_download(record: str | int, filename: str, dest_dir: str | None = None,
                    known_hash: str | None = None) -> str:
    """Fetch ``filename`` of Zenodo record ``record`` into ``dest_dir`` (default: the cache's
    ``downloads`` folder); return its path.
    Zenodo publishes each file's size and checksum: both are checked."""
    filename = safe_name(filename, "file name")  # one component: it stays inside dest_dir
    return fetch_file(f"zenodo:{record}/{filename}", _dest(dest_dir), filename, known_hash=known_hash)[0]


def figshare_download(article: str | int, filename: str, dest_dir: str | None = None,
                      known_hash: str | None = None) -> str:
    """Fetch ``filename`` of figshare article ``article`` into ``dest_dir``; return its path
    (size and MD5 from the article are checked)."""
    filename = safe_name(filename, "file name")
    return fetch_file(f"figshare:{article}/{filename}", _dest(dest_dir), filename, known_hash=known_hash)[0]


def osf_download(guid: str, filename: str, dest_dir: str | None = None, known_hash: str | None = None) -> str:
    """Fetch the OSF file ``guid`` into ``dest_dir/filename``; return its path (OSF publishes no
    checksum: pass ``known_hash='sha256:<hex>'`` to have one checked)."""
    guid, filename = safe_name(str(guid), "OSF id"), safe_name(filename, "file name")
    return fetch_file(f"osf:{guid}", _dest(dest_dir), filename, known_hash=known_hash)[0]


__all__ = ["default_cache_dir", "crcns_download", "zenodo_download", "figshare_download", "osf_download"]
