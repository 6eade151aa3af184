"""Le, Bjoring & Meliza (2025), Nature Communications — zebra finch auditory restoration.

Source: figshare article 29203457 (``[Le2025]``), one ~105 MB zip.
"""

from __future__ import annotations

import glob
import math
import os
import warnings

import numpy as np

from ..._checks import check_option, check_positive, check_waveform_args, exact_hop
from ..._paths import default_cache_dir
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.gammatone import gammatone_gram
from ...io.le2025 import parse_age_days, parse_stimulus, read_metadata_tables  # noqa: F401 (parse_stimulus: API)
from ...io.pprox import read_pprox
from ...io.wav import read_wav, wav_info
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import bin_trials
from ._waveforms import lock_to_grid
from ..evaluation import Evaluation

VARIANTS = ("C", "G", "N", "GB", "CB", "GM", "CM")
EXPERIMENTS = {"nat8a": (("nat8a-alpha-responses", 1), ("nat8a-beta-responses", 2)),
               "nat8b": (("nat8b-responses", 3),), "synth8b": (("synth8b-responses", 3),)}
def _source_folder(arguments: dict) -> str | None:
    """The unpacked folder the loader reads: ``path``, or where ``download=True`` puts it."""
    if arguments["path"] is not None:
        return os.path.abspath(str(arguments["path"]))
    if arguments["download"]:
        return os.path.join(default_cache_dir("Le_2025"), "zebf-auditory-restoration-1")
    return None  # the loader explains that path= or download=True is needed


