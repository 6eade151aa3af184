"""The benchmark: every dataset declares its evaluation; one sweep over the simulated data checks
itself against the true STRFs; results are resumable; the sweep runs on every dataset's fake."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from deepSTRF.benchmark import LaggedEstimator, run
from deepSTRF.benchmark import sweep as sweep_module
from deepSTRF.benchmark.report import published_numbers
from deepSTRF.datasets.evaluation import Evaluation
from deepSTRF.datasets.zoo import dataset_class, datasets
from deepSTRF.testing import FAKES, fake_release

ALL = list(datasets())
#: a smaller simulated population than the default (12 neurons, 30 + 6 stimuli), for speed
SMALL = {"Simulated": {"n_neurons": 12, "n_est": 30, "n_val": 6}}


@pytest.mark.parametrize("name", ALL)
def test_every_dataset_declares_an_evaluation_that_splits_its_fake(name, tmp_path):
    cls = dataset_class(name)
    assert isinstance(cls.__dict__.get("evaluation"), Evaluation), f"{cls.__name__} declares no evaluation"
    assert cls.evaluation.source, f"{cls.__name__}.evaluation does not say where its procedure comes from"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cls(**fake_release(name, tmp_path / "fake"))
    est, test = cls.evaluation.resolve(ds.stim_meta)
    assert est and test and not set(est) & set(test)
    assert sorted(est + test) == list(range(ds.get_S())) or cls.evaluation.split_key is not None


def test_the_holdout_rule_keeps_every_fifth_candidate_out():
    ev = Evaluation(holdout_key="type", holdout_values=("song",))
    meta = [{"type": "song" if s % 2 == 0 else "call"} for s in range(24)]  # songs at 0, 2, ..., 22
    est, test = ev.resolve(meta)
    assert test == [0, 10, 20]  # songs number 0, 5, 10
    assert set(est) == set(range(24)) - {0, 10, 20}
    with pytest.raises(ValueError, match="both must be non-empty"):
        Evaluation("subset", ("est",), ("val",)).resolve([{"subset": "est"}])


@pytest.fixture(scope="module")
def simulated_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = run(["simulated"], ["ridge", "ln"], seeds=[0], out=str(out), executor="process", workers=2,
                 dataset_kwargs=SMALL, progress=False)
    return out, result


def test_the_simulated_sweep_checks_itself_against_the_truth(simulated_sweep):
    out, result = simulated_sweep
    assert result["ran"] == 2 and result["skipped"] == 0
    by_model = {c["config"]["model"]: c for c in result["cells"]}
    for model in ("ridge", "ln"):
        rows = by_model[model]["neurons"]
        assert len(rows) == 12 and all(r["reliable"] for r in rows)
        strf = np.array([r["strf_corr"] for r in rows], dtype=float)
        assert np.median(strf) > 0.8, f"{model}: the recovered STRFs do not match the true ones"
        cc_norm = np.array([r["cc_norm"] for r in rows], dtype=float)
        assert np.median(cc_norm) > 0.8 and np.all(cc_norm < 1.2)
        cc = np.array([r["cc"] for r in rows], dtype=float)
        assert np.all(cc <= np.array([r["ccmax_schoppe"] for r in rows]) + 0.05)  # cc is below its ceiling
    lines = open(out / "results.jsonl").read().splitlines()
    assert len(lines) == 2 and {json.loads(ln)["key"] for ln in lines} == {"Simulated/ridge/seed0",
                                                                             "Simulated/ln/seed0"}
    scores = open(out / "scores.csv").read().splitlines()
    assert len(scores) == 1 + 2 * 12 and scores[0].startswith("dataset,model,seed,fake,neuron,cell_id")
    summary = open(out / "summary.txt").read()
    assert "Simulated  ridge" in summary and "cc_norm" in summary
    assert (out / "figures" / "distributions.png").stat().st_size > 10_000
    assert (out / "figures" / "scatter.png").stat().st_size > 10_000


def test_a_second_run_skips_finished_cells_and_a_torn_line_runs_again(simulated_sweep, monkeypatch, tmp_path):
    out, _ = simulated_sweep
    copy = tmp_path / "copy"
    copy.mkdir()
    text = open(out / "results.jsonl").read()
    (copy / "results.jsonl").write_text(text)

    def no_fit(*a, **k):
        raise AssertionError("a finished cell was fitted again")

    monkeypatch.setattr(sweep_module, "run_cell", no_fit)
    again = run(["Simulated"], ["ridge", "ln"], out=str(copy), executor="serial", figures=False, progress=False,
                dataset_kwargs=SMALL)
    assert again["ran"] == 0 and again["skipped"] == 2
    monkeypatch.undo()
    first, second = text.splitlines()
    (copy / "results.jsonl").write_text(first + "\n" + second[: len(second) // 2])  # interrupted mid-write
    resumed = run(["Simulated"], ["ridge", "ln"], out=str(copy), executor="serial", figures=False, progress=False,
                  dataset_kwargs=SMALL)
    assert resumed["ran"] == 1 and resumed["skipped"] == 1
    # another seed is another cell
    more = run(["Simulated"], ["ridge"], seeds=[1], out=str(copy), executor="serial", figures=False, progress=False,
               dataset_kwargs=SMALL)
    assert more["ran"] == 1


def test_the_sweep_runs_on_every_dataset_fake(tmp_path):
    result = run("all", ["ridge", "cnn"], out=str(tmp_path / "fakes"), fakes=True, executor="serial",
                 progress=False)  # the process executor is tested on the simulated sweep above
    names = {c["config"]["dataset"] for c in result["cells"]}
    assert names == set(FAKES)
    with_cc = 0
    for c in result["cells"]:
        assert not c.get("error"), f"{c['key']}: {c['error']}"
        assert c["neurons"], f"{c['key']}: no neuron scored"
        assert all(set(r) >= {"cc", "cc_norm", "fve", "snr", "reliable", "n_test_stims"} for r in c["neurons"])
        # a neuron that heard no test stimulus is reported with NaN (None) scores, never dropped
        assert all(r["cc"] is None for r in c["neurons"] if r["n_test_stims"] == 0)
        with_cc += any(r["cc"] is not None for r in c["neurons"])
    # the AA4 fake's only test song was heard once, silently, by one unit: no correlation exists there
    assert with_cc >= len(result["cells"]) - 2
    rows = {(r["dataset"], r["model"]) for r in result["summary"]}
    assert len(rows) == 2 * len(FAKES)


def test_a_users_estimator_and_a_model_by_import_path(tmp_path):
    class LeastSquares:
        def fit(self, X, Y):
            self.w = np.linalg.lstsq(np.c_[X, np.ones(len(X))], Y, rcond=None)[0]
            return self

        def predict(self, X):
            return np.c_[X, np.ones(len(X))] @ self.w

    result = run(["Simulated"], [LaggedEstimator(LeastSquares(), "lstsq", n_lags=15)], dataset_kwargs=SMALL,
                 out=str(tmp_path / "mine"), executor="serial", figures=False, progress=False)
    cc_norm = np.array([r["cc_norm"] for r in result["cells"][0]["neurons"]], dtype=float)
    assert np.median(cc_norm) > 0.7
    with pytest.raises(TypeError, match="not a benchmark model"):
        run(["Simulated"], ["deepSTRF.benchmark.models:Baseline"], out=str(tmp_path / "bad"), progress=False)
    with pytest.raises(TypeError, match="cannot be sent to a worker process"):
        run(["Simulated"], [LaggedEstimator(LeastSquares(), "local-class")], seeds=[0, 1], out=str(tmp_path / "p"),
            workers=2, progress=False)


def test_the_submitit_executor_runs_cells_as_jobs(tmp_path):
    pytest.importorskip("submitit")
    result = run(["NS1"], ["ridge"], out=str(tmp_path / "sub"), fakes=True, executor="submitit-local",
                 figures=False, progress=False)
    assert result["ran"] == 1 and result["cells"][0]["neurons"]
    assert os.listdir(tmp_path / "sub" / "submitit")  # the jobs' folders


def test_the_command_line_runs_and_resumes(tmp_path):
    out = str(tmp_path / "cli")
    argv = [sys.executable, "-m", "deepSTRF", "benchmark", "--datasets", "NAT4,AA1", "--models", "ridge", "--fakes",
            "--out", out, "--workers", "1", "--no-figures"]
    first = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ))
    assert first.returncode == 0, first.stderr
    assert "0 already in" in first.stdout and "[2/2]" in first.stdout and "NAT4" in first.stdout
    second = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ))
    assert second.returncode == 0 and "2 already in" in second.stdout and "[1/" not in second.stdout
    bad = subprocess.run(argv[:4] + ["--datasets", "NoSuchSet", "--out", out], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown dataset 'NoSuchSet'" in bad.stderr


def test_published_numbers_carry_their_citations():
    for row in published_numbers():
        assert row["dataset"] in ALL and row["model"] in ("ridge", "ln", "cnn")
        assert row["source"] and row["where"] and row["metric"] and row["value"]


def test_one_fit_runs_data_parallel_under_torchrun(tmp_path):
    out = tmp_path / "ddp"
    argv = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29613",
            "-m", "deepSTRF.benchmark.ddp", "--dataset", "Simulated", "--model", "cnn", "--out", str(out),
            "--max-epochs", "2", "--dataset-kwargs", json.dumps({"n_neurons": 6, "n_est": 12, "n_val": 3})]
    done = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 ranks" in done.stdout and "rank 0: saved" in done.stdout
    meta = json.load(open(out / "model.json"))
    assert meta["world_size"] == 2 and meta["dataset"] == "Simulated" and len(meta["split"]["test"]) == 3
    scores = json.load(open(out / "scores.json"))
    assert len(scores["cc"]) == 6 and len(scores["history"]["val_loss"]) == 2
    from deepSTRF.evaluation import load_fitted

    model, _ = load_fitted(str(out))
    assert type(model).__name__ == "CNNPopulation"


def test_single_repeat_data_are_summarised_by_the_raw_correlation():
    from deepSTRF.benchmark import summarize

    cell = {"config": {"dataset": "AliceEEG", "model": "ridge", "seed": 0},
            "neurons": [{"neuron": n, "reliable": False, "cc_norm": None, "cc": v} for n, v in enumerate([0.1, 0.3])]}
    row = summarize([cell])[0]
    assert row["metric"] == "cc" and row["median"] == 0.2 and row["reliable"] == 0


def test_credentials_are_refused_where_they_would_be_recorded(tmp_path):
    from deepSTRF.errors import DatasetValueError

    with pytest.raises(DatasetValueError, match="CRCNS_PASSWORD"):
        run(["AA1"], ["ridge"], out=str(tmp_path / "x"), dataset_kwargs={"AA1": {"password": "hunter2"}},
            executor="serial", progress=False)
    assert not (tmp_path / "x" / "results.jsonl").exists()


def test_a_worker_process_that_dies_is_reported_with_what_to_do(tmp_path):
    """A worker killed mid-cell (here by its model's fit) gives one error saying what happened and how
    to see the failure, not a bare BrokenProcessPool."""
    with pytest.raises(RuntimeError, match=r"worker process died .*executor='serial'"):
        run(["Simulated"], ["benchmark_crash:model"], seeds=[0, 1], dataset_kwargs=SMALL, out=str(tmp_path / "x"),
            executor="process", workers=2, figures=False, progress=False)
