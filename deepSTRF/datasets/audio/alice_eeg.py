"""Alice EEG (Brodbeck et al. 2023 restructure of Bhattasali et al. 2020):
33 listeners, 61 EEG channels, 12 audiobook segments.

Sources: four zips on UMd DRUM (``[AliceEEG]``), anonymous, ~2.5 GiB.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..._checks import check_option, check_positive, check_waveform_args, exact_hop
from ...cache import cached_loader
from ...download import download_dataset
from ...dsp.gammatone import gammatone_gram
from ...dsp.resample import resample
from ...dsp.spectrogram import erb_gaussian_spectrogram
from ...io.fif import FifFormatError, mne_module, read_eeg
from ...io.wav import read_wav
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import working_rate
from ._waveforms import lock_to_grid
from ..evaluation import Evaluation

LAYOUTS = ("neurons", "repeats")
BACKENDS = ("gaussian", "heeris")


@cached_loader()
class AliceEEGDataset(Release, AudioNeuralDataset):
    """PyTorch dataset for EEG from the Alice audiobook listening paradigm.

    33 adults listened to the first chapter of *Alice in Wonderland*
    (~12.4 min) in 12 segments, recorded with 61 EEG channels (500 Hz);
    each subject heard each segment once (R = 1). Brodbeck et al.'s (2023)
    restructured release: per-subject MNE ``.fif`` files (bad channels,
    segment-onset and BAD annotations) and the 12 wavs. EEG is filtered
    (``hp_freq_hz``, ``lp_freq_hz``; MNE defaults), resampled to
    ``1000 / dt_ms`` Hz and cut at each segment onset to the stimulus's T;
    values in volts. Bad channels are sentinels; BAD windows are NaN inside
    responses (the metrics are NaN-aware). Stimuli: a log ERB-spaced
    Gaussian filterbank spectrogram (``spec_backend='gaussian'``) or the
    Slaney/Heeris gammatone-gram (``'heeris'``).

    ``treat_subjects_as='neurons'``: every (subject, channel) is a neuron;
    ``'repeats'``: channels are neurons and subjects repeats (inter-subject
    reliability, not trial reliability).

    Where we differ from the earlier loader: annotation onsets are taken
    relative to the recording's first sample (``first_samp``); a subject
    missing some segment annotations gets sentinels for those segments and
    a warning instead of failing the load; the Heeris backend needs no
    extra package (deepSTRF's own gammatone bank).

    ``stim_meta``: ``name``, ``type``, ``sample_rate``, ``n_samples``,
    ``duration_s``. ``nrn_meta``: ``channel_id``, ``subject`` (None in
    'repeats'), ``area`` ('EEG'), ``xyz`` (head frame, m; None if unknown).

    Parameters
    ----------
    path : str, optional
        Folder with ``eeg.0/ eeg.1/ eeg.2/ stimuli/``; default
        ``default_cache_dir('Alice_EEG')``.
    subjects : sequence of str, optional
        Keep these subjects (``'S01'``, ...); default all on disk.
    dt_ms : float, default 10.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
        The EEG is resampled to ``1000 / dt_ms`` Hz.
    n_frequency_bands : int, default 8
        Number of spectrogram bands ``F``.
    treat_subjects_as : {'neurons', 'repeats'}, default 'neurons'
        Every (subject, channel) a neuron, or channels as neurons and subjects as
        repeats.
    hp_freq_hz, lp_freq_hz : float or None, default 1.0 and None
        High-pass and low-pass edges of MNE's filter, in Hz; None for none.
    window_ms : float, optional
        Length of the spectrogram's analysis window, in ms, independent of the ``dt_ms`` hop.
        Default: 1024 samples (``'gaussian'``), 25 ms (``'heeris'``).
    fmin : float, default 80.0
        Lowest band, in Hz.
    fmax : float, optional
        Highest band, in Hz; default the Nyquist frequency.
    spec_backend : {'gaussian', 'heeris'}, default 'gaussian'
        An ERB-spaced Gaussian filterbank log spectrogram, or the Slaney/Heeris
        gammatone-gram.
    download : bool, default False
        Fetch what is missing of the release first; files already there are checked, not fetched again,
        and an incomplete extraction is repaired.
        From UMd DRUM (~2.5 GiB, anonymous).
    return_waveform : bool, default False
        Stimuli are mono waveforms ``(1, T * hop)`` at ``audio_fs`` Hz (``hop = audio_fs * dt_ms / 1000``
        samples per bin) instead of spectrograms ``(1, F, T)``, for a ``wav2spec`` front-end.
    audio_fs : int, default 44100
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
    cache : bool, default True
        Keep the processed dataset under ``<path>/.deepstrf/processed/`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments and unchanged files; ``False`` always rebuilds.

    References
    ----------
    Bhattasali et al. (2020) LREC; Brennan & Hale (2019) PLoS ONE; Brodbeck
    et al. (2023) eLife.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``AliceEEGDataset(path="/data/AliceEEG", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import AliceEEGDataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = AliceEEGDataset(**fake_release("AliceEEG", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (8, 10.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 8]), True)
    """

    registry = "AliceEEG"
    evaluation = Evaluation(holdout_key=None, unit="neuron", ccmax="schoppe", min_snr=0.0,
                            source="no published split: every 5th of the 12 segments (0, 5, 10) is held out; "
                                   "R = 1, so no noise ceiling (cc_norm is NaN; cc is the score)")

    def __init__(self, path: str | None = None, subjects=None, dt_ms: float = 10.0, n_frequency_bands: int = 8,
                 treat_subjects_as: str = "neurons", hp_freq_hz: float | None = 1.0, lp_freq_hz: float | None = None,
                 window_ms: float | None = None, fmin: float = 80.0, fmax: float | None = None,
                 spec_backend: str = "gaussian", download: bool = False, return_waveform: bool = False,
                 audio_fs: int = 44100, cache: bool = True):
        check_option("treat_subjects_as", treat_subjects_as, LAYOUTS)
        check_option("spec_backend", spec_backend, BACKENDS)
        check_positive("dt_ms", dt_ms)
        check_positive("n_frequency_bands", n_frequency_bands, integer=True)
        check_waveform_args(return_waveform, audio_fs, dt_ms)
        mne_module()  # fail now, with the install hint, if MNE is missing
        super().__init__(path, float(dt_ms))
        self.treat_subjects_as = treat_subjects_as
        root = self._open_release(path, download, ["stimuli"])
        found = _find_subjects(root)
        if not found:
            raise FileNotFoundError(f"AliceEEG: no eeg.K/eeg/<Sxx>/<Sxx>_alice-raw.fif under {root}")
        chosen = sorted(found) if subjects is None else list(subjects)
        unknown = [s for s in chosen if s not in found]
        if unknown:
            raise ValueError(f"subjects {unknown} are not in {root}; available: {', '.join(sorted(found))}")
        b = self._builder(return_waveform, audio_fs)
        T_of = []
        for k, wav in enumerate(_stimulus_files(root), start=1):
            x, rate = read_wav(wav)
            rate_w = working_rate(rate, self.dt_ms)
            xw = x if rate_w == rate else resample(x, rate, rate_w)
            if spec_backend == "gaussian":
                spec = erb_gaussian_spectrogram(xw, rate_w, self.dt_ms, n_frequency_bands, fmin, fmax, window_ms)
            else:
                hop = rate_w * self.dt_ms / 1000
                n_frames = 1 + len(xw) // int(round(hop))
                spec = np.log(gammatone_gram(xw, rate_w, self.dt_ms, n_frequency_bands, fmin,
                                             fmax or 0.999 * rate_w / 2, window_ms or 25.0, n_frames) + 1e-8)
            T = spec.shape[1]
            T_of.append(T)
            arr = (lock_to_grid(x, rate, audio_fs, T, exact_hop(audio_fs, self.dt_ms)) if return_waveform
                   else spec.astype(np.float32)[None])
            b.add_stim(arr, name=os.path.basename(wav), type="alice_chapter1", sample_rate=float(rate),
                       n_samples=len(x), duration_s=len(x) / rate)
        per_subject = [(s, _subject_segments(found[s], T_of, self.dt_ms, hp_freq_hz, lp_freq_hz)) for s in chosen]
        if treat_subjects_as == "neurons":
            for subject, (channels, segs) in per_subject:
                for c, (name, xyz) in enumerate(channels):
                    n = b.add_neuron(channel_id=name, subject=subject, area="EEG", xyz=xyz)
                    for k, seg in enumerate(segs):
                        if seg is not None and not np.isnan(seg[c]).all():
                            b.add_response(k, n, seg[c][None])
        else:
            names: dict = {}
            for _, (channels, _) in per_subject:
                for name, xyz in channels:
                    names.setdefault(name, xyz)
            for name, xyz in names.items():
                b.add_neuron(channel_id=name, subject=None, area="EEG", xyz=xyz)
            for k, T in enumerate(T_of):
                slab = np.full((len(names), len(per_subject), T), np.nan, dtype=np.float32)
                for r, (_, (channels, segs)) in enumerate(per_subject):
                    if segs[k] is not None:
                        for c, (name, _) in enumerate(channels):
                            slab[list(names).index(name), r] = segs[k][c]
                for n in range(len(names)):
                    if not np.isnan(slab[n]).all():
                        b.add_response(k, n, slab[n])
        self.species, self.behavioral_state = "human", "passive-listening"
        self._finish(b, n_frequency_bands, (20.0, 20000.0))


def _find_subjects(root: str) -> dict[str, str]:
    found = {}
    for k in range(3):
        base = os.path.join(root, f"eeg.{k}", "eeg")
        for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            fif = os.path.join(base, name, f"{name}_alice-raw.fif")
            if os.path.isfile(fif):
                found.setdefault(name, fif)
    return found


def _stimulus_files(root: str) -> list[str]:
    folder = os.path.join(root, "stimuli")
    wavs = [f for f in os.listdir(folder) if f.endswith(".wav") and f[:-4].isdigit()]
    if sorted(int(f[:-4]) for f in wavs) != list(range(1, 13)):
        raise FileNotFoundError(f"AliceEEG: {folder} must hold exactly 1.wav ... 12.wav; found {sorted(wavs)}")
    return [os.path.join(folder, f"{k}.wav") for k in range(1, 13)]


def _subject_segments(fif: str, T_of, dt_ms, hp, lp):
    """``(channels [(name, xyz)], segments [(C, T_k) float32 or None])`` of one subject."""
    rec = read_eeg(fif, 1000.0 / dt_ms, hp, lp)
    onsets = {}
    for desc, at, _ in rec["annotations"]:
        if desc.strip().isdigit() and 1 <= int(desc) <= 12:
            onsets[int(desc)] = at
    if not onsets:
        raise FifFormatError(f"{fif}: no segment annotations '1' ... '12'; cannot align the EEG to the stimuli",
                             fif, "annotations")
    missing = [k for k in range(1, 13) if k not in onsets]
    if missing:
        warnings.warn(f"AliceEEG: {fif} lacks the onset annotations of segment(s) {missing}; those segments are "
                      "sentinels for this subject", stacklevel=3)
    data = rec["data"]
    segs = []
    for k, T in enumerate(T_of, start=1):
        if k not in onsets:
            segs.append(None)
            continue
        start = onsets[k]
        seg = np.full((data.shape[0], T), np.nan)
        piece = data[:, start: start + T]
        seg[:, : piece.shape[1]] = piece
        segs.append(seg.astype(np.float32))
    channels = [(name, rec["positions"].get(name)) for name in rec["channels"]]
    return channels, segs


def download_alice_eeg(dest: str | None = None) -> str:
    """Download and unpack ``eeg.0.zip`` .. ``eeg.2.zip`` (into ``eeg.K/``) and
    ``stimuli.zip`` from UMd DRUM into ``dest`` (default
    ``default_cache_dir('Alice_EEG')``). Idempotent; returns the folder.

    Parameters
    ----------
    dest : str, optional
        The dataset folder; default ``default_cache_dir('Alice_EEG')``.

    Returns
    -------
    str
        The dataset folder.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download AliceEEG`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_alice_eeg
    >>> dest = "/data/AliceEEG"
    >>> folder = download_alice_eeg(dest)  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("AliceEEG", tempfile.mkdtemp())
    'absent'
    """
    return download_dataset("AliceEEG", dest)
