"""Notebook 05: a flattening head's parameters, eq. 5 in NumPy."""

import math

import numpy as np

import dnacourse as dc


def flatten_head(length=1000, hidden=128):
    """{pool: parameters of Linear(channels * positions, hidden)} after the CNN's last block."""
    answer = {}
    for pool in (4, 1):
        model = dc.models.build("cnn", pool=pool)
        positions = length
        for block in model.features.blocks:
            positions = math.ceil(positions / block.pool)
        inputs = model.features.out_channels * positions
        answer[pool] = inputs * hidden + hidden
    return answer


def conv_one_filter(x, w, b):
    """ReLU(eq. 5) of one filter w (4, k) with bias b over a one-hot sequence x (4, L) -> (L - k + 1,)."""
    k = w.shape[1]
    windows = np.lib.stride_tricks.sliding_window_view(x, k, axis=1)  # (4, L - k + 1, k)
    responses = np.einsum("cwk,ck->w", windows, w) + b
    return np.maximum(responses, 0.0)
