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
    if my_one_hot is None:
        return fb.unanswered("write my_one_hot(seq)")
    if not callable(my_one_hot):
        return _not_a_function(fb, my_one_hot, "my_one_hot")
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
    if pad_5prime is None:
        return fb.unanswered("write pad_5prime(seq, length)")
    if not callable(pad_5prime):
        return _not_a_function(fb, pad_5prime, "pad_5prime")
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
    if my_delete is None:
        return fb.unanswered("write my_delete(x, i)")
    if not callable(my_delete):
        return _not_a_function(fb, my_delete, "my_delete")
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
    if reversed_rows is None:
        return fb.unanswered("write reversed_rows(before, after)")
    if not callable(reversed_rows):
        return _not_a_function(fb, reversed_rows, "reversed_rows")
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
    if count_kmers is None:
        return fb.unanswered("write count_kmers(seq, k)")
    if not callable(count_kmers):
        return _not_a_function(fb, count_kmers, "count_kmers")
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
    if conv_one_filter is None:
        return fb.unanswered("write conv_one_filter(x, w, b)")
    if not callable(conv_one_filter):
        return _not_a_function(fb, conv_one_filter, "conv_one_filter")
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
    if cell_update is None:
        return fb.unanswered("write cell_update(f, i, g, c_prev)")
    if not callable(cell_update):
        return _not_a_function(fb, cell_update, "cell_update")
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
    if formula is None:
        return fb.unanswered(f"write {name}(input_size, hidden_size)")
    if not callable(formula):
        return _not_a_function(fb, formula, name)
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
    if swapped_step is None:
        return fb.unanswered("write swapped_step(cell, x_t, h)")
    if not callable(swapped_step):
        return _not_a_function(fb, swapped_step, "swapped_step")
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
    if to_5prime is None:
        return fb.unanswered("write to_5prime(x)")
    if not callable(to_5prime):
        return _not_a_function(fb, to_5prime, "to_5prime")
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
    if threshold_sweep is None:
        return fb.unanswered("write threshold_sweep(y, prob, thresholds)")
    if not callable(threshold_sweep):
        return _not_a_function(fb, threshold_sweep, "threshold_sweep")
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
