"""Notebook 02: one-hot with a dict, channel permutation, 6-mers, padding at the 5' end."""

import numpy as np

import dnacourse as dc

CODE = {"A": [1, 0, 0, 0], "C": [0, 1, 0, 0], "G": [0, 0, 1, 0], "T": [0, 0, 0, 1], "N": [0, 0, 0, 0]}


def my_one_hot(seq):
    """(4, len(seq)) float32 one-hot in ACGT order, N -> zeros."""
    columns = [CODE[base] for base in seq.upper()]
    return np.array(columns, dtype=np.float32).reshape(len(seq), 4).T


def channel_permutation(source="ATCG", target="ACGT"):
    """perm with one_hot(seq, alphabet=source)[perm] == one_hot(seq, alphabet=target)."""
    return np.array([source.index(base) for base in target])


def six_mers(sequence, k=6):
    """(possible k-mers, distinct k-mers of sequence without N)."""
    words = {w for w in dc.encoding.kmers(sequence.upper(), k) if "N" not in w}
    return 4**k, len(words)


def pad_5prime(seq, length):
    """Eq. 1 mirrored: zero columns before a short sequence, the last `length` bases of a long one."""
    kept = dc.encoding.one_hot(seq[-length:])
    padded = np.zeros((4, length), dtype=np.float32)
    padded[:, length - kept.shape[1]:] = kept
    return padded
