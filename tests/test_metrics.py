"""Metrics against independent numpy implementations and analytic cases."""

import numpy as np
import pytest
import scipy.signal
import torch

from deepSTRF.metrics import (
    coherence,
    coherence_spectrum,
    compute_CCmax,
    corrcoef,
    fve,
    mse_loss,
    noise_power,
    normalized_corrcoef,
    poisson_loss,
    signal_power,
    snr,
)


def np_psth(r):
    with np.errstate(invalid="ignore"):
        cnt = (~np.isnan(r)).sum(axis=2)
        return np.where(cnt > 0, np.nansum(r, axis=2) / np.maximum(cnt, 1), np.nan)


def np_pearson(a, b):
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 2 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return np.nan
    return np.corrcoef(a[ok], b[ok])[0, 1]


def np_reliability(r, n):
    """Per-stimulus per-bin Sahani-Linden, length-weighted (loops, numpy)."""
    sp_num = np_num = tw = 0.0
    for b in range(r.shape[0]):
        x = r[b, n]  # (R, T)
        cnt = (~np.isnan(x)).sum(axis=0)
        keep = cnt >= 2
        if keep.sum() < 2:
            continue
        xb = x[:, keep]
        ybar = np.nanmean(xb, axis=0)
        v = np.nanvar(xb, axis=0, ddof=1)
        T = keep.sum()
        sp_num += T * (np.var(ybar) - np.mean(v / cnt[keep]))
        np_num += T * np.mean(v)
        tw += T
    return (sp_num / tw, np_num / tw) if tw else (np.nan, np.nan)


def np_schoppe(p, r, n):
    ys, vs, ps = [], [], []
    for b in range(r.shape[0]):
        x = r[b, n]
        cnt = (~np.isnan(x)).sum(axis=0)
        keep = (cnt >= 2) & ~np.isnan(p[b, n])
        ys.append(np.nanmean(x[:, keep], axis=0))
        vs.append(np.nanvar(x[:, keep], axis=0, ddof=1) / cnt[keep])
        ps.append(p[b, n, keep])
    y, v, q = map(np.concatenate, (ys, vs, ps))
    sp = np.var(y) - np.mean(v)
    return np.mean((q - q.mean()) * (y - y.mean())) / np.sqrt(np.var(q) * sp)


@pytest.fixture
def data():
    """(B=3, N=5, R=8, T) responses with NaN repeats, NaN padding and a sentinel neuron."""
    rng = np.random.default_rng(0)
    B, N, R, T = 3, 5, 8, 120
    signal = np.abs(rng.normal(2, 1.5, size=(B, N, 1, T)))
    r = rng.poisson(np.broadcast_to(signal, (B, N, R, T))).astype(np.float64)
    r[0, 1, 3] = np.nan  # an invalid repeat
    r[1, 2, 5:] = np.nan  # fewer repeats
    r[2, :, :, 100:] = np.nan  # a shorter stimulus (padding)
    r[:, 4] = np.nan  # a neuron that heard none of these
    r[1, 0, 2, 10:20] = np.nan  # a partially invalid repeat
    pred = signal[:, :, 0] + rng.normal(0, 0.7, size=(B, N, T))
    pred[2, :, 100:] = np.nan
    return pred, r, signal


def t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def test_corrcoef_and_fve_against_numpy(data):
    pred, r, _ = data
    cc = corrcoef(t(pred), t(r), reduction="none").numpy()
    y = np_psth(r)
    for n in range(5):
        a, b = pred[:, n].ravel(), y[:, n].ravel()
        np.testing.assert_allclose(cc[n], np_pearson(a, b), rtol=1e-10, equal_nan=True)
        ok = ~(np.isnan(a) | np.isnan(b))
        ref = 1 - np.sum((b[ok] - a[ok]) ** 2) / np.sum((b[ok] - b[ok].mean()) ** 2) if ok.any() else np.nan
        np.testing.assert_allclose(fve(t(pred), t(r), reduction="none")[n].item(), ref, rtol=1e-10, equal_nan=True)
    assert np.isnan(cc[4])
    assert corrcoef(t(pred), t(r)).item() == pytest.approx(np.nanmean(cc[:4]))
    assert corrcoef(t(pred), t(r), reduction="sum").item() == pytest.approx(np.nansum(cc))
    # (B, N, T) prediction and float32 input give the same
    same = corrcoef(t(pred[:, :, None]).float(), t(r).float(), reduction="none").numpy()
    np.testing.assert_allclose(same, cc, rtol=1e-5, equal_nan=True)


