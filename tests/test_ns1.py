"""NS1 from MATLAB v5 files written in the release layout."""

import os

import numpy as np
import pytest
import scipy.io
import scipy.io.wavfile
import torch

from deepSTRF.datasets.audio import NS1Dataset
from deepSTRF.datasets.audio.ns1 import rahman2020_split, wav_name
from deepSTRF.io.ns1 import NS1FormatError
from deepSTRF.testing.ns1 import SPIKES, UNITS, make_ns1, write_metadata, write_spikes  # noqa: F401


@pytest.fixture
def ns1(tmp_path):
    return tmp_path, make_ns1(tmp_path)


def test_values_counts_and_metadata(ns1):
    root, X = ns1
    ds = NS1Dataset(str(root), smooth=False)
    assert (len(ds.stim_meta), ds.N_neurons, ds.F, ds.dt_ms) == (20, 4, 34, 5.0)
    np.testing.assert_array_equal(ds.stims[7][0].numpy(), X[7, :, 0, :].astype(np.float32))
    assert ds.stim_meta[0] == {"name": "nat01", "type": "water_sounds", "split": "train"}
    assert [m["split"] for m in ds.stim_meta].count("validation") == 3 and ds.stim_meta[19]["split"] == "test"
    assert ds.stim_meta[3]["type"] == "ferret_vocalization" and ds.stim_meta[9]["type"] == "human_speech"
    r = ds.responses[5][1].numpy()
    assert r.shape == (20, 999)
    expected = np.zeros(999)
    expected[0], expected[1], expected[2], expected[998] = 2, 1, 2, 1  # counts, not presence; 4995 ms dropped
    np.testing.assert_array_equal(r[1], expected)
    assert r[3].sum() == 0  # an empty repeat is a silent row
    assert r[0, 20] == 2  # unit 1's first repeat is shifted by 100 ms
    assert ds.nrn_meta[0] == {"cell_id": "u1", "area": "A1", "depth_um": 300, "noise_ratio": 0.1, "single_n": 0,
                              "single_t": "Yes", "n_electrodes": 32, "electrode_number": 1}
    assert ds.nrn_meta[3]["cell_id"] == "u4"  # found under the _1 name
    assert not torch.isnan(torch.cat([ds.responses[s][n].flatten() for s in range(20) for n in range(4)])).any()


def test_single_unit_subset_and_splits(ns1):
    ds = NS1Dataset(str(ns1[0]))
    kept = ds.select_pop_by_nrn_predicate(lambda m: m["single_t"] in ("Yes", "Maybe") and m["depth_um"] >= 0)
    assert kept == [0, 3]
    train, test = rahman2020_split()
    assert test == [3, 6, 9, 19] and len(train) == 16
    from deepSTRF.datasets.zoo import standard_split

    est, held_out = standard_split(ds)
    assert est == list(range(17)) and held_out == [17, 18, 19]


def test_smoothing_is_normalised(ns1):
    raw = NS1Dataset(str(ns1[0]), smooth=False)
    sm = NS1Dataset(str(ns1[0]))
    # 21 ms at 5 ms -> K = 5 taps: interior of hann(7), normalised
    w = np.hanning(7)[1:-1] / np.hanning(7)[1:-1].sum()
    x = raw.responses[0][0][1].numpy().astype(np.float64)
    ref = np.convolve(x, w, mode="same")
    np.testing.assert_allclose(sm.responses[0][0][1].numpy()[3:900], ref[3:900], rtol=1e-5, atol=1e-6)


def test_waveform_mode(ns1):
    root = ns1[0]
    os.makedirs(root / "spikesandwav" / "SH.En.C", exist_ok=True)
    for s in range(20):
        x = np.zeros(24414, dtype=np.float32)
        x[4883] = 0.9  # 0.1 s after onset at 48 828 Hz
        scipy.io.wavfile.write(root / "spikesandwav" / "SH.En.C" / wav_name(s), 48828, x)  # no extension
    ds = NS1Dataset(str(root), return_waveform=True)
    w = ds.stims[0][0].numpy()
    assert w.shape == (999 * 240,) and ds.hop == 240 and ds.audio_fs == 48000
    assert abs(int(np.argmax(np.abs(w))) - 4800) <= 1 and int(np.argmax(np.abs(w))) // 240 == 20


def test_errors(ns1, tmp_path):
    root = ns1[0]
    with pytest.raises(ValueError, match="dt_ms must be 5.0 for NS1: the spectrogram is precomputed at 5 ms; got 10"):
        NS1Dataset(str(root), dt_ms=10.0)
    os.remove(root / "spikesandwav" / "F2" / "u3.mat")
    with pytest.raises(FileNotFoundError, match="no spike file for unit u3.mat: neither .*F2/u3.mat nor its '_1'"):
        NS1Dataset(str(root))
    write_metadata(root / "MetadataSHEnCneurons.mat", UNITS, drop_field="singleT")
    with pytest.raises(NS1FormatError, match=r"neuron\(1\) lacks field\(s\) \['singleT'\]"):
        NS1Dataset(str(root))
    with pytest.raises(FileNotFoundError, match="NS1: missing under"):
        NS1Dataset(str(tmp_path / "none"))


def test_cli_info(ns1, capsys):
    from deepSTRF.cli import main

    assert main(["info", "ns1", "--path", str(ns1[0])]) == 0
    out = capsys.readouterr().out
    assert "S = 20" in out and "N = 4" in out and "F = 34" in out and "dt = 5 ms" in out
    assert "0.0% of (stim, neuron) pairs are sentinels" in out
