"""NS1 (Harper et al. 2016; Rahman et al. 2020): 119 units in ferret A1,
20 natural sounds of 4.995 s, 20 repeats each.

Sources (``deepSTRF/download/registry.txt``, block ``[NS1]``): the unit
metadata and the spike + wav zip on OSF (project ayw2p), and the
precomputed 5-ms spectrogram ``test_data_5ms.mat`` from the DNet GitHub
repository. All anonymous, about 160 MB.
"""

from __future__ import annotations

import os

import numpy as np

from ..._checks import check_fixed, check_waveform_args, exact_hop
from ..._paths import inside_relative
from ...cache import cached_loader
from ...download import download_dataset
from ...io.ns1 import read_metadata, read_spectrogram, read_spike_sets
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import bin_trials
from ._waveforms import locked_waveform
from ..evaluation import Evaluation

N_STIMS, T, WINDOW_MS = 20, 999, 4995.0
TYPES = {0: "water_sounds", 19: "water_sounds", 3: "ferret_vocalization", 6: "insects_buzzing", 8: "human_speech",
         9: "human_speech", 10: "human_speech", 11: "human_speech"}
#: the benchmark split of published NS1 work, by stimulus index
SPLIT = {**{s: "train" for s in range(14)}, **{s: "validation" for s in range(14, 17)},
         **{s: "test" for s in range(17, 20)}}
#: Rahman et al. (2020): stimuli held out for testing (the rest for training and validation)
RAHMAN2020_TEST = (3, 6, 9, 19)


def wav_name(s: int) -> str:
    """The extension-less file of stimulus ``s`` in ``spikesandwav/SH.En.C/``."""
    if s < 12:
        return f"source.1.sound.0.snr.0.token.0.fw.2.frozen.{s + 1}"
    return f"source.2.sound.0.snr.0.token.0.fw.1.frozen.{s - 11}"


