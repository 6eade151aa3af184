"""
Waveform mode with a wav2spec front-end
=======================================

In waveform mode a dataset's stimuli are sounds ``(1, T * hop)`` at ``audio_fs`` Hz (with
``hop = audio_fs * dt_ms / 1000`` samples per response bin), and the model carries its own
front-end: a fixed or learnable filterbank from :mod:`deepSTRF.models.wav2spec` that turns them
into ``(B, 1, F, T)`` on the responses' time base, followed by any spectrogram model.

Loaders that offer it take ``return_waveform=True, audio_fs=...`` (e.g.
``Le2025Dataset``); here we build a small waveform dataset ourselves, with neurons that follow
the energy in one frequency band, and fit front-end + LN model end to end.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.metrics import corrcoef
from deepSTRF.models import LNModel, fit, make_wav2spec, split_stims
from deepSTRF.evaluation import collate_stims

audio_fs, dt_ms = 16000, 5.0
hop = int(audio_fs * dt_ms / 1000)  # 80 samples per 5-ms bin
rng = np.random.default_rng(0)

# %%
# Sounds: tone pips at random frequencies in noise. Neuron ``k`` fires after energy near its
# best frequency.

best_hz = [500.0, 1000.0, 2000.0, 4000.0]
builder = DatasetBuilder(dt_ms=dt_ms, audio_fs=audio_fs)
neurons = [builder.add_neuron(cell_id=f"bf{int(f)}", bf_hz=f) for f in best_hz]
for s in range(40):
    T = 200  # 1 s
    t = np.arange(T * hop) / audio_fs
    wave = 0.01 * rng.standard_normal(T * hop)
    drive = np.zeros((len(best_hz), T))
    for _ in range(12):
        f0, onset = rng.uniform(300, 6000), rng.integers(0, T - 20)
        env = np.zeros(T * hop)
        env[onset * hop:(onset + 15) * hop] = np.hanning(15 * hop)
        wave += 0.3 * env * np.sin(2 * np.pi * f0 * t)
        for k, bf in enumerate(best_hz):  # the neuron's drive: a Gaussian tuning curve in octaves
            drive[k, onset + 2:onset + 17] += np.exp(-0.5 * (np.log2(f0 / bf) / 0.3) ** 2)
    sid = builder.add_stim(wave[None].astype(np.float32), name=f"pips{s:02d}", subset="est" if s < 32 else "val")
    for k in neurons:
        rate = 0.05 + 0.6 * drive[k]  # expected spikes per bin
        builder.add_response(sid, k, rng.poisson(rate, size=(4 if s < 32 else 10, T)).astype(np.float32))
ds = builder.build(F=16, name="TonePips")  # F: the bands a front-end should make
print(ds)
print("a stimulus:", tuple(ds.stims[0].shape), "at", ds.audio_fs, "Hz; a response:", tuple(ds.responses[0][0].shape))

# %%
# The front-end: a causal mel filterbank on the dataset's grid (hop = one bin), then an LN model.

frontend = make_wav2spec("mel", audio_fs, dt_ms, n_mels=16, f_min=200.0, f_max=7900.0)
model = nn.Sequential(frontend, LNModel(F=ds.F, N=len(neurons), n_lags=8))
est = [s for s, m in enumerate(ds.stim_meta) if m["subset"] == "est"]
test = [s for s, m in enumerate(ds.stim_meta) if m["subset"] == "val"]
train, val = split_stims(est, 0.2, seed=0)
torch.manual_seed(0)
history = fit(model, ds, train, val, lr=1e-2, patience=5, max_epochs=25, seed=0)

batch = collate_stims(ds, test)
with torch.no_grad():
    pred = model(batch["stims"])
print("test correlation per neuron:", corrcoef(pred, batch["responses"], reduction="none").numpy().round(3))

# %%
# What the front-end sees, and what the fitted model predicts.

with torch.no_grad():
    spec = frontend(batch["stims"][:1])[0, 0].numpy()
T = spec.shape[-1]
time_s = np.arange(T) * dt_ms / 1000
fig, axes = plt.subplots(2, 1, figsize=(7, 4.5), sharex=True)
axes[0].imshow(np.log(spec + 1e-4) if spec.min() >= 0 else spec, aspect="auto", origin="lower",
               extent=(0, T * dt_ms / 1000, 0, 16), cmap="magma")
axes[0].set_ylabel("mel band")
axes[0].set_title("front-end output of a test sound")
psth = batch["responses"][0, 1].nanmean(0).numpy()
axes[1].plot(time_s, psth, color="0.5", label="PSTH, neuron bf1000")
axes[1].plot(time_s, pred[0, 1, 0].numpy(), color="C1", label="front-end + LN prediction")
axes[1].set_xlabel("time (s)")
axes[1].set_ylabel("spikes per bin")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()
