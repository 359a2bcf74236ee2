"""The exercises of notebooks 00-10 (dnacourse.exercises.sequences and .classifiers), and the
student edition (dnacourse.tools.student).

``WRONG_ANSWERS`` lists, for every check of these notebooks, typical wrong answers and a word the
feedback must contain; tests/test_exercises_common.py runs them, with the reference solutions and the
tests that every check must pass. Here: what is particular to one exercise, and the student edition.
"""

from __future__ import annotations

import ast
import doctest
import itertools
import re
import sys
import time
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import dnacourse as dc
from dnacourse.tools import student as student_module
from dnacourse.tools.student import is_solution_cell, student_edition, student_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from solutions import (  # noqa: E402
    s00_start_here,
    s01_dna_as_data,
    s02_encoding,
    s04_kmer_baselines,
    s05_cnn,
    s09_hybrids,
    s10_model_comparison,
)

EX = dc.exercises
SEQ0 = "ATGCCCCAACTAAATACTACCGTATGGCCCACCATAATTACCCCCATACTCC" * 2 + "NACGT"  # check_six_mers' sequence


# ----------------------------------------------------------------------------------------------
# typical wrong answers


def one_hot_atcg(seq):
    code = {"A": [1, 0, 0, 0], "T": [0, 1, 0, 0], "C": [0, 0, 1, 0], "G": [0, 0, 0, 1], "N": [0, 0, 0, 0]}
    return np.array([code[b] for b in seq], dtype=np.float32).T


def one_hot_rows_per_base(seq):
    return s02_encoding.my_one_hot(seq).T


def one_hot_n_quarter(seq):
    x = s02_encoding.my_one_hot(seq)
    x[:, [i for i, b in enumerate(seq) if b == "N"]] = 0.25
    return x


def pad_3prime(seq, length):
    return dc.encoding.one_hot(seq, length=length)


def pad_5prime_keep_first(seq, length):
    return s02_encoding.pad_5prime(seq[:length], length)


def delete_nothing(x, i):
    return x[:i] + x[i:]


def delete_one_based(x, i):
    return x[:i - 1] + x[i:] if i > 0 else x[1:]


def changed_rows(before, after):
    return (before != after).any(dim=1)


def reversed_not_complemented(before, after):
    return (before.flip(-1) == after).all(dim=1)


def count_kmers_with_n(seq, k):
    return Counter(dc.encoding.kmers(seq, k))


def count_kmers_sorted(seq, k):
    return np.sort(s04_kmer_baselines.count_kmers(seq, k))


def count_kmers_non_overlapping(seq, k):
    words = [seq[i:i + k] for i in range(0, len(seq) - k + 1, k)]
    counts = Counter(words)
    return np.array([counts["".join(w)] for w in itertools.product("ACGT", repeat=k)])


def conv_no_relu(x, w, b):
    k = w.shape[1]
    return np.array([(w * x[:, i:i + k]).sum() + b for i in range(x.shape[1] - k + 1)])


def conv_flipped(x, w, b):
    return s05_cnn.conv_one_filter(x, w[:, ::-1], b)


