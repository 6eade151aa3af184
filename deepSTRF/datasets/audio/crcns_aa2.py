"""CRCNS-AA2 (Gill et al. 2006; Amin et al. 2010): zebra finch OV, MLd,
Field L and CM, 494 units.

Source: CRCNS portal (free account), ``[AA2]`` in the registry.
"""

from __future__ import annotations

import os

from ...cache import cached_loader
from ...download import download_dataset
from ...io.crcns import index_class_folder, read_headerless_csv, read_spike_file
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import HEARING_RANGE_HZ, SPECIES, bin_trials, cell_parts, check_choices, check_common, stimulus
from ..evaluation import Evaluation

FIELD_L = ("L", "L1", "L2a", "L2b", "L3")
AREAS = ("Field_L", "L", "L1", "L2a", "L2b", "L3", "mld", "OV", "CM", "None")
CLASSES = ("conspecific", "flatrip", "songrip")


@cached_loader()
class CRCNSAA2Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for the CRCNS-AA2 recordings (OV, MLd, Field L, CM).

    494 spike-sorted single units of 57 male zebra finches: 143 MLd, 59 OV,
    189 Field L (L, L1, L2a, L2b, L3), 37 CM and 66 of unidentified area
    (``'None'``). Three stimulus classes: 72 conspecific songs, 20 flat
    ripples and 25 song ripples (mono 32-kHz wavs, 10-20 trials). Stimuli
    are mel spectrograms computed here; responses are spike counts per
    ``dt_ms`` bin from stimulus onset.

    Where we differ from the earlier loader: the three CSV tables have no
    header and are read as such (every line is data; a line may have more
    fields than the first), no cell is skipped when a stimulus class filter
    removes its neighbour, and stimuli are discovered from the selected
    cells only; plus the AA1 corrections (normalised 21-ms smoothing, exact
    binning, one time base for any ``dt_ms``, empty trials are zero rows).

    ``stim_meta``: ``name``, ``type``, and from ``stim_data.csv``
    ``sample_rate``, ``n_samples``, ``duration_s`` (None if not listed).
    ``nrn_meta``: ``cell_id``, ``animal_id``, ``area`` (region label),
    ``cell_seq``, ``rig``.

    Parameters
    ----------
    path : str, optional
        Folder with ``all_cells/``, ``all_stims/`` and the three tables;
        default ``default_cache_dir('AA2')``.
    areas : tuple of str or 'all', default ('Field_L', 'mld', 'OV', 'CM', 'None')
        'Field_L' (alias 'L': L, L1, L2a, L2b, L3), 'L1', 'L2a', 'L2b', 'L3',
        'mld', 'OV', 'CM', 'None'; 'all' = Field_L, OV, CM, mld, None.
    stimuli : tuple of {'conspecific', 'flatrip', 'songrip'}, default all three
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
    Gill et al. (2006). Sound representation methods for spectro-temporal
    receptive field estimation. J Comput Neurosci.
    Amin et al. (2010). Role of the zebra finch auditory thalamus in
    generating complex representations for natural sounds. J Neurophysiol.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``CRCNSAA2Dataset(path="/data/AA2", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import CRCNSAA2Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = CRCNSAA2Dataset(**fake_release("AA2", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (32, 1.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 32]), True)
    """

    registry = "AA2"
    evaluation = Evaluation(holdout_key="type", holdout_values=("conspecific",), ccmax="hsu", min_snr=0.1,
                            source="held-out songs (as AA1): every 5th conspecific song is a test stimulus; "
                                   "ceiling of Hsu, Borst & Theunissen 2004")

    def __init__(self, path: str | None = None, areas=("Field_L", "mld", "OV", "CM", "None"),
                 stimuli=("conspecific", "flatrip", "songrip"), animals="all", dt_ms=1, smooth=True, n_mels=32,
                 compression="cubic", window_ms: float = 10.0, return_waveform: bool = False, audio_fs: int = 32000,
                 download: bool = False, username: str | None = None, password: str | None = None, cache: bool = True):
        areas = ["Field_L", "OV", "CM", "mld", "None"] if areas == "all" else check_choices("areas", areas, AREAS)
        classes = check_choices("stimuli", stimuli, CLASSES)
        check_common(dt_ms, n_mels, compression, window_ms, return_waveform, audio_fs)
        super().__init__(path, float(dt_ms))
        tables = ["cell_regions.csv", "cell_stim_classes.csv", "stim_data.csv"]
        root = self._open_release(path, download, ["all_cells", "all_stims"] + tables, username=username,
                                  password=password)
        regions = get_area_cells(os.path.join(root, "cell_regions.csv"))
        birds = get_animals_ids(os.path.join(root, "cell_stim_classes.csv"))
        wanted = set(birds) if animals == "all" else set([animals] if isinstance(animals, str) else animals)
        unknown = sorted(wanted - set(birds))
        if unknown:
            raise ValueError(f"animals {unknown} are not in cell_stim_classes.csv; animals: {', '.join(birds)}")
        cells = []  # (region, cell, {class: {wav: spike path}})
        for entry in areas:
            for region in (FIELD_L if entry in ("Field_L", "L") else (entry,)):
                for cell in regions.get(region, []):
                    folder = os.path.join(root, "all_cells", cell)
                    if not os.path.isdir(folder):
                        raise FileNotFoundError(f"AA2: cell {cell} of cell_regions.csv has no folder {folder}")
                    if cell.split("_")[0] not in wanted:
                        continue
                    idx = {c: index_class_folder(os.path.join(folder, c)) for c in classes
                           if os.path.isdir(os.path.join(folder, c))}
                    if idx:
                        cells.append((region, cell, idx))
        if not cells:
            raise ValueError(f"AA2: no cell matches areas={areas}, stimuli={classes}, animals={animals!r}")
        table = load_stim_data_csv(os.path.join(root, "stim_data.csv"))
        b = self._builder(return_waveform, audio_fs)
        for region, cell, _ in cells:
            b.add_neuron(cell_id=cell, area=region, **cell_parts(cell))
        for c in classes:
            for wav in _discover(cells, c):
                path_wav = os.path.join(root, "all_stims", wav)
                if not os.path.isfile(path_wav):
                    raise FileNotFoundError(f"AA2: {wav} ({c}) is used by a selected cell but missing from "
                                            f"{os.path.join(root, 'all_stims')}")
                x, T, _ = stimulus(path_wav, self.dt_ms, n_mels, window_ms, compression, return_waveform, audio_fs)
                row = table.get(wav)
                meta = {k: (None if row is None else row[k]) for k in ("sample_rate", "n_samples", "duration_s")}
                s = b.add_stim(x, name=wav, type=c, **meta)
                for n, (_, _, idx) in enumerate(cells):
                    spikes = idx.get(c, {}).get(wav)
                    if spikes:
                        b.add_response(s, n, bin_trials(read_spike_file(spikes), self.dt_ms, T))
        self.species = SPECIES
        self._finish(b, n_mels, HEARING_RANGE_HZ, smooth)


def _discover(cells, c: str) -> list[str]:
    """Wavs of class ``c`` in discovery order (cells in folder-name order, stimK in string
    order) that at least one selected cell has spikes for."""
    out: dict[str, None] = {}
    for _, _, idx in sorted(cells, key=lambda e: e[1]):
        for wav, spikes in idx.get(c, {}).items():
            if spikes:
                out.setdefault(wav, None)
    return list(out)


def get_animals_ids(file_path: str) -> list[str]:
    """Unique bird ids (text before the first '_') of the first column of the
    header-less ``cell_stim_classes.csv``, in first-seen order."""
    ids: list[str] = []
    for row in read_headerless_csv(file_path):
        bird = row[0].split("_")[0]
        if bird not in ids:
            ids.append(bird)
    return ids


def get_area_cells(file_path: str) -> dict[str, list[str]]:
    """``{region: [cells]}`` from the header-less ``cell_regions.csv`` (row order kept)."""
    out: dict[str, list[str]] = {}
    for row in read_headerless_csv(file_path):
        if len(row) < 2:
            raise ValueError(f"{file_path}: expected '<cell>,<region>' lines; got {','.join(row)!r}")
        out.setdefault(row[1], []).append(row[0])
    return out


def get_stim_ids_from_folders(cells_path: str, verbose: bool = False) -> dict[str, list[str]]:
    """``{class: [wav names]}`` over every cell folder of ``all_cells/`` (discovery order)."""
    out: dict[str, list[str]] = {c: [] for c in CLASSES}
    for cell in sorted(os.listdir(cells_path)):
        for c in CLASSES:
            folder = os.path.join(cells_path, cell, c)
            if os.path.isdir(folder):
                for wav in index_class_folder(folder):
                    if wav not in out[c]:
                        out[c].append(wav)
    if verbose:
        print(", ".join(f"{c}: {len(v)}" for c, v in out.items()))
    return out


def get_stims_ids_from_csv(file_path: str) -> dict[str, list[str]]:
    """``{class: [wav names]}`` from the header-less ``stim_data.csv``."""
    out: dict[str, list[str]] = {}
    for row in read_headerless_csv(file_path):
        out.setdefault(row[4] if len(row) > 4 else "unknown", []).append(row[0])
    return out


def load_stim_data_csv(file_path: str) -> dict[str, dict]:
    """``{wav: {sample_rate, bit_depth, n_samples, duration_s}}`` from the header-less ``stim_data.csv``."""
    out = {}
    for row in read_headerless_csv(file_path):
        if len(row) < 4:
            raise ValueError(f"{file_path}: expected '<wav>,<rate>,<bits>,<samples>,<class>' lines; got {row!r}")
        rate, n = float(row[1]), int(row[3])
        out[row[0]] = {"sample_rate": rate, "bit_depth": int(row[2]), "n_samples": n, "duration_s": n / rate}
    return out


def download_aa2(dest: str | None = None, username: str | None = None, password: str | None = None) -> str:
    """Download the three CRCNS-AA2 archives (docs, ``all_cells``,
    ``all_stims``; ~30 MB) and extract them into ``dest`` without their
    ``crcns/aa2/`` wrapper.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA2')``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download AA2`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_aa2
    >>> dest = "/data/AA2"
    >>> folder = download_aa2(dest, username="me", password="...")  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("AA2", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("AA2", dest, username=username, password=password)
