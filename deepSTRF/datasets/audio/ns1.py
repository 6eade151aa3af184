"""NS1 (Harper et al. 2016; Rahman et al. 2020): 119 units in ferret A1,
20 natural sounds of 4.995 s, 20 repeats each.

Sources (``deepSTRF/download/registry.txt``, block ``[NS1]``): the unit
metadata and the spike + wav zip on OSF (project ayw2p), and the
precomputed 5-ms spectrogram ``test_data_5ms.mat`` from the DNet GitHub
repository. All anonymous, about 160 MB.
"""

from __future__ import annotations

from ...download import download_dataset


def download_ns1(dest: str | None = None) -> str:
    """Download all NS1 data assets into ``dest`` (default: the ``NS1`` cache
    folder, ``$DEEPSTRF_DATA_DIR`` overrides); return the dataset folder.

    Fetches ``MetadataSHEnCneurons.mat`` and ``spikesandwav.zip`` (OSF,
    unpacked to ``spikesandwav/``) and ``test_data_5ms.mat`` (DNet, GitHub).
    Idempotent; every file's SHA-256 is recorded at the first download and
    checked by ``deepstrf verify NS1``.
    """
    return download_dataset("NS1", dest)
