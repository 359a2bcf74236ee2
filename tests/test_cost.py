"""Tests for dnacourse.cost: FLOP counts, the GPU-time estimate, activation and peak memory."""

from __future__ import annotations

import re

import pytest
import torch

from dnacourse import cost


def tiny_net(channels: int, outputs: int) -> torch.nn.Module:
    """``channels`` in, ``outputs`` logits out: a 1x1 conv and a mean over positions."""
    return torch.nn.Sequential(torch.nn.Conv1d(channels, outputs, 1), torch.nn.AdaptiveAvgPool1d(1),
                               torch.nn.Flatten())


class ConvThenLSTM(torch.nn.Module):
    """A 1x1 conv (counted by PyTorch's FLOP counter) and an LSTM (added by formula)."""

    def __init__(self, bidirectional: bool):
        super().__init__()
        self.in_channels = 6
        self.conv = torch.nn.Conv1d(6, 8, 1, bias=False)
        self.lstm = torch.nn.LSTM(8, 5, batch_first=True, bidirectional=bidirectional)

    def forward(self, x):
        out, _ = self.lstm(self.conv(x).transpose(1, 2))
        return out.mean(dim=1)


def test_forward_gflop_counts_convolutions_and_adds_lstms_by_formula():
    length = 150
    conv_flops = 2 * 6 * 8 * length                       # multiply + add per weight and position
    per_direction = length * 2 * 4 * 5 * (8 + 5)           # four gates, input + recurrent products
    one_way = cost.forward_gflop(ConvThenLSTM(bidirectional=False), length) * 1e9
    both_ways = cost.forward_gflop(ConvThenLSTM(bidirectional=True), length) * 1e9
    assert one_way == pytest.approx(conv_flops + per_direction)
    assert both_ways == pytest.approx(conv_flops + 2 * per_direction)
    assert cost.forward_gflop(tiny_net(6, 18), length) * 1e9 == pytest.approx(2 * 6 * 18 * length)


def test_gpu_estimate_is_anchored_on_the_dream_run_and_scaled_by_bandwidth():
    from dnacourse import models, reference

    run = reference.LEGNET_PAPER
    gflop = cost.forward_gflop(models.build("legnet"))
    measured = run["training_steps"] * run["batch_size"] * 3 * gflop / (run["training_hours_approx"] * 3600)
    assert cost.legnet_gpu_tflops("RTX A5000") == pytest.approx(measured / 1e3)
    assert cost.legnet_gpu_tflops("T4") / cost.legnet_gpu_tflops("RTX A5000") == pytest.approx(320 / 768)
    # the DREAM run itself, 80,000 steps of 1,024, comes back as its 8 hours
    hours = cost.gpu_minutes(gflop, run["training_steps"] * run["batch_size"], gpu="RTX A5000") / 60
    assert hours == pytest.approx(run["training_hours_approx"])
    # training costs three forward passes; prediction one
    assert cost.gpu_minutes(1.0, train_sequences=100, tflops=1.0) == pytest.approx(
        cost.gpu_minutes(1.0, predict_sequences=300, tflops=1.0))
    with pytest.raises(ValueError, match="unknown GPU 'V100'.*T4"):
        cost.legnet_gpu_tflops("V100")


def test_activation_sizes_lists_every_leaf_output_largest_first():
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 8, 3, padding=1), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                torch.nn.Conv1d(8, 2, 1))
    model.eval()
    sizes = cost.activation_sizes(model, torch.zeros(5, 4, 100))
    assert list(sizes["layer"]) == ["0", "1", "2", "3"]            # three of (5, 8, 100), then (5, 2, 100)
    assert sizes.loc[0, "shape"] == (5, 8, 100) and sizes.loc[3, "shape"] == (5, 2, 100)
    assert sizes.loc[0, "MiB"] == pytest.approx(5 * 8 * 100 * 4 / 2**20)
    assert not model.training                                      # the mode is restored


