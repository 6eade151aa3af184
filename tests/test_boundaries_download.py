"""The download boundary under attack and misuse (issue 15, points 1-8, 15 and 16).

Every host is a local server: the registry's hosts are an https server on
127.0.0.1 (a self-signed certificate trusted for the test only); 127.0.0.2
stands for "another host", over https and over plain http.
"""

import hashlib
import io
import json
import logging
import os
import zipfile

import numpy as np
import pytest
from disks import readonly_folder, small_disk
from httpserver import FixtureServer, Route

import deepSTRF.download.fetch as fetch_mod
from deepSTRF._paths import UnsafeNameError
from deepSTRF.cli import main
from deepSTRF.datasets.audio import (
    CRCNSAA1Dataset,
    download_aa1,
    download_alice_eeg,
    download_downer2025,
    download_espejo,
    download_espejo_nat_waveforms,
    download_nat4,
    download_ns1,
)
from deepSTRF.download import (
    ArchiveError,
    DownloadError,
    InsecureRedirectError,
    NotEnoughSpaceError,
    StateFileError,
    UnexpectedContentError,
    UnsafeArchiveError,
    status,
    verify_dataset,
)
from deepSTRF.testing.formats import make_tgz, make_zip, md5, write_pair, write_wav

PASSWORD = "hunter2-s3cret"
MAT = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Tue Dec  1 12:00:00 2026" + b" " * 40
HTML = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>busy</body></html>"
SCHEMES = ("zenodo", "figshare", "osf", "github", "crcns", "drum", "baphy")


def files_under(*roots) -> dict:
    out = {}
    for root in roots:
        for d, _, fs in os.walk(root):
            for f in fs:
                p = os.path.join(d, f)
                if os.path.isfile(p):
                    out[p] = open(p, "rb").read()
    return out


@pytest.fixture
def hosts(monkeypatch, trust_test_cert):
    """``(main, other_https, other_http)``: the registry's hosts, and another host in both schemes."""
    with FixtureServer(tls=trust_test_cert) as main_srv, \
            FixtureServer("127.0.0.2", tls=trust_test_cert) as other, FixtureServer("127.0.0.2") as plain:
        for scheme in SCHEMES:
            monkeypatch.setenv(f"DEEPSTRF_HOST_{scheme.upper()}", f"{main_srv.url}/{scheme}")
        monkeypatch.setattr(fetch_mod, "BACKOFF_S", 0.01)
        monkeypatch.delenv("CRCNS_USERNAME", raising=False)
        monkeypatch.delenv("CRCNS_PASSWORD", raising=False)
        yield main_srv, other, plain


NS1_ZIP = make_zip({"spikesandwav/SH.En.C/clip01": b"\x00\x01" * 100, "spikesandwav/unit1.mat": MAT + b"u1"})


def serve_ns1(srv):
    srv.routes["/osf/download/gdwyd/"] = Route(MAT + b"metadata")
    srv.routes["/osf/download/5nxga/"] = Route(NS1_ZIP)
    srv.routes["/github/monzilur/DNet/master/test_data_5ms.mat"] = Route(MAT + b"spectrogram" * 50)


def calls(srv) -> dict:
    return {k: r.calls for k, r in srv.routes.items()}


# ------------------------------------------------------------------ 1. credentials are never written
def aa1_release(folder):
    write_wav(folder / "all_stims/conspecific/A.wav", 0.1, freq=2000.0)
    write_pair(folder / "Field_L_cells/gg0304_4_B/conspecific", 1, "A.wav", [[10.0, 20.0], [30.0]])
    write_pair(folder / "MLd_cells/yy1617_3/conspecific", 1, "A.wav", [[5.0]])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for d, _, fs in os.walk(folder):
            for f in fs:
                p = os.path.join(d, f)
                z.write(p, "crcns-aa1/" + os.path.relpath(p, folder))
    return buf.getvalue()


