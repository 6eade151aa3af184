import numpy as np
import pytest
import torch

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.datasets.audio import SimulatedDataset
from deepSTRF.datasets.zoo import standard_split
from deepSTRF.evaluation import collate_stims, score, strf_similarity
from deepSTRF.models import CNNPopulation, LinearSTRF, LNModel, fit, fit_ridge, lagged, split_stims


def _causal(model, F=6, T=40):
    torch.manual_seed(0)
    x = torch.randn(2, 1, F, T)
    with torch.no_grad():
        y = model(x)
        for t in (0, 7, 25):
            x2 = x.clone()
            x2[..., t + 1:] = torch.randn_like(x2[..., t + 1:]) * 5
            y2 = model(x2)
            assert torch.equal(y[..., : t + 1], y2[..., : t + 1]), f"output at bins <= {t} changed"
            assert not torch.equal(y[..., t + 1:], y2[..., t + 1:])  # and later bins do depend on it
    return y


@pytest.mark.parametrize("make", [
    lambda: LinearSTRF(6, 3, 5),
    lambda: LNModel(6, 3, 5),
    lambda: CNNPopulation(6, 3, channels=4, layers=2, kernel_f=3, kernel_t=4),
])
def test_models_are_strictly_causal_with_the_common_shapes(make):
    model = make()
    for p in model.parameters():
        torch.nn.init.normal_(p)
    y = _causal(model)
    assert y.shape == (2, 3, 1, 40)


def test_linear_strf_matches_the_lag_formula():
    torch.manual_seed(1)
    m = LinearSTRF(4, 2, 3)
    torch.nn.init.normal_(m.weight)
    torch.nn.init.normal_(m.bias)
    x = torch.randn(1, 1, 4, 10)
    with torch.no_grad():
        y = m(x)[0, :, 0].numpy()
    w, b, xs = m.weight.detach().numpy(), m.bias.detach().numpy(), x[0, 0].numpy()
    for n in range(2):
        for t in range(10):
            ref = b[n] + sum(w[n, f, lag] * xs[f, t - lag] for f in range(4) for lag in range(3) if t - lag >= 0)
            assert y[n, t] == pytest.approx(ref, abs=1e-5)
    X = lagged(xs.astype(np.float64), 3)
    np.testing.assert_allclose(X @ w.reshape(2, -1).T + b, y.T, atol=1e-5)
    with pytest.raises(ValueError, match=r"input must be \(B, 1, F=4, T\); got shape \(1, 4, 10\)"):
        m(x[0])