@cached_loader(root=_source_folder)
class Le2025Dataset(Release, AudioNeuralDataset):
    """deepSTRF wrapper for one sub-experiment of Le, Bjoring & Meliza (2025).

    Single units of the auditory pallium of anesthetized adult zebra finches
    (areas such as NCM/L3, L2a/b, CM/L1) listening to 8 conspecific song
    motifs (0.84-1.2 s) in variants that manipulate a critical interval (CI):
    ``C`` continuous, ``G`` gap, ``N`` noise alone, ``GB`` gap + burst (the
    illusion), ``CB`` motif + burst, and (nat8b, synth8b) ``GM`` / ``CM``
    masked motifs. ``experiment``: ``'nat8a'`` (cohorts 1 and 2; 72 stimuli),
    ``'nat8b'`` (cohort 3; 96), ``'synth8b'`` (cohort 3, scrambled syntax;
    96); 4-10 presentations per stimulus and unit. Instantiate one per
    experiment and concatenate (``ds_a + ds_b``): the experiments share no
    stimuli, so the bidirectional rule hides cross-experiment pairs.

    Stimuli are 50-band gammatone-grams (ERB-spaced from ``fmin`` to
    ``fmax``, ``window_ms`` windows, frames exactly ``dt_ms`` apart),
    ``ln(1 + x)``. Responses are spike counts per bin from stimulus onset.
    Where we differ from the earlier loader: the bands are ERB-spaced (the
    older docs said log-spaced); binning is exact (a spike at 15 ms with
    5-ms bins is in bin 3); smoothing is the normalised Hann window;
    waveform mode works (responses on the spectrogram's T, the waveform
    grid-locked to it); reliability is computed in float64 with the
    library's Sahani-Linden estimator (:mod:`deepSTRF.metrics`).

    ``stim_meta``: ``name``, ``motif``, ``critical_interval``, ``variant``,
    ``syntax``, ``experiment``, ``sample_rate_hz``, ``duration_s``,
    ``ci_onset_s``, ``ci_offset_s``. ``nrn_meta``: ``cell_id``,
    ``animal_id``, ``animal_uuid``, ``cohort``, ``experiment``, ``area``,
    ``hemisphere``, ``familiar_motifs``, ``sex``, ``age_days``,
    ``pprox_file``, and with ``compute_reliability`` ``signal_power``,
    ``noise_power``, ``snr``.

    Parameters
    ----------
    path : str or Path, optional
        The unpacked ``zebf-auditory-restoration-1/`` folder. Without it,
        ``download=True`` fetches into ``default_cache_dir('Le_2025')``.
    experiment : {'nat8a', 'nat8b', 'synth8b'}, default 'nat8b'
        The sub-experiment (and cohorts) to load.
    dt_ms : float, default 5.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
    n_bands : int, default 50
        Number of gammatone bands ``F``.
    fmin, fmax : float, default 1000, 8000
        Lowest and highest ERB-spaced centre frequencies, in Hz.
    window_ms : float, default 2.5
        Length of the spectrogram's analysis window, in ms, independent of the ``dt_ms`` hop.
    smooth : bool, default True
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    keep_areas : sequence of str, optional
        Keep units of these areas (``nrn_meta['area']``); default all.
    compute_reliability : bool, default True
        Write ``signal_power``, ``noise_power`` and ``snr`` to ``nrn_meta``.
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From figshare 29203457 (~105 MB).
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
    audio_fs : int, default 48000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Le, Bjoring & Meliza (2025). The zebra finch auditory cortex reconstructs
    occluded syllables in conspecific song. Nat Commun 16:8452.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``Le2025Dataset(path="/data/Le2025", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import Le2025Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = Le2025Dataset(**fake_release("Le2025", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (50, 5.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 50]), True)
    """

    registry = "Le2025"
    evaluation = Evaluation(ccmax="schoppe", min_snr=0.1,
                            source="no estimation/test split in the paper (it compares stimulus variants): every "
                                   "5th stimulus is held out")

    def _download(self, root, groups, username, password):
        download_le2025(os.path.dirname(root))  # the zip unpacks into <parent>/zebf-auditory-restoration-1

    def __init__(self, path=None, experiment: str = "nat8b", dt_ms: float = 5.0, n_bands: int = 50,
                 fmin: float = 1000.0, fmax: float = 8000.0, window_ms: float = 2.5, smooth: bool = True,
                 keep_areas=None, compute_reliability: bool = True, download: bool = False,
                 return_waveform: bool = False, audio_fs: int = 48000, cache: bool = True):
        check_option("experiment", experiment, tuple(EXPERIMENTS))
        check_positive("dt_ms", dt_ms)
        check_positive("n_bands", n_bands, integer=True)
        check_positive("window_ms", window_ms)
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        if path is None and not download:
            raise ValueError("Le2025Dataset needs path= (the unpacked zebf-auditory-restoration-1 folder) "
                             "or download=True")
        root = _source_folder({"path": path, "download": download})
        super().__init__(root, float(dt_ms))
        self.experiment = experiment
        folders = [f for f, _ in EXPERIMENTS[experiment]]
        self._open_release(path, download, [f"{experiment}-stimuli"] + folders, root=root,
                           hint="path= is the unpacked zebf-auditory-restoration-1 folder")
        tables = read_metadata_tables(root)
        stims = _stimuli(root, experiment, tables)
        b = self._builder(return_waveform, audio_fs)
        T_of = {}
        for st in stims:
            x, rate = read_wav(st.pop("_path"))
            gram = gammatone_gram(x, rate, self.dt_ms, n_bands, fmin, fmax, window_ms)
            T = gram.shape[1]
            if return_waveform:
                arr = lock_to_grid(x, rate, audio_fs, T, exact_hop(audio_fs, self.dt_ms))
            else:
                arr = np.log1p(np.maximum(gram, 0.0)).astype(np.float32)[None]
            T_of[st["name"]] = (b.add_stim(arr, **st), T)
        for folder, cohort in EXPERIMENTS[experiment]:
            for f in sorted(glob.glob(os.path.join(root, folder, "*.pprox"))):
                unit = read_pprox(f)
                meta = _unit_meta(f, unit, cohort, experiment, tables)
                if keep_areas is not None and meta["area"] not in keep_areas:
                    continue
                trials: dict = {}
                for tr in unit["trials"]:
                    if tr["stimulus"] in T_of:
                        trials.setdefault(tr["stimulus"], []).append(tr["events_s"])
                if not trials:
                    warnings.warn(f"Le2025: {f} has no trial of a {experiment} stimulus; unit skipped", stacklevel=2)
                    continue
                n = b.add_neuron(**meta)
                for name, events in trials.items():
                    s, T = T_of[name]
                    b.add_response(s, n, bin_trials(events, self.dt_ms, T, unit="s"))
        if b.n_neurons == 0:
            raise ValueError(f"Le2025: no unit of {experiment} in {root} matches keep_areas={keep_areas!r}")
        self.species, self.behavioral_state = "zebra finch", "anesthetized"
        self._finish(b, n_bands, (250.0, 8000.0), smooth)
        if compute_reliability:
            q = self.compute_neuron_quality()
            for n, m in enumerate(self.nrn_meta):
                m.update(signal_power=float(q["signal_power"][n]), noise_power=float(q["noise_power"][n]))

    def select_critical_interval(self, ci, *, within_current: bool = False) -> list[int]:
        """Select the stimuli of one CI (or ``None`` for the CI-independent C/CM variants).

        Replaces the stimulus selection, as every ``select_*`` does;
        ``within_current=True`` narrows it instead."""
        return self.select_stims_by_attr("critical_interval", ci, within_current=within_current)

    def select_variant(self, variant: str, *, within_current: bool = False) -> list[int]:
        """Select the stimuli of one variant (one of ``VARIANTS``: ``'C'``, ``'CB'``, ...);
        replaces the stimulus selection unless ``within_current=True``."""
        check_option("variant", variant, VARIANTS)
        return self.select_stims_by_attr("variant", variant, within_current=within_current)

    def select_motif(self, motif: str, *, within_current: bool = False) -> list[int]:
        """Select the stimuli of one motif (``stim_meta['motif']``, e.g. ``'B189'``);
        replaces the stimulus selection unless ``within_current=True``."""
        return self.select_stims_by_attr("motif", motif, within_current=within_current)

    def select_restoration_quartet(self, motif: str, ci, variants=("C", "CB", "GB", "GM")) -> list[int]:
        """The stimuli of the paper's core restoration analysis for one (motif, CI):
        ``variants`` at that CI, plus ``C`` / ``CM`` (CI-independent) when listed."""
        for v in variants:
            check_option("variants entry", v, VARIANTS)
        return self.select_stims([s for s, m in enumerate(self.stim_meta) if m["motif"] == motif
                                  and m["variant"] in variants
                                  and (m["critical_interval"] == ci or m["variant"] in ("C", "CM"))])


