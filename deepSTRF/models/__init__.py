"""Baseline encoding models: input ``(B, 1, F, T)`` spectrograms, output
``(B, N, 1, T)`` predictions lined up with collated responses ``(B, N, R, T)``;
every model is strictly causal."""

from .cnn import CNNPopulation
from .ln import LNModel
from .ridge import fit_ridge, lagged
from .strf import LinearSTRF
from .training import StimSubset, fit, split_stims
from .wav2spec import CausalGammatone, CausalLEAF, CausalMelSpectrogram, Gammatonegram, SincNet, make_wav2spec

__all__ = ["LinearSTRF", "LNModel", "CNNPopulation", "fit_ridge", "lagged", "fit", "split_stims", "StimSubset",
           "CausalMelSpectrogram", "CausalGammatone", "Gammatonegram", "SincNet", "CausalLEAF", "make_wav2spec"]
