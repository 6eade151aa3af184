"""Downer et al. (2025) / Ahmed et al. (2025): squirrel-monkey auditory
cortex, 1718 multi-units, TIMIT sentences and monkey vocalisations.

Source: Zenodo record 16175377, one ~29 GB zip (``[Downer2025]``).
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np

from ..._checks import check_choices, check_option, check_positive, exact_hop
from ..._paths import default_cache_dir
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.binning import bin_window_rows
from ...dsp.resample import resample
from ...dsp.spectrogram import kaldi_fbank
from ...io.downer import read_channels, read_mvoc_sounds, read_session_sheet, read_timit_table, session_channels
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._ahmed2025 import Ahmed2025Tuning
from ._downer import FINE_AREA, by_session
from ._waveforms import lock_to_grid
from ..evaluation import Evaluation

CODE = {"timit": "timitStimcode", "mvocs": "mVocStimcode"}
AREAS = ("core", "primary", "non-primary", "A1", "R", "ML", "AL", "CL", "CPB", "RPB")
STIM_FILES = {"timit": ["stimuli/out_sentence_details_timit_all_loudness.mat"],
              "mvocs": ["stimuli/SqMoPhys_MVOCStimcodes.mat", "stimuli/MonkVocs_15Blocks.wav"]}


def _source_folder(arguments: dict) -> str:
    """The ``auditory_cortex_data`` folder the loader reads (``path``, or its default)."""
    if arguments["path"] is None:
        return os.path.join(default_cache_dir("Downer2025"), "auditory_cortex_data")
    return os.path.abspath(str(arguments["path"]))


@cached_loader(root=_source_folder)
class Downer2025Dataset(Ahmed2025Tuning, Release, AudioNeuralDataset):
    """Squirrel-monkey auditory cortex (Downer 2025 / Ahmed 2025).

    Multi-unit threshold-crossing spike trains (one unit per channel) from
    41 sessions of three awake, passively listening squirrel monkeys (b, c,
    f), core (A1, R) and non-primary (CL, ML, AL, CPB, RPB) fields: 1718
    units. ``stimuli='timit'``: 499 English sentences (489 heard once, the
    10 test sentences 11 times; some sessions twice that); ``'mvocs'``: 303
    monkey vocalisations from a concatenated recording (11 test ids heard
    15 times). Stimuli: Kaldi-style log-mel spectrograms (``n_mels`` bands up
    to ``fmax``, ``window_ms`` frames, optional per-band z-score) of the sound
    resampled to ``audio_fs``; responses: spike counts per ``dt_ms`` bin from
    the speech / vocalisation onset.

    Where we differ from the earlier loader (a skeleton that loaded no data):
    this loader is complete; the vocalisation recording's right channel
    carries trigger pulses and only the left channel is used; in spectrogram
    mode ``audio_fs`` and ``hop`` are None as in every dataset; ``compression``
    takes effect on the mel energies; the large spike-waveform field of the
    channel files is never read; smoothing is the normalised Hann window.

    ``stim_meta``: ``name``, ``type``, ``stim_id``, ``duration_s``,
    ``n_samples``, ``split``, ``n_reps_canonical``, ``befaft_s`` (and
    ``n_reps_in_wav`` for mVocs). ``nrn_meta``: ``cell_id``, ``session_id``,
    ``animal_id``, ``hemisphere``, ``area_group``, ``area``, ``channel``,
    ``channel_suffix``, ``n_channels_in_session``, ``coord_x``, ``coord_y``,
    ``recording_type``.

    Parameters
    ----------
    path : str, optional
        The ``auditory_cortex_data/`` folder; default
        ``default_cache_dir('Downer2025')/auditory_cortex_data``.
    stimuli : {'timit', 'mvocs'}, default 'timit'
        TIMIT sentences or monkey vocalisations (load one each, and concatenate).
    dt_ms : float, default 5.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        At most 10, or a multiple of 10.
    n_mels : int, default 80
        Number of mel bands ``F`` of the spectrogram.
    compression : {'log1p', 'cubic', 'none'}, default 'log1p'
        Compression of the band energies: ``'cubic'`` (cube root), ``'log1p'`` (``log(1 + x)``) or ``'none'``.
    spec_zscore : bool, default True
        z-score each spectrogram per band over its own time axis (as Ahmed 2025).
    smooth : bool, default True
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    subset : {'all', 'estimation', 'test'}, default 'all'
        Single-repeat stimuli, the repeated test stimuli, or both.
    animals : 'all' or iterable of {'b', 'c', 'f'}, default 'all'
        Keep these animals' sessions.
    areas : iterable of str, optional
        Keep sessions of these areas: ``'core'`` (alias ``'primary'``),
        ``'non-primary'``, or fine labels (``'A1'``, ``'R'``, ``'ML'``, ``'AL'``, ``'CL'``, ``'CPB'``, ``'RPB'``).
    sessions : iterable of str, optional
        Keep these session ids (``'180413'``, ...); default all.
    audio_fs : int, default 16000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Here the sounds are resampled to it in both modes, before the spectrogram too.
    fmax : int, default 8000
        Top of the mel bands, in Hz.
    window_ms : float, default 25.0
        Length of the spectrogram's analysis window, in ms, independent of the ``dt_ms`` hop.
        Kaldi's frame length.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        The 29-GB archive; free space is checked first.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Ahmed, Downer, Malone & Makin (2025). PLoS Comput Biol 21(8): e1013334.
    Downer, Bigelow, Runfeldt & Malone (2021). J Neurophysiol.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``Downer2025Dataset(path="/data/Downer2025", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import Downer2025Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = Downer2025Dataset(**fake_release("Downer2025", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (80, 5.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 80]), True)
    """

    registry = "Downer2025"
    evaluation = Evaluation("split", ("estimation",), ("test",), ccmax="schoppe", min_snr=0.1,
                            loader_kwargs={"stimuli": "timit"},
                            source="Ahmed et al. 2025: the repeated sentences (10 TIMIT, 11 reps) are the test "
                                   "set, every other sentence is fitted")

    def _download(self, root, groups, username, password):
        download_downer2025(os.path.dirname(root))  # the archive unpacks into <parent>/auditory_cortex_data

    def __init__(self, path: str | None = None, stimuli: str = "timit", dt_ms: float = 5.0, n_mels: int = 80,
                 compression: str = "log1p", spec_zscore: bool = True, smooth: bool = True, subset: str = "all",
                 animals="all", areas=None, sessions=None, audio_fs: int = 16000, fmax: int = 8000,
                 window_ms: float = 25.0, return_waveform: bool = False, download: bool = False,
                 cache: bool = True, _enumerate_only: bool = False):
        check_option("stimuli", stimuli, tuple(CODE))
        check_option("subset", subset, ("all", "estimation", "test"))
        check_option("compression", compression, ("log1p", "cubic", "none"))
        check_positive("dt_ms", dt_ms)
        check_positive("n_mels", n_mels, integer=True)
        check_positive("audio_fs", audio_fs, integer=True)
        exact_hop(audio_fs, min(dt_ms, 10.0))
        animal_list = None if animals == "all" else check_choices("animals", animals, ("b", "c", "f"))
        area_list = None if areas is None else check_choices("areas", areas, AREAS)
        super().__init__(path, float(dt_ms))
        self.stimuli = stimuli
        root = self._open_release(path, download, ["sessions_metadata.yml", "sessions"] + STIM_FILES[stimuli],
                                  root=_source_folder({"path": path}),
                                  hint="path= is the auditory_cortex_data/ folder (29 GB)")
        sheet = read_session_sheet(os.path.join(root, "sessions_metadata.yml"))
        units = _units(root, sheet, animal_list, area_list, sessions)
        if not units:
            raise ValueError(f"Downer2025: no channel matches animals={animals!r}, areas={areas!r}, "
                             f"sessions={sessions!r}")
        if _enumerate_only:
            self.nrn_meta, self.N_neurons = [u[1] for u in units], len(units)
            return
        trials, spikes_of = read_channels([(p, m["session_id"]) for p, m in units], CODE[stimuli],
                                          f"Downer2025 {stimuli}: reading sessions")
        table = _sounds(root, stimuli)
        counts = [Counter(codes[codes > 0].tolist()) for _, codes in trials.values()]
        n_test = sheet["repeats"]["timit" if stimuli == "timit" else "mvocs"]
        for sid, st in table.items():
            test = (any(c.get(sid, 0) >= n_test for c in counts) if stimuli == "timit"
                    else st["meta"]["n_reps_in_wav"] == n_test)
            st["meta"].update(split="test" if test else "estimation", n_reps_canonical=n_test if test else 1)
        ids = [i for i in sorted(table) if subset == "all" or table[i]["meta"]["split"] == subset]
        b = self._builder(return_waveform, audio_fs)
        for _, meta in units:
            b.add_neuron(**meta)
        index = {}
        for sid in ids:
            st = table[sid]
            T = int(round(st["meta"]["duration_s"] * 1000.0 / self.dt_ms))
            x = st["sound"] if st["rate"] == audio_fs else resample(st["sound"], st["rate"], audio_fs)
            if return_waveform:
                arr = lock_to_grid(x, audio_fs, audio_fs, T, exact_hop(audio_fs, self.dt_ms))
            else:
                spec = kaldi_fbank(x, audio_fs, self.dt_ms, n_mels, window_ms, 0.0, fmax, zscore=spec_zscore,
                                   compression=compression)
                arr = np.zeros((1, n_mels, T), np.float32)
                arr[0, :, : min(T, spec.shape[1])] = spec[:, :T]
            index[sid] = (b.add_stim(arr, **st["meta"]), T)
        del table  # the source sounds (~0.2 GB for TIMIT) are no longer needed while the responses are binned
        # per session: every channel binned over all its trials, then one (channels, repeats, T) block per stimulus
        for session, neurons in by_session(m for _, m in units).items():
            stimon, codes = trials[session]
            rows = np.flatnonzero(np.isin(codes, ids))
            if not len(rows):
                continue
            n_bins = np.array([index[c][1] for c in codes[rows].tolist()], dtype=np.int64)
            binned = np.stack([bin_window_rows(spikes_of[n], stimon[rows], n_bins, self.dt_ms, unit="s")
                               for n in neurons])
            for sid in dict.fromkeys(codes[rows].tolist()):  # first-occurrence order
                s, T = index[sid]
                b.add_responses(s, neurons, binned[:, codes[rows] == sid, :T])
        self.species = "squirrel monkey"
        self._smoothed = bool(smooth)
        self._finish(b, n_mels, (250.0, 43000.0), smooth)


def _units(root, sheet, animals, areas, sessions) -> list[tuple[str, dict]]:
    wanted_areas = None if areas is None else {"core" if a == "primary" else a for a in areas}
    out = []
    for sid, files in session_channels(os.path.join(root, "sessions")).items():
        group, fine = sheet["group"].get(sid), FINE_AREA.get(sid)
        if (sid in sheet["bad"] or (sessions is not None and sid not in {str(s) for s in sessions})
                or (animals is not None and sheet["animal"].get(sid) not in animals)
                or (wanted_areas is not None and group not in wanted_areas and fine not in wanted_areas)):
            continue
        xy = sheet["coords"].get(sid) or [None, None]
        out += [(path, {"cell_id": f"{p['animal']}_{sid}_Ch{p['channel']}{p['suffix'] or ''}", "session_id": sid,
                        "animal_id": p["animal"], "hemisphere": sheet["hemisphere"].get(sid), "area_group": group,
                        "area": fine, "channel": p["channel"], "channel_suffix": p["suffix"],
                        "n_channels_in_session": len(files), "coord_x": xy[0], "coord_y": xy[1],
                        "recording_type": "multi-unit"}) for path, p in files]
    return out


def _sounds(root: str, stimuli: str) -> dict:
    """``stim id -> {sound, rate, meta}`` of the TIMIT sentences or of the vocalisations."""
    if stimuli == "timit":
        table = {sid: (st["sound"], st["rate"], {"name": st["name"], "type": "timit"})
                 for sid, st in read_timit_table(os.path.join(root, STIM_FILES["timit"][0])).items()}
    else:
        sounds, rate, n_in_wav = read_mvoc_sounds(*(os.path.join(root, f) for f in STIM_FILES["mvocs"]))
        table = {sid: (x, rate, {"name": f"mvoc_{sid:03d}", "type": "mvoc"}) for sid, x in sounds.items()}
    out = {}
    for sid, (x, rate, meta) in table.items():
        out[sid] = {"sound": x, "rate": rate, "meta": {**meta, "stim_id": sid, "duration_s": len(x) / rate,
                                                       "n_samples": len(x), "befaft_s": (0.0, 0.0)}}
        if stimuli == "mvocs":
            out[sid]["meta"]["n_reps_in_wav"] = n_in_wav[sid]
    return out


def download_downer2025(dest: str | None = None) -> str:
    """Download and unzip ``auditory_cortex_data.zip`` (~29 GB, and ~29 GB
    unpacked: allow ~60 GB; free space is checked first) into ``dest``;
    return ``<dest>/auditory_cortex_data``.

    Parameters
    ----------
    dest : str, optional
        Parent folder; defaults to ``default_cache_dir('Downer2025')``.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download Downer2025`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_downer2025
    >>> dest = "/data/Downer2025"
    >>> folder = download_downer2025(dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("Downer2025", tempfile.mkdtemp())
    'absent'
    """
    return os.path.join(download_dataset("Downer2025", dest), "auditory_cortex_data")


#: names deepSTRF 0.1.0 exported, whose content (cell ids) it computed from the full 29 GB release
_PRECOMPUTED = {"AHMED2025_WELL_TUNED_TIMIT": "timit", "AHMED2025_WELL_TUNED_MVOCS": "mvocs"}


def __getattr__(name: str):
    if name in _PRECOMPUTED:
        raise ImportError(
            f"{name} (deepSTRF 0.1.0's precomputed list of well-tuned channels) is not shipped: it is derived "
            "from the full release, which deepSTRF does not copy. Downer2025Dataset(stimuli="
            f"'{_PRECOMPUTED[name]}').attach_ahmed2025_well_tuned() computes the same flags with 0.1.0's "
            "settings (n_resamples=10_000, dt_ms_analysis=50, seed=0, alpha=0.05, delta=0.5) and caches them "
            "next to the data; the ids are then [m['cell_id'] for m in ds.nrn_meta if "
            f"m['ahmed2025_{_PRECOMPUTED[name]}_well_tuned']]"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
