"""Self-checks for the notebooks' exercises, and the student edition of the notebooks.

In a notebook, an exercise cell holds a stub and the next cell checks it::

    answer = None                                # the exercise cell: replace None by your answer
    dc.exercises.check_dog_table(answer);        # the check cell: prints feedback, returns True/False

A check **never raises**, so "Run all" always works. It prints one of three things:

* ``not answered yet`` while the answer is ``None`` (or a function that still returns ``None`` or
  raises ``NotImplementedError``);
* what is wrong: the input it tried, what came back, what was expected, and a hint;
* ``correct``, with one line on why.

Checks test meaning, not wording. A function is run on several inputs, edge cases included, and its
output is compared with a trusted implementation (``dc.encoding.one_hot``, ``dc.augment.delete``,
``torch.nn.GRU``, ``dc.metrics.thresholded_metrics`` ...). A number is compared with a value the check
computes itself from the same data, never with a number written into this file.

Adding a check (e.g. for notebook 12)
-------------------------------------
1. Here, in a new section ``# 12 promoter data``, write ``check_<name>(answer, ...)`` under the
   ``@_never_raises`` decorator, with a docstring that says what ``answer`` must be, and add its name
   to ``__all__``. ``_Feedback("12.1 soft labels")`` prints every verdict under the exercise's number
   and name; ``_call`` runs the student's function and turns its exceptions into feedback::

       @_never_raises
       def check_soft_labels(soft_labels):
           fb = _Feedback("12.1 soft labels")
           if soft_labels is None:
               return fb.unanswered("write soft_labels(y)")
           for y in CASES:                                # several inputs, edge cases included
               ok, got = _call(soft_labels, y)             # the student's exceptions become feedback
               if not ok:
                   return fb.raised(got, f"soft_labels({y!r})")
               ...                                         # compare with the package's answer
               if wrong:
                   return fb.wrong("what is wrong", tried=..., got=..., expected=..., hint=...)
           return fb.correct("one line on why it is right")

   Recognise the typical mistakes (compare with the wrong variants too) and name them in the message.
   Let the verdict say why an answer is right, not answer the exercise's open questions.

2. Put the reference solution in ``tests/solutions/s12_promoter_data.py`` -- never in a notebook.
3. In ``tests/test_exercises.py`` add the check to ``CASES``: the reference answer, and two or more
   typical wrong answers, each with a word that the printed feedback must contain.
4. In the notebook: a markdown cell with the task, a code cell starting ``# Exercise N`` with the stub
   (``answer = None`` or a function that returns ``None``), then a cell that calls the check.

"Explain what happens" exercises have no check: a markdown cell and an empty code cell.

The student edition
-------------------
``student_edition(out="build/student")`` (``make student``) copies every notebook with outputs and
execution counts cleared and instructor-only cells removed: cells tagged ``solution`` in their metadata
or whose source starts with ``# SOLUTION``.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from . import augment, data, encoding, metrics, models

__all__ = [
    # 00 start here
    "check_dog_table",
    # 01 DNA as data
    "check_largest_group",
    "check_relative_share",
    # 02 encoding
    "check_one_hot",
    "check_channel_permutation",
    "check_six_mers",
    "check_pad_5prime",
    # 03 augmentation
    "check_delete",
    "check_substitution_rate",
    "check_reversed_rows",
    # 04 k-mer baselines
    "check_count_kmers",
    # 05 CNN
    "check_conv_one_filter",
    "check_flatten_head",
    # 06 LSTM
    "check_cell_update",
    "check_lstm_parameters",
    # 07 GRU
    "check_gru_parameters",
    "check_swapped_step",
    # 08 BiLSTM
    "check_to_5prime",
    # 09 hybrids
    "check_rnn_steps",
    "check_rnn_then_cnn",
    # 10 model comparison
    "check_threshold_sweep",
    # student edition
    "SOLUTION_TAG",
    "SOLUTION_MARKER",
    "is_solution_cell",
    "student_notebook",
    "student_edition",
]


# ----------------------------------------------------------------------------------------------
# feedback helpers (shared by every check)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Feedback:
    """Prints the verdict of one exercise and returns True (correct) or False."""

    def __init__(self, title: str):
        number, _, name = title.partition(" ")
        self.title = f"{number} ({name})" if name else number

    def unanswered(self, todo: str) -> bool:
        print(f"Exercise {self.title}: not answered yet. {_sentence(todo)}, then run this cell again.")
        return False

    def wrong(self, problem: str, *, tried=None, got=None, expected=None, hint=None) -> bool:
        lines = [f"Exercise {self.title}: not right yet. {_sentence(problem)}"]
        for label, value in (("tried", tried), ("got", got), ("expected", expected), ("hint", hint)):
            if value is not None:
                text = str(value).replace("\n", "\n" + " " * 12)
                lines.append(f"  {label + ':':<10}{text}")
        print("\n".join(lines))
        return False

    def raised(self, err: Exception, call: str, hint: str | None = None) -> bool:
        if isinstance(err, NotImplementedError):
            return self.unanswered(f"your {call.split('(')[0]} still raises NotImplementedError: write its body")
        return self.wrong(f"calling {call} raised {type(err).__name__}: {err}", tried=call, hint=hint)

    def correct(self, why: str) -> bool:
        print(f"Exercise {self.title}: correct. {_sentence(why)}")
        return True


def _never_raises(check):
    """Decorator: a bug in a check (or an answer nobody foresaw) is reported, never raised."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        try:
            with torch.random.fork_rng(devices=[]):  # the notebook's random numbers stay as they were
                return check(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - a check must not break "Run all"
            print(f"{check.__name__} could not check this answer ({type(err).__name__}: {err}). "
                  "Look at the type and shape of your answer; the exercise text says what it must be.")
            return False

    return wrapper


def _call(fn, *args):
    """``(True, fn(*args))``, or ``(False, exception)`` if the student's function raised."""
    try:
        return True, fn(*args)
    except Exception as err:  # noqa: BLE001 - the student's code may raise anything
        return False, err


def _as_array(x):
    """NumPy view of an answer (tensor, list, array); None if it cannot be one."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception:  # noqa: BLE001
        return None
    return arr if arr.dtype != object else None


def _brief(x, width: int = 300) -> str:
    """Short text of a value for feedback: arrays with their shape, long reprs cut."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        body = np.array2string(x, threshold=40, edgeitems=4, precision=4, max_line_width=90)
        text = f"array of shape {x.shape}, {x.dtype}:\n{body}"
    else:
        text = repr(x)
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _ready(fb: _Feedback, answer, name: str, todo: str) -> bool:
    """True when ``answer`` is something to call; otherwise print why not (unanswered: ``todo``) -> False."""
    if answer is None:
        return fb.unanswered(todo)
    if not callable(answer):
        return _not_a_function(fb, answer, name)
    return True


def _not_a_function(fb: _Feedback, fn, name: str) -> bool:
    return fb.wrong(f"expected the function {name} itself, got {type(fn).__name__}: {_brief(fn, 80)}.",
                    hint=f"pass the function without calling it: check(...)({name}), not {name}(...)")


# ----------------------------------------------------------------------------------------------
# 00 start here


@_never_raises
def check_dog_table(answer, table: pd.DataFrame | None = None) -> bool:
    """Exercise 00.3: ``answer = (number of sequences, name of the largest family)`` of the dog table.

    ``table`` is the dog table; by default the check loads it with ``dc.data.load_gene_families("dog")``.
    The family may also be given as its label (0-6).

    >>> check_dog_table(None)
    Exercise 00.3 (another species): not answered yet. Set answer = (number of sequences, largest family), then run this cell again.
    False
    """
    fb = _Feedback("00.3 another species")
    if answer is None:
        return fb.unanswered("set answer = (number of sequences, largest family)")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return fb.wrong("answer must be a pair (number of sequences, largest family).", got=_brief(answer),
                        hint='e.g. answer = (len(dog), dog["family"].value_counts().index[0])')
    if table is None:
        try:
            table = data.load_gene_families("dog", verbose=False)
        except data.DataUnavailableError as err:
            print(f"Exercise {fb.title}: cannot check without the dog table: {str(err).splitlines()[0]}")
            return False
    n, family = answer
    counts = table["family"].value_counts()
    label_of = table.groupby("family")["label"].first()
    if not _is_int(n):
        return fb.wrong("the first element must be a whole number of sequences.", got=_brief(n),
                        hint="len(dog) counts the rows of a table")
    if n != len(table):
        why = {table["family"].nunique(): "that is the number of families, not of sequences",
               counts.max(): "that is the size of the largest family, not of the whole table"}.get(n, "")
        return fb.wrong(f"the number of sequences is off{': ' + why if why else ''}.", got=n,
                        hint="len(dog) or dog.shape[0] counts the rows")
    largest = set(counts.index[counts == counts.max()])
    if _is_int(family) and family in set(label_of[sorted(largest)]):
        family = label_of[label_of == family].index[0]
    if _is_int(family) and family == counts.max():
        return fb.wrong("the second element is how many rows the largest family has; the question asks "
                        "which family it is.", got=family, hint="value_counts().index[0] is its name")
    name = str(family).strip().lower()
    if name not in {f.lower() for f in largest}:
        if name == str(counts.index[-1]).lower():
            problem = f"{family!r} is the smallest family ({counts.iloc[-1]} rows)."
        elif name in {f.lower() for f in counts.index}:
            problem = f"{family!r} has {counts[counts.index.str.lower() == name].iloc[0]} rows, not the most."
        else:
            problem = f"{family!r} is not one of the dog table's families."
        return fb.wrong(problem, got=family, hint="value_counts() sorts from the largest count down")
    top = counts.index[0]
    return fb.correct(f"the dog table has {len(table):,} sequences; {top!r} is the largest family with "
                      f"{counts.iloc[0]} rows ({counts.iloc[0] / len(table):.0%}), so always guessing it "
                      "would already be right that often.")


# ----------------------------------------------------------------------------------------------
# 01 DNA as data


@_never_raises
def check_largest_group(answer, groups) -> bool:
    """Exercise 01.2: ``answer`` = the row positions (0-based) of the largest group of related rows.

    ``groups``: one group id per row, e.g. ``split.groups`` of ``dc.data.grouped_split``. Any order of
    the positions is fine (a list, array or pandas Index); a boolean mask over the rows works too.
    """
    fb = _Feedback("01.2 the biggest family of copies")
    if answer is None:
        return fb.unanswered("set answer = the row positions of the largest group")
    groups = np.asarray(groups)
    sizes = np.bincount(groups)
    biggest = np.flatnonzero(sizes == sizes.max())
    if _is_int(answer):
        if answer in biggest:
            problem = "that is the id of the largest group; the exercise asks for its rows."
        elif answer == sizes.max():
            problem = "that is how many rows the largest group has; the exercise asks for the rows themselves."
        else:
            problem = "a single number cannot be the rows of a group."
        return fb.wrong(problem, got=answer, hint="np.flatnonzero(groups == largest_id) lists its rows")
    rows = _as_array(answer)
    if rows is not None and rows.dtype == bool and rows.shape == groups.shape:  # a mask works too
        rows = np.flatnonzero(rows)
    if rows is None or rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
        return fb.wrong("answer must be a list or array of row positions (integers).", got=_brief(answer))
    if rows.size and (rows.min() < 0 or rows.max() >= len(groups)):
        return fb.wrong(f"row positions must lie in 0..{len(groups) - 1}.", got=_brief(rows))
    chosen = set(rows.tolist())
    for gid in biggest:
        if chosen == set(np.flatnonzero(groups == gid).tolist()):
            return fb.correct(f"group {gid} holds {sizes.max()} of {len(groups)} rows; look at their "
                              "families and lengths to see what joined them.")
    ids = set(groups[rows].tolist()) if rows.size else set()
    if len(ids) == 1 and ids.pop() in biggest:
        return fb.wrong(f"these rows are all in the largest group, but it has {sizes.max()} rows and you "
                        f"gave {len(chosen)}.", hint="take every row whose group id is the largest group's")
    return fb.wrong(f"these {len(chosen)} rows are not the largest group (it has {sizes.max()} rows).",
                    got=_brief(rows), hint="np.bincount(groups).argmax() is the id of the largest group")


def _relative_share(table: pd.DataFrame, rows_with_relative) -> pd.Series:
    has = np.zeros(len(table), dtype=bool)
    has[list(rows_with_relative)] = True
    return pd.Series(has, index=table.index).groupby(table["family"].to_numpy()).mean()


@_never_raises
def check_relative_share(answer, table: pd.DataFrame | None = None, k: int = 15,
                         threshold: float = 0.5) -> bool:
    """Exercise 01.3: for each family of the dog table, the fraction of its rows with a relative.

    ``answer``: a pandas Series or dict, family name -> fraction (0-1) of that family's rows that have at
    least one related row in the same table (``dc.data.related_pairs(..., k=k, threshold=threshold)``).
    ``table`` is the dog table; by default the check loads it.
    """
    fb = _Feedback("01.3 which families are copied most?")
    if answer is None:
        return fb.unanswered("set answer = a Series: family -> fraction of its rows with a relative")
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    if not isinstance(answer, (pd.Series, Mapping)):
        return fb.wrong("answer must be a pandas Series (or dict) indexed by family.", got=_brief(answer))
    answer = pd.Series(dict(answer)) if isinstance(answer, Mapping) else answer
    if table is None:
        try:
            table = data.load_gene_families("dog", verbose=False)
        except data.DataUnavailableError as err:
            print(f"Exercise {fb.title}: cannot check without the dog table: {str(err).splitlines()[0]}")
            return False
    if all(_is_int(k) for k in answer.index):
        answer = answer.rename(index=lambda k: data.GENE_FAMILIES[k] if 0 <= k < len(data.GENE_FAMILIES) else k)
    pairs = data.related_pairs(table["sequence"], k=k, threshold=threshold)
    expected = _relative_share(table, set(pairs["i"]) | set(pairs["j"]))
    missing = sorted(set(expected.index) - set(answer.index))
    if missing:
        return fb.wrong(f"families missing from your answer: {missing}.", got=_brief(answer),
                        hint='group by the family column: ....groupby(dog["family"]).mean()')
    got = pd.to_numeric(answer[expected.index], errors="coerce")
    if got.isna().any():
        return fb.wrong("every value must be a number.", got=_brief(answer))
    if np.allclose(got.to_numpy(), expected.to_numpy(), atol=1e-3):
        top, low = expected.idxmax(), expected.idxmin()
        overall = len(set(pairs["i"]) | set(pairs["j"])) / len(table)
        return fb.correct(f"{overall:.0%} of all rows have a relative in the table; most copied: {top!r} "
                          f"({expected[top]:.0%} of its rows), least: {low!r} ({expected[low]:.0%}).")
    only_i = _relative_share(table, set(pairs["i"]))
    counts = expected * table["family"].value_counts()[expected.index]
    if np.allclose(got.to_numpy(), (100 * expected).to_numpy(), atol=0.1):
        return fb.wrong("these look like percentages.", hint="give fractions between 0 and 1")
    if np.allclose(got.to_numpy(), counts.to_numpy(), atol=1e-6):
        return fb.wrong("these are numbers of rows, not fractions.", hint="divide by each family's size")
    if np.allclose(got.to_numpy(), (counts / len(table)).to_numpy(), atol=1e-3):
        return fb.wrong("you divided by the size of the whole table.",
                        hint="divide by each family's own number of rows (a mean per family)")
    if np.allclose(got.to_numpy(), only_i.to_numpy(), atol=1e-3):
        return fb.wrong("you counted only the rows in column i.",
                        hint="a pair (i, j) gives *both* rows a relative: use the rows in i and in j")
    worst = (got - expected).abs().idxmax()
    return fb.wrong(f"the fractions differ, most for {worst!r}.", got=f"{got[worst]:.3f}",
                    expected=f"{expected[worst]:.3f}",
                    hint="rows with a relative = set(pairs['i']) | set(pairs['j']); then a mean per family")


# ----------------------------------------------------------------------------------------------
# 02 encoding


@_never_raises
def check_one_hot(my_one_hot) -> bool:
    """Exercise 02.1: ``my_one_hot(seq)`` -> ``(4, len(seq))`` one-hot in ACGT order, N -> zeros.

    Compared with ``dc.encoding.one_hot`` on several upper-case sequences (with N, one base long...).
    """
    fb = _Feedback("02.1 one-hot with a dict")
    if not _ready(fb, my_one_hot, "my_one_hot", "write my_one_hot(seq)"):
        return False
    cases = ["ATGACCGTTAG", "ACGTN", "GATTACA", "A", "NNNNN", "TTTGGGCCCAAAC"]
    for n_case, seq in enumerate(cases):
        call = f"my_one_hot({seq!r})"
        ok, got = _call(my_one_hot, seq)
        if not ok:
            return fb.raised(got, call, hint="a dict lookup per base: table[base] for base in seq")
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function my_one_hot still returns None: write its body")
            return fb.wrong(f"{call} returned None.", tried=call)
        expected = encoding.one_hot(seq)
        arr = _as_array(got)
        if arr is None or arr.dtype.kind not in "biuf":
            return fb.wrong("the result must be an array of numbers.", tried=call, got=_brief(got),
                            hint="np.array([...], dtype=np.float32)")
        if arr.shape == expected.T.shape and arr.shape != expected.shape:
            return fb.wrong("rows and columns are swapped: one row per base.", tried=call,
                            got=f"shape {arr.shape}", expected=f"shape {expected.shape} (channels first)",
                            hint="stack the columns with np.array(...).T, or np.stack(columns, axis=1)")
        if arr.shape != expected.shape:
            return fb.wrong("wrong shape.", tried=call, got=f"shape {arr.shape}",
                            expected=f"shape {expected.shape}: 4 channels x {len(seq)} positions")
        if np.array_equal(arr, expected):
            continue
        for order in ("ATCG", "AGCT", "TGCA"):
            if np.array_equal(arr, encoding.one_hot(seq, alphabet=order)):
                return fb.wrong(f"the channels are in {order} order; the course uses ACGT.", tried=call,
                                got=_brief(arr), expected=_brief(expected),
                                hint='A -> [1, 0, 0, 0], C -> [0, 1, 0, 0], G -> [0, 0, 1, 0], T -> [0, 0, 0, 1]')
        if np.array_equal(arr, encoding.one_hot(seq, unknown=0.25)):
            return fb.wrong("N became 0.25 in every channel; this exercise wants zeros (the package default).",
                            tried=call, hint='"N": [0, 0, 0, 0]')
        col = int(np.flatnonzero((arr != expected).any(axis=0))[0])
        return fb.wrong(f"column {col} (base {seq[col]!r}) is wrong.", tried=call,
                        got=_brief(arr[:, col]), expected=_brief(expected[:, col]))
    return fb.correct("equal to dc.encoding.one_hot on every test sequence, N columns included. The "
                      "package does the same with one vectorised comparison per channel instead of a loop.")


@_never_raises
def check_channel_permutation(perm, source: str = "ATCG", target: str = "ACGT") -> bool:
    """Exercise 02.2: ``perm`` such that ``x_source[perm]`` is the ``target``-order one-hot.

    ``x_source = dc.encoding.one_hot(seq, alphabet=source)``; default source ATCG (the paper),
    target ACGT (the course).
    """
    fb = _Feedback("02.2 channel permutation")
    if perm is None:
        return fb.unanswered("set perm = an index array of 4 channel numbers")
    p = _as_array(perm)
    if p is None or p.shape != (4,) or p.dtype.kind not in "iu" or sorted(p.tolist()) != [0, 1, 2, 3]:
        return fb.wrong("the answer must be 4 integers, each of 0, 1, 2, 3 once (a permutation).",
                        got=_brief(perm))
    seq = "ATGACCGTTAGNCAGT"
    x_source = encoding.one_hot(seq, alphabet=source)
    x_target = encoding.one_hot(seq, alphabet=target)
    if np.array_equal(x_source[p], x_target):
        return fb.correct(f"row i of the {target} encoding is channel perm[i] of the {source} one, so "
                          f"perm[i] = {source!r}.index({target!r}[i]) in general.")
    inverse = np.argsort(p)
    if np.array_equal(x_target[p], x_source) or np.array_equal(x_source[inverse], x_target):
        return fb.wrong(f"this permutation goes the other way: it turns the {target} encoding into the "
                        f"{source} one.", got=p.tolist(),
                        hint=f"row i of the result must be base {target}[i]; where is that base in {source}?")
    row = int(np.flatnonzero((x_source[p] != x_target).any(axis=1))[0])
    return fb.wrong(f"row {row} of x_{source.lower()}[perm] holds base {source[p[row]]!r}, but row {row} of "
                    f"the {target} encoding is base {target[row]!r}.", tried=f"one_hot({seq!r})",
                    got=p.tolist(), hint=f"perm[{row}] is the channel of {target[row]!r} in {source!r}")


@_never_raises
def check_six_mers(answer, sequence: str, k: int = 6) -> bool:
    """Exercise 02.3: ``answer = (possible k-mers, distinct k-mers in sequence)`` for k = 6.

    ``sequence`` is the first human sequence (``human["sequence"].iloc[0]``); k-mers with N are not
    counted.
    """
    fb = _Feedback("02.3 6-mers")
    if answer is None:
        return fb.unanswered("set answer = (number of possible 6-mers, distinct 6-mers in the sequence)")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not all(map(_is_int, answer)):
        return fb.wrong("answer must be a pair of whole numbers.", got=_brief(answer))
    possible, distinct = answer
    words = [w for w in encoding.kmers(sequence.upper(), k) if "N" not in w]
    want_possible, want_distinct = 4**k, len(set(words))
    if possible != want_possible:
        why = {k**4: f"that is {k}^4; each of the {k} positions has 4 choices",
               4 * k: f"that is 4 x {k}; the choices multiply",
               len(sequence) - k + 1: "that counts the positions in this sequence, not all possible words"}
        reason = why.get(possible)
        return fb.wrong(f"the number of possible {k}-mers is off{': ' + reason if reason else ''}.",
                        got=possible, hint=f"4 letters at each of {k} positions")
    if distinct != want_distinct:
        if distinct == len(sequence) - k + 1:
            problem = f"that counts every {k}-mer position, repeats included."
        elif distinct > want_distinct:
            problem = "too many: some words are counted more than once."
        else:
            problem = "too few."
        return fb.wrong(f"the number of distinct {k}-mers is off: {problem}", got=distinct,
                        hint=f"len(set(dc.encoding.kmers(seq, {k})))")
    return fb.correct(f"{want_distinct} of the {want_possible:,} possible {k}-mers occur in this sequence "
                      f"({want_distinct / want_possible:.1%}).")


@_never_raises
def check_pad_5prime(pad_5prime) -> bool:
    """Exercise 02.4: ``pad_5prime(seq, length)`` -> ``(4, length)``: zero columns *before* a short
    sequence, the *last* ``length`` bases of a long one (what LegNet does)."""
    fb = _Feedback("02.4 padding at the 5' end")
    if not _ready(fb, pad_5prime, "pad_5prime", "write pad_5prime(seq, length)"):
        return False
    cases = [("ACG", 5), ("ACGTTGCA", 5), ("GATTACA", 7), ("TTGACN", 10), ("CCGTA", 1)]
    for n_case, (seq, length) in enumerate(cases):
        call = f"pad_5prime({seq!r}, {length})"
        ok, got = _call(pad_5prime, seq, length)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function pad_5prime still returns None: write its body")
            return fb.wrong(f"{call} returned None.", tried=call)
        # trusted: eq. 1 on the reversed string, then reverse the columns back
        expected = np.ascontiguousarray(encoding.one_hot(seq[::-1], length=length)[:, ::-1])
        arr = _as_array(got)
        if arr is None or arr.shape != expected.shape:
            return fb.wrong("wrong shape.", tried=call, got=_brief(got), expected=f"shape {expected.shape}")
        if np.array_equal(arr, expected):
            continue
        if len(seq) > length and np.array_equal(arr, encoding.one_hot(seq[:length])):
            problem = "a long sequence must keep its *last* bases, not its first."
        elif np.array_equal(arr, encoding.one_hot(seq, length=length)):
            problem = "that is eq. 1 unchanged (padding after the sequence, first bases kept)."
        elif len(seq) < length and np.array_equal(arr[:, ::-1], expected):
            problem = "the sequence came out reversed: pad, don't flip."
        else:
            problem = "the columns differ."
        return fb.wrong(problem, tried=call, got=_brief(arr), expected=_brief(expected),
                        hint="x = one_hot(seq[-length:]); put it in the last x.shape[1] columns of zeros")
    return fb.correct("short sequences end at the last column and long ones keep their last bases, the "
                      "3' end that LegNet's promoters keep too.")


# ----------------------------------------------------------------------------------------------
# 03 augmentation


@_never_raises
def check_delete(my_delete) -> bool:
    """Exercise 03.1: ``my_delete(x, i)`` (eq. 3) against ``dc.augment.delete`` at every valid position."""
    fb = _Feedback("03.1 implement eq. 3")
    if not _ready(fb, my_delete, "my_delete", "write my_delete(x, i)"):
        return False
    cases = [(seq, i) for seq in ("ATGGCTTACGAT", "A", "GANTC") for i in range(len(seq))]
    for n_case, (seq, i) in enumerate(cases):
        call = f"my_delete({seq!r}, {i})"
        ok, got = _call(my_delete, seq, i)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function my_delete still returns None: write its body")
            return fb.wrong(f"{call} returned None.", tried=call)
        expected = augment.delete(seq, i)
        if got == expected:
            continue
        if got == seq:
            problem = "nothing was deleted."
        elif i > 0 and got == augment.delete(seq, i - 1):
            problem = "the base before position i was deleted: positions count from 0."
        elif i + 1 < len(seq) and got == augment.delete(seq, i + 1):
            problem = "the base after position i was deleted: x[i] itself must go."
        elif isinstance(got, str) and len(got) != len(seq) - 1:
            problem = f"the result has {len(got)} bases; a deletion leaves {len(seq) - 1}."
        else:
            problem = "the result differs from eq. 3."
        return fb.wrong(problem, tried=call, got=repr(got), expected=repr(expected),
                        hint="x[:i] is everything before position i, x[i + 1:] everything after it")
    seq = "ATGGCTTACGAT"
    ok, got = _call(my_delete, seq, len(seq))
    if ok and got == seq:
        end = ("for i = len(x) it returns x unchanged: slicing never complains. dc.augment.delete raises "
               "IndexError there, so a wrong position cannot slip through unnoticed.")
    elif not ok:
        end = f"for i = len(x) it raises {type(got).__name__}, like dc.augment.delete: no base to delete."
    else:
        end = f"for i = len(x) it returns {got!r}; there is no base to delete there."
    return fb.correct(f"equal to dc.augment.delete at every position. Note: {end}")


@_never_raises
def check_substitution_rate(rate, changed: int = 10, length: int = 1000) -> bool:
    """Exercise 03.2: the ``substitution_rate`` that changes ``changed`` of ``length`` bases on average.

    When correct, the check also measures it: ``augment_batch`` on random full-length rows.
    """
    fb = _Feedback("03.2 ten bases of a thousand")
    if rate is None:
        return fb.unanswered("set rate = your substitution_rate")
    if not _is_number(rate):
        return fb.wrong("rate must be a number.", got=_brief(rate))
    want = changed / length
    if not np.isclose(rate, want, rtol=1e-6):
        if np.isclose(rate, changed):
            problem = "that is the number of bases; substitution_rate is a probability per base."
        elif not 0 <= rate <= 1:
            problem = "the substitution rate is a probability, between 0 and 1."
        else:
            problem = f"at this rate {rate * length:g} of {length:,} bases change on average, not {changed}."
        return fb.wrong(problem, got=rate, hint="expected changes = rate x number of real bases")
    gen = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 4, (256, length), generator=gen, dtype=torch.uint8)
    out = augment.augment_batch(idx, substitution_rate=float(rate), generator=gen)
    measured = (out != idx).sum(dim=1).float().mean().item()
    return fb.correct(f"rate x {length:,} = {rate * length:g}; measured on 256 random {length:,}-bp rows: "
                      f"{measured:.1f} bases changed on average.")


