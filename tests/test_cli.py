import json
import subprocess
import sys

from deepSTRF.cli import main


def test_demo_prints_the_table_and_writes_the_figure(tmp_path, capsys, reuse_simulated_fits):
    fig = tmp_path / "demo.png"
    assert main(["demo", "--fig", str(fig)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("ridge ", "ln "))}
    assert set(lines) == {"ridge", "ln"}
    ridge_ncc, ln_ncc = float(lines["ridge"][2]), float(lines["ln"][2])
    assert ridge_ncc >= 0.8 and ln_ncc >= ridge_ncc
    assert float(lines["ridge"][3]) >= 0.9  # STRF recovery
    data = fig.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert f"figure written to {fig}" in out


def test_fit_writes_json(tmp_path, capsys, reuse_simulated_fits):
    out = tmp_path / "r.json"
    assert main(["fit", "simulated", "--model", "ridge", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["model"] == "ridge" and res["n_test"] == 8 and res["n_neurons"] == 24 and len(res["cc"]) == 24
    assert res["median_cc_norm"] >= 0.8
    assert "median normalised CC" in capsys.readouterr().out


def test_info_reports_snr(capsys):
    assert main(["info", "simulated"]) == 0
    out = capsys.readouterr().out
    assert "S = 68" in out and "F = 32" in out and "24 neurons with repeats; percentiles 10/25/50/75/90" in out
    assert "N = 24" in out and "dt = 10 ms" in out
    assert "val: R=15 x8, R=20 x184" in out and "est: R=2 x1410" in out
    assert "1.8% of (stim, neuron) pairs are sentinels" in out


def test_unknown_dataset_is_a_clear_error(capsys):
    assert main(["fit", "nope"]) == 2
    assert "deepstrf fit: unknown dataset 'nope'; available: " in capsys.readouterr().err


def test_python_dash_m():
    res = subprocess.run([sys.executable, "-m", "deepSTRF", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "demo" in res.stdout and "fit" in res.stdout and "info" in res.stdout


def test_help_and_version_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys\nfrom deepSTRF.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "fit" in out and "demo" in out and out.strip().endswith("False")
    version = subprocess.run([sys.executable, "-m", "deepSTRF", "--version"], capture_output=True, text=True)
    from deepSTRF import __version__

    assert version.returncode == 0 and version.stdout.strip() == f"deepstrf {__version__}"


def test_a_missing_extra_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    import sys

    from deepSTRF.testing import fake_release

    kwargs = fake_release("AliceEEG", tmp_path / "data")
    monkeypatch.setitem(sys.modules, "mne", None)  # as if mne were not installed
    assert main(["info", "AliceEEG", "--path", kwargs["path"]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "deepSTRF[eeg]"' in err and "Traceback" not in err


def test_output_paths_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    import deepSTRF.datasets.zoo as zoo
    import deepSTRF.evaluation as evaluation

    def no_work(*a, **k):
        raise AssertionError("loaded or fitted before the output path was checked")

    monkeypatch.setattr(zoo, "load_dataset", no_work)
    monkeypatch.setattr(evaluation, "train_model", no_work)
    monkeypatch.setattr(evaluation, "fit_ridge", no_work)
    import deepSTRF.datasets.audio as audio

    monkeypatch.setattr(audio, "SimulatedDataset", no_work)  # the demo's data
    assert main(["demo", "--fig", str(tmp_path / "nowhere" / "fig")]) == 2
    assert main(["fit", "simulated", "--out", str(tmp_path / "nowhere" / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("does not exist") == 2 and str(tmp_path / "nowhere" / "fig.png") in err
    from deepSTRF.cli import output_path

    assert output_path(str(tmp_path / "myfig"), ".png") == str(tmp_path / "myfig.png")  # the name written


def test_fit_saves_a_model_that_loads_back(tmp_path, capsys):
    import json

    import torch

    from deepSTRF.datasets.audio import SimulatedDataset
    from deepSTRF.evaluation import collate_stims, load_fitted, score

    assert main(["fit", "simulated", "--model", "ridge", "--save", str(tmp_path / "m"),
                 "--out", str(tmp_path / "r.json")]) == 0
    model, doc = load_fitted(str(tmp_path / "m"))
    assert doc["class"] == "LinearSTRF" and doc["seed"] == 0 and doc["dataset"] == "simulated"
    assert doc["hyperparameters"]["n_lags"] == 15 and len(doc["neurons"]) == doc["hyperparameters"]["N"]
    results = json.loads((tmp_path / "r.json").read_text())
    ds = SimulatedDataset()
    again = score(model, collate_stims(ds, doc["test_stims"]))
    assert torch.allclose(torch.tensor(again["cc"]), torch.tensor([float("nan") if v is None else v
                                                                     for v in results["cc"]]), equal_nan=True)
