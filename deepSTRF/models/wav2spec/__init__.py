"""Waveform front-ends ``(B, 1, T_audio)`` -> ``(B, 1, F, T)`` for a model's ``wav2spec`` slot,
with deepSTRF 0.1.0's names, parameter order and defaults (``audio_fs`` first, then the band
count, then ``hop_ms``). Each has ``audio_fs``, ``hop_ms``, ``hop`` (an exact integer number of
samples per frame, else a ValueError) and ``out_channels`` (F), and is strictly causal: frame
``t`` depends only on the samples ``[0, (t + 1) * hop)``.

- :class:`CausalMelSpectrogram`: the Rahman et al. 2019 cochleagram recipe, causal.
- :class:`CausalGammatone`: FIR gammatone filterbank, rectified envelope, log or PCEN.
- :class:`Gammatonegram`: the Slaney / Heeris gtgram (Le, Bjoring & Meliza 2025), causal.
- :class:`SincNet`: learnable band-pass sinc filters (Ravanelli & Bengio 2018).
- :class:`CausalLEAF`: learnable Gabor filters, Gaussian pooling and PCEN (Zeghidour et al. 2021).
"""

from __future__ import annotations

from torch import nn

from ..._checks import check_option
from .fixed import CausalGammatone, CausalMelSpectrogram, Gammatonegram
from .learnable import CausalLEAF, SincNet

KINDS = {"mel": CausalMelSpectrogram, "gammatone": CausalGammatone, "gammatonegram": Gammatonegram,
         "sincnet": SincNet, "leaf": CausalLEAF}


def make_wav2spec(kind: str, audio_fs: int, dt_ms: float, **kwargs) -> nn.Module:
    """A waveform front-end by name, on a dataset's grid (``hop_ms = dt_ms``).

    Parameters
    ----------
    kind : {'mel', 'gammatone', 'gammatonegram', 'sincnet', 'leaf'}
        The front-end's name.
    audio_fs : int
        The dataset's ``audio_fs``.
    dt_ms : float
        The dataset's bin width: the front-end's ``hop_ms``.
    **kwargs
        The front-end's other parameters.

    Examples
    --------
    >>> from deepSTRF.models import make_wav2spec
    >>> frontend = make_wav2spec("gammatone", audio_fs=16000, dt_ms=10.0, n_filters=8, f_max=7900.0)
    >>> type(frontend).__name__, frontend(torch.randn(1, 1, 16000)).shape
    ('CausalGammatone', torch.Size([1, 1, 8, 100]))
    """
    check_option("kind", kind, tuple(KINDS))
    if "hop_ms" in kwargs:
        raise TypeError("make_wav2spec sets hop_ms from dt_ms; pass dt_ms only")
    return KINDS[kind](audio_fs, hop_ms=dt_ms, **kwargs)


__all__ = ["CausalMelSpectrogram", "CausalGammatone", "Gammatonegram", "SincNet", "CausalLEAF", "make_wav2spec",
           "KINDS"]
