"""CRCNS-AC1 (Wehr + Asari) from MATLAB v5 files written in the release layout."""

import os
import shutil
import zipfile

import numpy as np
import pytest
import scipy.io
from scipy.ndimage import gaussian_filter1d, median_filter

from deepSTRF.datasets.audio import WEHR_VALID_NEURONS, CRCNSAC1Dataset, RepeatGating
from deepSTRF.io.crcns_ac1 import AC1FormatError
from deepSTRF.testing.ac1 import RNG, SF_A, SF_W, TONE_HZ, make_ac1, stim_file, trial_file, vm_signal  # noqa: F401


@pytest.fixture
def ac1(tmp_path):
    make_ac1(tmp_path)
    return tmp_path


def test_cells_stimuli_and_sharing(ac1):
    with pytest.warns(RuntimeWarning, match="whole-cell \\(mV\\) and cell-attached"), \
            pytest.warns(UserWarning, match="unknown Wehr stimulus 'unknown thing'; trial skipped"), \
            pytest.warns(UserWarning, match=r"sequence \(3, 1\) refers beyond its 2-entry stimulus table"):
        ds = CRCNSAC1Dataset(str(ac1))
    assert [m["session"] for m in ds.nrn_meta] == ["20020314-mw-001", "20020316-mw-003", "20050101-ha1-004",
                                                   "20050202-ha2-007"]
    assert [m.get("_wehr_cell_idx") for m in ds.nrn_meta] == [0, 2, None, None]  # the tone-only session keeps 1
    assert ds.nrn_meta[3]["signal_type"] == "spikes" and ds.nrn_meta[3]["recording_type"] == "cell-attached"
    assert ds.nrn_meta[2] == {"experimenter": "asari", "session": "20050101-ha1-004", "animal_id": "ha1",
                              "penetration": 4, "date": "20050101", "site": "A1", "recording_type": "whole-cell",
                              "species": "rat", "signal_type": "subthresh"}
    names = [(m["experimenter"], m.get("idx"), m.get("segment_files")) for m in ds.stim_meta]
    assert names == [("wehr", 1, None), ("wehr", 2, None), ("asari", None, ("class6/3.mat", "class6/3l.mat"))]
    assert ds.nrn_masks[0].tolist() == [True, True, False, False]  # stimulus 1 stored once, heard by two cells
    assert ds.nrn_masks[2].tolist() == [False, False, True, True]  # one sequence, two tables, two cells
    assert ds.responses[2][2].shape[0] == 4  # 3 repeats + the one reached through the other table
    assert ds.signal_type == "mixed" and ds.F == 53 and ds.hearing_range_hz == (250.0, 76000.0)
    assert ds.stim_meta[2]["segments"] == (1, 2) and ds.stim_meta[2]["category"] == "class6"


def test_detrended_vm_against_scipy(ac1):
    with pytest.warns(UserWarning):
        ds = CRCNSAC1Dataset(str(ac1), experimenter="wehr")
    r = ds.responses[1][0].numpy()  # session 1, stimulus 2: three clean repeats
    assert r.shape == (3, 40)  # 200 ms at 5 ms
    trial = scipy.io.loadmat(ac1 / "crcns-ac1/wehr/Results/20020314-mw-001/20020314-mw-001-100.mat",
                             squeeze_me=True, struct_as_record=False)
    x = trial["response"].trace.astype(float)[100:900] * trial["response"].scale
    base = gaussian_filter1d(median_filter(x, size=400, mode="reflect"), 40.0, truncate=4.0, mode="reflect")
    np.testing.assert_allclose(r[0], (x - base).reshape(40, 20).mean(1), rtol=1e-4, atol=1e-4)


def test_artefact_rejected_good_siblings_kept(ac1):
    with pytest.warns(UserWarning):
        ds = CRCNSAC1Dataset(str(ac1), experimenter="wehr")
    assert ds.responses[0][0].shape[0] == 3  # 4 repeats, the 200-mV one rejected
    assert ds.rejections["range"] == 1 and ds.rejections.get("xcorr", 0) == 0
    with pytest.warns(UserWarning):
        lenient = CRCNSAC1Dataset(str(ac1), experimenter="wehr", gating=RepeatGating(max_abs_mv=1000.0))
    assert lenient.responses[0][0].shape[0] == 4 and lenient.rejections.get("range", 0) == 0
    # three repeats, one an artefact: the two good ones survive (the consistency test needs 3 clean repeats)
    s3 = ac1 / "crcns-ac1/wehr/Results/20020316-mw-003"
    x = scipy.io.loadmat(s3 / "20020316-mw-003-000.mat", squeeze_me=True, struct_as_record=False)
    bad = x["response"].trace.astype(float) * x["response"].scale
    bad[600] = 300.0
    trial_file(s3 / "20020316-mw-003-009.mat", bad, SF_W, [("natural", 200, "humpback whale", 200)])
    with pytest.warns(UserWarning):
        again = CRCNSAC1Dataset(str(ac1), experimenter="wehr")
    assert again.responses[0][1].shape[0] == 2


