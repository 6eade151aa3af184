"""Ahmed et al. (2025)'s tuned / well-tuned multi-units of a loaded Downer 2025 dataset.

The paper's analysis, not a description of the release: the statistic is
:func:`deepSTRF.metrics.tuning.tuning_by_group` over the recording
sessions; here it is run on a dataset's test stimuli, written to its
``nrn_meta``, and its flags are cached per channel next to the data.
"""

from __future__ import annotations

import os

import numpy as np

from ..._jsonfile import read_json_or_empty, write_json_if_possible
from ...dsp.binning import rebin_sum
from ...metrics.tuning import tuning_by_group
from ._downer import by_session

_UNREADABLE = "Downer2025: ignoring the unreadable tuning cache"


class Ahmed2025Tuning:
    """Mixin of :class:`~deepSTRF.datasets.audio.Downer2025Dataset`: the paper's tuning flags."""

    def compute_paper_tuning(self, n_resamples: int = 10000, dt_ms_analysis: float = 50.0, seed: int = 0,
                             alpha: float = 0.05, delta: float = 0.5, verbose: bool = True) -> dict:
        """Ahmed et al. (2025) tuned / well-tuned multi-units, on the test stimuli.

        Per neuron: ``n_resamples`` correlations between two different
        repeats (the same random pair for all neurons of a session)
        concatenated over the test stimuli, re-binned to ``dt_ms_analysis``,
        against a null of the same with the second sequence circularly
        shifted; tuned = one-sided Wilcoxon rank-sum p < ``alpha``;
        well-tuned = tuned and ``(mean true - mean null) / sd null >= delta``.
        Writes ``ahmed2025_<stimuli>_{tuned, well_tuned, p_wilcoxon,
        delta_normalized}`` to ``nrn_meta``; returns the counts. Each
        session's draws come from ``(seed, session id)``, all made up front,
        so a channel's result is the same whichever channels are loaded.

        Parameters
        ----------
        n_resamples : int, default 10000
            Resamples per neuron.
        dt_ms_analysis : float, default 50.0
            Analysis bin width in ms: responses are re-binned (summed) to it; a whole multiple of ``dt_ms``.
        seed : int, default 0
            Seed of the random repeat pairs and circular shifts (combined with each session id).
        alpha : float, default 0.05
            Significance level of the one-sided Wilcoxon rank-sum test.
        delta : float, default 0.5
            Threshold of the normalised effect size ``(mean true - mean null) / sd null``.
        verbose : bool, default True
            Show a progress bar per session.

        Returns
        -------
        dict
            ``tuned``, ``well_tuned`` and ``n_with_data`` (counts of neurons) and ``stimuli``.
        """
        factor = dt_ms_analysis / self.dt_ms
        if abs(factor - round(factor)) > 1e-9 or factor < 1:
            raise ValueError(f"dt_ms_analysis must be a whole multiple of dt_ms={self.dt_ms}; got {dt_ms_analysis}")
        test = [s for s, m in enumerate(self.stim_meta) if m.get("split") == "test"]
        flags = tuning_by_group(
            lambda s, n: rebin_sum(self.responses[s][n].numpy().astype(np.float64), int(round(factor))),
            by_session(self.nrn_meta), test, seed, n_resamples, alpha, delta, verbose)
        prefix = f"ahmed2025_{self.stimuli}_"
        result = {"tuned": 0, "well_tuned": 0, "n_with_data": 0, "stimuli": self.stimuli}
        for n, f in flags.items():
            self.nrn_meta[n].update({prefix + k: v for k, v in f.items() if k != "has_data"})
            result["tuned"] += f["tuned"]
            result["well_tuned"] += f["well_tuned"]
            result["n_with_data"] += f["has_data"]
        return result

    def attach_ahmed2025_well_tuned(self) -> int:
        """Tag ``nrn_meta[n]['ahmed2025_<stimuli>_well_tuned']``; return the number of
        flagged neurons in the current selection.

        The reference ships the flags as module constants computed on the
        real release; those tables cannot be regenerated without the data,
        so here the flags come from :meth:`compute_paper_tuning` with its
        defaults (``n_resamples=10000``, ``dt_ms_analysis=50``, ``seed=0``,
        ``alpha=0.05``, ``delta=0.5``; about 3 min for all 1718 channels)
        and are cached per channel in
        ``<path>/.deepstrf/ahmed2025_tuning.json``, keyed by those settings
        and by ``dt_ms`` and smoothing, so later instances (any filter) only
        read them. Per-session seeds make a channel's flag independent of
        which other channels are loaded. Flags already in ``nrn_meta`` are
        used as they are.
        """
        key = f"ahmed2025_{self.stimuli}_well_tuned"
        if all(key in m for m in self.nrn_meta):
            return sum(bool(self.nrn_meta[n][key]) for n in self.selected_neurons)
        settings = f"{self.stimuli}|dt_ms={self.dt_ms:g}|smooth={getattr(self, '_smoothed', None)}|" \
                   "n_resamples=10000|dt_ms_analysis=50|seed=0|alpha=0.05|delta=0.5"
        cache_file = os.path.join(self.path, ".deepstrf", "ahmed2025_tuning.json") if getattr(
            self, "path", None) else None
        cache = read_json_or_empty(cache_file, _UNREADABLE).get(settings, {}) if cache_file else {}
        if all(m["cell_id"] in cache for m in self.nrn_meta):
            for m in self.nrn_meta:
                m[key] = bool(cache[m["cell_id"]])
        else:
            self.compute_paper_tuning()
            if cache_file:
                cache.update({m["cell_id"]: bool(m[key]) for m in self.nrn_meta})
                doc = read_json_or_empty(cache_file, _UNREADABLE)
                doc[settings] = cache
                write_json_if_possible(cache_file, doc, "Downer2025: the tuning flags will be recomputed next time; "
                                       "could not write")
        return sum(bool(self.nrn_meta[n][key]) for n in self.selected_neurons)