def test_credentials_never_reach_the_disk_the_listing_or_a_second_cache(hosts, tmp_path, monkeypatch, capsys):
    main_srv, _, _ = hosts
    main_srv.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(aa1_release(tmp_path / "src"), mode="crcns",
                                                         password=PASSWORD)
    data, cache = tmp_path / "AA1", os.environ["DEEPSTRF_CACHE_DIR"]
    ds = CRCNSAA1Dataset(str(data), download=True, username="alice", password=PASSWORD, smooth=False)
    assert [m["cell_id"] for m in ds.nrn_meta] == ["gg0304_4_B", "yy1617_3"]
    assert main_srv.routes["/crcns/aa-1/crcns-aa1.zip"].forms[-1]["password"] == PASSWORD  # it did reach CRCNS
    assert main(["cache", "list", "--path", str(data)]) == 0
    printed = capsys.readouterr()
    written = files_under(data, cache)
    assert written and not [p for p, b in written.items() if PASSWORD.encode() in b or b"alice" in b]
    assert PASSWORD not in printed.out + printed.err and "username" not in printed.out
    # the same data loaded with the environment's credentials maps the same cache: nothing is rebuilt
    monkeypatch.setenv("CRCNS_USERNAME", "alice")
    monkeypatch.setenv("CRCNS_PASSWORD", PASSWORD)
    monkeypatch.setattr("deepSTRF.paradigm.builder.DatasetBuilder.build",
                        lambda *a, **k: pytest.fail("a second cache was built"))
    again = CRCNSAA1Dataset(str(data), download=True, smooth=False)
    assert [m["cell_id"] for m in again.nrn_meta] == ["gg0304_4_B", "yy1617_3"]
    assert len([d for d in os.listdir(cache) if d.startswith("CRCNSAA1Dataset-") and "." not in d]) == 1
    assert main_srv.routes["/crcns/aa-1/crcns-aa1.zip"].calls == 1


# ------------------------------------------------------------------ 2. redirects
@pytest.mark.parametrize("status_code", [307, 308])
def test_a_login_redirected_elsewhere_is_refused_before_the_form_leaves(hosts, tmp_path, status_code):
    main_srv, other, plain = hosts
    for target in (plain, other):  # plain http on another host, then https on another host
        target.routes["/steal"] = Route(b"PK\x03\x04 stolen")
        main_srv.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(b"", mode="redirect", status=status_code,
                                                             location=f"{target.url}/steal")
        with pytest.raises(InsecureRedirectError) as err:
            download_aa1(str(tmp_path / "AA1"), username="alice", password=PASSWORD)
        msg = str(err.value)
        assert f"{main_srv.url}/crcns/aa-1/crcns-aa1.zip -> {target.url}/steal" in msg and PASSWORD not in msg
        assert target.routes["/steal"].calls == 0  # nothing, credentials least of all, went there
        assert not os.path.exists(tmp_path / "AA1" / "crcns-aa1.zip")


def test_a_login_redirected_by_302_goes_on_as_a_get_without_form_or_cookies(hosts, tmp_path):
    main_srv, other, _ = hosts
    body = make_zip({"crcns-aa1/Field_L_cells/c/stim1": b"A.wav\n", "crcns-aa1/all_stims/x": b"1"})
    other.routes["/files/aa1.zip"] = Route(body)
    main_srv.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(b"", mode="redirect", status=302,
                                                         location=f"{other.url}/files/aa1.zip",
                                                         set_cookie="session=logged-in-secret; Path=/")
    root = download_aa1(str(tmp_path / "AA1"), username="alice", password=PASSWORD)
    assert open(os.path.join(root, "Field_L_cells/c/stim1"), "rb").read() == b"A.wav\n"
    got = other.routes["/files/aa1.zip"]
    assert got.methods == ["GET"] and got.forms == []
    assert not any("Cookie" in h or "cookie" in h for h in got.headers)
    assert not any(PASSWORD in json.dumps(h) for h in got.headers)