def _linear_dataset(noise=0.0, seed=0, smooth=0.0):
    """Responses that are exactly (or noisily) linear in the stimulus; neuron 2 hears no est stimulus."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    F, L, N = 5, 4, 3
    W = rng.normal(size=(N, F, L))
    b = DatasetBuilder(dt_ms=10.0)
    for n in range(N):
        b.add_neuron(cell_id=str(n))
    for s in range(12):
        x = gaussian_filter(rng.normal(size=(F, 80)), smooth) if smooth else rng.normal(size=(F, 80))
        subset = "est" if s < 10 else "val"
        b.add_stim(x[None], name=str(s), subset=subset)
        y = (lagged(x, L) @ W.reshape(N, -1).T).T + 1.5  # (N, T)
        for n in range(N):
            if n == 2 and subset == "est":
                continue
            b.add_response(s, n, y[n][None].repeat(2, 0) + noise * rng.normal(size=(2, 80)))
    return b.build(), W


def test_ridge_recovers_exact_linear_weights():
    ds, W = _linear_dataset()
    est, test = standard_split(ds)
    model = fit_ridge(ds, est, n_lags=4, alphas=[1e-8, 1e-3])
    np.testing.assert_allclose(model.weight.detach()[:2].numpy(), W[:2], atol=1e-5)
    np.testing.assert_allclose(model.bias.detach()[:2].numpy(), 1.5, atol=1e-5)
    assert torch.isnan(model.weight[2]).all() and torch.isnan(model.alpha[2])  # heard no training stimulus
    sc = score(model, collate_stims(ds, test))
    np.testing.assert_allclose(sc["cc"][:2], 1.0, atol=1e-6)
    assert np.isnan(sc["cc"][2])
    with pytest.raises(ValueError, match="n_folds=5 needs at least 5 training stimuli; got 3"):
        fit_ridge(ds, est[:3], n_lags=4)


def test_ridge_picks_more_penalty_for_noisier_data():
    """With correlated stimuli, noisier responses need a larger penalty."""
    quiet, _ = _linear_dataset(noise=0.1, smooth=1.5)
    noisy, _ = _linear_dataset(noise=5.0, smooth=1.5)
    est, _ = standard_split(quiet)
    a_quiet = fit_ridge(quiet, est, n_lags=4).alpha[:2]
    a_noisy = fit_ridge(noisy, est, n_lags=4).alpha[:2]
    assert (a_noisy > a_quiet).all()


def test_fit_restores_the_best_checkpoint():
    ds, _ = _linear_dataset(noise=1.0)
    ds.select_population([0, 1])
    est, _ = standard_split(ds)
    train, val = split_stims(est, 0.2, seed=0)
    model = LinearSTRF(5, 2, 4)
    hist = fit(model, ds, train, val, loss="mse", lr=0.05, max_epochs=60, patience=5, progress=False)
    assert hist["best_val_loss"] == min(hist["val_loss"])
    assert len(hist["val_loss"]) <= 60 and hist["best_epoch"] == int(np.argmin(hist["val_loss"]))
    from torch.utils.data import DataLoader

    from deepSTRF.metrics import mse_loss
    from deepSTRF.models.training import StimSubset, evaluate_loss
    from deepSTRF.utils import neural_collate

    loader = DataLoader(StimSubset(ds, val), batch_size=8, collate_fn=neural_collate)
    assert evaluate_loss(model, loader, mse_loss) == pytest.approx(hist["best_val_loss"], rel=1e-6)
    with pytest.raises(ValueError, match="loss must be one of 'poisson', 'mse'; got 'l1'"):
        fit(model, ds, train, val, loss="l1")


@pytest.fixture(scope="module")
def sim_scores(simulated_fits):
    ds = SimulatedDataset(seed=0)
    snr = ds.compute_neuron_quality()["snr"].numpy()
    est, test = standard_split(ds)
    batch = collate_stims(ds, test)
    out = {}
    for kind in ("ridge", "ln"):
        model = simulated_fits[kind]  # train_model(kind, ds, est, seed=0), fitted once per run
        sc = score(model, batch)
        out[kind] = (sc, strf_similarity(model.strfs, ds.true_strfs))
    return out, snr


def test_ridge_recovers_the_simulated_strfs(sim_scores):
    out, snr = sim_scores
    sc, sim = out["ridge"]
    good = snr >= 0.1
    assert good.sum() >= 20
    assert np.median(sim[good]) >= 0.9
    assert np.nanmedian(sc["cc_norm"]) >= 0.8


def test_ln_does_at_least_as_well_as_ridge(sim_scores):
    out, snr = sim_scores
    good = snr >= 0.1
    (ridge, ridge_sim), (ln, ln_sim) = out["ridge"], out["ln"]
    assert np.nanmedian(ln["cc_norm"]) >= np.nanmedian(ridge["cc_norm"])
    assert np.nanmedian(ln["cc"]) >= np.nanmedian(ridge["cc"])
    assert np.median(ln_sim[good]) >= 0.9 and np.median(ln_sim[good]) >= np.median(ridge_sim[good])
    assert (ln["pred"] >= 0).all()  # a rate


def test_cnn_learns_something_quickly():
    ds = SimulatedDataset(seed=2, n_neurons=6, n_est=20, n_val=3)
    est, test = standard_split(ds)
    train, val = split_stims(est, 0.2)
    torch.manual_seed(0)
    model = CNNPopulation(ds.F, ds.get_N(), channels=8)
    hist = fit(model, ds, train, val, lr=3e-3, max_epochs=8, patience=8, progress=False)
    assert hist["val_loss"][-1] < hist["val_loss"][0]
    assert np.nanmedian(score(model, collate_stims(ds, test))["cc"]) > 0.3


def test_fit_progress_knows_early_stopping_and_works_in_a_log(monkeypatch):
    import io

    from deepSTRF.models.progress import FitProgress
    from deepSTRF.models.training import fit_threads

    log = io.StringIO()  # not a terminal
    p = FitProgress("fit LNModel", patience=3, stream=log, every_s=0.0)
    p.epoch(0, 1.0, 0.9, 0.9, 0)
    p.epoch(1, 0.8, 0.95, 0.9, 0)
    p.done(stopped_early=True)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("fit LNModel: epoch 1, train 1.0000, val 0.9000 (best 0.9000 at epoch 1), "
                               "patience 3/3 left")
    assert "epoch 2" in lines[1] and "patience 2/3 left" in lines[1]
    assert lines[-1].endswith("(stopped early)") and "\r" not in log.getvalue()
    monkeypatch.delenv("DEEPSTRF_NUM_THREADS", raising=False)
    assert fit_threads() == 1
    monkeypatch.setenv("DEEPSTRF_NUM_THREADS", "2")
    assert fit_threads() == 2
    monkeypatch.setenv("DEEPSTRF_NUM_THREADS", "two")
    with pytest.raises(ValueError, match="DEEPSTRF_NUM_THREADS must be a positive integer"):
        fit_threads()


def test_device_choice():
    import torch

    from deepSTRF.models.training import resolve_device

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="torch sees no CUDA device"):
            resolve_device("cuda")
