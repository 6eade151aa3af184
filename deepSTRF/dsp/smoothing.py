"""NaN-aware Hann smoothing of response rows along time.

The kernel (a deliberate difference from deepSTRF 0.1.0, see the README): ``K = round(window_ms / dt_ms)``,
made odd, at least 3; the ``K`` interior points of a Hann window of length
``K + 2`` (no zero end taps), normalised to sum 1. At ``dt_ms = 10`` and
``window_ms = 21`` that is ``[0.25, 0.5, 0.25]``.

Smoothing is a *normalised* convolution: each output bin is the weighted mean
of the valid (non-NaN, inside the row) bins under the kernel. So a constant
row stays constant up to its edges, a smoothed PSTH keeps its mean rate, a
NaN bin stays NaN and does not spread into its neighbours, and a fully NaN
row stays NaN.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive

# rows processed at once: keeps the temporaries in the CPU cache
_BLOCK_VALUES = 1 << 19


def hann_kernel(window_ms: float, dt_ms: float) -> np.ndarray:
    """Normalised Hann smoothing kernel for a ``window_ms`` window at ``dt_ms`` bins.

    Parameters
    ----------
    window_ms : float
        Window length in ms (21.0 is the Hsu, Borst & Theunissen 2004 choice).
    dt_ms : float
        Bin width in ms.

    Returns
    -------
    np.ndarray, shape (K,), float64
        Odd-length, symmetric weights summing to 1.

    Examples
    --------
    A 21-ms window at 5-ms bins: 5 weights, symmetric, summing to 1.

    >>> from deepSTRF.dsp import hann_kernel
    >>> k = hann_kernel(21.0, 5.0)
    >>> k.shape, bool(np.isclose(k.sum(), 1.0)), bool(np.allclose(k, k[::-1]))
    ((5,), True, True)
    """
    check_positive("window_ms", window_ms)
    check_positive("dt_ms", dt_ms)
    k = max(3, int(round(window_ms / dt_ms)))
    if k % 2 == 0:
        k += 1
    n = np.arange(1, k + 1)
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / (k + 1))  # interior of a K+2 Hann window
    return w / w.sum()


def smooth_rows(x: np.ndarray, kernel: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Smooth each row of ``x`` along its last axis with ``kernel``, NaN-aware.

    Parameters
    ----------
    x : np.ndarray, shape (..., T), float32 or float64
        Rows to smooth (repeats x bins, or any stack of them).
    kernel : np.ndarray, shape (K,)
        Odd-length weights, e.g. from :func:`hann_kernel`.
    out : np.ndarray, optional
        Where to write the result; may be ``x`` itself (in place).

    Returns
    -------
    np.ndarray, same shape and dtype as ``x``

    Examples
    --------
    A flat row stays flat (the kernel sums to 1), and a NaN bin stays NaN.

    >>> from deepSTRF.dsp import hann_kernel, smooth_rows
    >>> x = np.array([[2.0, 2.0, 2.0, np.nan, 2.0, 2.0]])
    >>> smooth_rows(x, hann_kernel(21.0, 5.0))
    array([[ 2.,  2.,  2., nan,  2.,  2.]])
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 1 or kernel.size % 2 == 0:
        raise ValueError(f"kernel must be a 1-D array of odd length; got shape {kernel.shape}")
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"x must be a floating-point array; got dtype {x.dtype}")
    if out is None:
        out = np.empty_like(x)
    elif out.shape != x.shape:
        raise ValueError(f"out has shape {out.shape}, x has shape {x.shape}")
    if x.size == 0:
        return out
    T = x.shape[-1]
    rows_in = x.reshape(-1, T)
    rows_out = out.reshape(-1, T)
    if not np.shares_memory(rows_out, out):  # reshape had to copy: work on a contiguous copy
        rows_out = np.empty_like(rows_in)
    w = kernel.astype(x.dtype)
    edge = _edge_weights(kernel, T).astype(x.dtype)
    step = max(1, _BLOCK_VALUES // T)
    for i in range(0, rows_in.shape[0], step):
        _smooth_block(rows_in[i : i + step], w, edge, rows_out[i : i + step])
    if not np.shares_memory(rows_out, out):
        out[...] = rows_out.reshape(out.shape)
    return out


def _edge_weights(kernel: np.ndarray, T: int) -> np.ndarray:
    """Sum of the kernel weights that fall inside a row of T bins, per bin."""
    return _correlate(np.ones((1, T)), kernel)[0]


def _correlate(b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Zero-padded ``same`` correlation of each row of ``b`` with ``w`` (odd length)."""
    if w.size > 5:  # long kernels (21 taps at 1 ms): one compiled pass beats one numpy pass per tap
        from scipy.ndimage import correlate1d

        return correlate1d(b, w.astype(np.float64), axis=-1, mode="constant", cval=0.0)
    half = w.size // 2
    T = b.shape[-1]
    acc = b * w[half]
    for j in range(1, half + 1):
        if j >= T:
            break
        acc[:, j:] += b[:, :-j] * w[half - j]
        acc[:, :-j] += b[:, j:] * w[half + j]
    return acc


def _smooth_block(b: np.ndarray, w: np.ndarray, edge: np.ndarray, dst: np.ndarray) -> None:
    nan = np.isnan(b)
    if not nan.any():
        acc = _correlate(b, w)
        acc /= edge
        dst[...] = acc
        return
    valid = ~nan
    num = _correlate(np.where(valid, b, 0), w)
    den = _correlate(valid.astype(b.dtype), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        num /= den
    num[nan] = np.nan
    dst[...] = num
