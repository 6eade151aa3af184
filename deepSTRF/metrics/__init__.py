"""Scores of encoding models, NaN-aware and batched over neurons.

Shapes: predictions ``(B, N, 1, T)`` (or ``(B, N, T)``); targets a PSTH
``(B, N, 1, T)`` or raw repeats ``(B, N, R, T)`` as collated by
:func:`deepSTRF.utils.neural_collate`. See each function for its reference.
"""

from .coherence import coherence, coherence_spectrum
from .correlation import compute_CCmax, corrcoef, fve, normalized_corrcoef
from .losses import mse_loss, poisson_loss
from .reliability import noise_power, signal_power, snr

__all__ = [
    "corrcoef",
    "fve",
    "signal_power",
    "noise_power",
    "snr",
    "normalized_corrcoef",
    "compute_CCmax",
    "coherence",
    "coherence_spectrum",
    "poisson_loss",
    "mse_loss",
]
