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

    Examples
    --------
    >>> import os
    >>> from deepSTRF.utils import default_cache_dir
    >>> os.path.basename(default_cache_dir("NS1"))
    'NS1'
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


def dataset_root(path, folder: str) -> str:
    """``path`` (absolute, ``~`` expanded) or, when it is None, ``default_cache_dir(folder)``."""
    return os.path.abspath(os.path.expanduser(str(path))) if path is not None else default_cache_dir(folder)


class UnsafeNameError(ValueError):
    """A name read from data (a stimulus, cell, session or member name) cannot safely become a file name."""


def safe_name(name, what: str, origin: str | None = None) -> str:
    """``name`` if it can be one component of a path, else :class:`UnsafeNameError`.

    Names that come from downloaded data (stimulus, cell, session, member
    names) are checked before they become paths: one component, no
    separators (``/`` or ``\\``), not ``.`` or ``..``, no NUL, not empty.

    Parameters
    ----------
    name : str
        The name to check.
    what : str
        What it names, for the message (``'stimulus name'``).
    origin : str, optional
        Where it was read (a file), for the message.
    """
    where = f" (from {origin})" if origin else ""
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name \
            or "\0" in name or (len(name) > 1 and name[1] == ":"):
        raise UnsafeNameError(f"{what} {name!r}{where} cannot be used as a file name (it must be one path "
                              "component: no '/', '\\', '..' or drive); refusing to read or write it")
    return name


def inside(root: str, *names: str, what: str = "name", origin: str | None = None) -> str:
    """``root/<names...>`` after :func:`safe_name` on each, checked to resolve inside ``root``."""
    path = os.path.join(root, *(safe_name(n, what, origin) for n in names))
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root + os.sep):
        raise UnsafeNameError(f"{what} {'/'.join(names)!r}{f' (from {origin})' if origin else ''} resolves to "
                              f"{real}, outside {root}; refusing to read or write it")
    return path


def inside_relative(root: str, rel: str, what: str = "path", origin: str | None = None) -> str:
    """``root/rel`` for a relative path read from data (``a/b.mat``, ``a\\b.mat``): each component is
    checked with :func:`safe_name` and the result must resolve inside ``root``."""
    if not isinstance(rel, str):
        raise UnsafeNameError(f"{what} {rel!r}{f' (from {origin})' if origin else ''} is not text")
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if rel.replace("\\", "/").startswith("/") or not parts or ".." in parts or (len(rel) > 1 and rel[1] == ":"):
        raise UnsafeNameError(f"{what} {rel!r}{f' (from {origin})' if origin else ''} is not a relative path "
                              "inside the dataset folder (no '..', no absolute path); refusing to read or write it")
    return inside(root, *parts, what=what, origin=origin)
