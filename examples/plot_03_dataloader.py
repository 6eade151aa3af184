"""
Batching with a DataLoader
==========================

Stimuli have different durations, so items are batched by
:func:`deepSTRF.utils.neural_collate`, which pads stimuli with zeros and responses with NaN, and
returns the masks a loss needs.
"""

import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

from deepSTRF.datasets.audio import SimulatedDataset
from deepSTRF.metrics import poisson_loss
from deepSTRF.utils import neural_collate

ds = SimulatedDataset(seed=0)
ds.select_stims_by_attr("subset", "est")
loader = DataLoader(ds, batch_size=8, shuffle=True, collate_fn=neural_collate,
                    generator=torch.Generator().manual_seed(0))
batch = next(iter(loader))
for key in ("stims", "responses", "valid_mask", "pair_mask"):
    print(f"{key:11s}", tuple(batch[key].shape), batch[key].dtype)

# %%
# ``valid_mask`` is ``~responses.isnan()``: padding, missing repeats and sentinels are False.
# ``pair_mask`` says which neuron heard which stimulus. Every metric and loss ignores NaN, so a
# model's ``(B, N, 1, T)`` output can be scored against the padded batch directly.

pred = torch.full(batch["responses"][:, :, :1].shape, 0.3)  # a constant rate of 0.3 spikes per bin
print("Poisson loss of a constant prediction:", float(poisson_loss(pred, batch["responses"])))

# %%
# Forgetting ``collate_fn`` gives a message that names the fix.

try:
    next(iter(DataLoader(ds, batch_size=8)))
except Exception as err:  # noqa: BLE001 - shown, not handled
    print(type(err).__name__, ":", str(err).splitlines()[0][:200])

# %%
# A batch, drawn: the zero-padded stimuli and one neuron's NaN-padded repeats (white).

fig, axes = plt.subplots(2, 4, figsize=(9, 4), sharex=True)
for b in range(4):
    axes[0, b].imshow(batch["stims"][b, 0], aspect="auto", origin="lower", cmap="magma")
    axes[0, b].set_title(batch["stim_meta"][b]["name"], fontsize=8)
    axes[1, b].imshow(batch["responses"][b, 0], aspect="auto", cmap="Greys", interpolation="nearest")
    axes[1, b].set_xlabel("bin")
axes[0, 0].set_ylabel("band")
axes[1, 0].set_ylabel("repeat (neuron 0)")
fig.tight_layout()
plt.show()
