"""Espejo (NAT and VMN) from small archives in both storage forms."""

import os

import numpy as np
import pytest
import scipy.io.wavfile
import torch

from deepSTRF.datasets.audio import EspejoDataset
from deepSTRF.io import RecordingError
from deepSTRF.testing.espejo import T, csv_archive, epochs_for, h5_archive, make_espejo, spikes_for  # noqa: F401


@pytest.fixture
def espejo(tmp_path):
    spec, csv = make_espejo(tmp_path)
    return tmp_path, spec, csv


def test_nat_layout_values_and_splits(espejo):
    root, spec, (resp, stim, rows) = espejo
    ds = EspejoDataset(str(root), stimuli="nat")
    assert [m["cell_id"] for m in ds.nrn_meta] == ["AMT003c-11-1", "AMT003c-12-2", "AMT003c-13-1", "BRT005a-01-1"]
    assert [m["name"] for m in ds.stim_meta] == ["STIM_a.wav", "STIM_b.wav", "STIM_c.wav", "STIM_d.wav",
                                                 "STIM_e.wav"]  # STIM_z has no spectrogram anywhere
    assert [m["split"] for m in ds.stim_meta] == ["test", "test", "estimation", "estimation", "estimation"]
    assert [m["n_repeats"] for m in ds.stim_meta] == [3, 2, 1, 1, 1]
    assert ds.stim_meta[0] == {"name": "STIM_a.wav", "type": "nat", "n_repeats": 3, "split": "test",
                               "duration_s": 1.5, "n_samples": 150}
    assert ds.F == 18 and ds.stims[1].shape == (1, 18, T)
    np.testing.assert_allclose(ds.stims[1][0].numpy(), spec["STIM_b.wav"], rtol=1e-6)  # first archive wins
    # relative binning: start + 19.9 ms -> bin 1 (the absolute rule would say 2)
    r = ds.responses[1][0].numpy()  # AMT003c-11-1 on STIM_b: 1 row in archive 1, 2 in archive 2
    assert r.shape == (3, T)
    assert r[0, 1] == 1 and r[0, 31] == 1  # k = 1 in archive 1
    assert r[1, 1] == 1 and r[1, 30] == 1 and r[2, 30] == 1  # k = 0 in archive 2
    assert r.sum() == 6
    assert ds.responses[1][3].shape == (1, 1) and torch.isnan(ds.responses[1][3]).all()
    # the CSV form: rows [round(start * 100), round(end * 100)) of the unit's column
    i = [k for k, row in enumerate(rows) if row[0] == "STIM_e.wav"][0]
    a = int(np.round(rows[i][1] * 100))
    np.testing.assert_array_equal(ds.responses[4][3].numpy(), resp[a: a + T, 0][None].astype(np.float32))
    np.testing.assert_allclose(ds.stims[4][0].numpy(), stim[a: a + T].T, rtol=1e-6)
    assert ds.responses[0][3].shape == (1, T)  # BRT heard STIM_a once
    assert ds.responses[0][0].shape == (3, T)
    assert ds.nrn_meta[0] == {"cell_id": "AMT003c-11-1", "experiment_set": "nat", "site": "AMT003c",
                              "animal_id": "AMT", "channel": "11", "unit": "1"}


def test_subset_cells_and_errors(espejo):
    root = espejo[0]
    test = EspejoDataset(str(root), subset="test")
    assert [m["name"] for m in test.stim_meta] == ["STIM_a.wav", "STIM_b.wav"]
    few = EspejoDataset(str(root), cells=["BRT005a-01-1", "nope"])
    assert few.N_neurons == 1 and few.nrn_masks[:, 0].tolist() == [True, False, False, False, True]
    with pytest.raises(ValueError, match="none of the 1 requested cells"):
        EspejoDataset(str(root), cells=["nope"])
    with pytest.raises(FileNotFoundError, match="A1_voc_mod_noise\npass download=True"):
        EspejoDataset(str(root), stimuli="vmn")
    with pytest.raises(ValueError, match="return_waveform=True is for stimuli='nat' only"):
        EspejoDataset(str(root), stimuli="vmn", return_waveform=True)
    with pytest.raises(ValueError, match="subset must be one of 'all', 'estimation', 'test'; got 'val'"):
        EspejoDataset(str(root), subset="val")


