"""Per-neuron response quality (SNR, noise ceiling) over a packed dataset."""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_index

_SLICE_VALUES = 1 << 21  # values stacked at once (16 MiB in float64)


class QualityMixin:
    """``compute_neuron_quality`` of :class:`~deepSTRF.datasets.NeuralDataset`."""

    def compute_neuron_quality(self, stim_indices=None) -> dict:
        """Attach ``snr`` and ``ccmax`` to every ``nrn_meta`` entry.

        Both use the stimuli each neuron heard with at least two repeats
        (all stimuli, or those in ``stim_indices``): ``snr`` is the
        Sahani-Linden signal-to-noise power ratio, length-weighted over
        stimuli (:func:`deepSTRF.metrics.snr`); ``ccmax`` the Schoppe et al.
        (2016) noise ceiling of the concatenated stimuli
        (:func:`deepSTRF.metrics.compute_CCmax`). A neuron without repeated
        stimuli gets NaN for both. Computed in float64, vectorised over
        (stimulus, neuron) pairs of the same shape.

        Parameters
        ----------
        stim_indices : sequence of int, optional
            Absolute stimulus indices to use.

        Returns
        -------
        dict of torch.Tensor, float64, shape (N,)
            ``snr``, ``ccmax``, ``signal_power``, ``noise_power``.
        """
        from ..metrics.reliability import TOTAL_KEYS, ccmax, powers, repeat_sums

        store = self._store()
        keep = store.pair_reps >= 2
        if stim_indices is not None:
            chosen = np.zeros(store.n_stims, dtype=bool)
            chosen[[check_index("stim index", i, store.n_stims) for i in stim_indices]] = True
            keep &= chosen[store.pair_stim]
        pairs = np.flatnonzero(keep)
        N = self.N_neurons
        acc = {k: torch.zeros(N, dtype=torch.float64) for k in TOTAL_KEYS}
        T_of = store.stim_T[store.pair_stim[pairs]]
        R_of = store.pair_reps[pairs].astype(np.int64)
        for R, T in {(int(r), int(t)) for r, t in zip(R_of, T_of)}:
            group = pairs[(R_of == R) & (T_of == T)]
            step = max(1, _SLICE_VALUES // (R * T))
            for i in range(0, len(group), step):
                part = group[i : i + step]
                x = torch.from_numpy(np.stack([store.block(int(p)) for p in part]).astype(np.float64))
                s = repeat_sums(x.unsqueeze(1))
                idx = torch.from_numpy(store.pair_nrn[part].astype(np.int64))
                for k in TOTAL_KEYS:
                    acc[k].index_add_(0, idx, s[k][:, 0])
        pw = powers(acc)
        out = {"snr": pw["signal"] / pw["noise"], "ccmax": ccmax(acc),
               "signal_power": pw["signal"], "noise_power": pw["noise"]}
        for n in range(N):
            self.nrn_meta[n]["snr"] = float(out["snr"][n])
            self.nrn_meta[n]["ccmax"] = float(out["ccmax"][n])
        return out
