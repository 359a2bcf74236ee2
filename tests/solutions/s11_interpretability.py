"""Notebook 11: gradient x input by hand."""

import torch


def gradient_x_input(model, x, target):
    """x (N, 4, L) one-hot times d model(x)[n, target[n]] / d x -> (N, 4, L) tensor."""
    model.eval()
    x = x.detach().float().requires_grad_(True)
    scores = model(x)[torch.arange(len(x)), torch.as_tensor(target)]
    (grad,) = torch.autograd.grad(scores.sum(), x)
    return (grad * x).detach()
