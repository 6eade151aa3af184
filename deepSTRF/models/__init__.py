"""Baseline encoding models: input ``(B, 1, F, T)`` spectrograms, output
``(B, N, 1, T)`` predictions lined up with collated responses ``(B, N, R, T)``;
every model is strictly causal."""

from .ridge import fit_ridge, lagged
from .strf import LinearSTRF

__all__ = ["LinearSTRF", "fit_ridge", "lagged"]
