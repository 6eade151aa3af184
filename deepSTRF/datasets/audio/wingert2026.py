"""Wingert et al. (2026): high-density ferret auditory cortex recordings,
3128 units in 68 site groups.

Sources: Zenodo record 18331549 (``[Wingert2026]`` in the registry).
"""

from __future__ import annotations

from ...download import download_dataset


def download_wingert2026(dest: str | None = None, wav: bool = False) -> str:
    """Download ``cell_list.csv`` and ``recordings.zip`` (~4.35 GB, unpacked to
    ``recordings/``) from Zenodo into ``dest``; with ``wav=True`` also
    ``wav.zip`` (~3.7 GB, unpacked to ``wav/``). ``models.zip`` is never
    fetched. Sizes and MD5s come from the Zenodo record. Idempotent.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('Wingert2026')``.
    wav : bool, default False
    """
    return download_dataset("Wingert2026", dest, groups=["wav"] if wav else [])
