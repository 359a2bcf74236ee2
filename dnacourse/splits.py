"""Train/validation/test splits of the gene-family tables, and the related rows that make a split leak.

The gene-family tables are full of exact duplicates and fragments of one another: with a random split
a test gene often has a near-copy in training, and a model can score well by remembering it. Two tools:

* ``related_pairs(seqs)``: every pair of rows that share at least ``threshold`` of the shorter row's
  ``k``-mers (identical rows, substrings, near-duplicates);
* ``grouped_split(df)``: rows linked by such pairs form groups (connected components), and whole groups
  go to train, validation or test, so nothing related crosses the split. ``random_split`` is a
  random split in the paper's proportions (80/20, then 10 % of train for validation), for comparison;
  stratifying it by label is our choice (the paper gives only the proportions).

    import dnacourse as dc
    df = dc.data.load_gene_families("chimp")
    split = dc.splits.grouped_split(df)              # no near-duplicate crosses train/val/test
    train_df, val_df, test_df = split.frames(df)
    split.leaks                                      # related pairs across the parts: all 0
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ._checks import check_fraction

__all__ = ["related_pairs", "leaking_pairs", "Split", "random_split", "grouped_split"]


# --------------------------------------------------------------------------------------------------
# Related sequences: identical, substrings, near-duplicates (shared k-mers)
# --------------------------------------------------------------------------------------------------

_BASE_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _BASE_CODE[_b] = _BASE_CODE[_b + 32] = _i  # upper and lower case; anything else (N, ...) is 4


def _kmer_matrix(seqs: list[str], k: int) -> sparse.csr_matrix:
    """Binary (n_seqs, n_distinct_kmers) matrix: which k-mers (ACGT only, 2 bits per base) each holds."""
    if not 1 <= k <= 31:
        raise ValueError(f"k must be between 1 and 31 (2 bits per base in an int64), got {k}")
    joined = ("\0".join(seqs) + "\0").encode("ascii", errors="replace")   # \0 ends each sequence
    base = _BASE_CODE[np.frombuffer(joined, dtype=np.uint8)]
    n_windows = len(base) - k + 1
    if n_windows <= 0:
        return sparse.csr_matrix((len(seqs), 0), dtype=np.int32)
    bad_before = np.concatenate([[0], np.cumsum(base == 4)])
    valid = (bad_before[k:] - bad_before[:n_windows]) == 0               # no N and no sequence break
    codes = np.zeros(n_windows, dtype=np.int64)
    clean = np.where(base == 4, 0, base).astype(np.int64)
    for j in range(k):                                                    # rolling 2-bit code
        codes = (codes << 2) | clean[j: j + n_windows]
    row = np.repeat(np.arange(len(seqs)), [len(s) + 1 for s in seqs])[:n_windows]
    col, vocab = pd.factorize(codes[valid])                               # k-mer code -> column
    ones = np.ones(len(col), dtype=np.int32)
    matrix = sparse.csr_matrix((ones, (row[valid], col)), shape=(len(seqs), len(vocab)))
    matrix.data[:] = 1  # duplicates were summed: make it binary
    return matrix


def _sequence_list(seqs, what: str) -> list[str]:
    """``seqs`` as a list of str; a missing value (NaN, None) or a number raises, naming its position."""
    items = list(seqs)
    for i, s in enumerate(items):
        if not isinstance(s, str):
            raise TypeError(f"{what}[{i}] is {s!r} ({type(s).__name__}), not a sequence: drop or fill missing "
                            "sequences first, e.g. df.dropna(subset=['sequence'])")
    return items


@dataclass
class _Related:
    """Related sequences at the level of distinct sequences (identical rows share one id)."""

    codes: np.ndarray        # (rows,) id of each row's distinct sequence (case-insensitive)
    u: np.ndarray            # related pairs of distinct sequences, u != v (within one list: u < v)
    v: np.ndarray
    containment: np.ndarray
    n_unique: int


def _related(seqs: list[str], k: int, threshold: float, n_a: int | None = None) -> _Related:
    """Compare each distinct sequence once: ``n_a=None``: within ``seqs``; else ``seqs[:n_a]`` against
    ``seqs[n_a:]``. Identical rows are grouped first, so thousands of copies cost one row of k-mers."""
    codes, uniques = pd.factorize(pd.Series(seqs, dtype=object).str.upper())
    matrix = _kmer_matrix(list(uniques), k)
    sizes = np.asarray(matrix.getnnz(axis=1))
    if n_a is None:
        common = matrix[:, np.asarray(matrix.getnnz(axis=0)) > 1]   # k-mers in one sequence share nothing
        shared = sparse.triu(common @ common.T, k=1).tocoo()
        u, v, count = shared.row, shared.col, shared.data
    else:
        in_a, in_b = np.unique(codes[:n_a]), np.unique(codes[n_a:])
        shared = (matrix[in_a] @ matrix[in_b].T).tocoo()
        u, v, count = in_a[shared.row], in_b[shared.col], shared.data
    containment = count / np.maximum(np.minimum(sizes[u], sizes[v]), 1)
    keep = (containment >= threshold) & (u != v)
    return _Related(codes, u[keep], v[keep], containment[keep], len(uniques))


def _members(codes: np.ndarray, n_unique: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of each distinct sequence: ``(rows sorted by id, first position of each id, count)``."""
    order = np.argsort(codes, kind="stable")
    count = np.bincount(codes, minlength=n_unique)
    return order, np.cumsum(count) - count, count