@_never_raises
def check_reversed_rows(reversed_rows) -> bool:
    """Exercise 03.4: ``reversed_rows(before, after)`` -> ``(B,)`` bool, True where row b of ``after`` is
    the reverse complement of row b of ``before`` (index codes ``(B, L)``, 3' padding kept in place)."""
    fb = _Feedback("03.4 half the batch, reversed")
    if not _ready(fb, reversed_rows, "reversed_rows", "write reversed_rows(before, after)"):
        return False
    seqs = ["ATGGCTTACGAT", "ACCGTTAGGA", "TTGACNGTA", "GGGCCAAT", "ACGTTTGCAAAC", "CATTAG"]
    before = torch.from_numpy(encoding.encode_index(seqs, length=14))
    after = before.clone()
    flip = [0, 2, 4]
    after[flip] = augment.reverse_complement_index(before[flip])
    after[1, 3] = (after[1, 3] + 1) % 4  # a substitution: changed, but not reverse-complemented
    expected = (augment.reverse_complement_index(before) == after).all(dim=1).numpy()
    call = "reversed_rows(before, after)"
    ok, got = _call(reversed_rows, before.clone(), after.clone())
    if not ok:
        return fb.raised(got, call, hint="compare after with dc.augment.reverse_complement_index(before)")
    if got is None:
        return fb.unanswered("your function reversed_rows still returns None: write its body")
    arr = _as_array(got)
    if arr is None or arr.shape != expected.shape:
        return fb.wrong("the result must hold one True/False per row.", tried=call, got=_brief(got),
                        expected=f"shape {expected.shape}")
    arr = arr.astype(bool)
    if np.array_equal(arr, expected):
        return fb.correct("it finds exactly the reverse-complemented rows, the padded ones and the one with "
                          "an N included, and not the row that changed by a substitution.")
    tried = f"{call} on a batch of {len(seqs)} padded rows: rows {flip} reverse-complemented, row 1 has one substitution"
    if np.array_equal(arr, (before != after).any(dim=1).numpy()):
        problem = "that finds every *changed* row; row 1 changed by a substitution, not a reverse complement."
    elif np.array_equal(arr, (before.flip(-1) == after).all(dim=1).numpy()):
        problem = "reversing is not enough: complement the bases too, and keep the padding at the 3' end."
    else:
        bad = np.flatnonzero(arr != expected).tolist()
        problem = f"wrong answer for rows {bad}."
    return fb.wrong(problem, tried=tried, got=arr.tolist(), expected=expected.tolist(),
                    hint="(dc.augment.reverse_complement_index(before) == after).all(dim=1)")


