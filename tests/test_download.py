"""Downloads against a local HTTP server on 127.0.0.1 serving fixture archives."""

import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest
from httpserver import FixtureServer, Route

import deepSTRF.download.fetch as fetch_mod
from deepSTRF.datasets.audio import (
    download_aa1,
    download_aa4,
    download_ac1,
    download_espejo_nat_waveforms,
    download_le2025,
    download_nat4,
    download_ns1,
)
from deepSTRF.download import (
    ArchiveError,
    DownloadError,
    LoginError,
    RegistryError,
    UnsafeArchiveError,
    load_registry,
    safe_extract,
    status,
    verify_dataset,
)
from deepSTRF.download.registry import parse_registry
from deepSTRF.download.sources import SourceError, check_url, resolve
from deepSTRF.testing.formats import make_tar, make_zip, md5

SCHEMES = ("zenodo", "figshare", "osf", "github", "crcns", "drum", "baphy")


def listing(root) -> set:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


MAT = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Tue Dec  1 12:00:00 2026" + b" " * 40


def wav_bytes(tag: bytes) -> bytes:
    return b"RIFF\x24\x00\x00\x00WAVEfmt " + tag


@pytest.fixture
def server(monkeypatch, trust_test_cert):
    with FixtureServer(tls=trust_test_cert) as srv:
        for scheme in SCHEMES:
            monkeypatch.setenv(f"DEEPSTRF_HOST_{scheme.upper()}", f"{srv.url}/{scheme}")
        monkeypatch.setattr(fetch_mod, "BACKOFF_S", 0.01)
        monkeypatch.delenv("CRCNS_USERNAME", raising=False)
        monkeypatch.delenv("CRCNS_PASSWORD", raising=False)
        yield srv


NS1_ZIP = make_zip({"spikesandwav/SH.En.C/clip01.wav": b"RIFF-fake-wav", "spikesandwav/unit1.mat": b"MATLAB 5.0"})


def serve_ns1(srv, mode="ok"):
    srv.routes["/osf/download/gdwyd/"] = Route(MAT + b"metadata-mat", mode=mode)
    srv.routes["/osf/download/5nxga/"] = Route(NS1_ZIP, mode=mode)
    srv.routes["/github/monzilur/DNet/master/test_data_5ms.mat"] = Route(MAT + b"spectrogram-mat" * 100, mode=mode)


def test_ns1_lands_extracted_recorded_and_idempotent(server, tmp_path):
    serve_ns1(server)
    root = download_ns1(str(tmp_path / "NS1"))
    assert root == str(tmp_path / "NS1")
    files = listing(root)
    assert {"MetadataSHEnCneurons.mat", "test_data_5ms.mat", "spikesandwav.zip",
            "spikesandwav/SH.En.C/clip01.wav", "spikesandwav/unit1.mat"} <= files
    assert open(os.path.join(root, "spikesandwav/unit1.mat"), "rb").read() == b"MATLAB 5.0"
    state = json.load(open(os.path.join(root, ".deepstrf/files.json")))
    assert state["spikesandwav.zip"]["sha256"] == "sha256:" + hashlib.sha256(NS1_ZIP).hexdigest()
    assert status("NS1", root) == "complete"
    calls = {k: r.calls for k, r in server.routes.items()}
    download_ns1(root)  # second time: nothing fetched, nothing unpacked again
    assert {k: r.calls for k, r in server.routes.items()} == calls
    assert all(r["ok"] for r in verify_dataset("NS1", root))


def zenodo_record(srv, files: dict, published: dict | None = None):
    published = published or {}
    srv.json("/zenodo/api/records/8044773", {"files": [
        {"key": name, "size": len(published.get(name, body)), "checksum": md5(published.get(name, body)),
         "links": {"self": f"{srv.url}/zenodo/files/{name}"}} for name, body in files.items()]})
    for name, body in files.items():
        srv.routes[f"/zenodo/files/{name}"] = Route(body)


A1_FILES = {
    "A1_NAT4_ozgf.fs100.ch18.tgz": make_tar([("A1_NAT4_ozgf.fs100.ch18/x.csv", b"1,2,3")]),
    "A1_pred_correlation.csv": b"cellid,r\nARM029a-01-1,0.5\n",
    "A1_single_sites.zip": make_zip({"A1_ARM029a_abc.tgz": b"site"}),
}


