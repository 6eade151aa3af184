"""Metrics called as code written for deepSTRF 0.1.0 calls them: keywords, default reductions,
dtypes, shapes and the loss reductions. Expected values are computed here with numpy loops."""

import warnings

import numpy as np
import pytest
import torch

from deepSTRF.metrics import coherence, corrcoef, fve, mse_loss, normalized_corrcoef, noise_power, poisson_loss
from deepSTRF.metrics import signal_power, snr


@pytest.fixture
def batch():
    rng = np.random.default_rng(11)
    rate = rng.gamma(2.0, 0.5, size=(3, 4, 1, 80))
    resp = rng.poisson(np.broadcast_to(rate, (3, 4, 6, 80))).astype(np.float32)
    resp[0, 1, 2] = np.nan  # an invalid repeat
    resp[2, 3] = np.nan  # neuron 3 never heard stimulus 2
    resp[1, 0, :, 60:] = np.nan  # a shorter stimulus
    pred = (rate + 0.2 * rng.random(rate.shape)).astype(np.float32)
    return torch.from_numpy(pred), torch.from_numpy(resp)


def np_psth(resp):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an all-NaN column is NaN
        return np.nanmean(resp.astype(np.float64), axis=2)


def np_corr_per_neuron(pred, resp):
    y = np_psth(resp)
    p = pred[:, :, 0].astype(np.float64)
    out = []
    for n in range(y.shape[1]):
        ok = ~np.isnan(y[:, n]) & ~np.isnan(p[:, n])
        out.append(np.corrcoef(p[:, n][ok], y[:, n][ok])[0, 1])
    return np.array(out)


def test_gt_keyword_default_reduction_and_dtype(batch):
    pred, resp = batch
    ref = np_corr_per_neuron(pred.numpy(), resp.numpy())
    cc = corrcoef(pred, gt=resp)
    assert cc.dtype == torch.float32 and cc.shape == ()  # float32 in, float32 out; a scalar by default
    assert cc.item() == pytest.approx(ref.mean(), rel=1e-6)
    assert torch.allclose(corrcoef(pred, resp, reduction="none"), torch.from_numpy(ref).float())
    assert corrcoef(pred, target=resp).item() == cc.item()  # our name stays an alias
    assert corrcoef(pred.double(), resp.double()).dtype == torch.float64
    with pytest.raises(TypeError, match="gt and target are the same argument"):
        corrcoef(pred, resp, target=resp)
    f = fve(pred, gt=resp, reduction="none")
    assert f.dtype == torch.float32 and f.shape == (4,)


def test_reliability_defaults_to_the_mean_over_neurons(batch):
    _, resp = batch
    for fn in (signal_power, noise_power, snr):
        per = fn(resp, reduction="none")
        assert fn(resp).shape == () and fn(resp).item() == pytest.approx(per.double().mean().item(), rel=1e-6)
        assert per.dtype == torch.float32


def test_loss_reductions_average_per_neuron_first(batch):
    pred, resp = batch
    y = np_psth(resp.numpy())[:, :, None]
    p = pred.numpy().astype(np.float64)
    per = np.array([np.nanmean(((p - y) ** 2)[:, n]) for n in range(4)])  # each neuron over its own bins
    assert mse_loss(pred, gt=resp).item() == pytest.approx(per.mean(), rel=1e-5)
    assert mse_loss(pred, resp, reduction="sum").item() == pytest.approx(per.sum(), rel=1e-5)
    np.testing.assert_allclose(mse_loss(pred, resp, reduction="none").numpy(), per, rtol=1e-5)
    assert mse_loss(pred, resp).dtype == torch.float32


def test_poisson_loss_options(batch):
    pred, resp = batch
    y = np_psth(resp.numpy())[:, :, None]
    lam = pred.numpy().astype(np.float64)
    per = np.array([np.nanmean((lam - y * np.log(lam))[:, n]) for n in range(4)])
    assert poisson_loss(pred, gt=resp).item() == pytest.approx(per.mean(), rel=1e-5)
    logp = torch.log(pred)
    assert poisson_loss(logp, resp, log_input=True).item() == pytest.approx(per.mean(), rel=1e-5)
    neg = pred.clone()
    neg[0, 0, 0, 0] = -1.0
    assert torch.isfinite(poisson_loss(neg, resp))  # clamped to eps inside the log, not NaN
    with pytest.raises(ValueError, match="pred holds negative rates"):
        poisson_loss(neg, resp, validate_input=True)
    with pytest.raises(ValueError, match="the target holds negative values"):
        poisson_loss(pred, -resp, validate_input=True)
    g = pred.clone().requires_grad_(True)
    poisson_loss(g, resp).backward()
    assert torch.isfinite(g.grad).all() and (g.grad[2, 3] == 0).all()  # no gradient where nothing was heard


