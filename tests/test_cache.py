"""The processed-dataset cache layer: .npy + JSON written atomically, memory-mapped on read."""

import math
import os

import numpy as np
import pytest
import torch

from deepSTRF.datasets._cache import CacheError, is_complete, read_processed, write_processed
from deepSTRF.datasets.audio import SimulatedDataset


def assert_same_value(a, b, where="value"):
    """Equal with types: tensors/arrays element-wise (NaN == NaN), tuples stay tuples, floats incl. NaN;
    a numpy scalar may come back as the Python scalar it holds."""
    if isinstance(a, np.generic) and not isinstance(b, np.generic):
        a = a.item()
    assert type(a) is type(b) or (isinstance(a, float) and isinstance(b, float)), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(torch.nan_to_num(a, 7.5),
                                                                        torch.nan_to_num(b, 7.5)), where
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same_value(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def assert_same_dataset(cold, warm):
    assert len(cold.stim_meta) == len(warm.stim_meta) and cold.N_neurons == warm.N_neurons
    for s in range(len(cold.stim_meta)):
        assert_same_value(cold.stims[s], warm.stims[s], f"stims[{s}]")
        for n in range(cold.N_neurons):
            assert_same_value(cold.responses[s][n], warm.responses[s][n], f"responses[{s}][{n}]")
    assert torch.equal(cold.nrn_masks, warm.nrn_masks)
    assert_same_value(cold.stim_meta, warm.stim_meta, "stim_meta")
    assert_same_value(cold.nrn_meta, warm.nrn_meta, "nrn_meta")
    skip = {"_stim_store", "_resp_store", "_masks", "_cache"}
    assert_same_value({k: cold.__dict__[k] for k in sorted(cold.__dict__) if k not in skip},
                      {k: warm.__dict__[k] for k in sorted(warm.__dict__) if k not in skip}, "attributes")


@pytest.fixture
def sim():
    ds = SimulatedDataset(seed=2, n_neurons=5, n_est=4, n_val=2, n_site_b=2)
    ds.nrn_meta[0].update(snr=float("nan"), pos=(1, 2.5), arr=np.arange(3, dtype=np.int16), flag=np.bool_(True),
                          by_key={(1, "a"): [np.float32(0.5)]}, inf=float("-inf"))
    return ds


def test_round_trip_is_value_for_value_and_memory_mapped(sim, tmp_path):
    folder = write_processed(sim, str(tmp_path / "c"))
    assert is_complete(folder) and not [f for f in os.listdir(tmp_path) if f.startswith(".")]
    warm = read_processed(folder, SimulatedDataset)
    assert_same_dataset(sim, warm)
    assert all(isinstance(c, np.memmap) for c in warm._store().chunks)
    assert len(warm[0]["responses"]) == sim.get_N()  # __getitem__ works on the mapped stores
    assert type(warm.nrn_meta[0]["pos"]) is tuple and warm.nrn_meta[0]["by_key"][(1, "a")] == [0.5]


def _contents(folder):
    out = {}
    for f in sorted(os.listdir(folder)):
        with open(os.path.join(folder, f), "rb") as fh:
            out[f] = fh.read()
    return out


def test_transforms_copy_and_never_write_the_cache(sim, tmp_path):
    folder = write_processed(sim, str(tmp_path / "c"))
    before = _contents(folder)
    warm = read_processed(folder, SimulatedDataset)
    warm.smooth_responses(21.0)
    warm.normalize_responses("zscore")
    warm.standardize_stims()
    assert not torch.equal(torch.nan_to_num(warm.responses[0][0]), torch.nan_to_num(sim.responses[0][0]))
    assert _contents(folder) == before
    assert_same_dataset(sim, read_processed(folder, SimulatedDataset))


def test_truncated_missing_or_incomplete_caches_are_refused(sim, tmp_path):
    folder = write_processed(sim, str(tmp_path / "c"))
    path = os.path.join(folder, "resp_0.npy")
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size - 4)
    with pytest.raises(CacheError, match=rf"resp_0.npy is {size - 4} bytes, the manifest says {size}"):
        read_processed(folder, SimulatedDataset)
    os.remove(path)
    with pytest.raises(CacheError, match="resp_0.npy is missing"):
        read_processed(folder, SimulatedDataset)
    os.remove(os.path.join(folder, "manifest.json"))  # what a crash before the last write leaves
    assert not is_complete(folder)
    with pytest.raises(CacheError, match="no readable manifest"):
        read_processed(folder, SimulatedDataset)


