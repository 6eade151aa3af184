import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from deepSTRF.datasets.audio import AudioNeuralDataset, SimulatedDataset
from deepSTRF.utils import neural_collate


@pytest.fixture(scope="module")
def sim():
    return SimulatedDataset(seed=0)


def test_layout(sim):
    assert isinstance(sim, AudioNeuralDataset)
    assert (len(sim.stim_meta), sim.N_neurons, sim.F) == (68, 24, 32)
    subsets = [m["subset"] for m in sim.stim_meta]
    assert subsets.count("est") == 60 and subsets.count("val") == 8
    T = [sim.stims[s].shape[2] for s in range(68)]
    assert min(T) >= 200 and max(T) <= 300 and len(set(T)) > 10  # ragged
    for s in range(68):
        for n in range(24):
            r = sim.responses[s][n]
            heard = not (sim.nrn_meta[n]["site"] == "B" and s < 10)
            assert bool(sim.nrn_masks[s, n]) == heard
            if not heard:
                assert r.shape == (1, 1) and torch.isnan(r).all()
                continue
            expected_R = 2 if subsets[s] == "est" else (15 if n == 1 else 20)
            assert r.shape == (expected_R, T[s])
    bad = sim.responses[60][2]
    assert torch.isnan(bad[3]).all() and not torch.isnan(bad[[0, 1, 2, 4]]).any()
    counts = torch.cat([sim.responses[s][0].flatten() for s in range(68)])
    assert (counts >= 0).all() and torch.equal(counts, counts.round()) and counts.sum() > 0


def test_deterministic():
    a, b, c = SimulatedDataset(seed=3, n_est=5, n_val=2), SimulatedDataset(seed=3, n_est=5, n_val=2), \
        SimulatedDataset(seed=4, n_est=5, n_val=2)
    for s in range(7):
        assert torch.equal(a.stims[s], b.stims[s])
        assert torch.equal(a.responses[s][5].nan_to_num(-1), b.responses[s][5].nan_to_num(-1))
    assert not torch.equal(a.stims[0][..., :200], c.stims[0][..., :200])


def test_ground_truth_drives_the_rate(sim):
    """The expected rate is a monotonic function of the STRF applied to the stimulus,
    recomputed here independently."""
    strfs = sim.true_strfs.numpy().astype(np.float64)
    assert strfs.shape == (24, 32, 15)
    np.testing.assert_allclose(np.linalg.norm(strfs.reshape(24, -1), axis=1), 1.0, rtol=1e-5)
    est = np.concatenate([sim.stims[s][0].numpy() for s in range(60)], axis=1)
    mean = est.mean(axis=1, keepdims=True)
    s = 63
    x = sim.stims[s][0].numpy().astype(np.float64) - mean
    T = x.shape[1]
    for n in (0, 7, 23):
        drive = np.zeros(T)
        for lag in range(15):
            drive[lag:] += strfs[n, :, lag] @ x[:, : T - lag]
        rho = spearmanr(drive, sim.true_psth(s)[n].numpy()).statistic
        assert rho > 0.999
    # trial means over 20 repeats follow the true rate
    ccs = [np.corrcoef(sim.responses[s][n].nanmean(0).numpy(), sim.true_psth(s)[n].numpy())[0, 1] for n in range(24)]
    assert np.median(ccs) > 0.7


def test_mean_rate_and_collate(sim):
    rates = [float(np.nanmean(torch.cat([sim.responses[s][n].flatten() for s in range(60, 68)]).numpy())) * 100
             for n in range(24)]
    expected = [m["mean_rate_hz"] for m in sim.nrn_meta]
    assert np.corrcoef(rates, expected)[0, 1] > 0.8
    batch = neural_collate([sim[i] for i in range(60, 64)])
    assert batch["responses"].shape[:3] == (4, 24, 20)


def test_argument_errors():
    with pytest.raises(ValueError, match="T_range must be"):
        SimulatedDataset(T_range=(10, 5))
    with pytest.raises(TypeError, match="n_neurons must be a positive integer"):
        SimulatedDataset(n_neurons=2.5)
    with pytest.raises(ValueError, match="val_repeats must be at least 6"):
        SimulatedDataset(val_repeats=3)


def test_smooth_option():
    raw = SimulatedDataset(seed=1, n_est=3, n_val=1)
    smooth = SimulatedDataset(seed=1, n_est=3, n_val=1, smooth=True)
    from deepSTRF.utils import hanning_smooth

    np.testing.assert_allclose(smooth.responses[0][0].numpy(), hanning_smooth(raw.responses[0][0].numpy(), dt_ms=10.0),
                               rtol=1e-6)