def conv_same_padding(x, w, b):
    k = w.shape[1]
    padded = np.pad(x, ((0, 0), ((k - 1) // 2, k // 2)))
    return s05_cnn.conv_one_filter(padded, w, b)


def swapped_pytorch_convention(cell, x_t, h):
    return cell(x_t, h)


def swapped_textbook_reset(cell, x_t, h):
    hx = torch.cat([h, x_t], dim=1)
    z, r = torch.sigmoid(cell.W_z(hx)), torch.sigmoid(cell.W_r(hx))
    return (1 - z) * h + z * torch.tanh(cell.W_xn(x_t) + cell.W_hn(r * h))


def to_5prime_flip(x):
    return x.flip(-1)


def to_5prime_counting_zero_columns(x):
    n_zero = (x.sum(dim=1) == 0).sum(dim=1)
    return torch.stack([torch.roll(row, int(n), dims=-1) for row, n in zip(x, n_zero, strict=True)])


class RNNOnChannels(s09_hybrids.RNNThenCNN):
    def forward(self, x):  # forgot to put the bases on the time axis
        states, _ = self.rnn(x)
        return self.head(states.mean(dim=1))


class RNNWithoutHead(s09_hybrids.RNNThenCNN):
    def forward(self, x):
        lengths = dc.models.sequence_lengths(x)
        states, _ = self.rnn(x.transpose(1, 2))
        h, lengths = self.features(states.transpose(1, 2), lengths)
        return dc.models.masked_mean_max(h.transpose(1, 2), lengths.clamp(min=1))


class RNNUnused(s09_hybrids.RNNThenCNN):
    def __init__(self):
        super().__init__()
        self.features = dc.models.ConvStack(4, (64, 128))

    def forward(self, x):
        lengths = dc.models.sequence_lengths(x)
        h, lengths = self.features(x, lengths)
        return self.head(dc.models.masked_mean_max(h.transpose(1, 2), lengths.clamp(min=1)))


class RNNThenCNNStub(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(4, 8, batch_first=True)

    def forward(self, x):
        raise NotImplementedError


def sweep_without_threshold(y, prob, thresholds):
    return pd.DataFrame([dc.metrics.thresholded_metrics(y, prob) for _ in thresholds])


def sweep_as_list(y, prob, thresholds):
    return [dc.metrics.thresholded_metrics(y, prob, threshold=t) for t in thresholds]


def sweep_without_coverage(y, prob, thresholds):
    return s10_model_comparison.threshold_sweep(y, prob, thresholds).drop(columns="coverage")


# ----------------------------------------------------------------------------------------------
# the typical wrong answers of every check, with a word its feedback must contain

WRONG_ANSWERS = {
    "check_dog_table": [
        ((3, "Ion channel"), "number of families"),
        ((10, "Tyrosine kinase"), "smallest family"),
        ((10, 5), "how many rows"),
    ],
    "check_largest_group": [
        (1, "id of the largest group"),
        ([1, 2], "it has 3 rows"),
        (3, "how many rows"),
    ],
    "check_relative_share": [
        (pd.Series({"X": 1, "Y": 3}), "numbers of rows"),
        (pd.Series({"X": 0.5, "Y": 1 / 3}), "column i"),
        (pd.Series({"X": 50.0, "Y": 100.0}), "percentages"),
        (pd.Series({"X": 0.5}), "missing"),
    ],
    "check_one_hot": [
        (one_hot_atcg, "ATCG order"),
        (one_hot_rows_per_base, "swapped"),
        (one_hot_n_quarter, "0.25"),
    ],
    "check_channel_permutation": [
        (np.array([0, 3, 1, 2]), "other way"),
        ([0, 1, 2, 3], "row 1"),
        ([0, 1, 2], "permutation"),
    ],
    "check_six_mers": [
        ((6**4, s02_encoding.six_mers(SEQ0)[1]), "6^4"),
        ((4**6, len(SEQ0) - 5), "repeats"),
        ((4**6, 3.5), "whole numbers"),
    ],
    "check_pad_5prime": [
        (pad_3prime, "eq. 1 unchanged"),
        (pad_5prime_keep_first, "last"),
    ],
    "check_delete": [
        (delete_nothing, "nothing was deleted"),
        (delete_one_based, "base before position i"),
        (lambda x, i: x[:i] + x[i + 2:], "has 10 bases"),
    ],
    "check_substitution_rate": [
        (10, "number of bases"),
        (0.1, "100 of 1,000"),
        (1.5, "between 0 and 1"),
    ],
    "check_reversed_rows": [
        (changed_rows, "changed"),
        (reversed_not_complemented, "complement"),
    ],
    "check_count_kmers": [
        (count_kmers_with_n, "N were counted"),
        (count_kmers_sorted, "wrong order"),
        (count_kmers_non_overlapping, "overlap"),
    ],
    "check_conv_one_filter": [
        (conv_no_relu, "ReLU"),
        (conv_flipped, "flipped"),
        (conv_same_padding, "same"),
    ],
    "check_flatten_head": [
        ({pool: n - 128 for pool, n in s05_cnn.flatten_head().items()}, "bias"),
        ({pool: (n - 128) // 128 for pool, n in s05_cnn.flatten_head().items()}, "number of inputs"),
        ({4: 1000}, "keys 4 and 1"),
    ],
    "check_cell_update": [
        (lambda f, i, g, c: f * c + g, "input gate"),
        (lambda f, i, g, c: torch.tanh(f * c + i * g), "tanh"),
        (lambda f, i, g, c: i * c + f * g, "swapped"),
        (lambda f, i, g, c: f @ c, "shape"),
    ],
    "check_lstm_parameters": [
        (lambda n_in, h: 4 * (h * n_in + h * h + h), "two"),
        (lambda n_in, h: 4 * h * (n_in + h), "biases are missing"),
        (lambda n_in, h: 3 * (h * n_in + h * h + 2 * h), "gate blocks"),
    ],
    "check_gru_parameters": [
        (lambda n_in, h: 4 * (h * n_in + h * h + 2 * h), "gate blocks"),
        (lambda n_in, h: 3 * (h * n_in + h * h + h), "two"),
    ],
    "check_swapped_step": [
        (swapped_pytorch_convention, "nothing was swapped"),
        (swapped_textbook_reset, "reset gate acts before"),
    ],
    "check_to_5prime": [
        (to_5prime_flip, "reverses"),
        (to_5prime_counting_zero_columns, "N"),
    ],
    "check_rnn_steps": [
        ({2: 1000 / 4, 8: 1000 / 64}, "rounds *up*"),
        ({2: 500, 8: 125}, "one pooling"),
    ],
    "check_rnn_then_cnn": [
        (RNNOnChannels, "(B, L, 4)"),
        (RNNWithoutHead, "(B, 7)"),
        (RNNUnused, "no recurrent layer ran"),
    ],
    "check_threshold_sweep": [
        (sweep_without_threshold, "not passed on"),
        (sweep_as_list, "DataFrame"),
        (sweep_without_coverage, "coverage"),
    ],
}


# ----------------------------------------------------------------------------------------------
# particular exercises


def test_the_notebook_skeleton_of_rnn_then_cnn_is_unanswered(capsys):
    assert EX.check_rnn_then_cnn(RNNThenCNNStub) is False
    assert "not answered yet" in capsys.readouterr().out


def test_the_trusted_kmer_counts_equal_the_notebook_vectorizer():
    from sklearn.feature_extraction.text import CountVectorizer

    seqs, k = ["AANTTGCNACGTTACG", "GATTACAGATTACA"], 3
    vocabulary = ["".join(w) for w in itertools.product("ACGT", repeat=k)]
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False, vocabulary=vocabulary)
    expected = vectorizer.transform(seqs).toarray()
    assert np.array_equal(np.stack([s04_kmer_baselines.count_kmers(s, k) for s in seqs]), expected)


def test_the_dog_table_checks_on_the_real_table(mirror, capsys):
    dog = dc.data.load_gene_families("dog", verbose=False)
    assert EX.check_dog_table(s00_start_here.dog_table_answer(dog)) is True
    assert EX.check_relative_share(s01_dna_as_data.relative_share(dog)) is True
    assert "correct" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------
# the student edition


def _solution_lines() -> set[str]:
    """Source lines of the reference solutions' function bodies, long enough to be distinctive.

    Constructors are left out: a model class's ``__init__`` is the skeleton the notebook gives.
    """
    lines = set()
    for path in (ROOT / "tests" / "solutions").glob("s*.py"):
        text = path.read_text(encoding="utf-8")
        source = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and node.name != "__init__":
                body = node.body[1:] if ast.get_docstring(node) else node.body
                for stmt in body:
                    for line in source[stmt.lineno - 1: stmt.end_lineno]:
                        line = line.strip()
                        if len(line) >= 20 and not line.startswith("#"):
                            lines.add(line)
    return lines


def _notebook(cells) -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return nbformat.from_dict(nb)


def test_the_student_module_docstring_examples_run():
    result = doctest.testmod(student_module)
    assert result.failed == 0 and result.attempted > 0


def test_student_notebook_drops_solution_cells_and_outputs():
    answer = nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]})
    marked = nbformat.v4.new_code_cell("# SOLUTION\nanswer = 42")
    note = nbformat.v4.new_markdown_cell("The answer is 42.", metadata={"tags": ["solution", "x"]})
    kept = nbformat.v4.new_code_cell("print(1)", execution_count=3,
                                     outputs=[nbformat.v4.new_output("stream", text="1\n")])
    task = nbformat.v4.new_markdown_cell("Exercise: find the answer.")
    nb = _notebook([task, answer, marked, note, kept])
    student, removed = student_notebook(nb)
    assert removed == 3
    assert [c["source"] for c in student["cells"]] == ["Exercise: find the answer.", "print(1)"]
    assert student["cells"][1]["outputs"] == [] and student["cells"][1]["execution_count"] is None
    assert nb.cells[4].outputs, "the input notebook is not modified"
    nbformat.validate(nbformat.from_dict(student))


def test_student_edition_refuses_to_overwrite_the_notebooks(tmp_path):
    (tmp_path / "00_x.ipynb").write_text(nbformat.writes(_notebook([])))
    with pytest.raises(ValueError, match="must differ"):
        student_edition(tmp_path, notebooks=tmp_path, verbose=False)
    with pytest.raises(ValueError, match="no notebooks"):
        student_edition(tmp_path / "out", notebooks=tmp_path / "empty", verbose=False)


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory) -> list[Path]:
    return student_edition(tmp_path_factory.mktemp("student"), notebooks=ROOT / "notebooks", verbose=False)


def test_student_edition_copies_every_notebook_clean(student_copies):
    assert [p.name for p in student_copies] == [p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    for path in student_copies:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            assert not is_solution_cell(cell), f"{path.name}: a solution cell survived"
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs left"


def test_student_edition_holds_no_reference_solution(student_copies):
    """No line of a reference solution in a student copy, except lines the lesson itself shows before its
    exercises (e.g. ``hx = torch.cat([h, x_t], dim=1)`` of notebook 07's GRU step, which exercise 2 adapts)."""
    solution = _solution_lines()
    assert len(solution) > 20, "the reference solutions were not found"
    for path in student_copies:
        cells = nbformat.read(path, as_version=4).cells
        start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                      and re.search(r"^#+ .*Exercises", c.source, re.M)), len(cells))
        lesson = "\n".join(c.source for c in cells[:start])
        exercises = "\n".join(c.source for c in cells[start:])
        leaked = [line for line in solution if line in exercises and line not in lesson]
        assert not leaked, f"{path.name} contains reference-solution lines: {leaked}"


@pytest.mark.parametrize("name", ["00_start_here.ipynb", "03_augmentation.ipynb"])
def test_a_student_copy_runs_in_quick_mode(student_copies, name, mirror, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("DNACOURSE_QUICK", "1")
    path = next(p for p in student_copies if p.name == name)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   ).execute()
    assert time.perf_counter() - start < 60
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "not answered yet" in printed, "the exercise checks ran and asked for an answer"
