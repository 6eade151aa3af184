"""
Selection and the bidirectional rule
====================================

Selections never change the data; they change what iteration shows. Iteration yields the
selected stimuli that *some selected neuron heard*, and each item shows the *active neurons*:
the selected neurons that heard at least one selected stimulus.
"""

import matplotlib.pyplot as plt

from deepSTRF.datasets.audio import SimulatedDataset

ds = SimulatedDataset(seed=0)
print(ds.get_S(), "stimuli,", ds.get_N(), "neurons, sites", sorted({m["site"] for m in ds.nrn_meta}))

# %%
# Site B's neurons did not hear the first estimation stimuli: their entries are sentinels.

site_b = [n for n, m in enumerate(ds.nrn_meta) if m["site"] == "B"]
print("site B neurons:", site_b)
print("did neuron", site_b[0], "hear stimulus 0?", bool(ds.nrn_masks[0, site_b[0]]))
print("its entry:", ds.responses[0][site_b[0]])  # the (1, 1) NaN sentinel

# %%
# Select site B and the estimation stimuli: iteration skips the stimuli no site-B neuron heard.

ds.select_pop_by_nrn_attr("site", "B")
est = ds.select_stims_by_attr("subset", "est")
print(len(est), "estimation stimuli selected;", len(ds), "shown (heard by some site-B neuron)")
print("active neurons:", ds.active_neurons)
item = ds[0]
print("item keys:", list(item), "responses:", len(item["responses"]), "pair_mask:", item["pair_mask"])

# %%
# Each call replaces the selection on its side (as in deepSTRF 0.1.0); ``within_current=True``
# narrows the current selection instead. A predicate sees each entry's metadata.

ds.reset_pop_selection()
ds.select_pop_by_nrn_predicate(lambda m: m["mean_rate_hz"] > 20)
fast = list(ds.active_neurons)
ds.select_pop_by_nrn_attr("site", "A", within_current=True)
print(len(fast), "neurons above 20 Hz;", len(ds.active_neurons), "of them at site A")

# %%
# The selection, drawn: which (stimulus, neuron) pairs iteration shows.

shown = ds.selection_masks  # (S, N) bool: the pairs iteration shows
fig, ax = plt.subplots(figsize=(7, 3))
ax.imshow(shown.T.numpy(), aspect="auto", cmap="Greens", interpolation="nearest")
ax.set_xlabel("stimulus s")
ax.set_ylabel("neuron n")
ax.set_title("pairs shown by the selection (estimation stimuli, site A, > 20 Hz)")
fig.tight_layout()
plt.show()