def test_reliability_against_numpy(data):
    _, r, _ = data
    sp, npow, ratio = (f(t(r), reduction="none").numpy() for f in (signal_power, noise_power, snr))
    for n in range(5):
        ref_sp, ref_np = np_reliability(r, n)
        np.testing.assert_allclose(sp[n], ref_sp, rtol=1e-9, equal_nan=True)
        np.testing.assert_allclose(npow[n], ref_np, rtol=1e-9, equal_nan=True)
        np.testing.assert_allclose(ratio[n], ref_sp / ref_np, rtol=1e-9, equal_nan=True)
    assert np.isnan(sp[4])


def test_agrees_with_classic_sahani_linden_when_all_repeats_are_valid():
    rng = np.random.default_rng(1)
    s = rng.gamma(2.0, 1.0, size=(1, 3, 1, 2000))
    r = rng.poisson(np.broadcast_to(s, (1, 3, 10, 2000))).astype(float)
    R = 10
    for n in range(3):
        x = r[0, n]
        p_tr = np.mean(np.var(x, axis=1))
        p_y = np.var(x.mean(axis=0))
        classic_sp = (R * p_y - p_tr) / (R - 1)
        assert signal_power(t(r), reduction="none")[n].item() == pytest.approx(classic_sp, rel=2e-3)
        assert noise_power(t(r), reduction="none")[n].item() == pytest.approx(p_tr - classic_sp, rel=2e-3)
        # and the truth: signal variance, Poisson noise = mean rate
        assert signal_power(t(r), reduction="none")[n].item() == pytest.approx(np.var(s[0, n]), rel=0.1)
        assert noise_power(t(r), reduction="none")[n].item() == pytest.approx(np.mean(s[0, n]), rel=0.05)


def test_schoppe_against_numpy(data):
    pred, r, _ = data
    cc = normalized_corrcoef(t(pred), t(r), method="schoppe", reduction="none").numpy()
    for n in range(4):
        np.testing.assert_allclose(cc[n], np_schoppe(pred, r, n), rtol=1e-9)
    assert np.isnan(cc[4])


def test_analytic_cases():
    rng = np.random.default_rng(2)
    s = rng.gamma(2.0, 1.0, size=(4, 6, 1, 500))
    noise_free = np.broadcast_to(s, (4, 6, 10, 500)).copy()
    noise_free[0, 0, 2] = np.nan  # an invalid repeat changes nothing
    for method in ("schoppe", "hsu"):
        np.testing.assert_allclose(normalized_corrcoef(t(s), t(noise_free), method=method, reduction="none"),
                                   1.0, rtol=1e-9)
        np.testing.assert_allclose(compute_CCmax(t(noise_free), method=method), 1.0, rtol=1e-9)
    pure_noise = rng.normal(size=(4, 6, 10, 500))
    for method in ("schoppe", "hsu"):
        assert compute_CCmax(t(pure_noise), method=method, reduction="none").abs().max() < 0.25
    shuffled = s[:, :, :, rng.permutation(500)]
    assert abs(corrcoef(t(shuffled), t(noise_free)).item()) < 0.05


def test_ccmax_matches_theory_for_both_methods():
    """Gaussian signal (var 1) plus noise (var 4), R = 10: CC_max = sqrt(1 / (1 + 4 / 10))."""
    rng = np.random.default_rng(3)
    s = rng.normal(size=(2, 4, 1, 5000))
    r = s + 2.0 * rng.normal(size=(2, 4, 10, 5000))
    expected = np.sqrt(1 / (1 + 4 / 10))
    for method in ("schoppe", "hsu"):
        got = compute_CCmax(t(r), method=method, reduction="none").numpy()
        np.testing.assert_allclose(got, expected, atol=0.02)
        ncc = normalized_corrcoef(t(s), t(r), method=method, reduction="none").numpy()
        np.testing.assert_allclose(ncc, 1.0, atol=0.03)


def test_single_repeat_gives_nan_not_a_ceiling():
    rng = np.random.default_rng(4)
    r = rng.poisson(2.0, size=(2, 3, 1, 100)).astype(float)
    p = rng.random((2, 3, 1, 100))
    for f in (signal_power, noise_power, snr):
        assert torch.isnan(f(t(r), reduction="none")).all()
    for method in ("schoppe", "hsu"):
        assert torch.isnan(compute_CCmax(t(r), method=method, reduction="none")).all()
        with pytest.warns(UserWarning, match="a single repeat, so the 3 neurons' values are NaN"):
            assert torch.isnan(normalized_corrcoef(t(p), t(r), method=method, reduction="none")).all()
        with pytest.warns(UserWarning):
            assert torch.isnan(normalized_corrcoef(t(p), t(r), method=method))  # mean of nothing
    assert not torch.isnan(corrcoef(t(p), t(r), reduction="none")).any()  # CC with one trial is defined


