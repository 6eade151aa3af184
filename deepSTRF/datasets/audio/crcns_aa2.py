"""CRCNS-AA2 (Gill et al. 2006; Amin et al. 2010): zebra finch OV, MLd,
Field L and CM, 494 units.

Source: CRCNS portal (free account), ``[AA2]`` in the registry.
"""

from __future__ import annotations

from ...download import download_dataset


def download_aa2(dest: str | None = None, username: str | None = None, password: str | None = None) -> str:
    """Download the three CRCNS-AA2 archives (docs, ``all_cells``,
    ``all_stims``; ~30 MB) and extract them into ``dest`` without their
    ``crcns/aa2/`` wrapper.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA2')``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
    """
    return download_dataset("AA2", dest, username=username, password=password)
