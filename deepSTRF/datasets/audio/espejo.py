"""Lopez Espejo, Schwartz & David (2019): awake ferret A1, natural sounds
(NAT, 18-band cochleagrams) and vocalisation-modulated noise (VMN).

Sources: Zenodo record 3445557 (``[Espejo]``); the raw NAT waveforms are not
in the deposit and come from the LBHB baphy repository on Bitbucket.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..._checks import check_option
from ...download import DownloadError, dataset_folder, dataset_info, download_dataset, fetch_file
from ...download.datasets import lock

STIMULI = ("nat", "vmn")


def download_espejo(stimuli: str, dest: str | None = None) -> str:
    """Download and untar one Espejo release from Zenodo (NAT ~638 MB, VMN
    ~25 MB) into ``dest`` (default ``default_cache_dir('Espejo')``); return it.

    Parameters
    ----------
    stimuli : {'nat', 'vmn'}
    """
    check_option("stimuli", stimuli, STIMULI)
    return download_dataset("Espejo", dest, groups=[stimuli])


def download_espejo_nat_waveforms(names: Sequence[str], dest: str | None = None, *,
                                  progress: bool = True) -> dict[str, str]:
    """Fetch the raw NAT waveforms from the LBHB baphy mirror.

    Parameters
    ----------
    names : sequence of str
        Stim names as in ``stim_meta`` (``STIM_<file>.wav``); the ``STIM_``
        prefix is stripped to get the mirror's file name.
    dest : str, optional
        Parent folder; wavs are cached under ``<dest>/nat_waveforms/``.
        Defaults to ``default_cache_dir('Espejo')``.
    progress : bool, default True
        Show a progress bar over the missing files.

    Returns
    -------
    dict
        ``name -> local wav path`` for every name found on the mirror. Each
        file is tried in the registry's sub-folders in order, first hit wins;
        names found nowhere are absent from the result (the dataset raises
        for them, so waveform mode never substitutes silence). Idempotent:
        a file already cached is not fetched again (files are moved into
        place only once complete).
    """
    from tqdm.auto import tqdm

    info = dataset_info("Espejo")
    root = os.path.join(dataset_folder("Espejo", dest), "nat_waveforms")
    subdirs = info.waveform_dirs.split()
    found: dict[str, str] = {}
    with lock(os.path.dirname(root)):
        os.makedirs(root, exist_ok=True)
        for name in tqdm(list(names), desc="NAT waveforms", disable=not progress, leave=False):
            fname = name[len("STIM_"):] if name.startswith("STIM_") else name
            path = os.path.join(root, fname)
            if os.path.isfile(path):
                found[name] = path
                continue
            for sub in subdirs:
                try:
                    found[name] = fetch_file(f"{info.waveforms}:{sub}/{fname}", root, fname, progress=False)[0]
                    break
                except DownloadError as err:
                    if "HTTP 404" not in str(err):
                        raise
    return found
