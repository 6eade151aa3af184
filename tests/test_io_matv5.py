"""The streaming MAT v5 reader against scipy, and its skipping of a large field."""

import tracemalloc

import numpy as np
import pytest
import scipy.io

from deepSTRF.io.matv5 import MatFormatError, read_struct


def spike_file(path, compress, n_events=(3, 40)):
    rng = np.random.default_rng(0)
    spike = {"spktimes": np.array([0.1, 0.2, 0.35]), "trial": np.array([1.0, 1.0, 2.0]),
             "events": rng.random(n_events), "timitStimcode": np.array([5.0, 5.0, 0.0]), "label": "ch5p",
             "nested": {"a": np.arange(4, dtype=np.int32)}}
    trial = {"stimon": np.array([1.0, 2.0]), "timitStimcode": np.array([5.0, 0.0])}
    scipy.io.savemat(path, {"spike": spike, "trial": trial, "other": np.ones(3)}, do_compression=compress)


@pytest.mark.parametrize("compress", [False, True])
def test_fields_equal_scipy(tmp_path, compress):
    path = tmp_path / "x_MUspk.mat"
    spike_file(path, compress)
    ref = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)
    got = read_struct(str(path), "spike", skip=("events",))
    assert "events" not in got and set(got) == {"spktimes", "trial", "timitStimcode", "label", "nested"}
    for k in ("spktimes", "trial", "timitStimcode"):
        np.testing.assert_array_equal(got[k].ravel(), getattr(ref["spike"], k))
    assert got["label"] == "ch5p" and got["nested"]["a"].ravel().tolist() == [0, 1, 2, 3]
    trial = read_struct(str(path), "trial")
    np.testing.assert_array_equal(trial["stimon"].ravel(), [1.0, 2.0])
    with pytest.raises(MatFormatError, match="no variable 'missing'"):
        read_struct(str(path), "missing")
    with pytest.raises(MatFormatError, match="is not a struct"):
        read_struct(str(path), "other")


@pytest.mark.parametrize("compress", [False, True])
def test_the_skipped_field_is_never_materialised(tmp_path, compress):
    path = tmp_path / "big_MUspk.mat"
    spike_file(path, compress, n_events=(5000, 1000))  # 40 MB of waveforms
    tracemalloc.start()
    got = read_struct(str(path), "spike", skip=("events",))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * 2**20 and got["spktimes"].size == 3


def test_not_a_mat_file(tmp_path):
    (tmp_path / "x.mat").write_bytes(b"\x89HDF\r\n" + b"\0" * 200)
    with pytest.raises(MatFormatError, match="not a MATLAB v5 file"):
        read_struct(str(tmp_path / "x.mat"), "spike")
