"""The exercises of notebooks 11-14 (interpretability, promoter data, LegNet, dilation).

``WRONG_ANSWERS`` lists, for every check of these notebooks, typical wrong answers and a word the
feedback must contain; tests/test_exercises_common.py runs them, with the reference solutions and the
tests that every check must pass. Here: what is particular to one exercise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import dnacourse as dc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solutions import s11_interpretability, s12_promoter_data, s13_legnet, s14_legnet_dilation  # noqa: E402

QUICK_WIDTHS = dict(stem_channels=16, stage_channels=(16, 16, 8, 8, 8, 8))  # check_se_parameters' widths

EX = dc.exercises


# ----------------------------------------------------------------------------------------------
# typical wrong answers


def plain_gradient(model, x, target):
    model.eval()
    x = x.detach().float().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[torch.arange(len(x)), target].sum(), x)
    return grad


def all_classes(model, x, target):
    model.eval()
    x = x.detach().float().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x).sum(), x)
    return grad * x


def absolute(model, x, target):
    return s11_interpretability.gradient_x_input(model, x, target).abs()


def wrong_shape(model, x, target):
    return s11_interpretability.gradient_x_input(model, x, target).sum(dim=1)


def bins_from_one():
    return {y: v + 1 for y, v in s12_promoter_data.expected_bins().items()}


def labels_themselves():
    return {y: float(y) for y in (0, 0.5, 8, 16.5, 17)}


def argmax_bins():
    p = dc.promoters.soft_labels([0, 0.5, 8, 16.5, 17])
    return dict(zip((0, 0.5, 8, 16.5, 17), p.argmax(dim=1).tolist(), strict=True))


def pad_3prime(read, length=150):
    return dc.encoding.pad_or_truncate(read, length)


def cut_3prime(read, length=150):
    read = read[:length]
    return "N" * (length - len(read)) + read


def no_cut(read, length=150):
    return "N" * max(0, length - len(read)) + read


def swapped_counts():
    counts = s13_legnet.se_parameters(QUICK_WIDTHS)
    return {"legnet": counts["plain"], "plain": counts["legnet"]}


def off_by_one():
    counts = s13_legnet.se_parameters(QUICK_WIDTHS)
    return {**counts, "plain": counts["plain"] + 1}


def fields_k_not_k_minus_one():
    # every conv counted as d * k: one more d per conv (stem, 6 grouped, 6 local) than d * (k - 1)
    return {d: r + 1 + 6 + sum(d) for d, r in s14_legnet_dilation.dilation_fields().items()}


def fields_dilated_only():
    # only the six convs with a dilated twin: 1 + sum of 6 d
    return {d: 1 + sum(6 * x for x in d) for d in [(1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1)]}


def fields_swapped():
    fields = s14_legnet_dilation.dilation_fields()
    a, b = fields.values()
    return dict(zip(fields, (b, a), strict=True))


# ----------------------------------------------------------------------------------------------
# the typical wrong answers of every check, with a word its feedback must contain

WRONG_ANSWERS = {
    "check_gradient_x_input": [
        (plain_gradient, "plain gradient"),
        (all_classes, "sum of all class"),
        (absolute, "sign"),
        (wrong_shape, "shape"),
    ],
    "check_expected_bins": [
        (bins_from_one(), "numbered from 1"),
        (labels_themselves(), "labels y themselves"),
        (argmax_bins(), "argmax"),
        (s12_promoter_data.expected_bins(sd=1.0), "sd = 1.0"),
        ({0: 0.0}, "missing"),
    ],
    "check_n_pad": [
        (pad_3prime, "3' end"),
        (cut_3prime, "5' side"),
        (no_cut, "not length"),
    ],
    "check_se_parameters": [  # checked with widths=QUICK_WIDTHS
        (swapped_counts(), "swapped"),
        (s13_legnet.se_parameters(), "DREAM widths"),
        (off_by_one(), "plain"),
        (123, "not one number"),
    ],
    "check_dilation_fields": [
        (fields_dilated_only(), "only the dilated"),
        (fields_k_not_k_minus_one(), "d * (k - 1)"),
        (fields_swapped(), "off"),
        ({(1, 1, 2, 2, 3, 4): 3}, "missing"),
    ],
}


# ----------------------------------------------------------------------------------------------
# particular exercises


def test_the_reference_expected_bins_match_the_soft_label_definition():
    # a label far from both ends has its expected bin equal to itself; the open end bins pull the ends in
    bins = s12_promoter_data.expected_bins()
    assert bins[8] == pytest.approx(8.0, abs=1e-4)
    assert bins[0] > 0 and bins[17] < 17


def test_the_se_check_uses_the_dream_widths_by_default(capsys):
    assert EX.check_se_parameters(s13_legnet.se_parameters()) is True
    assert EX.check_se_parameters(s13_legnet.se_parameters(QUICK_WIDTHS)) is False
    assert "off" in capsys.readouterr().out
