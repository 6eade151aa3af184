"""Neural datasets whose stimuli are sounds: spectrograms or waveforms."""

from __future__ import annotations

from ..errors import DatasetValueError
from .._checks import check_positive, exact_hop
from .dataset import NeuralDataset


class AudioNeuralDataset(NeuralDataset):
    """Neural dataset class for auditory stimuli.

    Spectrogram mode (default): ``stims[s]`` is a ``(1, F, T)`` float32
    tensor, ``F = self.F`` bands and ``T`` neural time bins.

    Waveform mode (opt-in, ``return_waveform=True`` in subclasses that
    support it): ``stims[s]`` is a ``(1, T * hop)`` mono float32 waveform at
    ``self.audio_fs`` Hz, with ``hop = audio_fs * dt_ms / 1000`` an exact
    integer (the grid lock), so sample ``k * hop`` starts neural bin ``k``.

    Subclasses set ``self.F`` (kept positive in waveform mode: the width of
    the spectrogram a ``wav2spec`` front-end should make), ``self.audio_fs``
    in waveform mode, optionally ``self.hearing_range_hz``, and then call
    ``self.validate()``.

    Parameters
    ----------
    path : str, optional
        Folder of the dataset's files (None for generated data).
    dt_ms : float, default 1.0
        Bin width of the responses, in ms.

    Attributes
    ----------
    F : int
        Frequency-band count of the (target) spectrogram.
    audio_fs : int or None
        Waveform sample rate in Hz in waveform mode, ``None`` otherwise.
    hearing_range_hz : tuple of float or None
        Advisory ``(low, high)`` hearing range of the species in Hz.

    Examples
    --------
    A dataset of two neurons and two sounds, from plain lists:

    >>> from deepSTRF.paradigm import AudioNeuralDataset, sentinel
    >>> class Tiny(AudioNeuralDataset):
    ...     def __init__(self):
    ...         super().__init__(None, dt_ms=10.0)
    ...         self.F, self.N_neurons = 4, 2
    ...         self.stims = [torch.rand(1, 4, 50), torch.rand(1, 4, 30)]
    ...         self.responses = [[torch.ones(3, 50), torch.zeros(2, 50)], [torch.ones(3, 30), sentinel()]]
    ...         self.stim_meta = [{"name": "a"}, {"name": "b"}]
    ...         self.nrn_meta = [{"cell_id": "n0"}, {"cell_id": "n1"}]
    ...         self.validate()
    >>> Tiny()
    Tiny(S=2, N=2, F=4, dt=10 ms, mode=spectrogram; selection: 2/2 stims, 2/2 neurons)
    """

    def __init__(self, path=None, dt_ms: float = 1.0):
        super().__init__(path, dt_ms)
        self.F = None
        self.audio_fs = None
        self.hearing_range_hz = None

    @property
    def hop(self) -> int | None:
        """Audio samples per neural bin in waveform mode (``None`` in spectrogram mode)."""
        return None if self.audio_fs is None else exact_hop(self.audio_fs, self.dt_ms)

    @property
    def mode(self) -> str:
        """``'waveform'`` or ``'spectrogram'``."""
        return "waveform" if self.audio_fs is not None else "spectrogram"

    @property
    def return_waveform(self) -> bool:
        """True in waveform mode (``stims`` are ``(1, T * hop)`` waveforms at ``audio_fs``);
        read-only: set by the loader's ``return_waveform`` argument."""
        return self.audio_fs is not None

    def get_F(self) -> int:
        """Return the number of frequency bands of the spectrograms (``self.F``)."""
        return self.F

    def _mode(self) -> str:
        return self.mode

    def _describe(self) -> list[str]:
        out = [f"F={self.F}"]
        if self.audio_fs is not None:
            out.append(f"audio_fs={self.audio_fs} Hz")
        return out

    def _stim_bins(self, s: int, shape: tuple) -> int:
        name = self.stim_meta[s].get("name") if s < len(self.stim_meta) else None
        label = f"stim {s}" + (f" ({name})" if name is not None else "")
        if self.audio_fs is None:
            if len(shape) != 3 or shape[0] != 1 or (self.F is not None and shape[1] != self.F):
                raise DatasetValueError(f"{label} must be a (1, F={self.F}, T) spectrogram; got shape {tuple(shape)}")
            return shape[2]
        hop = self.hop
        if len(shape) != 2 or shape[0] != 1 or shape[1] % hop:
            raise DatasetValueError(
                f"{label} must be a (1, T * hop) waveform with hop = {hop} samples "
                f"(audio_fs={self.audio_fs} Hz, dt_ms={self.dt_ms:g}); got shape {tuple(shape)}"
            )
        return shape[1] // hop

    def _finish(self, builder, F: int, hearing_range_hz=None, smooth: bool = False) -> None:
        """End of a loader's ``__init__`` (and of :meth:`DatasetBuilder.build`): set the attributes
        (``audio_fs`` is the builder's: None in spectrogram mode), take the builder's data, validate,
        and smooth if asked (21-ms normalised Hann window)."""
        self.F = F
        self.audio_fs = builder.audio_fs
        self.hearing_range_hz = hearing_range_hz
        builder.fill(self)
        self.validate()
        if smooth:
            self.smooth_responses(21.0)

    def _check_attributes(self) -> None:
        check_positive("F", self.F, integer=True)
        if self.audio_fs is not None:
            check_positive("audio_fs", self.audio_fs, integer=True)
            exact_hop(self.audio_fs, self.dt_ms)
        hr = self.hearing_range_hz
        if hr is not None and (len(hr) != 2 or not 0 <= hr[0] < hr[1]):
            raise DatasetValueError(f"hearing_range_hz must be (low, high) in Hz with low < high; got {hr!r}")
