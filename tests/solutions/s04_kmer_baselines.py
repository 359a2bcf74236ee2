"""Notebook 04, exercise 4: k-mer counts with a Counter."""

from collections import Counter
from itertools import product

import numpy as np

import dnacourse as dc


def count_kmers(seq, k):
    """4**k counts in the order of product("ACGT", repeat=k); k-mers with N are skipped."""
    counts = Counter(dc.encoding.kmers(seq.upper(), k))
    return np.array([counts["".join(word)] for word in product("ACGT", repeat=k)])
