"""Per-neuron response quality (SNR, noise ceiling) over a packed dataset."""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_index, check_option, check_positive

_SLICE_VALUES = 1 << 21  # values stacked at once (16 MiB in float64)

CCMAX_METHODS = ("hsu", "schoppe")


class QualityMixin:
    """``compute_neuron_quality`` of :class:`~deepSTRF.datasets.NeuralDataset`."""

    def compute_neuron_quality(self, stim_indices=None, max_ccmax_iters: int = 126, method: str = "hsu") -> dict:
        """Attach ``snr`` and ``ccmax`` (and ``ccmax_n_stims``) to every ``nrn_meta`` entry.

        ``snr`` is the Sahani-Linden signal-to-noise power ratio over the
        stimuli each neuron heard with at least two repeats, length-weighted
        (:func:`deepSTRF.metrics.snr`); NaN without repeated stimuli.

        ``ccmax``, the noise ceiling of a correlation, by ``method``:

        - ``'hsu'`` (default, deepSTRF 0.1.0's): per stimulus with ``R >= 2``,
          the Hsu, Borst & Theunissen (2004) split-half ceiling
          ``sqrt(2 r / (1 + r))`` (:mod:`deepSTRF.metrics.split_half`; at most
          ``max_ccmax_iters`` splits), stimuli with ``r <= 0`` dropped, then
          averaged with weights equal to the stimuli's bin counts
          (:func:`deepSTRF.metrics.performance.compute_CCmax` per cell).
          **A neuron with only single-repeat stimuli gets ``ccmax = 1.0``, as
          in 0.1.0**: no ceiling is known, so ``cc / ccmax`` is then the raw
          correlation; ``ccmax_n_stims`` (the stimuli used, 0 for those
          neurons) tells them apart: filter on it rather than on ``ccmax``
          alone. A neuron whose every repeated stimulus has ``r <= 0`` gets NaN.
        - ``'schoppe'``: Schoppe et al. (2016), ``sqrt(SP / Var)`` of the
          concatenated repeated stimuli (:func:`deepSTRF.metrics.compute_CCmax`);
          NaN without repeated stimuli.

        Parameters
        ----------
        stim_indices : sequence of int, optional
            Absolute stimulus indices to use (all when None).
        max_ccmax_iters : int, default 126
            Most split-halves per stimulus for ``'hsu'`` (126 = every split of 10 repeats).
        method : {'hsu', 'schoppe'}, default 'hsu'

        Returns
        -------
        dict of torch.Tensor, float64, shape (N,)
            ``snr``, ``ccmax``, ``signal_power``, ``noise_power``, ``ccmax_n_stims``.
        """
        from ..metrics.reliability import TOTAL_KEYS, ccmax, powers, repeat_sums

        check_option("method", method, CCMAX_METHODS)
        check_positive("max_ccmax_iters", max_ccmax_iters, integer=True)
        store = self._store()
        keep = store.pair_reps >= 2
        if stim_indices is not None:
            chosen = np.zeros(store.n_stims, dtype=bool)
            chosen[[check_index("stim index", i, store.n_stims) for i in stim_indices]] = True
            keep &= chosen[store.pair_stim]
        pairs = np.flatnonzero(keep)
        N = self.N_neurons
        acc = {k: torch.zeros(N, dtype=torch.float64) for k in TOTAL_KEYS}
        hsu_sum, hsu_w, hsu_n = np.zeros(N), np.zeros(N), np.zeros(N)
        from ..metrics.split_half import mean_r, spearman_brown_ccmax, split_half_r, split_rs_from_gram

        for part, x in _groups(store, pairs):
            idx = torch.from_numpy(store.pair_nrn[part].astype(np.int64))
            if not np.isnan(x).any():  # the usual case: every statistic from each block's Gram matrix
                xd = x.astype(np.float64)
                G = np.matmul(xd, xd.transpose(0, 2, 1))  # (P, R, R), float64
                m = xd.sum(axis=2)
                s = _sums_from_gram(G, m, x.shape[2])
                r = mean_r(split_rs_from_gram(G, m, x.shape[2], max_ccmax_iters)) if method == "hsu" else None
            else:
                s = repeat_sums(torch.from_numpy(x).unsqueeze(1).double())
                s = {k: s[k][:, 0] for k in TOTAL_KEYS}
                r = split_half_r(x, max_ccmax_iters) if method == "hsu" else None
            for k in TOTAL_KEYS:
                acc[k].index_add_(0, idx, torch.as_tensor(s[k], dtype=torch.float64))
            if method == "hsu":
                c = spearman_brown_ccmax(r)
                ok = np.isfinite(c)
                nrn, T = store.pair_nrn[part][ok], x.shape[2]
                np.add.at(hsu_sum, nrn, c[ok] * T)
                np.add.at(hsu_w, nrn, T)
                np.add.at(hsu_n, nrn, 1)
        pw = powers(acc)
        if method == "hsu":
            repeated = np.zeros(N, dtype=bool)
            repeated[store.pair_nrn[pairs]] = True
            with np.errstate(invalid="ignore", divide="ignore"):
                cm = np.where(hsu_w > 0, hsu_sum / hsu_w, np.nan)
            cm[~repeated] = 1.0  # no stimulus with two repeats: 0.1.0's 1.0
            cc, n_used = torch.from_numpy(cm), torch.from_numpy(hsu_n)
        else:
            cc = ccmax(acc)
            n_used = torch.zeros(N, dtype=torch.float64).index_add_(
                0, torch.from_numpy(store.pair_nrn[pairs].astype(np.int64)), torch.ones(len(pairs), dtype=torch.float64))
        out = {"snr": pw["signal"] / pw["noise"], "ccmax": cc, "signal_power": pw["signal"],
               "noise_power": pw["noise"], "ccmax_n_stims": n_used}
        for meta, snr, cc, used in zip(self.nrn_meta, out["snr"].tolist(), out["ccmax"].tolist(),
                                       out["ccmax_n_stims"].tolist()):  # one conversion per column
            meta.update(snr=snr, ccmax=cc, ccmax_n_stims=int(used))
        return out