# ----------------------------------------------------------------------------------------------
# 04 k-mer baselines


def _kmer_vector(seq: str, k: int) -> np.ndarray:
    """Trusted counts in the order of product("ACGT", repeat=k); k-mers with N are skipped."""
    position = {"".join(w): n for n, w in enumerate(product("ACGT", repeat=k))}
    out = np.zeros(4**k, dtype=np.int64)
    for w in encoding.kmers(seq.upper(), k):
        if w in position:
            out[position[w]] += 1
    return out


@_never_raises
def check_count_kmers(count_kmers) -> bool:
    """Exercise 04.4: ``count_kmers(seq, k)`` -> the ``4**k`` k-mer counts in the order of
    ``itertools.product("ACGT", repeat=k)``; k-mers that contain N are not counted.

    A dict or Counter of the counts is accepted too (then only the order is not checked).
    """
    fb = _Feedback("04.4 count k-mers yourself")
    if not _ready(fb, count_kmers, "count_kmers", "write count_kmers(seq, k)"):
        return False
    cases = [("ATGCATGCA", 3), ("ACGTACGT", 1), ("AANTTGCN", 2), ("GATTACAGATTACA", 4), ("ACG", 4)]
    vocabulary = {k: ["".join(w) for w in product("ACGT", repeat=k)] for _, k in cases}
    for n_case, (seq, k) in enumerate(cases):
        call = f"count_kmers({seq!r}, {k})"
        ok, got = _call(count_kmers, seq, k)
        if not ok:
            hint = ("a k-mer with N is not in the vocabulary: skip it" if isinstance(got, (KeyError, ValueError))
                    and "N" in seq else None)
            return fb.raised(got, call, hint=hint)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function count_kmers still returns None: write its body")
            return fb.wrong(f"{call} returned None.", tried=call)
        expected = _kmer_vector(seq, k)
        if isinstance(got, Mapping):
            got_counts = {w: c for w, c in dict(got).items() if c}
            want = {w: int(c) for w, c in zip(vocabulary[k], expected, strict=True) if c}
            if got_counts == want:
                continue
            if any("N" in str(w) for w in got_counts):
                return fb.wrong("words with N were counted; they are not in the ACGT vocabulary.",
                                tried=call, got=_brief(got), hint='skip words with "N" in them')
            return fb.wrong("the counts differ.", tried=call, got=_brief(got), expected=_brief(want))
        arr = _as_array(got)
        if arr is None or arr.shape != expected.shape:
            return fb.wrong(f"the result must be a vector of 4**{k} = {4**k} counts.", tried=call,
                            got=_brief(got), expected=f"shape {expected.shape}")
        if np.array_equal(arr, expected):
            continue
        if arr.sum() == expected.sum() and np.array_equal(np.sort(arr), np.sort(expected)):
            problem = "the right counts in the wrong order."
            hint = f'order the words as ["".join(p) for p in product("ACGT", repeat={k})]'
        elif arr.sum() < expected.sum():
            problem = (f"{int(arr.sum())} k-mers counted, but the sequence has {int(expected.sum())} "
                       "overlapping k-mers without N.")
            hint = "k-mers overlap: start one at every position (dc.encoding.kmers)"
        else:
            problem = "the counts differ."
            hint = "count with Counter(dc.encoding.kmers(seq, k)), then read it in vocabulary order"
        return fb.wrong(problem, tried=call, got=_brief(arr), expected=_brief(expected), hint=hint)
    return fb.correct("the same counts as the fixed-vocabulary CountVectorizer on every test sequence, one "
                      "with N and one shorter than k included.")


# ----------------------------------------------------------------------------------------------
# 05 CNN


