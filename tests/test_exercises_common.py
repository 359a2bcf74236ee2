"""What every exercise check (dnacourse.exercises) must do, tested on one table of all of them.

A check accepts the reference solution in tests/solutions/, rejects the typical wrong answers of its
notebook's test file (``WRONG_ANSWERS`` in tests/test_exercises.py, test_exercises_11_14.py and
test_exercises_15_18.py) with feedback that names the problem, calls an unfinished answer "not
answered yet", turns the student's exceptions into feedback, never raises, and leaves the notebook's
random numbers alone. The per-notebook files hold the wrong answers and the tests of what the
exercises are about.
"""

from __future__ import annotations

import contextlib
import doctest
import inspect
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import dnacourse as dc
from dnacourse.exercises import classifiers, promoters, sequences

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import test_exercises  # noqa: E402
import test_exercises_11_14  # noqa: E402
import test_exercises_15_18  # noqa: E402
from solutions import (  # noqa: E402
    s00_start_here,
    s01_dna_as_data,
    s02_encoding,
    s03_augmentation,
    s04_kmer_baselines,
    s05_cnn,
    s06_lstm,
    s07_gru,
    s08_bilstm,
    s09_hybrids,
    s10_model_comparison,
    s11_interpretability,
    s12_promoter_data,
    s13_legnet,
    s14_legnet_dilation,
    s15_legnet_embedding,
    s16_legnet_transformer,
    s17_legnet_lstm,
    s18_legnet_summary,
)

EX = dc.exercises
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WRONG_ANSWER_FILES = (test_exercises, test_exercises_11_14, test_exercises_15_18)


# ----------------------------------------------------------------------------------------------
# small hand-built data for the checks that read a table


def _dog_like_table() -> pd.DataFrame:
    families = ["Synthase"] * 3 + ["Ion channel"] * 5 + ["Tyrosine kinase"] * 2
    labels = {"Synthase": 4, "Ion channel": 2, "Tyrosine kinase": 1}
    return pd.DataFrame({"sequence": ["ACGT"] * len(families), "label": [labels[f] for f in families],
                         "family": families})


def _related_table() -> pd.DataFrame:
    """Rows 0-1 related (a fragment), rows 3-4 related (a copy), row 2 alone; families X, Y, X, Y, Y."""
    rng = np.random.default_rng(0)
    a, b, c = ("".join(rng.choice(list("ACGT"), 200)) for _ in range(3))
    seqs = [a, a[20:170], b, c, c]
    return pd.DataFrame({"sequence": seqs, "label": [0, 1, 0, 1, 1], "family": ["X", "Y", "X", "Y", "Y"]})


DOG = _dog_like_table()
RELATED = _related_table()
GROUPS = np.array([0, 1, 1, 2, 1, 3, 3])
SEQ0 = test_exercises.SEQ0
QUICK_WIDTHS = test_exercises_11_14.QUICK_WIDTHS


# ----------------------------------------------------------------------------------------------
# the table of checks

STUBS = {  # unfinished answers, by what the exercise asks for
    "value": (),
    "function": ("returns None", "raises NotImplementedError"),
    "class": ("forward returns None", "forward raises NotImplementedError", "the class gives None"),
}


@dataclass
class Check:
    name: str  # the check's name in dc.exercises
    takes: str  # what the student passes: "value", "function" or "class"
    reference: Callable[[], object]  # () -> the reference answer of tests/solutions/
    kwargs: dict = field(default_factory=dict)  # the check's other arguments, as the notebook passes them
    base: type = nn.Module  # "class": the class a stub answer derives from
    stubs: tuple[str, ...] | None = None  # the unfinished answers that are "not answered yet"

    def __post_init__(self):
        if self.stubs is None:
            self.stubs = STUBS[self.takes]

    def __str__(self) -> str:
        return self.name