def test_a_same_host_307_keeps_the_login_and_credentials_never_go_over_http(hosts, tmp_path, monkeypatch):
    main_srv, _, plain = hosts
    body = make_zip({"crcns-aa1/all_stims/x": b"1"})
    main_srv.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(b"", mode="redirect", status=307,
                                                         location="/crcns/real/crcns-aa1.zip")
    main_srv.routes["/crcns/real/crcns-aa1.zip"] = Route(body, mode="crcns", password=PASSWORD)
    download_aa1(str(tmp_path / "AA1"), username="alice", password=PASSWORD)
    assert main_srv.routes["/crcns/real/crcns-aa1.zip"].forms[-1]["username"] == "alice"
    # a CRCNS host configured as plain http: the form is never sent
    plain.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(body, mode="crcns", password=PASSWORD)
    monkeypatch.setenv("DEEPSTRF_HOST_CRCNS", f"{plain.url}/crcns")
    with pytest.raises(InsecureRedirectError, match="refusing to send the login form over plain http"):
        download_aa1(str(tmp_path / "AA1b"), username="alice", password=PASSWORD)
    assert plain.routes["/crcns/aa-1/crcns-aa1.zip"].calls == 0


def test_an_https_to_http_downgrade_is_refused_for_every_download(hosts, tmp_path):
    main_srv, _, plain = hosts
    serve_ns1(main_srv)
    plain.routes["/evil.mat"] = Route(MAT + b"tampered")
    main_srv.routes["/osf/download/gdwyd/"] = Route(b"", mode="redirect", status=302,
                                                    location=f"{plain.url}/evil.mat")
    with pytest.raises(InsecureRedirectError) as err:
        download_ns1(str(tmp_path / "NS1"))
    assert "refusing a redirect from https to plain http" in str(err.value)
    assert f"{main_srv.url}/osf/download/gdwyd/ -> {plain.url}/evil.mat" in str(err.value)
    assert plain.routes["/evil.mat"].calls == 0
    state = tmp_path / "NS1" / ".deepstrf" / "files.json"
    assert not (tmp_path / "NS1" / "MetadataSHEnCneurons.mat").exists()
    assert not state.exists() or "MetadataSHEnCneurons.mat" not in json.loads(state.read_text())


# ------------------------------------------------------------------ 3. never delete what we did not write
def test_a_file_placed_by_hand_is_kept_and_adopted_not_deleted(hosts, tmp_path, caplog):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    root = tmp_path / "NS1"
    root.mkdir()
    mine = MAT + b"my own copy of the metadata"
    (root / "MetadataSHEnCneurons.mat").write_bytes(mine)
    caplog.set_level(logging.WARNING, logger="deepSTRF.download")
    download_ns1(str(root))
    assert (root / "MetadataSHEnCneurons.mat").read_bytes() == mine
    assert main_srv.routes["/osf/download/gdwyd/"].calls == 0  # no checksum is published: adopted, not fetched
    rec = json.loads((root / ".deepstrf/files.json").read_text())["MetadataSHEnCneurons.mat"]
    assert rec["adopted"] and rec["sha256"] == "sha256:" + hashlib.sha256(mine).hexdigest()
    notes = [r.getMessage() for r in caplog.records]
    assert any("kept" in n and "MetadataSHEnCneurons.mat" in n and "SHA-256 is recorded" in n for n in notes)


def test_with_the_network_down_a_present_file_survives(hosts, tmp_path):
    main_srv, _, _ = hosts
    root = tmp_path / "NS1"
    root.mkdir()
    (root / "MetadataSHEnCneurons.mat").write_bytes(MAT + b"precious")
    main_srv.httpd.shutdown()  # the network is down
    main_srv.httpd.server_close()
    with pytest.raises(DownloadError, match="could not reach"):
        download_ns1(str(root))
    assert (root / "MetadataSHEnCneurons.mat").read_bytes() == MAT + b"precious"


A1 = {"A1_NAT4_ozgf.fs100.ch18.tgz": make_tgz({"A1_NAT4_ozgf.fs100.ch18/x.csv": b"1,2,3\n"}),
      "A1_pred_correlation.csv": b"cellid,sig_auditory\nARM029a-01-1,True\n",
      "A1_single_sites.zip": make_zip({"A1_ARM029a_abc.tgz": b"\x1f\x8bsite"})}


def zenodo(srv, files: dict, record="8044773"):
    srv.json(f"/zenodo/api/records/{record}", {"files": [
        {"key": n, "size": len(b), "checksum": md5(b), "links": {"self": f"{srv.url}/zenodo/files/{n}"}}
        for n, b in files.items()]})
    for n, b in files.items():
        srv.routes[f"/zenodo/files/{n}"] = Route(b)