@_never_raises
def check_conv_one_filter(conv_one_filter) -> bool:
    """Exercise 05.3: ``conv_one_filter(x, w, b)`` -> ReLU(eq. 5), ``(L - k + 1,)``, NumPy only.

    ``x``: one-hot ``(4, L)``, ``w``: ``(4, k)``, ``b``: a float. Compared with
    ``F.relu(F.conv1d(x, w, b))`` (no padding) for several widths and biases, to 1e-5.
    """
    fb = _Feedback("05.3 eq. 5 in NumPy")
    if not _ready(fb, conv_one_filter, "conv_one_filter", "write conv_one_filter(x, w, b)"):
        return False
    rng = np.random.default_rng(5)
    seq = "".join(rng.choice(list("ACGT"), 30))
    x = encoding.one_hot(seq)
    cases = [(9, 0.1), (5, -0.5), (1, 0.0), (30, 0.3), (3, 2.0)]
    for n_case, (k, b) in enumerate(cases):
        w = rng.normal(size=(4, k)).astype(np.float32)
        call = f"conv_one_filter(x, w, {b}) with x of shape {x.shape}, w of shape {w.shape}"
        ok, got = _call(conv_one_filter, x.copy(), w.copy(), b)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function conv_one_filter still returns None: write its body")
            return fb.wrong("it returned None.", tried=call)
        raw = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w)[None], torch.tensor([b], dtype=torch.float32))
        expected = F.relu(raw)[0, 0].numpy()
        arr = _as_array(got)
        if arr is None:
            return fb.wrong("the result must be an array.", tried=call, got=_brief(got))
        arr = arr.reshape(-1) if arr.size == expected.size else arr
        if arr.shape != expected.shape:
            problem = ("one value per position of x: that is a padded ('same') convolution."
                       if arr.size == x.shape[1] else "wrong number of values.")
            return fb.wrong(problem, tried=call, got=f"shape {arr.shape}",
                            expected=f"shape {expected.shape}: L - k + 1 = {x.shape[1]} - {k} + 1 windows")
        if np.allclose(arr, expected, atol=1e-5):
            continue
        flipped = F.relu(F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w[:, ::-1].copy())[None],
                                  torch.tensor([b], dtype=torch.float32)))[0, 0].numpy()
        if np.allclose(arr, raw[0, 0].numpy(), atol=1e-5):
            problem, hint = "negative responses are still there.", "apply the ReLU: np.maximum(y, 0)"
        elif np.allclose(arr, np.maximum(raw[0, 0].numpy() - b, 0), atol=1e-5):
            problem, hint = "the bias is missing.", "add b before the ReLU"
        elif np.allclose(arr, flipped, atol=1e-5):
            problem, hint = "the filter is flipped (a mathematician's convolution).", "eq. 5 uses W[c, j] * x[c, i + j]"
        else:
            problem, hint = "the responses differ.", "y_i = max(0, sum(w * x[:, i:i + k]) + b)"
        return fb.wrong(problem, tried=call, got=_brief(arr), expected=_brief(expected), hint=hint)
    return fb.correct("equal to F.relu(F.conv1d(...)) (no padding) for widths from 1 to L and for positive "
                      "and negative biases.")


def _flatten_head_parameters(pool: int, length: int, hidden: int) -> int:
    """Trusted: a Linear layer on the flattened output of the CNN's last block, counted by PyTorch."""
    model = models.build("cnn", pool=pool)
    with torch.no_grad():
        h, _ = model.features(torch.zeros(1, 4, length), torch.tensor([length]))
    return models.count_parameters(nn.Linear(h.shape[1] * h.shape[2], hidden))


@_never_raises
def check_flatten_head(answer, length: int = 1000, hidden: int = 128) -> bool:
    """Exercise 05.2: ``answer = {4: ..., 1: ...}``, the parameters of a Keras-style head
    ``Linear(channels x positions, 128)`` after the course CNN's last block, with pool 4 and pool 1.
    """
    fb = _Feedback("05.2 no max-pooling")
    if answer is None:
        return fb.unanswered("set answer = {4: parameters with pool 4, 1: parameters with pool 1}")
    if not isinstance(answer, Mapping) or not {1, 4} <= set(answer):
        return fb.wrong("answer must be a dict with the keys 4 and 1 (the pooling factors).", got=_brief(answer))
    lines = []
    for pool in (4, 1):
        got = answer[pool]
        want = _flatten_head_parameters(pool, length, hidden)
        model = models.build("cnn", pool=pool)
        channels = model.features.out_channels
        positions = (want - hidden) // (channels * hidden)
        if not _is_int(got):
            return fb.wrong(f"answer[{pool}] must be a whole number.", got=_brief(got))
        if got != want:
            if got == want - hidden:
                problem, hint = "the bias of the Linear layer is missing.", f"+ {hidden} biases"
            elif got == channels * positions:
                problem, hint = "that is the number of inputs, not of weights.", f"each input has {hidden} weights"
            else:
                problem = f"with pool {pool} the last block has {channels} channels x {positions} positions."
                hint = "parameters = inputs x outputs + outputs"
            return fb.wrong(problem, tried=f"pool={pool}, length {length}", got=got, expected=want, hint=hint)
        lines.append(f"pool {pool}: {channels} x {positions} -> {want:,}")
    return fb.correct("; ".join(lines) + " parameters. Compare them with the whole course CNN's count.")


# ----------------------------------------------------------------------------------------------
# 06 LSTM and 07 GRU


@_never_raises
def check_cell_update(cell_update) -> bool:
    """Exercise 06.1: ``cell_update(f, i, g, c_prev)`` -> ``c_t`` (eq. 10), all ``(B, H)`` tensors.

    Compared with the cell state of ``dc.models.LSTMCell`` on random inputs and weights.
    """
    fb = _Feedback("06.1 eq. 10 yourself")
    if not _ready(fb, cell_update, "cell_update", "write cell_update(f, i, g, c_prev)"):
        return False
    gen = torch.Generator().manual_seed(6)
    cell = models.LSTMCell(4, 8)
    for n_case, batch in enumerate((3, 1)):
        x = torch.randn(batch, 4, generator=gen)
        h, c = torch.randn(batch, 8, generator=gen), 2 * torch.randn(batch, 8, generator=gen)
        with torch.no_grad():
            hx = torch.cat([h, x], dim=1)
            f, i = torch.sigmoid(cell.W_f(hx)), torch.sigmoid(cell.W_i(hx))
            g = torch.tanh(cell.W_g(hx))
            expected = cell(x, (h, c))[1]
            call = f"cell_update(f, i, g, c_prev) with random ({batch}, 8) tensors"
            ok, got = _call(cell_update, f.clone(), i.clone(), g.clone(), c.clone())
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function cell_update still returns None: write eq. 10 in it")
            return fb.wrong("it returned None.", tried=call)
        got = torch.as_tensor(_as_array(got)) if not isinstance(got, torch.Tensor) else got.detach()
        if got.shape != expected.shape:
            return fb.wrong("wrong shape.", tried=call, got=tuple(got.shape), expected=tuple(expected.shape),
                            hint="all four tensors are (B, H): multiply element-wise with *, not @")
        if torch.allclose(got.float(), expected, atol=1e-6):
            continue
        known = {
            "the input gate must scale the candidate: i * g, not g alone.": f * c + g,
            "the forget and input gates are swapped.": i * c + f * g,
            "no tanh in eq. 10: tanh(C_t) only comes in eq. 12.": torch.tanh(f * c + i * g),
            "the old cell state must be scaled by the forget gate.": c + i * g,
        }
        problem = next((p for p, v in known.items() if torch.allclose(got.float(), v, atol=1e-6)),
                       "the new cell state differs from LSTMCell's.")
        return fb.wrong(problem, tried=call, got=_brief(got[0]), expected=_brief(expected[0]),
                        hint="C_t = f_t * C_{t-1} + i_t * C~_t (element-wise)")
    return fb.correct("the same C_t as dc.models.LSTMCell. It is a sum, not a product through a squashing "
                      "function: with f near 1 the gradient flows back along C almost unchanged.")


def _check_parameter_formula(fb: _Feedback, formula, name: str, layer, gates: int) -> bool:
    if not _ready(fb, formula, name, f"write {name}(input_size, hidden_size)"):
        return False
    for n_case, (n_in, hidden) in enumerate([(4, 64), (4, 16), (1, 1), (128, 32), (10, 3)]):
        call = f"{name}({n_in}, {hidden})"
        ok, got = _call(formula, n_in, hidden)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered(f"your function {name} still returns None: write the formula")
            return fb.wrong("it returned None.", tried=call)
        want = models.count_parameters(layer(n_in, hidden))
        if not _is_number(got) or got != want:
            H, In = hidden, n_in
            known = {
                gates * (H * In + H * H + H): "PyTorch keeps *two* bias vectors per gate (b_ih and b_hh).",
                gates * (H * In + H * H): "the biases are missing.",
                H * In + H * H + 2 * H: f"that is one gate; a layer has {gates}.",
                (4 if gates == 3 else 3) * (H * In + H * H + 2 * H):
                    f"wrong number of gate blocks: this layer has {gates}.",
            }
            return fb.wrong(known.get(got, "the count differs from PyTorch's."), tried=call, got=got,
                            expected=f"{want:,} (dc.models.count_parameters of the layer)",
                            hint="per gate: an H x I input matrix, an H x H recurrent matrix, two biases of H")
    return fb.correct(f"your formula matches PyTorch's count for every size tried, e.g. {name}(4, 64) = "
                      f"{models.count_parameters(layer(4, 64)):,}.")


@_never_raises
def check_lstm_parameters(lstm_parameters) -> bool:
    """Exercise 06.3: ``lstm_parameters(input_size, hidden_size)`` = parameters of ``nn.LSTM(I, H)``."""
    return _check_parameter_formula(_Feedback("06.3 hidden size"), lstm_parameters, "lstm_parameters",
                                    nn.LSTM, gates=4)


@_never_raises
def check_gru_parameters(gru_parameters) -> bool:
    """Exercise 07.1: ``gru_parameters(input_size, hidden_size)`` = parameters of ``nn.GRU(I, H)``."""
    return _check_parameter_formula(_Feedback("07.1 the parameter formula"), gru_parameters, "gru_parameters",
                                    nn.GRU, gates=3)


def _run_steps(step, cell, x: torch.Tensor):
    """Loop ``step(cell, x_t, h)`` over ``x`` ``(B, T, I)`` from ``h = 0`` -> ``(B, T, H)``."""
    h, outputs = torch.zeros(x.shape[0], cell.hidden_size), []
    for x_t in x.transpose(0, 1):
        h = step(cell, x_t, h)
        if h is None:
            return None
        outputs.append(torch.as_tensor(h))
    return torch.stack(outputs, dim=1)


def _negate_update_gate(gru: nn.GRU) -> nn.GRU:
    """A copy of a one-layer ``nn.GRU`` with the update gate's weights and biases negated."""
    out = copy.deepcopy(gru)
    H = gru.hidden_size
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(out, name)[H:2 * H].neg_()  # PyTorch's gate order: reset, update, candidate
    return out


