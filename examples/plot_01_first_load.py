"""
First load: a stimulus and the PSTHs of a few neurons
======================================================

Load the built-in simulated dataset, look at its shapes, and plot one stimulus with the
responses it evoked. Every dataset has the same attributes, so the code is the same for
``NS1Dataset(path=..., download=True)`` or any other loader.
"""

import matplotlib.pyplot as plt
import numpy as np

from deepSTRF.datasets.audio import SimulatedDataset

ds = SimulatedDataset(seed=0)
print(ds)

# %%
# The data paradigm
# -----------------
# ``ds.stims[s]`` is a spectrogram ``(1, F, T_s)``; ``ds.responses[s][n]`` the ``(R, T_s)``
# repeats x bins of neuron ``n`` (spike counts per 10-ms bin here), or a ``(1, 1)`` NaN
# sentinel where that neuron never heard that stimulus.

s = ds.stim_meta.index(next(m for m in ds.stim_meta if m["subset"] == "val"))  # a repeated stimulus
print("stimulus", s, ds.stim_meta[s], "shape", tuple(ds.stims[s].shape))
print("neuron 0:", ds.nrn_meta[0]["cell_id"], "responses", tuple(ds.responses[s][0].shape))
print("heard by", int(ds.nrn_masks[s].sum()), "of", ds.get_N(), "neurons; bin width", ds.dt, "ms")

# %%
# Plot the stimulus and the PSTHs (repeat means) of four neurons
# ---------------------------------------------------------------

stim = ds.stims[s][0].numpy()
T = stim.shape[-1]
t = np.arange(T) * ds.dt / 1000.0
fig, axes = plt.subplots(5, 1, figsize=(7, 7), sharex=True, height_ratios=(2, 1, 1, 1, 1))
freqs_khz = ds.freqs_hz / 1000.0
axes[0].pcolormesh(t, freqs_khz, stim, cmap="magma", shading="auto")
axes[0].set_yscale("log")
axes[0].set_ylabel("frequency (kHz)")
axes[0].set_title(f"stimulus {s} ({ds.stim_meta[s]['name']})")
for ax, n in zip(axes[1:], [0, 3, 6, 9]):
    r = ds.responses[s][n].numpy()
    ax.plot(t, np.nanmean(r, axis=0) / (ds.dt / 1000.0), lw=1)
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"neuron {n}: PSTH over {r.shape[0]} repeats", fontsize=9)
axes[-1].set_xlabel("time (s)")
fig.tight_layout()
plt.show()