def test_mask_equals_cropping(data):
    pred, r, _ = data
    mask = torch.zeros(1, 1, 1, r.shape[3], dtype=torch.bool)
    mask[..., :60] = True
    for f in (corrcoef, fve):
        np.testing.assert_allclose(f(t(pred), t(r), mask=mask, reduction="none"),
                                   f(t(pred[..., :60]), t(r[..., :60]), reduction="none"), equal_nan=True)
    np.testing.assert_allclose(snr(t(r), mask=mask, reduction="none"), snr(t(r[..., :60]), reduction="none"),
                               equal_nan=True)
    np.testing.assert_allclose(normalized_corrcoef(t(pred), t(r), mask=mask, reduction="none"),
                               normalized_corrcoef(t(pred[..., :60]), t(r[..., :60]), reduction="none"),
                               equal_nan=True)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 2\) does not broadcast"):
        corrcoef(t(pred), t(r), mask=torch.ones(2, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="mask must be a boolean tensor"):
        corrcoef(t(pred), t(r), mask=torch.ones(1))


def test_argument_errors(data):
    pred, r, _ = data
    with pytest.raises(ValueError, match=r"pred \(3, 5, 1, 120\) and target \(3, 4, 8, 120\) must agree"):
        corrcoef(t(pred), t(r[:, :4]))
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'; got 'median'"):
        corrcoef(t(pred), t(r), reduction="median")
    with pytest.raises(ValueError, match="method must be one of 'schoppe', 'hsu'; got 'x'"):
        normalized_corrcoef(t(pred), t(r), method="x")
    with pytest.raises(ValueError, match="pred must have one repeat"):
        corrcoef(t(r), t(r))


def test_losses_values_and_gradients(data):
    pred, r, _ = data
    y = np_psth(r)[:, :, None]
    p = t(np.clip(pred, 0.01, None)[:, :, None]).clone().requires_grad_(True)
    pn = np.clip(pred, 0.01, None)[:, :, None]
    ok = ~np.isnan(y) & ~np.isnan(pn)
    elem = pn - y * np.log(pn)  # pn >= 0.01 > eps: the clamp inside the log does not act
    per_neuron = [np.mean(elem[:, n][ok[:, n]]) for n in range(pn.shape[1]) if ok[:, n].any()]
    ref = np.mean(per_neuron)  # 0.1.0: each neuron's mean over its bins, then the mean over neurons
    loss = poisson_loss(torch.nan_to_num(p, nan=1.0), t(r))
    # NaN predictions sit only where the target is NaN too, so nan_to_num changes nothing counted
    assert loss.item() == pytest.approx(ref, rel=1e-9)
    loss.backward()
    assert torch.isfinite(p.grad).all()
    assert (p.grad[:, 4] == 0).all()  # the sentinel neuron gets no gradient
    m = mse_loss(torch.nan_to_num(t(pred[:, :, None]), nan=0.0), t(r), reduction="none")
    for n in range(4):
        okn = ok[:, n]
        assert m[n].item() == pytest.approx(np.mean(((pred[:, n, None] - y[:, n]) ** 2)[okn]), rel=1e-9)
    assert torch.isnan(m[4])
    total = mse_loss(torch.nan_to_num(t(pred[:, :, None]), nan=0.0), t(r), reduction="sum")
    assert total.item() == pytest.approx(float(np.nansum(m.numpy())), rel=1e-12)  # the sum over neurons


def test_coherence_against_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=1000)
    y = np.convolve(x, [0.5, 0.3, 0.2], mode="same") + 0.5 * rng.normal(size=1000)
    got = coherence_spectrum(t(x[None, None, None]), t(y[None, None, None]), nperseg=64, reduction="none")[0].numpy()
    _, ref = scipy.signal.coherence(x, y, window="hann", nperseg=64, noverlap=32)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-10)
    same = coherence_spectrum(t(x[None, None, None]), t(x[None, None, None]), nperseg=64)
    np.testing.assert_allclose(same.numpy(), 1.0, rtol=1e-9)
    with pytest.raises(ValueError, match="nperseg=2000 is longer than the batch's 1000 bins"):
        coherence_spectrum(t(x[None, None, None]), t(y[None, None, None]), nperseg=2000)
    # 0.1.0's call: (pred, gt, dt_ms) -> the mean over frequencies above 0 Hz
    mean = coherence(t(x[None, None, None]), t(y[None, None, None]), 5.0, reduction="none")
    assert mean.shape == (1,) and mean.item() == pytest.approx(ref[1:].mean(), rel=1e-8)
    with pytest.raises(TypeError, match="dt_ms, the bin width in ms, is required"):
        coherence(t(x[None, None, None]), t(y[None, None, None]))


