"""CRCNS-AA1 (Woolley et al. 2005): zebra finch Field L and MLd, 100 units,
conspecific songs and flat ripples.

Source: CRCNS portal (free account), ``[AA1]`` in the registry.
"""

from __future__ import annotations

import os

from ...cache import cached_loader
from ...download import download_dataset
from ...io.crcns import index_class_folder, read_spike_file
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import HEARING_RANGE_HZ, SPECIES, bin_trials, cell_parts, check_choices, check_common, stimulus
from ..evaluation import Evaluation

AREAS = ("Field_L", "MLd")
CLASSES = ("conspecific", "flatrip")


@cached_loader()
class CRCNSAA1Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for the CRCNS-AA1 recordings.

    Extracellular, spike-sorted single units of anesthetized adult male
    zebra finches: 50 in Field L and 50 in MLd, recorded with 10 conspecific
    songs and 20 flat ripples (mono 32-kHz wavs up to ~5 s, ~10 trials each).
    Two cells have no conspecific data (``pipu1018_2_A``, ``pipu1018_2_B``).
    Stimuli are mel spectrograms ``(1, n_mels, T)`` computed here (window
    ``window_ms`` decoupled from the ``dt_ms`` hop, HTK mel, ``compression``);
    responses are spike counts per ``dt_ms`` bin from stimulus onset.

    Where we differ from the earlier loader: smoothing (``smooth=True``) is
    the normalised 21-ms Hann window (the earlier one scaled responses ~10x);
    spikes are binned in exact arithmetic (a spike on a bin edge goes to the
    later bin); spectrogram frames and response bins share one time base for
    any ``dt_ms``; empty trials are zero rows.

    ``stim_meta``: ``name``, ``type``, ``sample_rate``, ``n_samples``,
    ``duration_s``. ``nrn_meta``: ``cell_id``, ``animal_id``, ``area``,
    ``cell_seq``, ``rig``.

    Parameters
    ----------
    path : str, optional
        Folder with ``Field_L_cells/``, ``MLd_cells/`` and ``all_stims/``;
        default ``default_cache_dir('AA1')``.
    areas : tuple of {'Field_L', 'MLd'}, default both
        Keep cells of these areas.
    stimuli : tuple of {'conspecific', 'flatrip'}, default both
        Keep these stimulus classes.
    animals : 'all' or sequence of str, default 'all'
        Keep cells of these animals (see ``get_animals_ids``).
    dt_ms : float, default 1
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
    smooth : bool, default True
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    n_mels : int, default 32
        Number of mel bands ``F`` of the spectrogram.
    compression : {'cubic', 'log1p', 'none'}, default 'cubic'
        Compression of the band energies: ``'cubic'`` (cube root), ``'log1p'`` (``log(1 + x)``) or ``'none'``.
    window_ms : float, default 10.0
        Length of the spectrogram's analysis window, in ms, independent of the ``dt_ms`` hop.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
    audio_fs : int, default 32000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From the CRCNS portal (a free account).
    username, password : str, optional
        CRCNS credentials, else ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD`` (a free account:
        https://crcns.org/register); sent only to the CRCNS host over https, never stored.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Woolley et al. (2005). Tuning for spectro-temporal modulations as a
    mechanism for auditory discrimination of natural sounds. Nat Neurosci.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``CRCNSAA1Dataset(path="/data/AA1", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import CRCNSAA1Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = CRCNSAA1Dataset(**fake_release("AA1", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (32, 1.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 32]), True)
    """

    registry = "AA1"
    evaluation = Evaluation(holdout_key="type", holdout_values=("conspecific",), ccmax="hsu", min_snr=0.1,
                            source="held-out songs, as the Theunissen lab's STRF papers (Hsu et al. 2004): every "
                                   "5th conspecific song is a test stimulus; ceiling of Hsu, Borst & Theunissen 2004")

    def __init__(self, path: str | None = None, areas=("Field_L", "MLd"), stimuli=("conspecific", "flatrip"),
                 animals="all", dt_ms=1, smooth=True, n_mels=32, compression="cubic", window_ms: float = 10.0,
                 return_waveform: bool = False, audio_fs: int = 32000, download: bool = False,
                 username: str | None = None, password: str | None = None, cache: bool = True):
        areas = check_choices("areas", areas, AREAS)
        classes = check_choices("stimuli", stimuli, CLASSES)
        check_common(dt_ms, n_mels, compression, window_ms, return_waveform, audio_fs)
        super().__init__(path, float(dt_ms))
        root = self._open_release(path, download, [f"{a}_cells" for a in areas] + ["all_stims"], username=username,
                                  password=password)
        wanted = None if animals == "all" else set([animals] if isinstance(animals, str) else animals)
        if wanted is not None:
            unknown = sorted(wanted - set(get_animals_ids(root)))
            if unknown:
                raise ValueError(f"animals {unknown} are not in {root}; animals: {', '.join(get_animals_ids(root))}")
        cells = []  # (area, cell, {class: {wav: spike path}})
        for area in areas:
            folder = os.path.join(root, f"{area}_cells")
            for cell in sorted(os.listdir(folder)):
                if not os.path.isdir(os.path.join(folder, cell)):
                    continue
                if wanted is not None and cell_parts(cell)["animal_id"] not in wanted:
                    continue
                idx = {c: index_class_folder(os.path.join(folder, cell, c)) for c in classes
                       if os.path.isdir(os.path.join(folder, cell, c))}
                if idx:
                    cells.append((area, cell, idx))
        if not cells:
            raise ValueError(f"AA1: no cell in {root} matches areas={areas}, stimuli={classes}, "
                             f"animals={animals!r}")
        b = self._builder(return_waveform, audio_fs)
        for area, cell, _ in cells:
            b.add_neuron(cell_id=cell, area=area, **cell_parts(cell))
        for c in classes:
            stim_dir = os.path.join(root, "all_stims", c)
            on_disk = set(os.listdir(stim_dir)) if os.path.isdir(stim_dir) else set()
            for _, cell, idx in cells:
                absent = sorted(set(idx.get(c, {})) - on_disk)
                if absent:
                    raise FileNotFoundError(f"AA1: cell {cell} ({c}) points to {absent[0]}, which is not in "
                                            f"{stim_dir}; re-extract crcns-aa1.zip")
            for wav in sorted(on_disk):
                heard = [n for n, (_, _, idx) in enumerate(cells) if idx.get(c, {}).get(wav)]
                if not heard:
                    continue  # nobody selected heard it
                x, T, info = stimulus(os.path.join(stim_dir, wav), self.dt_ms, n_mels, window_ms, compression,
                                      return_waveform, audio_fs)
                s = b.add_stim(x, name=wav, type=c, **info)
                for n in heard:
                    b.add_response(s, n, bin_trials(read_spike_file(cells[n][2][c][wav]), self.dt_ms, T))
        self.species = SPECIES
        self._finish(b, n_mels, HEARING_RANGE_HZ, smooth)


def get_animals_ids(data_path: str) -> list[str]:
    """Unique animal ids (text before the first '_') of the cell folders of
    ``Field_L_cells/`` and ``MLd_cells/`` under ``data_path``, in first-seen order."""
    ids: list[str] = []
    for area in AREAS:
        folder = os.path.join(data_path, f"{area}_cells")
        for cell in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            a = cell.split("_")[0]
            if a not in ids:
                ids.append(a)
    return ids


def download_aa1(dest: str | None = None, username: str | None = None, password: str | None = None) -> str:
    """Download ``crcns-aa1.zip`` (~17 MB) from the CRCNS portal and unzip it
    into ``dest`` (its single top-level folder stripped, so ``Field_L_cells/``,
    ``MLd_cells/`` and ``all_stims/`` land in ``dest``).

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA1')``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
        Free account at https://crcns.org/register. Never stored or logged.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download AA1`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_aa1
    >>> dest = "/data/AA1"
    >>> folder = download_aa1(dest, username="me", password="...")  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("AA1", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("AA1", dest, username=username, password=password)