def test_cell_attached_events_once_per_crossing(ac1):
    with pytest.warns(UserWarning, match=r"sequence \(3, 1\) refers beyond its 2-entry stimulus table"):
        ds = CRCNSAC1Dataset(str(ac1), experimenter="asari", sites="MGB")
    assert ds.signal_type == "spikes" and ds.N_neurons == 1
    r = ds.responses[0][0].numpy()
    assert r.shape == (2, 15)
    # three spikes per repeat, each 4 samples above threshold: 3 events, not 12 samples; the normalised
    # smoothing keeps the count (the spikes are away from the edges)
    assert r[0].sum() == pytest.approx(3.0, abs=0.35) and r[1].sum() == pytest.approx(3.0, abs=0.35)


def test_pure_tone_peaks_in_its_band(ac1):
    with pytest.warns(UserWarning):
        ds = CRCNSAC1Dataset(str(ac1), experimenter="wehr")
    spec = ds.stims[0][0].numpy()
    assert spec.shape == (53, 40)
    assert int(np.argmax(spec[:, 5:35].mean(1))) == 24
    above = 100 * 2 ** (np.arange(53) / 6) > 22050
    assert (spec[above] == np.float32(-240.0)).all()  # above the stimulus's Nyquist: the floor


def test_waveform_and_errors(ac1, tmp_path):
    with pytest.warns(UserWarning):
        w = CRCNSAC1Dataset(str(ac1), experimenter="asari", sites="A1", return_waveform=True, audio_fs=96000)
    assert w.stims[0].shape == (1, 15 * 480) and w.hop == 480
    with pytest.raises(ValueError, match="experimenter entry must be one of 'wehr', 'asari'; got 'zador'"):
        CRCNSAC1Dataset(str(ac1), experimenter="zador")
    with pytest.raises(ValueError, match="sites entry must be one of 'A1', 'MGB'; got 'IC'"):
        CRCNSAC1Dataset(str(ac1), sites=("IC",))
    with pytest.raises(FileNotFoundError, match="neither .*Summary.mat nor .*crcns-ac1.zip exists; neither .*asari-results-1 nor "
                                                 ".*crcns-ac1-asari-results-1.zip"):
        CRCNSAC1Dataset(str(tmp_path / "empty"))
    bad = ac1 / "crcns-ac1-asari-results-2/asari-results-2/20050202-ha2-007/c.mat"
    scipy.io.savemat(bad, {"response": {"trace": np.zeros((10, 1), np.int16), "sf": 10000.0}})
    with pytest.raises(AC1FormatError, match="c.mat: response has no field 'scale'"):
        CRCNSAC1Dataset(str(ac1), experimenter="asari")


def test_zips_are_extracted_on_first_load(ac1, tmp_path):
    dest = tmp_path / "zipped"
    shutil.copytree(ac1, dest)
    src = dest / "crcns-ac1-asari-results-2"
    with zipfile.ZipFile(dest / "crcns-ac1-asari-results-2.zip", "w") as z:
        for folder, _, files in os.walk(src):
            for f in files:
                full = os.path.join(folder, f)
                z.write(full, os.path.relpath(full, src))
    shutil.rmtree(src)
    with pytest.warns(UserWarning):
        ds = CRCNSAC1Dataset(str(dest), experimenter="asari", sites="MGB")
    assert ds.N_neurons == 1 and os.path.isdir(src / "asari-results-2")


def test_constants_and_cli(ac1, capsys):
    from deepSTRF.cli import main

    assert len(WEHR_VALID_NEURONS) == 21 and 1 not in WEHR_VALID_NEURONS
    with pytest.warns(UserWarning), pytest.warns(RuntimeWarning, match="loaded together"):
        assert main(["info", "crcns_ac1", "--path", str(ac1)]) == 0
    assert "S = 3" in capsys.readouterr().out
