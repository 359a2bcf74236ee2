"""Notebook 07: the parameters of a GRU layer, and a GRU step with the paper's eq. 16."""

import torch


def gru_parameters(input_size, hidden_size):
    """nn.GRU(I, H): three gates, each with an input matrix, a recurrent matrix and two biases."""
    return 3 * (hidden_size * input_size + hidden_size**2 + 2 * hidden_size)


def swapped_step(cell, x_t, h):
    """One GRU step with h_t = (1 - z) * h_{t-1} + z * candidate (PyTorch's reset placement)."""
    hx = torch.cat([h, x_t], dim=1)
    z = torch.sigmoid(cell.W_z(hx))
    r = torch.sigmoid(cell.W_r(hx))
    candidate = torch.tanh(cell.W_xn(x_t) + r * cell.W_hn(h))
    return (1 - z) * h + z * candidate
