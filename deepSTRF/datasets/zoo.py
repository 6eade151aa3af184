"""The datasets the ``deepstrf`` command knows by name, and their standard splits."""

from __future__ import annotations

from collections.abc import Callable

from .neural_dataset import NeuralDataset


def _simulated(path=None, download=False, **kwargs):
    from .audio.simulated import SimulatedDataset

    return SimulatedDataset(**kwargs)


def _nat4(path=None, download=False, **kwargs):
    from .audio.nat4 import NAT4Dataset

    return NAT4Dataset(path, download=download, **kwargs)


def _wingert(path=None, download=False, **kwargs):
    from .audio.wingert2026 import Wingert2026Dataset

    return Wingert2026Dataset(path, download=download, **kwargs)


def _espejo(path=None, download=False, **kwargs):
    from .audio.espejo import EspejoDataset

    return EspejoDataset(path, download=download, **kwargs)


def _aa1(path=None, download=False, **kwargs):
    from .audio.crcns_aa1 import CRCNSAA1Dataset

    return CRCNSAA1Dataset(path, download=download, **kwargs)


def _aa2(path=None, download=False, **kwargs):
    from .audio.crcns_aa2 import CRCNSAA2Dataset

    return CRCNSAA2Dataset(path, download=download, **kwargs)


def _aa4(path=None, download=False, **kwargs):
    from .audio.crcns_aa4 import CRCNSAA4Dataset

    return CRCNSAA4Dataset(path, download=download, **kwargs)


def _ns1(path=None, download=False, **kwargs):
    from .audio.ns1 import NS1Dataset

    return NS1Dataset(path, download=download, **kwargs)


#: name -> factory(path=None, download=False, **kwargs)
DATASETS: dict[str, Callable[..., NeuralDataset]] = {
    "simulated": _simulated,
    "nat4": _nat4,
    "wingert2026": _wingert,
    "espejo": _espejo,
    "crcns_aa1": _aa1,
    "crcns_aa2": _aa2,
    "crcns_aa4": _aa4,
    "ns1": _ns1,
}

_EST = {"est", "estimation", "train", "validation"}  # 'validation' (NS1) is held out of the fit, not the test
_TEST = {"val", "test"}  # 'val' (NAT4, Wingert) is the repeated test set


def load_dataset(name: str, path=None, download: bool = False, **kwargs) -> NeuralDataset:
    """Instantiate a dataset by its command-line name (case-insensitive)."""
    key = name.lower()
    if key not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(sorted(DATASETS))}")
    return DATASETS[key](path=path, download=download, **kwargs)


def standard_split(ds: NeuralDataset) -> tuple[list[int], list[int]]:
    """The dataset's published estimation / test stimuli (absolute indices).

    Read from ``stim_meta['subset']`` (``'est'``/``'val'``) or
    ``stim_meta['split']`` (``'estimation'``/``'test'``).
    """
    for key in ("subset", "split"):
        if all(key in m for m in ds.stim_meta):
            est = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _EST]
            test = [s for s, m in enumerate(ds.stim_meta) if str(m[key]).lower() in _TEST]
            if est and test:
                return est, test
    raise ValueError(f"{ds.name} has no standard estimation/test split in stim_meta "
                     "('subset' in {'est', 'val'} or 'split' in {'estimation', 'test'})")
