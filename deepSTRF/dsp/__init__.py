"""Signal processing: numpy in, numpy out, vectorised, no knowledge of datasets."""

from .binning import bin_spikes, bin_window_rows, bin_windows, pool_mean, rebin_sum
from .detrend import medgauss_baseline, medgauss_detrend, running_median, upward_crossings
from .gammatone import erb_filter_coefficients, erb_space, gammatone_filterbank, gammatone_gram
from .resample import grid_lock, resample
from .scaling import minmax_scale_, offset_log, soft_offset
from .smoothing import hann_kernel, smooth_rows
from .spectrogram import (
                          compress,
                          erb_gaussian_spectrogram,
                          goertzel_spectrogram,
                          kaldi_fbank,
                          mel_filterbank,
                          mel_spectrogram,
                          samples_per_bin,
                          stft_power,
)

__all__ = [
    "hann_kernel", "smooth_rows", "bin_spikes", "bin_windows", "bin_window_rows", "rebin_sum", "pool_mean", "resample", "grid_lock",
    "stft_power", "mel_filterbank", "mel_spectrogram", "kaldi_fbank", "goertzel_spectrogram",
    "erb_gaussian_spectrogram", "compress", "samples_per_bin", "erb_space", "erb_filter_coefficients",
    "gammatone_filterbank", "gammatone_gram", "medgauss_baseline", "medgauss_detrend", "running_median",
    "upward_crossings", "offset_log", "soft_offset", "minmax_scale_",
]
