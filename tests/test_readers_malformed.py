"""Every reader, fed an empty, a truncated, a wrongly typed and an incomplete file, raises one
FormatError naming the file (and the field) — never a bare library error (issue 15, points 13-14).

Text formats that carry no length cannot reveal a cut at a line boundary (half a CSV is a smaller
CSV); their "truncated" cases cut a record in the middle, which is what a broken transfer leaves.
"""

import io
import json

import h5py
import numpy as np
import pytest
import scipy.io
import scipy.io.wavfile

from deepSTRF.io import (
    AC1FormatError,
    AudioFileError,
    CRCNSFormatError,
    DownerFormatError,
    FifFormatError,
    FormatError,
    MatFormatError,
    NS1FormatError,
    PproxError,
    RecordingError,
    TableFormatError,
    crcns,
    crcns_ac1,
    downer,
    fif,
    lbhb,
    matv5,
    nems,
    ns1,
    pprox,
    tables,
    wav,
)
from deepSTRF.testing.formats import write_recording


def cut(path, fraction=0.5):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: int(len(data) * fraction)])


def empty(path):
    open(path, "wb").close()


# ------------------------------------------------------------------ writers of valid files
def ns1_spec(path, X=None):
    scipy.io.savemat(path, {"X_nfht": np.ones((2, 3, 1, 5)) if X is None else X})


def ns1_meta(path, first="u1.mat", drop=None):
    fields = [f for f in ("spikefile", "path", "depth", "NoiseRatio", "singleN", "singleT", "NrOfElectrodes",
                          "ElectrodeNumber") if f != drop]
    arr = np.zeros((1, 1), dtype=[(f, "O") for f in fields])
    vals = {"spikefile": first, "path": "F/u1.mat", "depth": 1.0, "NoiseRatio": 0.1, "singleN": 1.0,
            "singleT": "Yes", "NrOfElectrodes": 32.0, "ElectrodeNumber": 1.0}
    arr[0, 0] = tuple(vals[f] for f in fields)
    scipy.io.savemat(path, {"neuron": arr})


def ns1_spikes(path, t=(1.0, 2.0), key="set"):
    sets = np.zeros((1, 2), dtype=[("repeats", "O")])
    for k in range(2):
        reps = np.zeros((1, 2), dtype=[("t", "O")])
        for r in range(2):
            reps[0, r] = (np.array([t]),)
        sets[0, k] = (reps,)
    scipy.io.savemat(path, {"data": {key: sets}})


def aa4_unit(path, times=(0.1, 0.2), md5="0123456789abcdef0123456789abcdef", drop_attr=None, typed=None):
    with h5py.File(path, "w") as f:
        f.attrs["sortType"] = "single"
        g = f.create_group("Call1").create_group("1")
        attrs = {"stim_md5": md5, "stim_type": "song", "stim_class": "Te", "stim_duration": 0.5}
        attrs.pop(drop_attr, None)
        g.attrs.update(attrs)
        tg = g.create_group("1")
        tg.create_dataset("spike_times", data=np.asarray(times) if typed is None else typed)


def ac1_trial(path, sf=10000.0, drop=None, scale=0.01):
    resp = {"trace": np.arange(100, dtype=np.int16)[:, None], "scale": scale, "sf": sf}
    resp.pop(drop, None)
    scipy.io.savemat(path, {"response": resp})


def ac1_stim(path, samples=None, sf=97656.0, key="samples"):
    scipy.io.savemat(path, {"stimulus": {key: np.ones((50, 1)) if samples is None else samples,
                                         "param": {"sf": sf, "description": "x"}}})


def muspk(path, spikes=(10.1, 10.2), stimon=(10.0, 13.0), codes=(1, 2), drop=None):
    spike = {"spktimes": np.asarray(spikes, float)[:, None], "events": np.zeros((len(spikes), 4))}
    trial = {"stimon": np.asarray(stimon, float)[:, None], "timitStimcode": np.asarray(codes, float)[:, None]}
    for d in [drop] if drop else []:
        (trial if d in trial else spike).pop(d)
    scipy.io.savemat(path, {"spike": spike, "trial": trial})


