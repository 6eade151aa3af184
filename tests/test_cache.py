"""The processed-dataset cache layer: .npy + JSON written atomically, memory-mapped on read."""

import os

import numpy as np
import pytest
import torch

from deepSTRF.cache import CacheError, is_complete, read_processed, write_processed
from deepSTRF.datasets.audio import SimulatedDataset
from deepSTRF.testing import assert_same_dataset


@pytest.fixture
def sim():
    ds = SimulatedDataset(seed=2, n_neurons=5, n_est=4, n_val=2, n_site_b=2, cache=False)
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
    write_processed(SimulatedDataset(seed=9, n_neurons=2, n_est=2, n_val=1, n_site_b=1, cache=False), folder)  # lost
    assert os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns == stamp
    assert read_processed(folder, SimulatedDataset).N_neurons == 5
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]

    class Other(SimulatedDataset):
        pass

    with pytest.raises(CacheError, match="holds a deepSTRF.datasets.audio.simulated.SimulatedDataset"):
        read_processed(folder, Other)


# ------------------------------------------------------------ every loader, through its constructor
@pytest.fixture
def ns1_root(tmp_path):
    from deepSTRF.testing.ns1 import make_ns1

    (tmp_path / "ns1").mkdir()
    make_ns1(tmp_path / "ns1")
    return tmp_path / "ns1"


