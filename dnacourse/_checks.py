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


def check_code_values(idx: torch.Tensor, what: str = "codes", pad_at_end: bool = False) -> None:
    """On the CPU: every code of ``idx`` is in 0..5 and, with ``pad_at_end``, PAD (5) only fills
    the 3' end of each row. The error names the first bad row and position. Not checked on a GPU
    (that would wait for the device every batch).

    >>> check_code_values(torch.tensor([[0, 5, 1]]), "idx", pad_at_end=True)
    Traceback (most recent call last):
    ...
    ValueError: idx row 0 has PAD (5) at position 1 before a base at position 2: PAD may only fill the 3' end of a row (as encode_index pads)
    """
    if idx.device.type != "cpu" or not idx.numel():
        return
    bad = (idx < 0) | (idx > 5)
    if bad.any():
        where = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(f"{what}: codes must be in 0..5 (A C G T N PAD), got {int(idx[where])} at "
                         f"{_position(where)} ({int(bad.sum())} bad code(s); codes range "
                         f"{int(idx.min())}..{int(idx.max())})")
    if pad_at_end and idx.shape[-1] > 1:
        inner_pad = (idx[..., :-1] == 5) & (idx[..., 1:] != 5)
        if inner_pad.any():
            where = tuple(int(i) for i in inner_pad.nonzero()[0])
            row = f"row {where[0]} " if len(where) == 2 else ""
            raise ValueError(f"{what} {row}has PAD (5) at position {where[-1]} before a base at position "
                             f"{where[-1] + 1}: PAD may only fill the 3' end of a row (as encode_index pads)")


def _position(where: tuple[int, ...]) -> str:
    return f"row {where[0]}, position {where[1]}" if len(where) == 2 else f"position {where[-1]}"