def _sums_from_gram(G: np.ndarray, m: np.ndarray, T: int) -> dict:
    """:func:`deepSTRF.metrics.reliability.repeat_sums`'s totals of NaN-free blocks ``(P, R, T)``
    from their Gram matrices ``G`` ``(P, R, R)`` and repeat sums ``m`` ``(P, R)`` (float64):
    the PSTH's sum is ``sum(m) / R``, its sum of squares ``sum(G) / R^2``, and the repeats'
    sum of squares ``trace(G)``."""
    R = G.shape[1]
    s1 = m.sum(axis=1) / R
    s2 = G.sum(axis=(1, 2)) / R**2
    v = (np.trace(G, axis1=1, axis2=2) - R * s2) / (R - 1)  # sum over bins of the variance across repeats
    Tt = np.full(len(G), float(T))
    ok = Tt >= 2
    out = {"T": Tt, "S1": s1, "S2": s2, "Vr": v / R, "V": v, "W": s2 - s1**2 / np.maximum(Tt, 1)}
    return {k: np.where(ok, val, 0.0) for k, val in out.items()}


def _groups(store, pairs):
    """Yield ``(pair indices, float32 array (P, R, T))`` of pairs sharing ``(R, T)``, in slices."""
    T_of = store.stim_T[store.pair_stim[pairs]]
    R_of = store.pair_reps[pairs].astype(np.int64)
    for R, T in sorted({(int(r), int(t)) for r, t in zip(R_of, T_of)}):
        group = pairs[(R_of == R) & (T_of == T)]
        step = max(1, _SLICE_VALUES // (R * T))
        for i in range(0, len(group), step):
            part = group[i : i + step]
            yield part, np.stack([store.block(int(p)) for p in part])  # float32, as stored
