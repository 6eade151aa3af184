"""The NEMS recording reader on its own: malformed inputs give errors naming the file."""

import io
import tarfile

import numpy as np
import pytest

from deepSTRF.dsp import bin_windows
from deepSTRF.io import RecordingError, epoch_bounds, read_recording
from deepSTRF.testing.formats import write_recording


def test_reads_signals_by_suffix_from_archive_and_folder(tmp_path):
    path = tmp_path / "rec.tgz"
    write_recording(path, "XYZ001a", {
        "resp": {"chans": ["a", "b"], "fs": 100, "csv": np.array([[1.0, np.nan], [2.0, 3.0]]),
                 "epochs": [("STIM_x", 0.0, 0.02)]},
        "stim": {"fs": 100, "h5": {"STIM_x": np.ones((3, 2))}, "type": "TiledSignal"},
    })
    rec = read_recording(str(path))
    resp = rec.signal("resp")
    assert resp.chans == ["a", "b"] and resp.fs == 100.0
    np.testing.assert_array_equal(resp.raster, np.array([[1, np.nan], [2, 3]], dtype=np.float32))
    assert list(resp.epochs["name"]) == ["STIM_x"] and resp.epochs["end"][0] == pytest.approx(0.02)
    assert rec.signal("stim").arrays["STIM_x"].shape == (3, 2)
    with tarfile.open(path) as t:
        t.extractall(tmp_path / "x", filter="data")
    folder = read_recording(str(tmp_path / "x" / "XYZ001a"))
    np.testing.assert_array_equal(folder.signal("resp").raster, resp.raster)
    with pytest.raises(RecordingError, match="has no 'mask' signal"):
        rec.signal("mask")


def test_epoch_table_without_the_expected_columns(tmp_path):
    path = tmp_path / "bad.tgz"
    write_recording(path, "XYZ001a", {"resp": {"chans": ["a"], "fs": 100, "csv": np.zeros((2, 1)), "epochs": []}})
    data = {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            data[m.name] = t.extractfile(m).read()
    key = [k for k in data if k.endswith(".epoch.csv")][0]
    data[key] = b"label,onset,offset\nSTIM_x,0,1\n"
    with tarfile.open(path, "w:gz") as t:
        for k, v in data.items():
            info = tarfile.TarInfo(k)
            info.size = len(v)
            t.addfile(info, io.BytesIO(v))
    with pytest.raises(RecordingError, match=r"bad.tgz:XYZ001a/XYZ001a.resp.epoch.csv: the epoch table lacks "
                                             r"column\(s\) \['start', 'end', 'name'\]"):
        read_recording(str(path))


def test_not_a_recording(tmp_path):
    path = tmp_path / "empty.tgz"
    with tarfile.open(path, "w:gz") as t:
        info = tarfile.TarInfo("x/readme.txt")
        info.size = 2
        t.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(RecordingError, match="no '\\*.meta.json' member; not a NEMS recording"):
        read_recording(str(path))
    (tmp_path / "junk.tgz").write_bytes(b"not gzip at all")
    with pytest.raises(RecordingError, match="junk.tgz: not a readable gzip tar archive"):
        read_recording(str(tmp_path / "junk.tgz"))


def test_epoch_rounding_and_binning_at_the_sample_rate():
    assert epoch_bounds(1.2345, 2.7345, 100) == (123, 273)
    assert epoch_bounds(0.125, 0.135, 100) == (12, 14)  # numpy rounding: half to even
    # 1-ms samples of a 1-s recording (what the per-site NAT4 archives hold), by the one binning rule
    counts, _ = bin_windows(np.sort([0.015, 0.0149999, 0.015, -0.001, 0.9999, 1.0]), [0.0], 1000, 1.0, unit="s")
    assert counts[15] == 2 and counts[14] == 1 and counts[999] == 1 and counts.sum() == 4
