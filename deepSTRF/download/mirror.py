"""Files that are not in a release's deposit but on a mirror with several folders (Espejo's raw NAT
waveforms on the LBHB baphy repository): each file is looked for in the mirror's folders in the
registry's order, first hit wins."""

from __future__ import annotations

import os
from collections.abc import Sequence

from .._paths import inside, safe_name
from .datasets import dataset_folder, lock
from .errors import HTTPStatusError
from .fetch import fetch_file
from .registry import dataset_info


def fetch_from_mirror(dataset: str, files: Sequence[str], dest: str | None = None, subfolder: str = "mirror",
                      progress: bool = True, what: str = "file name", fetch: bool = True) -> dict[str, str]:
    """Fetch ``files`` (file names) of ``dataset``'s mirror into ``<dest>/<subfolder>/``.

    Parameters
    ----------
    dataset : str
        The registry name; its ``waveforms`` (the mirror's source scheme) and
        ``waveform_dirs`` (the folders to try, in order) are used.
    files : sequence of str
        File names; each must be one path component (checked, all of them,
        before anything is fetched or written).
    dest : str, optional
        The dataset folder (default its default folder).
    subfolder : str
        Where the files go inside it.
    progress : bool, default True
        A progress bar over the files.
    what : str
        What the names are, for the error message of an unsafe one.
    fetch : bool, default True
        ``False``: only look for the files already there (no network, nothing written).

    Returns
    -------
    dict
        ``file name -> local path`` of every file found (already there, or
        fetched and verified); files found in no folder are absent. A 404
        means "not in this folder"; any other failure raises.
    """
    from tqdm.auto import tqdm

    info = dataset_info(dataset)
    files = [safe_name(f, what) for f in files]
    root = os.path.join(dataset_folder(dataset, dest), subfolder)
    found = {f: p for f in files if os.path.isfile(p := inside(root, f, what=what))}
    missing = [f for f in files if f not in found]
    if not fetch or not missing:
        return found
    with lock(os.path.dirname(root)):
        os.makedirs(root, exist_ok=True)
        for fname in tqdm(missing, desc=f"{dataset} {subfolder}", disable=not progress, leave=False):
            for sub in info.waveform_dirs.split():
                try:
                    found[fname] = fetch_file(f"{info.waveforms}:{sub}/{fname}", root, fname, progress=False)[0]
                    break
                except HTTPStatusError as err:
                    if err.status != 404:  # 404: not in this folder of the mirror, try the next one
                        raise
    return found
