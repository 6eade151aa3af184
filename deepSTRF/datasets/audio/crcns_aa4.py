"""CRCNS-AA4 (Elie & Theunissen 2015, 2019): zebra finch auditory pallium,
1401 units from six birds, songs, calls and ripple noise.

Source: CRCNS portal (free account), one tarball per animal (``[AA4]``).
"""

from __future__ import annotations

import glob
import os
import re
import warnings
from collections.abc import Sequence

import numpy as np

from ...cache import cached_loader
from ...download import download_dataset
from ...io.crcns import read_aa4_unit
from ...paradigm import AudioNeuralDataset
from ..release import Release
from ._crcns import HEARING_RANGE_HZ, SPECIES, bin_trials, check_choices, check_common, stimulus
from ..evaluation import Evaluation

AA4_ANIMAL_IDS = ("BlaBro09xxF", "GreBlu9508M", "LblBlu2028M", "WhiBlu5396M", "WhiWhi4522M", "YelBlu6903F")
TYPES = ("song", "call", "mlnoise")
_SUBSORT = re.compile(r"_ss(\d+)$")


@cached_loader()
class CRCNSAA4Dataset(Release, AudioNeuralDataset):
    """PyTorch dataset for the CRCNS-AA4 recordings.

    1401 extracellular single and multi units of six anesthetized adult
    zebra finches (4 males, 2 females) in Field L, CLM, CMM and NCM (no
    per-unit area is published: array depths are the only anatomical proxy),
    recorded with the species' whole vocal repertoire: songs, calls of ~10
    types and modulation-limited ripple noise (~170 sounds, up to ~3 s,
    ~10 trials each, wavs at 24 414 Hz). A sound is identified across birds
    by the MD5 of its wav (``stim_meta['name']``), so units of different
    birds share it. Stimuli are mel spectrograms; responses are spike counts
    per ``dt_ms`` bin from stimulus onset.

    Where we differ from the earlier loader: a trial without spikes
    (including the -999 empty-trial marker, and trials with only
    pre-stimulus spikes) is a zero row, not dropped; a (unit, sound) pair
    whose trials are all silent is a zero response, not a missing-data
    sentinel, and a unit that never fired is still a neuron. The audio is
    resampled from 24 414 Hz to a rate with a whole number of samples per
    bin (24 000 Hz at 1 ms) before the spectrogram, so frames and response
    bins share one exact time base (the earlier frames were 0.983 ms apart).
    Smoothing is the normalised 21-ms Hann window.

    ``stim_meta``: ``name`` (MD5), ``type``, ``class``, ``duration_s``.
    ``nrn_meta``: ``cell_id``, ``animal_id``, ``sex``, ``site``,
    ``electrode``, ``ldepth``, ``rdepth``, ``sort_type``, ``sort_id``,
    ``subsort_id``.

    Parameters
    ----------
    path : str, optional
        Folder with one sub-folder per animal; default ``default_cache_dir('AA4')``.
    animals : 'all' or sequence of str, default 'all'
        A subset of ``AA4_ANIMAL_IDS`` (``download=True`` fetches only these).
    stimuli : sequence of {'song', 'call', 'mlnoise'}, default all three
        Keep these stimulus types.
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
    audio_fs : int, default 24000
        Sample rate of the waveforms in waveform mode, in Hz; ``audio_fs * dt_ms / 1000`` must be a whole
        number. Unused in spectrogram mode.
        The wavs are resampled from 24 414 Hz.
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
    Elie & Theunissen (2015). Meaning in the avian auditory cortex: neural
    representation of communication calls. Eur J Neurosci.
    Elie & Theunissen (2019). Invariant neural responses for sensory
    categories revealed by the time-varying information for communication
    calls. PLoS Comput Biol.

    Examples
    --------
    On the dataset's format fake (the real files' layout, synthetic values); for the real data,
    ``CRCNSAA4Dataset(path="/data/AA4", download=True)``:

    >>> import tempfile
    >>> from deepSTRF.datasets.audio import CRCNSAA4Dataset
    >>> from deepSTRF.testing import fake_release
    >>> ds = CRCNSAA4Dataset(**fake_release("AA4", tempfile.mkdtemp()))
    >>> ds.F, ds.dt
    (32, 1.0)
    >>> s = int(ds.nrn_masks.any(dim=1).nonzero()[0])
    >>> ds.stims[s].shape[:2], ds.responses[s][int(ds.nrn_masks[s].nonzero()[0])].shape[-1] == ds.stims[s].shape[-1]
    (torch.Size([1, 32]), True)
    """

    registry = "AA4"
    evaluation = Evaluation(holdout_key="type", holdout_values=("song",), ccmax="hsu", min_snr=0.1,
                            source="held-out songs (as AA1): every 5th song is a test stimulus; no published "
                                   "encoding-model split for the call repertoire")

    def __init__(self, path: str | None = None, animals="all", stimuli=("song", "call", "mlnoise"), dt_ms=1.0,
                 smooth=True, n_mels=32, compression="cubic", window_ms: float = 10.0, return_waveform: bool = False,
                 audio_fs: int = 24000, download: bool = False, username: str | None = None,
                 password: str | None = None, cache: bool = True):
        animals = list(AA4_ANIMAL_IDS) if animals == "all" else check_choices("animals", animals, AA4_ANIMAL_IDS)
        types = check_choices("stimuli", stimuli, TYPES)
        check_common(dt_ms, n_mels, compression, window_ms, return_waveform, audio_fs)
        super().__init__(path, float(dt_ms))
        root = self._open_release(path, download, animals, groups=list(animals) + ["code"], username=username,
                                  password=password)
        b = self._builder(return_waveform, audio_fs)
        registry: dict[str, tuple[int, int]] = {}  # md5 -> (stim index, T)
        missing_wavs = []
        for animal in animals:
            for unit_path in sorted(glob.glob(os.path.join(root, animal, "*.h5"))):
                unit = read_aa4_unit(unit_path)
                sort_type = str(unit["attrs"].get("sortType", "")).strip()
                if sort_type in ("tdt", "noise"):
                    continue
                responses: dict[str, np.ndarray] = {}
                for st in unit["stimuli"]:
                    if st["type"] not in types:
                        continue
                    if st["md5"] not in registry:
                        wav = os.path.join(root, animal, "wavfiles", f"stim{st['number']}.wav")
                        if not os.path.isfile(wav):
                            missing_wavs.append(wav)
                            continue
                        x, T, _ = stimulus(wav, self.dt_ms, n_mels, window_ms, compression, return_waveform,
                                           audio_fs)
                        s = b.add_stim(x, name=st["md5"], type=st["type"], **{"class": st["class"]},
                                       duration_s=st["duration_s"])
                        registry[st["md5"]] = (s, T)
                    s, T = registry[st["md5"]]
                    responses[st["md5"]] = bin_trials(st["trials"], self.dt_ms, T, unit="s")  # later group wins
                if not responses:
                    continue  # no stimulus of the selected types: no data
                n = b.add_neuron(**_unit_meta(unit_path, animal, unit["attrs"], sort_type))
                for md5, counts in responses.items():
                    b.add_response(registry[md5][0], n, counts)
        if missing_wavs:
            warnings.warn(f"AA4: {len(missing_wavs)} stimulus wav(s) missing (e.g. {missing_wavs[0]}); their "
                          "responses are skipped unless another animal provides the same sound", stacklevel=2)
        if b.n_neurons == 0:
            raise ValueError(f"AA4: no unit of {animals} in {root} has stimuli of types {types}")
        self.species = SPECIES
        self._finish(b, n_mels, HEARING_RANGE_HZ, smooth)