CHECKS = [
    # 00-04, dnacourse/exercises/sequences.py
    Check("check_dog_table", "value", lambda: s00_start_here.dog_table_answer(DOG), {"table": DOG}),
    Check("check_largest_group", "value", lambda: s01_dna_as_data.largest_group_rows(GROUPS), {"groups": GROUPS}),
    Check("check_relative_share", "value", lambda: s01_dna_as_data.relative_share(RELATED), {"table": RELATED}),
    Check("check_one_hot", "function", lambda: s02_encoding.my_one_hot),
    Check("check_channel_permutation", "value", s02_encoding.channel_permutation),
    Check("check_six_mers", "value", lambda: s02_encoding.six_mers(SEQ0), {"sequence": SEQ0}),
    Check("check_pad_5prime", "function", lambda: s02_encoding.pad_5prime),
    Check("check_delete", "function", lambda: s03_augmentation.my_delete),
    Check("check_substitution_rate", "value", lambda: s03_augmentation.RATE),
    Check("check_reversed_rows", "function", lambda: s03_augmentation.reversed_rows),
    Check("check_count_kmers", "function", lambda: s04_kmer_baselines.count_kmers),
    # 05-11, dnacourse/exercises/classifiers.py
    Check("check_conv_one_filter", "function", lambda: s05_cnn.conv_one_filter),
    Check("check_flatten_head", "value", s05_cnn.flatten_head),
    Check("check_cell_update", "function", lambda: s06_lstm.cell_update),
    Check("check_lstm_parameters", "function", lambda: s06_lstm.lstm_parameters),
    Check("check_gru_parameters", "function", lambda: s07_gru.gru_parameters),
    Check("check_swapped_step", "function", lambda: s07_gru.swapped_step),
    Check("check_to_5prime", "function", lambda: s08_bilstm.to_5prime),
    Check("check_rnn_steps", "value", s09_hybrids.rnn_steps),
    # the notebook's skeleton raises NotImplementedError; any other unfinished class is a wrong answer
    Check("check_rnn_then_cnn", "class", lambda: s09_hybrids.RNNThenCNN,
          stubs=("forward raises NotImplementedError",)),
    Check("check_threshold_sweep", "function", lambda: s10_model_comparison.threshold_sweep),
    Check("check_gradient_x_input", "function", lambda: s11_interpretability.gradient_x_input),
    # 12-18, dnacourse/exercises/promoters.py
    Check("check_expected_bins", "value", s12_promoter_data.expected_bins),
    Check("check_n_pad", "function", lambda: s12_promoter_data.n_pad),
    Check("check_se_parameters", "value", lambda: s13_legnet.se_parameters(QUICK_WIDTHS), {"widths": QUICK_WIDTHS}),
    Check("check_dilation_fields", "value", s14_legnet_dilation.dilation_fields),
    Check("check_linear_embedding", "class", lambda: s15_legnet_embedding.LinearEmbedding),
    Check("check_no_position_neck", "class", lambda: s16_legnet_transformer.NoPositionNeck,
          base=dc.legnet.TransformerNeck),
    Check("check_reversed_neck", "class", lambda: s17_legnet_lstm.ReversedNeck),
    Check("check_seeds_needed", "function", lambda: s18_legnet_summary.seeds_needed),
]
BY_NAME = {check.name: check for check in CHECKS}
FUNCTIONS = [c for c in CHECKS if c.takes == "function"]
CLASSES = [c for c in CHECKS if c.takes == "class"]
STUB_CASES = [(check, stub) for check in CHECKS for stub in check.stubs]
WRONG = [(BY_NAME[name], answer, word) for module in WRONG_ANSWER_FILES
         for name, answers in module.WRONG_ANSWERS.items() for answer, word in answers]


def run(check: Check, answer) -> tuple[object, str]:
    """``(what the check returned, what it printed)``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        verdict = getattr(EX, check.name)(answer, **check.kwargs)
    return verdict, out.getvalue()


def _student_class(base: type, init=None, forward=None) -> type:
    """A student's class derived from ``base`` with the given ``__init__`` body and ``forward``."""

    def __init__(self, *args, **kwargs):
        if base is nn.Module:
            super(cls, self).__init__()
        else:
            super(cls, self).__init__(*args, **kwargs)
        if init is not None:
            init()

    cls = type("Answer", (base,), {"__init__": __init__, "forward": lambda self, x: forward()})
    return cls


def _raise(error: type[Exception]):
    def body(*args, **kwargs):
        raise error("division by zero" if error is ZeroDivisionError else "")

    return body


def _stub(check: Check, stub: str):
    if stub == "returns None":
        return lambda *args, **kwargs: None
    if stub == "raises NotImplementedError":
        return _raise(NotImplementedError)
    if stub == "forward returns None":
        return _student_class(check.base, forward=lambda: None)
    if stub == "forward raises NotImplementedError":
        return _student_class(check.base, forward=_raise(NotImplementedError))
    if stub == "the class gives None":
        return lambda *args, **kwargs: None
    raise ValueError(stub)


def _exercise_number(check: Check) -> str:
    """"02.1" from the check's docstring, which starts "Exercise 02.1: ..."."""
    doc = inspect.getdoc(getattr(EX, check.name)) or ""
    match = re.match(r"Exercise (\d\d)\.\d+:", doc)
    assert match, f"{check.name}: the docstring must start with 'Exercise NN.k:'"
    return match.group(0)[len("Exercise "):-1]


# ----------------------------------------------------------------------------------------------
# the package


def test_the_table_lists_every_exported_check_once():
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names))
    assert set(names) == set(EX.__all__)
    assert EX.__all__ == sequences.__all__ + classifiers.__all__ + promoters.__all__
    assert all(name.startswith("check_") for name in EX.__all__)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_a_check_lives_in_the_module_of_its_track(check):
    notebook = int(_exercise_number(check)[:2])
    module = sequences if notebook <= 4 else classifiers if notebook <= 11 else promoters
    assert getattr(EX, check.name) is getattr(module, check.name)
    assert check.name in module.__all__