def test_zenodo_sizes_and_md5s_are_checked(server, tmp_path):
    zenodo_record(server, A1_FILES)
    root = download_nat4("A1", str(tmp_path / "NAT4"))
    assert {"A1_pred_correlation.csv", "A1_single_sites/A1_ARM029a_abc.tgz"} <= listing(root)
    assert server.routes.get("/zenodo/files/wav.zip") is None  # wav not requested
    with pytest.raises(ValueError, match="area must be one of 'A1', 'PEG'; got 'B1'"):
        download_nat4("B1", str(tmp_path))


def test_wrong_bytes_fail_with_expected_and_found_and_leave_nothing(server, tmp_path):
    published = dict(A1_FILES, **{"A1_pred_correlation.csv": b"cellid,r\nARM029a-01-1,0.9\n"})
    zenodo_record(server, A1_FILES, published)
    with pytest.raises(DownloadError) as err:
        download_nat4("A1", str(tmp_path / "NAT4"))
    msg = str(err.value)
    assert "A1_pred_correlation.csv" in msg and hashlib.md5(published["A1_pred_correlation.csv"]).hexdigest() in msg
    assert hashlib.md5(A1_FILES["A1_pred_correlation.csv"]).hexdigest() in msg  # what was found
    assert "A1_pred_correlation.csv" not in os.listdir(tmp_path / "NAT4")
    assert not [f for f in os.listdir(tmp_path / "NAT4") if f.startswith("tmp")]


def test_truncated_body_is_retried_then_fails_cleanly(server, tmp_path):
    serve_ns1(server)
    server.routes["/osf/download/5nxga/"].mode = "truncate"
    with pytest.raises(DownloadError, match="spikesandwav.zip"):
        download_ns1(str(tmp_path / "NS1"))
    assert server.routes["/osf/download/5nxga/"].calls == fetch_mod.RETRIES
    left = os.listdir(tmp_path / "NS1")
    assert "spikesandwav.zip" not in left and "spikesandwav" not in left
    assert not [f for f in left if f.startswith("tmp")]


@pytest.mark.parametrize("mode", ["error_once", "drop_once"])
def test_transient_failure_then_success(server, tmp_path, mode):
    serve_ns1(server)
    server.routes["/github/monzilur/DNet/master/test_data_5ms.mat"].mode = mode
    root = download_ns1(str(tmp_path / "NS1"))
    assert open(os.path.join(root, "test_data_5ms.mat"), "rb").read() == MAT + b"spectrogram-mat" * 100
    assert server.routes["/github/monzilur/DNet/master/test_data_5ms.mat"].calls == 2


def test_404_is_final(server, tmp_path):
    serve_ns1(server)
    server.routes["/osf/download/gdwyd/"] = Route(b"", mode="status", status=404)
    with pytest.raises(DownloadError, match="MetadataSHEnCneurons.mat: the server answered HTTP 404"):
        download_ns1(str(tmp_path / "NS1"))
    assert server.routes["/osf/download/gdwyd/"].calls == 1


AA1_ZIP = make_zip({"crcns-aa1/Field_L_cells/cell1/spike1": b"1 2 3\n", "crcns-aa1/all_stims/a.wav": b"w"})


def test_crcns_login_and_credentials_never_leak(server, tmp_path, caplog):
    server.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(AA1_ZIP, mode="crcns")
    caplog.set_level(logging.DEBUG)
    dest = tmp_path / "AA1"
    with pytest.raises(LoginError) as err:
        download_aa1(str(dest), username="alice", password="wrong-hunter2")
    assert "https://crcns.org/register" in str(err.value) and "hunter2" not in str(err.value)
    assert "hunter2" not in caplog.text and "hunter2" not in repr(err.value.__context__ or "")
    assert not (dest / "crcns-aa1.zip").exists()
    root = download_aa1(str(dest), username="alice", password="s3cret-pass")
    assert {"Field_L_cells/cell1/spike1", "all_stims/a.wav"} <= listing(root)  # top folder stripped
    assert server.routes["/crcns/aa-1/crcns-aa1.zip"].forms[-1]["fn"] == "aa-1/crcns-aa1.zip"
    for path in listing(root):
        assert b"s3cret-pass" not in open(os.path.join(root, path), "rb").read()
    assert "s3cret-pass" not in caplog.text
    assert "s3cret" not in repr(resolve("crcns:aa-1/crcns-aa1.zip", ("alice", "s3cret-pass")))