def test_an_unrecorded_file_is_checked_against_the_published_checksum(hosts, tmp_path):
    main_srv, _, _ = hosts
    zenodo(main_srv, A1)
    root = tmp_path / "NAT4"
    root.mkdir()
    (root / "A1_pred_correlation.csv").write_bytes(A1["A1_pred_correlation.csv"])  # the right bytes
    (root / "A1_NAT4_ozgf.fs100.ch18.tgz").write_bytes(b"\x1f\x8b not the published archive")  # wrong bytes
    download_nat4("A1", str(root))
    assert main_srv.routes["/zenodo/files/A1_pred_correlation.csv"].calls == 0  # matched: adopted
    assert main_srv.routes["/zenodo/files/A1_NAT4_ozgf.fs100.ch18.tgz"].calls == 1  # replaced, once verified
    assert (root / "A1_NAT4_ozgf.fs100.ch18.tgz").read_bytes() == A1["A1_NAT4_ozgf.fs100.ch18.tgz"]
    assert all(r["ok"] for r in verify_dataset("NAT4", str(root), ["A1"]))


def test_a_wrong_file_stays_when_its_replacement_fails(hosts, tmp_path):
    main_srv, _, _ = hosts
    zenodo(main_srv, A1)
    served = b"cellid,sig_auditory\nARM029a-01-1,Fals\n"  # the published size, other bytes
    assert len(served) == len(A1["A1_pred_correlation.csv"])
    main_srv.routes["/zenodo/files/A1_pred_correlation.csv"] = Route(served)
    root = tmp_path / "NAT4"
    root.mkdir()
    (root / "A1_pred_correlation.csv").write_bytes(b"cellid,sig_auditory\nmine,True\n")
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_nat4("A1", str(root))
    assert (root / "A1_pred_correlation.csv").read_bytes() == b"cellid,sig_auditory\nmine,True\n"


def test_an_archive_deleted_after_extraction_is_not_fetched_again(hosts, tmp_path):
    main_srv, _, _ = hosts
    body = make_zip({"auditory_cortex_data/sessions/180413/b_180413_Ch1_MUspk.mat": MAT,
                     "auditory_cortex_data/sessions_metadata.yml": b"bad_sessions: []\n"})
    zenodo(main_srv, {"auditory_cortex_data.zip": body}, record="16175377")
    dest = tmp_path / "Downer2025"
    download_downer2025(str(dest))
    os.remove(dest / "auditory_cortex_data.zip")  # the docs say you may, to get 29 GB back
    before = calls(main_srv)
    assert download_downer2025(str(dest)) == str(dest / "auditory_cortex_data")
    assert calls(main_srv) == before and status("Downer2025", str(dest)) == "complete"
    report = verify_dataset("Downer2025", str(dest))
    assert report[0]["ok"] and "deleted after extraction" in report[0]["detail"]
    os.remove(dest / "auditory_cortex_data/sessions_metadata.yml")  # part of the tree gone: fetched again
    download_downer2025(str(dest))
    assert (dest / "auditory_cortex_data/sessions_metadata.yml").exists()


def test_download_true_with_one_file_missing_fetches_only_that_file(hosts, tmp_path):
    main_srv, _, _ = hosts
    main_srv.routes["/crcns/aa-1/crcns-aa1.zip"] = Route(aa1_release(tmp_path / "src"), mode="crcns",
                                                         password=PASSWORD)
    data = tmp_path / "AA1"
    CRCNSAA1Dataset(str(data), download=True, username="alice", password=PASSWORD, cache=False)
    os.remove(data / "crcns-aa1.zip")
    os.remove(data / "MLd_cells/yy1617_3/conspecific/spike1")  # one extracted file lost: the tree is incomplete
    CRCNSAA1Dataset(str(data), download=True, username="alice", password=PASSWORD, cache=False)
    assert main_srv.routes["/crcns/aa-1/crcns-aa1.zip"].calls == 2 and (data / "MLd_cells/yy1617_3").exists()
    serve_ns1(main_srv)
    root = download_ns1(str(tmp_path / "NS1"))
    os.remove(os.path.join(root, "test_data_5ms.mat"))
    before = calls(main_srv)
    download_ns1(root)
    after = calls(main_srv)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "/github/monzilur/DNet/master/test_data_5ms.mat": 1}