def test_second_writer_keeps_the_first_cache_and_class_is_checked(sim, tmp_path):
    folder = write_processed(sim, str(tmp_path / "c"))
    stamp = os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns
    write_processed(SimulatedDataset(seed=9, n_neurons=2, n_est=2, n_val=1, n_site_b=1), folder)  # lost the race: discarded
    assert os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns == stamp
    assert read_processed(folder, SimulatedDataset).N_neurons == 5
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]

    class Other(SimulatedDataset):
        pass

    with pytest.raises(CacheError, match="holds a deepSTRF.datasets.audio.simulated.SimulatedDataset"):
        read_processed(folder, Other)


def _ns1(root):
    from test_ns1 import make_ns1

    from deepSTRF.datasets.audio import NS1Dataset

    root.mkdir()
    make_ns1(root)
    return NS1Dataset(str(root))


def _le(root):
    from test_le2025 import make_le

    from deepSTRF.datasets.audio import Le2025Dataset

    make_le(root)
    with pytest.warns(UserWarning):
        return Le2025Dataset(str(root))


def _downer(root):
    from test_downer import make_downer

    from deepSTRF.datasets.audio import Downer2025Dataset

    make_downer(root)
    return Downer2025Dataset(str(root), stimuli="mvocs")


def _ac1(root):
    from test_crcns_ac1 import make_ac1

    from deepSTRF.datasets.audio import CRCNSAC1Dataset

    make_ac1(root)
    with pytest.warns(RuntimeWarning, match="loaded together"), pytest.warns(UserWarning, match="skipped"):
        return CRCNSAC1Dataset(str(root))


@pytest.mark.parametrize("make", [_ns1, _le, _downer, _ac1], ids=["ns1", "le2025", "downer2025", "crcns_ac1"])
def test_loaders_round_trip(make, tmp_path):
    cold = make(tmp_path / "data")
    warm = read_processed(write_processed(cold, str(tmp_path / "cache")), type(cold))
    assert_same_dataset(cold, warm)


