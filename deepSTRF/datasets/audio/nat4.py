"""NAT4 (Pennington & David 2022, 2023): ferret A1 (849 cells) and PEG (398
cells), 575 estimation sounds heard once and 18 validation sounds heard 20
times.

Sources: Zenodo record 8044773 (``[NAT4]`` in the registry), anonymous;
per-area file groups ``A1`` / ``PEG`` and the optional ``wav`` group.
"""

from __future__ import annotations

import glob
import os

import numpy as np

from ..._checks import check_fixed, check_option, check_waveform_args, exact_hop
from ..._paths import dataset_root
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.binning import bin_windows
from ...io.lbhb import nat4_cell_parts, read_auditory_flags
from ...io.nems import RecordingError, epoch_bounds, read_recording
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._waveforms import StimWavs
from ..evaluation import Evaluation

AREAS = ("A1", "PEG")
DT_MS = 10.0  # the population recording's bin width
SUBSETS = ("all", "est", "val")


@cached_loader()
class NAT4Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for NAT4 (Pennington & David, 2022 / 2023).

    Awake ferret auditory cortex, single units recorded site by site: A1
    (849 cells, 777 flagged auditory) or PEG (398, 339 auditory); one
    instance covers one area (``area=``), concatenate two for both. 593
    natural sounds of 1 s inside 1.5-s trials (0.25 s silence either side):
    575 estimation sounds (``subset='est'``, R = 1, from the population
    recording) and 18 validation sounds (``'val'``, R = 20, rasterised from
    the per-site spike times). Spectrogram: F = 18 ozgf (gammatone) bands,
    T = 150 bins of 10 ms, ``log(1 + x)`` then one global min-max to [0, 1].

    Where we differ from the earlier loader: est and val responses are on
    one scale, spike counts per 10-ms bin as recorded (the earlier loader
    min-max-normalised est over the whole population matrix but left val as
    raw counts); normalise explicitly with ``normalize_responses``.
    ``smooth=True`` uses the normalised Hann window of ``smooth_responses``
    (the earlier kernel was a no-op at 10 ms). 33 A1 cells have no val data
    (their val entries are sentinels).

    ``stim_meta``: ``name`` (epoch name), ``subset``. ``nrn_meta``:
    ``cell_id``, ``area``, ``auditory``, ``site``, ``animal``, ``electrode``,
    ``unit_in_electrode``.

    Parameters
    ----------
    path : str, optional
        Folder with ``<area>_NAT4_ozgf.fs100.ch18.tgz`` (or the extracted
        folder), ``<area>_pred_correlation.csv`` and ``<area>_single_sites/``;
        default ``default_cache_dir('NAT4')`` (``$DEEPSTRF_DATA_DIR`` overrides).
    area : {'A1', 'PEG'}, default 'A1'
        The recorded area; one instance holds one area (concatenate two for both).
    dt_ms : float, default 10.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        Must be 10.0: the population recording is rasterised at 10 ms.
    smooth : bool, default False
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From Zenodo 8044773; sizes and MD5s checked.
    subset : {'all', 'est', 'val'}, default 'all'
        Estimation stimuli (R = 1), validation stimuli (R = 20) or both;
        ``'est'`` skips the per-site archives entirely.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
        The ``wav/`` sounds, placed after the 0.25-s pre-stimulus silence: ``(1, 150 * hop)``.
    audio_fs : int, default 44100
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Pennington & David (2023). A convolutional neural network provides a
    generalizable model of natural sound coding by neural populations in
    auditory cortex. PLoS Comput Biol.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``NAT4Dataset(path="/data/NAT4", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import NAT4Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = NAT4Dataset(**fake_release("NAT4", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (18, 10.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 18]), True)
    """

    registry = "NAT4"
    evaluation = Evaluation("subset", ("est",), ("val",), ccmax="schoppe", min_snr=0.1,
                            loader_kwargs={"area": "A1"},
                            source="Pennington & David 2023: fit on the est sounds (one population model), "
                                   "score on the 18 val sounds (20 repeats)")

    def __init__(self, path: str | None = None, area: str = "A1", dt_ms: float = 10.0, smooth: bool = False,
                 download: bool = False, subset: str = "all", return_waveform: bool = False,
                 audio_fs: int = 44100, cache: bool = True):
        check_option("area", area, AREAS)
        check_option("subset", subset, SUBSETS)
        check_fixed("dt_ms", dt_ms, 10.0, "NAT4", "the population recording is rasterised at 10 ms")
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        super().__init__(path, dt_ms)
        self.area, self.subset = area, subset
        root = dataset_root(path, self.folder_name())
        pop = f"{area}_NAT4_ozgf.fs100.ch18"
        pop_path = os.path.join(root, pop + ".tgz")
        if not os.path.exists(pop_path) and os.path.isdir(os.path.join(root, pop)):
            pop_path = os.path.join(root, pop)  # the population recording, already extracted
        needed = [os.path.basename(pop_path), f"{area}_pred_correlation.csv"]
        needed += [f"{area}_single_sites"] if subset != "est" else []
        needed += ["wav"] if return_waveform else []
        self._open_release(path, download, needed, groups=[area] + (["wav"] if return_waveform else []))

        rec = read_recording(pop_path, signals=("resp", "stim"))
        resp, stim = rec.signal("resp"), rec.signal("stim")
        if resp.raster is None or stim.raster is None or resp.epochs is None:
            raise RecordingError(f"{pop_path}: the population recording needs resp and stim CSVs and an epoch table")
        cells = resp.chans
        spec = np.log1p(stim.raster.astype(np.float64))
        lo, hi = np.nanmin(spec), np.nanmax(spec)
        if hi > lo:
            spec = (spec - lo) / (hi - lo)
        ep = resp.epochs
        est = _unique([n for n in ep["name"] if n.startswith("STIM_cat")])
        val = _unique([n for n in ep["name"] if n.startswith("STIM_00cat")])
        names = {"all": est + val, "est": est, "val": val}[subset]
        first = {n: i for i, n in reversed(list(enumerate(ep["name"])))}

        b = self._builder(return_waveform, audio_fs)
        auditory = read_auditory_flags(os.path.join(root, f"{area}_pred_correlation.csv"))
        for cid in cells:
            b.add_neuron(cell_id=cid, area=area, auditory=auditory.get(cid, False), **nat4_cell_parts(cid))
        pre, wavs = 0.0, None
        if return_waveform:
            pre_rows = np.flatnonzero(ep["name"] == "PreStimSilence")
            pre = float(ep["end"][pre_rows[0]] - ep["start"][pre_rows[0]]) if len(pre_rows) else 0.0
            wavs = StimWavs(os.path.join(root, "wav"), audio_fs, exact_hop(audio_fs, dt_ms), pre)
        T = {}
        for name in names:
            a, z = epoch_bounds(ep["start"][first[name]], ep["end"][first[name]], resp.fs)
            T[name] = z - a
            if return_waveform:
                x = wavs.locked(name, z - a)
            else:
                x = spec[a:z].T[None].astype(np.float32)
            b.add_stim(x, name=name, subset="est" if name in est else "val")
        for s, name in enumerate(names):
            if name not in est:
                continue
            a, z = epoch_bounds(ep["start"][first[name]], ep["end"][first[name]], resp.fs)
            block = resp.raster[a:z]  # (T, N) raw counts per 10 ms
            heard = ~np.all(np.isnan(block), axis=0)
            for n in np.flatnonzero(heard):
                b.add_response(s, int(n), block[:, n][None])
        if subset != "est":
            self._add_val(b, root, area, cells, names, val, T)
        self._finish(b, 18, (200.0, 40000.0), smooth)

    @staticmethod
    def _add_val(b, root, area, cells, names, val, T):
        """Each site's spike times in 10-ms bins from every val epoch's start (on the 1-kHz sample grid)."""
        index = {cid: n for n, cid in enumerate(cells)}
        sites = sorted(glob.glob(os.path.join(root, f"{area}_single_sites", "*.tgz")))
        if not sites:
            raise FileNotFoundError(f"NAT4: no per-site archive in {os.path.join(root, f'{area}_single_sites')}; "
                                    "pass download=True or re-extract the single-sites zip")
        stim_of = {name: s for s, name in enumerate(names)}
        for site in sites:
            rec = read_recording(site, signals=("resp",))
            sig = rec.signal("resp")
            if sig.arrays is None or sig.epochs is None:
                raise RecordingError(f"{site}: expected spike times (resp.h5) and an epoch table")
            end_s = sig.total_samples() / sig.fs  # spike times past the recording's end are dropped
            ep = sig.epochs
            rows = {}
            for name in val:
                rows[name] = np.flatnonzero(ep["name"] == name)
                if not len(rows[name]):
                    raise RecordingError(f"{site}: val sound {name} is never played")
            for cid in sig.chans:
                if cid not in index or cid not in sig.arrays:
                    continue
                spikes = np.sort(sig.arrays[cid])
                for name in val:
                    # 10-ms bins from the epoch start on the recording's sample grid (round(start * fs))
                    origins = np.round(ep["start"][rows[name]] * sig.fs) / sig.fs
                    counts, _ = bin_windows(spikes, origins, T[name], DT_MS, unit="s", ends=np.minimum(
                        origins + T[name] * DT_MS / 1000.0, end_s))
                    b.add_response(stim_of[name], index[cid], counts.reshape(len(origins), T[name]))


def _unique(seq):
    return list(dict.fromkeys(seq))


def download_nat4(area: str, dest: str | None = None, wav: bool = False) -> str:
    """Download the NAT4 release of one area from Zenodo into ``dest``.

    Fetches ``<area>_NAT4_ozgf.fs100.ch18.tgz``, ``<area>_pred_correlation.csv``
    and ``<area>_single_sites.zip`` (unpacked to ``<area>_single_sites/``);
    with ``wav=True`` also ``wav.zip`` (unpacked to ``wav/``). Sizes and MD5s
    are read from the Zenodo record and checked. Idempotent.

    Parameters
    ----------
    area : {'A1', 'PEG'}
        The area whose files to fetch.
    dest : str, optional
        Defaults to ``default_cache_dir('NAT4')``.
    wav : bool, default False
        Also fetch the 593 source waveforms (waveform mode only).

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download NAT4`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_nat4
    >>> dest = "/data/NAT4"
    >>> folder = download_nat4("A1", dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("NAT4", tempfile.mkdtemp())
    'absent'
    """
    check_option("area", area, AREAS)
    return download_dataset("NAT4", dest, groups=[area] + (["wav"] if wav else []))