def _stimuli(root: str, experiment: str, tables: dict) -> list[dict]:
    out = []
    for f in sorted(glob.glob(os.path.join(root, f"{experiment}-stimuli", "*.wav"))):
        stem = os.path.splitext(os.path.basename(f))[0]
        p = parse_stimulus(stem, experiment)
        if p is None:
            warnings.warn(f"Le2025: {f} does not follow the {experiment} naming grammar; skipped", stacklevel=3)
            continue
        rate, n_samples, _ = wav_info(f)
        onset = offset = math.nan
        if experiment != "synth8b" and p["critical_interval"] is not None:
            onset, offset = tables["ci"].get((p["motif"], p["critical_interval"]), (math.nan, math.nan))
        out.append({"name": stem, **p, "experiment": experiment, "sample_rate_hz": int(rate),
                    "duration_s": n_samples / rate, "ci_onset_s": onset, "ci_offset_s": offset, "_path": f})
    ci_key = (lambda c: (1, "") if c is None else (0, str(c)))
    return sorted(out, key=lambda m: (m["motif"], ci_key(m["critical_interval"]), m["variant"]))


def _unit_meta(path: str, unit: dict, cohort: int, experiment: str, t: dict) -> dict:
    stem = os.path.splitext(os.path.basename(path))[0]
    top = unit["top"]
    if unit["schema"] == "legacy":
        animal = str(top.get("bird") or stem.split("_")[0])
        bird = t["birds"].get(animal, {})
        area, hemisphere = top.get("location") or "unknown", top.get("hemisphere")
        uuid = top.get("bird-uuid") or bird.get("uuid")
        familiar = sorted(t["rooms"].get(str(top.get("familiar")), set()))
        sex, age = bird.get("sex") or top.get("bird-sex"), parse_age_days(bird.get("age") or top.get("bird-age"))
    else:
        animal = stem.split("_")[0]
        bird = t["birds"].get(animal, {})
        site = t["sites"].get("_".join(stem.split("_")[:3]), {})
        area = site.get("area") if site.get("area") not in (None, "", "N/A") else "unknown"
        hemisphere = site.get("hemisphere") or None
        uuid, familiar = top.get("bird") or bird.get("uuid"), []
        sex, age = bird.get("sex") or None, parse_age_days(bird.get("age"))
    return {"cell_id": stem, "animal_id": animal, "animal_uuid": uuid, "cohort": cohort, "experiment": experiment,
            "area": area, "hemisphere": hemisphere, "familiar_motifs": familiar, "sex": sex, "age_days": age,
            "pprox_file": os.path.basename(path)}


def download_le2025(dest: str | None = None) -> str:
    """Download and unzip ``zebf-auditory-restoration-1.zip`` from figshare
    (size and MD5 read from the article) into ``dest`` (default
    ``default_cache_dir('Le_2025')``); return the unpacked
    ``zebf-auditory-restoration-1`` folder (the dataset ``path``).

    Parameters
    ----------
    dest : str, optional
        The parent folder; default ``default_cache_dir('Le_2025')``.

    Returns
    -------
    str
        The unpacked ``zebf-auditory-restoration-1`` folder.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download Le2025`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_le2025
    >>> dest = "/data/Le2025"
    >>> folder = download_le2025(dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("Le2025", tempfile.mkdtemp())
    'absent'
    """
    return os.path.join(download_dataset("Le2025", dest), "zebf-auditory-restoration-1")
