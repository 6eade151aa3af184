"""The constructor flow every dataset shares: check arguments, download if
asked, check that the files are there, then load."""

from __future__ import annotations

import os
import re

from .._checks import check_positive, exact_hop
from .._paths import default_cache_dir

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check_fixed(name: str, value, required, dataset: str, why: str):
    """Fail unless ``value == required`` (e.g. a bin width fixed by precomputed data)."""
    if value != required:
        raise ValueError(f"{name} must be {required!r} for {dataset}: {why}; got {value!r}")
    return value


def check_waveform_args(return_waveform: bool, audio_fs, dt_ms: float) -> None:
    """In waveform mode, ``audio_fs`` must be a positive int with a whole number of samples per bin."""
    if return_waveform:
        check_positive("audio_fs", audio_fs, integer=True)
        exact_hop(audio_fs, dt_ms)


def dataset_root(path, folder: str) -> str:
    """``path`` or the default cache folder of the dataset."""
    return os.path.abspath(os.path.expanduser(str(path))) if path is not None else default_cache_dir(folder)


def require(root: str, relpaths, dataset: str, remedy: str) -> None:
    """Raise FileNotFoundError listing every missing file or folder under ``root``."""
    missing = [p for p in relpaths if not os.path.exists(os.path.join(root, p))]
    if missing:
        listing = "\n  ".join(os.path.join(root, p) for p in missing)
        raise FileNotFoundError(f"{dataset}: missing under {root}:\n  {listing}\n{remedy}")


def cached_loader(folder: str | None = None, *, root=None, version: int = 1):
    """Class decorator: a loader whose ``__init__`` has a ``cache=True`` parameter
    loads from its processed cache (:mod:`deepSTRF.datasets._cache`).

    The first load with given content-affecting arguments runs ``__init__``
    and writes the result; later loads map that cache instead (about a
    second whatever the size). ``cache=False`` (and ``_enumerate_only=True``)
    run ``__init__`` as written.

    Parameters
    ----------
    folder : str, optional
        The dataset's default folder name (``path=None`` means
        ``default_cache_dir(folder)``); the source files fingerprinted are
        those under the resolved ``path``.
    root : callable, optional
        ``root(arguments) -> str | None``, the source folder, for loaders
        whose default is not ``default_cache_dir(folder)``. With neither
        ``folder`` nor ``root`` the dataset has no source files (its
        arguments are the whole key).
    version : int
        The loader's output format; bump it whenever a change to the loader
        changes what it produces, so that older caches are rebuilt.

    A subclass that overrides ``__init__`` (and calls ``super().__init__``)
    is loaded without the cache: its own code may change the content after
    the parent's, which no key of the parent's arguments could know.
    """
    import functools
    import inspect
    import warnings

    def source_of(arguments: dict) -> str | None:
        if root is not None:
            return root(arguments)
        return dataset_root(arguments.get("path"), folder) if folder is not None else None

    def decorate(cls):
        init = cls.__init__
        signature = inspect.signature(init)
        if "cache" not in signature.parameters:
            raise TypeError(f"{cls.__name__}.__init__ needs a `cache: bool = True` parameter")

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            owner = type(self)
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(list(bound.arguments.items())[1:])
            def build(ds=None):
                ds = owner.__new__(owner) if ds is None else ds
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    init(ds, *args, **kwargs)
                ds._load_warnings = []
                for w in caught:  # ours are kept with the dataset and repeated on every load; others pass now
                    if w.filename.startswith(_PACKAGE) and not issubclass(w.category, DeprecationWarning):
                        ds._load_warnings.append((w.category.__name__, str(w.message)))
                    else:
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                return ds

            from ._cache import UnkeyableArgument, load_or_build

            cached = owner.__init__ is __init__ and arguments["cache"] and not arguments.get("_enumerate_only")
            if cached:
                source = source_of(arguments)
                try:
                    self.__dict__.update(load_or_build(owner, arguments, source, build, version).__dict__)
                except UnkeyableArgument as err:  # raised before any work is done
                    warnings.warn(f"deepSTRF cache: {err}; loading without the cache", stacklevel=2)
                    cached = False
                else:
                    if source is not None:
                        self.path = source  # the folder as given now (the cache may have been written elsewhere)
            if not cached:
                build(self)
            for category, message in self.__dict__.get("_load_warnings", ()):  # said at the caller's line
                warnings.warn(message, _warning_class(category), stacklevel=2)

        cls.__init__ = __init__
        cls.__doc__ = _with_cache_parameter(cls.__doc__, folder is not None or root is not None)
        return cls

    return decorate


def _warning_class(name: str) -> type:
    """The built-in warning class called ``name`` (UserWarning for any other)."""
    import builtins

    cls = getattr(builtins, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


_CACHE_DOC = """\
    cache : bool, default True
        Keep the processed dataset under {where} (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments{files}; ``False`` always rebuilds.
"""


def _with_cache_parameter(doc: str | None, has_sources: bool) -> str | None:
    """``doc`` with the ``cache`` parameter documented last in its Parameters section."""
    if not doc or "Parameters\n    ----------" not in doc:
        return doc
    text = _CACHE_DOC.format(where="``<path>/.deepstrf/processed/``" if has_sources
                             else "``default_cache_dir('processed')``",
                             files=" and unchanged files" if has_sources else "")
    start = doc.index("Parameters\n    ----------")
    nxt = re.search(r"\n\n    [A-Z][A-Za-z ]+\n    -{3,}\n", doc[start:])
    at = start + nxt.start() + 1 if nxt else len(doc.rstrip()) + 1
    body = doc[:at].rstrip("\n") + "\n" + text
    return body + ("\n" + doc[at:].lstrip("\n") if nxt else "    ")
