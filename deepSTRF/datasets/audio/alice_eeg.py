"""Alice EEG (Brodbeck et al. 2023 restructure of Bhattasali et al. 2020):
33 listeners, 61 EEG channels, 12 audiobook segments.

Sources: four zips on UMd DRUM (``[AliceEEG]``), anonymous, ~2.5 GiB.
"""

from __future__ import annotations

from ...download import download_dataset


def download_alice_eeg(dest: str | None = None) -> str:
    """Download and unpack ``eeg.0.zip`` .. ``eeg.2.zip`` (into ``eeg.K/``) and
    ``stimuli.zip`` from UMd DRUM into ``dest`` (default
    ``default_cache_dir('Alice_EEG')``). Idempotent; returns the folder."""
    return download_dataset("AliceEEG", dest)
