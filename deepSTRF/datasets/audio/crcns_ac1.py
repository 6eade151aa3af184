"""CRCNS-AC1 (Machens, Wehr & Zador 2004; Asari & Zador 2009): rat A1
whole-cell membrane potential and MGB cell-attached spikes to natural sounds.

Source: CRCNS portal (free account), three zips (``[CRCNS_AC1]``).
"""

from __future__ import annotations

from ...download import download_dataset


def download_ac1(dest: str | None = None, *, username: str | None = None, password: str | None = None) -> str:
    """Fetch the three CRCNS-AC1 zips into ``dest`` (default
    ``default_cache_dir('CRCNS_AC1')``). Extraction is left to the dataset
    class, which unpacks each zip into a folder named after it on first load.

    Parameters
    ----------
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
    """
    return download_dataset("CRCNS_AC1", dest, username=username, password=password, extract=False)
