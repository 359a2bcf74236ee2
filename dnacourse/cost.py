"""What a model costs: FLOPs, estimated GPU minutes, activation memory, peak memory.

    gflop = dc.cost.forward_gflop(dc.models.build("legnet"))            # one forward pass, GFLOP
    dc.cost.run_minutes(gflop, n_train=10_240, n_val=2_048, epochs=5)    # one training run on a T4

**How the time estimate is made** (an extrapolation, not a measurement):

1. ``forward_gflop`` counts the floating-point operations of one forward pass of one sequence
   (PyTorch's ``FlopCounterMode``; LSTMs by formula).
2. A training step costs about three forward passes (the backward pass about two); a prediction
   one. ``gpu_minutes`` turns passes x GFLOP into minutes at a speed in TFLOP/s.
3. The speed is ``legnet_gpu_tflops(gpu)``: LegNet's DREAM run (80,000 steps of 1,024 sequences in
   about 8 hours on one RTX A5000) gives the A5000's effective speed on this kind of network;
   another GPU is scaled by its memory bandwidth (``GPU_BANDWIDTH_GBS``), since LegNet's grouped
   convolutions, BatchNorm and SiLU do little arithmetic per byte they move.
4. ``run_minutes`` counts the passes of one run with the course's LegNet recipe (both strands of
   every training row, the validation rows three times per epoch, extra rows on both strands);
   ``plan_minutes`` adds up several runs of the same recipe.

Mixed precision could make a GPU faster than this; that is not measured here.
"""

from __future__ import annotations

import functools
import sys

import torch

from . import reference
from .legnet import legnet

__all__ = ["GPU_BANDWIDTH_GBS", "forward_gflop", "legnet_gpu_tflops", "gpu_minutes", "run_minutes",
           "plan_minutes", "activation_sizes", "peak_rss_mib", "peak_memory"]

# Memory bandwidth in GB/s from NVIDIA's data sheets. LegNet's grouped convolutions, BatchNorm and SiLU
# do little arithmetic per byte moved, so its speed scales with bandwidth more than with peak FLOP/s.
GPU_BANDWIDTH_GBS = {"T4": 320, "RTX A5000": 768}


# ----------------------------------------------------------------------------------------------
# FLOPs and time


def forward_gflop(model: torch.nn.Module, length: int = 150) -> float:
    """GFLOP of one forward pass of one sequence of ``length`` positions.

    PyTorch's ``FlopCounterMode`` counts convolutions and matrix products (attention too: the model
    runs in training mode, where no fused attention kernel hides them). It does not see inside
    ``nn.LSTM``, so each LSTM adds ``2 * 4H(C + H)`` FLOPs per position and direction by formula.
    The model is left in eval mode.

    >>> round(forward_gflop(torch.nn.Conv1d(6, 10, 1, bias=False)) * 1e9)  # 2 per weight and position
    18000
    """
    from torch.utils.flop_counter import FlopCounterMode

    channels = getattr(model, "in_channels", None)
    if channels is None:
        first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv1d))
        channels = first.in_channels
    model.train()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, channels, length))
    model.eval()
    flops = counter.get_total_flops()
    for lstm in (m for m in model.modules() if isinstance(m, torch.nn.LSTM)):
        directions = 2 if lstm.bidirectional else 1
        flops += directions * length * 2 * 4 * lstm.hidden_size * (lstm.input_size + lstm.hidden_size)
    return flops / 1e9


@functools.lru_cache(maxsize=None)
def legnet_gpu_tflops(gpu: str = "T4") -> float:
    """Effective training speed (TFLOP/s) of a LegNet-like network on ``gpu``: an extrapolation.

    The anchor is a measurement: LegNet's DREAM run (``reference.LEGNET_PAPER``), 80,000 steps of
    1,024 sequences in about 8 hours on one RTX A5000, at 3 forward passes per training sequence of
    the full-width model. Another GPU is scaled by its memory bandwidth (``GPU_BANDWIDTH_GBS``).
    Mixed precision could make a GPU faster than this; that is not measured here.
    """
    if gpu not in GPU_BANDWIDTH_GBS:
        raise ValueError(f"unknown GPU {gpu!r}: known are {sorted(GPU_BANDWIDTH_GBS)}")
    run = reference.LEGNET_PAPER
    gflop = forward_gflop(legnet())
    a5000 = run["training_steps"] * run["batch_size"] * 3 * gflop / (run["training_hours_approx"] * 3600)
    return a5000 / 1e3 * GPU_BANDWIDTH_GBS[gpu] / GPU_BANDWIDTH_GBS["RTX A5000"]