def test_an_archive_extracted_by_hand_counts_as_done(hosts, tmp_path):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    root = tmp_path / "NS1"
    (root / "spikesandwav").mkdir(parents=True)
    (root / "spikesandwav.zip").write_bytes(NS1_ZIP)
    with zipfile.ZipFile(root / "spikesandwav.zip") as z:  # what an earlier tool did
        for info in z.infolist():
            out = root / "spikesandwav" / info.filename.split("/", 1)[1]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(z.read(info))
    (root / "spikesandwav" / "my_notes.txt").write_text("mine")
    stamp = os.stat(root / "spikesandwav/unit1.mat").st_mtime_ns
    download_ns1(str(root))
    assert main_srv.routes["/osf/download/5nxga/"].calls == 0
    assert os.stat(root / "spikesandwav/unit1.mat").st_mtime_ns == stamp  # not unpacked again
    assert (root / "spikesandwav/my_notes.txt").read_text() == "mine"  # nor anything of ours deleted


# ------------------------------------------------------------------ 4. error pages are not data
def test_an_html_error_page_with_status_200_is_refused(hosts, tmp_path):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    main_srv.routes["/osf/download/gdwyd/"] = Route(HTML, content_type="text/html; charset=utf-8")
    with pytest.raises(UnexpectedContentError) as err:
        download_ns1(str(tmp_path / "NS1"))
    msg = str(err.value)
    assert "MetadataSHEnCneurons.mat" in msg and f"{main_srv.url}/osf/download/gdwyd/" in msg
    assert "text/html" in msg and "<!DOCTYPE html>" in msg and "MATLAB" in msg
    assert main_srv.routes["/osf/download/gdwyd/"].calls == 1  # final, not retried
    assert not (tmp_path / "NS1" / "MetadataSHEnCneurons.mat").exists()
    report = {r["file"]: r for r in verify_dataset("NS1", str(tmp_path / "NS1"))}
    assert not report["MetadataSHEnCneurons.mat"]["ok"]


def test_json_where_a_zip_belongs_is_refused(hosts, tmp_path):
    main_srv, _, _ = hosts
    main_srv.routes["/drum/bitstreams/df241468-26ee-42df-b27f-3f438cfc5a3f/download"] = Route(
        b'{"error": "rate limited"}', content_type="application/octet-stream")
    for k, u in enumerate(("264ca110-f7f4-4fd5-9b00-896102b841ad", "bef532d8-cf74-4b9d-9b4c-5c1f81610ce9",
                           "25fc51ae-d1fa-4094-85af-65dd4cf30251")):
        main_srv.routes[f"/drum/bitstreams/{u}/download"] = Route(make_zip({f"eeg/S0{k}/x.fif": b"fif"}))
    with pytest.raises(UnexpectedContentError, match=r"stimuli.zip: .* starting '\{\"error\"") as err:
        download_alice_eeg(str(tmp_path / "Alice"))
    assert "a zip archive was expected" in str(err.value)


def test_an_archive_that_fails_extraction_is_removed_and_fetched_again(hosts, tmp_path):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    bad = bytearray(NS1_ZIP)
    pos = bad.find(b"u1")
    bad[pos] ^= 0xFF  # a CRC error inside an archive that no checksum protects
    main_srv.routes["/osf/download/5nxga/"] = Route(bytes(bad))
    root = tmp_path / "NS1"
    with pytest.raises(ArchiveError) as err:
        download_ns1(str(root))
    msg = str(err.value)
    assert str(root / "spikesandwav.zip") in msg and "CRC" in msg and "removed" in msg and "fetches it again" in msg
    assert not (root / "spikesandwav.zip").exists()
    assert "spikesandwav.zip" not in json.loads((root / ".deepstrf/files.json").read_text())
    main_srv.routes["/osf/download/5nxga/"] = Route(NS1_ZIP)
    download_ns1(str(root))
    assert (root / "spikesandwav/unit1.mat").read_bytes() == MAT + b"u1"


