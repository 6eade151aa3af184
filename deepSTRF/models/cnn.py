"""A small convolutional population model: a shared core, a readout per neuron."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as Fn

from .._checks import check_positive


class CNNPopulation(nn.Module):
    """Shared 2-D convolutional core over (frequency, time), then a linear
    readout per neuron over (channels x frequency) and a softplus.

    Causal: time padding is on the left only, so the output at bin ``t`` sees
    input bins ``<= t`` (receptive field ``layers * (kernel_t - 1) + 1`` bins).

    Parameters
    ----------
    F, N : int
        Bands and neurons.
    channels : int, default 16
        Feature maps of each convolutional layer.
    layers : int, default 2
        Convolutional layers before the per-neuron readout.
    kernel_f, kernel_t : int, default 5 and 7
        Kernel extent in bands (odd) and in bins.

    Shapes: ``(B, 1, F, T)`` -> ``(B, N, 1, T)``.

    Examples
    --------
    >>> from deepSTRF.models import CNNPopulation
    >>> CNNPopulation(F=4, N=2)(torch.rand(3, 1, 4, 20)).shape
    torch.Size([3, 2, 1, 20])
    """

    def __init__(self, F: int, N: int, channels: int = 16, layers: int = 2, kernel_f: int = 5, kernel_t: int = 7):
        super().__init__()
        for name, v in (("F", F), ("N", N), ("channels", channels), ("layers", layers),
                        ("kernel_f", kernel_f), ("kernel_t", kernel_t)):
            check_positive(name, v, integer=True)
        if kernel_f % 2 == 0:
            raise ValueError(f"kernel_f must be odd (same padding in frequency); got {kernel_f}")
        self.F, self.N, self.kernel_f, self.kernel_t = F, N, kernel_f, kernel_t
        self.core = nn.ModuleList(
            nn.Conv2d(1 if i == 0 else channels, channels, (kernel_f, kernel_t)) for i in range(layers)
        )
        self.readout = nn.Conv1d(channels * F, N, 1)

    def extra_repr(self) -> str:
        return f"F={self.F}, N={self.N}, kernel_f={self.kernel_f}, kernel_t={self.kernel_t}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != self.F:
            raise ValueError(f"input must be (B, 1, F={self.F}, T); got shape {tuple(x.shape)}")
        h = x
        pf = self.kernel_f // 2
        for conv in self.core:
            h = Fn.elu(conv(Fn.pad(h, (self.kernel_t - 1, 0, pf, pf))))
        B, C, F, T = h.shape
        return Fn.softplus(self.readout(h.reshape(B, C * F, T))).unsqueeze(2)