def gpu_minutes(gflop: float, train_sequences: float = 0, predict_sequences: float = 0,
                gpu: str = "T4", tflops: float | None = None) -> float:
    """Estimated minutes of GPU work: ``train_sequences`` forward + backward passes (3 forward passes
    each) and ``predict_sequences`` forward passes of a model of ``gflop`` GFLOP per sequence, at
    ``tflops`` (default ``legnet_gpu_tflops(gpu)``). Count strands: a row read on both strands is two.

    >>> gpu_minutes(1.0, train_sequences=10_000, predict_sequences=30_000, tflops=1.0)  # 60 TFLOP
    1.0
    """
    if tflops is None:
        tflops = legnet_gpu_tflops(gpu)
    return (3 * train_sequences + predict_sequences) * gflop / (tflops * 1e3) / 60


def run_minutes(gflop: float, n_train: int, n_val: int, epochs: int, n_predict: int = 0, *,
                gpu: str = "T4", tflops: float | None = None) -> float:
    """Estimated GPU minutes of one training run with the course's LegNet recipe (notebooks 13-18).

    What the run does, counted in sequences (one strand of one row is one sequence):

    * training: each epoch trains on both strands of every training row,
      ``epochs * 2 * n_train`` sequences (forward + backward: 3 forward passes each);
    * validation: each epoch predicts the ``n_val`` validation rows three times,
      ``epochs * 3 * n_val`` forward passes;
    * afterwards ``n_predict`` more rows (e.g. the test set) on both strands,
      ``2 * n_predict`` forward passes.

    That is ``gpu_minutes(gflop, epochs * 2 * n_train, epochs * 3 * n_val + 2 * n_predict,
    gpu, tflops)``: at ``tflops`` TFLOP/s, default ``legnet_gpu_tflops(gpu)`` (an extrapolation
    from LegNet's DREAM run, see the module's docstring). An estimate, not a measurement.

    >>> run_minutes(1.0, n_train=1_000, n_val=0, epochs=5, tflops=1.0)   # 10,000 strands x 3 GFLOP
    0.5
    >>> run_minutes(1.0, n_train=0, n_val=0, epochs=0, n_predict=30_000, tflops=1.0)  # both strands
    1.0
    """
    return gpu_minutes(gflop, train_sequences=epochs * 2 * n_train,
                       predict_sequences=epochs * 3 * n_val + 2 * n_predict, gpu=gpu, tflops=tflops)


def plan_minutes(gflops, n_train: int, n_val: int, epochs: int, n_predict: int = 0, *,
                 gpu: str = "T4", tflops: float | None = None) -> float:
    """Estimated GPU minutes of several runs of one recipe: one run per entry of ``gflops``.

    ``gflops``: the forward GFLOP of each run's model (repeat an entry for repeated runs, e.g. one
    per seed). Every run trains on ``n_train`` rows for ``epochs`` epochs, validates on ``n_val``
    rows each epoch and predicts ``n_predict`` more rows; the sum of ``run_minutes`` over the runs.

    >>> plan_minutes([1.0, 2.0], n_train=1_000, n_val=0, epochs=5, tflops=1.0)   # 0.5 + 1.0
    1.5
    """
    return sum(run_minutes(g, n_train, n_val, epochs, n_predict, gpu=gpu, tflops=tflops) for g in gflops)


# ----------------------------------------------------------------------------------------------
# memory


def activation_sizes(model: torch.nn.Module, x: torch.Tensor):
    """What one batch ``x`` makes every leaf layer output, largest first (a DataFrame: ``layer``,
    ``shape``, ``MiB``). Run in training mode without gradients; the model's mode is restored. The sum
    of the column is roughly what autograd keeps for the backward pass of a training step.

    >>> activation_sizes(torch.nn.Conv1d(4, 8, 3), torch.zeros(2, 4, 10)).loc[0, "shape"]
    (2, 8, 8)
    """
    import pandas as pd

    rows, hooks = [], []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:           # a leaf: conv, norm, activation, ...
            def hook(_module, _inputs, out, name=name):
                if isinstance(out, torch.Tensor):
                    rows.append({"layer": name, "shape": tuple(out.shape),
                                 "MiB": out.numel() * out.element_size() / 2**20})
            hooks.append(module.register_forward_hook(hook))
    was_training = model.training
    try:
        model.train()
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return pd.DataFrame(rows, columns=["layer", "shape", "MiB"]).sort_values(
        "MiB", ascending=False, kind="stable").reset_index(drop=True)


def peak_rss_mib() -> float | None:
    """The process's peak resident memory in MiB so far (None where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def peak_memory(device="cpu") -> str:
    """One line for a notebook's end: the peak GPU memory PyTorch allocated on a CUDA ``device``, else
    the process's peak resident memory (RAM), both since the start (of the process, or of the last
    ``torch.cuda.reset_peak_memory_stats``).

    >>> peak_memory("cpu").startswith("peak RAM")
    True
    """
    device = torch.device(device)
    if device.type == "cuda":
        return f"peak GPU memory allocated: {torch.cuda.max_memory_allocated(device) / 2**20:,.0f} MiB"
    rss = peak_rss_mib()
    return "peak RAM: not reported on this OS" if rss is None else f"peak RAM of this process: {rss:,.0f} MiB"
