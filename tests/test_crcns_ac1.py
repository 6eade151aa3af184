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

RNG = np.random.default_rng(0)
SF_W, SF_A = 4000.0, 10000.0
TONE_HZ = 1600.0  # band 24 of 100 Hz * 2^(b/6)


def stim_file(path, samples, sf, description="", key="samples"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scipy.io.savemat(path, {"stimulus": {key: np.asarray(samples)[:, None], "param": {"sf": sf,
                                                                                    "description": description}}})


def trial_file(path, trace, sf, triggers, param=None, scale=0.01):
    """triggers: list of (type, onset_0based, description, duration_ms)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    trig = np.zeros((1, len(triggers)), dtype=[("type", "O"), ("time", "O"), ("param", "O"), ("file", "O")])
    for i, (t, onset, desc, dur) in enumerate(triggers):
        trig[0, i] = (t, float(onset + 1), {"description": desc, "duration": float(dur)}, "x.mat")
    content = {"response": {"trace": np.round(np.asarray(trace) / scale).astype(np.int16)[:, None], "scale": scale,
                            "sf": sf}, "triggers": trig}
    if param is not None:
        content["param"] = param
    scipy.io.savemat(path, content)


def vm_signal(n, seed):
    """A shared, smooth membrane-potential response (mV)."""
    return gaussian_filter1d(np.random.default_rng(seed).normal(size=n), 20) * 40


def make_ac1(root):
    w = root / "crcns-ac1" / "wehr"
    os.makedirs(w / "Results")
    scipy.io.savemat(w / "Summary.mat", {"x": 1.0})
    t = np.arange(int(0.3 * 44100)) / 44100
    stim_file(w / "Stimuli/fragments/1.mat", np.sin(2 * np.pi * TONE_HZ * t), 44100.0, "humpback whale")
    stim_file(w / "Stimuli/category1/2.mat", RNG.normal(size=13230), 44100.0, "natural sound stream, No.1")
    stim_file(w / "Stimuli/category1/notes.mat", [0.0], 1.0, "ignored")
    n = int(0.2 * SF_W)  # 200-ms stimuli
    shared = vm_signal(n, 1)
    # session 1: stimulus 1 four times (one with a 200-mV artefact), stimulus 2 three times
    s1 = w / "Results/20020314-mw-001"
    for k in range(4):
        x = np.concatenate([np.zeros(400), shared + RNG.normal(0, 0.5, n), np.zeros(400)]) + 5.0 * k
        if k == 2:
            x[400 + 300] += 200.0
        trial_file(s1 / f"20020314-mw-001-{k:03d}.mat", x, SF_W, [("naturalsound", 400, "humpback whale", 200)])
    for k in range(3):
        x = np.concatenate([np.zeros(100), vm_signal(n, 2) + RNG.normal(0, 0.5, n), np.zeros(100)])
        trial_file(s1 / f"20020314-mw-001-1{k:02d}.mat", x, SF_W, [("nauralsound", 100, "natural sound stream, No.1",
                                                                  200)])
    trial_file(s1 / "20020314-mw-001-900.mat", np.zeros(1000), SF_W, [("naturalsound", 0, "unknown thing", 200)])
    # session 2: only tones (still takes Wehr cell index 1); session 3 hears stimulus 1 too
    trial_file(w / "Results/20020315-mw-002/20020315-mw-002-001.mat", np.zeros(1000), SF_W, [("tone", 0, "t", 100)])
    for k in range(2):
        x = np.concatenate([np.zeros(200), -shared + RNG.normal(0, 0.5, n), np.zeros(200)])
        trial_file(w / f"Results/20020316-mw-003/20020316-mw-003-00{k}.mat", x, SF_W,
                   [("natural", 200, "humpback whale", 200)])
    # Asari: stimuli and two sessions (A1 whole-cell in results-1, MGB cell-attached in results-2)
    a = root / "crcns-ac1" / "asari" / "Stimuli" / "class6"
    stim_file(a / "3.mat", RNG.normal(size=4883), 97656.0, key="sample")
    stim_file(a / "3l.mat", RNG.normal(size=2441), 97656.0, key="sample")
    table = np.zeros((1, 2), dtype=[("file", "O")])
    table[0, 0], table[0, 1] = ("class6/3.mat",), ("class6/3l.mat",)
    m = int(0.075 * SF_A)
    r1 = root / "crcns-ac1-asari-results-1/asari-results-1/20050101-ha1-004"
    base = vm_signal(m, 3)
    trace = np.concatenate([np.zeros(500)] + [np.concatenate([base + RNG.normal(0, 0.3, m), np.zeros(300)])
                                              for _ in range(3)])
    trigs = [("natural sound", 500 + i * (m + 300), "Sequence 1:  1   2", 75) for i in range(3)]
    trial_file(r1 / "a.mat", trace, SF_A, trigs + [("tone", 0, "Sequence 9: 1", 10)],
               param={"stimulus": table, "recording": {"site": "auditory cortex", "type": "whole cell"}})
    # the same sequence reached through a table in the other order
    table2 = np.zeros((1, 2), dtype=[("file", "O")])
    table2[0, 0], table2[0, 1] = ("class6/3l.mat",), ("class6/3.mat",)
    trial_file(r1 / "b.mat", np.concatenate([np.zeros(100), base, np.zeros(100)]), SF_A,
               [("natural sound", 100, "Sequence 2: 2 1", 75), ("natural sound", 100, "Sequence 3: 3 1", 75)],
               param={"stimulus": table2})
    r2 = root / "crcns-ac1-asari-results-2/asari-results-2/20050202-ha2-007"
    spikes = [[100, 300, 301, 520], [100, 300, 520]]
    traces = []
    for times in spikes:
        x = RNG.normal(0, 0.05, m)
        for t0 in times:
            if t0 == 301:
                continue
            x[t0:t0 + 4] += 3.0  # one spike spans several samples above threshold
        traces.append(x)
    trace = np.concatenate([np.zeros(200)] + [np.concatenate([x, np.zeros(100)]) for x in traces])
    trigs = [("naturalsound", 200 + i * (m + 100), "Sequence 1: 1 2", 75) for i in range(2)]
    trial_file(r2 / "c.mat", trace, SF_A, trigs, param={"stimulus": table,
                                                         "recording": {"site": "MGB", "type": "cell attached"}})


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
