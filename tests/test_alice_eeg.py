"""Alice EEG from .fif files written with MNE (the optional 'eeg' extra)."""

import os

import numpy as np
import pytest
import torch

mne = pytest.importorskip("mne")  # the optional 'eeg' extra; CI installs it

from deepSTRF.datasets.audio import AliceEEGDataset  # noqa: E402
from deepSTRF.testing.alice_eeg import GAP_S, SEG_S, make_alice, write_subject  # noqa: F401


@pytest.fixture
def alice(tmp_path):
    return tmp_path, make_alice(tmp_path)


def test_neurons_layout_values_against_mne(alice):
    root, onsets = alice
    with pytest.warns(UserWarning, match=r"S03_alice-raw.fif lacks the onset annotations of segment\(s\) \[5\]"):
        ds = AliceEEGDataset(str(root))
    assert ds.N_neurons == 6 and len(ds.stim_meta) == 12 and ds.F == 8  # EOG is not a neuron
    assert [(m["subject"], m["channel_id"]) for m in ds.nrn_meta][:3] == [("S01", "1"), ("S01", "2"), ("S01", "3")]
    assert ds.nrn_meta[0]["xyz"] == pytest.approx([0.01, 0.02, 0.03]) and ds.nrn_meta[0]["area"] == "EEG"
    T = ds.stims[0].shape[-1]
    assert T == 1 + int(SEG_S * 44100) // 441
    # independent: MNE called directly on the same file
    raw = mne.io.read_raw_fif(root / "eeg.0/eeg/S01/S01_alice-raw.fif", preload=True, verbose="error")
    raw.pick(["1", "2", "3"])
    raw.filter(l_freq=1.0, h_freq=None, verbose="error")
    raw.resample(100.0, verbose="error")
    start = int(round((onsets[0] - raw.first_time) * 100))
    ref = raw.get_data()[0, start: start + T].astype(np.float32)
    np.testing.assert_allclose(ds.responses[0][0][0].numpy(), ref, rtol=1e-5, atol=1e-12)
    assert ds.responses[0][1].shape == (1, 1)  # the bad channel: a sentinel on every segment
    r = ds.responses[2][0][0].numpy()  # the BAD window inside segment 3: NaN inside, not a sentinel
    assert np.isnan(r).sum() == 10 and np.isnan(r[10:20]).all() and r.shape == (T,)
    assert ds.responses[4][3].shape == (1, 1) and ds.responses[3][3].shape == (1, T)  # S03 lacks segment 5
    assert ds.stim_meta[0] == {"name": "1.wav", "type": "alice_chapter1", "sample_rate": 44100.0,
                               "n_samples": int(SEG_S * 44100), "duration_s": SEG_S}


def test_repeats_layout_and_spectrogram(alice):
    root = alice[0]
    with pytest.warns(UserWarning):
        ds = AliceEEGDataset(str(root), treat_subjects_as="repeats")
    assert ds.N_neurons == 3 and ds.nrn_meta[1] == {"channel_id": "2", "subject": None, "area": "EEG",
                                                    "xyz": pytest.approx([0.0, 0.05, 0.04])}
    T = ds.stims[0].shape[-1]
    assert ds.responses[0][0].shape == (2, T)
    assert torch.isnan(ds.responses[0][1][0]).all() and not torch.isnan(ds.responses[0][1][1]).any()
    assert torch.isnan(ds.responses[4][0][1]).all()  # S03 has no segment 5
    spec = ds.stims[0][0].numpy()  # a 300-Hz tone: the lowest ERB bands above 80 Hz hold it
    assert int(np.argmax(spec.mean(axis=1))) == 1
    heeris = AliceEEGDataset(str(root), spec_backend="heeris", subjects=["S01"])
    assert heeris.stims[0].shape == (1, 8, T)


def test_waveform_and_errors(alice):
    root = alice[0]
    w = AliceEEGDataset(str(root), subjects=["S01"], return_waveform=True)
    T = w.stims[0].shape[-1] // 441
    assert w.stims[0].shape == (1, T * 441) and w.hop == 441
    with pytest.raises(ValueError, match=r"subjects \['S99'\] are not in .*available: S01, S03"):
        AliceEEGDataset(str(root), subjects=["S99"])
    with pytest.raises(ValueError, match="treat_subjects_as must be one of 'neurons', 'repeats'; got 'trials'"):
        AliceEEGDataset(str(root), treat_subjects_as="trials")
    os.remove(root / "stimuli" / "12.wav")
    with pytest.raises(FileNotFoundError, match="must hold exactly 1.wav ... 12.wav"):
        AliceEEGDataset(str(root))


def test_click_alignment_and_missing_annotations(alice):
    import scipy.io.wavfile

    root = alice[0]
    x = np.zeros(int(SEG_S * 44100), dtype=np.int16)
    x[4410] = 30000  # 100 ms into segment 1
    scipy.io.wavfile.write(root / "stimuli" / "1.wav", 44100, x)
    w = AliceEEGDataset(str(root), subjects=["S01"], return_waveform=True)
    assert int(np.argmax(np.abs(w.stims[0][0].numpy()))) == 4410 and 4410 // w.hop == 10
    raw = mne.io.read_raw_fif(root / "eeg.1/eeg/S03/S03_alice-raw.fif", preload=True, verbose="error")
    raw.set_annotations(mne.Annotations([raw.first_time + 1.0], [0.1], ["BAD_x"], orig_time=raw.info["meas_date"]))
    raw.save(root / "eeg.1/eeg/S03/S03_alice-raw.fif", overwrite=True, verbose="error")
    with pytest.raises(ValueError, match="S03_alice-raw.fif: no segment annotations '1' ... '12'"):
        AliceEEGDataset(str(root), subjects=["S03"])