def sentdet(path, sound="ok", drop=None):
    fields = [f for f in ("name", "sentId", "sound", "soundf", "befaft") if f != drop]
    arr = np.zeros((1, 1), dtype=[(f, "O") for f in fields])
    vals = {"name": "s1", "sentId": 1.0, "sound": np.zeros((3200, 1)) if sound == "ok" else sound,
            "soundf": 16000.0, "befaft": np.array([[0.05, 0.05]])}
    arr[0, 0] = tuple(vals[f] for f in fields)
    scipy.io.savemat(path, {"sentdet": arr})


def write_wav(path, n=1000, rate=16000):
    scipy.io.wavfile.write(path, rate, (np.sin(np.arange(n) / 5) * 1000).astype(np.int16))


def recording(path, csv=None, epochs=None, h5=None, kind="RasterizedSignal"):
    csv = np.ones((4, 2)) if csv is None and h5 is None else csv
    spec = {"chans": ["a", "b"], "fs": 100, "type": kind, "n_total": 4,
            "epochs": epochs or [("STIM_x", 0.0, 0.04)]}
    if csv is not None:
        spec["csv"] = csv
    if h5 is not None:
        spec["h5"] = h5
    write_recording(path, "rec", {"resp": spec})


def rewrite_member(path, suffix, transform):
    """Rewrite the member of a recording tarball whose name ends with ``suffix``."""
    import tarfile

    with tarfile.open(path) as t:
        members = [(m, t.extractfile(m).read()) for m in t.getmembers()]
    with tarfile.open(path, "w:gz") as t:
        for m, data in members:
            if m.name.endswith(suffix):
                data = transform(data)
            m.size = len(data)
            t.addfile(m, io.BytesIO(data))


def edit_row(csv: bytes, row: bytes) -> bytes:
    """The CSV with its second row replaced by ``row``."""
    lines = csv.split(b"\n")
    lines[1] = row
    return b"\n".join(lines)


def pprox_file(path, events=(0.1, 0.2), stimulus={"name": "a"}, drop_stimulus=False):
    trial = {"events": list(events), "stimulus": stimulus}
    if drop_stimulus:
        del trial["stimulus"]
    with open(path, "w") as f:
        json.dump({"$schema": "https://meliza.org/spec:2/stimtrial.json#", "pprox": [trial]}, f)


def fif_file(path):
    mne = pytest.importorskip("mne")
    raw = mne.io.RawArray(np.zeros((2, 500)), mne.create_info(["1", "2"], 500.0, "eeg"), verbose="error")
    raw.save(path, verbose="error")


YAML = "b_RH_sessions:\n- 180413\narea_wise_sessions:\n  core:\n  - 180413\nbad_sessions: []\n" \
       "stim_wise_num_repeats: {timit: 11, mVocs: 15}\n"
CELLS = "cellid,siteid,area,layer,depth,sw,narrow,goodpred,celltype\nSLJ001a-A-1-1,SLJ001a,A1,13,100.0,0.3,False,True,rs\n"


def text(content):
    def write(path):
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
    return write