def test_peak_memory_names_what_it_measured():
    line = cost.peak_memory("cpu")
    if cost.peak_rss_mib() is None:
        assert line == "peak RAM: not reported on this OS"
    else:
        assert re.fullmatch(r"peak RAM of this process: [1-9][\d,]* MiB", line), line


# ---------------------------------------------------------------------------- one run, a plan of runs


def test_run_minutes_is_the_sum_of_its_parts_computed_by_hand():
    gflop, n_train, n_val, epochs, n_predict, tflops = 0.37, 10_240, 2_048, 5, 71_103, 2.5
    training = cost.gpu_minutes(gflop, train_sequences=epochs * 2 * n_train, tflops=tflops)  # both strands
    validation = cost.gpu_minutes(gflop, predict_sequences=epochs * 3 * n_val, tflops=tflops)  # 3 per epoch
    prediction = cost.gpu_minutes(gflop, predict_sequences=2 * n_predict, tflops=tflops)      # both strands
    by_hand = training + validation + prediction
    assert cost.run_minutes(gflop, n_train, n_val, epochs, n_predict, tflops=tflops) == pytest.approx(by_hand)
    # and in FLOPs: 3 passes per training strand, 1 per predicted one, at tflops * 1e3 GFLOP/s
    flop_count = gflop * (3 * epochs * 2 * n_train + epochs * 3 * n_val + 2 * n_predict)
    assert by_hand == pytest.approx(flop_count / (tflops * 1e3) / 60)


def test_run_minutes_scales_each_term_as_it_should():
    def minutes(**changes):
        run = {"gflop": 0.5, "n_train": 1_000, "n_val": 200, "epochs": 4, "n_predict": 300, "tflops": 1.0}
        return cost.run_minutes(**{**run, **changes})

    training = minutes(n_val=0, n_predict=0)
    assert minutes(n_val=0, n_predict=0, epochs=8) == pytest.approx(2 * training)        # 2x epochs, 2x training
    assert minutes(n_val=0, n_predict=0, n_train=2_000) == pytest.approx(2 * training)   # 2x rows, 2x training
    validation = minutes(n_train=0, n_predict=0)
    assert minutes(n_train=0, n_predict=0, epochs=8) == pytest.approx(2 * validation)    # validated every epoch
    prediction = minutes(n_train=0, n_val=0)
    assert minutes(n_train=0, n_val=0, epochs=8) == pytest.approx(prediction)           # once, whatever the epochs
    assert minutes() == pytest.approx(training + validation + prediction)
    assert minutes(gflop=1.0) == pytest.approx(2 * minutes()) and minutes(tflops=2.0) == pytest.approx(minutes() / 2)
    assert minutes(n_train=0, n_val=0, n_predict=0) == 0


def test_run_minutes_default_speed_is_the_extrapolated_gpu():
    run = (0.5, 1_000, 200, 4, 300)
    assert cost.run_minutes(*run) == pytest.approx(cost.run_minutes(*run, tflops=cost.legnet_gpu_tflops("T4")))
    assert cost.run_minutes(*run, gpu="RTX A5000") == pytest.approx(cost.run_minutes(*run) * 320 / 768)


def test_plan_minutes_adds_up_one_run_per_model():
    recipe = {"n_train": 1_000, "n_val": 200, "epochs": 4, "n_predict": 300, "tflops": 1.5}
    gflops = [0.5, 0.8, 0.8]
    assert cost.plan_minutes(gflops, **recipe) == pytest.approx(sum(cost.run_minutes(g, **recipe) for g in gflops))
    assert cost.plan_minutes([0.5] * 3, **recipe) == pytest.approx(3 * cost.run_minutes(0.5, **recipe))
    assert cost.plan_minutes(iter(gflops), **recipe) == cost.plan_minutes(gflops, **recipe)   # any iterable
    assert cost.plan_minutes([], **recipe) == 0
