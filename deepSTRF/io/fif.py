"""Reader of MNE ``.fif`` raw EEG recordings (the Alice EEG release), through MNE.

MNE reads the file, filters and resamples it (its own, well-tested
implementations); what comes out is plain numpy: the EEG channels in volts,
bad channels and ``BAD`` windows as NaN, and the sample index of every
annotation. Nothing here knows about torch or datasets.
"""

from __future__ import annotations

import numpy as np

from ._common import FormatError, reading


class FifFormatError(FormatError):
    """A malformed or unreadable ``.fif`` recording (names the file).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import FifFormatError, FormatError
    >>> issubclass(FifFormatError, FormatError)
    True
    """


def mne_module():
    """The ``mne`` package, or an ImportError with the install hint."""
    try:
        import mne
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError('reading MNE .fif files needs MNE: pip install "deepSTRF[eeg]"') from err
    return mne


def read_eeg(path: str, sfreq: float, hp_hz: float | None = None, lp_hz: float | None = None) -> dict:
    """One raw recording's EEG channels, filtered and resampled to ``sfreq``.

    Returns
    -------
    dict
        ``data`` ``(C, T)`` float64 volts (bad channels and ``BAD*``
        annotation windows NaN), ``channels`` (names), ``positions``
        (name -> [x, y, z] m, or None without a montage), and
        ``annotations``: ``[(description, onset sample, duration s)]`` with
        onsets relative to the recording's first sample.
    """
    mne = mne_module()
    with reading(path, "cannot read as an MNE raw .fif recording; the file may be truncated", FifFormatError):
        raw = mne.io.read_raw_fif(path, preload=True, verbose="error")
    with reading(path, "malformed recording", FifFormatError):
        raw.pick(mne.pick_types(raw.info, eeg=True, exclude=[]))
        if hp_hz is not None or lp_hz is not None:
            raw.filter(l_freq=hp_hz, h_freq=lp_hz, verbose="error")
        raw.resample(sfreq, verbose="error")
        data = raw.get_data().astype(np.float64)
        bads = set(raw.info["bads"])
        ann = raw.annotations
        origin = ann.orig_time
        notes = []
        for onset, duration, desc in zip(ann.onset, ann.duration, ann.description):
            a = int(raw.time_as_index([onset], use_rounding=True, origin=origin)[0])
            notes.append((str(desc), a, float(duration)))
            if str(desc).upper().startswith("BAD"):
                z = int(raw.time_as_index([onset + duration], use_rounding=True, origin=origin)[0])
                data[:, max(0, a): max(0, z)] = np.nan
        montage = raw.get_montage()
        positions = montage.get_positions()["ch_pos"] if montage is not None else {}
        names = list(raw.ch_names)
    if data.size == 0:
        raise FifFormatError(f"{path}: the recording has no EEG channel", path)
    for c, name in enumerate(names):
        if name in bads:
            data[c] = np.nan
    return {"data": data, "channels": names,
            "positions": {n: [float(v) for v in positions[n]] for n in names if n in positions},
            "annotations": notes}