def test_cache_key_follows_content_arguments_and_sources(tmp_path):
    from deepSTRF.datasets._cache import cache_key, source_fingerprint
    from deepSTRF.datasets.audio import NS1Dataset

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.mat").write_bytes(b"12345")
    (tmp_path / "b.wav").write_bytes(b"RIFF")
    fp = source_fingerprint(str(tmp_path))
    name, desc = cache_key(NS1Dataset, {"path": "/x", "dt_ms": 5.0, "smooth": True, "download": False}, fp)
    assert name.startswith("NS1Dataset-") and desc["arguments"] == {"dt_ms": 5.0, "smooth": True}
    same, _ = cache_key(NS1Dataset, {"path": "/elsewhere/../x", "smooth": True, "dt_ms": 5.0, "download": True}, fp)
    assert same == name  # path spelling, download flag and argument order do not matter
    assert cache_key(NS1Dataset, {"dt_ms": 5.0, "smooth": False}, fp)[0] != name
    assert cache_key(NS1Dataset, {"dt_ms": 5.0, "smooth": True}, fp, loader_version=2)[0] != name
    assert cache_key(SimulatedDataset, {"dt_ms": 5.0, "smooth": True}, fp)[0] != name
    (tmp_path / ".deepstrf").mkdir()  # our own state (and the caches themselves) are not sources
    (tmp_path / ".deepstrf" / "files.json").write_text("{}")
    assert source_fingerprint(str(tmp_path)) == fp
    st = os.stat(tmp_path / "a" / "x.mat")
    os.utime(tmp_path / "a" / "x.mat", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched
    assert source_fingerprint(str(tmp_path)) != fp
    os.utime(tmp_path / "a" / "x.mat", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert source_fingerprint(str(tmp_path)) == fp
    (tmp_path / "c.txt").write_text("new")  # a new file
    assert source_fingerprint(str(tmp_path)) != fp
    with pytest.raises(TypeError, match="cannot key a cache"):
        cache_key(NS1Dataset, {"weird": object()}, fp)


def _small(seed=2):
    return SimulatedDataset(seed=seed, n_neurons=4, n_est=3, n_val=2, n_site_b=2)


def test_load_or_build_builds_once_then_maps_and_rebuilds_on_changes(tmp_path, monkeypatch):
    from deepSTRF.datasets._cache import load_or_build

    monkeypatch.delenv("DEEPSTRF_CACHE_DIR", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "source.bin").write_bytes(b"abc")
    builds = []

    def build(seed=2):
        builds.append(seed)
        return _small(seed)

    first = load_or_build(SimulatedDataset, {"seed": 2}, str(data), build)
    again = load_or_build(SimulatedDataset, {"seed": 2, "download": True}, str(data), build)
    assert builds == [2] and isinstance(again._store().chunks[0], np.memmap)
    assert_same_dataset(_small(2), again)
    assert_same_dataset(first, again)
    (name,) = [f for f in os.listdir(data / ".deepstrf" / "processed") if not f.endswith(".lock")]
    load_or_build(SimulatedDataset, {"seed": 3}, str(data), lambda: build(3))  # another argument: another cache
    assert builds == [2, 3]
    (data / "source.bin").write_bytes(b"abcd")  # a changed source: rebuilt
    load_or_build(SimulatedDataset, {"seed": 2}, str(data), build)
    assert builds == [2, 3, 2]
    # a damaged cache is reported in one line and rebuilt, never used
    folders = sorted(p for p in (data / ".deepstrf" / "processed").iterdir() if p.is_dir())
    for p in folders:
        with open(p / "resp_0.npy", "r+b") as f:
            f.truncate(100)
    with pytest.warns(UserWarning, match=r"deepSTRF cache: .*resp_0.npy is 100 bytes.*; rebuilding"):
        fresh = load_or_build(SimulatedDataset, {"seed": 2}, str(data), build)
    assert builds == [2, 3, 2, 2]
    assert_same_dataset(_small(2), fresh)
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", str(tmp_path / "elsewhere"))
    load_or_build(SimulatedDataset, {"seed": 2}, str(data), build)
    assert builds[-1] == 2 and len(builds) == 5 and any((tmp_path / "elsewhere").iterdir())


def test_concurrent_first_loads_build_once(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    (data / "source.bin").write_bytes(b"abc")
    log = tmp_path / "builds.log"
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "from deepSTRF.datasets._cache import load_or_build\n"
        "from deepSTRF.datasets.audio import SimulatedDataset\n"
        "from test_cache import _small\n"
        "def build():\n"
        f"    open({str(log)!r}, 'a').write('built\\n'); time.sleep(1.0); return _small(2)\n"
        f"ds = load_or_build(SimulatedDataset, {{'seed': 2}}, {str(data)!r}, build)\n"
        "print(type(ds._store().chunks[0]).__name__, float(ds.responses[0][0].nansum()))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert log.read_text() == "built\n"  # one build; the other two waited and mapped its cache
    assert len({o.decode() for o, _ in outs}) == 1 and outs[0][0].decode().startswith("memmap")


def test_a_mapped_dataset_pickles_by_reference_until_it_is_transformed(tmp_path):
    import pickle

    cold = SimulatedDataset(seed=4)
    warm = read_processed(write_processed(cold, str(tmp_path / "c")), SimulatedDataset)
    blob = pickle.dumps(warm)
    # the stimuli and responses travel as file references (the simulated truth attributes still travel by value)
    assert len(pickle.dumps(cold)) - len(blob) > 0.99 * cold.payload_nbytes
    back = pickle.loads(blob)
    assert isinstance(back._store().chunks[0], np.memmap)
    assert_same_dataset(cold, back)
    warm.smooth_responses(21.0)  # the chunk is copied into private memory, so it pickles by value
    assert not isinstance(warm._store().chunks[0], np.memmap)
    smoothed = pickle.loads(pickle.dumps(warm))
    assert torch.equal(torch.nan_to_num(smoothed.responses[0][0]), torch.nan_to_num(warm.responses[0][0]))
    assert not torch.equal(torch.nan_to_num(smoothed.responses[0][0]), torch.nan_to_num(cold.responses[0][0]))


def test_cli_cache_list_and_clear(tmp_path, monkeypatch, capsys):
    from deepSTRF.cli import main
    from deepSTRF.datasets._cache import load_or_build

    monkeypatch.setenv("DEEPSTRF_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("DEEPSTRF_CACHE_DIR", raising=False)
    inside = tmp_path / "home" / "Sim"
    outside = tmp_path / "elsewhere" / "Sim"
    for d in (inside, outside):
        d.mkdir(parents=True)
        (d / "source.bin").write_bytes(b"x")
    load_or_build(SimulatedDataset, {"seed": 2}, str(inside), lambda: _small(2))
    load_or_build(SimulatedDataset, {"seed": 3}, str(outside), lambda: _small(3))
    assert main(["cache", "list"]) == 0
    out = capsys.readouterr().out
    assert "SimulatedDataset(seed=2)" in out and "seed=3" not in out and "1 cache(s)" in out
    assert main(["cache", "list", "--path", str(tmp_path / "elsewhere")]) == 0
    out = capsys.readouterr().out
    assert "SimulatedDataset(seed=3)" in out and "2 cache(s)" in out and "h old" in out
    assert main(["cache", "clear", "NS1", "--path", str(tmp_path / "elsewhere")]) == 0
    assert "no cache to remove" in capsys.readouterr().out
    assert main(["cache", "clear", "simulated", "--path", str(tmp_path / "elsewhere")]) == 0
    assert capsys.readouterr().out.count("removed ") == 2
    assert not [p for p in (inside / ".deepstrf" / "processed").iterdir() if p.is_dir()]
    assert main(["cache", "list", "--path", str(tmp_path / "elsewhere")]) == 0
    assert "no caches" in capsys.readouterr().out
