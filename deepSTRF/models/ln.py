"""Linear-nonlinear model: an STRF followed by a fitted output nonlinearity."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as Fn

from ..paradigm.views import ResponseRow
from .strf import LinearSTRF


class LNModel(nn.Module):
    """``rate = exp(log_scale) * softplus(gain * z + offset)`` with ``z`` a
    :class:`LinearSTRF` output, all parameters per neuron.

    Shapes: ``(B, 1, F, T)`` -> ``(B, N, 1, T)`` non-negative, strictly causal.

    Parameters
    ----------
    F : int
        Spectrogram bands of the input.
    N : int
        Neurons (outputs).
    n_lags : int
        STRF length in bins.

    Examples
    --------
    >>> from deepSTRF.models import LNModel
    >>> model = LNModel(F=4, N=2, n_lags=5)
    >>> y = model(torch.rand(3, 1, 4, 20))
    >>> y.shape, bool((y >= 0).all())                # non-negative rates
    (torch.Size([3, 2, 1, 20]), True)
    """

    def __init__(self, F: int, N: int, n_lags: int):
        super().__init__()
        self.strf = LinearSTRF(F, N, n_lags)
        self.gain = nn.Parameter(torch.ones(N))
        self.offset = nn.Parameter(torch.zeros(N))
        self.log_scale = nn.Parameter(torch.zeros(N))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.strf(x)
        shape = (1, -1, 1, 1)
        return self.log_scale.exp().view(shape) * Fn.softplus(self.gain.view(shape) * z + self.offset.view(shape))

    @property
    def strfs(self) -> torch.Tensor:
        return self.strf.strfs

    @classmethod
    def from_linear(cls, linear: LinearSTRF, dataset, stim_indices, steps: int = 300) -> "LNModel":
        """Start from a fitted linear STRF: standardise its output on the given
        stimuli, then fit the nonlinearity (STRF fixed) by Poisson likelihood.

        Neurons whose linear fit is NaN (no data) keep NaN parameters.
        """
        model = cls(linear.F, linear.N, linear.n_lags)
        neurons = np.asarray(getattr(linear, "neurons", dataset.active_neurons))
        zs, ys = [], []
        with torch.no_grad():
            for s in stim_indices:
                z = linear(dataset.stims[s][None].float())[0, :, 0]  # (N, T)
                y = ResponseRow.for_neurons(dataset.packed_responses, int(s), neurons).trial_mean()
                zs.append(z)
                ys.append(y)
            z = torch.cat(zs, dim=1).double()
            y = torch.cat(ys, dim=1).double()
            ok = ~torch.isnan(y) & ~torch.isnan(z)
            n = ok.sum(1).clamp(min=1)
            zero = torch.zeros((), dtype=torch.float64)
            mu = torch.where(ok, z, zero).sum(1) / n
            sd = torch.sqrt(torch.where(ok, (z - mu[:, None]) ** 2, zero).sum(1) / n).clamp(min=1e-12)
            model.strf.weight.copy_(linear.weight / sd[:, None, None])
            model.strf.bias.copy_((linear.bias - mu) / sd)
        u = torch.where(ok, (z - mu[:, None]) / sd[:, None], zero)
        yz = torch.where(ok, y, zero)
        mean_y = (yz.sum(1) / n).clamp(min=1e-6)
        gain = torch.ones_like(mu, requires_grad=True)
        offset = torch.zeros_like(mu, requires_grad=True)
        log_scale = (mean_y / Fn.softplus(torch.zeros(()))).log().clone().requires_grad_(True)
        opt = torch.optim.Adam([gain, offset, log_scale], lr=0.05)
        for _ in range(steps):
            opt.zero_grad()
            rate = log_scale.exp()[:, None] * Fn.softplus(gain[:, None] * u + offset[:, None])
            nll = torch.where(ok, rate - yz * torch.log(rate + 1e-8), zero).sum() / ok.sum().clamp(min=1)
            nll.backward()
            opt.step()
        with torch.no_grad():
            model.gain.copy_(gain)
            model.offset.copy_(offset)
            model.log_scale.copy_(log_scale)
        model.neurons = neurons.tolist()
        return model
