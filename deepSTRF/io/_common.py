"""What every reader shares: one error family, and guards at the readers' edge.

A reader raises :class:`FormatError` (or a subclass of its format family),
which names the file and, where it applies, the field, row or trial, and
what was wrong. Exceptions of the libraries underneath (scipy, h5py, json,
pandas, numpy) are caught where they leave the library and chained
(``raise ... from err``), so users never meet a bare ``IndexError`` from
deep inside a parser, and ``except ValueError`` keeps working.
"""

from __future__ import annotations

import contextlib

import numpy as np


class FormatError(ValueError):
    """A file is not in the format its reader expects.

    Parameters
    ----------
    message : str
        What is wrong, starting with the file's path.
    path : str, optional
        The file.
    field : str, optional
        The field, row or trial concerned.

    Attributes
    ----------
    path : str or None
        The file.
    field : str or None
        The field, row or trial concerned, when there is one.

    Examples
    --------
    Every reader error is one: it names the file (and the field), and is a ``ValueError``.

    >>> from deepSTRF.io import FormatError, read_wav
    >>> import tempfile, os
    >>> bad = os.path.join(tempfile.mkdtemp(), "clip.wav")
    >>> _ = open(bad, "wb").write(b"not a wav file")
    >>> try:
    ...     read_wav(bad)
    ... except FormatError as err:
    ...     print(isinstance(err, ValueError), err.path == bad)
    True True
    """

    def __init__(self, message: str, path: str | None = None, field: str | None = None):
        super().__init__(message)
        self.path = path
        self.field = field


#: what libraries raise on malformed input (caught at a reader's edge, then chained)
LIBRARY_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, EOFError, OSError, UnicodeError,
                  OverflowError, NotImplementedError, RuntimeError, AssertionError)


_NOT_FORMAT = (FileNotFoundError, PermissionError, IsADirectoryError)


@contextlib.contextmanager
def reading(path: str, what: str, error: type[FormatError] = FormatError, field: str | None = None):
    """Within the block, a library error becomes ``error(f"{path}: {what}: ...")``, chained.

    ``FormatError`` passes unchanged; ``MemoryError`` and ``KeyboardInterrupt`` are not touched.
    """
    try:
        yield
    except FormatError:
        raise
    except _NOT_FORMAT:  # a missing or unreadable file is not a malformed one
        raise
    except LIBRARY_ERRORS as err:
        raise error(f"{path}: {what} ({type(err).__name__}: {err})", path, field) from err


def loadmat(path: str, error: type[FormatError] = FormatError, **kwargs) -> dict:
    """``scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False, **kwargs)``, its errors as ``error``."""
    import scipy.io

    try:
        return scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False, **kwargs)
    except Exception as err:  # noqa: BLE001 - scipy raises MatReadError, ValueError, TypeError, OSError, ...
        if isinstance(err, (FormatError, *_NOT_FORMAT)):
            raise
        raise error(f"{path}: cannot read as a MATLAB file ({type(err).__name__}: {err}); the file may be "
                    "truncated or not a .mat file", path) from err


def finite_times(times, path: str, where: str, error: type[FormatError] = FormatError) -> np.ndarray:
    """``times`` as a 1-D float64 array, or ``error`` naming the file and ``where`` if any is NaN or infinite
    (a NaN would otherwise be dropped silently, or land in bin 0 where NaN casts to 0)."""
    try:
        t = np.asarray(times, dtype=np.float64).ravel()  # called per trial: no context manager on the fast path
    except (TypeError, ValueError) as err:
        raise error(f"{path}: {where}: spike times are not numbers ({type(err).__name__}: {err})", path,
                    where) from err
    if not np.isfinite(t).all():
        k = int(np.flatnonzero(~np.isfinite(t))[0])
        raise error(f"{path}: {where}: spike time {k + 1} of {t.size} is {float(t[k])!r}, not a finite number", path,
                    where)
    return t


def require_fields(obj, names, path: str, what: str, error: type[FormatError] = FormatError) -> None:
    """``error`` naming the first of ``names`` that ``obj`` (a mat struct, dict or h5 group) lacks."""
    for name in names:
        present = name in obj if isinstance(obj, dict) or hasattr(obj, "keys") else hasattr(obj, name)
        if not present:
            raise error(f"{path}: {what} has no field {name!r}", path, name)
