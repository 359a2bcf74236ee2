"""Notebook 03: eq. 3 by slicing, the substitution rate, reverse-complemented rows."""

import dnacourse as dc


def my_delete(x, i):
    """Eq. 3: x without its base at 0-based position i."""
    if not 0 <= i < len(x):
        raise IndexError(f"no base at position {i} of a sequence of length {len(x)}")
    return x[:i] + x[i + 1:]


RATE = 10 / 1000  # 10 of 1,000 bases on average


def reversed_rows(before, after):
    """(B,) bool: row b of `after` is the reverse complement of row b of `before` (index codes)."""
    return (dc.augment.reverse_complement_index(before) == after).all(dim=1)