@_never_raises
def check_swapped_step(swapped_step) -> bool:
    """Exercise 07.2: ``swapped_step(cell, x_t, h)`` = one GRU step with
    ``h_t = (1 - z) * h_{t-1} + z * candidate``, PyTorch's reset placement, ``cell`` a ``dc.models.GRUCell``.

    Trusted reference: ``nn.GRU`` with the update gate negated (``1 - sigmoid(a) = sigmoid(-a)``).
    """
    fb = _Feedback("07.2 swap the update-gate convention")
    if not _ready(fb, swapped_step, "swapped_step", "write swapped_step(cell, x_t, h)"):
        return False
    torch.manual_seed(7)
    gru = nn.GRU(4, 6, batch_first=True)
    cell = models.GRUCell(4, 6).copy_weights_from(gru)
    x = torch.randn(3, 5, 4)
    call = "swapped_step over a random (3, 5, 4) batch, from h = 0"
    with torch.no_grad():
        ok, got = _call(_run_steps, swapped_step, cell, x)
        if not ok:
            return fb.raised(got, call, hint="use the cell's layers: cell.W_z, cell.W_r, cell.W_xn, cell.W_hn")
        if got is None:
            return fb.unanswered("your function swapped_step still returns None: write the swapped eq. 16 in it")
        expected = _negate_update_gate(gru)(x)[0]
        pytorch = gru(x)[0]

        def textbook(cell_, x_t, h):
            hx = torch.cat([h, x_t], dim=1)
            z, r = torch.sigmoid(cell_.W_z(hx)), torch.sigmoid(cell_.W_r(hx))
            return (1 - z) * h + z * torch.tanh(cell_.W_xn(x_t) + cell_.W_hn(r * h))

        reset_before = _run_steps(textbook, cell, x)
    if got.shape != expected.shape:
        return fb.wrong("wrong shape of the states.", tried=call, got=tuple(got.shape),
                        expected=tuple(expected.shape))
    if torch.allclose(got.float(), expected, atol=1e-5):
        return fb.correct("over a random batch it gives exactly the states of nn.GRU with the update gate's "
                          "weights and bias negated. The next cell shows both comparisons for you to explain.")
    if torch.allclose(got.float(), pytorch, atol=1e-5):
        problem = "this is PyTorch's own convention, (1 - z) * candidate + z * h: nothing was swapped."
    elif torch.allclose(got.float(), reset_before, atol=1e-5):
        problem = "the update gate is swapped, but the reset gate acts before W_hn (the textbook candidate)."
    else:
        problem = "the states differ."
    return fb.wrong(problem, tried=call, got=_brief(got[0, -1]), expected=_brief(expected[0, -1]),
                    hint="candidate = tanh(W_xn(x_t) + r * W_hn(h)); h_t = (1 - z) * h + z * candidate")


# ----------------------------------------------------------------------------------------------
# 08 BiLSTM


@_never_raises
def check_to_5prime(to_5prime) -> bool:
    """Exercise 08.2: ``to_5prime(x)`` moves the padding of a 3'-padded one-hot batch ``(B, 4, L)``
    to the front of each row (same shape; the bases keep their order)."""
    fb = _Feedback("08.2 padding on the 5' side")
    if not _ready(fb, to_5prime, "to_5prime", "write to_5prime(x)"):
        return False
    seqs, length = ["ATGGCCTTAC", "GATTACA", "CCNGA", "ACGTACGTACGT", "T"], 12
    x = torch.from_numpy(encoding.one_hot(seqs, length=length))
    # trusted: eq. 1 on each reversed string puts the padding last; flipping the columns puts it first
    expected = torch.from_numpy(encoding.one_hot([s[::-1] for s in seqs], length=length)).flip(-1)
    call = f"to_5prime(x) with x = one_hot({seqs}, length={length})"
    ok, got = _call(to_5prime, x.clone())
    if not ok:
        return fb.raised(got, call, hint="dc.models.sequence_lengths(x) gives each row's real length")
    if got is None:
        return fb.unanswered("your function to_5prime still returns None: write its body")
    got = torch.as_tensor(_as_array(got)) if not isinstance(got, torch.Tensor) else got.detach()
    if got.shape != expected.shape:
        return fb.wrong("the shape must stay (B, 4, L).", tried=call, got=tuple(got.shape),
                        expected=tuple(expected.shape))
    if torch.equal(got.float(), expected):
        return fb.correct("every row now ends at the last column with its bases in order, and the N inside "
                          "CCNGA stayed where it was.")
    bad = [b for b in range(len(seqs)) if not torch.equal(got[b].float(), expected[b])]
    if torch.equal(got.float(), x.flip(-1)):
        problem = "flipping the positions also reverses each sequence; the bases must keep their order."
    elif 2 in bad and all(torch.equal(got[b].float(), expected[b]) for b in range(len(seqs)) if b != 2):
        problem = ("row 2 (CCNGA) is wrong: its N is an all-zero column inside the sequence, not padding. "
                   "Count only the zero columns after the last base.")
    else:
        problem = f"rows {bad} are wrong."
    return fb.wrong(problem, tried=call, got=_brief(got[bad[0]]), expected=_brief(expected[bad[0]]),
                    hint="roll row b right by L - length_b: torch.roll(x[b], int(L - lengths[b]), dims=-1)")


# ----------------------------------------------------------------------------------------------
# 09 hybrids


def _rnn_steps(pool: int, length: int) -> int:
    """Trusted: the number of steps the LSTM of cnn_lstm(pool=...) reads, measured on a zero input."""
    model = models.build("cnn_lstm", pool=pool)
    with torch.no_grad():
        h, _ = model.features(torch.zeros(1, 4, length), torch.tensor([length]))
    return h.shape[-1]


@_never_raises
def check_rnn_steps(answer, length: int = 1000) -> bool:
    """Exercise 09.1: ``answer = {2: steps, 8: steps}``, the steps the LSTM of ``cnn_lstm`` reads for a
    ``length``-base input with pooling factor 2 and 8 (measured by the check on the built models)."""
    fb = _Feedback("09.1 change the pooling factor")
    if answer is None:
        return fb.unanswered("set answer = {2: steps with pool 2, 8: steps with pool 8}")
    if not isinstance(answer, Mapping) or not {2, 8} <= set(answer):
        return fb.wrong("answer must be a dict with the keys 2 and 8.", got=_brief(answer))
    for pool in sorted(answer):
        got, want = answer[pool], _rnn_steps(pool, length)
        if not _is_number(got) or got != want:
            if _is_number(got) and np.isclose(got, length / pool**2):
                problem = "each pooling rounds *up* (ceil_mode): a last, shorter window still counts."
            elif _is_number(got) and got in (length // pool, -(-length // pool)):
                problem = "that is after one pooling; the hybrid has two convolution blocks, each pools."
            else:
                problem = "the number of steps differs."
            return fb.wrong(problem, tried=f"pool={pool}, {length} bases", got=got, expected=want,
                            hint="steps = ceil(ceil(L / p) / p)")
    summary = ", ".join(f"pool {p}: {_rnn_steps(p, length)}" for p in sorted(answer))
    return fb.correct(f"{summary} steps for {length:,} bases: the sequential work falls like 1/p^2.")


@_never_raises
def check_rnn_then_cnn(model_class) -> bool:
    """Exercise 09.2: the class ``RNNThenCNN``: ``(B, 4, L)`` -> ``(B, 7)`` with the LSTM reading every base
    first, gradients reaching both the LSTM and the convolutions."""
    fb = _Feedback("09.2 RNN first, CNN second")
    if model_class is None:
        return fb.unanswered("complete RNNThenCNN")
    ok, model = _call(model_class)
    if not ok:
        return fb.raised(model, f"{getattr(model_class, '__name__', 'the class')}()")
    if not isinstance(model, nn.Module):
        return fb.wrong("pass the class itself; calling it must build an nn.Module.", got=_brief(model))
    seqs, length = ["ATGGCCTTACGATTACA", "GATTACA", "CCGGATTTACGA"], 40
    x = torch.from_numpy(encoding.one_hot(seqs, length=length))
    seen = []
    rnns = [m for m in model.modules() if isinstance(m, nn.RNNBase)]
    hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(tuple(inp[0].shape))) for m in rnns]
    torch.manual_seed(9)
    model.train()
    call = f"RNNThenCNN()(x) with x of shape {tuple(x.shape)}"
    ok, out = _call(model, x)
    for hook in hooks:
        hook.remove()
    if not ok and isinstance(out, NotImplementedError):
        return fb.unanswered("complete the forward method of RNNThenCNN")
    if not ok:
        hints = {"input.size(-1)": "nn.LSTM(batch_first=True) wants (B, L, 4): x.transpose(1, 2)",
                 "expected input": "the convolutions want (B, H, L): transpose the LSTM output back"}
        hint = next((h for key, h in hints.items() if key in str(out)), None)
        return fb.raised(out, call, hint=hint)
    if not isinstance(out, torch.Tensor) or out.shape != (len(seqs), 7):
        return fb.wrong("the output must be (B, 7) class scores.", tried=call,
                        got=_brief(tuple(out.shape) if isinstance(out, torch.Tensor) else out),
                        expected=(len(seqs), 7), hint="end with self.head(masked_mean_max(...))")
    if not rnns or not seen:
        return fb.wrong("no recurrent layer ran in forward.", tried=call, hint="call self.rnn first")
    if seen[0] != (len(seqs), length, 4):
        return fb.wrong("the LSTM must read one step per base.", tried=call, got=f"LSTM input {seen[0]}",
                        expected=f"{(len(seqs), length, 4)} = (B, L, 4)")
    if not torch.isfinite(out).all():
        return fb.wrong("the scores contain NaN or inf.", tried=call, hint="lengths must be >= 1 for the mean")
    out.sum().backward()
    learning = {part: any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())
                for part, module in model.named_children() if part in ("rnn", "features")}
    dead = [part for part, ok in learning.items() if not ok]
    if dead:
        return fb.wrong(f"no gradient reaches self.{dead[0]}, so it would never learn.", tried=call,
                        hint="feed the LSTM's output (not x) to the convolutions, and their output to the head")
    return fb.correct(f"(B, 4, {length}) -> {tuple(out.shape)}, the LSTM reads one step per base, and the "
                      "gradients reach both the LSTM and the convolutions.")


# ----------------------------------------------------------------------------------------------
# 10 model comparison


@_never_raises
def check_threshold_sweep(threshold_sweep) -> bool:
    """Exercise 10.3: ``threshold_sweep(y, prob, thresholds)`` -> DataFrame, one row per threshold (in
    order) with the columns of ``dc.metrics.thresholded_metrics`` (precision, recall, f1, coverage)."""
    fb = _Feedback("10.3 a threshold sweep")
    if not _ready(fb, threshold_sweep, "threshold_sweep", "write threshold_sweep(y, prob, thresholds)"):
        return False
    rng = np.random.default_rng(10)
    logits = rng.normal(scale=2.0, size=(60, 4))
    prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 4, size=60)
    thresholds = [0.2, 0.5, 0.8, 0.999]
    call = f"threshold_sweep(y, prob, {thresholds}) on 60 random rows of 4 classes"
    ok, got = _call(threshold_sweep, y.copy(), prob.copy(), list(thresholds))
    if not ok:
        return fb.raised(got, call)
    if got is None:
        return fb.unanswered("your function threshold_sweep still returns None: write its body")
    if not isinstance(got, pd.DataFrame):
        return fb.wrong("the result must be a pandas DataFrame.", tried=call, got=type(got).__name__,
                        hint="collect one dict per threshold, then pd.DataFrame(rows)")
    expected = pd.DataFrame([metrics.thresholded_metrics(y, prob, threshold=t) for t in thresholds])
    missing = [c for c in expected.columns if c not in got.columns]
    if missing:
        return fb.wrong(f"columns missing: {missing}.", tried=call, got=list(got.columns),
                        hint="unpack the dict: {'threshold': t, **dc.metrics.thresholded_metrics(...)}")
    if len(got) != len(thresholds):
        return fb.wrong(f"{len(got)} rows for {len(thresholds)} thresholds.", tried=call,
                        hint="one row per threshold")
    values = got[expected.columns].to_numpy(dtype=float)
    if np.allclose(values, expected.to_numpy(), atol=1e-9):
        return fb.correct("every row equals dc.metrics.thresholded_metrics at its threshold, including a "
                          "threshold that no probability passes.")
    default = metrics.thresholded_metrics(y, prob)
    if np.allclose(values, np.tile([default[c] for c in expected.columns], (len(thresholds), 1))):
        return fb.wrong("every row is the same: the threshold was not passed on.", tried=call,
                        hint="thresholded_metrics(y, prob, threshold=t)")
    row = int(np.flatnonzero(~np.isclose(values, expected.to_numpy(), atol=1e-9).all(axis=1))[0])
    return fb.wrong(f"the row for threshold {thresholds[row]} differs.", tried=call,
                    got=got.iloc[row][list(expected.columns)].to_dict(),
                    expected=expected.iloc[row].to_dict())


