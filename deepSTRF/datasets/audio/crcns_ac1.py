"""CRCNS-AC1 (Machens, Wehr & Zador 2004; Asari & Zador 2009): rat A1
whole-cell membrane potential and MGB cell-attached spikes to natural sounds.

Source: CRCNS portal (free account), three zips (``[AC1]``).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..._checks import check_positive, check_waveform_args, exact_hop
from ..._paths import dataset_root
from ...cache import cached_loader
from ...download import download_dataset, unpack_dataset
from ...dsp.intracellular import RepeatGating, clean
from ...dsp.spectrogram import goertzel_spectrogram
from ...paradigm import AudioNeuralDataset
from ..release import Release
from . import asari, wehr
from ._crcns import check_choices
from ._waveforms import lock_to_grid
from .wehr import WEHR_NEURONS_SPLIT_NATURAL, WEHR_VALID_NEURONS  # noqa: F401  (re-exported)
from ..evaluation import Evaluation

SUBTREES = (("crcns-ac1.zip", "crcns-ac1", "crcns-ac1/wehr/Summary.mat"),
            ("crcns-ac1-asari-results-1.zip", "crcns-ac1-asari-results-1", "crcns-ac1-asari-results-1/asari-results-1"),
            ("crcns-ac1-asari-results-2.zip", "crcns-ac1-asari-results-2", "crcns-ac1-asari-results-2/asari-results-2"))


@cached_loader()
class CRCNSAC1Dataset(Release, AudioNeuralDataset):
    """Unified loader for the Wehr + Asari subsets of CRCNS-AC1.

    Anaesthetised rat: Wehr, A1 whole-cell membrane potential at 4 kHz
    (natural-sound fragments of 7.5-15 s, action potentials blocked);
    Asari, A1 whole-cell and MGB cell-attached recordings at 10 kHz of
    sequences of five spliced natural-sound segments (97 656 Hz). The signal
    follows each cell's recording mode (``nrn_meta['signal_type']``):
    ``'subthresh'`` = detrended Vm in mV (signed; pair with MSE) for
    whole-cell cells, ``'spikes'`` = a smoothed spike count per bin
    (non-negative; pair with Poisson) for cell-attached cells;
    ``self.signal_type`` is the common type or ``'mixed'`` (with a warning).
    Every repeat is MedGauss-detrended and gated (:class:`RepeatGating`);
    ``self.rejections`` counts the reasons. Stimuli heard by several cells
    are stored once. Spectrogram: single-frequency DFTs at log-spaced
    centres (``fmin`` to ``fmax``, ``bins_per_octave``; F = 53 by default),
    frame k at exactly ``k * dt_ms``, dB.

    Where we differ from the earlier loader: the repeat-consistency test
    compares each repeat with the others that passed the artefact tests
    only (one artefact cannot reject good repeats); cell-attached events
    are upward threshold crossings (one per spike, not every sample above
    threshold), on a trace detrended once, counted per bin and smoothed with
    the normalised 21-ms Hann window; spectrogram bands above a stimulus's
    Nyquist frequency hold the floor value instead of aliased energy.

    Parameters
    ----------
    path : str, optional
        Folder with the three zips or their extracted folders; default
        ``default_cache_dir('CRCNS_AC1')``. Zips are extracted on first load.
    experimenter : str or iterable of {'wehr', 'asari'}, default both
        Keep these experimenters' cells.
    sites : str or iterable of {'A1', 'MGB'}, default both
        Keep cells recorded at these sites.
    dt_ms : float, default 5.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
    fmin, fmax : float, default 100, 45000
        Lowest and highest centre frequencies of the Goertzel spectrogram, in Hz.
    bins_per_octave : int, default 6
        Spectrogram bands per octave.
    window_ms : float, optional
        Length of the spectrogram's analysis window, in ms, independent of the ``dt_ms`` hop.
        Default ``2 * dt_ms``.
    detrend_med_ms, detrend_gauss_ms : float, default 100, 10
        The MedGauss detrend of the traces: a running median of ``detrend_med_ms``,
        then a Gaussian of ``detrend_gauss_ms`` (sigma), subtracted.
    gating : RepeatGating, optional
        Artefact-rejection thresholds of the repeats; default ``RepeatGating()``.
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
    audio_fs : int, default 96000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
        The source waveforms (Asari 97 656 Hz, Wehr otherwise) are resampled to it.
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
    Machens, Wehr & Zador (2004). J Neurosci 24:1089. Asari & Zador (2009).
    J Neurophysiol 102:2638. Rançon, Masquelier & Cottereau (2025). Commun
    Biol 8:1456.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``CRCNSAC1Dataset(path="/data/AC1", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import CRCNSAC1Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = CRCNSAC1Dataset(**fake_release("AC1", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (53, 5.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 53]), True)
    """

    registry = "AC1"
    evaluation = Evaluation(ccmax="schoppe", min_snr=0.1,
                            source="no published split in the release: every 5th stimulus is held out")

    def __init__(self, path: str | None = None, experimenter=("wehr", "asari"), sites=("A1", "MGB"),
                 dt_ms: float = 5.0, fmin: float = 100.0, fmax: float = 45000.0, bins_per_octave: int = 6,
                 window_ms: float | None = None, detrend_med_ms: float = 100.0, detrend_gauss_ms: float = 10.0,
                 gating: RepeatGating | None = None, return_waveform: bool = False, audio_fs: int = 96000,
                 download: bool = False, username: str | None = None, password: str | None = None, cache: bool = True):
        experimenters = check_choices("experimenter", experimenter, ("wehr", "asari"))
        site_list = check_choices("sites", sites, ("A1", "MGB"))
        check_positive("dt_ms", dt_ms)
        check_positive("bins_per_octave", bins_per_octave, integer=True)
        if not 0 < fmin < fmax:
            raise ValueError(f"need 0 < fmin < fmax (Hz); got fmin={fmin!r}, fmax={fmax!r}")
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        gating = gating or RepeatGating()
        super().__init__(path, float(dt_ms))
        root = dataset_root(path, self.folder_name())
        self.path = root
        _ensure_extracted(root, download, username, password,
                          self._remedy(root, None, "all three zips are needed whatever the subset"))
        cells = []
        if "wehr" in experimenters and "A1" in site_list:
            cells += [(wehr, c) for c in wehr.cells(root)]
        if "asari" in experimenters:
            cells += [(asari, c) for c in asari.cells(root, site_list)]
        self.rejections: dict = {}
        kept, registry = [], {}  # registry: key -> {'entry', 'module', 'T_resp'}
        for module, cell in cells:
            responses = {}
            for key, entry in cell["stimuli"].items():
                r = clean(entry["repeats"], cell["rate"], cell["meta"]["signal_type"], self.dt_ms, detrend_med_ms,
                          detrend_gauss_ms, gating, self.rejections)
                if r is None:
                    continue
                responses[key] = r
                reg = registry.setdefault(key, {"entry": entry, "module": module, "T_resp": r.shape[1]})
                reg["T_resp"] = min(reg["T_resp"], r.shape[1])
            if responses:
                kept.append((cell, responses))
        if not kept:
            raise ValueError(f"AC1: no cell with a usable natural-sound response for experimenter="
                             f"{experimenters}, sites={site_list} in {root}")
        b = self._builder(return_waveform, audio_fs)
        for cell, _ in kept:
            b.add_neuron(**cell["meta"])
        index = {}
        for key, reg in registry.items():
            x, rate = reg["module"].waveform(reg["entry"], root)
            step = self.dt_ms * rate / 1000.0
            candidates = [int(np.round(reg["entry"]["duration_ms"] / self.dt_ms)), int(np.ceil(len(x) / step - 1e-9)),
                          reg["T_resp"]]
            T = min(c for c in candidates if c > 0)
            if return_waveform:
                arr = lock_to_grid(x, rate, audio_fs, T, exact_hop(audio_fs, self.dt_ms))
            else:
                arr = goertzel_spectrogram(x, rate, self.dt_ms, fmin, fmax, bins_per_octave, window_ms, T)[None]
            index[key] = (b.add_stim(arr, **reg["entry"]["meta"]), T)
        for n, (cell, responses) in enumerate(kept):
            for key, r in responses.items():
                s, T = index[key]
                b.add_response(s, n, r[:, :T])
        types = sorted({c["meta"]["signal_type"] for c, _ in kept})
        self.signal_type = types[0] if len(types) == 1 else "mixed"
        if self.signal_type == "mixed":
            warnings.warn("AC1: whole-cell (mV) and cell-attached (spike) neurons are loaded together; "
                          "select by nrn_meta['signal_type'] before training one model", RuntimeWarning, stacklevel=2)
        self.species = "rat"
        n_bands = goertzel_spectrogram(np.zeros(8), 1000.0, 1.0, fmin, fmax, bins_per_octave).shape[0]
        self._finish(b, n_bands, (250.0, 76000.0))


def _ensure_extracted(root: str, download: bool, username, password, remedy: str) -> None:
    """Each subtree, or its zip (extracted now), or with ``download=True`` the zips from CRCNS."""
    missing = [(z, d, done) for z, d, done in SUBTREES if not os.path.exists(os.path.join(root, done))]
    if missing and download and any(not os.path.exists(os.path.join(root, z)) for z, _, _ in missing):
        download_ac1(root, username=username, password=password)
    absent = [f"neither {os.path.join(root, done)} nor {os.path.join(root, z)} exists"
              for z, _, done in missing if not os.path.exists(os.path.join(root, z))]
    if absent:
        raise FileNotFoundError("AC1: missing under " + root + ": " + "; ".join(absent) + "\n" + remedy)
    if missing:
        unpack_dataset("AC1", root)  # each zip into the folder named after it (markers, safe extraction)


def download_ac1(dest: str | None = None, *, username: str | None = None, password: str | None = None) -> str:
    """Fetch the three CRCNS-AC1 zips into ``dest`` (default
    ``default_cache_dir('CRCNS_AC1')``). Extraction is left to the dataset
    class, which unpacks each zip into a folder named after it on first load.

    Parameters
    ----------
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.
    dest : str, optional
        The dataset folder; default ``default_cache_dir('CRCNS_AC1')``.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download AC1`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_ac1
    >>> dest = "/data/AC1"
    >>> folder = download_ac1(dest, username="me", password="...")  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("AC1", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("AC1", dest, username=username, password=password, extract=False)
