"""
LN and CNN models with noise-corrected scores
=============================================

Train an LN model (initialised from the ridge STRF) and a small CNN over the whole population
with early stopping on a validation split carved from the estimation stimuli, then compare them
per neuron with the noise-corrected correlation.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

from deepSTRF.datasets.audio import SimulatedDataset
from deepSTRF.datasets.zoo import standard_split
from deepSTRF.evaluation import collate_stims, score
from deepSTRF.models import CNNPopulation, LNModel, fit, fit_ridge, split_stims

ds = SimulatedDataset(seed=0)
est, test = standard_split(ds)
train, val = split_stims(est, val_fraction=0.15, seed=0)  # early stopping watches val
print(len(train), "training,", len(val), "validation,", len(test), "test stimuli")

# %%
# The LN model starts from the ridge STRF fitted on the training stimuli.

torch.manual_seed(0)
ln = LNModel.from_linear(fit_ridge(ds, train, n_lags=15), ds, train)
history = fit(ln, ds, train, val, loss="poisson", lr=3e-3, patience=8, seed=0)
print("LN: best epoch", history["best_epoch"] + 1, "of", len(history["val_loss"]))

# %%
# The CNN is shared across the population: one output per active neuron.

torch.manual_seed(0)
cnn = CNNPopulation(F=ds.F, N=len(ds.active_neurons), channels=8)
history = fit(cnn, ds, train, val, loss="poisson", lr=3e-3, patience=5, max_epochs=20, seed=0)  # short, for the docs
print("CNN: best epoch", history["best_epoch"] + 1, "of", len(history["val_loss"]))

# %%
# Per-neuron scores on the test stimuli, with the noise ceiling. The quality pass writes
# ``snr`` and ``ccmax`` (Hsu split-half) into ``nrn_meta``; low-reliability neurons are
# reported, not dropped.

batch = collate_stims(ds, test)
scores = {name: score(model, batch)["cc_norm"] for name, model in (("LN", ln), ("CNN", cnn))}
quality = ds.compute_neuron_quality()
for name, s in scores.items():
    print(f"{name}: median cc_norm {np.nanmedian(s):.3f} (IQR {np.nanpercentile(s, 25):.3f}"
          f"-{np.nanpercentile(s, 75):.3f})")
print("neurons with SNR < 0.1:", [n for n in range(ds.get_N()) if quality["snr"][n] < 0.1])

fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.scatter(scores["LN"], scores["CNN"], c=quality["snr"].numpy(), cmap="viridis")
ax.plot([0, 1.1], [0, 1.1], color="0.5", lw=0.8)
ax.set_xlabel("LN cc_norm")
ax.set_ylabel("CNN cc_norm")
ax.set_title("per neuron, test stimuli (colour: SNR)")
fig.tight_layout()
plt.show()
