"""Notebook 01, exercises 2 and 3: groups of related rows, relatives per family."""

import numpy as np
import pandas as pd

import dnacourse as dc


def largest_group_rows(groups):
    """Row positions of the largest group (groups: one group id per row)."""
    groups = np.asarray(groups)
    biggest = np.bincount(groups).argmax()
    return np.flatnonzero(groups == biggest)


def relative_share(dog):
    """Per family: the fraction of its rows that have at least one related row in the same table."""
    pairs = dc.splits.related_pairs(dog["sequence"])
    has_relative = np.zeros(len(dog), dtype=bool)
    has_relative[np.union1d(pairs["i"], pairs["j"])] = True
    return pd.Series(has_relative).groupby(dog["family"].to_numpy()).mean()
