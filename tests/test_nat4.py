"""NAT4 from small archives in the release format."""

import os
import shutil

import numpy as np
import pytest
import scipy.io.wavfile
import torch

from deepSTRF.datasets.audio import NAT4Dataset
from deepSTRF.io import RecordingError
from deepSTRF.testing.nat4 import CELLS, EST, REPS, VAL, T, make_nat4, population, site_archive  # noqa: F401


@pytest.fixture
def nat4(tmp_path):
    resp, stim = make_nat4(tmp_path)
    return tmp_path, resp, stim


def test_layout_values_and_sentinels(nat4):
    root, resp, stim = nat4
    ds = NAT4Dataset(str(root), area="A1")
    assert (len(ds.stim_meta), ds.N_neurons, ds.F, ds.dt_ms) == (5, 4, 18, 10.0)
    assert [m["name"] for m in ds.stim_meta] == EST + VAL
    assert [m["subset"] for m in ds.stim_meta] == ["est"] * 3 + ["val"] * 2
    # stimuli: log(1 + x), then one global min-max
    ref = np.log1p(stim)
    ref = (ref - ref.min()) / (ref.max() - ref.min())
    np.testing.assert_allclose(ds.stims[0][0].numpy(), ref[300:450].T, rtol=1e-6, atol=1e-6)  # STIM_cat10
    np.testing.assert_allclose(ds.stims[3][0].numpy(), ref[0:150].T, rtol=1e-6, atol=1e-6)  # STIM_00cat1
    # est responses: raw counts per 10 ms (not min-max normalised)
    np.testing.assert_array_equal(ds.responses[1][0].numpy(), resp[450:600, 0][None].astype(np.float32))
    assert ds.responses[0][2].shape == (1, 1) and torch.isnan(ds.responses[0][2]).all()  # not recorded
    assert ds.responses[2][3].shape == (1, 1)  # oddcell never heard STIM_cat12
    # val responses: per-site spike times summed into 10-ms bins, R = 3
    v = ds.responses[3][0].numpy()
    assert v.shape == (REPS, T)
    expected = np.zeros(T)
    expected[1], expected[9], expected[149] = 2, 1, 1
    np.testing.assert_array_equal(v, np.tile(expected, (REPS, 1)))
    assert torch.equal(ds.responses[4][2], ds.responses[3][0])  # the TNC site, mapped by id
    assert ds.responses[3][3].shape == (1, 1)  # oddcell is in no per-site archive
    assert ds.nrn_masks.sum().item() == 5 * 4 - 2 - 2


def test_metadata(nat4):
    ds = NAT4Dataset(str(nat4[0]))
    assert ds.nrn_meta[0] == {"cell_id": "ARM029a-01-1", "area": "A1", "auditory": True, "site": "ARM029a",
                              "animal": "ARM", "electrode": 1, "unit_in_electrode": 1}
    assert ds.nrn_meta[1]["auditory"] is False and ds.nrn_meta[2]["electrode"] == 3
    assert ds.nrn_meta[3] == {"cell_id": "oddcell", "area": "A1", "auditory": False, "site": None, "animal": None,
                              "electrode": None, "unit_in_electrode": None}
    assert ds.hearing_range_hz == (200.0, 40000.0) and ds.audio_fs is None


def test_subsets(nat4):
    root = nat4[0]
    val = NAT4Dataset(str(root), subset="val")
    assert [m["name"] for m in val.stim_meta] == VAL and val.responses[0][0].shape == (REPS, T)
    shutil.rmtree(root / "A1_single_sites")  # 'est' never reads the per-site archives
    est = NAT4Dataset(str(root), subset="est")
    assert [m["name"] for m in est.stim_meta] == EST
    with pytest.raises(FileNotFoundError, match=r"NAT4: missing under .*\n.*A1_single_sites\npass download=True"):
        NAT4Dataset(str(root))


def test_smoothing_uses_the_normalised_kernel(nat4):
    raw = NAT4Dataset(str(nat4[0]), subset="val")
    smooth = NAT4Dataset(str(nat4[0]), subset="val", smooth=True)
    r = smooth.responses[0][0][0].numpy()
    assert r[1] == pytest.approx(0.5 * 2 + 0.25 * 0 + 0.25 * 0) and r[0] == pytest.approx((0.5 * 0 + 0.25 * 2) / 0.75)
    assert not torch.equal(raw.responses[0][0], smooth.responses[0][0])


def test_argument_and_file_errors(nat4, tmp_path):
    root = nat4[0]
    with pytest.raises(ValueError, match="area must be one of 'A1', 'PEG'; got 'AC'"):
        NAT4Dataset(str(root), area="AC")
    with pytest.raises(ValueError, match="dt_ms must be 10.0 for NAT4: the population recording is rasterised"):
        NAT4Dataset(str(root), dt_ms=5.0)
    with pytest.raises(ValueError, match="subset must be one of 'all', 'est', 'val'; got 'test'"):
        NAT4Dataset(str(root), subset="test")
    with pytest.raises(FileNotFoundError, match="PEG_NAT4_ozgf.fs100.ch18.tgz"):
        NAT4Dataset(str(root), area="PEG")
    data = (root / "A1_NAT4_ozgf.fs100.ch18.tgz").read_bytes()
    (root / "A1_NAT4_ozgf.fs100.ch18.tgz").write_bytes(data[: len(data) // 2])
    with pytest.raises(RecordingError, match="not a readable gzip tar archive.*truncated"):
        NAT4Dataset(str(root))


def test_waveform_mode_click_lands_in_its_bin(nat4):
    root = nat4[0]
    os.makedirs(root / "wav")
    for name in EST + VAL:
        x = np.zeros(44100, dtype=np.int16)
        x[4410] = 30000  # 100 ms into the sound
        scipy.io.wavfile.write(root / "wav" / name[len("STIM_"):].lower(), 44100, x)  # case differs
    ds = NAT4Dataset(str(root), return_waveform=True)
    assert ds.audio_fs == 44100 and ds.hop == 441 and ds.mode == "waveform" and ds.F == 18
    w = ds.stims[0][0].numpy()
    assert w.shape == (150 * 441,)
    click = int(np.argmax(np.abs(w)))
    assert click == round(0.25 * 44100) + 4410  # after the 0.25-s pre-stimulus silence
    assert click // 441 == 35  # bin 35 = 250 ms + 100 ms
    spec = NAT4Dataset(str(root))
    assert torch.equal(ds.responses[3][0], spec.responses[3][0])
    ds16 = NAT4Dataset(str(root), return_waveform=True, audio_fs=16000, subset="est")
    assert ds16.stims[0].shape == (1, 150 * 160) and int(np.argmax(np.abs(ds16.stims[0][0].numpy()))) // 160 == 35


def test_cli_info_and_fit(nat4, capsys):
    from deepSTRF.cli import main

    assert main(["info", "nat4", "--path", str(nat4[0])]) == 0
    out = capsys.readouterr().out
    assert "S = 5" in out and "N = 4" in out and "F = 18" in out and "est: R=1 x" in out and "val: R=3 x" in out
    assert "20.0% of (stim, neuron) pairs are sentinels" in out
