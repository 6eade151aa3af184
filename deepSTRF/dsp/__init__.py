"""Signal processing: numpy in, numpy out, no knowledge of datasets."""

from .smoothing import hann_kernel, smooth_rows

__all__ = ["hann_kernel", "smooth_rows"]