def test_vmn_and_stimfmt_check(espejo):
    root = espejo[0]
    vmn = root / "A1_voc_mod_noise" / "VMN"
    os.makedirs(vmn)
    rng = np.random.default_rng(1)
    h5_archive(vmn / "btn144a_ffff.tgz", ["btn144a-c1"], ["STIM_v1", "STIM_v1", "STIM_v2"],
               {"STIM_v1": rng.random((2, T)), "STIM_v2": rng.random((2, T))}, stimfmt="envelope")
    ds = EspejoDataset(str(root), stimuli="vmn")
    assert ds.F == 2 and ds.nrn_meta[0]["channel"] == "c1" and ds.nrn_meta[0]["unit"] is None
    assert [m["split"] for m in ds.stim_meta] == ["test", "estimation"]
    h5_archive(root / "A1_natural_sounds" / "NAT" / "zzz_wrong.tgz", ["zzz-c1"], ["STIM_v1"],
               {"STIM_v1": rng.random((2, T))}, stimfmt="envelope")
    with pytest.raises(RecordingError, match="stimfmt is 'envelope', expected 'ozgf'"):
        EspejoDataset(str(root), stimuli="nat")


def test_waveform_mode(espejo):
    root = espejo[0]
    os.makedirs(root / "nat_waveforms")
    for name in ("a.wav", "b.wav", "c.wav", "d.wav"):
        x = np.zeros(4410, dtype=np.int16)
        x[441] = 25000
        scipy.io.wavfile.write(root / "nat_waveforms" / name, 44100, x)
    with pytest.raises(FileNotFoundError, match=r"no wav for 1 stimuli in .*nat_waveforms \(e.g. STIM_e.wav\); pass download=True"):
        EspejoDataset(str(root), return_waveform=True)
    ds = EspejoDataset(str(root), return_waveform=True, cells=["AMT003c-11-1"], subset="test")
    w = ds.stims[0][0].numpy()
    assert w.shape == (T * 441,) and int(np.argmax(np.abs(w))) == 22050 + 441  # after 0.5 s of silence
    assert ds.audio_fs == 44100 and ds.mode == "waveform"


def test_cli_info(espejo, capsys):
    from deepSTRF.cli import main

    assert main(["info", "espejo", "--path", str(espejo[0])]) == 0
    out = capsys.readouterr().out
    assert "S = 5" in out and "N = 4" in out and "F = 18" in out and "test: " in out and "R=3 x" in out and "neurons with repeats" in out


def test_download_true_fetches_and_unpacks_through_the_registry(espejo, tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    from httpserver import FixtureServer, Route

    import deepSTRF.download.fetch as fetch_mod

    src = espejo[0]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        t.add(src / "A1_natural_sounds", arcname="A1_natural_sounds")
    body = buf.getvalue()
    dest = tmp_path / "fresh"
    with FixtureServer() as srv:
        monkeypatch.setenv("DEEPSTRF_HOST_ZENODO", f"{srv.url}/zenodo")
        monkeypatch.setattr(fetch_mod, "BACKOFF_S", 0.01)
        srv.json("/zenodo/api/records/3445557", {"files": [
            {"key": "A1_natural_sounds.tgz", "size": len(body), "checksum": "md5:" + hashlib.md5(body).hexdigest(),
             "links": {"self": f"{srv.url}/zenodo/files/A1_natural_sounds.tgz"}}]})
        srv.routes["/zenodo/files/A1_natural_sounds.tgz"] = Route(body)
        ds = EspejoDataset(str(dest), download=True)
        again = EspejoDataset(str(dest), download=True)  # already there: no second request
        assert srv.routes["/zenodo/files/A1_natural_sounds.tgz"].calls == 1
    ref = EspejoDataset(str(src))
    assert [m["name"] for m in ds.stim_meta] == [m["name"] for m in ref.stim_meta] == \
        [m["name"] for m in again.stim_meta]
    assert torch.equal(ds.responses[1][0], ref.responses[1][0])
