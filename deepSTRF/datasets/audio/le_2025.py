"""Le, Bjoring & Meliza (2025): zebra finch auditory pallium, auditory
restoration of occluded syllables.

Source: figshare article 29203457 (``[Le2025]``), one ~105 MB zip.
"""

from __future__ import annotations

import os

from ...download import download_dataset


def download_le2025(dest: str | None = None) -> str:
    """Download and unzip ``zebf-auditory-restoration-1.zip`` from figshare
    (size and MD5 read from the article) into ``dest`` (default
    ``default_cache_dir('Le_2025')``); return the unpacked
    ``zebf-auditory-restoration-1`` folder (the dataset ``path``)."""
    return os.path.join(download_dataset("Le2025", dest), "zebf-auditory-restoration-1")
