"""Notebook 12: the expected bin of a soft label, and padding a read with N."""

import torch

import dnacourse as dc


def expected_bins(labels=(0, 0.5, 8, 16.5, 17), sd=0.5):
    """{y: sum_i i * P(bin i)} of LegNet's soft label of each y."""
    p = dc.promoters.soft_labels(list(labels), sd=sd)
    bins = torch.arange(p.shape[1], dtype=p.dtype)
    return {y: float(value) for y, value in zip(labels, (p * bins).sum(dim=1), strict=True)}


def n_pad(read, length=150):
    """The read with N in front of it, to exactly `length` nt (cut on the 5' side if longer)."""
    read = read[-length:]
    return "N" * (length - len(read)) + read
