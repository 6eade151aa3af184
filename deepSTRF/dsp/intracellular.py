"""Intracellular and cell-attached traces: artefact gating of repeats, cleaning into binned responses,
and the onset/offset ramps of stimulus segments (CRCNS-AC1's Wehr and Asari recordings)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .binning import pool_mean, rebin_sum
from .detrend import medgauss_detrend, running_median, upward_crossings
from .smoothing import hann_kernel, smooth_rows


@dataclass(frozen=True)
class RepeatGating:
    """Artefact-rejection thresholds, tested in this order (the first failure rejects a repeat).

    Parameters
    ----------
    max_abs_mv : float, default 150.0
        ``range``: reject if ``max |x| >`` this (mV, after detrending).
    step_window_ms, step_mv, step_fraction : float, default 5.0, 30.0, 0.005
        ``step``: the fraction of samples deviating by more than ``step_mv``
        from the median of a ``step_window_ms`` running median must not
        exceed ``step_fraction``.
    min_corr : float, default 0.05
        ``xcorr`` (stimuli with >= 3 surviving repeats): Pearson r of a
        repeat with the sample-wise median of the *other surviving* repeats
        must reach this.

    Examples
    --------
    The CRCNS-AC1 loader's artefact thresholds; a stricter gate is one argument:

    >>> from deepSTRF.datasets.audio import RepeatGating
    >>> strict = RepeatGating(max_abs_mv=100.0)
    >>> strict.max_abs_mv, RepeatGating().max_abs_mv
    (100.0, 150.0)
    """

    max_abs_mv: float = 150.0
    step_window_ms: float = 5.0
    step_mv: float = 30.0
    step_fraction: float = 0.005
    min_corr: float = 0.05


def gate(repeats: list[np.ndarray], rate: float, g: RepeatGating) -> tuple[list[int], list[str]]:
    """Indices of kept repeats and the reason for each repeat ('kept', 'range', 'step', 'xcorr').

    The consistency test compares a repeat with the others that passed the
    range and step tests only, so one artefact cannot take good repeats down.
    """
    reasons = []
    for x in repeats:
        if np.max(np.abs(x)) > g.max_abs_mv:
            reasons.append("range")
            continue
        w = int(np.round(g.step_window_ms * rate / 1000.0))
        if 1 < w <= len(x):
            sm = running_median(x, w)
            if np.mean(np.abs(sm - np.median(sm)) > g.step_mv) > g.step_fraction:
                reasons.append("step")
                continue
        reasons.append("kept")
    alive = [i for i, r in enumerate(reasons) if r == "kept"]
    if len(alive) >= 3:
        n = min(len(repeats[i]) for i in alive)
        mat = np.stack([repeats[i][:n] for i in alive])
        for j, i in enumerate(alive):
            others = np.median(np.delete(mat, j, axis=0), axis=0)
            a, b = mat[j] - mat[j].mean(), others - others.mean()
            denom = np.sqrt((a * a).sum() * (b * b).sum())
            r = (a * b).sum() / denom if denom > 0 else 0.0
            if r < g.min_corr:
                reasons[i] = "xcorr"
    return [i for i, r in enumerate(reasons) if r == "kept"], reasons


def clean(repeats: list[np.ndarray], rate: float, signal_type: str, dt_ms: float, med_ms: float, gauss_ms: float,
          g: RepeatGating, counts: dict) -> np.ndarray | None:
    """``(R, T_resp)`` float32 of the kept repeats, or None if none is kept.

    Whole-cell (``'subthresh'``): detrended membrane potential in mV,
    averaged over each bin. Cell-attached (``'spikes'``): on the detrended
    trace (detrended once), high-passed by a 10-ms running median, events
    are upward crossings of 2.5 standard deviations, counted per bin and
    smoothed with the normalised 21-ms Hann window (spikes per bin).
    """
    detrended = [medgauss_detrend(x, rate, med_ms, gauss_ms) for x in repeats]
    kept, reasons = gate(detrended, rate, g)
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    if not kept:
        return None
    hop = int(np.round(dt_ms * rate / 1000.0))
    rows = []
    for i in kept:
        x = detrended[i]
        if signal_type == "spikes":
            hp = x - running_median(x, int(np.round(10.0 * rate / 1000.0)))
            events = upward_crossings(hp, 2.5 * hp.std())
            rows.append(rebin_sum(events, hop))
        else:
            rows.append(pool_mean(x, hop))
    n = min(len(r) for r in rows)
    out = np.stack([r[:n] for r in rows]).astype(np.float32)
    if signal_type == "spikes":
        out = smooth_rows(out, hann_kernel(21.0, dt_ms))
    return out


def sin2_ramp(x: np.ndarray, rate: float, ramp_ms: float = 5.0) -> np.ndarray:
    """``x`` with sin^2 onset and offset ramps of ``ramp_ms`` (capped at half its length)."""
    n = min(max(1, int(np.round(ramp_ms * rate / 1000.0))), len(x) // 2)
    y = np.array(x, dtype=np.float64)
    if n:
        gain = np.sin(np.pi / 2 * np.arange(n) / n) ** 2
        y[:n] *= gain
        y[len(y) - n:] *= gain[::-1]
    return y
