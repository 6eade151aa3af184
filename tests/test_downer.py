"""Downer 2025 from a small release in its layout (YAML, MUspk MAT files, TIMIT table, stereo mVoc WAV)."""

import json
import os

import numpy as np
import pytest
import scipy.io
import scipy.io.wavfile

import deepSTRF.io.downer as downer_io
from deepSTRF.datasets import DatasetBuilder
from deepSTRF.datasets.audio import Downer2025Dataset
from deepSTRF.datasets.audio.audio_dataset import AudioNeuralDataset
from deepSTRF.testing.downer2025 import YAML, kaldi_centre, make_downer, muspk  # noqa: F401


@pytest.fixture
def downer(tmp_path, monkeypatch):
    make_downer(tmp_path)
    real = scipy.io.loadmat

    def guarded(path, *a, **k):  # the channel files must go through the field-skipping reader
        assert "MUspk" not in str(path), "a MUspk file was read whole with scipy"
        return real(path, *a, **k)

    monkeypatch.setattr(scipy.io, "loadmat", guarded)
    return tmp_path


def test_units_metadata_and_filters(downer):
    ds = Downer2025Dataset(str(downer), _enumerate_only=True)
    assert [m["cell_id"] for m in ds.nrn_meta] == ["b_180413_Ch12", "b_180413_Ch5p", "c_191113_Ch1ps2"]
    m = ds.nrn_meta[1]
    assert m == {"cell_id": "b_180413_Ch5p", "session_id": "180413", "animal_id": "b", "hemisphere": "RH",
                 "area_group": "non-primary", "area": "AL", "channel": 5, "channel_suffix": "p",
                 "n_channels_in_session": 2, "coord_x": 1.0, "coord_y": 2.0, "recording_type": "multi-unit"}
    assert ds.nrn_meta[2]["area"] == "A1" and ds.nrn_meta[2]["coord_x"] is None
    for kwargs, expected in (({"animals": ["c"]}, 1), ({"areas": ["primary"]}, 1), ({"areas": ["AL"]}, 2),
                             ({"sessions": ["180413"]}, 2)):
        assert Downer2025Dataset(str(downer), _enumerate_only=True, **kwargs).N_neurons == expected
    with pytest.raises(ValueError, match="areas entry must be one of 'core'"):
        Downer2025Dataset(str(downer), areas=["V1"])


def test_timit_counts_split_and_tone(downer):
    ds = Downer2025Dataset(str(downer), smooth=False)
    assert ds.audio_fs is None and ds.hop is None and ds.F == 80
    assert [(m["stim_id"], m["split"]) for m in ds.stim_meta] == [(1, "test"), (2, "estimation"), (3, "estimation")]
    assert ds.stim_meta[0]["duration_s"] == pytest.approx(0.6) and ds.stim_meta[0]["befaft_s"] == (0.0, 0.0)
    T = ds.stims[0].shape[-1]
    assert T == 120  # 0.6 s of speech at 5 ms
    r = ds.responses[0][0].numpy()
    assert r.shape == (3, T) and (r[:, 3] == 1).all() and (r[:, 2] == 1).all() and r.sum() == 6
    assert ds.responses[2][2].shape == (1, 1)  # session 191113 never played sentence 3
    assert ds.responses[0][2].shape == (3, T)
    np.testing.assert_allclose(ds.stims[1][0].numpy().mean(axis=1), 0, atol=1e-4)  # per-band z-scored
    raw = Downer2025Dataset(str(downer), smooth=False, spec_zscore=False)
    spec = raw.stims[1][0].numpy()
    assert int(np.argmax(spec[:, 10:-10].mean(axis=1))) == 30  # the tone at Kaldi band 30's centre
    test = Downer2025Dataset(str(downer), subset="test", smooth=False)
    assert [m["stim_id"] for m in test.stim_meta] == [1]


def test_mvocs_left_channel_only_and_waveforms(downer):
    ds = Downer2025Dataset(str(downer), stimuli="mvocs", smooth=False)
    assert [(m["name"], m["n_reps_in_wav"], m["split"]) for m in ds.stim_meta] == [("mvoc_001", 2, "estimation"),
                                                                                 ("mvoc_002", 3, "test")]
    assert ds.responses[1][0].shape == (2, 200)  # 1-s slots at 5 ms; session 180413 played mvoc 2 twice
    w = Downer2025Dataset(str(downer), stimuli="mvocs", return_waveform=True, audio_fs=41000, smooth=False)
    x = w.stims[1][0].numpy()
    assert x.shape == (200 * 205,) and w.hop == 205
    assert np.abs(x).max() < 0.1  # the trigger pulses (0.92 full scale) are not in the stimulus
    np.testing.assert_allclose(x[:1000], (3000 * np.sin(2 * np.pi * 500 * np.arange(1000) / 41000)).astype(np.int16)
                               / 32768, atol=1e-6)
    both = Downer2025Dataset(str(downer), smooth=False) + ds
    assert len(both.stim_meta) == 5 and both.N_neurons == 6


