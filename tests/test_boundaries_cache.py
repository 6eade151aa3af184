"""The processed-data cache on full, read-only and damaged disks (issue 15, points 9-12)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from disks import readonly_folder, small_disk

from deepSTRF.cli import main
from deepSTRF.datasets.audio import SimulatedDataset

ARGS = dict(seed=3, n_neurons=6, n_est=6, n_val=2, n_site_b=2)


def same(a, b):
    assert len(a) == len(b) and a.get_N() == b.get_N()
    for s in range(len(a.stim_meta)):
        assert np.array_equal(a.stims[s].numpy(), b.stims[s].numpy())
        for n in range(a.N_neurons):
            assert np.array_equal(a.responses[s][n].numpy(), b.responses[s][n].numpy(), equal_nan=True)


def caches(root):
    return sorted(f for f in os.listdir(root) if f.startswith("SimulatedDataset-") and not f.endswith(".lock"))


def leftovers(root):
    return sorted(f for f in os.listdir(root) if f.startswith("."))


def only_cache_messages(record):
    return [str(w.message) for w in record if "deepSTRF cache" in str(w.message)]


# ------------------------------------------------------------------ 9. a full disk
def test_a_full_cache_disk_is_a_warning_and_an_uncached_load(tmp_path, monkeypatch):
    cold = SimulatedDataset(seed=0, cache=False)
    root = str(tmp_path / "disk")
    with small_disk(root, 2 << 20, monkeypatch) as how:
        monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
        with pytest.warns(UserWarning) as record:
            ds = SimulatedDataset(seed=0)
        msgs = only_cache_messages(record)
        assert len(msgs) == 1, (how, msgs)
        assert msgs[0].startswith(f"deepSTRF cache: not enough space in {root}: the build needs ")
        assert "GiB free; loaded without the cache" in msgs[0]
        same(cold, ds)
        assert caches(root) == [] and leftovers(root) == []  # the partial build folder is gone
        assert not any(isinstance(c, np.memmap) for c in ds._store().chunks)  # nothing maps the removed files


def test_a_full_tmpfs_never_kills_the_process(tmp_path):
    """The real thing, in a child process: a cold build into a 2-MiB tmpfs used to die of SIGBUS (exit 135)."""
    root = str(tmp_path / "disk")
    os.makedirs(root)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", root], capture_output=True)
    if mounted.returncode != 0:  # no mount here: the test above covers the behaviour with an injected ENOSPC
        code = "import os, errno; os.posix_fallocate = lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, 'full'))\n"
    else:
        code = ""
    try:
        code += textwrap.dedent(f"""
            import os, warnings
            os.environ["DEEPSTRF_CACHE_DIR"] = {root!r}
            from deepSTRF.datasets.audio import SimulatedDataset
            ds = SimulatedDataset(seed=0)
            print("loaded", len(ds), ds.N_neurons)
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert "loaded 68 24" in out.stdout and "not enough space in" in out.stderr
        assert [f for f in os.listdir(root) if f.startswith(".build")] == []
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "-l", root], capture_output=True)


