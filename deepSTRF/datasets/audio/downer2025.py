"""Downer et al. (2025) / Ahmed et al. (2025): squirrel-monkey auditory
cortex, 1718 multi-units, TIMIT sentences and monkey vocalisations.

Source: Zenodo record 16175377, one ~29 GB zip (``[Downer2025]``).
"""

from __future__ import annotations

import os

from ...download import download_dataset


def download_downer2025(dest: str | None = None) -> str:
    """Download and unzip ``auditory_cortex_data.zip`` (~29 GB, and ~29 GB
    unpacked: allow ~60 GB) into ``dest``; return ``<dest>/auditory_cortex_data``.

    Parameters
    ----------
    dest : str, optional
        Parent folder; defaults to ``default_cache_dir('Downer2025')``.
    """
    return os.path.join(download_dataset("Downer2025", dest), "auditory_cortex_data")
