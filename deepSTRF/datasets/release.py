"""What every dataset made from a public release shares: its one name, its folder, and the
opening steps of its constructor.

A dataset class declares its name as ``registry`` (its block in
``deepSTRF/download/registry.txt``); its default folder, the command line's
name and the download come from that block. ``_open_release`` then does
what every loader began with: resolve the folder, set ``self.path``, fetch
what is missing when ``download=True`` (the idempotent download: it
repairs a half-extracted archive and fetches nothing that is there), and
check that the files the loader needs exist, naming the missing ones and
the command that fetches them.
"""

from __future__ import annotations

import os

from .._paths import dataset_root
from ..download import dataset_info, download_dataset
from ..paradigm import DatasetBuilder


def require(root: str, relpaths, dataset: str, remedy: str) -> None:
    """Raise FileNotFoundError listing every missing file or folder under ``root``, then ``remedy``."""
    missing = [p for p in relpaths if not os.path.exists(os.path.join(root, p))]
    if missing:
        listing = "\n  ".join(os.path.join(root, p) for p in missing)
        raise FileNotFoundError(f"{dataset}: missing under {root}:\n  {listing}\n{remedy}")


class Release:
    """Mixin of the dataset classes made from a public release (see the module docstring)."""

    #: the dataset's one name: its registry block (``'NS1'``, ``'NAT4'``, ...)
    registry: str = ""

    @classmethod
    def folder_name(cls) -> str:
        """The default folder name of the release (``default_cache_dir(<it>)`` when ``path`` is None)."""
        return dataset_info(cls.registry).folder

    def _open_release(self, path, download: bool, needed=(), *, groups=None, username=None, password=None,
                      root: str | None = None, hint: str = "") -> str:
        """The folder the loader reads (``root``, else ``path``, else the default), with ``needed``
        (paths relative to it) present; set as ``self.path``."""
        root = root or dataset_root(path, self.folder_name())
        self.path = root
        if download:
            self._download(root, groups, username, password)
        require(root, needed, self.registry, self._remedy(root, groups, hint))
        return root

    def _download(self, root: str, groups, username, password) -> None:
        """Fetch what is missing of the release into ``root`` (a loader may fetch elsewhere)."""
        download_dataset(self.registry, root, groups=groups, username=username, password=password)

    def _remedy(self, root: str, groups, hint: str = "") -> str:
        flags = "".join(f" --group {g}" for g in groups or ())
        account = (" (a free CRCNS account: username=/password=, or $CRCNS_USERNAME/$CRCNS_PASSWORD)"
                   if dataset_info(self.registry).needs_account else "")
        text = f"pass download=True{account}, or run `deepstrf download {self.registry}{flags} --path {root}`"
        return text + (f"; {hint}" if hint else "")

    def _builder(self, return_waveform: bool = False, audio_fs: int | None = None) -> DatasetBuilder:
        """A builder on this dataset's bins: spectrogram stimuli, or waveforms at ``audio_fs`` in waveform mode."""
        return DatasetBuilder(self.dt_ms, audio_fs if return_waveform else None)
