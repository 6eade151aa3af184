"""In-place transforms of a dataset's responses and stimuli, vectorised over
the packed storage (no loop over (stim, neuron) pairs)."""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_index, check_option
from ..dsp.smoothing import hann_kernel, smooth_rows

_BLOCK_VALUES = 1 << 20  # values handled at once, to keep temporaries in cache

NORMALIZE_METHODS = ("max", "minmax", "zscore")


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

    def normalize_responses(self, method: str = "max") -> dict:
        """Normalise each neuron's responses in place, over all its stimuli and repeats.

        Parameters
        ----------
        method : {'max', 'minmax', 'zscore'}
            ``'max'``: divide by the neuron's maximum; ``'minmax'``: map
            ``[min, max]`` to ``[0, 1]``; ``'zscore'``: subtract the mean and
            divide by the standard deviation. NaN values are ignored and stay
            NaN. A neuron with no spread (e.g. one that never fired) is only
            shifted, never divided by zero.

        Returns
        -------
        dict
            ``shift`` and ``scale``, float64 arrays of shape (N,): each value
            became ``(x - shift[n]) * scale[n]``.
        """
        check_option("method", method, NORMALIZE_METHODS)
        store = self._store()
        N = self.N_neurons
        cnt, s1, s2 = np.zeros(N), np.zeros(N), np.zeros(N)
        lo, hi = np.full(N, np.nan), np.full(N, np.nan)
        need_moments = method == "zscore"
        for rows, pairs in store.runs():
            reps = store.pair_reps[pairs]
            starts = np.concatenate(([0], np.cumsum(reps)[:-1]))
            rc, r1, r2, rlo, rhi = _row_stats(rows, need_moments)
            nrn = store.pair_nrn[pairs]
            with np.errstate(invalid="ignore"):
                np.fmin.at(lo, nrn, np.fmin.reduceat(rlo, starts))
                np.fmax.at(hi, nrn, np.fmax.reduceat(rhi, starts))
            if need_moments:
                np.add.at(cnt, nrn, np.add.reduceat(rc, starts))
                np.add.at(s1, nrn, np.add.reduceat(r1, starts))
                np.add.at(s2, nrn, np.add.reduceat(r2, starts))
        shift = np.zeros(N)
        spread = np.ones(N)
        if method == "max":
            spread = hi.copy()
        elif method == "minmax":
            shift, spread = lo.copy(), hi - lo
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = s1 / cnt
                var = s2 / cnt - mean**2
            shift = mean
            spread = np.sqrt(np.clip(var, 0, None))
        shift = np.nan_to_num(shift, nan=0.0)
        ok = np.isfinite(spread) & (spread > 0)
        scale = np.ones(N)
        scale[ok] = 1.0 / spread[ok]
        store.make_private()
        for rows, pairs in store.runs():
            nrn = np.repeat(store.pair_nrn[pairs], store.pair_reps[pairs])
            for i, b in _row_blocks(rows):
                k = nrn[i : i + b.shape[0], None]
                b -= shift[k].astype(np.float32)
                b *= scale[k].astype(np.float32)
        return {"shift": shift, "scale": scale}

    def standardize_stims(self, stim_indices=None) -> dict:
        """Z-score every stimulus in place, per band, with statistics of some stimuli.

        Parameters
        ----------
        stim_indices : sequence of int, optional
            Absolute indices of the stimuli whose statistics are used (e.g. the
            estimation set, so test stimuli do not leak into the fit); all
            stimuli when ``None``. The transform is applied to all stimuli.

        Returns
        -------
        dict
            ``mean`` and ``std``, float32 tensors shaped like a stimulus with
            a time axis of 1 (``(1, F, 1)`` for spectrograms). A band with
            zero spread is only centred.
        """
        stims = self._stim_store
        if stims is None:
            self._store()
        S = len(stims)
        idx = range(S) if stim_indices is None else [check_index("stim index", i, S) for i in stim_indices]
        idx = list(idx)
        if not idx:
            raise ValueError("stim_indices is empty; pass None to use every stimulus")
        lead = {stims.shapes[s][:-1] for s in range(S)}
        if len(lead) != 1:
            raise ValueError(f"stimuli have different band layouts {sorted(lead)}; cannot standardise per band")
        lead = lead.pop()
        C = int(np.prod(lead)) if lead else 1
        total, sq, count = np.zeros(C), np.zeros(C), 0
        for s in idx:
            a = stims.array(s).reshape(C, -1).astype(np.float64)
            total += a.sum(axis=1)
            sq += np.einsum("ij,ij->i", a, a)
            count += a.shape[1]
        mean = total / count
        std = np.sqrt(np.clip(sq / count - mean**2, 0, None))
        inv = np.where(std > 0, 1.0 / np.where(std > 0, std, 1), 1.0)
        stims.make_private()
        m32, i32 = mean.astype(np.float32)[:, None], inv.astype(np.float32)[:, None]
        for s in range(S):
            a = stims.array(s).reshape(C, -1)
            a -= m32
            a *= i32
        shape = lead + (1,)
        return {"mean": torch.from_numpy(mean.astype(np.float32).reshape(shape)),
                "std": torch.from_numpy(std.astype(np.float32).reshape(shape))}


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
