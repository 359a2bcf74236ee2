"""Exercise checks of notebooks 11-14 (dnacourse.exercises): each accepts the reference solution in
tests/solutions/, rejects typical wrong answers with feedback naming the problem, calls an unanswered
exercise "not answered yet", and never raises."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import dnacourse as dc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solutions import s11_interpretability, s12_promoter_data, s13_legnet, s14_legnet_dilation  # noqa: E402

QUICK_WIDTHS = dict(stem_channels=16, stage_channels=(16, 16, 8, 8, 8, 8))

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
    p = dc.encoding.soft_labels([0, 0.5, 8, 16.5, 17])
    return dict(zip((0, 0.5, 8, 16.5, 17), p.argmax(dim=1).tolist(), strict=True))


def pad_3prime(read, length=150):
    return dc.encoding.pad_or_truncate(read, length)


def cut_3prime(read, length=150):
    read = read[:length]
    return "N" * (length - len(read)) + read


def no_cut(read, length=150):
    return "N" * max(0, length - len(read)) + read


CASES = {
    "check_gradient_x_input": (EX.check_gradient_x_input, s11_interpretability.gradient_x_input, [
        (plain_gradient, "plain gradient"), (all_classes, "sum of all class"), (absolute, "sign"),
        (wrong_shape, "shape")]),
    "check_expected_bins": (EX.check_expected_bins, s12_promoter_data.expected_bins(), [
        (bins_from_one(), "numbered from 1"), (labels_themselves(), "labels y themselves"),
        (argmax_bins(), "argmax"), (s12_promoter_data.expected_bins(sd=1.0), "sd = 1.0"),
        ({0: 0.0}, "missing")]),
    "check_n_pad": (EX.check_n_pad, s12_promoter_data.n_pad, [
        (pad_3prime, "3' end"), (cut_3prime, "5' side"), (no_cut, "not length")]),
}


def se_check(answer):
    return EX.check_se_parameters(answer, QUICK_WIDTHS)


def swapped_counts():
    counts = s13_legnet.se_parameters(QUICK_WIDTHS)
    return {"legnet": counts["plain"], "plain": counts["legnet"]}


def off_by_one():
    counts = s13_legnet.se_parameters(QUICK_WIDTHS)
    return {**counts, "plain": counts["plain"] + 1}


CASES["check_se_parameters"] = (se_check, s13_legnet.se_parameters(QUICK_WIDTHS), [
    (swapped_counts(), "swapped"), (s13_legnet.se_parameters(), "DREAM widths"), (off_by_one(), "plain"),
    (123, "not one number")])


def fields_k_not_k_minus_one():
    # every conv counted as d * k: one more d per conv (stem, 6 grouped, 6 local) than d * (k - 1)
    return {d: r + 1 + 6 + sum(d) for d, r in s14_legnet_dilation.dilation_fields().items()}


def fields_dilated_only():
    # only the six local convs: 1 + sum of 6 d
    return {d: 1 + sum(6 * x for x in d) for d in [(1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1)]}


def fields_swapped():
    fields = s14_legnet_dilation.dilation_fields()
    a, b = fields.values()
    return dict(zip(fields, (b, a), strict=True))


CASES["check_dilation_fields"] = (EX.check_dilation_fields, s14_legnet_dilation.dilation_fields(), [
    (fields_dilated_only(), "only the dilated"), (fields_k_not_k_minus_one(), "d * (k - 1)"), (fields_swapped(), "off"),
    ({(1, 1, 2, 2, 3, 4): 3}, "missing")])
WRONG = [(name, wrong, word) for name, (_, _, wrongs) in CASES.items() for wrong, word in wrongs]


def test_the_checks_are_exported():
    assert set(CASES) <= set(EX.__all__)


@pytest.mark.parametrize("name", CASES)
def test_check_accepts_the_reference_solution(name, capsys):
    check, answer, _ = CASES[name]
    assert check(answer) is True
    out = capsys.readouterr().out
    assert ": correct." in out and "not right" not in out


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=[f"{n}-{w}" for n, _, w in WRONG])
def test_check_rejects_a_typical_wrong_answer_and_says_why(name, wrong, word, capsys):
    assert CASES[name][0](wrong) is False
    out = capsys.readouterr().out
    assert "not right yet" in out, out
    assert word.lower() in out.lower(), f"feedback should mention {word!r}:\n{out}"


@pytest.mark.parametrize("name", CASES)
def test_unanswered_prints_a_friendly_message(name, capsys):
    assert CASES[name][0](None) is False
    out = capsys.readouterr().out
    assert "not answered yet" in out and "run this cell again" in out


@pytest.mark.parametrize("name", ["check_gradient_x_input", "check_n_pad"])
def test_a_stub_that_returns_none_or_raises_not_implemented_is_unanswered(name, capsys):
    def raises(*args):
        raise NotImplementedError

    for stub in (lambda *args: None, raises):
        assert CASES[name][0](stub) is False
        assert "not answered yet" in capsys.readouterr().out


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("garbage", ["hello", 42, [1, 2], {"a": 1}, np.zeros((2, 2))], ids=repr)
def test_a_check_never_raises(name, garbage, capsys):
    assert CASES[name][0](garbage) is False
    assert capsys.readouterr().out.strip()


def test_a_failing_student_function_becomes_feedback(capsys):
    assert EX.check_n_pad(lambda read, length=150: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_the_gradient_check_leaves_the_random_state_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    EX.check_gradient_x_input(s11_interpretability.gradient_x_input)
    assert torch.equal(torch.rand(3), expected)


def test_the_reference_expected_bins_match_the_soft_label_definition():
    # a label far from both ends has its expected bin equal to itself; the open end bins pull the ends in
    bins = s12_promoter_data.expected_bins()
    assert bins[8] == pytest.approx(8.0, abs=1e-4)
    assert bins[0] > 0 and bins[17] < 17


def test_the_se_check_uses_the_dream_widths_by_default(capsys):
    assert EX.check_se_parameters(s13_legnet.se_parameters()) is True
    assert EX.check_se_parameters(s13_legnet.se_parameters(QUICK_WIDTHS)) is False
    assert "off" in capsys.readouterr().out
