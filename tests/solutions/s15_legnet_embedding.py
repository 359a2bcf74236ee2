"""Notebook 15: a purely linear input embedding."""

from torch import nn


class LinearEmbedding(nn.Module):
    """Only the 1x1 convolution of the embedding: (B, in_channels, L) -> (B, dim, L), no bias."""

    def __init__(self, in_channels=6, dim=70):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, dim, kernel_size=1, bias=False)

    def forward(self, x):
        return self.conv(x)
