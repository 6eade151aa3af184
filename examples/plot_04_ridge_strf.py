"""
A ridge STRF, true vs fitted
============================

Fit a linear STRF per neuron in closed form (:func:`deepSTRF.models.fit_ridge`: the ridge
penalty is chosen by cross-validation over the estimation stimuli), score it on the held-out
stimuli, and compare the fitted filters with the simulated neurons' true ones.
"""

import matplotlib.pyplot as plt
import numpy as np

from deepSTRF.datasets.audio import SimulatedDataset
from deepSTRF.datasets.zoo import standard_split
from deepSTRF.evaluation import collate_stims, strf_similarity
from deepSTRF.metrics import corrcoef, normalized_corrcoef
from deepSTRF.models import fit_ridge

ds = SimulatedDataset(seed=0)
est, test = standard_split(ds)  # the 'est' / 'val' stimuli of stim_meta['subset']
model = fit_ridge(ds, est, n_lags=15)
print(model)

# %%
# Score on stimuli the fit never saw: the raw correlation, and the Schoppe et al. (2016)
# normalised correlation, which divides by the noise ceiling of the repeats.

batch = collate_stims(ds, test)
pred = model(batch["stims"])  # (B, N, 1, T), strictly causal
cc = corrcoef(pred, batch["responses"], reduction="none")
cc_norm = normalized_corrcoef(pred, batch["responses"], reduction="none")
print(f"median cc {cc.nanmedian():.3f}, median cc_norm {cc_norm.nanmedian():.3f}")

# %%
# The fitted STRFs against the truth (``ds.true_strfs``, ``(N, F, n_lags)``).

similarity = strf_similarity(model.strfs, ds.true_strfs)
print("median correlation of fitted with true STRFs:", round(float(np.nanmedian(similarity)), 3))
show = np.argsort(-similarity)[:4]
fig, axes = plt.subplots(2, 4, figsize=(9, 4.4))
extent = (0, 15 * ds.dt, -0.5, ds.F - 0.5)  # bands are log-spaced: label them by their centres
ticks = [0, ds.F // 3, 2 * ds.F // 3, ds.F - 1]
for j, n in enumerate(show):
    for row, (w, label) in enumerate([(ds.true_strfs[n], "true"), (model.strfs[n], "fitted")]):
        w = w.numpy()
        lim = np.abs(w).max()
        axes[row, j].imshow(w, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                            extent=extent)
        axes[row, j].set_yticks(ticks, [f"{ds.freqs_hz[k] / 1000:.1f}" for k in ticks])
        axes[row, j].set_title(f"neuron {n}, {label}", fontsize=9)
    axes[1, j].set_xlabel("lag (ms)")
axes[0, 0].set_ylabel("frequency (kHz)")
axes[1, 0].set_ylabel("frequency (kHz)")
fig.tight_layout()
plt.show()