def test_crcns_credentials_from_environment_and_their_absence(server, tmp_path, monkeypatch):
    server.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(AA1_ZIP, mode="crcns")
    with pytest.raises(LoginError, match="CRCNS_USERNAME and CRCNS_PASSWORD"):
        download_aa1(str(tmp_path / "AA1"))
    monkeypatch.setenv("CRCNS_USERNAME", "alice")
    monkeypatch.setenv("CRCNS_PASSWORD", "s3cret-pass")
    assert "Field_L_cells/cell1/spike1" in listing(download_aa1(str(tmp_path / "AA1")))


def test_crcns_http_401_is_a_login_error(server, tmp_path):
    server.routes["/crcns/ac-1/crcns-ac1.zip"] = Route(b"", mode="status", status=401)
    with pytest.raises(LoginError, match="HTTP 401"):
        download_ac1(str(tmp_path / "AC1"), username="alice", password="x")


def test_aa4_animals_and_ac1_not_extracted(server, tmp_path):
    with pytest.raises(ValueError, match="animals must be a non-empty subset of BlaBro09xxF"):
        download_aa4(str(tmp_path), animals=["Nope"], username="a", password="b")
    for name in ("crcns-ac1.zip", "crcns-ac1-asari-results-1.zip", "crcns-ac1-asari-results-2.zip"):
        server.routes[f"/crcns/ac-1/{name}"] = Route(make_zip({"x/y.mat": b"m"}), mode="crcns")
    root = download_ac1(str(tmp_path / "AC1"), username="alice", password="s3cret-pass")
    assert sorted(f for f in os.listdir(root) if not f.startswith(".")) == [
        "crcns-ac1-asari-results-1.zip", "crcns-ac1-asari-results-2.zip", "crcns-ac1.zip"]


def test_figshare_le2025(server, tmp_path):
    body = make_zip({"zebf-auditory-restoration-1/metadata/recordings.csv": b"unit,area\n"})
    server.json("/figshare/v2/articles/29203457", {"files": [
        {"name": "zebf-auditory-restoration-1.zip", "size": len(body), "computed_md5": md5(body)[4:],
         "download_url": f"{server.url}/figshare/ndownloader/files/55083911"}]})
    server.routes["/figshare/ndownloader/files/55083911"] = Route(body)
    path = download_le2025(str(tmp_path / "Le_2025"))
    assert path.endswith("zebf-auditory-restoration-1") and os.path.isfile(os.path.join(path, "metadata/recordings.csv"))


def test_espejo_waveforms_search_the_mirror_folders(server, tmp_path):
    server.routes["/baphy/sounds_set4/cat10000_rec.wav"] = Route(wav_bytes(b"cat"))
    server.routes["/baphy/sounds/00cat%20dog.wav"] = Route(wav_bytes(b"dog"))
    found = download_espejo_nat_waveforms(["STIM_cat10000_rec.wav", "STIM_00cat dog.wav", "STIM_gone.wav"],
                                          str(tmp_path), progress=False)
    assert sorted(found) == ["STIM_00cat dog.wav", "STIM_cat10000_rec.wav"]  # a miss is reported by absence
    assert open(found["STIM_cat10000_rec.wav"], "rb").read() == wav_bytes(b"cat")
    assert server.routes["/baphy/sounds_set4/cat10000_rec.wav"].calls == 1
    again = download_espejo_nat_waveforms(["STIM_cat10000_rec.wav"], str(tmp_path), progress=False)
    assert again == {"STIM_cat10000_rec.wav": found["STIM_cat10000_rec.wav"]}
    assert server.routes["/baphy/sounds_set4/cat10000_rec.wav"].calls == 1


def test_two_processes_end_with_one_verified_copy(server, tmp_path):
    serve_ns1(server, mode="slow")
    server.routes["/osf/download/5nxga/"] = Route(NS1_ZIP * 1 + b"", mode="slow")
    dest = str(tmp_path / "NS1")
    code = f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); " \
           f"from deepSTRF.datasets.audio import download_ns1; print(download_ns1({dest!r}))"
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(out.decode().strip() == dest for out, _ in outs)
    assert all(r.calls == 1 for r in server.routes.values())  # the second process found the data complete
    assert all(r["ok"] for r in verify_dataset("NS1", dest))


# ------------------------------------------------------------------ extraction
def _tar_link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _zip_symlink() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "../../outside")
    return buf.getvalue()


