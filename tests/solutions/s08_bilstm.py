"""Notebook 08, exercise 2: move the padding to the 5' side."""

import torch

import dnacourse as dc


def to_5prime(x):
    """(B, 4, L) 3'-padded one-hot -> the same rows with their padding columns first."""
    n_padding = x.shape[-1] - dc.models.sequence_lengths(x)
    return torch.stack([torch.roll(row, int(shift), dims=-1) for row, shift in zip(x, n_padding, strict=True)])
