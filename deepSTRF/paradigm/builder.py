"""Build a packed dataset block by block, without per-pair objects.

Loaders whose data are sparse (each recording site heard its own stimuli)
add stimuli, neurons and ``(stim, neuron, (R, T))`` response blocks as they
read them; the blocks are copied straight into growing float32 chunks.
Pairs never added are "not heard" and read back as the ``(1, 1)`` NaN
sentinel.

Example
-------
>>> b = DatasetBuilder(dt_ms=10.0)
>>> s = b.add_stim(np.zeros((1, 32, 200), np.float32), name="a", subset="est")
>>> n = b.add_neuron(cell_id="x-01")
>>> b.add_response(s, n, np.ones((3, 200), np.float32))   # (R, T) counts
>>> b.build()                                              # an AudioNeuralDataset
AudioNeuralDataset(S=1, N=1, F=32, dt=10 ms, mode=spectrogram; selection: 1/1 stims, 1/1 neurons)
"""

from __future__ import annotations

from array import array

import numpy as np

from ..errors import DatasetValueError
from .._checks import check_index, check_positive, exact_hop
from .storage import ChunkedBuffer, PackedResponses, PackedStims, as_float32


class DatasetBuilder:
    """Collects stimuli, neurons and response blocks into packed storage.

    Parameters
    ----------
    dt_ms : float
        Bin width of the responses, in ms.
    audio_fs : int, optional
        In waveform mode, the sample rate (Hz) of the ``(1, T_audio)``
        stimuli; ``T_audio`` must then be ``T * hop`` with
        ``hop = audio_fs * dt_ms / 1000`` an integer. ``None`` (default) for
        spectrogram stimuli ``(1, F, T)``.

    Examples
    --------
    Two neurons that heard different stimuli; the pairs never added are sentinels.

    >>> from deepSTRF.datasets import DatasetBuilder
    >>> b = DatasetBuilder(dt_ms=10.0)
    >>> s0 = b.add_stim(np.zeros((1, 8, 100), np.float32), name="a")
    >>> s1 = b.add_stim(np.zeros((1, 8, 60), np.float32), name="b")
    >>> n0, n1 = b.add_neuron(cell_id="x"), b.add_neuron(cell_id="y")
    >>> b.add_response(s0, n0, np.ones((5, 100), np.float32))
    >>> b.add_response(s1, n1, np.ones((2, 60), np.float32))
    >>> ds = b.build(name="Tiny")
    >>> ds.nrn_masks.tolist()
    [[True, False], [False, True]]
    >>> ds.responses[1][1].shape
    torch.Size([2, 60])
    """

    def __init__(self, dt_ms: float, audio_fs: int | None = None):
        self.dt_ms = float(check_positive("dt_ms", dt_ms))
        self.audio_fs = None if audio_fs is None else check_positive("audio_fs", audio_fs, integer=True)
        self.hop = None if audio_fs is None else exact_hop(audio_fs, self.dt_ms)
        self.stim_meta: list[dict] = []
        self.nrn_meta: list[dict] = []
        self._stim_buf = ChunkedBuffer("stim")
        self._stim_loc: list[tuple[int, int]] = []
        self._stim_shapes: list[tuple[int, ...]] = []
        self._stim_T: list[int] = []
        self._resp_buf = ChunkedBuffer("resp")
        self._cols = {k: array("q") for k in ("s", "n", "c", "o", "r")}
        self._order: list[int] | None = None

    @property
    def n_stims(self) -> int:
        return len(self.stim_meta)

    @property
    def n_neurons(self) -> int:
        return len(self.nrn_meta)

    def add_stim(self, stim, **meta) -> int:
        """Add one stimulus; return its index.

        Parameters
        ----------
        stim : array or tensor
            ``(1, F, T)`` spectrogram, or ``(1, T * hop)`` waveform in waveform mode.
        **meta
            Its ``stim_meta`` entry (``name`` at least, by convention).
        """
        s = self.n_stims
        arr = as_float32(f"stim {s}", stim)
        if self.audio_fs is None:
            if arr.ndim != 3 or arr.shape[0] != 1:
                raise DatasetValueError(f"stim {s} must be a (1, F, T) spectrogram; got shape {arr.shape}")
            T = arr.shape[2]
        else:
            if arr.ndim != 2 or arr.shape[0] != 1 or arr.shape[1] % self.hop:
                raise DatasetValueError(
                    f"stim {s} must be a (1, T * hop) waveform with hop = {self.hop} samples; "
                    f"got shape {arr.shape}"
                )
            T = arr.shape[1] // self.hop
        if np.isnan(arr).any():
            raise DatasetValueError(f"stim {s} ({meta.get('name', 'unnamed')}) contains NaN; stimuli never do")
        self._stim_loc.append(self._stim_buf.append(arr))
        self._stim_shapes.append(arr.shape)
        self._stim_T.append(T)
        self.stim_meta.append(dict(meta))
        return s

    def add_neuron(self, **meta) -> int:
        """Add one neuron with its ``nrn_meta`` entry; return its index."""
        self.nrn_meta.append(dict(meta))
        return self.n_neurons - 1

    def add_response(self, stim: int, neuron: int, response) -> None:
        """Add the ``(R, T)`` responses of ``neuron`` to ``stim`` (all its repeats).

        ``R`` may differ between pairs; rows a recording marks invalid are NaN.
        """
        s = check_index("stim", stim, self.n_stims)
        n = check_index("neuron", neuron, self.n_neurons)
        arr = as_float32(f"response (stim {s}, neuron {n})", response)
        T = self._stim_T[s]
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] != T:
            raise DatasetValueError(
                f"response (stim {s}, neuron {n}) must have shape (R, {T}) (repeats, bins of "
                f"stim {s}); got {arr.shape}"
            )
        c, o = self._resp_buf.append(arr)
        for k, v in zip("sncor", (s, n, c, o, arr.shape[0])):
            self._cols[k].append(v)

    def add_responses(self, stim: int, neurons, responses) -> None:
        """Add the responses of several neurons to one stimulus in one step.

        ``responses`` has shape ``(len(neurons), R, T)``: the same ``R``
        repeats for all of them (neurons recorded together, e.g. the channels
        of one session). Equivalent to one :meth:`add_response` per neuron,
        but copied once and stored contiguously, which keeps later bulk work
        (smoothing, normalising) in a few large passes.
        """
        s = check_index("stim", stim, self.n_stims)
        ns = [check_index("neuron", n, self.n_neurons) for n in neurons]
        arr = as_float32(f"responses (stim {s})", responses)
        T = self._stim_T[s]
        if arr.ndim != 3 or arr.shape[0] != len(ns) or arr.shape[1] < 1 or arr.shape[2] != T:
            raise DatasetValueError(f"responses (stim {s}) must have shape ({len(ns)}, R, {T}) (neurons, repeats, bins "
                             f"of stim {s}); got {arr.shape}")
        c, o = self._resp_buf.append(arr)
        R = arr.shape[1]
        for i, n in enumerate(ns):
            for k, v in zip("sncor", (s, n, c, o + i * R * T, R)):
                self._cols[k].append(v)

    def stim_array(self, stim: int) -> np.ndarray:
        """Stimulus ``stim`` as stored, a writable float32 view (for loaders that normalise over all
        stimuli once every one has been added; the values must stay finite)."""
        s = check_index("stim", stim, self.n_stims)
        c, o = self._stim_loc[s]
        shape = self._stim_shapes[s]
        return self._stim_buf.chunks[c][o: o + int(np.prod(shape))].reshape(shape)

    def select_stims(self, order) -> None:
        """Keep only these stimuli, in this order (indices as returned by ``add_stim``).

        For loaders that read their sources in one order but must present
        stimuli in another, or that drop what they already added (a
        duplicate archive): the dropped stimuli's responses are left out too.
        """
        order = [check_index("stim", i, self.n_stims) for i in order]
        if len(set(order)) != len(order):
            raise DatasetValueError("select_stims: an index appears twice")
        self._order = order

    def packed(self) -> tuple[PackedStims, PackedResponses]:
        """The packed stores (no data copied)."""
        order = np.arange(self.n_stims) if self._order is None else np.asarray(self._order, dtype=np.int64)
        inverse = np.full(self.n_stims, -1, dtype=np.int64)
        inverse[order] = np.arange(len(order))
        locs = np.asarray(self._stim_loc, dtype=np.int64).reshape(-1, 2)
        stims = PackedStims(self._stim_buf.finish(), locs[order, 0], locs[order, 1],
                            [self._stim_shapes[i] for i in order])
        cols = {k: np.frombuffer(v, dtype=np.int64) if len(v) else np.zeros(0, np.int64)
                for k, v in self._cols.items()}
        s_new = inverse[cols["s"]]
        keep = s_new >= 0
        responses = PackedResponses(self._resp_buf.finish(), [self._stim_T[i] for i in order], self.n_neurons,
                                    s_new[keep], cols["n"][keep], cols["c"][keep], cols["o"][keep], cols["r"][keep])
        return stims, responses

    def _ordered_stim_meta(self) -> list[dict]:
        order = range(self.n_stims) if self._order is None else self._order
        return [self.stim_meta[i] for i in order]

    def fill(self, dataset) -> None:
        """Hand everything to ``dataset`` (a subclass under construction).

        Sets ``stims``, ``responses``, ``stim_meta``, ``nrn_meta`` and
        ``N_neurons``. The caller still sets ``F`` (and ``audio_fs``) and calls
        ``dataset.validate()``.
        """
        if dataset.dt_ms != self.dt_ms:
            raise DatasetValueError(f"builder has dt_ms={self.dt_ms}, dataset has dt_ms={dataset.dt_ms}")
        stims, responses = self.packed()
        dataset._install(stims, responses, self._ordered_stim_meta(), list(self.nrn_meta))

    def build(self, F: int | None = None, *, name: str | None = None, path=None,
              hearing_range_hz=None):
        """A validated :class:`~deepSTRF.paradigm.AudioNeuralDataset`.

        ``F`` defaults to the stimuli's band count (spectrogram mode); in
        waveform mode it must be given (the spectrogram a front-end should make).
        """
        from .audio_dataset import AudioNeuralDataset

        if F is None:
            if self.audio_fs is not None or not self._stim_shapes:
                raise DatasetValueError("F must be given in waveform mode or when no stimulus was added")
            F = self._stim_shapes[0][1]
        ds = AudioNeuralDataset(path, self.dt_ms)
        if name is not None:
            ds.name = name
        ds._finish(self, F, hearing_range_hz)
        return ds
