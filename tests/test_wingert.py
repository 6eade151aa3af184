"""Wingert 2026 from small archives in the release format."""

import os

import numpy as np
import pytest
import scipy.io.wavfile
import torch

import deepSTRF.io.lbhb as lbhb
from deepSTRF.datasets.audio import Wingert2026Dataset
from deepSTRF.testing.wingert2026 import CELL_LIST, make_wingert, session_archive  # noqa: F401


@pytest.fixture
def wingert(tmp_path):
    return tmp_path, make_wingert(tmp_path)


def expected_stims(stims, sessions, d=0.1):
    xs = {(s, n): np.log((v + d) / d) for s in sessions for n, v in stims[s].items()}
    lo = np.min([x.min(axis=1) for x in xs.values()], axis=0)
    hi = np.max([x.max(axis=1) for x in xs.values()], axis=0)
    out = {}
    for k, x in xs.items():
        y = (x - lo[:, None]) / (hi - lo)[:, None]
        y[y < 1e-6] = 0
        out[k] = y
    return out


def test_layout_metadata_values(wingert):
    root, stims = wingert
    with pytest.warns(UserWarning, match="session PRN018a is in several archives; using PRN018a_cccc.tgz, "
                                         "ignoring PRN018b_dddd.tgz"):
        ds = Wingert2026Dataset(str(root))
    assert ds.N_neurons == 6 and [m["cell_id"] for m in ds.nrn_meta][:2] == ["CLT027c-009-1", "CLT027c-010-2"]
    m = ds.nrn_meta[0]
    assert m == {"cell_id": "CLT027c-009-1", "site": "CLT027c", "session": "CLT027c", "area": "A1", "layer": "13",
                 "depth": 450.5, "narrow": True, "celltype": "RS", "sw": 0.3, "goodpred": True, "animal": "CLT",
                 "electrode": 9, "unit_in_electrode": 1}
    assert ds.nrn_meta[2]["layer"] == "1-3" and ds.nrn_meta[3]["site"] == "SLJ032a-B"
    assert ds.nrn_meta[3]["session"] == "SLJ032a" and ds.nrn_meta[3]["electrode"] == 154
    sessions = ["CLT027c", "PRN015a", "PRN018a", "SLJ032a"]
    names = ["STIM_00seq1.wav", "STIM_seq0001.wav", "STIM_seq0002.wav"]
    assert [(m["site"], m["name"]) for m in ds.stim_meta] == [(s, n) for s in sessions for n in names]
    assert all(m["session"] == m["site"] for m in ds.stim_meta)
    assert [m["subset"] for m in ds.stim_meta[:3]] == ["val", "est", "est"]
    assert [ds.stims[s].shape[-1] for s in (0, 3, 9)] == [22, 20, 20]  # ragged cohorts
    ref = expected_stims(stims, sessions)
    for s, meta in enumerate(ds.stim_meta):
        np.testing.assert_allclose(ds.stims[s][0].numpy(), ref[meta["site"], meta["name"]], rtol=1e-5, atol=1e-6)
    # responses: absolute floor rule, per-unit min-max (max count 3 in the val repeats... per bin counts are 1)
    r = ds.responses[0][0].numpy()  # CLT027c-009-1 (k=1 in its archive) on STIM_00seq1, 3 repeats
    assert r.shape == (3, 22)
    expected = np.zeros(22)
    expected[1] = 1.0  # start + 5.6 ms: floor(t * 100) - round(start * 100) = 1 (relative rule would give 0)
    expected[2] = 1.0  # start + 25 ms (k = 1): floor(125.95) - round(123.45) = 2
    np.testing.assert_array_equal(r, np.tile(expected, (3, 1)))
    assert ds.responses[0][2].shape == (1, 1) and torch.isnan(ds.responses[0][2]).all()  # other session
    assert ds.nrn_masks.sum().item() == 3 * 6  # each unit heard its own session's 3 stims


