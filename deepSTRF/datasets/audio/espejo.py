"""Lopez Espejo, Schwartz & David (2019): awake ferret A1, natural sounds
(NAT, 18-band cochleagrams) and vocalisation-modulated noise (VMN).

Sources: Zenodo record 3445557 (``[Espejo]``); the raw NAT waveforms are not
in the deposit and come from the LBHB baphy repository on Bitbucket.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence

import numpy as np

from ..._checks import check_fixed, check_option, check_positive, exact_hop
from ...cache import cached_loader
from ...download import download_dataset
from ...download.mirror import fetch_from_mirror
from ...dsp.binning import bin_window_rows
from ...io.lbhb import espejo_cell_parts, read_site
from ...io.nems import epoch_bounds
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._waveforms import locked_waveform
from ..evaluation import Evaluation

STIMULI = ("nat", "vmn")
SUBSETS = ("all", "estimation", "test")
RELEASE = {"nat": ("A1_natural_sounds", "ozgf", 18), "vmn": ("A1_voc_mod_noise", "envelope", 2)}

@cached_loader()
class EspejoDataset(Release, AudioNeuralDataset):
    """PyTorch dataset for Lopez-Espejo et al. (2019) ferret A1 recordings.

    Awake, passively listening ferrets, primary auditory cortex, single units,
    in two disjoint releases (no shared units, different F; never
    concatenated), chosen by ``stimuli``:

    - ``'nat'``: 93 natural sounds as 18-band gammatone log-spectrograms
      (NEMS "ozgf", F = 18), ~540 units in 35 sites of 6 ferrets. The sounds
      are 4 s long inside a 5-s trial: 0.5 s of silence either side, so
      T = 500 bins of 10 ms (some descriptions say 3-s sounds; the stored
      tensors and the source wavs are 4 s).
    - ``'vmn'``: 30 vocalisation-modulated noises as 2 envelope channels
      (F = 2), T = 400 (0.5 s + 3 s + 0.5 s), ~200 units in 103 sites.

    Each site heard a subset of the stimuli (sentinels elsewhere). A stimulus
    is a test stimulus when, in some site, it was repeated as often as that
    site's most repeated stimulus (more than once); ``stim_meta`` holds
    ``name``, ``type``, ``n_repeats``, ``split`` ('test' | 'estimation'),
    ``duration_s`` and ``n_samples`` (bins). Units recorded in several
    sessions of a site have their repeats concatenated (session order).
    Responses are raw spike counts per 10-ms bin, binned relative to each
    trial's start. ``nrn_meta``: ``cell_id``, ``site``, ``animal_id``,
    ``channel``, ``unit``, ``experiment_set``.

    Parameters
    ----------
    path : str, optional
        Folder with ``A1_natural_sounds/`` and/or ``A1_voc_mod_noise/``;
        default ``default_cache_dir('Espejo')``.
    stimuli : {'nat', 'vmn'}, default 'nat'
        Natural sounds (18 bands) or vocalisation-modulated noise (2 envelopes).
    dt_ms : float, default 10.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        Must be 10.0: the cochleagrams are precomputed at 10 ms.
    subset : {'all', 'estimation', 'test'}, default 'all'
        Stimuli by the repeat-count split (see above) or all.
    cells : sequence of str, optional
        Keep only these unit ids (those on disk); default all.
    smooth : bool, default False
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
        NAT only: the 4-s wavs from ``nat_waveforms/`` (fetched from the baphy mirror when
        ``download=True``), inset after 0.5 s of silence.
    audio_fs : int, default 44100
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From Zenodo 3445557 (NAT ~638 MB, VMN ~25 MB).
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Lopez Espejo, Schwartz & David (2019). Spectral tuning of adaptation
    supports coding of sensory context in auditory cortex. PLoS Comput Biol
    15(10): e1007430. https://doi.org/10.1371/journal.pcbi.1007430

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``EspejoDataset(path="/data/Espejo", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import EspejoDataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = EspejoDataset(**fake_release("Espejo", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (18, 10.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 18]), True)
    """

    registry = "Espejo"
    evaluation = Evaluation("split", ("estimation",), ("test",), ccmax="schoppe", min_snr=0.1,
                            loader_kwargs={"stimuli": "nat"},
                            source="Lopez Espejo et al. 2019: the most repeated stimuli of each site are the test set")

    def __init__(self, path: str | None = None, stimuli: str = "nat", dt_ms: float = 10.0, subset: str = "all",
                 cells: Sequence[str] | None = None, smooth: bool = False, return_waveform: bool = False,
                 audio_fs: int = 44100, download: bool = False, cache: bool = True):
        check_option("stimuli", stimuli, STIMULI)
        check_option("subset", subset, SUBSETS)
        check_fixed("dt_ms", dt_ms, 10.0, "Espejo", "the cochleagrams are precomputed at 10 ms")
        if return_waveform:
            if stimuli == "vmn":
                raise ValueError("return_waveform=True is for stimuli='nat' only: the VMN stimuli are synthetic "
                                 "2-band envelopes with no recorded sound")
            check_positive("audio_fs", audio_fs, integer=True)
            exact_hop(audio_fs, dt_ms)
        super().__init__(path, dt_ms)
        folder, stimfmt, F = RELEASE[stimuli]
        self.stimuli, self.subset = stimuli, subset
        root = self._open_release(path, download, [folder], groups=[stimuli])
        archives = sorted(glob.glob(os.path.join(root, folder, "**", "*.tgz"), recursive=True)
                          + glob.glob(os.path.join(root, folder, "**", "*.tar.gz"), recursive=True))
        if not archives:
            raise FileNotFoundError(f"Espejo: no site archive (*.tgz) under {os.path.join(root, folder)}; "
                                    "pass download=True")
        sites = [read_site(p, stimfmt) for p in archives]
        units = sorted({u for site in sites for u in site["units"]})
        if cells is not None:
            wanted = set(cells)
            units = [u for u in units if u in wanted]
            if not units:
                raise ValueError(f"none of the {len(wanted)} requested cells is in {os.path.join(root, folder)}")
        registry = _stim_registry(sites)
        names = [n for n in sorted(registry) if subset == "all" or registry[n]["split"] == subset]
        wavs = _waveforms(names, root, download) if return_waveform else None

        b = self._builder(return_waveform, audio_fs)
        index = {}
        for u in units:
            index[u] = b.add_neuron(cell_id=u, experiment_set=stimuli, **espejo_cell_parts(u))
        for name in names:
            spec = registry[name]["spec"]
            T = spec.shape[1]
            if return_waveform:
                x = locked_waveform(wavs[name], audio_fs, T, exact_hop(audio_fs, dt_ms), int(round(0.5 * audio_fs)))
            else:
                x = spec[None].astype(np.float32)
            s = b.add_stim(x, name=name, type=stimuli, n_repeats=registry[name]["n_repeats"],
                           split=registry[name]["split"], duration_s=T * 0.01, n_samples=T)
            rows: dict = {}
            for site in sites:
                if name not in site["counts"]:
                    continue
                for u in site["units"]:
                    if u in index:
                        rows.setdefault(u, []).append(_unit_rows(site, u, name, T))
            for u, parts in rows.items():
                b.add_response(s, index[u], np.concatenate(parts, axis=0))
        self._finish(b, F, (200.0, 40000.0), smooth)


def _stim_registry(sites) -> dict:
    """``name -> n_repeats`` (the most in any site), ``split`` and ``spec`` (the first site's), for the
    names some site has a spectrogram of; a name is a test stimulus if some site repeated it as often as
    its most repeated stimulus (more than once)."""
    reg: dict = {}
    for site in sites:
        for name, count in site["counts"].items():
            r = reg.setdefault(name, {"n_repeats": 0, "test": False, "spec": None})
            r["n_repeats"] = max(r["n_repeats"], count)
            r["test"] |= count == site["site_max"] and site["site_max"] > 1
            if r["spec"] is None:
                r["spec"] = site["stims"].get(name)
    return {name: {"n_repeats": r["n_repeats"], "split": "test" if r["test"] else "estimation", "spec": r["spec"]}
            for name, r in reg.items() if r["spec"] is not None}


def _unit_rows(site: dict, unit: str, name: str, T: int) -> np.ndarray:
    """(occurrences, T) counts of ``unit`` for ``name`` in one archive, binned relative to each start."""
    ep = site["epochs"]
    rows = np.flatnonzero(ep["name"] == name)
    if site["spikes"] is not None:  # relative rule: bins counted from each epoch's own start
        t = np.sort(np.asarray(site["spikes"].get(unit, []), dtype=np.float64))
        starts = ep["start"][rows]
        n_bins = np.round((ep["end"][rows] - starts) / 0.01).astype(np.int64)
        return bin_window_rows(t, starts, n_bins, 10.0, unit="s", width=T)
    out = np.zeros((len(rows), T), dtype=np.float32)
    for r, i in enumerate(rows):
        a, z = epoch_bounds(ep["start"][i], ep["end"][i], 100.0)
        seg = site["raster"][a:z, site["col"][unit]][:T]
        out[r, : len(seg)] = seg
    return out


def _waveforms(names, root, download) -> dict:
    """``name -> wav path`` of every stimulus: on disk, or fetched from the baphy mirror with ``download``."""
    files = {name: name.removeprefix("STIM_") for name in names}  # the mirror's file names
    found = fetch_from_mirror("Espejo", list(files.values()), root, "nat_waveforms", True,
                              "Espejo stimulus name (from the site archives' epoch tables)", fetch=download)
    missing = [n for n, f in files.items() if f not in found]
    if missing:
        raise FileNotFoundError(f"Espejo waveform mode: no wav for {len(missing)} stimuli in "
                                f"{os.path.join(root, 'nat_waveforms')} (e.g. {missing[0]}); pass download=True to "
                                "fetch them from the baphy mirror (waveform mode never substitutes silence)")
    return {n: found[f] for n, f in files.items()}


def download_espejo(stimuli: str, dest: str | None = None) -> str:
    """Download and untar one Espejo release from Zenodo (NAT ~638 MB, VMN
    ~25 MB) into ``dest`` (default ``default_cache_dir('Espejo')``); return it.

    Parameters
    ----------
    stimuli : {'nat', 'vmn'}
        The release to fetch: natural sounds or vocalisation-modulated noise.
    dest : str, optional
        The dataset folder; default ``default_cache_dir('Espejo')``.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download Espejo`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_espejo
    >>> dest = "/data/Espejo"
    >>> folder = download_espejo("nat", dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("Espejo", tempfile.mkdtemp())
    'absent'
    """
    check_option("stimuli", stimuli, STIMULI)
    return download_dataset("Espejo", dest, groups=[stimuli])


def download_espejo_nat_waveforms(names: Sequence[str], dest: str | None = None, *,
                                  progress: bool = True) -> dict[str, str]:
    """Fetch the raw NAT waveforms from the LBHB baphy mirror.

    Parameters
    ----------
    names : sequence of str
        Stim names as in ``stim_meta`` (``STIM_<file>.wav``); the ``STIM_``
        prefix is stripped to get the mirror's file name.
    dest : str, optional
        Parent folder; wavs are cached under ``<dest>/nat_waveforms/``.
        Defaults to ``default_cache_dir('Espejo')``.
    progress : bool, default True
        Show a progress bar over the missing files.

    Returns
    -------
    dict
        ``name -> local wav path`` for every name found on the mirror. Each
        file is tried in the registry's sub-folders in order, first hit wins;
        names found nowhere are absent from the result (the dataset raises
        for them, so waveform mode never substitutes silence). Idempotent:
        a file already cached is not fetched again (files are moved into
        place only once complete).

    Examples
    --------
    The raw waveforms of named NAT stimuli (not run here: no example reaches the network):

    >>> from deepSTRF.datasets.audio import download_espejo_nat_waveforms
    >>> paths = download_espejo_nat_waveforms(["00cat78_rec1_alarm_clock_ringing_excerpt1.wav"], dest="/data/Espejo")  # doctest: +SKIP

    A name that is not one file name is refused before any request:

    >>> download_espejo_nat_waveforms(["../../etc/passwd"], dest="/data/Espejo")
    Traceback (most recent call last):
    ...
    deepSTRF._paths.UnsafeNameError: Espejo stimulus name '../../etc/passwd' cannot be used as a file name ...
    """
    files = {name: name.removeprefix("STIM_") for name in names}  # the mirror's file names
    found = fetch_from_mirror("Espejo", list(files.values()), dest, "nat_waveforms", progress,
                              what="Espejo stimulus name")
    return {name: found[f] for name, f in files.items() if f in found}
