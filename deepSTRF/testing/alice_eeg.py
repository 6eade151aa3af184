"""A fake AliceEEG release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

import numpy as np

from .formats import write_wav

SEG_S = 0.5  # each segment's audio
GAP_S = 0.3


def write_subject(root, shard, name, bads=(), missing=(), bad_window=None, first_samp=250, seed=0):
    """One subject's raw ``.fif`` under ``eeg.<shard>/eeg/<name>/`` (MNE, the 'eeg' extra); returns its
    segment onsets (s)."""
    import mne

    sfreq = 500.0
    n_seg = 12
    total = int((0.5 + n_seg * (SEG_S + GAP_S) + 0.5) * sfreq)
    rng = np.random.default_rng(seed)
    t = np.arange(total) / sfreq
    data = np.stack([1e-5 * np.sin(2 * np.pi * (3 + c) * t) + 2e-6 * rng.normal(size=total) for c in range(3)]
                    + [1e-4 * rng.normal(size=total)])
    info = mne.create_info(["1", "2", "3", "EOG1"], sfreq, ["eeg", "eeg", "eeg", "eog"])
    raw = mne.io.RawArray(data, info, first_samp=first_samp, verbose="error")
    raw.set_meas_date(1_000_000_000.0)
    montage = mne.channels.make_dig_montage(ch_pos={"1": [0.01, 0.02, 0.03], "2": [0.0, 0.05, 0.04],
                                                    "3": [-0.03, 0.0, 0.06]}, coord_frame="head")
    raw.set_montage(montage, on_missing="ignore")
    raw.info["bads"] = list(bads)
    onsets = [raw.first_time + 0.5 + k * (SEG_S + GAP_S) for k in range(n_seg)]
    desc = [str(k + 1) for k in range(n_seg)]
    keep = [i for i in range(n_seg) if i + 1 not in missing]
    on, du, de = [onsets[i] for i in keep], [SEG_S] * len(keep), [desc[i] for i in keep]
    if bad_window is not None:
        seg, start, dur = bad_window
        on.append(onsets[seg - 1] + start)
        du.append(dur)
        de.append("BAD_blink")
    raw.set_annotations(mne.Annotations(on, du, de, orig_time=raw.info["meas_date"]))
    folder = root / f"eeg.{shard}" / "eeg" / name
    os.makedirs(folder)
    raw.save(folder / f"{name}_alice-raw.fif", verbose="error")
    return onsets


def make_alice(root):
    """Twelve tone wavs and two subjects (S01 with a bad channel and a BAD window, S03 missing segment 5's
    annotation); returns S01's segment onsets."""
    for k in range(1, 13):
        write_wav(root / "stimuli" / f"{k}.wav", SEG_S, rate=44100, freq=300.0 * k)
    on1 = write_subject(root, 0, "S01", bads=["2"], bad_window=(3, 0.1, 0.1), seed=1)
    write_subject(root, 1, "S03", missing=(5,), seed=3, first_samp=0)
    return on1