def test_subset_values_equal_all(wingert):
    root = wingert[0]
    with pytest.warns(UserWarning):
        full = Wingert2026Dataset(str(root))
        val = Wingert2026Dataset(str(root), subset="val")
    assert [m["name"] for m in val.stim_meta] == ["STIM_00seq1.wav"] * 4
    for s, meta in enumerate(val.stim_meta):
        t = [k for k, m in enumerate(full.stim_meta) if m == meta][0]
        assert torch.equal(val.stims[s], full.stims[t])
        for n in range(6):
            assert torch.equal(val.responses[s][n].nan_to_num(-1), full.responses[t][n].nan_to_num(-1))


def test_filters_unlabelled_and_errors(wingert, monkeypatch):
    root = wingert[0]
    with pytest.warns(UserWarning):
        all_units = Wingert2026Dataset(str(root), include_unlabeled=True)
    assert all_units.N_neurons == 7 and all_units.nrn_meta[6]["area"] is None
    assert all_units.nrn_meta[6]["layer"] is None and all_units.nrn_meta[6]["narrow"] is None
    a1 = Wingert2026Dataset(str(root), area="A1", site=["CLT027c", "PRN015a"])
    assert [m["cell_id"] for m in a1.nrn_meta] == ["CLT027c-009-1", "PRN015a-002-1"]
    with pytest.raises(ValueError, match=r"site\(s\) \['XYZ001a'\] have no unit"):
        Wingert2026Dataset(str(root), site="XYZ001a")
    with pytest.raises(ValueError, match="area must be one of 'A1', 'PEG', 'AC', 'HC'; got 'V1'"):
        Wingert2026Dataset(str(root), area="V1")
    with pytest.raises(ValueError, match="dt_ms must be 10.0 for Wingert2026"):
        Wingert2026Dataset(str(root), dt_ms=5.0)
    os.remove(root / "recordings" / "PRN015b_eeee.tgz")
    with pytest.raises(FileNotFoundError, match="no archive in .* holds session\\(s\\) PRN015a"):
        Wingert2026Dataset(str(root), site="PRN015a")
    os.remove(root / "cell_list.csv")
    with pytest.raises(FileNotFoundError, match="cell_list.csv\npass download=True"):
        Wingert2026Dataset(str(root))


def test_each_archive_is_read_once_and_unwanted_ones_not_at_all(wingert, monkeypatch):
    root = wingert[0]
    calls = []
    real = lbhb.read_recording  # the archives are read by io.lbhb.read_session_archives
    monkeypatch.setattr(lbhb, "read_recording", lambda p, *a, **kw: calls.append(os.path.basename(p)) or real(p, *a, **kw))
    with pytest.warns(UserWarning):
        Wingert2026Dataset(str(root))
    assert sorted(calls) == sorted(os.listdir(root / "recordings")) and len(calls) == len(set(calls))
    calls.clear()
    Wingert2026Dataset(str(root), site="CLT027c")  # the archive -> session mapping is cached
    assert calls == ["CLT027c_aaaa.tgz"]


def test_waveform_mode(wingert):
    root = wingert[0]
    os.makedirs(root / "wav")
    for name in ("seq0001.wav", "seq0002.wav", "00SEQ1.wav"):
        x = np.zeros(44100 // 10, dtype=np.int16)
        x[441 * 3] = 20000
        scipy.io.wavfile.write(root / "wav" / name, 44100, x)
    ds = Wingert2026Dataset(str(root), site="CLT027c", return_waveform=True, prestim_ms=50.0)
    w = ds.stims[0][0].numpy()
    assert w.shape == (22 * 441,) and int(np.argmax(np.abs(w))) == 2205 + 3 * 441
    assert int(np.argmax(np.abs(w))) // ds.hop == 8  # 50 ms inset + 30 ms
    spec = Wingert2026Dataset(str(root), site="CLT027c")
    assert torch.equal(ds.responses[1][0], spec.responses[1][0])


def test_cli_info(wingert, capsys):
    from deepSTRF.cli import main

    with pytest.warns(UserWarning):
        assert main(["info", "wingert2026", "--path", str(wingert[0])]) == 0
    out = capsys.readouterr().out
    assert "S = 12" in out and "N = 6" in out and "F = 32" in out and "T = 20..22 bins" in out
