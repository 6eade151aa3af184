"""CRCNS-AA1 (Woolley et al. 2005): zebra finch Field L and MLd, 100 units,
conspecific songs and flat ripples.

Source: CRCNS portal (free account), ``[AA1]`` in the registry.
"""

from __future__ import annotations

from ...download import download_dataset


def download_aa1(dest: str | None = None, username: str | None = None, password: str | None = None) -> str:
    """Download ``crcns-aa1.zip`` (~17 MB) from the CRCNS portal and unzip it
    into ``dest`` (its single top-level folder stripped, so ``Field_L_cells/``,
    ``MLd_cells/`` and ``all_stims/`` land in ``dest``).

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA1')``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
        Free account at https://crcns.org/register. Never stored or logged.
    """
    return download_dataset("AA1", dest, username=username, password=password)