def test_compute_neuron_quality_matches_the_metrics():
    from deepSTRF.datasets.audio import SimulatedDataset
    from deepSTRF.utils import neural_collate

    ds = SimulatedDataset(seed=0)
    out = ds.compute_neuron_quality(method="schoppe")
    val = [s for s, m in enumerate(ds.stim_meta) if m["subset"] == "val"]
    # independent route: collate every stimulus and call the metrics
    both = neural_collate([ds[i] for i in range(len(ds))])["responses"].double()
    np.testing.assert_allclose(out["snr"].numpy(), snr(both, reduction="none").numpy(), rtol=1e-9)
    np.testing.assert_allclose(out["ccmax"].numpy(), compute_CCmax(both, reduction="none").numpy(), rtol=1e-9)
    assert ds.nrn_meta[5]["snr"] == pytest.approx(out["snr"][5].item())
    assert all(0 < m["ccmax"] <= 1 for m in ds.nrn_meta)
    only_val = ds.compute_neuron_quality(stim_indices=val, method="schoppe")
    ds.select_stims(val)
    val_batch = neural_collate([ds[i] for i in range(len(ds))])["responses"].double()
    np.testing.assert_allclose(only_val["snr"].numpy(), snr(val_batch, reduction="none").numpy(), rtol=1e-9)
    assert not np.allclose(only_val["snr"].numpy(), out["snr"].numpy())


def test_compute_neuron_quality_without_repeats():
    from deepSTRF.datasets import DatasetBuilder

    b = DatasetBuilder(dt_ms=10.0)
    b.add_stim(np.zeros((1, 1, 50)), name="x")
    b.add_neuron()
    b.add_response(0, 0, np.ones((1, 50)))
    ds = b.build()
    out = ds.compute_neuron_quality(method="schoppe")
    assert np.isnan(ds.nrn_meta[0]["snr"]) and np.isnan(ds.nrn_meta[0]["ccmax"]) and torch.isnan(out["snr"]).all()
    ds.compute_neuron_quality()  # Hsu, 0.1.0's default: no ceiling known -> 1.0, flagged by the count
    assert ds.nrn_meta[0]["ccmax"] == 1.0 and ds.nrn_meta[0]["ccmax_n_stims"] == 0


def test_hsu_ccmax_against_a_direct_split_half():
    """Every split of R = 4 repeats by hand (np.corrcoef), Spearman-Brown, length-weighted, r <= 0 dropped."""
    from itertools import combinations

    from deepSTRF.datasets import DatasetBuilder

    rng = np.random.default_rng(3)
    b = DatasetBuilder(dt_ms=10.0)
    T_of = [40, 70, 55]
    for s, T in enumerate(T_of):
        b.add_stim(np.zeros((1, 1, T)), name=str(s))
    blocks = {}
    for n in range(3):
        b.add_neuron()
        for s, T in enumerate(T_of):
            signal = np.sin(np.arange(T) / (3 + s)) * (2.0 if n < 2 else 0.0)
            x = signal + rng.normal(size=(4, T))
            blocks[s, n] = x
            b.add_response(s, n, x)
    ds = b.build()
    out = ds.compute_neuron_quality()
    for n in range(3):
        num = den = 0.0
        for s, T in enumerate(T_of):
            x = blocks[s, n].astype(np.float32).astype(np.float64)
            rs = [np.corrcoef(x[list(h)].mean(0), x[[i for i in range(4) if i not in h]].mean(0))[0, 1]
                  for h in combinations(range(4), 2) if 0 in h]  # the 3 distinct splits
            r = np.mean(rs)
            if r > 0:
                num += T * np.sqrt(2 * r / (1 + r))
                den += T
        expected = num / den if den else float("nan")  # repeats, but no stimulus with r > 0
        assert out["ccmax"][n].item() == pytest.approx(expected, rel=1e-6, nan_ok=True)  # the Gram matrix is in the data's float32
    assert out["ccmax"][0] > 0.8 and out["ccmax_n_stims"][0] == 3




