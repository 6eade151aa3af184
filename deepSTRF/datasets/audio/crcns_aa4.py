"""CRCNS-AA4 (Elie & Theunissen 2015, 2019): zebra finch auditory pallium,
1401 units from six birds, songs, calls and ripple noise.

Source: CRCNS portal (free account), one tarball per animal (``[AA4]``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...download import download_dataset

AA4_ANIMAL_IDS = ("BlaBro09xxF", "GreBlu9508M", "LblBlu2028M", "WhiBlu5396M", "WhiWhi4522M", "YelBlu6903F")


def download_aa4(dest: str | None = None, animals: Sequence[str] = AA4_ANIMAL_IDS, username: str | None = None,
                 password: str | None = None) -> str:
    """Download the tarballs of ``animals`` (hundreds of MB each) and the small
    ``CRCNSCode`` archive from the CRCNS portal and extract them into ``dest``.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA4')``.
    animals : sequence of str, default all six
        A subset of ``AA4_ANIMAL_IDS``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
    """
    if isinstance(animals, str):
        animals = [animals]
    unknown = [a for a in animals if a not in AA4_ANIMAL_IDS]
    if unknown or not animals:
        raise ValueError(f"animals must be a non-empty subset of {', '.join(AA4_ANIMAL_IDS)}; got {list(animals)!r}")
    return download_dataset("AA4", dest, groups=list(animals) + ["code"], username=username, password=password)
