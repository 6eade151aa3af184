"""CRCNS-AA1 from a small release in its layout."""

import os

import numpy as np
import pytest
import torch

from deepSTRF.datasets.audio import CRCNSAA1Dataset
from deepSTRF.datasets.audio.crcns_aa1 import get_animals_ids
from deepSTRF.io.crcns import CRCNSFormatError
from deepSTRF.testing.aa1 import TRIALS_A, A, B, C, D, make_aa1  # noqa: F401


@pytest.fixture
def aa1(tmp_path):
    return tmp_path, make_aa1(tmp_path)


def test_layout_counts_and_sentinels(aa1):
    root, n = aa1
    ds = CRCNSAA1Dataset(str(root), smooth=False)
    assert [m["cell_id"] for m in ds.nrn_meta] == ["aa0101_1", "gg0304_4_B", "pipu1018_2_A", "yy1617_3"]
    assert ds.nrn_meta[1] == {"cell_id": "gg0304_4_B", "area": "Field_L", "animal_id": "gg0304", "cell_seq": 4,
                              "rig": "B"}
    assert ds.nrn_meta[3]["rig"] is None and ds.nrn_meta[2]["area"] == "MLd"
    assert [m["name"] for m in ds.stim_meta] == [B, A, C]  # D heard by nobody; sorted within a class
    assert ds.stim_meta[1] == {"name": A, "type": "conspecific", "sample_rate": 32000.0, "n_samples": n[A],
                               "duration_s": n[A] / 32000}
    T_A = 1 + n[A] // 32
    r = ds.responses[1][1].numpy()  # gg0304_4_B on A: stim1 (not the duplicate stim10)
    assert r.shape == (3, T_A)
    assert r[0, 76] == 1 and r[0, 120] == 2 and r[0].sum() == 3
    assert r[1].sum() == 0  # an empty line is a silent trial, a zero row
    assert r[2, 15] == 2 and r[2, 199] == 1 and r[2].sum() == 3  # -50 dropped, 250 ms is past the end
    assert ds.responses[2][1].shape == (1, 1)  # stim1 of flatrip has no spike1
    assert torch.equal(ds.responses[2][2], torch.zeros(2, 1 + n[C] // 32))  # silent, not a sentinel
    assert ds.responses[0][0].numpy()[0, 5] == 1 and ds.responses[0][0].numpy()[0, 6] == 1  # CRLF and tabs
    assert ds.responses[1][0].shape == (1, 1)  # aa0101_1 never heard A
    assert ds.F == 32 and ds.stims[1].shape == (1, 32, T_A) and ds.hearing_range_hz == (250.0, 8000.0)


def test_pure_tone_lands_in_its_mel_band(aa1):
    ds = CRCNSAA1Dataset(str(aa1[0]), smooth=False)
    edges = 700 * (10 ** (np.linspace(0, 2595 * np.log10(1 + 16000 / 700), 34) / 2595) - 1)
    for s, f in ((1, 2000.0), (2, 6000.0)):
        spec = ds.stims[s][0].numpy()
        assert int(np.argmax(spec[:, 3:-3].mean(axis=1))) == int(np.argmin(np.abs(edges[1:-1] - f)))


@pytest.mark.parametrize("dt", [5.0, 10.0])
def test_other_bin_widths_keep_counts_and_time_base(aa1, dt):
    root, n = aa1
    fine = CRCNSAA1Dataset(str(root), smooth=False)
    coarse = CRCNSAA1Dataset(str(root), smooth=False, dt_ms=dt)
    for s in range(3):
        T_c = coarse.stims[s].shape[-1]
        assert T_c == 1 + n[coarse.stim_meta[s]["name"]] // int(32 * dt)  # frames exactly dt apart
        for k in range(4):
            a, b = fine.responses[s][k], coarse.responses[s][k]
            if a.shape == (1, 1):
                assert b.shape == (1, 1)
                continue
            np.testing.assert_allclose(b.sum(1).numpy(), a[:, : int(T_c * dt)].sum(1).numpy())


def test_smoothing_waveform_and_animals(aa1):
    root, n = aa1
    raw = CRCNSAA1Dataset(str(root), smooth=False)
    smooth = CRCNSAA1Dataset(str(root))
    from deepSTRF.utils import hanning_smooth

    np.testing.assert_allclose(smooth.responses[1][1].numpy(), hanning_smooth(raw.responses[1][1].numpy(), dt_ms=1.0),
                               rtol=1e-5, atol=1e-7)
    assert smooth.responses[1][1][0, 60:95].sum().item() == pytest.approx(1.0, rel=1e-4)  # mass kept: normalised
    w = CRCNSAA1Dataset(str(root), return_waveform=True, smooth=False)
    assert w.hop == 32 and w.audio_fs == 32000 and w.stims[1].shape == (1, (1 + n[A] // 32) * 32)
    assert torch.equal(w.responses[1][1], raw.responses[1][1])
    w16 = CRCNSAA1Dataset(str(root), return_waveform=True, audio_fs=16000, smooth=False)
    assert w16.stims[1].shape == (1, (1 + n[A] // 32) * 16)
    assert get_animals_ids(str(root)) == ["aa0101", "gg0304", "pipu1018", "yy1617", "zz0000"]
    only = CRCNSAA1Dataset(str(root), animals=["yy1617"], areas=("MLd",), stimuli=("flatrip",))
    assert [m["cell_id"] for m in only.nrn_meta] == ["yy1617_3"] and [m["name"] for m in only.stim_meta] == [C]


def test_bad_inputs(aa1, tmp_path):
    root = aa1[0]
    with pytest.raises(ValueError, match="areas entry must be one of 'Field_L', 'MLd'; got 'OV'"):
        CRCNSAA1Dataset(str(root), areas=("OV",))
    with pytest.raises(ValueError, match="stimuli entry must be one of 'conspecific', 'flatrip'; got 'songrip'"):
        CRCNSAA1Dataset(str(root), stimuli=("songrip",))
    with pytest.raises(ValueError, match=r"animals \['nobody'\] are not in"):
        CRCNSAA1Dataset(str(root), animals=["nobody"])
    bad = root / "Field_L_cells/gg0304_4_B/conspecific"
    (bad / "spike7").write_text("1.0 \n")
    with pytest.raises(CRCNSFormatError, match="spike7 has no stim7: its stimulus is unknown"):
        CRCNSAA1Dataset(str(root))
    os.remove(bad / "spike7")
    (bad / "spike2").write_text("10.0 \n1x.5 \n")
    with pytest.raises(CRCNSFormatError, match=r"spike2, line 2: '1x.5' is not a spike time in ms"):
        CRCNSAA1Dataset(str(root))
    (bad / "spike2").write_text("10.0 \n")
    (bad / "stim2").write_text("0000.wav\n")
    with pytest.raises(FileNotFoundError, match="cell gg0304_4_B \\(conspecific\\) points to 0000.wav"):
        CRCNSAA1Dataset(str(root))
    with pytest.raises(FileNotFoundError, match="AA1: missing under"):
        CRCNSAA1Dataset(str(tmp_path / "nowhere"))
