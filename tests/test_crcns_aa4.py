"""CRCNS-AA4 from per-animal HDF5 units and wav folders in the release layout."""


import h5py
import pytest
import torch

from deepSTRF.datasets.audio import AA4_ANIMAL_IDS, CRCNSAA4Dataset
from deepSTRF.io.crcns import CRCNSFormatError
from deepSTRF.testing.aa4 import M1, M2, M3, M4, make_aa4, write_unit  # noqa: F401


@pytest.fixture
def aa4(tmp_path):
    return tmp_path, make_aa4(tmp_path)


def T_of(n_native, dt=1.0):
    return 1 + int(round(n_native * 24000 / 24414)) // int(24 * dt)


def test_units_stims_counts_and_silence(aa4):
    root, n = aa4
    with pytest.warns(UserWarning, match="1 stimulus wav\\(s\\) missing .*stim9.wav"):
        ds = CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:2], smooth=False)
    assert [m["cell_id"] for m in ds.nrn_meta] == ["Site1_L1400R1400_e10_s0_ss1", "Site2_L100R200_e3_s1",
                                                   "Site2_L100R200_e4_s0"]
    assert ds.nrn_meta[0] == {"cell_id": "Site1_L1400R1400_e10_s0_ss1", "animal_id": "BlaBro09xxF", "sex": "F",
                              "site": "Site1", "electrode": 10, "ldepth": 1400.0, "rdepth": 1400.0,
                              "sort_type": "single", "sort_id": 0, "subsort_id": 1}
    assert ds.nrn_meta[1]["sort_type"] == "multi" and ds.nrn_meta[1]["subsort_id"] is None
    # registration order: '102' before '85' (string order), then gre's song 8
    assert [m["name"] for m in ds.stim_meta] == [M2, M1, M4]
    assert ds.stim_meta[1] == {"name": M1, "type": "call", "class": "Te", "duration_s": 0.2}
    r = ds.responses[1][0].numpy()  # trials in name order: '1', '10', '2'
    assert r.shape == (3, T_of(n["bla85"]))
    assert r[0, 15] == 2 and r[0].sum() == 2 and r[1, 50] == 1 and r[2].sum() == 0  # -999 is a zero row
    assert torch.equal(ds.responses[0][0], torch.zeros(1, T_of(n["bla102"])))  # silent pair: data, not sentinel
    assert ds.responses[1][1].numpy()[0, 1] == 1  # the same sound heard in another bird: one shared stimulus
    assert torch.equal(ds.responses[1][2], torch.zeros(2, T_of(n["bla85"])))  # a unit that never fired is kept
    assert ds.responses[0][1].shape == (1, 1)
    assert ds.stims[1].shape == (1, 32, T_of(n["bla85"]))


def test_types_dt_waveform_and_errors(aa4, tmp_path):
    root, n = aa4
    calls = CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:2], stimuli=("call",), smooth=False)
    assert [m["name"] for m in calls.stim_meta] == [M1]
    five = CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:2], stimuli=("call",), smooth=False, dt_ms=5.0)
    assert five.stims[0].shape[-1] == T_of(n["bla85"], 5.0)
    assert five.responses[0][0].sum().item() == calls.responses[0][0].sum().item()
    w = CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:2], stimuli=("call",), return_waveform=True)
    assert w.hop == 24 and w.stims[0].shape == (1, T_of(n["bla85"]) * 24)
    with pytest.raises(FileNotFoundError, match="LblBlu2028M"):
        CRCNSAA4Dataset(str(root))  # 'all' needs the six animal folders
    with pytest.raises(ValueError, match="animals entry must be one of 'BlaBro09xxF'"):
        CRCNSAA4Dataset(str(root), animals=["Nope"])
    with pytest.raises(ValueError, match="stimuli entry must be one of 'song', 'call', 'mlnoise'; got 'noise'"):
        CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:1], stimuli=("noise",))
    bad = root / AA4_ANIMAL_IDS[0] / "Site9_L1R1_e1_s1.h5"
    with h5py.File(bad, "w") as f:
        f.attrs["sortType"] = "single"
        f.create_group("Call1").create_group("5").attrs["stim_type"] = "call"
    with pytest.raises(CRCNSFormatError, match=r"Site9_L1R1_e1_s1.h5: stimulus group /Call1/5 lacks attribute\(s\) "
                                               r"\['stim_md5'\]"):
        CRCNSAA4Dataset(str(root), animals=AA4_ANIMAL_IDS[:1])
