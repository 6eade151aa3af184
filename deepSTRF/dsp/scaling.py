"""Amplitude scalings of the NEMS pipelines: the offset log compression and min-max normalisation."""

from __future__ import annotations

import numpy as np


def soft_offset(log_offset: float) -> float:
    """NEMS's softened log offset: values beyond +-2 move only 1/50 as fast (``2 + (a - 2) / 50``).

    Parameters
    ----------
    log_offset : float
        The pipeline's ``log_offset`` (a base-10 exponent).

    Examples
    --------
    >>> from deepSTRF.dsp import soft_offset
    >>> soft_offset(-1.0), soft_offset(7.0)
    (-1.0, 2.1)
    """
    a = float(log_offset)
    return 2 + (a - 2) / 50 if a > 2 else (-2 + (a + 2) / 50 if a < -2 else a)


def offset_log(x: np.ndarray, log_offset: float) -> np.ndarray:
    """NEMS's log compression ``log((x + d) / d)``, ``d = 10**soft_offset(log_offset)``, in float32.

    Parameters
    ----------
    x : np.ndarray
        Non-negative energies (any shape).
    log_offset : float
        The pipeline's ``log_offset`` (``-1`` in Wingert 2026).

    Returns
    -------
    np.ndarray, float32, the shape of ``x``

    Examples
    --------
    With ``log_offset = -1``, ``d = 0.1``: ``log((x + 0.1) / 0.1)``.

    >>> from deepSTRF.dsp import offset_log
    >>> offset_log(np.array([0.0, 0.9]), -1.0)
    array([0.      , 2.302585], dtype=float32)
    """
    d = np.float32(10.0 ** soft_offset(log_offset))
    x = np.asarray(x, dtype=np.float32)
    return np.log((x + d) / d).astype(np.float32)


def minmax_scale_(x: np.ndarray, lo, hi, floor: float = 1e-6) -> np.ndarray:
    """In place: ``(x - lo) / (hi - lo)`` (a divisor of 1 where ``hi <= lo``), then values below ``floor`` set to 0.

    Parameters
    ----------
    x : np.ndarray, float
        The values, changed in place.
    lo, hi : float or np.ndarray
        The range, broadcast against ``x`` (e.g. ``(F, 1)`` per band); the divisor is
        computed in their precision, then cast to ``x.dtype``.
    floor : float, default 1e-6
        Values below it after scaling become exactly 0.

    Returns
    -------
    np.ndarray
        ``x``.

    Examples
    --------
    >>> from deepSTRF.dsp import minmax_scale_
    >>> x = np.array([[2.0, 4.0, 6.0]])
    >>> minmax_scale_(x, 2.0, 6.0)
    array([[0. , 0.5, 1. ]])
    """
    lo, hi = np.asarray(lo), np.asarray(hi)
    x -= lo.astype(x.dtype)
    x /= np.where(hi > lo, hi - lo, 1).astype(x.dtype)
    x[x < floor] = 0.0
    return x
