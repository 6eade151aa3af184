"""Where datasets live on disk."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "DEEPSTRF_DATA_DIR"


def default_cache_dir(name: str) -> str:
    """Folder where dataset ``name`` is kept unless a ``path`` is given.

    ``$DEEPSTRF_DATA_DIR/<name>`` when that variable is set, else the
    platformdirs user cache ``deepSTRF/<name>`` (for example
    ``~/.cache/deepSTRF/NS1`` on Linux). The folder is not created.

    Parameters
    ----------
    name : str
        Dataset folder name, e.g. ``'NS1'``.

    Returns
    -------
    str
        Absolute path.
    """
    if not isinstance(name, str) or not name or os.sep in name or name in {".", ".."}:
        raise ValueError(f"name must be a non-empty folder name without {os.sep!r}; got {name!r}")
    root = os.environ.get(ENV_DATA_DIR)
    if root:
        base = Path(root).expanduser()
    else:
        from platformdirs import user_cache_dir

        base = Path(user_cache_dir("deepSTRF", appauthor=False))
    return str((base / name).resolve())
