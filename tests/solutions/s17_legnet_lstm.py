"""Notebook 17: a neck that reads the positions backwards."""

import torch
from torch import nn


class ReversedNeck(nn.Module):
    """Runs ``neck`` on the positions in reverse, output back in 5'->3' order: (B, C, L) -> (B, H, L)."""

    def __init__(self, neck):
        super().__init__()
        self.neck = neck
        self.out_channels = neck.out_channels

    def forward(self, x):
        h = self.neck(torch.flip(x, dims=[2]))  # read 3' -> 5'
        return torch.flip(h, dims=[2])  # position t back at t
