"""Readers: a path in, numpy arrays and plain dicts out. No torch, no datasets.

Every reader raises a :class:`FormatError` (a ``ValueError``) that names the
file and what is wrong; each format family has its subclass.
"""

from ._common import FormatError
from .crcns import CRCNSFormatError
from .crcns_ac1 import AC1FormatError
from .downer import DownerFormatError
from .fif import FifFormatError
from .matv5 import MatFormatError
from .nems import Recording, RecordingError, Signal, epoch_bounds, read_recording
from .ns1 import NS1FormatError
from .pprox import PproxError
from .tables import TableFormatError
from .wav import AudioFileError, read_wav

__all__ = ["FormatError", "read_recording", "Recording", "Signal", "RecordingError", "epoch_bounds",
           "read_wav", "AudioFileError", "NS1FormatError", "CRCNSFormatError", "AC1FormatError",
           "MatFormatError", "PproxError", "DownerFormatError", "FifFormatError", "TableFormatError"]
