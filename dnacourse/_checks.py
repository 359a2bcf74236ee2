"""Argument checks shared by the package: one wording for every "must be an int / a number / codes".

Private (``dnacourse._checks``): the public functions call these so that a bad argument always gets
the same clear message, naming the argument and the value it got.

>>> check_int(3, "epochs")
3
>>> check_int(0, "epochs")
Traceback (most recent call last):
...
ValueError: epochs must be an int >= 1, got 0
"""

from __future__ import annotations

import numbers

import numpy as np
import torch


def check_int(value, what: str, low: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) ``>= low``; else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{what} must be an int >= {low}, got {value!r}")
    return int(value)


def check_positive(value, what: str) -> float:
    """``value`` as a ``float`` if it is a real number (not a bool) ``> 0``; else a ``ValueError``.

    >>> check_positive(0.5, "max_lr")
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{what} must be a number > 0, got {value!r}")
    return float(value)


def check_fraction(value, what: str) -> float:
    """``value`` as a ``float`` if it is a real number (not a bool) in ``[0, 1]``.

    A non-number raises ``TypeError``, a number outside ``[0, 1]`` a ``ValueError``.

    >>> check_fraction(1, "rc_prob")
    1.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be in [0, 1], got {value}")
    return float(value)


def check_codes(idx, what: str = "codes") -> torch.Tensor:
    """``idx`` if it is an integer torch tensor of index codes; else a ``TypeError`` naming ``what``.

    >>> check_codes(torch.zeros(2, 3), "idx")
    Traceback (most recent call last):
    ...
    TypeError: idx must be an integer tensor of codes 0..5, got torch.float32
    """
    if not isinstance(idx, torch.Tensor):
        raise TypeError(f"{what} must be a torch tensor of codes, got {type(idx).__name__} "
                        "(try torch.from_numpy)")
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"{what} must be an integer tensor of codes 0..5, got {idx.dtype}")
    return idx