def _every_metric(pred, r):
    """Per-neuron values of every metric, as a dict of numpy arrays."""
    from deepSTRF.metrics import performance

    p = torch.nan_to_num(t(pred), nan=1.0).clamp(min=0.01)  # rates: poisson_loss needs no NaN in pred
    return {
        "corrcoef": corrcoef(t(pred), t(r), reduction="none"),
        "fve": fve(t(pred), t(r), reduction="none"),
        "snr": snr(t(r), reduction="none"),
        "signal_power": signal_power(t(r), reduction="none"),
        "schoppe": normalized_corrcoef(t(pred), t(r), reduction="none"),
        "hsu": normalized_corrcoef(t(pred), t(r), method="hsu", reduction="none"),
        "ccmax_hsu": compute_CCmax(t(r), method="hsu", reduction="none"),
        "ccmax_schoppe": compute_CCmax(t(r), reduction="none"),
        "coherence": coherence_spectrum(t(pred), t(r), nperseg=16, reduction="none"),
        "mse": mse_loss(p, t(r), reduction="none"),
        "poisson": poisson_loss(p, t(r), reduction="none"),
        "cell_ccmax": performance.compute_CCmax(t(r)),
        "ttrc": performance.compute_TTRC(t(r)),
    }


def test_values_do_not_depend_on_the_neuron_blocks(data, monkeypatch):
    """Metrics work in blocks of neurons; one neuron per block, or two, gives the same values."""
    import deepSTRF.metrics._common as common

    pred, r, _ = data
    whole = _every_metric(pred, r)
    assert len(common.neuron_blocks(t(r))) == 1  # the fixture is one block by default
    for values in (1, 2 * r.shape[0] * r.shape[2] * r.shape[3]):  # 1 and 2 neurons per block
        monkeypatch.setattr(common, "_BLOCK_VALUES", values)
        assert len(common.neuron_blocks(t(r))) == (5 if values == 1 else 3)
        for name, got in _every_metric(pred, r).items():
            np.testing.assert_allclose(got.numpy(), whole[name].numpy(), rtol=1e-12, atol=0, equal_nan=True,
                                       err_msg=name)


def test_a_neurons_split_halves_do_not_depend_on_the_neurons_after_it(data):
    """Hsu's random splits are drawn per (stimulus, neuron, repeat): a neuron's ceiling is the same
    in a batch of 3 neurons or of 5 (the draw used to be shaped by the whole batch)."""
    _, r, _ = data
    full = compute_CCmax(t(r), method="hsu", reduction="none")
    np.testing.assert_array_equal(compute_CCmax(t(r[:, :3]), method="hsu", reduction="none").numpy(),
                                  full[:3].numpy())
    other_seed = compute_CCmax(t(r), method="hsu", reduction="none", seed=1)
    assert not torch.equal(other_seed[:4], full[:4])  # the seed is used


def test_more_than_255_repeats_are_counted(monkeypatch):
    """Valid repeats are counted 255 at a time (uint8 partial sums): R = 600 with NaN repeats
    gives numpy's trial mean, in the metrics and in the losses."""
    rng = np.random.default_rng(5)
    B, N, R, T = 2, 3, 600, 40
    r = rng.poisson(3.0, size=(B, N, R, T)).astype(np.float32)
    r[:, :, rng.random(R) < 0.3] = np.nan  # about 180 NaN repeats
    r[0, 1, :, 5] = np.nan  # a bin without any valid repeat
    pred = rng.random((B, N, 1, T)).astype(np.float32)
    y = np_psth(r.astype(np.float64))
    for n in range(N):
        np.testing.assert_allclose(corrcoef(t(pred), t(r), reduction="none")[n].item(),
                                   np_pearson(pred[:, n, 0].ravel(), y[:, n].ravel()), rtol=1e-5)
        ok = ~np.isnan(y[:, n])
        np.testing.assert_allclose(mse_loss(t(pred), t(r), reduction="none")[n].item(),
                                   np.mean((pred[:, n, 0][ok] - y[:, n][ok]) ** 2), rtol=1e-5)


def test_corrcoef_and_fve_are_differentiable():
    """Usable as training objectives: gradients flow through the blocks (checked by finite differences)."""
    rng = np.random.default_rng(6)
    r = t(rng.poisson(2.0, size=(2, 3, 4, 30)).astype(np.float64))
    r[0, 1, 2] = float("nan")
    p = t(rng.random((2, 3, 1, 30))).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda q: corrcoef(q, r, reduction="none"), (p,))
    assert torch.autograd.gradcheck(lambda q: fve(q, r), (p,))