# ------------------------------------------------------------------ 10. leftovers of a killed build
def test_the_folder_of_a_build_killed_with_sigkill_is_removed_on_the_next_load(tmp_path, monkeypatch):
    root = str(tmp_path / "processed")
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
    code = textwrap.dedent(f"""
        import os, sys, time
        os.environ["DEEPSTRF_CACHE_DIR"] = {root!r}
        import deepSTRF.cache.load as cache
        def hang(*a, **k):
            print("built, writing", flush=True)
            time.sleep(600)
        cache.write_processed = hang
        from deepSTRF.datasets.audio import SimulatedDataset
        SimulatedDataset(**{ARGS!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "built, writing"
        dead = [f for f in os.listdir(root) if f.startswith(".build-SimulatedDataset-")]
        assert len(dead) == 1 and os.listdir(os.path.join(root, dead[0]))  # its chunk files are there
    finally:
        child.kill()  # SIGKILL: no cleanup runs
        child.wait(timeout=30)
    ds = SimulatedDataset(**ARGS)
    assert leftovers(root) == [] and len(caches(root)) == 1
    same(SimulatedDataset(**ARGS, cache=False), ds)


# ------------------------------------------------------------------ 11. damage is repaired or bypassed
def test_a_cache_without_its_manifest_is_replaced_and_clear_can_remove_one(tmp_path, monkeypatch, capsys):
    root = str(tmp_path / "processed")
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
    SimulatedDataset(**ARGS)
    (folder,) = caches(root)
    os.remove(os.path.join(root, folder, "manifest.json"))
    with pytest.warns(UserWarning, match="is incomplete \\(no manifest\\); replacing it") as record:
        ds = SimulatedDataset(**ARGS)
    assert not [m for m in only_cache_messages(record) if "could not write" in m]
    assert caches(root) == [folder] and os.path.isfile(os.path.join(root, folder, "manifest.json"))
    same(SimulatedDataset(**ARGS, cache=False), ds)
    os.remove(os.path.join(root, folder, "manifest.json"))  # damaged again: listed, and removable
    assert main(["cache", "list"]) == 0
    assert "(incomplete: its manifest is lost" in capsys.readouterr().out
    assert main(["cache", "clear", "--yes"]) == 0
    assert f"removed {os.path.join(root, folder)}" in capsys.readouterr().out and caches(root) == []


def test_a_corrupted_table_is_reported_in_one_line_and_rebuilt(tmp_path, monkeypatch):
    root = str(tmp_path / "processed")
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
    SimulatedDataset(**ARGS)
    (folder,) = caches(root)
    path = os.path.join(root, folder, "tables.npz")
    size = os.path.getsize(path)
    with open(path, "wb") as f:
        f.write(b"\x00" * size)  # same size: only reading it can tell
    with pytest.warns(UserWarning) as record:
        ds = SimulatedDataset(**ARGS)
    (msg,) = only_cache_messages(record)
    assert msg == f"deepSTRF cache: {os.path.join(root, folder)}: tables.npz is damaged (ValueError: not an .npz " \
                  "(zip) archive); rebuilding"
    same(SimulatedDataset(**ARGS, cache=False), ds)


def test_a_read_only_cache_folder_is_a_warning_and_an_uncached_load(tmp_path, monkeypatch):
    root = str(tmp_path / "ro-cache")
    with readonly_folder(root) as how:
        monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
        with pytest.warns(UserWarning) as record:
            ds = SimulatedDataset(**ARGS)
        (msg,) = only_cache_messages(record)
        assert msg.startswith(f"deepSTRF cache: cannot use {root} (") and "loading without the cache" in msg, how
        assert "Read-only file system" in msg or "Permission denied" in msg
    same(SimulatedDataset(**ARGS, cache=False), ds)


# ------------------------------------------------------------------ 12. silent corruption is provable
@pytest.mark.parametrize("victim", ["resp_0.npy", "meta.json", "stim_0.npy"])
def test_cache_verify_catches_a_same_size_change(tmp_path, monkeypatch, capsys, victim):
    root = str(tmp_path / "processed")
    monkeypatch.setenv("DEEPSTRF_CACHE_DIR", root)
    SimulatedDataset(**ARGS)
    (folder,) = caches(root)
    assert main(["cache", "verify"]) == 0
    out = capsys.readouterr().out
    assert f"ok  SimulatedDataset  {os.path.join(root, folder)}" in out and "1 cache(s) checked, 0 damaged" in out
    path = os.path.join(root, folder, victim)
    data = bytearray(open(path, "rb").read())
    at = len(data) - 3 if victim != "meta.json" else data.index(b'"seed"') + 2  # one byte, same size
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    with open(path, "wb") as f:
        f.write(bytes(data))
    SimulatedDataset(**ARGS)  # a warm load checks sizes only (fast): the change passes it
    assert caches(root) == [folder]
    assert main(["cache", "verify", "SimulatedDataset"]) == 1
    out = capsys.readouterr().out
    assert f"BAD SimulatedDataset  {os.path.join(root, folder)}" in out and f"{victim}: content hash" in out
    assert "the file changed since it was written" in out and "1 damaged" in out