def _unit_meta(path: str, animal: str, attrs: dict, sort_type: str) -> dict:
    stem = os.path.splitext(os.path.basename(path))[0]
    sub = _SUBSORT.search(stem)

    def num(key, cast, default):
        v = attrs.get(key)
        return default if v is None else cast(np.asarray(v).item())

    return {
        "cell_id": stem, "animal_id": animal, "sex": animal[-1], "site": str(attrs.get("site", "")),
        "electrode": num("electrode", int, 0), "ldepth": num("ldepth", float, float("nan")),
        "rdepth": num("rdepth", float, float("nan")), "sort_type": "single" if sort_type == "singl" else sort_type,
        "sort_id": num("sortid", int, 0), "subsort_id": int(sub.group(1)) if sub else None,
    }


def download_aa4(dest: str | None = None, animals: Sequence[str] = AA4_ANIMAL_IDS, username: str | None = None,
                 password: str | None = None) -> str:
    """Download the tarballs of ``animals`` (hundreds of MB each) and the small
    ``CRCNSCode`` archive from the CRCNS portal and extract them into ``dest``.

    Parameters
    ----------
    dest : str, optional
        Defaults to ``default_cache_dir('AA4')``.
    animals : sequence of str, default all six
        A subset of ``AA4_ANIMAL_IDS``.
    username, password : str, optional
        CRCNS credentials; default ``$CRCNS_USERNAME`` / ``$CRCNS_PASSWORD``.

    Examples
    --------
    The download (not run here: no example reaches the network; ``deepstrf download AA4`` does
    the same):

    >>> from deepSTRF.datasets.audio import download_aa4
    >>> dest = "/data/AA4"
    >>> folder = download_aa4(dest, animals=["BlaBro09xxF"], username="me", password="...")  # doctest: +SKIP

    What is on disk, offline:

    >>> import tempfile
    >>> from deepSTRF.download import status
    >>> status("AA4", tempfile.mkdtemp())
    'absent'
    """
    if isinstance(animals, str):
        animals = [animals]
    unknown = [a for a in animals if a not in AA4_ANIMAL_IDS]
    if unknown or not animals:
        raise ValueError(f"animals must be a non-empty subset of {', '.join(AA4_ANIMAL_IDS)}; got {list(animals)!r}")
    return download_dataset("AA4", dest, groups=list(animals) + ["code"], username=username, password=password)