def test_normalized_corrcoef_keywords_and_single_repeat(batch):
    pred, resp = batch
    hsu = normalized_corrcoef(pred, resp, method="hsu", ccmax_iters=126)
    assert hsu.dtype == torch.float32 and torch.isfinite(hsu)
    assert normalized_corrcoef(pred, resp, method="hsu", ccmax_iters=40).item() == pytest.approx(hsu.item(), rel=0.1)
    with pytest.warns(UserWarning, match="single repeat, so the 4 neurons' values are NaN"):
        one = normalized_corrcoef(pred, resp[:, :, :1], reduction="none")
    assert torch.isnan(one).all()


def test_coherence_is_averaged_over_frequencies():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 1, 512))
    y = x + 0.5 * rng.normal(size=x.shape)
    c = coherence(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32), 5.0)
    per = coherence(torch.tensor(x), torch.tensor(y), 5.0, reduction="none")
    assert c.shape == () and per.shape == (3,) and c.dtype == torch.float32
    assert 0.7 < c.item() < 0.9  # |H|^2 / (1 + noise): 1 / 1.25 = 0.8 at every frequency


def test_performance_helpers_take_one_cells_responses():
    from deepSTRF.metrics.performance import compute_CCmax, compute_TTRC

    rng = np.random.default_rng(4)
    s = 2 * np.sin(np.arange(200) / 4.0)
    cell = torch.tensor(s + rng.normal(size=(3, 8, 200)), dtype=torch.float32)  # (B, R, T)
    cc = compute_CCmax(cell)
    assert cc.shape == () and 0.9 < cc.item() <= 1.0 and cc.dtype == torch.float32
    assert compute_CCmax(cell[:, :1]).item() == 1.0  # R = 1: 0.1.0's 1.0
    pop = torch.stack([cell, cell], dim=1)  # (B, N, R, T)
    assert torch.allclose(compute_CCmax(pop), cc.expand(2))
    flat = cell.double().numpy().transpose(1, 0, 2).reshape(8, -1)
    ref = np.mean([np.corrcoef(flat[i], flat[j])[0, 1] for i in range(8) for j in range(i + 1, 8)])
    assert compute_TTRC(cell).item() == pytest.approx(ref, rel=1e-5)
    assert compute_TTRC(cell[:, :1]).item() == 1.0
    lonely = torch.full((2, 3, 5), float("nan"))
    lonely[:, 0] = 1.0
    assert torch.isnan(compute_TTRC(lonely))  # no pair of valid trials


# ------------------------------------------------------------------ wav2spec, as 0.1.0 builds them
from deepSTRF.models.wav2spec import (CausalGammatone, CausalLEAF, CausalMelSpectrogram,  # noqa: E402
                                      Gammatonegram, SincNet, make_wav2spec)

FRONT_ENDS = {
    "mel": lambda: CausalMelSpectrogram(16000, 20, 5.0, 10.0, 300.0, 7900.0),  # positional, 0.1.0's order
    "gammatone": lambda: CausalGammatone(16000, 12, 5.0, 300.0, 7900.0, kernel_ms=12.0),
    "gammatonegram": lambda: Gammatonegram(16000, 16, 5.0, 4.0, 500.0, 7000.0),
    "sincnet": lambda: SincNet(16000, 10, 101, 5.0, envelope=True),
    "leaf": lambda: CausalLEAF(16000, 10, 5.0, 60.0, 7900.0, kernel_ms=8.0),
}


def test_constructors_take_the_band_count_second():
    m = CausalMelSpectrogram(48000, 34)  # 0.1.0: 34 bands at the default 5-ms hop (not a 34-ms hop)
    assert m.out_channels == 34 and m.hop == 240 and m.hop_ms == 5.0 and m.n_fft == 480
    g = CausalGammatone(audio_fs=48000, n_filters=34, hop_ms=5.0)
    assert g.out_channels == 34 and g.hop == 240 and g.kernels.shape == (34, 960)  # 20-ms FIR
    assert Gammatonegram(48000).out_channels == 50 and SincNet(48000).out_channels == 34
    assert CausalLEAF(48000).out_channels == 34
    with pytest.warns(UserWarning, match="f_max=22627 Hz is above the Nyquist frequency of audio_fs=16000"):
        assert CausalMelSpectrogram(16000).out_channels == 34
    with pytest.raises(ValueError, match="not a whole number"):
        CausalMelSpectrogram(44100, 34, 0.5)
    assert make_wav2spec("leaf", 16000, 5.0, n_filters=8, f_max=7000.0).out_channels == 8


