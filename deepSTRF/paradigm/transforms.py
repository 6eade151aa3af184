"""In-place transforms of a dataset's responses and stimuli, vectorised over
the packed storage (no loop over (stim, neuron) pairs)."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import DatasetTypeError, DatasetValueError
from .._checks import check_index, check_option
from ..dsp.smoothing import hann_kernel, smooth_rows

_BLOCK_VALUES = 1 << 20  # values handled at once, to keep temporaries in cache

NORMALIZE_METHODS = ("max", "zscore", "minmax")


def _row_blocks(rows: np.ndarray):
    step = max(1, _BLOCK_VALUES // max(1, rows.shape[1]))
    for i in range(0, rows.shape[0], step):
        yield i, rows[i : i + step]


def _row_stats(rows: np.ndarray, need_moments: bool):
    """Per row: valid count, sum, sum of squares (float64), min, max (NaN-aware)."""
    n = rows.shape[0]
    cnt = np.zeros(n)
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    lo = np.empty(n)
    hi = np.empty(n)
    for i, b in _row_blocks(rows):
        sl = slice(i, i + b.shape[0])
        with np.errstate(invalid="ignore"):
            lo[sl] = np.fmin.reduce(b, axis=1)
            hi[sl] = np.fmax.reduce(b, axis=1)
        if need_moments:
            valid = ~np.isnan(b)
            z = np.where(valid, b, 0).astype(np.float64)
            cnt[sl] = valid.sum(axis=1)
            s1[sl] = z.sum(axis=1)
            s2[sl] = np.einsum("ij,ij->i", z, z)
    return cnt, s1, s2, lo, hi


class TransformsMixin:
    """Response and stimulus transforms of :class:`~deepSTRF.datasets.NeuralDataset`."""

    def smooth_responses(self, window_ms: float = 21.0) -> None:
        """Smooth every response row in place with a normalised Hann window.

        ``K = round(window_ms / dt_ms)`` taps, made odd, at least 3, summing to
        1 (:func:`deepSTRF.dsp.hann_kernel`); NaN bins stay NaN and do not
        spread; near the edges and NaN bins the weights of the valid bins are
        renormalised, so a smoothed PSTH keeps its mean rate.

        Parameters
        ----------
        window_ms : float, default 21.0
            Window length in ms (Hsu, Borst & Theunissen 2004).
        """
        kernel = hann_kernel(window_ms, self.dt_ms)
        store = self._store()
        store.make_private()
        for rows, _ in store.runs():
            smooth_rows(rows, kernel, out=rows)

    def _stim_index_list(self, stim_indices, S: int):
        if stim_indices is None:
            return None
        if isinstance(stim_indices, (str, bytes)) or not hasattr(stim_indices, "__iter__"):
            raise DatasetTypeError(f"stim_indices must be a sequence of stimulus indices or None; got {stim_indices!r}")
        idx = [check_index("stim index", i, S) for i in stim_indices]  # as given (stored so)
        if not idx:
            raise DatasetValueError("stim_indices is empty; pass None to use every stimulus")
        return idx

    def normalize_responses(self, method: str = "max", stim_indices=None, eps: float = 1e-8) -> dict:
        """Normalise each neuron's responses in place: ``x <- (x - offset[n]) / scale[n]``.

        The statistics come from the stimuli ``stim_indices`` (all when None),
        over all repeats and bins each neuron has there; the transform is
        applied to every stimulus. Fit on the estimation set, apply to all:
        the test set does not leak into the scaling.

        Parameters
        ----------
        method : {'max', 'zscore', 'minmax'}, default 'max'
            ``'max'``: ``offset = 0``, ``scale = max |x| + eps``;
            ``'zscore'``: ``offset = mean``, ``scale = std + eps`` (unbiased,
            ``ddof = 1``); ``'minmax'``: ``offset = min``,
            ``scale = max - min + eps``, mapping the range to ``[0, 1]``. NaN
            values are ignored and stay NaN.
        stim_indices : sequence of int, optional
            Absolute indices of the stimuli the statistics come from.
        eps : float, default 1e-8
            Added to every divisor (a neuron that never fired is divided by ``eps``: its zeros stay zeros).

        Returns
        -------
        dict
            ``{'method', 'scale', 'offset', 'stim_indices'}`` (as in deepSTRF
            0.1.0), ``scale`` and ``offset`` float64 tensors of shape
            ``(N,)``; also stored as ``ds.response_normalization``. A neuron
            with no value in ``stim_indices`` keeps ``offset = 0``,
            ``scale = 1`` (unchanged).
        """
        check_option("method", method, NORMALIZE_METHODS)
        store = self._store()
        idx = self._stim_index_list(stim_indices, store.n_stims)
        chosen = np.ones(store.n_stims, dtype=bool)
        if idx is not None:
            chosen[:] = False
            chosen[idx] = True
        N = self.N_neurons
        cnt, s1, s2 = np.zeros(N), np.zeros(N), np.zeros(N)
        lo, hi = np.full(N, np.nan), np.full(N, np.nan)
        need_moments = method == "zscore"
        for rows, pairs in store.runs():
            reps = store.pair_reps[pairs]
            starts = np.concatenate(([0], np.cumsum(reps)[:-1]))
            use = chosen[store.pair_stim[pairs]]
            if not use.any():
                continue
            rc, r1, r2, rlo, rhi = _row_stats(rows, need_moments)
            nrn = store.pair_nrn[pairs][use]
            with np.errstate(invalid="ignore"):
                np.fmin.at(lo, nrn, np.fmin.reduceat(rlo, starts)[use])
                np.fmax.at(hi, nrn, np.fmax.reduceat(rhi, starts)[use])
            if need_moments:
                np.add.at(cnt, nrn, np.add.reduceat(rc, starts)[use])
                np.add.at(s1, nrn, np.add.reduceat(r1, starts)[use])
                np.add.at(s2, nrn, np.add.reduceat(r2, starts)[use])
        offset = np.zeros(N)
        if method == "max":
            spread = np.fmax(np.abs(lo), np.abs(hi))
        elif method == "minmax":
            offset, spread = lo.copy(), hi - lo
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                offset = s1 / cnt
                spread = np.sqrt(np.clip((s2 - s1 * offset) / (cnt - 1), 0, None))
        known = np.isfinite(spread) & np.isfinite(offset)
        offset = np.where(known, offset, 0.0)
        scale = np.where(known, spread + eps, 1.0)
        store.make_private()
        inv = 1.0 / scale
        for rows, pairs in store.runs():
            nrn = np.repeat(store.pair_nrn[pairs], store.pair_reps[pairs])
            for i, b in _row_blocks(rows):
                k = nrn[i : i + b.shape[0], None]
                b -= offset[k].astype(np.float32)
                b *= inv[k].astype(np.float32)
        self.response_normalization = {"method": method, "scale": torch.from_numpy(scale),
                                       "offset": torch.from_numpy(offset), "stim_indices": idx}
        return self.response_normalization

    def standardize_stims(self, stim_indices=None, per_band: bool = True, eps: float = 1e-8) -> dict:
        """Z-score every stimulus in place, ``x <- (x - mean) / (std + eps)``, with statistics of some stimuli.

        Parameters
        ----------
        stim_indices : sequence of int, optional
            Absolute indices of the stimuli whose statistics are used (e.g. the
            estimation set, so test stimuli do not leak into the fit); all
            stimuli when ``None``. The transform is applied to all stimuli.
        per_band : bool, default True
            One mean and std per band (per entry of the leading axes); False:
            one scalar mean and std over all values.
        eps : float, default 1e-8
            Added to the standard deviation before dividing.

        Returns
        -------
        dict
            ``{'mean', 'std', 'per_band', 'stim_indices'}`` (as in deepSTRF
            0.1.0): ``mean`` and ``std`` (unbiased, ``ddof = 1``) float32
            tensors shaped like a stimulus with a time axis of 1 (``(1, F, 1)``
            for spectrograms) when ``per_band``, 0-d tensors otherwise. Also
            stored as ``ds.stim_normalization``.
        """
        self._store()
        stims = self._stim_store
        S = len(stims)
        idx = self._stim_index_list(stim_indices, S)
        lead = {stims.shapes[s][:-1] for s in range(S)}
        if per_band and len(lead) != 1:
            raise DatasetValueError(f"stimuli have different band layouts {sorted(lead)}; cannot standardise "
                                    "per band (per_band=False uses one scalar mean and std)")
        lead = lead.pop() if per_band else ()
        C = int(np.prod(lead)) if per_band and lead else 1
        total, sq, count = np.zeros(C), np.zeros(C), 0
        for s in (range(S) if idx is None else sorted(set(idx))):
            a = stims.array(s).reshape(C, -1).astype(np.float64)
            total += a.sum(axis=1)
            sq += np.einsum("ij,ij->i", a, a)
            count += a.shape[1]
        mean = total / count
        std = np.sqrt(np.clip((sq - total * mean) / max(count - 1, 1), 0, None))
        stims.make_private()
        m32, i32 = mean.astype(np.float32)[:, None], (1.0 / (std + eps)).astype(np.float32)[:, None]
        for s in range(S):
            a = stims.array(s).reshape(C, -1)
            a -= m32
            a *= i32
        shape = lead + (1,) if per_band else ()
        self.stim_normalization = {"mean": torch.from_numpy(mean.astype(np.float32).reshape(shape)),
                                   "std": torch.from_numpy(std.astype(np.float32).reshape(shape)),
                                   "per_band": bool(per_band), "stim_indices": idx}
        return self.stim_normalization


def hanning_smooth(response, window_ms: float = 21.0, dt_ms: float | None = None):
    """Smooth ``response`` along its last (time) axis with the normalised Hann window.

    deepSTRF 0.1.0's argument order, ``(response, window_ms, dt_ms)``.
    NaN-aware: NaN bins stay NaN and do not spread; near edges and NaN bins
    the valid weights are renormalised (see :func:`deepSTRF.dsp.hann_kernel`).

    Parameters
    ----------
    response : torch.Tensor or np.ndarray, shape (..., T)
        Responses (e.g. ``(R, T)`` repeats x bins).
    window_ms : float, default 21.0
        Window length in ms (Hsu, Borst & Theunissen 2004).
    dt_ms : float
        Bin width of ``response`` in ms (required).

    Returns
    -------
    Same type, shape and dtype as ``response`` (a new array; the input is unchanged).

    Examples
    --------
    deepSTRF 0.1.0's order, ``(response, window_ms, dt_ms)``; the kernel sums to 1, so the mean
    rate is kept away from the edges.

    >>> from deepSTRF.utils import hanning_smooth
    >>> x = torch.zeros(1, 11)
    >>> x[0, 5] = 1.0
    >>> y = hanning_smooth(x, 21.0, dt_ms=5.0)
    >>> y.shape, round(float(y.sum()), 6), bool(y[0, 5] < 1.0)
    (torch.Size([1, 11]), 1.0, True)
    """
    if dt_ms is None:
        raise DatasetTypeError("hanning_smooth(response, window_ms, dt_ms): dt_ms, the bin width in ms, is required")
    kernel = hann_kernel(window_ms, dt_ms)
    x = response
    if isinstance(x, torch.Tensor):
        a = x.detach().cpu().numpy()
        if a.dtype.kind != "f":
            a = a.astype(np.float32)
        return torch.from_numpy(smooth_rows(np.ascontiguousarray(a), kernel)).to(x.device)
    a = np.asarray(x)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return smooth_rows(np.ascontiguousarray(a), kernel)
