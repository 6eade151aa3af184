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
                preds: dict, dt_ms: float, title: str, freqs_hz=None, psth_label: str = "") -> str:
    """True vs fitted STRFs of a few neurons, and a PSTH vs predictions panel.

    Parameters
    ----------
    path : str
        The PNG to write.
    true_strfs : array (N, F, L)
        The generating STRFs.
    fitted : dict name -> array (N, F, L)
        Each model's STRFs.
    neurons : list of int
        Neuron indices to show.
    psth : array (T,)
        The trial mean of one neuron on one test stimulus.
    preds : dict name -> array (T,)
        The models' predictions of it.
    dt_ms : float
        Bin width in ms.
    title : str
        The figure's title.
    freqs_hz : array (F,), optional
        Band centre frequencies: the STRFs' y axis is then in kHz.
    psth_label : str, optional
        Which neuron and stimulus the bottom panel shows.
    """
    plt = _pyplot()
    rows = 1 + len(fitted)
    fig = plt.figure(figsize=(2.4 * len(neurons) + 1, 2.0 * rows + 2.8), constrained_layout=True)
    grid = fig.add_gridspec(rows + 1, len(neurons), height_ratios=[1] * rows + [1.3])
    sets = {"true": np.asarray(true_strfs)}
    sets.update({k: np.asarray(v) for k, v in fitted.items()})
    for r, (name, strfs) in enumerate(sets.items()):
        lim = float(np.nanmax(np.abs(strfs[neurons]))) or 1.0  # one scale per row: the colour bar holds for it
        for c, n in enumerate(neurons):
            ax = fig.add_subplot(grid[r, c])
            k = strfs[n]
            im = ax.imshow(k, origin="lower", aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                           extent=(-0.5 * dt_ms, (k.shape[1] - 0.5) * dt_ms, -0.5, k.shape[0] - 0.5))
            if freqs_hz is not None:
                ticks = np.linspace(0, k.shape[0] - 1, 3).round().astype(int)
                ax.set_yticks(ticks, [f"{freqs_hz[i] / 1000:.1f}" for i in ticks])
            if r == 0:
                ax.set_title(f"neuron {n}")
            if c == 0:
                ax.set_ylabel(f"{name}\n" + ("frequency (kHz)" if freqs_hz is not None else "band"))
            if r == rows - 1:
                ax.set_xlabel("lag (ms)")
            if c == len(neurons) - 1:
                fig.colorbar(im, ax=ax, label="weight (a.u.)", fraction=0.08)
    ax = fig.add_subplot(grid[rows, :])
    t = np.arange(len(psth)) * dt_ms / 1000
    ax.plot(t, psth, color="0.3", lw=1, label="PSTH (test repeats)")
    for name, p in preds.items():
        ax.plot(t, p, lw=1.2, label=name)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"spikes per {dt_ms:g}-ms bin")
    if psth_label:
        ax.set_title(psth_label, fontsize=9)
    ax.legend(loc="upper right", fontsize=8, ncol=len(preds) + 1)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
