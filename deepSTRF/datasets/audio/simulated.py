"""A simulated auditory dataset with known ground truth: the built-in default data.

Needs no download. Stimuli are spectrograms with natural-sound-like
statistics (spectro-temporally correlated log-power, slow loudness
fluctuations and silent gaps); every neuron is a linear-nonlinear-Poisson
model whose spectro-temporal receptive field (STRF, frequency x lag) is
known, so a fit can be scored against the truth.
"""

from __future__ import annotations

import numpy as np
import torch

from ..._checks import check_positive
from ...cache import cached_loader
from ...paradigm import AudioNeuralDataset, DatasetBuilder
from ..evaluation import Evaluation


@cached_loader()
class SimulatedDataset(AudioNeuralDataset):
    """Linear-nonlinear-Poisson neurons listening to synthetic natural-like sounds.

    Deterministic for a given ``seed``. The design mirrors the real releases:

    - ``n_est`` estimation stimuli (``stim_meta['subset'] == 'est'``) heard
      ``est_repeats`` times, and ``n_val`` held-out validation stimuli
      (``'val'``) heard ``val_repeats`` times; durations vary between
      ``T_range`` bins (ragged T).
    - Neurons sit at two sites: the last ``n_site_b`` neurons (site ``'B'``)
      did not hear the first ``n_missing`` estimation stimuli (their entries
      are the ``(1, 1)`` NaN sentinel).
    - Neuron 1 has only ``val_repeats - 5`` repeats of every validation
      stimulus (the recording ended early: those repeats do not exist), and
      repeat 3 of neuron 2 on the first validation stimulus is marked invalid
      (a NaN row).

    Each neuron ``n`` has an STRF ``true_strfs[n]`` of shape ``(F, n_lags)``
    (``[f, l]`` weighs band ``f`` at ``l`` bins in the past), a softplus
    output nonlinearity and Poisson spiking: the expected count in bin ``t``
    is ``a_n * softplus(g_n * (z_n(t) - c_n))`` with
    ``z_n = (STRF_n * (stim - band mean)) / sd``.

    Parameters
    ----------
    seed : int, default 0
        Seed of every random draw (STRFs, stimuli, spikes): one seed, one dataset.
    n_neurons : int, default 24
        Number of LNP neurons ``N``.
    n_est, n_val : int, default 60 and 8
        Numbers of estimation and validation stimuli.
    est_repeats, val_repeats : int, default 2 and 20
        Repeats of each estimation / validation stimulus.
    F : int, default 32
        Spectrogram bands (log-spaced centre frequencies in ``freqs_hz``).
    dt_ms : float, default 10.0
        Bin width of the responses, in ms; spectrogram frames are exactly ``dt_ms`` apart.
    n_lags : int, default 15
        STRF length in bins (150 ms at 10 ms).
    T_range : (int, int), default (200, 300)
        Range of stimulus lengths in bins.
    n_site_b : int, default 3
        Neurons of 'site B', which did not hear ``n_missing`` estimation stimuli
        (sentinels there).
    n_missing : int, optional
        Estimation stimuli site B did not hear; default ``min(10, n_est // 2)``.
    smooth : bool, default False
        Smooth every response with the normalised 21-ms Hann window (``smooth_responses(21.0)``).
    cache : bool, default True
        Keep the processed dataset under ``default_cache_dir('processed')`` (or
        ``$DEEPSTRF_CACHE_DIR``) and memory-map it on every later load with
        the same arguments; ``False`` always rebuilds.

    Attributes
    ----------
    true_strfs : torch.Tensor, shape (N, F, n_lags)
        Ground-truth STRFs (unit Frobenius norm).
    freqs_hz : np.ndarray, shape (F,)
        Band centre frequencies, 200 Hz to 20 kHz.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> ds = SimulatedDataset(seed=0)
    >>> ds
    SimulatedDataset(S=68, N=24, F=32, dt=10 ms, mode=spectrogram; selection: 68/68 stims, 24/24 neurons)
    >>> ds.true_strfs.shape                          # (N, F, n_lags): what a model should recover
    torch.Size([24, 32, 15])
    >>> sorted({m["subset"] for m in ds.stim_meta})
    ['est', 'val']
    """

    evaluation = Evaluation("subset", ("est",), ("val",), ccmax="schoppe", min_snr=0.1,
                            source="built in: the est / val subsets it is generated with (the true STRFs let a "
                                   "benchmark check itself)")

    def __init__(self, seed: int = 0, n_neurons: int = 24, n_est: int = 60, n_val: int = 8,
                 est_repeats: int = 2, val_repeats: int = 20, F: int = 32, dt_ms: float = 10.0,
                 n_lags: int = 15, T_range: tuple[int, int] = (200, 300), n_site_b: int = 3,
                 n_missing: int | None = None, smooth: bool = False, cache: bool = True):
        super().__init__(None, dt_ms)
        for name in ("n_neurons", "n_est", "n_val", "est_repeats", "F", "n_lags"):
            check_positive(name, locals()[name], integer=True)
        check_positive("val_repeats", val_repeats, integer=True)
        if val_repeats < 6:
            raise ValueError(f"val_repeats must be at least 6 (neuron 1 has 5 fewer); got {val_repeats}")
        if not (isinstance(T_range, (tuple, list)) and len(T_range) == 2 and n_lags < T_range[0] <= T_range[1]):
            raise ValueError(f"T_range must be (low, high) bins with n_lags < low <= high; got {T_range!r}")
        if n_missing is None:
            n_missing = min(10, n_est // 2)
        if not 0 <= n_site_b < n_neurons or not 0 <= n_missing <= n_est:
            raise ValueError("need 0 <= n_site_b < n_neurons and 0 <= n_missing <= n_est; "
                             f"got n_site_b={n_site_b}, n_missing={n_missing}")
        self.seed = seed
        self.F = F
        self.n_lags = n_lags
        self.hearing_range_hz = (200.0, 20000.0)
        self.freqs_hz = np.geomspace(200.0, 20000.0, F)
        rng = np.random.default_rng(seed)

        subsets = ["est"] * n_est + ["val"] * n_val
        stims = [_natural_like_spectrogram(rng, F, int(rng.integers(T_range[0], T_range[1] + 1)))
                 for _ in subsets]
        strfs, params = _draw_neurons(rng, n_neurons, F, n_lags)
        est = np.concatenate([s for s, sub in zip(stims, subsets) if sub == "est"], axis=1)
        band_mean = est.mean(axis=1, keepdims=True)
        drive_sd = _drive(strfs, est - band_mean).std(axis=1, keepdims=True)
        self.true_strfs = torch.from_numpy(strfs.astype(np.float32))
        self._true_rates = [_rate(_drive(strfs, x - band_mean) / drive_sd, params, dt_ms) for x in stims]

        b = DatasetBuilder(dt_ms)
        site = ["A"] * (n_neurons - n_site_b) + ["B"] * n_site_b
        for n in range(n_neurons):
            b.add_neuron(cell_id=f"sim-{n:03d}", site=site[n], bf_hz=float(self.freqs_hz[params["bf"][n]]),
                         mean_rate_hz=float(params["mean_rate_hz"][n]))
        est_i = val_i = 0
        for s, (x, sub) in enumerate(zip(stims, subsets)):
            k = est_i if sub == "est" else val_i
            b.add_stim(x[None], name=f"sim_{sub}_{k:03d}", subset=sub)
            est_i, val_i = (est_i + 1, val_i) if sub == "est" else (est_i, val_i + 1)
            rate = self._true_rates[s]
            for n in range(n_neurons):
                if site[n] == "B" and sub == "est" and k < n_missing:
                    continue  # site B never heard these
                R = est_repeats if sub == "est" else (val_repeats - 5 if n == 1 else val_repeats)
                counts = rng.poisson(rate[n], size=(R, rate.shape[1])).astype(np.float32)
                if n == 2 and sub == "val" and k == 0:
                    counts[3] = np.nan  # a repeat the recording marks invalid
                b.add_response(s, n, counts)
        b.fill(self)
        self.validate()
        if smooth:
            self.smooth_responses(21.0)

    def true_psth(self, s: int) -> torch.Tensor:
        """Expected spike count per bin of every neuron for stimulus ``s``, ``(N, T_s)``.

        The noise-free target a perfect model would predict (before any smoothing).
        """
        return torch.from_numpy(self._true_rates[s].astype(np.float32))


def _natural_like_spectrogram(rng, F: int, T: int) -> np.ndarray:
    """``(F, T)`` log-power spectrogram with correlated spectro-temporal texture,
    slow loudness fluctuations and silent gaps."""
    from scipy.ndimage import gaussian_filter, gaussian_filter1d  # only when data are generated

    texture = gaussian_filter(rng.standard_normal((F, T)), sigma=(1.0, 1.0), mode="reflect")
    texture /= texture.std()
    tilt = np.linspace(0.5, -0.5, F)[:, None]  # more energy at low frequencies
    loudness = gaussian_filter1d(rng.standard_normal(T), 4.0, mode="reflect")
    loudness /= loudness.std()
    gate = 1.0 / (1.0 + np.exp(-3.0 * (loudness + 0.3)))  # on/off segments
    power = np.exp(1.2 * texture + tilt) * gate
    return np.log1p(4.0 * power).astype(np.float32)


def _draw_neurons(rng, N: int, F: int, L: int):
    f = np.arange(F)[:, None]
    lag = np.arange(L)[None, :]
    strfs = np.empty((N, F, L))
    bf = rng.integers(2, F - 2, size=N)
    for n in range(N):
        sf = rng.uniform(1.0, 2.5)
        t0 = rng.uniform(1.5, 3.5)
        temporal = np.exp(-((lag - t0) ** 2) / (2 * 1.0**2)) - 0.55 * np.exp(-((lag - t0 - 3.0) ** 2) / (2 * 1.8**2))
        spectral = np.exp(-((f - bf[n]) ** 2) / (2 * sf**2))
        if n % 2:  # an inhibitory sideband above best frequency
            spectral = spectral - 0.5 * np.exp(-((f - bf[n] - 3.5 * sf) ** 2) / (2 * sf**2))
        k = spectral * temporal
        strfs[n] = k / np.linalg.norm(k)
    params = {
        "bf": bf,
        "gain": rng.uniform(1.5, 3.0, N),
        "threshold": rng.uniform(-0.3, 0.8, N),
        "mean_rate_hz": rng.uniform(10.0, 40.0, N),
    }
    return strfs, params


def _drive(strfs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Causal linear drive ``(N, T)`` of STRFs ``(N, F, L)`` on a stimulus ``(F, T)``."""
    N, F, L = strfs.shape
    T = x.shape[1]
    lagged = np.zeros((F, L, T))
    for l in range(L):
        lagged[:, l, l:] = x[:, : T - l]
    return strfs.reshape(N, F * L) @ lagged.reshape(F * L, T)


def _rate(z: np.ndarray, p: dict, dt_ms: float) -> np.ndarray:
    """Expected counts per bin ``(N, T)``; the mean over a standard normal drive
    is ``mean_rate_hz * dt_ms / 1000``."""
    g, c = p["gain"][:, None], p["threshold"][:, None]
    grid = np.linspace(-5.0, 5.0, 2001)
    w = np.exp(-0.5 * grid**2)
    ref = (np.logaddexp(0.0, g * (grid[None, :] - c)) * w).sum(axis=1, keepdims=True) / w.sum()
    return np.logaddexp(0.0, g * (z - c)) / ref * (p["mean_rate_hz"][:, None] * dt_ms / 1000.0)
