"""Exercise checks of notebooks 00-04, the gene-family track's sequences: the tables, related rows,
encodings, augmentation and k-mer counts.

In a notebook, an exercise cell holds a stub and the next cell checks it::

    answer = None                                # the exercise cell: replace None by your answer
    dc.exercises.check_dog_table(answer);        # the check cell: prints feedback, returns True/False

Every check prints its verdict and returns True or False; it never raises (see ``feedback``).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

import numpy as np
import pandas as pd
import torch

from .. import augment, data, encoding, splits
from .feedback import (
    _as_array,
    _brief,
    _call,
    _Feedback,
    _is_int,
    _is_number,
    _never_raises,
    _ready,
)

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
]


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

    ``groups``: one group id per row, e.g. ``split.groups`` of ``dc.splits.grouped_split``. Any order of
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
    least one related row in the same table (``dc.splits.related_pairs(..., k=k, threshold=threshold)``).
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
    pairs = splits.related_pairs(table["sequence"], k=k, threshold=threshold)
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