@pytest.mark.parametrize("name, data, member", [
    ("slip.zip", make_zip({"ok.txt": b"fine", "../evil.txt": b"x"}), "../evil.txt"),
    ("abs.zip", make_zip({"/tmp/evil_abs.txt": b"x"}), "/tmp/evil_abs.txt"),
    ("link.zip", _zip_symlink(), "link"),
    ("slip.tgz", make_tar([("a/../../evil.txt", b"x")]), "a/../../evil.txt"),
    ("abs.tgz", make_tar([("/tmp/evil_abs2.txt", b"x")]), "/tmp/evil_abs2.txt"),
    ("symlink.tgz", make_tar([_tar_link("esc", "../../outside"), ("esc/file.txt", b"x")]), "esc"),
    ("hardlink.tgz", make_tar([_tar_link("hl", "/etc/passwd", tarfile.LNKTYPE)]), "hl"),
], ids=lambda v: v if isinstance(v, str) else "")  # archive bytes hold a gzip time stamp: not an id
def test_malicious_archives_are_refused(tmp_path, name, data, member):
    archive = tmp_path / name
    archive.write_bytes(data)
    target = tmp_path / "box" / "target"
    with pytest.raises(UnsafeArchiveError) as err:
        safe_extract(str(archive), str(target))
    assert repr(member) in str(err.value) and str(archive) in str(err.value)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "box" / "evil.txt").exists()
    assert not os.path.exists("/tmp/evil_abs.txt") and not os.path.exists("/tmp/evil_abs2.txt")
    assert not target.exists() or listing(target) == set()


def test_a_failed_extraction_leaves_no_partial_dataset(tmp_path):
    data = bytearray(make_zip({"a/one.bin": b"1" * 5000, "a/two.bin": os.urandom(5000)}))
    pos = data.find(b"1" * 100)
    data[pos + 10] ^= 0xFF  # corrupt one member: CRC error while reading
    archive = tmp_path / "bad.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError) as err:
        safe_extract(str(archive), str(tmp_path / "out"))
    assert str(archive) in str(err.value) and "a/one.bin" in str(err.value) and "CRC" in str(err.value)
    assert listing(tmp_path / "out") == set()


def test_strip_components(tmp_path):
    archive = tmp_path / "w.tgz"
    archive.write_bytes(make_tar([("crcns/aa2/stim_data.csv", b"a,b"), ("crcns/aa2/all_cells/c/x", b"1")]))
    assert safe_extract(str(archive), str(tmp_path / "o"), strip=2) == ["all_cells", "stim_data.csv"]
    assert listing(tmp_path / "o") == {"stim_data.csv", "all_cells/c/x"}