@pytest.mark.parametrize("kind", sorted(FRONT_ENDS))
def test_every_front_end_is_strictly_causal_on_the_grid(kind):
    m = FRONT_ENDS[kind]()
    x = torch.randn(2, 1, 80 * 40 + 13)
    with torch.no_grad():
        y = m(x)
        assert y.shape == (2, 1, m.out_channels, 40) and torch.isfinite(y).all()
        for t in (0, 7, 30):
            x2 = x.clone()
            x2[..., (t + 1) * m.hop:] = 10 * torch.randn_like(x2[..., (t + 1) * m.hop:])
            y2 = m(x2)
            assert torch.allclose(y[..., : t + 1], y2[..., : t + 1], atol=1e-4), f"frame <= {t} saw the future"
            assert not torch.allclose(y[..., t + 1:], y2[..., t + 1:])


@pytest.mark.parametrize("kind", ["sincnet", "leaf"])
def test_gradients_reach_the_learnable_parameters(kind):
    m = FRONT_ENDS[kind]()
    y = m(torch.randn(1, 1, 80 * 20))
    y.mean().backward()
    grads = {n: p.grad for n, p in m.named_parameters()}
    assert grads and all(g is not None and torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads.values())


def test_sincnet_passes_its_band_and_stops_the_rest():
    m = SincNet(16000, 4, 201, 5.0, f_min=1000.0, f_max=5000.0, init="linear", activation="abs", envelope=True)
    t = torch.arange(16000) / 16000
    k = m.filters().detach()
    gain = lambda f: (k[0] * torch.exp(-2j * np.pi * f * m.n)).sum().abs().item()  # noqa: E731  band 0: 1-2 kHz
    assert gain(1500.0) == pytest.approx(1.0, abs=0.1) and gain(4000.0) < 0.05
    tone = torch.sin(2 * np.pi * 1500 * t)[None, None]
    with torch.no_grad():
        e = m(tone)[0, 0, :, 10:].mean(dim=1)
    assert e[0] > 5 * e[2:].max()


def test_metrics_and_front_ends_run_without_host_syncs():
    """CUDA tensors work unchanged: every metric and front-end runs on the ``meta`` device, which
    has no data, so a value read back to the host (``.item()``, ``bool()``, ``.numpy()``) raises
    there, as does a tensor made on the CPU and mixed in. (No GPU here: this is the stand-in.)"""
    from deepSTRF.metrics import coherence_spectrum, compute_CCmax, performance

    r = torch.empty(2, 3, 4, 64, device="meta")
    p = torch.empty(2, 3, 1, 64, device="meta")
    mask = torch.ones(1, 1, 1, 64, dtype=torch.bool, device="meta")
    calls = [corrcoef(p, r), fve(p, r, mask=mask), snr(r), signal_power(r), noise_power(r),
             normalized_corrcoef(p, r), normalized_corrcoef(p, r, method="hsu", mask=mask),
             compute_CCmax(r, method="hsu"), compute_CCmax(r), coherence(p, r, 5.0),
             coherence_spectrum(p, r, nperseg=16), mse_loss(p, r), poisson_loss(p, r, mask=mask),
             poisson_loss(p, r, log_input=True), performance.compute_CCmax(r), performance.compute_TTRC(r)]
    assert all(out.device.type == "meta" for out in calls)
    with pytest.raises(RuntimeError, match="meta"):  # the stand-in catches a sync: this one is by design
        poisson_loss(p, r, validate_input=True)
    fronts = {**FRONT_ENDS, "gammatone-pcen": lambda: CausalGammatone(16000, 12, 5.0, 300.0, 7900.0,
                                                                      compression="pcen")}
    for kind, make in fronts.items():
        m = make().to("meta")
        assert m(torch.empty(2, 1, 80 * 10, device="meta")).shape == (2, 1, m.out_channels, 10), kind


def test_pcen_smoother_is_the_first_order_recursion():
    """PCEN's smoother ``M_t = (1 - s) M_{t-1} + s E_t`` (M_{-1} = 0), checked against the loop,
    for a slow rate whose impulse response outlasts the input."""
    from deepSTRF.models.wav2spec._base import pcen

    e = torch.rand(2, 3, 50, dtype=torch.float64) + 0.1
    s = torch.tensor([0.5, 0.05, 0.001], dtype=torch.float64)
    alpha, delta, r = torch.full((3,), 0.9), torch.full((3,), 2.0), torch.full((3,), 0.5)
    m = torch.zeros(2, 3, dtype=torch.float64)
    ref = []
    for t in range(50):
        m = (1 - s) * m + s * e[..., t]
        ref.append((e[..., t] / (1e-6 + m) ** alpha + delta) ** r - delta**r)
    np.testing.assert_allclose(pcen(e, alpha, delta, r, s).numpy(), torch.stack(ref, -1).numpy(), rtol=1e-9)