# ----------------------------------------------------------------------------------------------
# the student edition

SOLUTION_TAG = "solution"  # cell metadata tag of instructor-only cells
SOLUTION_MARKER = "# SOLUTION"  # ... or the first line of their source


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_solution_cell(cell: dict) -> bool:
    """True for an instructor-only cell: tagged ``solution`` or starting with ``# SOLUTION``.

    >>> is_solution_cell({"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "x = 1"})
    True
    >>> is_solution_cell({"cell_type": "code", "metadata": {}, "source": "# Exercise 1: your code here"})
    False
    """
    tags = cell.get("metadata", {}).get("tags", [])
    return SOLUTION_TAG in tags or _source(cell).lstrip().startswith(SOLUTION_MARKER)


def student_notebook(nb: dict) -> tuple[dict, int]:
    """A student copy of a notebook (its JSON as a dict): ``(copy, number of cells removed)``.

    Solution cells are dropped; code cells lose their outputs and execution counts; the volatile
    ``execution`` metadata goes too. The input is not modified.

    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "1",
    ...                  "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4,
    ...       "nbformat_minor": 5}
    >>> student_notebook(nb)[1]
    1
    """
    out = copy.deepcopy(nb)
    kept = [cell for cell in out.get("cells", []) if not is_solution_cell(cell)]
    for cell in kept:
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    removed = len(out.get("cells", [])) - len(kept)
    out["cells"] = kept
    return out, removed


def student_edition(out: str | Path = "build/student", notebooks: str | Path = "notebooks",
                    verbose: bool = True) -> list[Path]:
    """Write the student edition of every ``NN_*.ipynb`` in ``notebooks`` into the folder ``out``.

    Returns the written paths. ``out`` should be git-ignored (``build/`` is); it is created if needed
    and existing copies are overwritten. ``make student`` calls this.

    >>> paths = student_edition("build/student")                   # doctest: +SKIP
    wrote 19 student notebooks to build/student (0 solution cells removed)
    """
    src, out = Path(notebooks), Path(out)
    paths = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks named NN_*.ipynb in {src}")
    if out.resolve() == src.resolve():
        raise ValueError(f"out must differ from the notebooks folder {src}: the copies would replace them")
    out.mkdir(parents=True, exist_ok=True)
    written, removed = [], 0
    for path in paths:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not a valid notebook (JSON error: {err})") from err
        copy_nb, n = student_notebook(nb)
        removed += n
        target = out / path.name
        target.write_text(json.dumps(copy_nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    if verbose:
        print(f"wrote {len(written)} student notebooks to {out} ({removed} solution cells removed)")
    return written


# ----------------------------------------------------------------------------------------------
# 15-18 LegNet variants (embedding, transformer, LSTM, summary)

__all__ += ["check_linear_embedding"]


@_never_raises
def check_linear_embedding(LinearEmbedding) -> bool:  # noqa: N803 - the answer is a class
    """Exercise 15.2: ``LinearEmbedding(in_channels, dim)``, an ``nn.Module`` that is only a 1x1 convolution.

    ``(B, in_channels, L) -> (B, dim, L)``: the same linear map ``W x`` (``W`` of shape
    ``(dim, in_channels)``, no bias, no BatchNorm, no activation) at every position. The check builds
    ``LinearEmbedding(6, 70)`` and ``LinearEmbedding(6, 8)`` and tests zero input, additivity, that a
    position's output reads only that position, and the parameter count.

    >>> check_linear_embedding(None)
    Exercise 15.2 (a linear embedding): not answered yet. Write the class LinearEmbedding(nn.Module), then run this cell again.
    False
    """
    fb = _Feedback("15.2 a linear embedding")
    if not _ready(fb, LinearEmbedding, "LinearEmbedding", "write the class LinearEmbedding(nn.Module)"):
        return False
    gen = torch.Generator().manual_seed(0)
    for in_channels, dim in ((6, 70), (6, 8)):
        call = f"LinearEmbedding({in_channels}, {dim})"
        torch.manual_seed(0)
        ok, module = _call(LinearEmbedding, in_channels, dim)
        if not ok:
            return fb.raised(module, call)
        if module is None:
            return fb.unanswered("LinearEmbedding(...) gave None: write the class")
        if not isinstance(module, nn.Module):
            return fb.wrong(f"{call} must be an nn.Module, got {type(module).__name__}.",
                            hint="class LinearEmbedding(nn.Module): ... with __init__ and forward")
        module.eval()
        x = torch.randn(3, in_channels, 40, generator=gen)
        y = torch.randn(3, in_channels, 40, generator=gen)
        with torch.no_grad():
            ok, out = _call(module, x)
            if not ok:
                return fb.raised(out, f"{call}(x) with x of shape {tuple(x.shape)}")
            if out is None:
                return fb.unanswered("forward still returns None: write it")
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, dim, 40):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape (3, {in_channels}, 40)",
                                got=shape, expected=(3, dim, 40),
                                hint="nn.Conv1d(in_channels, dim, kernel_size=1) keeps the length")
            zero = module(torch.zeros_like(x))
            if zero.abs().max() > 1e-6:
                return fb.wrong("an all-zero input gives a nonzero output: the convolution has a bias.",
                                tried=f"{call} on zeros", got=_brief(zero[0, :4, :4]),
                                hint="nn.Conv1d(..., bias=False); a bias would only add a constant the stem's "
                                     "BatchNorm removes anyway")
            norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
            if norms:
                return fb.wrong(f"the module contains a BatchNorm ({type(norms[0]).__name__}); the exercise asks "
                                "for the 1x1 convolution alone.", hint="drop the BatchNorm and the SiLU")
            sum_of = module(x) + module(y)
            of_sum = module(x + y)
            if not torch.allclose(sum_of, of_sum, atol=1e-4) or not torch.allclose(module(2 * x), 2 * out, atol=1e-4):
                return fb.wrong("f(x + y) differs from f(x) + f(y): the module is nonlinear (an activation such "
                                "as SiLU or ReLU?).", tried=call,
                                got=f"largest difference {float((sum_of - of_sum).abs().max()):.4g}",
                                hint="only the convolution: return self.conv(x)")
            poked = x.clone()
            poked[:, :, 20] += 1.0
            changed = (module(poked) - out).abs().amax(dim=(0, 1)) > 1e-6
            others = [int(j) for j in torch.nonzero(changed).flatten() if j != 20]
            if others:
                return fb.wrong("changing the input at one position changes the output at other positions too: "
                                "the kernel is wider than one position.", tried=f"{call}, input changed at position 20",
                                got=f"output changed at positions {others[:6]}", expected="only position 20",
                                hint="kernel_size=1: each position's embedding reads only its own 6 numbers")
            weight = module(torch.eye(in_channels).unsqueeze(-1))[:, :, 0].T  # (dim, in)
            if not torch.allclose(out, torch.einsum("dc,bcl->bdl", weight, x), atol=1e-4):
                return fb.wrong("the output is not the same linear map W x at every position.", tried=call,
                                hint="one nn.Conv1d(in_channels, dim, 1, bias=False) applied to x")
            n_params = sum(p.numel() for p in module.parameters())
            if n_params != in_channels * dim:
                return fb.wrong(f"{call} has {n_params} parameters; a bias-free 1x1 convolution has exactly "
                                "in_channels x dim.", got=n_params, expected=in_channels * dim,
                                hint="no extra layers or unused parameters")
    return fb.correct("every position's 6 numbers go through the same matrix W (dim x 6), with nothing after "
                      "it; so the stem can absorb W, as the merged kernel above shows.")


# ==============================================================================================
# notebooks 11-14 (interpretability, promoter data, LegNet); appended as one section

__all__ += [
    # 11 interpretability
    "check_gradient_x_input",
    # 12 promoter data
    "check_expected_bins",
    "check_n_pad",
]


# ----------------------------------------------------------------------------------------------
# 11 interpretability


