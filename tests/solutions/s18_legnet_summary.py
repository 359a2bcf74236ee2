"""Notebook 18: how many seeds a gain needs."""

import math


def seeds_needed(s, gain=0.01):
    """Fewest seeds n with gain > 2 * s * sqrt(2 / n), i.e. n > 8 s^2 / gain^2."""
    n = math.floor(8 * s**2 / gain**2) + 1
    return max(n, 1)