@pytest.mark.parametrize("module", [EX, EX.feedback, sequences, classifiers, promoters], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_every_check_has_at_least_two_typical_wrong_answers():
    counts = {check.name: 0 for check in CHECKS}
    for check, _, _ in WRONG:
        counts[check.name] += 1
    assert {name: n for name, n in counts.items() if n < 2} == {}


# ----------------------------------------------------------------------------------------------
# what every check does


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_check_accepts_the_reference_solution(check):
    verdict, out = run(check, check.reference())
    assert verdict is True, out
    assert ": correct." in out and "not right" not in out


@pytest.mark.parametrize("check, answer, word", WRONG,
                         ids=[f"{check}-{word}" for check, _, word in WRONG])
def test_check_rejects_a_typical_wrong_answer_and_says_why(check, answer, word):
    verdict, out = run(check, answer)
    assert verdict is False
    assert "not right yet" in out, out
    assert word.lower() in out.lower(), f"feedback should mention {word!r}:\n{out}"


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_checking_leaves_the_global_random_state_alone(check):
    answer = check.reference()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    run(check, answer)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_an_unanswered_exercise_gets_a_friendly_message(check):
    verdict, out = run(check, None)
    assert verdict is False
    assert "not answered yet" in out and "run this cell again" in out
    assert "not right" not in out


@pytest.mark.parametrize("check, stub", STUB_CASES, ids=[f"{c}-{s}" for c, s in STUB_CASES])
def test_an_unfinished_answer_is_not_answered_yet(check, stub):
    verdict, out = run(check, _stub(check, stub))
    assert verdict is False
    assert "not answered yet" in out, out


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_an_answer_of_the_wrong_kind_gets_the_checks_own_feedback(check):
    """A number where a function or class is asked for (``check(f())`` instead of ``check(f)``), or a
    function where a value is asked for: the check itself says what is wrong, not its safety net."""
    answer = print if check.takes == "value" else 42
    verdict, out = run(check, answer)
    assert verdict is False
    assert "not right yet" in out and "could not check" not in out, out
    if check.takes == "function":
        student_function = next(iter(inspect.signature(getattr(EX, check.name)).parameters))
        assert f"Expected the function {student_function} itself" in out, out


@pytest.mark.parametrize("check", FUNCTIONS, ids=str)
def test_an_error_in_the_students_function_becomes_feedback(check):
    verdict, out = run(check, _raise(ZeroDivisionError))
    student_function = next(iter(inspect.signature(getattr(EX, check.name)).parameters))
    assert verdict is False
    assert "raised ZeroDivisionError: division by zero" in out, out
    tried = next(line for line in out.splitlines() if line.strip().startswith("tried:"))
    assert student_function in tried, "the feedback shows the call that failed"


@pytest.mark.parametrize("where", ["__init__", "forward"])
@pytest.mark.parametrize("check", CLASSES, ids=str)
def test_an_error_in_the_students_class_becomes_feedback(check, where):
    boom = _raise(ZeroDivisionError)
    answer = (_student_class(check.base, init=boom) if where == "__init__"
              else _student_class(check.base, forward=boom))
    verdict, out = run(check, answer)
    assert verdict is False
    assert "raised ZeroDivisionError: division by zero" in out and "tried:" in out, out


@pytest.mark.parametrize("check", CHECKS, ids=str)
@pytest.mark.parametrize("garbage", ["hello", 42, [1, 2], {"a": 1}, np.zeros((2, 2)), nn.Identity], ids=repr)
def test_a_check_never_raises(check, garbage):
    verdict, out = run(check, garbage)
    assert verdict is False
    assert out.strip() and ": correct." not in out


# ----------------------------------------------------------------------------------------------
# the notebooks' exercise cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_calls_existing_checks_of_its_own_exercises(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    called = set(re.findall(r"dc\.exercises\.(check_\w+)\(", code))
    assert called, f"{path.name}: no checked exercise"
    assert called <= set(EX.__all__), f"{path.name} calls checks that do not exist: {called - set(EX.__all__)}"
    numbers = {name: _exercise_number(BY_NAME[name]) for name in called}
    assert {n for n in numbers.values() if n[:2] != path.name[:2]} == set(), numbers


def test_every_check_is_called_by_a_notebook():
    code = "\n".join(path.read_text(encoding="utf-8") for path in NOTEBOOKS)
    assert {c.name for c in CHECKS if f"dc.exercises.{c.name}(" not in code} == set()


def test_the_wrong_answer_files_hold_only_known_checks():
    for module in WRONG_ANSWER_FILES:
        unknown = set(module.WRONG_ANSWERS) - set(BY_NAME)
        assert not unknown, f"{module.__name__}: {unknown}"
