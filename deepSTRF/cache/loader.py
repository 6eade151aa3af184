"""The loader decorator: a dataset class whose ``__init__`` takes ``cache=True``
loads from its processed cache (:mod:`deepSTRF.cache.load`).

Each loader states the ``cache`` parameter in its own docstring (one
wording, checked by a test), so that reading the source tells the whole
story; nothing rewrites docstrings at import time.
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings

from .._paths import dataset_root
from .keys import UnkeyableArgument
from .load import load_or_build

#: the deepSTRF package folder: warnings raised from inside it are a loader's own
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: how every loader documents the parameter (a test checks each docstring holds it)
CACHE_PARAMETER_DOC = "cache : bool, default True"


def cached_loader(folder: str | None = None, *, root=None, version: int = 1):
    """Class decorator: a loader whose ``__init__`` has a ``cache=True`` parameter
    loads from its processed cache (:func:`deepSTRF.cache.load_or_build`).

    The first load with given content-affecting arguments runs ``__init__``
    and writes the result; later loads map that cache instead (about a
    second whatever the size). ``cache=False`` (and ``_enumerate_only=True``)
    run ``__init__`` as written.

    Parameters
    ----------
    folder : str, optional
        The dataset's default folder name (``path=None`` means
        ``default_cache_dir(folder)``); the source files fingerprinted are
        those under the resolved ``path``. Default: the folder of the
        class's ``registry`` block, if it has one.
    root : callable, optional
        ``root(arguments) -> str | None``, the source folder, for loaders
        whose default is not ``default_cache_dir(folder)``. With neither
        ``folder``, ``root`` nor a ``registry`` block the dataset has no
        source files (its arguments are the whole key).
    version : int
        The loader's output format; bump it whenever a change to the loader
        changes what it produces, so that older caches are rebuilt.

    A subclass that overrides ``__init__`` (and calls ``super().__init__``)
    is loaded without the cache: its own code may change the content after
    the parent's, which no key of the parent's arguments could know.

    Examples
    --------
    Every dataset class is decorated; ``cache=False`` skips the cache:

    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> a = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)              # builds and writes
    >>> b = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2)              # maps the cache
    >>> c = SimulatedDataset(seed=0, n_neurons=4, n_est=4, n_val=2, cache=False)  # rebuilds
    >>> bool(torch.equal(b.stims[0], c.stims[0]))
    True
    """
    def decorate(cls):
        registry = getattr(cls, "registry", "")

        def source_of(arguments: dict) -> str | None:
            if root is not None:
                return root(arguments)
            name = folder
            if name is None and registry:  # a release: its registry block names the folder
                from ..download import dataset_info

                name = dataset_info(registry).folder
            return dataset_root(arguments.get("path"), name) if name is not None else None

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
        return cls

    return decorate


def _warning_class(name: str) -> type:
    """The built-in warning class called ``name`` (UserWarning for any other)."""
    import builtins

    cls = getattr(builtins, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning
