"""Downer et al. (2025) / Ahmed et al. (2025): squirrel-monkey auditory
cortex, 1718 multi-units, TIMIT sentences and monkey vocalisations.

Source: Zenodo record 16175377, one ~29 GB zip (``[Downer2025]``).
"""

from __future__ import annotations

import os
import zlib
from collections import Counter

import numpy as np

from ..._checks import check_option, check_positive, exact_hop
from ..._jsonfile import read_json_or_empty, write_json_if_possible
from ..._paths import default_cache_dir
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.binning import bin_windows, rebin_sum
from ...dsp.resample import resample
from ...dsp.spectrogram import kaldi_fbank
from ...io.downer import read_channel_file, read_mvoc_slots, read_session_sheet, read_timit_table
from ...metrics.tuning import decide, tuning
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import check_choices
from ._downer import FINE_AREA, channel_files
from ._waveforms import lock_to_grid

_UNREADABLE = "Downer2025: ignoring the unreadable tuning cache"
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
class Downer2025Dataset(Release, AudioNeuralDataset):
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
    """

    registry = "Downer2025"

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
        # one pass over every channel file: the session's trial table (the same in all its files) and the
        # spike times, never the waveform field
        from tqdm.auto import tqdm

        trials, spikes_of = {}, []
        n_sessions = len({m["session_id"] for _, m in units})
        bar = tqdm(total=n_sessions, desc=f"Downer2025 {stimuli}: reading sessions", unit="session", leave=False,
                   disable=None)
        for path_, meta in units:
            channel = read_channel_file(path_, CODE[stimuli])
            if meta["session_id"] not in trials:
                bar.update(1)
                bar.set_postfix_str(f"session {meta['session_id']}")
                trials[meta["session_id"]] = (channel["stimon"], channel["codes"])
            spikes_of.append(channel["spktimes"])
        bar.close()
        table = _timit(root) if stimuli == "timit" else _mvocs(root)
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
        # per session: every channel binned over all its trials in one vectorised pass, then one contiguous
        # (channels, repeats, T) block per stimulus
        by_session: dict = {}
        for n, (_, meta) in enumerate(units):
            by_session.setdefault(meta["session_id"], []).append(n)
        for session, neurons in by_session.items():
            stimon, codes = trials[session]
            rows = np.flatnonzero(np.isin(codes, ids))
            if not len(rows):
                continue
            n_bins = np.array([index[c][1] for c in codes[rows].tolist()], dtype=np.int64)
            binned, starts = None, None
            for i, n in enumerate(neurons):
                counts, starts = bin_windows(spikes_of[n], stimon[rows], n_bins, self.dt_ms, unit="s")
                if binned is None:
                    binned = np.empty((len(neurons), counts.size), np.float32)
                binned[i] = counts
                spikes_of[n] = None  # binned: its spike times are no longer needed
            for sid, rr in _by_id(codes[rows], np.arange(len(rows))).items():
                s, T = index[sid]
                block = np.stack([binned[:, starts[r] : starts[r] + T] for r in rr], axis=1)
                b.add_responses(s, neurons, block)
        self.species = "squirrel monkey"
        self._smoothed = bool(smooth)
        self._finish(b, n_mels, (250.0, 43000.0), smooth)

    def compute_paper_tuning(self, n_resamples: int = 10000, dt_ms_analysis: float = 50.0, seed: int = 0,
                             alpha: float = 0.05, delta: float = 0.5, verbose: bool = True) -> dict:
        """Ahmed et al. (2025) tuned / well-tuned multi-units, on the test stimuli.

        Per neuron: ``n_resamples`` correlations between two different
        repeats (the same random pair for all neurons of a session)
        concatenated over the test stimuli, re-binned to ``dt_ms_analysis``,
        against a null of the same with the second sequence circularly
        shifted; tuned = one-sided Wilcoxon rank-sum p < ``alpha``;
        well-tuned = tuned and ``(mean true - mean null) / sd null >= delta``.
        Writes ``ahmed2025_<stimuli>_{tuned, well_tuned, p_wilcoxon,
        delta_normalized}`` to ``nrn_meta``; returns the counts. Each
        session's draws come from ``(seed, session id)``, all made up front,
        so a channel's result is the same whichever channels are loaded.
        """
        factor = dt_ms_analysis / self.dt_ms
        if abs(factor - round(factor)) > 1e-9 or factor < 1:
            raise ValueError(f"dt_ms_analysis must be a whole multiple of dt_ms={self.dt_ms}; got {dt_ms_analysis}")
        factor = int(round(factor))
        test = [s for s, m in enumerate(self.stim_meta) if m.get("split") == "test"]
        prefix = f"ahmed2025_{self.stimuli}_"
        result = {"tuned": 0, "well_tuned": 0, "n_with_data": 0, "stimuli": self.stimuli}
        groups: dict = {}
        for n, m in enumerate(self.nrn_meta):
            groups.setdefault(m["session_id"], []).append(n)
        for session, neurons in sorted(groups.items()):
            blocks = []
            for s in test:
                rows = [self.responses[s][n] for n in neurons]
                if rows[0].shape == (1, 1) or rows[0].shape[0] < 2:
                    continue
                blocks.append(rebin_sum(np.stack([r.numpy().astype(np.float64) for r in rows]), factor))
            stats = None
            if blocks:
                rng_seed = [seed, zlib.crc32(str(session).encode())]  # per session: independent of what else is loaded
                stats = decide(*tuning(blocks, rng_seed, n_resamples, alpha, delta, verbose), alpha, delta)
                result["n_with_data"] += len(neurons)
            for k, n in enumerate(neurons):
                m = self.nrn_meta[n]
                m[prefix + "tuned"] = bool(stats["tuned"][k]) if stats else False
                m[prefix + "well_tuned"] = bool(stats["well_tuned"][k]) if stats else False
                m[prefix + "p_wilcoxon"] = float(stats["p"][k]) if stats else float("nan")
                m[prefix + "delta_normalized"] = float(stats["effect"][k]) if stats else float("nan")
                result["tuned"] += m[prefix + "tuned"]
                result["well_tuned"] += m[prefix + "well_tuned"]
        return result

    def attach_ahmed2025_well_tuned(self) -> int:
        """Tag ``nrn_meta[n]['ahmed2025_<stimuli>_well_tuned']``; return the number of
        flagged neurons in the current selection.

        The reference ships the flags as module constants computed on the
        real release; those tables cannot be regenerated without the data,
        so here the flags come from :meth:`compute_paper_tuning` with its
        defaults (``n_resamples=10000``, ``dt_ms_analysis=50``, ``seed=0``,
        ``alpha=0.05``, ``delta=0.5``; about 3 min for all 1718 channels)
        and are cached per channel in
        ``<path>/.deepstrf/ahmed2025_tuning.json``, keyed by those settings
        and by ``dt_ms`` and smoothing, so later instances (any filter) only
        read them. Per-session seeds make a channel's flag independent of
        which other channels are loaded. Flags already in ``nrn_meta`` are
        used as they are.
        """
        key = f"ahmed2025_{self.stimuli}_well_tuned"
        if all(key in m for m in self.nrn_meta):
            return sum(bool(self.nrn_meta[n][key]) for n in self.selected_neurons)
        settings = f"{self.stimuli}|dt_ms={self.dt_ms:g}|smooth={getattr(self, '_smoothed', None)}|" \
                   "n_resamples=10000|dt_ms_analysis=50|seed=0|alpha=0.05|delta=0.5"
        cache_file = os.path.join(self.path, ".deepstrf", "ahmed2025_tuning.json") if getattr(
            self, "path", None) else None
        cache = read_json_or_empty(cache_file, _UNREADABLE).get(settings, {}) if cache_file else {}
        if all(m["cell_id"] in cache for m in self.nrn_meta):
            for m in self.nrn_meta:
                m[key] = bool(cache[m["cell_id"]])
        else:
            self.compute_paper_tuning()
            if cache_file:
                cache.update({m["cell_id"]: bool(m[key]) for m in self.nrn_meta})
                doc = read_json_or_empty(cache_file, _UNREADABLE)
                doc[settings] = cache
                write_json_if_possible(cache_file, doc, "Downer2025: the tuning flags will be recomputed next time; "
                                       "could not write")
        return sum(bool(self.nrn_meta[n][key]) for n in self.selected_neurons)


def _units(root, sheet, animals, areas, sessions) -> list[tuple[str, dict]]:
    wanted_areas = None if areas is None else {"core" if a == "primary" else a for a in areas}
    out = []
    folder = os.path.join(root, "sessions")
    for sid in sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))):
        if sid in sheet["bad"] or (sessions is not None and sid not in {str(s) for s in sessions}):
            continue
        if animals is not None and sheet["animal"].get(sid) not in animals:
            continue
        group, fine = sheet["group"].get(sid), FINE_AREA.get(sid)
        if wanted_areas is not None and group not in wanted_areas and fine not in wanted_areas:
            continue
        files = channel_files(os.path.join(folder, sid))
        xy = sheet["coords"].get(sid) or [None, None]
        for path, p in files:
            out.append((path, {
                "cell_id": f"{p['animal']}_{sid}_Ch{p['channel']}{p['suffix'] or ''}", "session_id": sid,
                "animal_id": p["animal"], "hemisphere": sheet["hemisphere"].get(sid), "area_group": group,
                "area": fine, "channel": p["channel"], "channel_suffix": p["suffix"],
                "n_channels_in_session": len(files), "coord_x": xy[0], "coord_y": xy[1],
                "recording_type": "multi-unit"}))
    return out


def _timit(root: str) -> dict:
    out = {}
    for sid, st in read_timit_table(os.path.join(root, STIM_FILES["timit"][0])).items():
        x, rate = st["sound"], st["rate"]
        out[sid] = {"sound": x, "rate": rate, "meta": {
            "name": st["name"], "type": "timit", "stim_id": sid, "duration_s": len(x) / rate,
            "n_samples": len(x), "befaft_s": (0.0, 0.0)}}
    return out


def _mvocs(root: str) -> dict:
    codes, onsets, rate, left = read_mvoc_slots(*(os.path.join(root, f) for f in STIM_FILES["mvocs"]))
    scale = 32768.0 if left.dtype == np.int16 else 1.0
    ends = np.append(onsets[1:], len(left) / rate)
    n_in_wav = Counter(codes.tolist())
    out = {}
    for sid in sorted(set(codes.tolist())):
        slots = np.flatnonzero(codes == sid)
        duration = float(np.min(ends[slots] - onsets[slots]))
        a = int(round(onsets[slots[0]] * rate))
        x = left[a: a + int(round(duration * rate))].astype(np.float64) / scale
        out[sid] = {"sound": x, "rate": int(rate), "meta": {
            "name": f"mvoc_{sid:03d}", "type": "mvoc", "stim_id": sid, "duration_s": len(x) / rate,
            "n_samples": len(x), "befaft_s": (0.0, 0.0), "n_reps_in_wav": n_in_wav[sid]}}
    return out


def _by_id(codes: np.ndarray, rows: np.ndarray) -> dict:
    out: dict = {}
    for c, r in zip(codes.tolist(), rows.tolist()):
        out.setdefault(c, []).append(r)
    return out


def download_downer2025(dest: str | None = None) -> str:
    """Download and unzip ``auditory_cortex_data.zip`` (~29 GB, and ~29 GB
    unpacked: allow ~60 GB; free space is checked first) into ``dest``;
    return ``<dest>/auditory_cortex_data``.

    Parameters
    ----------
    dest : str, optional
        Parent folder; defaults to ``default_cache_dir('Downer2025')``.
    """
    return os.path.join(download_dataset("Downer2025", dest), "auditory_cortex_data")
