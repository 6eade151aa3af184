"""``deepSTRF.utils.smoothing``: the kernel of ``smooth_responses`` as a function (kept in
:mod:`deepSTRF.paradigm.transforms`)."""

from ..paradigm.transforms import hanning_smooth

__all__ = ["hanning_smooth"]
