import numpy as np
import pytest
import torch
from conftest import REPEATS, expected_block

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.dsp import hann_kernel
from deepSTRF.utils import hanning_smooth


def reference_kernel(window_ms, dt_ms):
    K = int(round(window_ms / dt_ms))
    K = K + 1 if K % 2 == 0 else K
    K = max(K, 3)
    w = np.hanning(K + 2)[1:-1]
    return w / w.sum()


def reference_smooth(x, w):
    """Loop implementation: weighted mean of the valid bins under the kernel."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    h = len(w) // 2
    for r in range(x.shape[0]):
        for t in range(x.shape[1]):
            if np.isnan(x[r, t]):
                continue
            acc = wsum = 0.0
            for j in range(-h, h + 1):
                if 0 <= t + j < x.shape[1] and not np.isnan(x[r, t + j]):
                    acc += w[j + h] * x[r, t + j]
                    wsum += w[j + h]
            out[r, t] = acc / wsum
    return out


def test_kernel_values():
    np.testing.assert_allclose(hann_kernel(21.0, 10.0), [0.25, 0.5, 0.25])
    for window, dt in [(21.0, 1.0), (21.0, 5.0), (21.0, 2.0), (10.0, 10.0), (50.0, 1.0)]:
        np.testing.assert_allclose(hann_kernel(window, dt), reference_kernel(window, dt), rtol=1e-12)
    assert len(hann_kernel(21.0, 1.0)) == 21 and len(hann_kernel(20.0, 1.0)) == 21
    assert abs(hann_kernel(21.0, 5.0).sum() - 1) < 1e-12
    with pytest.raises(ValueError, match="window_ms must be a positive finite number; got -1"):
        hann_kernel(-1, 1.0)


@pytest.mark.parametrize("dt_ms", [1.0, 5.0, 10.0])
def test_smooth_responses_matches_reference(dt_ms):
    rng = np.random.default_rng(1)
    b = DatasetBuilder(dt_ms=dt_ms)
    blocks = {}
    for s, T in enumerate([40, 7, 2]):
        b.add_stim(np.zeros((1, 1, T), np.float32), name=str(s))
    for n in range(3):
        b.add_neuron()
    for s, T in enumerate([40, 7, 2]):
        for n in range(3):
            x = rng.poisson(2.0, size=(3, T)).astype(np.float32)
            if s == 0 and n == 1:
                x[0, 5] = np.nan
                x[1] = np.nan
                x[2, 0:3] = np.nan
            blocks[s, n] = x
            b.add_response(s, n, x)
    ds = b.build()
    ds.smooth_responses(21.0)
    w = reference_kernel(21.0, dt_ms)
    for (s, n), x in blocks.items():
        np.testing.assert_allclose(ds.responses[s][n].numpy(), reference_smooth(x, w), rtol=1e-5, atol=1e-6)
    r = ds.responses[0][1].numpy()
    assert np.isnan(r[0, 5]) and not np.isnan(r[0, 4]) and not np.isnan(r[0, 6])
    assert np.isnan(r[1]).all()


def test_smoothing_keeps_a_constant_and_the_mean_rate():
    x = np.full((2, 50), 3.0)
    np.testing.assert_allclose(hanning_smooth(x, dt_ms=1.0), x)
    spikes = np.zeros((1, 101))
    spikes[0, 50] = 1.0
    y = hanning_smooth(spikes, dt_ms=1.0)
    assert abs(y.sum() - 1.0) < 1e-12  # away from the edges the total count is kept
    t = hanning_smooth(torch.from_numpy(spikes).float(), dt_ms=1.0)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    np.testing.assert_allclose(t.numpy(), y, rtol=1e-6, atol=1e-8)


def test_smooth_on_tiny_matches_function(tiny):
    before = {(s, n): expected_block(s, n) for s in range(3) for n in range(4) if REPEATS[s][n]}
    tiny.smooth_responses(21.0)
    for (s, n), x in before.items():
        np.testing.assert_allclose(tiny.responses[s][n].numpy(), hanning_smooth(x, dt_ms=10.0), rtol=1e-6)


def test_normalize_max_minmax_zscore(tiny):
    data = {n: np.concatenate([expected_block(s, n).ravel() for s in range(3) if REPEATS[s][n]]) for n in range(4)}
    out = tiny.normalize_responses("max")
    assert out is tiny.response_normalization and out["method"] == "max" and out["stim_indices"] is None
    for n in range(4):
        assert out["scale"][n] == pytest.approx(np.nanmax(np.abs(data[n])) + 1e-8)  # the divisor (0.1.0)
        assert out["offset"][n] == 0
        np.testing.assert_allclose(np.nanmax(np.concatenate(
            [tiny.responses[s][n].numpy().ravel() for s in range(3) if REPEATS[s][n]])), 1.0, rtol=1e-6)


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_normalize_against_numpy(method):
    from conftest import ListDataset

    ds = ListDataset()
    ds.normalize_responses(method)
    for n in range(4):
        raw = np.concatenate([expected_block(s, n).ravel() for s in range(3) if REPEATS[s][n]]).astype(np.float64)
        if method == "minmax":
            ref = lambda x: (x - np.nanmin(raw)) / (np.nanmax(raw) - np.nanmin(raw))  # noqa: E731
        else:
            ref = lambda x: (x - np.nanmean(raw)) / np.nanstd(raw, ddof=1)  # noqa: E731  (unbiased, 0.1.0)
        for s in range(3):
            if REPEATS[s][n]:
                np.testing.assert_allclose(ds.responses[s][n].numpy(), ref(expected_block(s, n)), rtol=1e-4, atol=1e-5)


def test_normalize_silent_neuron_is_not_divided_by_zero():
    b = DatasetBuilder(dt_ms=10.0)
    b.add_stim(np.zeros((1, 1, 4)), name="x")
    b.add_neuron()
    b.add_response(0, 0, np.zeros((2, 4)))
    ds = b.build()
    for method in ("max", "minmax", "zscore"):
        ds.normalize_responses(method)
        assert torch.equal(ds.responses[0][0], torch.zeros(2, 4))
    with pytest.raises(ValueError, match="method must be one of 'max', 'zscore', 'minmax'; got 'l2'"):
        ds.normalize_responses("l2")


def test_standardize_stims_uses_given_stims_only(tiny):
    raw = [tiny.stims[s].numpy().copy() for s in range(3)]
    stats = tiny.standardize_stims([0, 1])
    cat = np.concatenate([raw[0], raw[1]], axis=2)
    mean = cat.mean(axis=2, keepdims=True)
    std = cat.std(axis=2, keepdims=True, ddof=1)
    assert stats["mean"].shape == (1, 2, 1) and stats is tiny.stim_normalization
    assert stats["per_band"] is True and stats["stim_indices"] == [0, 1]
    np.testing.assert_allclose(stats["std"].numpy(), std, rtol=1e-6)
    np.testing.assert_allclose(stats["mean"].numpy(), mean, rtol=1e-6)
    for s in range(3):
        np.testing.assert_allclose(tiny.stims[s].numpy(), (raw[s] - mean) / (std + 1e-8), rtol=1e-5, atol=1e-5)
    with pytest.raises(IndexError, match="stim index 9 is out of range"):
        tiny.standardize_stims([9])
