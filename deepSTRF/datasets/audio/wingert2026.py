"""Wingert et al. (2026): high-density ferret auditory cortex recordings,
3128 units in 68 site groups.

Sources: Zenodo record 18331549 (``[Wingert2026]`` in the registry).
"""

from __future__ import annotations

import os

import numpy as np

from ..._checks import check_fixed, check_names, check_option, check_waveform_args, exact_hop
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.scaling import minmax_scale_
from ...io.lbhb import read_cell_list
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._waveforms import StimWavs
from ._wingert_sessions import SessionLoader, load_sessions
from ..evaluation import Evaluation

AREAS = ("A1", "PEG", "AC", "HC")
SUBSETS = ("all", "est", "val")


@cached_loader()
class Wingert2026Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for Wingert et al. 2026 (Nat Neurosci).

    Awake, passively listening ferrets; Kilosort-sorted single units on
    high-density probes: 2128 A1 + 746 PEG + 217 AC + 37 HC units (3128
    labelled) in 67 recording sessions / 68 ``siteid`` groups (session
    SLJ032a used two probes), plus 131 unlabelled units
    (``include_unlabeled=True``). Each session heard ~100 estimation
    sequences once (``STIM_seq*``, ``subset='est'``) and 1-6 test sequences
    repeatedly (``STIM_00*``, ``'val'``, R = 5-30). Stimuli are 20-22 s
    cross-faded natural sounds as 32-band gammatone-grams (200 Hz - 20 kHz,
    10-ms bins); two duration cohorts give ragged T (2000 or 2200 bins).

    Preprocessing as in the paper's pipeline: stimuli ``log((x + d) / d)``,
    ``d = 10**log_offset``, then per-band min-max over all loaded stimuli;
    responses min-max normalised per unit over all its stimuli and repeats
    (values below 1e-6 set to 0). Both use every loaded stimulus before the
    ``subset`` filter. Spike times are binned with the release's absolute
    rule, ``floor(t * 100) - round(start * 100)``.

    Each stimulus entry belongs to one recording session: ``stim_meta`` has
    ``name``, ``subset``, ``site`` (as the API reference says; its value is
    the session id) and also ``session`` (we add it: the session id under
    its own name, since a session's ``site`` is not a ``cell_list`` siteid).
    ``nrn_meta``: ``cell_id``, ``site`` (the ``siteid``), ``session``,
    ``area``, ``layer`` (a string), ``depth``, ``narrow``, ``celltype``,
    ``sw``, ``goodpred``, ``animal``, ``electrode``, ``unit_in_electrode``.

    Parameters
    ----------
    path : str, optional
        Folder with ``cell_list.csv`` and ``recordings/``; default
        ``default_cache_dir('Wingert2026')``.
    area : str or list of str, optional
        Keep units of these areas (``'A1'``, ``'PEG'``, ``'AC'``, ``'HC'``); default all.
    site : str or list of str, optional
        Keep units of these ``siteid`` values; default all.
    dt_ms : float, default 10.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        Must be 10.0: the gammatone-grams are precomputed at 10 ms.
    subset : {'all', 'est', 'val'}, default 'all'
        Estimation sequences (``STIM_seq*``, R = 1), test sequences (``STIM_00*``,
        R = 5-30) or both; the normalisations always use every loaded stimulus.
    smooth : bool, default False
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    log_compress : bool, default True
        Compress the stimuli as ``log((x + d) / d)``, ``d = 10**log_offset``, before the
        per-band min-max.
    log_offset : float, default -1.0
        The paper's ``log_offset`` (values beyond +-2 are softened as in its pipeline).
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From Zenodo 18331549; ``wav.zip`` too in waveform mode.
    include_unlabeled : bool, default False
        Also load the 131 units ``cell_list.csv`` gives no area.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
        The ``wav/`` sequences, inset at ``prestim_ms`` (not normalised).
    audio_fs : int, default 44100
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    prestim_ms : float, default 1000.0
        Silence before the sound in the trial window, in ms (waveform mode only).
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Wingert et al. (2026). Convolutional neural network models describe the
    encoding subspace of local circuits in auditory cortex. Nat Neurosci.
    https://doi.org/10.1038/s41593-026-02216-0

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``Wingert2026Dataset(path="/data/Wingert2026", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import Wingert2026Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = Wingert2026Dataset(**fake_release("Wingert2026", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (32, 10.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 32]), True)
    """

    registry = "Wingert2026"
    evaluation = Evaluation("subset", ("est",), ("val",), unit="site", ccmax="schoppe", min_snr=0.1,
                            source="Wingert et al. 2026: per recording site, fit on its est sequences, score on its "
                                   "repeated val sequences")

    def __init__(self, path: str | None = None, area=None, site=None, dt_ms: float = 10.0, subset: str = "all",
                 smooth: bool = False, log_compress: bool = True, log_offset: float = -1.0, download: bool = False,
                 include_unlabeled: bool = False, return_waveform: bool = False, audio_fs: int = 44100,
                 prestim_ms: float = 1000.0, cache: bool = True, _enumerate_only: bool = False):
        check_option("subset", subset, SUBSETS)
        check_fixed("dt_ms", dt_ms, 10.0, "Wingert2026", "the gammatone-grams are precomputed at 10 ms")
        areas = None if area is None else [check_option("area", a, AREAS) for a in check_names("area", area)]
        sites = None if site is None else check_names("site", site)
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        super().__init__(path, dt_ms)
        self.subset = subset
        wav = ["wav"] if return_waveform else []
        root = self._open_release(path, download, ["cell_list.csv", "recordings"] + wav, groups=wav)
        units = _select_units(os.path.join(root, "cell_list.csv"), areas, sites, include_unlabeled)
        self.nrn_meta = units
        self.N_neurons = len(units)
        if _enumerate_only:
            return
        b = self._builder(return_waveform, audio_fs)
        for u in units:
            b.add_neuron(**u)
        by_session: dict = {}
        for n, u in enumerate(units):
            by_session.setdefault(u["session"], []).append(n)
        wavs = StimWavs(os.path.join(root, "wav"), audio_fs, exact_hop(audio_fs, 10.0), prestim_ms / 1000) \
            if return_waveform else None
        loader = SessionLoader(b, units, by_session, subset, log_offset if log_compress else None, wavs)
        entries = load_sessions(os.path.join(root, "recordings"), set(by_session), loader)
        order = sorted(entries, key=lambda e: (e[0], e[1]))
        b.select_stims([e[2] for e in order])
        if not return_waveform and order:  # per-band min-max over every loaded stimulus
            lo = np.min([loader.bands[e[0]][0] for e in order], axis=0)[:, None]
            hi = np.max([loader.bands[e[0]][1] for e in order], axis=0)[:, None]
            for _, _, s in order:
                minmax_scale_(b.stim_array(s)[0], lo, hi)
        self._finish(b, 32, (200.0, 40000.0), smooth)


def _select_units(path: str, areas, sites, include_unlabeled: bool) -> list[dict]:
    rows = read_cell_list(path)
    keep = [r for r in rows if include_unlabeled or r["area"] in AREAS]
    if areas:
        keep = [r for r in keep if r["area"] in areas]
    if sites:
        present = {r["siteid"] for r in keep}
        absent = [s for s in sites if s not in present]
        if absent:
            raise ValueError(f"site(s) {absent} have no unit in {path} after the area filter; "
                             f"sites present: {', '.join(sorted(present))}")
        keep = [r for r in keep if r["siteid"] in sites]
    if not keep:
        raise ValueError(f"no unit of {path} matches area={areas!r}, site={sites!r}")
    return [_unit_meta(r) for r in keep]


def _unit_meta(r: dict) -> dict:
    names = {"cellid": "cell_id", "siteid": "site"}
    keys = ("cellid", "siteid", "session", "area", "layer", "depth", "narrow", "celltype", "sw", "goodpred",
            "animal", "electrode", "unit_in_electrode")
    return {names.get(k, k): r[k] for k in keys}


def download_wingert2026(dest: str | None = None, wav: bool = False) -> str:
    """Download ``cell_list.csv`` and ``recordings.zip`` (~4.35 GB, unpacked to
    ``recordings/``) from Zenodo into ``dest``; with ``wav=True`` also
    ``wav.zip`` (~3.7 GB, unpacked to ``wav/``). ``models.zip`` is never
    fetched. Sizes and MD5s come from the Zenodo record. Idempotent.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('Wingert2026')``.
    wav : bool, default False
        Also fetch ``wav.zip`` (~3.7 GB, waveform mode only).

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download Wingert2026`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_wingert2026
    >>> dest = "/data/Wingert2026"
    >>> folder = download_wingert2026(dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("Wingert2026", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("Wingert2026", dest, groups=["wav"] if wav else [])
