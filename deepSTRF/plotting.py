"""Figures (needs the optional ``plot`` extra: ``pip install "deepSTRF[plot]"``)."""

from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError('figures need matplotlib: pip install "deepSTRF[plot]"') from err
    return plt


def demo_figure(path: str, true_strfs, fitted: dict, neurons: list[int], psth: np.ndarray,
                preds: dict, dt_ms: float, title: str) -> str:
    """True vs fitted STRFs of a few neurons, and a PSTH vs predictions panel.

    Parameters
    ----------
    true_strfs : array (N, F, L)
    fitted : dict name -> array (N, F, L)
    neurons : neuron indices to show
    psth : array (T,), the trial mean of one neuron on one test stimulus
    preds : dict name -> array (T,), the models' predictions of it
    """
    plt = _pyplot()
    rows = 1 + len(fitted)
    fig = plt.figure(figsize=(2.4 * len(neurons) + 1, 2.0 * rows + 2.8), constrained_layout=True)
    grid = fig.add_gridspec(rows + 1, len(neurons), height_ratios=[1] * rows + [1.3])
    sets = {"true": np.asarray(true_strfs)}
    sets.update({k: np.asarray(v) for k, v in fitted.items()})
    for r, (name, strfs) in enumerate(sets.items()):
        for c, n in enumerate(neurons):
            ax = fig.add_subplot(grid[r, c])
            k = strfs[n]
            lim = np.nanmax(np.abs(k)) or 1.0
            ax.imshow(k, origin="lower", aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                      extent=(-0.5 * dt_ms, (k.shape[1] - 0.5) * dt_ms, -0.5, k.shape[0] - 0.5))
            if r == 0:
                ax.set_title(f"neuron {n}")
            if c == 0:
                ax.set_ylabel(f"{name}\nband")
            if r == rows - 1:
                ax.set_xlabel("lag (ms)")
    ax = fig.add_subplot(grid[rows, :])
    t = np.arange(len(psth)) * dt_ms / 1000
    ax.plot(t, psth, color="0.3", lw=1, label="PSTH (test repeats)")
    for name, p in preds.items():
        ax.plot(t, p, lw=1.2, label=name)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("spikes / bin")
    ax.legend(loc="upper right", fontsize=8, ncol=len(preds) + 1)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