# ------------------------------------------------------------------ the cases
# (reader, file name, writer of the malformed file, error class, words the message must hold)
CASES = {
    # NS1 (MAT v5 through scipy)
    "ns1 spectrogram empty": (ns1.read_spectrogram, "s.mat", empty, NS1FormatError, ["cannot read as a MATLAB"]),
    "ns1 spectrogram truncated": (ns1.read_spectrogram, "s.mat", lambda p: (ns1_spec(p), cut(p)), NS1FormatError,
                                  ["cannot read as a MATLAB", "truncated"]),
    "ns1 spectrogram missing": (ns1.read_spectrogram, "s.mat", lambda p: scipy.io.savemat(p, {"y": 1.0}),
                                NS1FormatError, ["no variable 'X_nfht'"]),
    "ns1 spectrogram wrong type": (ns1.read_spectrogram, "s.mat", lambda p: ns1_spec(p, X="some text"),
                                   NS1FormatError, ["X_nfht"]),
    "ns1 spectrogram NaN": (ns1.read_spectrogram, "s.mat", lambda p: ns1_spec(p, X=np.full((2, 3, 1, 5), np.nan)),
                            NS1FormatError, ["X_nfht holds NaN"]),
    "ns1 metadata empty": (ns1.read_metadata, "m.mat", empty, NS1FormatError, ["cannot read as a MATLAB"]),
    "ns1 metadata truncated": (ns1.read_metadata, "m.mat", lambda p: (ns1_meta(p), cut(p, 0.7)), NS1FormatError,
                               ["cannot read"]),
    "ns1 metadata missing": (ns1.read_metadata, "m.mat", lambda p: ns1_meta(p, drop="depth"), NS1FormatError,
                             ["neuron(1) lacks field(s) ['depth']"]),
    "ns1 metadata wrong type": (ns1.read_metadata, "m.mat", lambda p: ns1_meta(p, first=7.0), NS1FormatError,
                                ["neuron(1).spikefile", "not text"]),
    "ns1 spikes empty": (ns1.read_spike_sets, "u.mat", empty, NS1FormatError, ["cannot read as a MATLAB"]),
    "ns1 spikes truncated": (lambda p: ns1.read_spike_sets(p, 2), "u.mat", lambda p: (ns1_spikes(p), cut(p, 0.6)),
                             NS1FormatError, ["cannot read"]),
    "ns1 spikes missing": (lambda p: ns1.read_spike_sets(p, 2), "u.mat", lambda p: ns1_spikes(p, key="sets"),
                           NS1FormatError, ["'data' with field 'set'"]),
    "ns1 spikes wrong type": (lambda p: ns1.read_spike_sets(p, 2), "u.mat", lambda p: ns1_spikes(p, t="x"),
                              NS1FormatError, ["data.set(1).repeats(1).t"]),
    "ns1 spikes NaN": (lambda p: ns1.read_spike_sets(p, 2), "u.mat", lambda p: ns1_spikes(p, t=(1.0, np.nan)),
                       NS1FormatError, ["data.set(1).repeats(1).t", "spike time 2 of 2 is nan"]),
    # CRCNS text files and AA4 HDF5 units
    "crcns spikes empty": (crcns.read_spike_file, "spike1", empty, CRCNSFormatError, ["no trial"]),
    "crcns spikes truncated": (crcns.read_spike_file, "spike1", text("1.5 2.25\n3.0 4.1e"), CRCNSFormatError,
                               ["line 2", "'4.1e' is not a spike time"]),
    "crcns spikes wrong type": (crcns.read_spike_file, "spike1", text("1.5 abc\n"), CRCNSFormatError,
                                ["line 1", "'abc'"]),
    "crcns spikes NaN": (crcns.read_spike_file, "spike1", text("1.5\nnan 2.0\n"), CRCNSFormatError,
                         ["line 2", "is nan, not a finite number"]),
    "crcns spikes not text": (crcns.read_spike_file, "spike1", lambda p: open(p, "wb").write(b"1.0\n\xff\xfe"),
                              CRCNSFormatError, ["line 2", "not ASCII"]),
    "crcns stim empty": (crcns.read_stim_file, "stim1", empty, CRCNSFormatError, ["empty stim file"]),
    "crcns stim wrong type": (crcns.read_stim_file, "stim1", text("../../etc/passwd\n"), CRCNSFormatError,
                              ["is not a wav file name"]),
    "crcns csv not text": (crcns.read_headerless_csv, "t.csv", lambda p: open(p, "wb").write(b"a,\xff\n"),
                           CRCNSFormatError, ["not UTF-8"]),
    "aa4 empty": (crcns.read_aa4_unit, "u.h5", empty, CRCNSFormatError, ["cannot read as HDF5"]),
    "aa4 truncated": (crcns.read_aa4_unit, "u.h5", lambda p: (aa4_unit(p), cut(p)), CRCNSFormatError,
                      ["cannot read as HDF5", "truncated"]),
    "aa4 missing": (crcns.read_aa4_unit, "u.h5", lambda p: aa4_unit(p, drop_attr="stim_type"), CRCNSFormatError,
                    ["/Call1/1 lacks attribute(s) ['stim_type']"]),
    "aa4 wrong type": (crcns.read_aa4_unit, "u.h5", lambda p: aa4_unit(p, typed=np.array([b"x", b"y"])),
                       CRCNSFormatError, ["trial /Call1/1/1", "spike_times is not numeric"]),
    "aa4 NaN": (crcns.read_aa4_unit, "u.h5", lambda p: aa4_unit(p, times=(0.1, np.inf)), CRCNSFormatError,
                ["trial /Call1/1/1", "is inf"]),
    "aa4 md5": (crcns.read_aa4_unit, "u.h5", lambda p: aa4_unit(p, md5="../../x"), CRCNSFormatError,
                ["is not an MD5"]),
    # CRCNS-AC1 (MAT v5 through scipy)
    "ac1 trial empty": (crcns_ac1.read_trial_file, "t.mat", empty, AC1FormatError, ["cannot read as a MATLAB"]),
    "ac1 trial truncated": (crcns_ac1.read_trial_file, "t.mat", lambda p: (ac1_trial(p), cut(p, 0.7)),
                            AC1FormatError, ["cannot read"]),
    "ac1 trial missing": (crcns_ac1.read_trial_file, "t.mat", lambda p: ac1_trial(p, drop="sf"), AC1FormatError,
                          ["response has no field 'sf'"]),
    "ac1 trial wrong type": (crcns_ac1.read_trial_file, "t.mat", lambda p: ac1_trial(p, sf="fast"), AC1FormatError,
                             ["response.sf is not a number"]),
    "ac1 stim empty": (crcns_ac1.read_stimulus_file, "s.mat", empty, AC1FormatError, ["cannot read as a MATLAB"]),
    "ac1 stim truncated": (crcns_ac1.read_stimulus_file, "s.mat", lambda p: (ac1_stim(p), cut(p, 0.6)),
                           AC1FormatError, ["cannot read"]),
    "ac1 stim missing": (crcns_ac1.read_stimulus_file, "s.mat", lambda p: ac1_stim(p, key="waveform"),
                         AC1FormatError, ["neither 'samples' nor 'sample'"]),
    "ac1 stim wrong type": (crcns_ac1.read_stimulus_file, "s.mat", lambda p: ac1_stim(p, samples="loud"),
                            AC1FormatError, ["stimulus.samples"]),
    # MAT v5 streaming reader and the Downer files
    "matv5 empty": (lambda p: matv5.read_structs(p, {"spike": ()}), "c.mat", empty, MatFormatError,
                    ["cannot read as a MAT file"]),
    "matv5 truncated": (lambda p: matv5.read_structs(p, {"spike": (), "trial": ()}), "c.mat",
                        lambda p: (muspk(p), cut(p, 0.5)), MatFormatError, ["truncated or malformed MAT data"]),
    "matv5 missing": (lambda p: matv5.read_structs(p, {"session": ()}), "c.mat", muspk, MatFormatError,
                      ["no variable 'session'"]),
    "matv5 wrong type": (lambda p: matv5.read_structs(p, {"x": ()}), "c.mat",
                         lambda p: scipy.io.savemat(p, {"x": np.ones(3)}), MatFormatError, ["'x' is not a struct"]),
    "downer channel missing": (lambda p: downer.read_channel_file(p, "timitStimcode"), "c.mat",
                               lambda p: muspk(p, drop="stimon"), DownerFormatError,
                               ["the 'trial' struct has no field 'stimon'"]),
    "downer channel wrong type": (lambda p: downer.read_channel_file(p, "timitStimcode"), "c.mat",
                                  lambda p: muspk(p, codes=(1.5, 2)), DownerFormatError, ["non-integer codes"]),
    "downer channel NaN": (lambda p: downer.read_channel_file(p, "timitStimcode"), "c.mat",
                           lambda p: muspk(p, spikes=(10.1, np.nan)), DownerFormatError,
                           ["spike.spktimes", "is nan"]),
    "downer sheet empty": (downer.read_session_sheet, "s.yml", empty, DownerFormatError, ["is empty"]),
    "downer sheet truncated": (downer.read_session_sheet, "s.yml", text(YAML[:70] + "\n  - [18"),
                               DownerFormatError, ["not valid YAML"]),
    "downer sheet missing": (lambda p: downer.read_session_sheet(p), "s.yml", text("- 1\n- 2\n"), DownerFormatError,
                             ["expected a mapping"]),
    "downer sheet wrong type": (downer.read_session_sheet, "s.yml", text(YAML.replace("bad_sessions: []",
                                                                                       "bad_sessions: 5")),
                                DownerFormatError, ["bad_sessions must be a list"]),
    "downer timit empty": (downer.read_timit_table, "t.mat", empty, DownerFormatError, ["cannot read as a MATLAB"]),
    "downer timit truncated": (downer.read_timit_table, "t.mat", lambda p: (sentdet(p), cut(p)), DownerFormatError,
                               ["cannot read"]),
    "downer timit missing": (downer.read_timit_table, "t.mat", lambda p: sentdet(p, drop="soundf"),
                             DownerFormatError, ["sentdet(1) is malformed"]),
    "downer timit wrong type": (downer.read_timit_table, "t.mat", lambda p: sentdet(p, sound="noise"),
                                DownerFormatError, ["sentdet(1)"]),
    # WAV
    "wav empty": (wav.read_wav, "a.wav", empty, AudioFileError, ["cannot read as WAV"]),
    "wav truncated": (wav.read_wav, "a.wav", lambda p: (write_wav(p), cut(p)), AudioFileError,
                      ["truncated WAV", "Reached EOF prematurely"]),
    "wav header only": (wav.read_wav, "a.wav", lambda p: (write_wav(p), cut(p, 0.02)), AudioFileError,
                        ["cannot read as WAV"]),
    "wav no samples": (wav.read_wav, "a.wav", lambda p: write_wav(p, n=0), AudioFileError, ["holds no samples"]),
    "wav wrong type": (wav.read_wav, "a.wav", text("RIFF....WAVEnot really"), AudioFileError, ["cannot read as WAV"]),
    # NEMS recordings
    "nems empty": (nems.read_recording, "r.tgz", empty, RecordingError, ["not a readable gzip tar"]),
    "nems truncated": (nems.read_recording, "r.tgz", lambda p: (recording(p), cut(p)), RecordingError,
                       ["not a readable gzip tar", "truncated"]),
    "nems csv empty field": (nems.read_recording, "r.tgz",
                             lambda p: (recording(p), rewrite_member(p, "resp.csv", lambda b: edit_row(b, b"1.0,"))),
                             RecordingError, ["rec.resp.csv", "row 2, column 2 is empty (a missing value is "
                                              "written 'nan')"]),
    "nems csv short row": (nems.read_recording, "r.tgz",
                           lambda p: (recording(p), rewrite_member(p, "resp.csv", lambda b: edit_row(b, b"1.0"))),
                           RecordingError, ["rec.resp.csv", "row 2 has 1 fields, the first row 2"]),
    "nems json wrong type": (nems.read_recording, "r.tgz",
                             lambda p: (recording(p), rewrite_member(p, "meta.json", lambda b: b"[1, 2")),
                             RecordingError, ["rec.meta.json", "not valid JSON"]),
    "nems epochs missing": (nems.read_recording, "r.tgz",
                            lambda p: (recording(p), rewrite_member(p, "epoch.csv", lambda b: b"name,begin\nx,1\n")),
                            RecordingError, ["lacks column(s) ['start', 'end']"]),
    "nems epochs wrong type": (nems.read_recording, "r.tgz",
                               lambda p: recording(p, epochs=[("STIM_x", "soon", 0.04)]), RecordingError,
                               ["line 2 (epoch 'STIM_x'): start is", "soon", "not a number of seconds"]),
    "nems spikes NaN": (nems.read_recording, "r.tgz",
                        lambda p: recording(p, h5={"a": [0.1, np.nan], "b": [0.2]}, kind="PointProcess"),
                        RecordingError, ["rec.resp.h5", "channel 'a'", "is nan"]),
    # pprox JSON
    "pprox empty": (pprox.read_pprox, "u.pprox", empty, PproxError, ["not valid JSON"]),
    "pprox truncated": (pprox.read_pprox, "u.pprox", lambda p: (pprox_file(p), cut(p)), PproxError,
                        ["not valid JSON", "truncated"]),
    "pprox missing": (pprox.read_pprox, "u.pprox", lambda p: pprox_file(p, drop_stimulus=True), PproxError,
                      ["trial 0 is malformed", "KeyError"]),
    "pprox wrong type": (pprox.read_pprox, "u.pprox", lambda p: pprox_file(p, events="soon"), PproxError,
                         ["trial 0"]),
    "pprox NaN": (pprox.read_pprox, "u.pprox", lambda p: pprox_file(p, events=(0.1, float("inf"))), PproxError,
                  ["trial 0", "is inf"]),
    # MNE .fif
    "fif empty": (lambda p: fif.read_eeg(p, 100.0), "s-raw.fif", empty, FifFormatError, ["cannot read as an MNE"]),
    "fif truncated": (lambda p: fif.read_eeg(p, 100.0), "s-raw.fif", lambda p: (fif_file(p), cut(p)),
                      FifFormatError, ["cannot read as an MNE"]),
    "fif wrong type": (lambda p: fif.read_eeg(p, 100.0), "s-raw.fif", text("<fif>not a recording</fif>"),
                       FifFormatError, ["cannot read as an MNE"]),
    # CSV tables
    "table empty": (tables.read_table, "t.csv", empty, TableFormatError, ["empty table"]),
    "cell list missing": (lbhb.read_cell_list, "cell_list.csv", text(CELLS.replace("siteid,", "site,")),
                          TableFormatError, ["no column 'siteid'"]),
    "cell list truncated": (lbhb.read_cell_list, "cell_list.csv", text(CELLS.split("\n")[0] + "\nSLJ001a-A-1-1,"),
                            TableFormatError, ["line 2", "column 'siteid' has no value"]),
    "cell list wrong type": (lbhb.read_cell_list, "cell_list.csv", text(CELLS.replace("100.0", "deep")),
                             TableFormatError, ["line 2", "column 'depth' is 'deep', not a float"]),
    "cell list no id": (lbhb.read_cell_list, "cell_list.csv", text(CELLS.replace("SLJ001a-A-1-1", "")),
                        TableFormatError, ["line 2", "column 'cellid' has no value"]),
    "pred correlation missing": (lbhb.read_auditory_flags, "A1_pred_correlation.csv", text("cellid,r\nx,1\n"),
                                 TableFormatError, ["no column 'sig_auditory'"]),
    "table too many fields": (tables.read_table, "t.csv", text("a,b\n1,2,3\n"), TableFormatError,
                              ["line 2", "3 fields, the header names 2"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_file_is_one_format_error_naming_it(case, tmp_path):
    read, name, write, error, words = CASES[case]
    path = str(tmp_path / name)
    write(path)
    with pytest.raises(error) as info:
        read(path)
    err = info.value
    assert isinstance(err, FormatError) and isinstance(err, ValueError)
    assert str(err).startswith(path) or f"{path}:" in str(err), str(err)
    missing = [w for w in words if w not in str(err)]
    assert not missing, f"{missing} not in: {err}"
    # a library's own exception, where there was one, is chained, not swallowed
    cause = err.__cause__
    assert cause is None or not isinstance(cause, FormatError) or cause.path is None


def test_readers_leave_a_missing_file_a_missing_file(tmp_path):
    for read in (ns1.read_spectrogram, crcns.read_spike_file, wav.read_wav, pprox.read_pprox, tables.read_table):
        with pytest.raises(FileNotFoundError):
            read(str(tmp_path / "absent"))


# ------------------------------------------------------------------ the same, through the loaders
def test_a_nat4_row_with_a_missing_field_is_an_error_not_a_nan(tmp_path):
    from deepSTRF.datasets.audio import NAT4Dataset
    from deepSTRF.testing.nat4 import make_nat4

    make_nat4(tmp_path)
    archive = str(tmp_path / "A1_NAT4_ozgf.fs100.ch18.tgz")

    def drop_field(b: bytes) -> bytes:
        lines = b.split(b"\n")
        lines[7] = lines[7].rsplit(b",", 1)[0] + b","  # row 8: its last field left empty
        return b"\n".join(lines)

    rewrite_member(archive, "resp.csv", drop_field)
    with pytest.raises(RecordingError) as err:
        NAT4Dataset(str(tmp_path), cache=False)
    assert f"{archive}:" in str(err.value) and "resp.csv: row 8, column 4 is empty" in str(err.value)


def test_a_truncated_wav_and_nan_spike_times_stop_a_load_naming_the_file(tmp_path):
    from deepSTRF.datasets.audio import CRCNSAA1Dataset
    from deepSTRF.testing.aa1 import A, make_aa1

    make_aa1(tmp_path / "a")
    wav_path = tmp_path / "a/all_stims/conspecific" / A
    cut(str(wav_path), 0.6)
    with pytest.raises(AudioFileError, match=f"{wav_path}: truncated WAV"):
        CRCNSAA1Dataset(str(tmp_path / "a"), cache=False)
    make_aa1(tmp_path)
    spike = tmp_path / "Field_L_cells/gg0304_4_B/conspecific/spike2"
    spike.write_text("10.0\n11.0 nan\n")
    with pytest.raises(CRCNSFormatError, match=f"{spike}, line 2|{spike}: line 2"):
        CRCNSAA1Dataset(str(tmp_path), cache=False)


def test_malformed_ns1_and_downer_files_name_themselves_through_the_loader(tmp_path):
    from deepSTRF.datasets.audio import Downer2025Dataset, NS1Dataset
    from deepSTRF.testing.downer2025 import make_downer
    from deepSTRF.testing.ns1 import make_ns1

    (tmp_path / "ns1").mkdir()
    make_ns1(tmp_path / "ns1")
    meta = tmp_path / "ns1" / "MetadataSHEnCneurons.mat"
    cut(str(meta), 0.5)
    with pytest.raises(NS1FormatError, match=str(meta)):
        NS1Dataset(str(tmp_path / "ns1"), cache=False)
    (tmp_path / "downer").mkdir()
    make_downer(tmp_path / "downer")
    channel = tmp_path / "downer/sessions/180413/b_180413_Ch12_MUspk.mat"
    cut(str(channel), 0.3)
    with pytest.raises(MatFormatError, match=str(channel)):
        Downer2025Dataset(str(tmp_path / "downer"), cache=False)
