"""NAT4 (Pennington & David 2022, 2023): ferret A1 (849 cells) and PEG (398
cells), 575 estimation sounds heard once and 18 validation sounds heard 20
times.

Sources: Zenodo record 8044773 (``[NAT4]`` in the registry), anonymous;
per-area file groups ``A1`` / ``PEG`` and the optional ``wav`` group.
"""

from __future__ import annotations

from ..._checks import check_option
from ...download import download_dataset

AREAS = ("A1", "PEG")


def download_nat4(area: str, dest: str | None = None, wav: bool = False) -> str:
    """Download the NAT4 release of one area from Zenodo into ``dest``.

    Fetches ``<area>_NAT4_ozgf.fs100.ch18.tgz``, ``<area>_pred_correlation.csv``
    and ``<area>_single_sites.zip`` (unpacked to ``<area>_single_sites/``);
    with ``wav=True`` also ``wav.zip`` (unpacked to ``wav/``). Sizes and MD5s
    are read from the Zenodo record and checked. Idempotent.

    Parameters
    ----------
    area : {'A1', 'PEG'}
    dest : str, optional
        Defaults to ``default_cache_dir('NAT4')``.
    wav : bool, default False
        Also fetch the 593 source waveforms (waveform mode only).
    """
    check_option("area", area, AREAS)
    return download_dataset("NAT4", dest, groups=[area] + (["wav"] if wav else []))
