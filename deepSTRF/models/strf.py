"""The linear STRF: a causal spectro-temporal filter per neuron."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as Fn

from .._checks import check_positive


class LinearSTRF(nn.Module):
    """``y[b, n, t] = bias[n] + sum_{f, l} weight[n, f, l] * x[b, 0, f, t - l]``.

    Strictly causal: the output at bin ``t`` uses input bins ``t - L + 1 .. t``
    (bins before the start count as 0).

    Parameters
    ----------
    F : int
        Spectrogram bands.
    N : int
        Neurons.
    n_lags : int
        Filter length ``L`` in bins (lag 0 is the current bin).

    Notes
    -----
    Shapes: input ``(B, 1, F, T)`` -> output ``(B, N, 1, T)``.

    Examples
    --------
    Strictly causal: a change of the input at bin 10 changes no prediction before bin 10.

    >>> from deepSTRF.models import LinearSTRF
    >>> model = LinearSTRF(F=4, N=2, n_lags=5)
    >>> x = torch.rand(3, 1, 4, 20)                  # (B, 1, F, T)
    >>> y = model(x)
    >>> y.shape                                       # (B, N, 1, T)
    torch.Size([3, 2, 1, 20])
    >>> x2 = x.clone()
    >>> x2[..., 10:] += 1.0
    >>> bool(torch.equal(model(x2)[..., :10], y[..., :10]))
    True
    >>> model.strfs.shape                             # (N, F, n_lags)
    torch.Size([2, 4, 5])
    """

    def __init__(self, F: int, N: int, n_lags: int):
        super().__init__()
        for name, v in (("F", F), ("N", N), ("n_lags", n_lags)):
            check_positive(name, v, integer=True)
        self.F, self.N, self.n_lags = F, N, n_lags
        self.weight = nn.Parameter(torch.zeros(N, F, n_lags))
        self.bias = nn.Parameter(torch.zeros(N))

    def extra_repr(self) -> str:
        return f"F={self.F}, N={self.N}, n_lags={self.n_lags}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != self.F:
            raise ValueError(f"input must be (B, 1, F={self.F}, T); got shape {tuple(x.shape)}")
        x = Fn.pad(x[:, 0], (self.n_lags - 1, 0))  # (B, F, T + L - 1), zeros before the start
        # conv1d correlates: kernel tap k meets input bin t + k - (L - 1), i.e. lag L - 1 - k
        y = Fn.conv1d(x, self.weight.flip(-1), self.bias)
        return y.unsqueeze(2)

    @property
    def strfs(self) -> torch.Tensor:
        """``(N, F, L)`` filters, ``[n, f, l]`` weighing band ``f`` at lag ``l`` bins."""
        return self.weight.detach()
