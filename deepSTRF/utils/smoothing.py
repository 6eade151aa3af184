"""``hanning_smooth``: the kernel of ``NeuralDataset.smooth_responses`` as a function."""

from __future__ import annotations

import numpy as np
import torch

from ..dsp.smoothing import hann_kernel, smooth_rows


def hanning_smooth(x, dt_ms: float, window_ms: float = 21.0):
    """Smooth ``x`` along its last (time) axis with the normalised Hann window.

    NaN-aware: NaN bins stay NaN and do not spread; near edges and NaN bins
    the valid weights are renormalised (see :func:`deepSTRF.dsp.hann_kernel`).

    Parameters
    ----------
    x : torch.Tensor or np.ndarray, shape (..., T)
        Responses (e.g. ``(R, T)`` repeats x bins).
    dt_ms : float
        Bin width of ``x`` in ms.
    window_ms : float, default 21.0
        Window length in ms.

    Returns
    -------
    Same type, shape and dtype as ``x`` (a new array; ``x`` is unchanged).
    """
    kernel = hann_kernel(window_ms, dt_ms)
    if isinstance(x, torch.Tensor):
        a = x.detach().cpu().numpy()
        if a.dtype.kind != "f":
            a = a.astype(np.float32)
        return torch.from_numpy(smooth_rows(np.ascontiguousarray(a), kernel)).to(x.device)
    a = np.asarray(x)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return smooth_rows(np.ascontiguousarray(a), kernel)
