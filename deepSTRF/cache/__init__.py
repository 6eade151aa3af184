"""The processed-data cache: what a first load builds is kept as plain ``.npy``
files plus JSON and memory-mapped on every later load.

- :mod:`~deepSTRF.cache.keys`: what a cache is keyed by;
- :mod:`~deepSTRF.cache.files`: the on-disk format (write, read, verify);
- :mod:`~deepSTRF.cache.build`: building straight into a cache folder;
- :mod:`~deepSTRF.cache.load`: load or build, under a lock per group;
- :mod:`~deepSTRF.cache.manage`: list, verify and clear caches;
- :mod:`~deepSTRF.cache.loader`: the ``@cached_loader`` class decorator.
"""

from .build import CacheError
from .files import is_complete, read_processed, verify_processed, write_processed
from .keys import UnkeyableArgument, cache_key, canonical_arguments, source_fingerprint
from .load import cache_root, load_or_build
from .loader import cached_loader
from .manage import cache_roots, clear_caches, list_caches, verify_caches

__all__ = ["CacheError", "UnkeyableArgument", "cache_key", "canonical_arguments", "source_fingerprint", "cache_root",
           "load_or_build", "cached_loader", "write_processed", "read_processed", "verify_processed", "is_complete",
           "cache_roots", "list_caches", "verify_caches", "clear_caches"]