@cached_loader()
class NS1Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for the NS1 (Harper et al. 2016, Rahman et al. 2020) data.

    119 multi/single units from primary auditory cortex (A1) of deeply
    anesthetized ferrets, recorded with 20 natural sound clips of 4.995 s,
    20 repeats each; every unit heard every clip (a dense grid, no
    sentinels). Stimuli: the precomputed 34-band, 5-ms cochleagram of
    Rahman et al. (``(1, 34, 999)``); responses: spike counts per 5-ms bin.
    73 units pass the "single unit at known depth" filter
    (``single_t in {'Yes', 'Maybe'}`` and ``depth_um >= 0``):
    ``ds.select_pop_by_nrn_predicate(lambda m: m['single_t'] in ('Yes', 'Maybe') and m['depth_um'] >= 0)``.

    Where we differ from the earlier loader: spikes are counted (two spikes
    in one bin count 2) with exact arithmetic, instead of a per-millisecond
    presence after rounding; ``smooth=True`` uses the normalised 21-ms Hann
    window (the earlier one doubled the mean at 5 ms).

    ``stim_meta``: ``name`` ('nat01'..'nat20'), ``type``, ``split``
    ('train' 0-13, 'validation' 14-16, 'test' 17-19: the split of published
    NS1 benchmarks; Rahman et al. 2020 held out :data:`RAHMAN2020_TEST`).
    ``nrn_meta``: ``cell_id``, ``area``, ``depth_um``, ``noise_ratio``
    (Sahani-Linden normalised noise power: lower is cleaner), ``single_n``,
    ``single_t``, ``n_electrodes``, ``electrode_number``.

    Parameters
    ----------
    path : str, optional
        Folder with ``test_data_5ms.mat``, ``MetadataSHEnCneurons.mat`` and
        ``spikesandwav/``; default ``default_cache_dir('NS1')``.
    dt_ms : float, default 5.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        Must be 5.0: the spectrogram is precomputed at 5 ms.
    smooth : bool, default True
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From OSF and GitHub, anonymous, ~160 MB.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
        The 48 828-Hz clips, resampled to ``audio_fs`` and cropped to ``999 * hop`` samples from onset.
    audio_fs : int, default 48000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Harper et al. (2016). Network receptive field modeling reveals extensive
    integration and multi-feature selectivity in auditory cortical neurons.
    PLoS Comput Biol. Rahman et al. (2020). Simple transformations capture
    auditory input to cortex. PNAS.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``NS1Dataset(path="/data/NS1", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import NS1Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = NS1Dataset(**fake_release("NS1", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (34, 5.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 34]), True)
    """

    registry = "NS1"
    evaluation = Evaluation("split", ("train", "validation"), ("test",), ccmax="schoppe", min_snr=0.1,
                            source="the train/validation/test split of later NS1 work (clips 17-19 held out); "
                                   "Rahman et al. 2020's held-out clips are RAHMAN2020_TEST; Schoppe et al. 2016 ceiling")

    def __init__(self, path: str | None = None, dt_ms: float = 5.0, smooth: bool = True, download: bool = False,
                 return_waveform: bool = False, audio_fs: int = 48000, cache: bool = True):
        check_fixed("dt_ms", dt_ms, 5.0, "NS1", "the spectrogram is precomputed at 5 ms")
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        super().__init__(path, dt_ms)
        root = self._open_release(path, download, ["test_data_5ms.mat", "MetadataSHEnCneurons.mat", "spikesandwav"])
        spec = read_spectrogram(os.path.join(root, "test_data_5ms.mat"))
        if spec.shape[0] < N_STIMS or spec.shape[2] != T:
            raise ValueError(f"{os.path.join(root, 'test_data_5ms.mat')}: X_nfht has {spec.shape}; expected "
                             f"({N_STIMS}, F, 1, {T})")
        b = self._builder(return_waveform, audio_fs)
        hop = exact_hop(audio_fs, dt_ms) if return_waveform else None
        for s in range(N_STIMS):
            if return_waveform:
                x = locked_waveform(os.path.join(root, "spikesandwav", "SH.En.C", wav_name(s)), audio_fs, T, hop, 0)
            else:
                x = spec[s][None].astype(np.float32)
            b.add_stim(x, name=f"nat{s + 1:02d}", type=TYPES.get(s, "unknown"), split=SPLIT[s])
        for meta in read_metadata(os.path.join(root, "MetadataSHEnCneurons.mat")):
            spike_path = _spike_file(root, str(meta["path"]))
            if spike_path is None:
                tried = os.path.join(root, "spikesandwav", str(meta["path"]))
                raise FileNotFoundError(f"NS1: no spike file for unit {meta['file']}: neither {tried} nor its '_1' "
                                        "variant exists; re-extract spikesandwav.zip (or pass download=True)")
            n = b.add_neuron(cell_id=meta["file"][:-4] if meta["file"].endswith(".mat") else meta["file"], area="A1",
                             depth_um=int(meta["depth"]), noise_ratio=float(meta["NoiseRatio"]),
                             single_n=int(meta["singleN"]), single_t=str(meta["singleT"]),
                             n_electrodes=int(meta["NrOfElectrodes"]), electrode_number=int(meta["ElectrodeNumber"]))
            for s, trials in enumerate(read_spike_sets(spike_path, N_STIMS)):
                trials = [t[t < WINDOW_MS] for t in trials]
                b.add_response(s, n, bin_trials(trials, dt_ms, T))
        self._finish(b, spec.shape[1], (200.0, 40000.0), smooth)


def _spike_file(root: str, rel: str) -> str | None:
    """The unit's spike file: the metadata path, else the same with ``_1`` before ``.mat``."""
    base = inside_relative(os.path.join(root, "spikesandwav"), rel, "spike file path",
                           os.path.join(root, "MetadataSHEnCneurons.mat"))
    for candidate in (base, base[:-4] + "_1.mat" if base.endswith(".mat") else base + "_1"):
        if os.path.isfile(candidate):
            return candidate
    return None


def rahman2020_split() -> tuple[list[int], list[int]]:
    """``(train_and_validation, test)`` stimulus indices of Rahman et al. (2020)."""
    return [s for s in range(N_STIMS) if s not in RAHMAN2020_TEST], list(RAHMAN2020_TEST)


def download_ns1(dest: str | None = None) -> str:
    """Download all NS1 data assets into ``dest`` (default: the ``NS1`` cache
    folder, ``$DEEPSTRF_DATA_DIR`` overrides); return the dataset folder.

    Fetches ``MetadataSHEnCneurons.mat`` and ``spikesandwav.zip`` (OSF,
    unpacked to ``spikesandwav/``) and ``test_data_5ms.mat`` (DNet, GitHub).
    Idempotent; every file's SHA-256 is recorded at the first download and
    checked by ``deepstrf verify NS1``.

    Parameters
    ----------
    dest : str, optional
        The dataset folder; default ``default_cache_dir('NS1')``.

    Returns
    -------
    str
        The dataset folder.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download NS1`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_ns1
    >>> dest = "/data/NS1"
    >>> folder = download_ns1(dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("NS1", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("NS1", dest)
