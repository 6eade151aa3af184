"""
Writing your own dataset
========================

A dataset is a subclass of :class:`deepSTRF.paradigm.AudioNeuralDataset`. It either assigns
plain lists and calls ``validate()`` (small, dense data), or fills a
:class:`deepSTRF.datasets.DatasetBuilder` block by block (large, sparse releases: each site
heard its own stimuli). Either way it gets selection, batching, transforms, quality, metrics and
concatenation for free.
"""

import numpy as np
import torch

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.paradigm import AudioNeuralDataset, sentinel

rng = np.random.default_rng(0)

# %%
# Plain lists
# -----------
# ``stims`` is a list of ``(1, F, T_s)`` tensors, ``responses[s]`` a list of ``N`` tensors
# ``(R, T_s)``; a pair that was never recorded is the ``(1, 1)`` NaN sentinel.


class MyLab2026(AudioNeuralDataset):
    """Two neurons of my lab, three sounds (a docstring says what the data are)."""

    def __init__(self, dt_ms: float = 10.0):
        super().__init__(None, dt_ms)
        self.F = 8
        lengths = [120, 150, 100]
        self.stims = [torch.rand(1, self.F, T) for T in lengths]
        self.responses = [
            [torch.poisson(torch.full((5, T), 0.4)), torch.poisson(torch.full((3, T), 0.8))]
            for T in lengths
        ]
        self.responses[2][1] = sentinel()  # neuron 1 never heard sound 2
        self.stim_meta = [{"name": f"sound{s}", "subset": "est" if s < 2 else "val"} for s in range(3)]
        self.nrn_meta = [{"cell_id": "c1", "site": "X"}, {"cell_id": "c2", "site": "X"}]
        self.N_neurons = 2
        self.validate()  # checks every invariant; a broken one raises, naming the entry


ds = MyLab2026()
print(ds)
print("mask:\n", ds.nrn_masks)

# %%
# A broken invariant fails at once, naming the entry:

try:
    ds.responses[0][1] = torch.zeros(3, 99)  # wrong T for stimulus 0
except ValueError as err:
    print(type(err).__name__, ":", err)

# %%
# The builder
# -----------
# For large releases: responses are packed into float32 chunks as they are added, with a sparse
# pair table; pairs never added are sentinels. Here two sites heard different stimuli.

b = DatasetBuilder(dt_ms=10.0)
stims = [b.add_stim(rng.random((1, 8, 100), dtype=np.float32), name=f"s{k}", subset="est") for k in range(4)]
site_a = [b.add_neuron(cell_id=f"a{k}", site="A") for k in range(3)]
site_b = [b.add_neuron(cell_id=f"b{k}", site="B") for k in range(2)]
for s in stims[:3]:
    for n in site_a:
        b.add_response(s, n, rng.poisson(0.5, size=(4, 100)).astype(np.float32))
for s in stims[2:]:
    for n in site_b:
        b.add_response(s, n, rng.poisson(0.5, size=(2, 100)).astype(np.float32))
built = b.build(name="TwoSites")
print(built)
print("who heard what:\n", built.nrn_masks.int())

# %%
# Both kinds concatenate with any other dataset (stimuli and neurons in blocks, tagged).

both = ds + built
print(both, "| dataset tags:", sorted({m["dataset"] for m in both.stim_meta}))
