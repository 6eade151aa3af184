"""deepSTRF: public recordings of auditory neurons (and EEG) responding to
sounds, behind one PyTorch API."""

from ._paths import default_cache_dir

__version__ = "0.1.0.dev0"

__all__ = ["default_cache_dir", "__version__"]