# ------------------------------------------------------------------ 5. resuming never splices two files
BIG_OLD = bytes(range(256)) * 2048
BIG_NEW = bytes(reversed(range(256))) * 2048 + b"a longer new version"


def _interrupt(main_srv, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_mod, "CHUNK", 4096)
    main_srv.routes["/github/big"] = Route(BIG_OLD, mode="truncate")
    with pytest.raises(DownloadError):
        fetch_mod.fetch_file("github:big", str(tmp_path), "big.bin")
    part = fetch_mod.partial_path(str(tmp_path), "big.bin")
    assert 0 < os.path.getsize(part) < len(BIG_OLD)
    return main_srv.routes["/github/big"]


def test_a_file_that_changed_on_the_server_is_fetched_whole_not_spliced(hosts, tmp_path, monkeypatch, caplog):
    main_srv, _, _ = hosts
    old = _interrupt(main_srv, tmp_path, monkeypatch)
    main_srv.routes["/github/big"] = new = Route(BIG_NEW)  # a new version: another ETag
    caplog.set_level(logging.WARNING, logger="deepSTRF.download")
    path, _, size = fetch_mod.fetch_file("github:big", str(tmp_path), "big.bin")
    assert "big.bin: the server sent the whole file instead of the rest" in caplog.text
    assert new.headers[0]["If-Range"] == old.etag and new.headers[0]["Range"].startswith("bytes=")
    assert open(path, "rb").read() == BIG_NEW and size == len(BIG_NEW)


@pytest.mark.parametrize("mode", ["bad_range", "blind_range"])
def test_a_wrong_206_answer_starts_again_from_zero(hosts, tmp_path, monkeypatch, mode, caplog):
    main_srv, _, _ = hosts
    _interrupt(main_srv, tmp_path, monkeypatch)
    body = BIG_OLD if mode == "bad_range" else BIG_NEW  # blind_range: the tail of another version
    main_srv.routes["/github/big"] = route = Route(body, mode=mode)
    caplog.set_level(logging.WARNING, logger="deepSTRF.download")
    path, _, _ = fetch_mod.fetch_file("github:big", str(tmp_path), "big.bin")
    assert "big.bin: asked for bytes" in caplog.text and "starting again from byte 0" in caplog.text
    assert open(path, "rb").read() == body
    assert route.ranges[0].startswith("bytes=") and route.ranges[-1] is None  # the last request was whole


# ------------------------------------------------------------------ 6. an archive cannot reach our state
def alice_routes(srv, stimuli_zip: bytes):
    for k, u in enumerate(("264ca110-f7f4-4fd5-9b00-896102b841ad", "bef532d8-cf74-4b9d-9b4c-5c1f81610ce9",
                           "25fc51ae-d1fa-4094-85af-65dd4cf30251")):
        srv.routes[f"/drum/bitstreams/{u}/download"] = Route(make_zip({f"eeg/S0{k}/x.fif": b"fif"}))
    srv.routes["/drum/bitstreams/df241468-26ee-42df-b27f-3f438cfc5a3f/download"] = Route(stimuli_zip)


@pytest.mark.parametrize("member, what", [(".deepstrf/files.json", ".deepstrf"),
                                          (".deepstrf/lock", ".deepstrf"),
                                          ("stimuli.zip", "the archive itself")])
def test_members_on_our_state_or_the_archive_are_refused(hosts, tmp_path, member, what):
    main_srv, _, _ = hosts
    alice_routes(main_srv, make_zip({"stimuli/1.wav": b"RIFF....WAVE", member: b"{}"}))
    root = tmp_path / "Alice"
    with pytest.raises(UnsafeArchiveError) as err:
        download_alice_eeg(str(root))
    assert repr(member) in str(err.value) and what in str(err.value)
    state = json.loads((root / ".deepstrf/files.json").read_text())
    assert set(state) == {"eeg.0.zip", "eeg.1.zip", "eeg.2.zip"}  # untouched, and stimuli.zip not recorded
    assert (root / ".deepstrf/lock").exists() and not (root / "stimuli").exists()