def test_paper_tuning_finds_tuned_units():
    rng = np.random.default_rng(1)
    b = DatasetBuilder(dt_ms=10.0)
    rate = np.abs(np.sin(np.linspace(0, 12, 100))) * 3
    for s in range(3):
        b.add_stim(np.zeros((1, 2, 100), np.float32), name=f"s{s}", split="test")
    for n, tuned in enumerate([True, True, False, False]):
        b.add_neuron(session_id="x", cell_id=str(n))
        for s in range(3):
            lam = np.roll(rate, 17 * s) if tuned else np.full(100, 1.5)
            b.add_response(s, n, rng.poisson(lam, size=(8, 100)).astype(np.float32))
    ds = Downer2025Dataset.__new__(Downer2025Dataset)
    AudioNeuralDataset.__init__(ds, None, 10.0)
    ds.stimuli = "timit"
    ds._finish(b, 2, None)
    out = ds.compute_paper_tuning(n_resamples=300, dt_ms_analysis=20.0, seed=3, verbose=False)
    flags = [m["ahmed2025_timit_tuned"] for m in ds.nrn_meta]
    assert flags == [True, True, False, False] and out["tuned"] == 2 and out["n_with_data"] == 4
    assert ds.nrn_meta[0]["ahmed2025_timit_well_tuned"] and not ds.nrn_meta[2]["ahmed2025_timit_well_tuned"]
    p1 = [m["ahmed2025_timit_p_wilcoxon"] for m in ds.nrn_meta]
    ds.compute_paper_tuning(n_resamples=300, dt_ms_analysis=20.0, seed=3, verbose=False)
    assert [m["ahmed2025_timit_p_wilcoxon"] for m in ds.nrn_meta] == p1  # same seed, same result
    assert ds.attach_ahmed2025_well_tuned() == sum(m["ahmed2025_timit_well_tuned"] for m in ds.nrn_meta)
    with pytest.raises(ValueError, match="dt_ms_analysis must be a whole multiple of dt_ms=10.0"):
        ds.compute_paper_tuning(dt_ms_analysis=15.0)


def _tuning_dataset(sessions):
    b = DatasetBuilder(dt_ms=10.0)
    for s in range(2):
        b.add_stim(np.zeros((1, 2, 60), np.float32), name=f"s{s}", split="test")
    for session in sessions:
        rng = np.random.default_rng(int(session))  # the same data for a session whatever else is loaded
        for c in range(3):
            b.add_neuron(session_id=session, cell_id=f"{session}_{c}")
            for s in range(2):
                lam = 1.0 + np.abs(np.sin(np.linspace(0, 6 + c, 60) + s))
                b.add_response(s, b.n_neurons - 1, rng.poisson(lam, size=(5, 60)).astype(np.float32))
    ds = Downer2025Dataset.__new__(Downer2025Dataset)
    AudioNeuralDataset.__init__(ds, None, 10.0)
    ds.stimuli = "timit"
    ds._finish(b, 2, None)
    ds.compute_paper_tuning(n_resamples=200, dt_ms_analysis=10.0, verbose=False)
    return {m["cell_id"]: m["ahmed2025_timit_delta_normalized"] for m in ds.nrn_meta}


def test_paper_tuning_of_a_channel_does_not_depend_on_what_else_is_loaded():
    both, alone = _tuning_dataset(["180413", "191113"]), _tuning_dataset(["191113"])
    assert all(alone[c] == both[c] for c in alone)  # per-session seeds, every draw made up front
    assert len(set(both.values())) == 6 and all(np.isfinite(v) for v in both.values())


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="Downer2025: missing under"):
        Downer2025Dataset(str(tmp_path))


def test_each_channel_file_is_read_once(downer, monkeypatch):
    calls = []
    real = downer_io.read_structs  # the reader of the channel files (deepSTRF.io.downer)
    monkeypatch.setattr(downer_io, "read_structs", lambda p, v: calls.append(os.path.basename(p)) or real(p, v))
    Downer2025Dataset(str(downer), smooth=False)
    assert sorted(calls) == ["b_180413_Ch12_MUspk.mat", "b_180413_Ch5p_MUspk.mat", "c_191113_Ch1ps2_MUspk.mat"]


def test_well_tuned_flags_are_cached_per_channel(downer, monkeypatch):
    full = Downer2025Dataset(str(downer), smooth=False)
    n = full.attach_ahmed2025_well_tuned()
    key = "ahmed2025_timit_well_tuned"
    assert n == sum(m[key] for m in full.nrn_meta) and all(key in m for m in full.nrn_meta)
    cache = json.loads((downer / ".deepstrf" / "ahmed2025_tuning.json").read_text())
    (settings, flags), = cache.items()
    assert settings.startswith("timit|dt_ms=5|smooth=False|n_resamples=10000")
    assert flags == {m["cell_id"]: m[key] for m in full.nrn_meta}
    # a new, filtered instance reads the flags from the cache instead of recomputing them
    again = Downer2025Dataset(str(downer), smooth=False, sessions=["180413"])
    monkeypatch.setattr(Downer2025Dataset, "compute_paper_tuning", lambda *a, **k: pytest.fail("recomputed"))
    assert again.attach_ahmed2025_well_tuned() == sum(flags[m["cell_id"]] for m in again.nrn_meta)
    assert [m[key] for m in again.nrn_meta] == [flags[m["cell_id"]] for m in again.nrn_meta]