# ------------------------------------------------------------------ registry
@pytest.mark.parametrize("text, message", [
    ("file a osf:x", "line 1: line outside a [dataset] block"),
    ("[A]\nfolder = A\nfile a nowhere:x", "line 3: unknown source"),
    ("[A]\nfolder = A\nfile a osf:x size=12kB", "line 3: size must be a number of bytes"),
    ("[A]\nfolder = A\nfile a osf:x hash=crc:00", "line 3: hash must be md5:/sha1:/sha256:"),
    ("[A]\nfolder = A\nfile a osf:x into=../up", "line 3: into must be a relative path"),
    ("[A]\nfolder = A\ncolour = red", "line 3: expected 'key = value' with a known key"),
    ("[A]\nfolder = A\nfile a osf:x\nfile a osf:y", "line 4: file 'a' is declared twice"),
])
def test_malformed_registry_lines_are_named(text, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(text, "reg.txt")
    assert str(err.value).startswith("reg.txt, ") and message in str(err.value)


def test_packaged_registry_covers_every_download_function():
    reg = load_registry()
    assert set(reg) == {"NS1", "NAT4", "Wingert2026", "Espejo", "Downer2025", "AA1", "AA2", "AA4", "AC1",
                        "Le2025", "AliceEEG"}
    for info in reg.values():
        assert info.citation and info.account and info.folder and info.licence
    assert reg["AA4"].needs_account and not reg["NS1"].needs_account
    assert reg["NAT4"].groups == ["A1", "PEG", "wav"]


def test_importing_touches_neither_disk_nor_network():
    code = ("import deepSTRF.download.registry as r, deepSTRF.datasets.audio, deepSTRF.download; "
            "print(r.load_registry.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_only_https_except_loopback():
    assert check_url("https://zenodo.org/x") and check_url("http://127.0.0.1:8000/x")
    with pytest.raises(SourceError, match="only https is allowed"):
        check_url("http://zenodo.org/x")


def test_verify_reports_a_changed_file(server, tmp_path):
    serve_ns1(server)
    root = download_ns1(str(tmp_path / "NS1"))
    with open(os.path.join(root, "test_data_5ms.mat"), "ab") as f:
        f.write(b"!")
    report = {r["file"]: r for r in verify_dataset("NS1", root)}
    assert not report["test_data_5ms.mat"]["ok"] and "recorded" in report["test_data_5ms.mat"]["detail"]
    assert report["MetadataSHEnCneurons.mat"]["ok"]
    download_ns1(root)  # a changed file is fetched again
    assert all(r["ok"] for r in verify_dataset("NS1", root))


def test_cli_datasets_download_verify(server, tmp_path, capsys, monkeypatch):
    from deepSTRF.cli import main

    monkeypatch.setenv("DEEPSTRF_DATA_DIR", str(tmp_path))
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("NS1", "NAT4", "Wingert2026", "AA4", "AliceEEG", "Le2025"):
        assert name in out
    assert "free CRCNS account" in out and "Harper et al. (2016)" in out
    ns1_line = next(line for line in out.splitlines() if line.startswith("NS1 "))
    assert " absent " in ns1_line
    serve_ns1(server)
    assert main(["download", "NS1"]) == 0
    assert f"NS1 is in {tmp_path / 'NS1'}" in capsys.readouterr().out
    assert main(["datasets"]) == 0
    assert " complete " in next(line for line in capsys.readouterr().out.splitlines() if line.startswith("NS1 "))
    assert main(["verify", "NS1"]) == 0
    assert capsys.readouterr().out.count("ok  ") == 3
    (tmp_path / "NS1" / "MetadataSHEnCneurons.mat").write_bytes(b"tampered")
    assert main(["verify", "NS1"]) == 1
    assert "BAD MetadataSHEnCneurons.mat" in capsys.readouterr().out
    assert main(["download", "NAT4", "--group", "B1"]) == 2
    assert "NAT4 has no file group ['B1']; groups: A1, PEG, wav" in capsys.readouterr().err


def test_free_space_is_checked_before_downloading_and_unpacking(server, tmp_path, monkeypatch):
    import collections
    import shutil as sh

    serve_ns1(server)
    Usage = collections.namedtuple("Usage", "total used free")
    monkeypatch.setattr(sh, "disk_usage", lambda p: Usage(10**12, 0, 100))  # 100 bytes free
    zenodo_record(server, A1_FILES)
    with pytest.raises(DownloadError, match=r"A1_NAT4_ozgf.fs100.ch18.tgz: needs .* GiB but only 0.00 GiB are free"):
        download_nat4("A1", str(tmp_path / "NAT4"))
    assert server.routes["/zenodo/files/A1_NAT4_ozgf.fs100.ch18.tgz"].calls == 0  # nothing started
    assert not (tmp_path / "NAT4" / "A1_NAT4_ozgf.fs100.ch18.tgz").exists()


def test_drum_alice_eeg_four_zips_into_their_folders(server, tmp_path):
    from deepSTRF.datasets.audio import download_alice_eeg

    uuids = {"eeg.0.zip": "264ca110-f7f4-4fd5-9b00-896102b841ad", "eeg.1.zip": "bef532d8-cf74-4b9d-9b4c-5c1f81610ce9",
             "eeg.2.zip": "25fc51ae-d1fa-4094-85af-65dd4cf30251", "stimuli.zip": "df241468-26ee-42df-b27f-3f438cfc5a3f"}
    bodies = {f"eeg.{k}.zip": make_zip({f"eeg/S0{k + 1}/S0{k + 1}_alice-raw.fif": f"fif{k}".encode()}) for k in range(3)}
    bodies["stimuli.zip"] = make_zip({"stimuli/1.wav": wav_bytes(b"1")})
    for name, uuid in uuids.items():
        server.routes[f"/drum/bitstreams/{uuid}/download"] = Route(bodies[name])
    root = download_alice_eeg(str(tmp_path / "Alice_EEG"))
    assert {p for p in listing(root) if not os.path.basename(p).startswith(".")} >= {
        "eeg.0/eeg/S01/S01_alice-raw.fif", "eeg.1/eeg/S02/S02_alice-raw.fif", "eeg.2/eeg/S03/S03_alice-raw.fif",
        "stimuli/1.wav"}
    assert open(os.path.join(root, "eeg.1/eeg/S02/S02_alice-raw.fif"), "rb").read() == b"fif1"
    download_alice_eeg(str(tmp_path / "Alice_EEG"))  # idempotent: nothing fetched again
    assert all(server.routes[f"/drum/bitstreams/{u}/download"].calls == 1 for u in uuids.values())


BIG = bytes(range(256)) * 4096  # 1 MiB, every byte position distinguishable modulo 256


def _serve_big(server, mode):
    server.routes["/github/big"] = Route(BIG, mode=mode)
    return server.routes["/github/big"]


def test_interrupted_download_resumes_with_a_range_request(server, tmp_path, monkeypatch):
    from deepSTRF.download.fetch import fetch_file, partial_path

    monkeypatch.setattr(fetch_mod, "CHUNK", 4096)  # small reads, so a cut transfer keeps what it received
    route = _serve_big(server, "truncate")
    with pytest.raises(DownloadError, match="big.bin: the connection to 127.0.0.1:.* broke during the transfer"):
        fetch_file("github:big", str(tmp_path), "big.bin", size=len(BIG))
    kept = os.path.getsize(partial_path(str(tmp_path), "big.bin"))
    assert 0 < kept <= len(BIG) // 2 and "big.bin" not in os.listdir(tmp_path)
    route.mode = "ok"  # a later call (after Ctrl-C, say) continues where the last one stopped
    path, sha, size = fetch_file("github:big", str(tmp_path), "big.bin", size=len(BIG),
                                 known_hash="md5:" + hashlib.md5(BIG).hexdigest())
    assert route.ranges[-1] == f"bytes={kept}-"
    assert open(path, "rb").read() == BIG and size == len(BIG)
    assert not os.path.exists(partial_path(str(tmp_path), "big.bin"))


def test_retry_after_a_dropped_connection_resumes_and_a_server_without_ranges_restarts(server, tmp_path,
                                                                                        monkeypatch):
    from deepSTRF.download.fetch import fetch_file, partial_path

    monkeypatch.setattr(fetch_mod, "CHUNK", 4096)
    route = _serve_big(server, "drop_once")
    path, _, _ = fetch_file("github:big", str(tmp_path / "a"), "big.bin", size=len(BIG))
    assert route.ranges[0] is None and route.ranges[1].startswith("bytes=") and route.ranges[1] != "bytes=0-"
    assert open(path, "rb").read() == BIG
    # a server that ignores Range: the partial bytes are discarded, not prepended to the whole body
    route = _serve_big(server, "no_ranges")
    part = partial_path(str(tmp_path / "b"), "big.bin")
    os.makedirs(os.path.dirname(part))
    with open(part, "wb") as f:
        f.write(b"stale bytes")
    with open(part + ".json", "w") as f:  # what an interrupted attempt notes beside its bytes
        json.dump({"url": f"{server.url}/github/big", "validator": route.etag, "total": len(BIG)}, f)
    path, _, _ = fetch_file("github:big", str(tmp_path / "b"), "big.bin", size=len(BIG),
                            known_hash="md5:" + hashlib.md5(BIG).hexdigest())
    assert route.ranges == ["bytes=11-"] and open(path, "rb").read() == BIG


def test_a_checksum_mismatch_discards_the_partial_data(server, tmp_path):
    from deepSTRF.download.fetch import fetch_file, partial_path

    _serve_big(server, "ok")
    with pytest.raises(DownloadError, match="checksum"):
        fetch_file("github:big", str(tmp_path), "big.bin", size=len(BIG), known_hash="md5:" + "0" * 32)
    assert not os.path.exists(partial_path(str(tmp_path), "big.bin"))
    assert "big.bin" not in os.listdir(tmp_path)


@pytest.mark.parametrize("name", ["NAT4", "Espejo", "AA4"])
def test_an_empty_folder_of_a_dataset_whose_files_are_all_grouped_is_absent(name, tmp_path):
    # every file of these is in a group (areas, stimulus sets, animals): no group selected by
    # default once made an empty folder 'complete' (all([]) is True)
    assert status(name, str(tmp_path)) == "absent"