def _expand(u, v, members_a, members_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (row of u, row of v) for each pair ``(u[p], v[p])``: ``(i, j, p)``."""
    (order_a, start_a, count_a), (order_b, start_b, count_b) = members_a, members_b
    na, nb = count_a[u], count_b[v]
    total = na * nb
    p = np.repeat(np.arange(len(u)), total)
    offset = np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)
    return order_a[start_a[u][p] + offset // nb[p]], order_b[start_b[v][p] + offset % nb[p]], p


def _identical_within(members) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``i < j`` of rows that hold the same sequence (upper triangle of each group)."""
    order, start, count = members
    groups = np.flatnonzero(count > 1)
    size = count[groups].astype(np.int64)
    m = size * (size - 1) // 2
    g = np.repeat(np.arange(len(groups)), m)
    t = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)  # index of the pair inside its group
    c = size[g]
    a = np.floor(((2 * c - 1) - np.sqrt((2 * c - 1) ** 2 - 8 * t)) / 2).astype(np.int64)
    before = a * (2 * c - a - 1) // 2                                   # pairs whose first member is < a
    a = np.where(before > t, a - 1, a)                                 # undo floating-point rounding
    a = np.where((a + 1) * (2 * c - a - 2) // 2 <= t, a + 1, a)
    b = t - a * (2 * c - a - 1) // 2 + a + 1
    first = start[groups][g]
    return order[first + a], order[first + b]


def related_pairs(seqs, other=None, k: int = 15, threshold: float = 0.5) -> pd.DataFrame:
    """Pairs of related sequences: identical, one a substring of the other, or near-duplicates.

    The criterion: two sequences are related when they are identical (case-insensitive), or when the
    one with fewer distinct k-mers has at least ``threshold`` of them in the other (containment =
    shared distinct k-mers / min of the two counts; k-mers with N are skipped). A substring has
    containment 1.0; one mismatch in a 1,000 bp copy removes at most k of ~985 k-mers (0.985).
    Sequences without any clean k-mer (shorter than k) are related only to identical copies. With
    k=15 two unrelated random sequences essentially never share a k-mer (4**15 ≈ 1e9). Identical
    sequences are grouped first: each distinct sequence is compared once, however many copies it has.

    With ``other=None``: pairs within ``seqs`` (i < j). Otherwise: pairs (i in seqs, j in other).
    Returns a DataFrame with ``i``, ``j``, ``containment`` and ``identical``. A missing sequence
    (NaN, None) raises ``TypeError`` naming its position.

    >>> related_pairs(["ACGTACGTTGCAAGCTTAGC", "CGTACGTTGCAAGCT", "TTTTTGGGGGCCCCCAAAAA"], k=8)
       i  j  containment  identical
    0  0  1          1.0      False
    """
    seqs = _sequence_list(seqs, "seqs")
    if other is None:
        rel = _related(seqs, k, threshold)
        members = _members(rel.codes, rel.n_unique)
        i, j, p = _expand(rel.u, rel.v, members, members)
        i, j = np.minimum(i, j), np.maximum(i, j)
        same_i, same_j = _identical_within(members)
    else:
        other = _sequence_list(other, "other")
        rel = _related(seqs + other, k, threshold, n_a=len(seqs))
        members_a = _members(rel.codes[:len(seqs)], rel.n_unique)
        members_b = _members(rel.codes[len(seqs):], rel.n_unique)
        i, j, p = _expand(rel.u, rel.v, members_a, members_b)
        both = np.flatnonzero((members_a[2] > 0) & (members_b[2] > 0))   # in seqs and in other
        same_i, same_j, _ = _expand(both, both, members_a, members_b)
    pairs = pd.DataFrame({"i": np.concatenate([i, same_i]).astype(np.int64),
                          "j": np.concatenate([j, same_j]).astype(np.int64),
                          "containment": np.concatenate([rel.containment[p], np.ones(len(same_i))]),
                          "identical": np.repeat([False, True], [len(i), len(same_i)])})
    return pairs.sort_values(["i", "j"], ignore_index=True)


def leaking_pairs(seqs_a, seqs_b, k: int = 15, threshold: float = 0.5) -> int:
    """Number of related pairs (a in seqs_a, b in seqs_b): identical, substring or near-duplicate.

    The criterion is that of ``related_pairs``. 0 means no sequence of ``seqs_b`` is a copy, a
    fragment or a near-copy of one in ``seqs_a``. Counted without listing the pairs.

    >>> leaking_pairs(["ACGTACGTTGCAAGCTTAGC"], ["ACGTACGTTGCAAGCTTAGC", "TTTTTGGGGGCCCCCAAAAA"], k=8)
    1
    """
    seqs_a, seqs_b = _sequence_list(seqs_a, "seqs_a"), _sequence_list(seqs_b, "seqs_b")
    rel = _related(seqs_a + seqs_b, k, threshold, n_a=len(seqs_a))
    count_a = np.bincount(rel.codes[:len(seqs_a)], minlength=rel.n_unique)
    count_b = np.bincount(rel.codes[len(seqs_a):], minlength=rel.n_unique)
    return int(np.sum(count_a[rel.u] * count_b[rel.v]) + np.sum(count_a * count_b))


# --------------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------------

@dataclass(repr=False)
class Split:
    """Positional row indices of a train / validation / test split, and how many related pairs leak.

    ``leaks`` counts related pairs (see ``related_pairs``) across parts: keys "train-test",
    "train-val", "val-test" (None when the sequences were not given).
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    leaks: dict[str, int] | None = None
    method: str = ""
    groups: np.ndarray | None = None  # grouped_split: group (connected component) id of each row

    def frames(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(train_df, val_df, test_df) rows of ``df`` (original index kept)."""
        return df.iloc[self.train], df.iloc[self.val], df.iloc[self.test]

    def summary(self) -> str:
        n = len(self.train) + len(self.val) + len(self.test)
        sizes = " | ".join(f"{part} {len(idx):,} ({len(idx) / max(n, 1):.0%})"
                           for part, idx in (("train", self.train), ("val", self.val), ("test", self.test)))
        text = f"Split({self.method}): {sizes}"
        if self.leaks is not None:
            leaks = ", ".join(f"{part} {count:,}" for part, count in self.leaks.items())
            text += f"\n  leaking pairs: {leaks}"
        return text

    __repr__ = summary


def _count_leaks(rel: _Related, train, val, test) -> dict[str, int]:
    """Related pairs of rows across the parts, counted from the distinct sequences (no pair list)."""
    part = np.full(len(rel.codes), -1)
    part[train], part[val], part[test] = 0, 1, 2
    counts = np.zeros((rel.n_unique, 3), dtype=np.int64)   # rows of each distinct sequence per part
    placed = part >= 0
    np.add.at(counts, (rel.codes[placed], part[placed]), 1)

    def count(x, y):
        across = counts[rel.u, x] * counts[rel.v, y] + counts[rel.u, y] * counts[rel.v, x]
        return int(across.sum() + np.sum(counts[:, x] * counts[:, y]))   # + identical copies
    return {"train-test": count(0, 2), "train-val": count(0, 1), "val-test": count(1, 2)}


def _labels_and_seqs(data, sequences=None):
    if isinstance(data, pd.DataFrame):
        labels = data["label"].to_numpy() if "label" in data else None
        seqs = data["sequence"].tolist() if "sequence" in data else sequences
        n = len(data)
    else:
        labels = np.asarray(data)
        seqs, n = sequences, len(labels)
    if seqs is not None and len(seqs) != n:
        raise ValueError(f"{len(seqs)} sequences for {n} rows")
    return n, labels, (list(seqs) if seqs is not None else None)


def _check_sizes(test_size, val_size) -> None:
    """``test_size`` in (0, 1) and ``val_size`` in [0, 1): fractions of the rows."""
    if check_fraction(test_size, "test_size") in (0.0, 1.0):
        raise ValueError(f"test_size must be a fraction of the rows between 0 and 1 (e.g. 0.2), got {test_size}")
    if check_fraction(val_size, "val_size") == 1.0:
        raise ValueError(f"val_size must be a fraction of the training rows in [0, 1) (e.g. 0.1), got {val_size}")


def random_split(df_or_labels, test_size: float = 0.2, val_size: float = 0.1, seed: int = 0,
                 sequences=None, k: int = 15, threshold: float = 0.5) -> Split:
    """A random split in the paper's proportions: 80/20 train/test, then 10 % of train for validation.

    That is 72/8/20 % in all. The paper gives only these proportions ("80% of the data allocated for
    training", "10% of the training set" for validation); assigning rows at random and stratifying every
    step by label is the course's choice.

    ``df_or_labels``: a DataFrame (``label`` for stratification, ``sequence`` for counting leaks) or
    an array of labels (then pass ``sequences`` to count leaks). Leaks are counted honestly: on the
    gene-family files a random split puts many copies and fragments of training genes into the test set.

    >>> from dnacourse.data import make_motif_dataset
    >>> df = make_motif_dataset(n_per_class=50)
    >>> s = random_split(df); len(s.train), len(s.val), len(s.test)
    (108, 12, 30)
    """
    from sklearn.model_selection import train_test_split

    _check_sizes(test_size, val_size)
    n, labels, seqs = _labels_and_seqs(df_or_labels, sequences)
    idx = np.arange(n)
    trainval, test = train_test_split(idx, test_size=test_size, stratify=labels, random_state=seed)
    if val_size > 0:
        strat = labels[trainval] if labels is not None else None
        train, val = train_test_split(trainval, test_size=val_size, stratify=strat, random_state=seed)
    else:
        train, val = trainval, idx[:0]
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    leaks = None
    if seqs is not None:
        leaks = _count_leaks(_related(_sequence_list(seqs, "sequences"), k, threshold), train, val, test)
    return Split(train, val, test, leaks, method=f"random, seed={seed}")


def _held_out_groups(idx, labels, groups, fraction, seed, part):
    """Split ``idx`` into (rest, held) by whole groups, stratified by label, held ≈ fraction."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_splits = max(2, round(1 / fraction))
    n_groups = len(np.unique(groups[idx]))
    if n_groups < n_splits:
        raise ValueError(
            f"the {len(idx):,} rows form only {n_groups} group(s) of related sequences: holding out "
            f"{fraction:.0%} of them for {part} by whole groups needs at least {n_splits} groups. Count fewer "
            "rows as related (a larger threshold or k), or use random_split.")
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        options = list(folds.split(idx, labels[idx], groups[idx]))
    rest, held = min(options, key=lambda fold: abs(len(fold[1]) - fraction * len(idx)))
    return idx[rest], idx[held]


def grouped_split(df: pd.DataFrame, test_size: float = 0.2, val_size: float = 0.1, seed: int = 0,
                  k: int = 15, threshold: float = 0.5) -> Split:
    """A leakage-free split: related sequences never end up on different sides.

    Related = identical, substring or near-duplicate (``related_pairs``: the shorter sequence's
    distinct k-mers are at least ``threshold`` contained in the other). Related sequences are joined
    into groups (connected components, so relatedness is chained), and whole groups are split,
    stratified by ``label`` when ``df`` has one: first about ``test_size`` of the rows go to test, then
    about ``val_size`` of the rest to validation (fractions are rounded to 1/n: 0.2 -> 1/5, 0.1 -> 1/10).
    ``leaks`` is then 0 everywhere; ``groups`` holds each row's group id.

    >>> from dnacourse.data import make_motif_dataset
    >>> s = grouped_split(make_motif_dataset(n_per_class=50))
    >>> s.leaks
    {'train-test': 0, 'train-val': 0, 'val-test': 0}
    """
    _check_sizes(test_size, val_size)
    n, labels, seqs = _labels_and_seqs(df)
    if seqs is None:
        raise ValueError("grouped_split needs a DataFrame with a 'sequence' column")
    labels = np.zeros(n, dtype=np.int64) if labels is None else labels
    rel = _related(_sequence_list(seqs, "sequence"), k, threshold)
    graph = sparse.coo_matrix((np.ones(len(rel.u)), (rel.u, rel.v)), shape=(rel.n_unique,) * 2)
    _, component = connected_components(graph, directed=False)
    groups = component[rel.codes]          # identical rows share a distinct sequence, so a group
    trainval, test = _held_out_groups(np.arange(n), labels, groups, test_size, seed, "test")
    if val_size > 0:
        train, val = _held_out_groups(trainval, labels, groups, val_size, seed, "validation")
    else:
        train, val = trainval, trainval[:0]
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    leaks = _count_leaks(rel, train, val, test)
    return Split(train, val, test, leaks, method=f"grouped, k={k}, threshold={threshold}, seed={seed}",
                 groups=groups)