def zip_with_duplicates() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("stimuli/1.wav", b"RIFF....WAVEfirst")
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("stimuli/1.wav", b"RIFF....WAVEsecond")
    return buf.getvalue()


@pytest.mark.parametrize("body, words", [
    (zip_with_duplicates(), ["two members are named 'stimuli/1.wav'"]),
    (make_zip({"stimuli/a": b"file", "stimuli/a/b.wav": b"RIFF"}), ["'stimuli/a' is a file", "a folder"]),
])
def test_ambiguous_archives_are_errors_naming_archive_and_member(hosts, tmp_path, body, words):
    main_srv, _, _ = hosts
    alice_routes(main_srv, body)
    with pytest.raises(ArchiveError) as err:
        download_alice_eeg(str(tmp_path / "Alice"))
    assert str(tmp_path / "Alice" / "stimuli.zip") in str(err.value)
    assert all(w in str(err.value) for w in words)
    assert not os.path.exists(tmp_path / "Alice" / "stimuli")


# ------------------------------------------------------------------ 7. names from data never escape
@pytest.mark.parametrize("name", ["STIM_../../evil.wav", "STIM_/tmp/evil_abs.wav", "STIM_..", "STIM_a\\..\\b.wav"])
def test_stimulus_names_from_data_cannot_become_paths_outside(hosts, tmp_path, name):
    main_srv, _, _ = hosts
    main_srv.routes["/baphy/sounds/evil.wav"] = Route(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    dest = tmp_path / "box" / "Espejo"
    with pytest.raises(UnsafeNameError, match="cannot be used as a file name"):
        download_espejo_nat_waveforms(["STIM_ok.wav", name], str(dest), progress=False)
    assert not (tmp_path / "box" / "evil.wav").exists() and not os.path.exists("/tmp/evil_abs.wav")
    assert sum(r.calls for r in main_srv.routes.values()) == 0  # checked before anything is fetched


def test_espejo_waveform_mode_refuses_a_hostile_name_in_its_archive(tmp_path):
    from deepSTRF.datasets.audio import EspejoDataset
    from deepSTRF.testing.espejo import h5_archive

    nat = tmp_path / "A1_natural_sounds"
    nat.mkdir()
    spec = {"STIM_..\\..\\outside.wav": np.ones((18, 150)), "STIM_..": np.ones((18, 150))}
    h5_archive(nat / "AMT003c_aaaa.tgz", ["AMT003c-12-2"], list(spec), spec)
    with pytest.raises(UnsafeNameError, match="cannot be used as a file name"):
        EspejoDataset(str(tmp_path), return_waveform=True, download=True, cache=False)
    assert not (tmp_path.parent / "outside.wav").exists()


# ------------------------------------------------------------------ 8. bombs
def test_a_tar_bomb_is_refused_before_extraction_and_names_the_archive(hosts, tmp_path, monkeypatch):
    main_srv, _, _ = hosts
    bomb = make_tgz({"A1_voc_mod_noise/zeros.bin": bytes(24 << 20)})  # 24 MiB of zeros, ~24 KiB packed
    assert len(bomb) < 1 << 20
    zenodo(main_srv, {"A1_voc_mod_noise.tgz": bomb}, record="3445557")
    with small_disk(str(tmp_path / "disk"), 8 << 20, monkeypatch) as how:
        with pytest.raises(NotEnoughSpaceError) as err:
            download_espejo("vmn", str(tmp_path / "disk" / "Espejo"))
        msg = str(err.value)
        assert str(tmp_path / "disk" / "Espejo" / "A1_voc_mod_noise.tgz") in msg and "0.02 GiB" in msg, how
        assert not (tmp_path / "disk" / "Espejo" / "A1_voc_mod_noise").exists()


# ------------------------------------------------------------------ 15. damaged state files
def test_a_damaged_state_file_is_named_and_verify_rebuilds_it(hosts, tmp_path, capsys, monkeypatch):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    root = tmp_path / "NS1"
    download_ns1(str(root))
    state = root / ".deepstrf" / "files.json"
    state.write_text(state.read_text()[:40])  # cut short: "Unterminated string ..."
    with pytest.raises(StateFileError) as err:
        download_ns1(str(root))
    assert str(state) in str(err.value) and "deepstrf verify NS1" in str(err.value)
    monkeypatch.setenv("DEEPSTRF_DATA_DIR", str(tmp_path))
    assert main(["datasets"]) == 0
    assert " damaged " in next(line for line in capsys.readouterr().out.splitlines() if line.startswith("NS1 "))
    assert main(["verify", "NS1"]) == 0
    out = capsys.readouterr().out
    assert "files.json: was damaged" in out and "rebuilt" in out and out.count("ok  ") == 4
    assert set(json.loads(state.read_text())) == {"MetadataSHEnCneurons.mat", "spikesandwav.zip",
                                                  "test_data_5ms.mat"}
    download_ns1(str(root))  # works again, fetching nothing
    assert all(r.calls == 1 for r in main_srv.routes.values())


# ------------------------------------------------------------------ 16. the command line
def _cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_command_line_gives_one_line_and_status_2(hosts, tmp_path, capsys, monkeypatch):
    main_srv, _, _ = hosts
    serve_ns1(main_srv)
    # a read-only destination
    with readonly_folder(str(tmp_path / "ro")):
        code, out, err = _cli(["download", "NS1", "--dest", str(tmp_path / "ro" / "NS1")], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "Read-only file system" in err or "Permission denied" in err
    # a CRC error
    bad = bytearray(NS1_ZIP)
    bad[bad.find(b"u1")] ^= 0xFF
    main_srv.routes["/osf/download/5nxga/"] = Route(bytes(bad))
    code, out, err = _cli(["download", "NS1", "--dest", str(tmp_path / "crc")], capsys)
    assert code == 2 and err.count("\n") == 1 and "CRC" in err and "Traceback" not in err
    # a full disk, and a tar bomb
    zenodo(main_srv, {"A1_voc_mod_noise.tgz": make_tgz({"A1_voc_mod_noise/z.bin": bytes(24 << 20)})}, "3445557")
    with small_disk(str(tmp_path / "disk"), 8 << 20, monkeypatch):
        code, out, err = _cli(["download", "Espejo", "--group", "vmn", "--dest", str(tmp_path / "disk/E")], capsys)
    assert code == 2 and err.count("\n") == 1 and "not enough space" in err
    # no network
    main_srv.routes["/osf/download/5nxga/"] = Route(NS1_ZIP)
    main_srv.httpd.shutdown()
    main_srv.httpd.server_close()
    code, out, err = _cli(["download", "NS1", "--dest", str(tmp_path / "offline")], capsys)
    assert code == 2 and err.count("\n") == 1 and "could not reach 127.0.0.1" in err
    assert "known_hash" not in out + err and "pooch" not in out + err
    with pytest.raises(DownloadError):  # --debug shows the traceback
        main(["--debug", "download", "NS1", "--dest", str(tmp_path / "offline")])
    with pytest.raises(DownloadError):
        main(["download", "NS1", "--dest", str(tmp_path / "offline"), "--debug"])


def test_a_spike_file_path_from_the_ns1_metadata_cannot_leave_the_folder(tmp_path):
    from deepSTRF.datasets.audio import NS1Dataset
    from deepSTRF.testing.ns1 import UNITS, make_ns1, write_metadata

    make_ns1(tmp_path)
    write_metadata(tmp_path / "MetadataSHEnCneurons.mat", UNITS[:1] + [("u9.mat", "../../../u9.mat", 1.0, "Yes")])
    with pytest.raises(UnsafeNameError, match=r"spike file path '\.\./\.\./\.\./u9\.mat' \(from .*MetadataSHEnCneurons\.mat\) is not a relative "):
        NS1Dataset(str(tmp_path), cache=False)


def test_extraction_never_writes_through_a_link_that_leads_outside(tmp_path):
    from deepSTRF.download import safe_extract

    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "dataset"
    target.mkdir()
    os.symlink(outside, target / "wav")
    archive = tmp_path / "wav.zip"
    archive.write_bytes(make_zip({"wav/a.wav": b"RIFF....WAVE"}))
    with pytest.raises(UnsafeArchiveError, match="through the link .* leads outside"):
        safe_extract(str(archive), str(target))
    assert os.listdir(outside) == []