class _TinyScorer(nn.Module):
    """A small fixed CNN, (B, 4, L) -> (B, 3) class scores, for checking attribution code."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 5, 5, padding=2)
        self.drop = nn.Dropout(0.5)  # makes a forgotten model.eval() visible
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        h = self.drop(torch.relu(self.conv(x)))
        return self.head(h.amax(dim=-1))


@_never_raises
def check_gradient_x_input(gradient_x_input) -> bool:
    """Exercise 11.4: ``gradient_x_input(model, x, target)`` -> ``(N, 4, L)`` attributions: the input
    ``x`` (float one-hot, ``(N, 4, L)``) times the gradient of output ``target[n]`` of row ``n`` with
    respect to ``x``, the model in eval mode. Compared with ``dc.interpret.saliency``."""
    from . import interpret

    fb = _Feedback("11.4 gradient x input")
    if not _ready(fb, gradient_x_input, "gradient_x_input", "write gradient_x_input(model, x, target)"):
        return False
    torch.manual_seed(11)
    model = _TinyScorer().train()  # left in training mode on purpose, as after a training loop
    codes = encoding.encode_index(["ACGTTGCAAGTCCGATAGGC", "TTTACGGATCCAGTAACGTA", "GGGCCCATATGCGCAATTCG"])
    x = encoding.index_to_one_hot(torch.as_tensor(codes)).float()
    target = torch.tensor([2, 0, 1])
    call = "gradient_x_input(model, x, target) on 3 one-hot rows of 20 bp, target [2, 0, 1]"
    ok, got = _call(gradient_x_input, model, x.clone(), target.clone())
    model.eval()
    if not ok:
        return fb.raised(got, call, hint="torch.autograd.grad(scores.sum(), x) needs x.requires_grad_(True)")
    if got is None:
        return fb.unanswered("your function gradient_x_input still returns None: write its body")
    arr = _as_array(got)
    if arr is None or arr.shape != tuple(x.shape):
        return fb.wrong(f"the result must be an array of shape {tuple(x.shape)}, like x.", tried=call,
                        got=_brief(got) if arr is None else f"shape {arr.shape}")
    arr = arr.astype(np.float64)
    expected = interpret.saliency(model, x, target=target).astype(np.float64)

    def close(a):
        return np.allclose(arr, a, rtol=1e-4, atol=1e-6)

    if close(expected):
        return fb.correct("your attributions equal dc.interpret.saliency(model, x, target) on every row: "
                          "only the base present at each position gets a value.")
    plain = interpret.saliency(model, x, target=target, method="gradient").astype(np.float64)
    if close(plain):
        return fb.wrong("this is the plain gradient: the three absent bases of every column got a value.",
                        tried=call, hint="multiply the gradient by x")
    if close(np.abs(expected)):
        return fb.wrong("the values are all >= 0: the sign (up or down for the class) was lost.",
                        tried=call, hint="do not take the absolute value")
    xt = x.clone().requires_grad_(True)
    (all_grad,) = torch.autograd.grad(model(xt).sum(), xt)
    if close((all_grad * x).numpy()):
        return fb.wrong("this explains the sum of all class scores, not the target class of each row.",
                        tried=call, hint="scores = model(x)[torch.arange(len(x)), target]")
    pred = model(x).argmax(dim=1)
    if not torch.equal(pred, target) and close(interpret.saliency(model, x, target=pred).astype(np.float64)):
        return fb.wrong("this explains each row's predicted class, not the class given by target.",
                        tried=call, hint="select the scores with target")
    return fb.wrong("the attributions differ from x * d score_target / d x.", tried=call,
                    got=_brief(arr[0]), expected=_brief(expected[0]),
                    hint="model.eval(); x.requires_grad_(True); pick model(x)[arange(N), target]; "
                         "autograd.grad of their sum; multiply by x")


# ----------------------------------------------------------------------------------------------
# 12 promoter data

_EXPECTED_BIN_LABELS = (0.0, 0.5, 8.0, 16.5, 17.0)


@_never_raises
def check_expected_bins(answer, sd: float = 0.5) -> bool:
    """Exercise 12.1: ``answer = {y: expected bin of soft_labels(y, sd=0.5)}`` for y = 0, 0.5, 8, 16.5
    and 17, the expected bin being ``sum_i i * P(bin i)`` with bins numbered 0..17."""
    fb = _Feedback("12.1 the expected bin")
    if answer is None:
        return fb.unanswered("set answer = {y: expected bin} for y = 0, 0.5, 8, 16.5 and 17")
    labels = list(_EXPECTED_BIN_LABELS)
    if not isinstance(answer, Mapping):
        return fb.wrong("answer must be a dict {y: expected bin}.", got=_brief(answer),
                        hint="answer = {y: float(...) for y in (0, 0.5, 8, 16.5, 17)}")
    missing = [y for y in labels if not any(_is_number(k) and float(k) == y for k in answer)]
    if missing:
        return fb.wrong(f"labels missing from the keys: {missing}.", got=sorted(answer, key=str),
                        hint="the keys are the labels y themselves")
    got = {}
    for k, v in answer.items():
        if _is_number(k) and float(k) in labels:
            value = v.item() if isinstance(v, (torch.Tensor, np.ndarray)) and np.size(v) == 1 else v
            if not _is_number(value):
                return fb.wrong(f"the value for y = {k} must be one number.", got=_brief(v))
            got[float(k)] = float(value)
    p = encoding.soft_labels(labels, sd=sd).double()
    bins = torch.arange(p.shape[1], dtype=torch.float64)
    expected = dict(zip(labels, (p * bins).sum(dim=1).tolist(), strict=True))
    g = np.array([got[y] for y in labels])
    e = np.array([expected[y] for y in labels])
    if np.allclose(g, e, atol=1e-3):
        return fb.correct("these are the expected bins of dc.encoding.soft_labels with sd = 0.5, bins "
                          "numbered 0 to 17.")
    if np.allclose(g, labels, atol=1e-3):
        return fb.wrong("these are the labels y themselves, not the expected bins of their soft labels.",
                        got=got, hint="sum(i * P(bin i)) over the 18 bins of soft_labels(y)")
    if np.allclose(g, e + 1, atol=1e-3):
        return fb.wrong("every value is 1 too high: the bins are numbered from 1 instead of from 0.",
                        got=got, hint="torch.arange(18), not torch.arange(1, 19)")
    if np.allclose(g, p.argmax(dim=1).numpy(), atol=1e-3):
        return fb.wrong("these are the most likely bins (argmax), not the expected bins.", got=got,
                        hint="weight every bin number by its probability and add up")
    other = {s: (encoding.soft_labels(labels, sd=s).double() * bins).sum(dim=1).numpy() for s in (0.25, 1.0)}
    for s, values in other.items():
        if np.allclose(g, values, atol=1e-3):
            return fb.wrong(f"these are the expected bins for sd = {s}, not 0.5.", got=got)
    bad = [y for y in labels if abs(got[y] - expected[y]) > 1e-3]
    return fb.wrong(f"the expected bin is off for y = {bad}.", got={y: got[y] for y in bad},
                    expected={y: round(expected[y], 4) for y in bad},
                    hint="p = dc.encoding.soft_labels([y], sd=0.5)[0]; (p * torch.arange(18)).sum()")


@_never_raises
def check_n_pad(n_pad) -> bool:
    """Exercise 12.2: ``n_pad(read, length=150)`` -> the read with ``N`` in front, exactly ``length`` nt
    (a longer read loses bases on its 5' side). Compared with ``dc.encoding.pad_or_truncate`` on the
    reversed read."""
    fb = _Feedback("12.2 padding with N")
    if not _ready(fb, n_pad, "n_pad", "write n_pad(read, length=150)"):
        return False
    rng = np.random.default_rng(12)
    cases = [("".join(rng.choice(list("ACGT"), n)), length)
             for n, length in [(110, 150), (104, 150), (150, 150), (7, 12), (15, 12)]]
    for read, length in cases:
        call = f"n_pad({read[:8] + '...' if len(read) > 12 else read!r}, length={length})  # {len(read)} nt"
        if len(read) <= 12:
            call = f"n_pad({read!r}, length={length})"
        ok, got = _call(n_pad, read, length)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            return fb.unanswered("your function n_pad still returns None: write its body")
        expected = encoding.pad_or_truncate(read[::-1], length)[::-1]
        if not isinstance(got, str):
            return fb.wrong("n_pad must return a string.", tried=call, got=_brief(got))
        if got == expected:
            continue
        if got == encoding.pad_or_truncate(read, length):
            return fb.wrong("the Ns went on the 3' end (after the read); LegNet's padding goes in front, on "
                            "the 5' side.", tried=call, got=got[-20:], hint='"N" * (length - len(read)) + read')
        if len(got) != length:
            return fb.wrong(f"the result has {len(got)} nt, not length = {length}.", tried=call,
                            hint="a read longer than length must lose bases on its 5' side: read[-length:]")
        if len(read) > length and got == read[:length]:
            return fb.wrong("a long read lost bases at its 3' end; cut on the 5' side instead, the end next "
                            "to the padding.", tried=call, got=got, expected=expected)
        return fb.wrong("the padded read differs.", tried=call, got=got, expected=expected)
    return fb.correct("short reads get Ns in front, reads of exactly 150 nt are unchanged and longer ones "
                      "lose bases on the 5' side.")


# ----------------------------------------------------------------------------------------------
# 16-18 LegNet variants, continued (16 transformer, 17 LSTM, 18 summary)

__all__ += ["check_no_position_neck"]


@_never_raises
def check_no_position_neck(NoPositionNeck, channels: int = 64, length: int = 30) -> bool:  # noqa: N803
    """Exercise 16.2: ``class NoPositionNeck(dc.models.TransformerNeck)`` whose ``forward`` adds no position codes.

    ``NoPositionNeck(channels)`` maps ``(B, C, L) -> (B, C, L)`` like ``TransformerNeck`` but feeds the
    ``(B, L, C)`` features to its own ``self.encoder`` without ``sinusoidal_positions``. The check compares
    it, in eval mode, with that encoder applied directly, and names what differs: position codes still
    added, the encoder skipped, attention over the batch, a shuffled-position test that fails.

    >>> check_no_position_neck(None)
    Exercise 16.2 (without position codes): not answered yet. Write the class NoPositionNeck(dc.models.TransformerNeck), then run this cell again.
    False
    """
    fb = _Feedback("16.2 without position codes")
    if not _ready(fb, NoPositionNeck, "NoPositionNeck", "write the class NoPositionNeck(dc.models.TransformerNeck)"):
        return False
    call = f"NoPositionNeck({channels})"
    torch.manual_seed(0)
    ok, neck = _call(NoPositionNeck, channels)
    if not ok:
        return fb.raised(neck, call)
    if neck is None:
        return fb.unanswered("NoPositionNeck(...) gave None: write the class")
    if not isinstance(neck, models.TransformerNeck):
        return fb.wrong(f"{call} must be a subclass of dc.models.TransformerNeck, got {type(neck).__name__}.",
                        hint="class NoPositionNeck(dc.models.TransformerNeck): and override only forward")
    neck.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, channels, length, generator=gen)
    with torch.no_grad():
        ok, out = _call(neck, x)
        if not ok:
            return fb.raised(out, f"{call}(x) with x of shape {tuple(x.shape)}")
        if out is None:
            return fb.unanswered("forward still returns None: write it")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(x.shape):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape {tuple(x.shape)}",
                            got=shape, expected=tuple(x.shape),
                            hint="transpose to (B, L, C) for the encoder and back to (B, C, L) at the end")
        expected = neck.encoder(x.transpose(1, 2)).transpose(1, 2)
        if torch.allclose(out, expected, atol=1e-5):
            return fb.correct("the encoder sees the features without position codes, so shuffling the positions "
                              "only shuffles its outputs.")
        if torch.allclose(out, models.TransformerNeck.forward(neck, x), atol=1e-5):
            return fb.wrong("this is still TransformerNeck's forward: it adds the position codes.", tried=call,
                            hint="leave out the line with sinusoidal_positions")
        if torch.allclose(out, x, atol=1e-6):
            return fb.wrong("the output equals the input: the encoder is never applied.", tried=call,
                            hint="h = self.encoder(x.transpose(1, 2))")
        other = x.clone()
        other[0] = torch.randn(channels, length, generator=gen)
        moved = (neck(other)[1:] - out[1:]).abs().max()
        if moved > 1e-5:
            return fb.wrong("changing sequence 0 of the batch changes the outputs of sequences 1 and 2: attention "
                            "runs over the batch, not over the positions.", tried=f"{call}, batch of 3",
                            got=f"outputs of the unchanged sequences moved by up to {float(moved):.3g}",
                            hint="the encoder is batch_first=True: give it x.transpose(1, 2), shape (B, L, C)")
        perm = torch.randperm(length, generator=gen)
        if not torch.allclose(neck(x[:, :, perm]), out[:, :, perm], atol=1e-5):
            return fb.wrong("shuffling the positions does not just shuffle the outputs: the neck still uses the "
                            "order of the positions.", tried=f"{call} on x and on x[:, :, perm]",
                            hint="without position codes, attention treats the positions as a set")
        return fb.wrong("the output differs from the encoder applied to the features.", tried=call,
                        got=_brief(out[0, :3, :4]), expected=_brief(expected[0, :3, :4]),
                        hint="return self.encoder(x.transpose(1, 2)).transpose(1, 2)")


__all__ += ["check_reversed_neck"]


@_never_raises
def check_reversed_neck(ReversedNeck) -> bool:  # noqa: N803 - the answer is a class
    """Exercise 17.3: ``ReversedNeck(neck)``, an ``nn.Module`` that runs ``neck`` on the positions in reverse.

    ``forward(x)`` with ``x`` of shape ``(B, C, L)`` returns ``flip(neck(flip(x)))``, flipping the position
    axis (``dims=[2]``) before and after, so the output is again in 5'->3' order. The check wraps a small
    forward-only ``dc.models.LSTMNeck`` and compares with that formula.

    >>> check_reversed_neck(None)
    Exercise 17.3 (an LSTM in reverse): not answered yet. Write the class ReversedNeck(nn.Module), then run this cell again.
    False
    """
    fb = _Feedback("17.3 an LSTM in reverse")
    if not _ready(fb, ReversedNeck, "ReversedNeck", "write the class ReversedNeck(nn.Module)"):
        return False
    torch.manual_seed(0)
    neck = models.LSTMNeck(8, hidden_size=6, bidirectional=False, dropout=0.0).eval()
    call = "ReversedNeck(dc.models.LSTMNeck(8, hidden_size=6, bidirectional=False))"
    ok, wrapped = _call(ReversedNeck, neck)
    if not ok:
        return fb.raised(wrapped, call)
    if wrapped is None:
        return fb.unanswered("ReversedNeck(...) gave None: write the class")
    if not isinstance(wrapped, nn.Module):
        return fb.wrong(f"ReversedNeck(neck) must be an nn.Module, got {type(wrapped).__name__}.",
                        hint="class ReversedNeck(nn.Module): keep the neck as self.neck in __init__")
    wrapped.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 8, 12, generator=gen)
    with torch.no_grad():
        ok, out = _call(wrapped, x)
        if not ok:
            return fb.raised(out, f"wrapped(x) with x of shape {tuple(x.shape)}")
        if out is None:
            return fb.unanswered("forward still returns None: write it")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 6, 12):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape (3, 8, 12)",
                            got=shape, expected=(3, 6, 12), hint="return the neck's output, flipped: (B, H, L)")
        expected = torch.flip(neck(torch.flip(x, dims=[2])), dims=[2])
        if torch.allclose(out, expected, atol=1e-5):
            return fb.correct("the LSTM reads 3' -> 5', and the flip back puts its outputs at their own positions, "
                              "so position t now sees positions >= t.")
        plain = neck(x)
        mistakes = [
            (plain, "the output equals the plain neck's: the positions are never reversed.",
             "flip x along the positions before the neck: torch.flip(x, dims=[2])"),
            (neck(torch.flip(x, dims=[2])), "the input is flipped but the output is not flipped back: output "
             "position t belongs to input position L-1-t.", "flip the neck's output along dims=[2] too"),
            (torch.flip(plain, dims=[2]), "only the output is flipped: the LSTM still reads 5' -> 3'.",
             "flip the input before the neck as well"),
            (torch.flip(neck(torch.flip(x, dims=[1])), dims=[1]), "the flips act on the channel axis (dims=[1]), "
             "not on the positions.", "the position axis of (B, C, L) is dims=[2]"),
        ]
        for variant, problem, hint in mistakes:
            if variant.shape == out.shape and torch.allclose(out, variant, atol=1e-5):
                return fb.wrong(problem, tried=call, hint=hint)
        return fb.wrong("the output differs from flip(neck(flip(x))) along the positions.", tried=call,
                        got=_brief(out[0, :2, :5]), expected=_brief(expected[0, :2, :5]),
                        hint="torch.flip(self.neck(torch.flip(x, dims=[2])), dims=[2])")


__all__ += ["check_seeds_needed"]


def _seeds_needed(s: float, gain: float, sds: float = 2.0, factor: float = 2.0) -> int:
    """Smallest n with gain > sds * s * sqrt(factor / n), by counting up (the check's trusted answer)."""
    n = 1
    while not gain > sds * s * np.sqrt(factor / n):
        n += 1
    return n


@_never_raises
def check_seeds_needed(seeds_needed) -> bool:
    """Exercise 18.2: ``seeds_needed(s, gain=0.01)``, the fewest seeds ``n`` with ``gain > 2 s sqrt(2 / n)``.

    ``s`` is the pooled seed standard deviation of validation r; ``s sqrt(2/n)`` is the standard error of
    the difference of two means over ``n`` seeds each. Must return a whole number. The check tries
    several ``s`` and ``gain`` (none on the boundary) and counts up ``n`` itself.

    >>> check_seeds_needed(None)
    Exercise 18.2 (how many seeds): not answered yet. Write seeds_needed(s, gain=0.01), then run this cell again.
    False
    """
    fb = _Feedback("18.2 how many seeds")
    if not _ready(fb, seeds_needed, "seeds_needed", "write seeds_needed(s, gain=0.01)"):
        return False
    for s, gain in ((0.0073, 0.01), (0.012, 0.01), (0.004, 0.01), (0.011, 0.02), (0.027, 0.01)):
        call = f"seeds_needed({s}, gain={gain})"
        ok, got = _call(seeds_needed, s, gain)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            return fb.unanswered("your seeds_needed still returns None: write its body")
        expected = _seeds_needed(s, gain)
        if not _is_number(got):
            return fb.wrong("seeds_needed must return a number of seeds.", tried=call, got=_brief(got),
                            expected=expected)
        if got == expected:
            continue
        exact = 8 * s**2 / gain**2
        mistakes = [
            (_seeds_needed(s, gain, factor=1.0), "that is the count for a standard error of s / sqrt(n), one mean; "
             "the difference of two means has s * sqrt(2/n)."),
            (_seeds_needed(s, gain, sds=1.0), "that count clears one standard error; the question asks for two "
             "standard errors."),
            (exact, "that is the exact solution of gain = 2 s sqrt(2/n), not a whole number of seeds."),
            (int(np.floor(exact)), "that is 8 s^2 / gain^2 rounded down: with that many seeds two standard errors "
             "are still larger than the gain."),
        ]
        why = next((text for value, text in mistakes if got == value), "")
        return fb.wrong(f"the number of seeds is off{': ' + why if why else '.'}", tried=call, got=got,
                        expected=expected,
                        hint="solve gain > 2 * s * sqrt(2 / n) for n and round up to a whole seed")
    return fb.correct("two standard errors of the difference, 2 s sqrt(2/n), fall below the gain from that n on, "
                      "and they shrink only as 1/sqrt(n).")


# ----------------------------------------------------------------------------------------------
# 13 LegNet

__all__ += ["check_se_parameters"]


@_never_raises
def check_se_parameters(answer, widths: Mapping | None = None) -> bool:
    """Exercise 13.1: ``answer = {"legnet": parameters, "plain": parameters}`` of
    ``dc.models.build("legnet", se=..., **widths)`` for both squeeze-excite kinds (``widths``: the
    notebook's ``WIDTHS``; default ``{}``, the DREAM widths)."""
    fb = _Feedback("13.1 the cost of the bilinear term")
    if answer is None:
        return fb.unanswered('set answer = {"legnet": parameters, "plain": parameters}')
    widths = dict(widths or {})
    if _is_int(answer):
        return fb.wrong("answer must be a dict with both counts, not one number.", got=answer,
                        hint='answer = {"legnet": ..., "plain": ...}')
    if not isinstance(answer, Mapping) or set(answer) != {"legnet", "plain"}:
        return fb.wrong('answer must be a dict with the keys "legnet" and "plain".', got=_brief(answer))
    if not all(_is_int(v) for v in answer.values()):
        return fb.wrong("both counts must be whole numbers.", got=_brief(dict(answer)),
                        hint="dc.models.count_parameters(model)")
    expected = {se: models.count_parameters(models.build("legnet", se=se, **widths)) for se in ("legnet", "plain")}
    got = {k: int(v) for k, v in answer.items()}
    if got == expected:
        return fb.correct(f"the bilinear term costs {expected['legnet'] - expected['plain']:,} parameters "
                          f"({(expected['legnet'] - expected['plain']) / expected['legnet']:.1%} of LegNet) "
                          "at these widths.")
    if got == {"legnet": expected["plain"], "plain": expected["legnet"]}:
        return fb.wrong("the two counts are swapped: the bilinear (original) squeeze-excite is the larger.",
                        got=got)
    if widths:
        dream = {se: models.count_parameters(models.build("legnet", se=se)) for se in ("legnet", "plain")}
        if got == dream:
            return fb.wrong("these are the counts at the DREAM widths; this notebook builds its models with "
                            "WIDTHS.", got=got, hint='dc.models.build("legnet", se="plain", **WIDTHS)')
    bad = [k for k in ("legnet", "plain") if got[k] != expected[k]]
    return fb.wrong(f"the count for se={bad[0]!r} is off.", got=got[bad[0]], expected=expected[bad[0]],
                    hint=f'dc.models.count_parameters(dc.models.build("legnet", se={bad[0]!r}, **WIDTHS))')


# ----------------------------------------------------------------------------------------------
# 14 LegNet with dilation

__all__ += ["check_dilation_fields"]

_DILATION_CHOICES = ((1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1))


def _span(conv: nn.Conv1d) -> int:
    return conv.dilation[0] * (conv.kernel_size[0] - 1)


def _conv_path_field(dilations, only_dilated: bool = False, no_minus_one: bool = False) -> int:
    """Receptive field of the conv path of ``legnet_dilated(dilations=...)``, read off a built model."""
    model = models.build("legnet_dilated", alpha=0.2, dilations=tuple(dilations), stem_channels=8,
                         stage_channels=(8,) * len(dilations))
    extra = 1 if no_minus_one else 0

    def span(conv):
        return _span(conv) + extra * conv.dilation[0]

    total = 0 if only_dilated else span(model.stem.conv)
    for stage in model.stages:
        if not only_dilated:
            total += span(stage.inverted.grouped[0])
        total += max(span(stage.local.conv), span(stage.local.dilated))
    return 1 + total


@_never_raises
def check_dilation_fields(answer) -> bool:
    """Exercise 14.2: ``answer = {dilations: receptive field}`` for ``dilations`` (1, 1, 2, 2, 3, 4) and
    (8, 4, 2, 1, 1, 1): the field, in positions, of the convolutional path of
    ``dc.models.build("legnet_dilated", dilations=...)`` (stem, grouped and local convs; r += d (k - 1))."""
    fb = _Feedback("14.2 other rates")
    if answer is None:
        return fb.unanswered("set answer = {(1, 1, 2, 2, 3, 4): field, (8, 4, 2, 1, 1, 1): field}")
    if not isinstance(answer, Mapping):
        return fb.wrong("answer must be a dict {dilations tuple: receptive field}.", got=_brief(answer))
    try:
        got = {tuple(int(d) for d in k): v for k, v in answer.items()}
    except TypeError:
        return fb.wrong("the keys must be the dilation tuples.", got=list(answer),
                        hint="answer = {(1, 1, 2, 2, 3, 4): ..., (8, 4, 2, 1, 1, 1): ...}")
    missing = [d for d in _DILATION_CHOICES if d not in got]
    if missing:
        return fb.wrong(f"dilations missing from the keys: {missing}.", got=list(answer))
    if not all(_is_int(got[d]) for d in _DILATION_CHOICES):
        return fb.wrong("every receptive field must be a whole number of positions.",
                        got={d: got[d] for d in _DILATION_CHOICES})
    g = {d: int(got[d]) for d in _DILATION_CHOICES}
    expected = {d: _conv_path_field(d) for d in _DILATION_CHOICES}
    if g == expected:
        widest = max(expected, key=expected.get)
        return fb.correct(f"these are the fields read off the built models; {widest} is the wider one.")
    if g == {d: _conv_path_field(d, no_minus_one=True) for d in _DILATION_CHOICES}:
        return fb.wrong("each conv added d * k positions; it adds d * (k - 1).", got=g,
                        hint="a k-tap kernel with dilation d spans d (k - 1) + 1 positions")
    if g == {d: _conv_path_field(d, only_dilated=True) for d in _DILATION_CHOICES}:
        return fb.wrong("only the dilated convs were counted: the stem and the grouped convs of the inverted "
                        "blocks widen the field too.", got=g,
                        hint="r = 1 + sum over every conv on the path of d (k - 1)")
    bad = [d for d in _DILATION_CHOICES if g[d] != expected[d]]
    return fb.wrong(f"the field for dilations={bad[0]} is off.", got=g[bad[0]],
                    hint="use receptive_field(model) from above on "
                         f'dc.models.build("legnet_dilated", dilations={bad[0]})')