def test_loader_cache_is_keyed_by_arguments_and_sources_and_follows_the_folder(ns1_root, monkeypatch):
    from deepSTRF.datasets import DatasetBuilder
    from deepSTRF.datasets.audio import NS1Dataset

    monkeypatch.delenv("DEEPSTRF_CACHE_DIR")  # the default place: <data>/.deepstrf/processed
    builds = []
    real_init = DatasetBuilder.__init__

    def counting_init(self, *a, **k):
        builds.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(DatasetBuilder, "__init__", counting_init)
    smooth = NS1Dataset(str(ns1_root))
    NS1Dataset(str(ns1_root) + "/")  # another spelling of the folder, same cache
    assert len(builds) == 1
    raw = NS1Dataset(str(ns1_root), smooth=False)  # a content argument: another cache
    assert len(builds) == 2 and not torch.equal(raw.responses[0][0], smooth.responses[0][0])
    assert torch.equal(NS1Dataset(str(ns1_root), smooth=False, cache=False).responses[0][0], raw.responses[0][0])
    assert len(builds) == 3  # cache=False always builds
    caches = ns1_root / ".deepstrf" / "processed"
    assert len([p for p in caches.iterdir() if p.is_dir()]) == 2
    spikes = next(p for p in (ns1_root / "spikesandwav").rglob("*.mat"))
    st = os.stat(spikes)
    os.utime(spikes, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a source file touched: rebuilt
    with pytest.warns(UserWarning, match=r"deepSTRF cache: .*NS1Dataset-.* is out of date .*; rebuilding"):
        NS1Dataset(str(ns1_root))
    assert len(builds) == 4
    assert len([p for p in caches.iterdir() if p.is_dir()]) == 2  # the stale one was replaced, not kept
    # a moved data folder takes its cache along; the dataset reports where it is now
    moved = ns1_root.parent / "moved"
    os.rename(ns1_root, moved)
    ds = NS1Dataset(str(moved))
    assert len(builds) == 4 and ds.path == str(moved)
    # a damaged cache is reported in one line and rebuilt, never used
    (folder,) = [p for p in (moved / ".deepstrf" / "processed").iterdir() if p.is_dir() and "smooth" not in p.name
                 and (p / "key.json").read_text().count('"smooth": true')]
    with open(folder / "resp_0.npy", "r+b") as f:
        f.truncate(64)
    with pytest.warns(UserWarning, match=r"resp_0.npy is 64 bytes, the manifest says .*; rebuilding"):
        again = NS1Dataset(str(moved))
    assert len(builds) == 5
    assert_same_dataset(NS1Dataset(str(moved), cache=False), again)


def test_a_subclass_with_its_own_init_is_loaded_without_the_cache(ns1_root):
    from deepSTRF.datasets.audio import NS1Dataset

    class Plain(NS1Dataset):  # inherits the constructor: cached under its own class
        pass

    class Doubled(NS1Dataset):
        def __init__(self, path, **kw):
            super().__init__(path, **kw)
            self.responses[0][0].mul_(2)

    plain = Plain(str(ns1_root))
    assert type(plain) is Plain and isinstance(plain._store().chunks[0], np.memmap)
    doubled = Doubled(str(ns1_root))
    assert not isinstance(doubled._store().chunks[0], np.memmap)
    assert torch.equal(doubled.responses[0][0], 2 * NS1Dataset(str(ns1_root)).responses[0][0])
    assert torch.equal(Doubled(str(ns1_root)).responses[0][0], doubled.responses[0][0])  # not doubled twice


def test_cache_key_follows_content_arguments_and_sources(tmp_path):
    from deepSTRF.cache import cache_key, source_fingerprint
    from deepSTRF.datasets.audio import NS1Dataset

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.mat").write_bytes(b"12345")
    (tmp_path / "b.wav").write_bytes(b"RIFF")
    fp = source_fingerprint(str(tmp_path))
    name, desc = cache_key(NS1Dataset, {"path": "/x", "dt_ms": 5.0, "smooth": True, "download": False}, fp)
    assert name.startswith("NS1Dataset-") and desc["arguments"] == {"dt_ms": 5, "smooth": True}
    assert cache_key(NS1Dataset, {"dt_ms": 5, "smooth": True}, fp)[0] == name  # 5 and 5.0: one cache
    assert cache_key(NS1Dataset, {"dt_ms": 5.5, "smooth": True}, fp)[1]["arguments"]["dt_ms"] == 5.5
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
    return SimulatedDataset(seed=seed, n_neurons=4, n_est=3, n_val=2, n_site_b=2, cache=False)


def test_load_or_build_builds_once_then_maps_and_rebuilds_on_changes(tmp_path, monkeypatch):
    from deepSTRF.cache import load_or_build

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
    assert len([f for f in os.listdir(data / ".deepstrf" / "processed") if not f.endswith(".lock")]) == 1
    load_or_build(SimulatedDataset, {"seed": 3}, str(data), lambda: build(3))  # another argument: another cache
    assert builds == [2, 3]
    (data / "source.bin").write_bytes(b"abcd")  # a changed source: rebuilt, the stale cache deleted
    with pytest.warns(UserWarning, match=r"deepSTRF cache: .*SimulatedDataset-.* is out of date"):
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
        "from deepSTRF.cache import load_or_build\n"
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

    cold = SimulatedDataset(seed=4, cache=False)
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
    from deepSTRF.cache import load_or_build
    from deepSTRF.cli import main

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
    assert main(["cache", "clear", "simulated", "--path", str(tmp_path / "elsewhere")]) == 2  # no --yes, no tty
    assert "would delete 2 cache folder(s); pass --yes" in capsys.readouterr().err
    assert main(["cache", "list", "--path", str(tmp_path / "elsewhere")]) == 0 and "2 cache(s)" in capsys.readouterr().out
    assert main(["cache", "clear", "simulated", "--path", str(tmp_path / "elsewhere"), "--yes"]) == 0
    assert capsys.readouterr().out.count("removed ") == 2
    left = outside / ".deepstrf" / "processed" / ".build-0123456789ab"  # what a killed build leaves
    left.mkdir()
    (left / "build-resp-x.npy").write_bytes(b"\x93NUMPY")
    assert main(["cache", "clear", "--path", str(tmp_path / "elsewhere"), "--yes"]) == 0
    assert f"removed {left}" in capsys.readouterr().out and not left.exists()
    assert not [p for p in (inside / ".deepstrf" / "processed").iterdir() if p.is_dir()]
    assert main(["cache", "list", "--path", str(tmp_path / "elsewhere")]) == 0
    assert "no caches" in capsys.readouterr().out


def test_a_read_only_data_folder_keeps_its_cache_in_the_user_cache(ns1_root, tmp_path, monkeypatch):
    import deepSTRF.cache.load as cache_mod
    from deepSTRF.datasets.audio import NS1Dataset

    monkeypatch.delenv("DEEPSTRF_CACHE_DIR")
    monkeypatch.setenv("DEEPSTRF_DATA_DIR", str(tmp_path / "home"))
    data = os.path.realpath(ns1_root)
    monkeypatch.setattr(cache_mod, "_can_write", lambda folder: not os.path.realpath(folder).startswith(data))
    cold = NS1Dataset(str(ns1_root), cache=False)
    first = NS1Dataset(str(ns1_root))
    assert not (ns1_root / ".deepstrf").exists()
    (folder,) = [p for p in (tmp_path / "home" / "processed").iterdir() if p.is_dir()]
    assert folder.name.startswith("NS1Dataset-") and isinstance(first._store().chunks[0], np.memmap)
    assert_same_dataset(cold, NS1Dataset(str(ns1_root)))


def test_a_cold_load_builds_straight_into_its_cache_files(ns1_root, monkeypatch):
    import deepSTRF.cache.files as cache_mod
    from deepSTRF.datasets import DatasetBuilder
    from deepSTRF.datasets.audio import NS1Dataset

    copied = []
    real_save = cache_mod._save
    monkeypatch.setattr(cache_mod, "_save", lambda folder, name, a: copied.append(name) or real_save(folder, name, a))
    cold = NS1Dataset(str(ns1_root), cache=False)
    first = NS1Dataset(str(ns1_root))
    assert not [n for n in copied if n.startswith(("resp_", "stim_"))]  # the builder's files, adopted
    root = os.environ["DEEPSTRF_CACHE_DIR"]
    (folder,) = [f for f in os.listdir(root) if os.path.isdir(os.path.join(root, f))]
    names = sorted(os.listdir(os.path.join(root, folder)))
    assert "resp_0.npy" in names and "stim_0.npy" in names and not [n for n in names if n.startswith("build-")]
    assert_same_dataset(cold, first)
    assert_same_dataset(cold, NS1Dataset(str(ns1_root)))
    # a build that fails leaves no files behind
    monkeypatch.setattr(DatasetBuilder, "add_response", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        NS1Dataset(str(ns1_root), smooth=False)
    assert sorted(f for f in os.listdir(root) if not f.endswith(".lock")) == [folder]


def test_write_processed_adopts_only_files_one_chunk_starts(tmp_path):
    from deepSTRF.cache.build import BuildFolder, building_into

    into = BuildFolder(str(tmp_path / ".build"))
    os.makedirs(into.path)
    with building_into(into):
        cold = SimulatedDataset(seed=5, n_neurons=3, n_est=3, n_val=1, n_site_b=1, cache=False)
    assert len(into.files) == 2 and all(isinstance(c.base, np.memmap) for c in cold._store().chunks)
    both = cold + cold  # every chunk now used twice: copied, never cut under the other user
    folder = write_processed(both, str(tmp_path / "c"), into)
    assert not [f for f in os.listdir(folder) if f.startswith("build-")]
    assert_same_dataset(both, read_processed(folder, type(both)))


def test_an_argument_that_cannot_key_a_cache_loads_without_it():
    from deepSTRF.cache import cached_loader
    from deepSTRF.datasets import DatasetBuilder
    from deepSTRF.datasets.audio import AudioNeuralDataset

    @cached_loader()
    class Toy(AudioNeuralDataset):
        def __init__(self, scale=1.0, cache: bool = True):
            super().__init__(None, 10.0)
            b = DatasetBuilder(10.0)
            b.add_stim(np.ones((1, 2, 5), np.float32), name="a")
            b.add_response(0, b.add_neuron(), np.full((1, 5), scale(2.0) if callable(scale) else scale, np.float32))
            self._finish(b, 2, None)

    assert isinstance(Toy(3.0)._store().chunks[0], np.memmap)
    with pytest.warns(UserWarning, match="deepSTRF cache: argument value of type function cannot key a cache; "
                                         "loading without the cache"):
        plain = Toy(lambda x: 2 * x)
    assert not isinstance(plain._store().chunks[0], np.memmap)
    assert float(plain.responses[0][0].sum()) == 20.0
