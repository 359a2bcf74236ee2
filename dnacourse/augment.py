"""Data augmentation for DNA: insertion, deletion, substitution (eq. 2-4) and reverse complement.

Two forms of the same ideas:

* **strings** (for teaching and small data): ``insert``, ``delete``, ``substitute`` are the
  paper's equations with 0-based positions; ``random_insert`` & co. draw the position and the
  base from a ``numpy.random.Generator``.
* **index tensors** (for training): ``augment_batch`` edits a whole ``(B, L)`` batch of codes
  from ``dnacourse.encoding.encode_index`` (0-3 = ACGT, 4 = N, 5 = PAD at the 3' end) on its
  own device -- no Python loop over the batch -- and keeps the length ``L``.

>>> insert("ACGT", 2, "T"), delete("ACGT", 0), substitute("ACGT", 3, "A")
('ACTGT', 'CGT', 'ACGA')
"""

from __future__ import annotations

import numpy as np
import torch

from ._checks import check_code_values, check_codes, check_fraction
from .encoding import _COMPLEMENT, N_CODE, PAD_CODE, _check_alphabet, reverse_complement, validate

__all__ = [
    "insert",
    "delete",
    "substitute",
    "random_insert",
    "random_delete",
    "random_substitute",
    "augment_sequence",
    "reverse_complement",
    "reverse_complement_index",
    "reverse_complement_one_hot",
    "augment_batch",
]

BASES = "ACGT"  # what random edits draw from (never N)
KINDS = ("insert", "delete", "substitute")


# ----------------------------------------------------------------------------------------------
# eq. 2-4 on strings


def _check_seq(seq) -> None:
    if not isinstance(seq, str):
        raise TypeError(f"seq must be a str, got {type(seq).__name__}")
    validate(seq)


def _check_pos(pos, seq: str, last: int, what: str) -> None:
    """``pos`` must be an int in ``0..last`` (no negative indexing)."""
    if not isinstance(pos, (int, np.integer)) or isinstance(pos, bool):
        raise TypeError(f"{what} position must be an int, got {type(pos).__name__}: {pos!r}")
    if not 0 <= pos <= last:
        raise IndexError(
            f"{what} position {pos} is out of range for a sequence of length {len(seq)} "
            f"(valid: 0..{last})"
        )


def _check_base(base) -> None:
    if not isinstance(base, str):
        raise TypeError(f"base must be a str, got {type(base).__name__}: {base!r}")
    if len(base) != 1 or base.upper() not in "ACGTN":
        raise ValueError(f"base must be one character of A, C, G, T, N (any case), got {base!r}")


def insert(seq: str, pos: int, base: str) -> str:
    """Eq. 2: ``seq[:pos] + base + seq[pos:]``, for ``pos`` in ``0..len(seq)`` (inclusive).

    >>> insert("ACG", 3, "T")
    'ACGT'
    """
    _check_seq(seq)
    _check_pos(pos, seq, len(seq), "insert")
    _check_base(base)
    return seq[:pos] + base + seq[pos:]


def delete(seq: str, pos: int) -> str:
    """Eq. 3: ``seq[:pos] + seq[pos + 1:]``, for ``pos`` in ``0..len(seq) - 1``.

    Deleting the only base of a 1-base sequence gives ``""`` (which no encoder accepts).

    >>> delete("ACGT", 1)
    'AGT'
    """
    _check_seq(seq)
    _check_pos(pos, seq, len(seq) - 1, "delete")
    return seq[:pos] + seq[pos + 1 :]


def substitute(seq: str, pos: int, base: str) -> str:
    """Eq. 4: ``seq[:pos] + base + seq[pos + 1:]``, for ``pos`` in ``0..len(seq) - 1``.

    >>> substitute("ACGT", 0, "G")
    'GCGT'
    """
    _check_seq(seq)
    _check_pos(pos, seq, len(seq) - 1, "substitute")
    _check_base(base)
    return seq[:pos] + base + seq[pos + 1 :]


# ----------------------------------------------------------------------------------------------
# random edits on strings


def random_insert(seq: str, rng=None) -> str:
    """Insert a random base (A/C/G/T, upper-case) at a random position ``0..len(seq)``.

    ``rng``: a ``numpy.random.Generator`` (or a seed; None = fresh, unseeded).
    Length grows by 1.

    >>> len(random_insert("ACGT", np.random.default_rng(0)))
    5
    """
    rng = np.random.default_rng(rng)
    _check_seq(seq)
    pos = int(rng.integers(0, len(seq) + 1))
    return insert(seq, pos, BASES[rng.integers(4)])


def random_delete(seq: str, rng=None) -> str:
    """Delete the base at a random position ``0..len(seq) - 1``. Length shrinks by 1; a 1-base
    sequence raises ``ValueError`` (it would become empty).

    >>> random_delete("AAAA", np.random.default_rng(0))
    'AAA'
    """
    rng = np.random.default_rng(rng)
    _check_seq(seq)
    if len(seq) == 1:
        raise ValueError(f"cannot delete from the 1-base sequence {seq!r}: the result would be empty "
                         "(augment_sequence skips deletions for such sequences)")
    return delete(seq, int(rng.integers(0, len(seq))))


def random_substitute(seq: str, rng=None) -> str:
    """Replace the base at a random position by a different random base (A/C/G/T, upper-case).

    "Different" ignores case: an ``a`` becomes C, G or T. An ``N`` becomes any of A, C, G, T.
    Length is kept; exactly one position changes.

    >>> random_substitute("AAAA", np.random.default_rng(0)).count("A")
    3
    """
    rng = np.random.default_rng(rng)
    _check_seq(seq)
    pos = int(rng.integers(0, len(seq)))
    others = [b for b in BASES if b != seq[pos].upper()]
    return substitute(seq, pos, others[rng.integers(len(others))])


_RANDOM_EDITS = {"insert": random_insert, "delete": random_delete, "substitute": random_substitute}


def augment_sequence(seq: str, rng=None, n_edits: int = 1, kinds=KINDS) -> str:
    """Apply ``n_edits`` random edits, each of a kind drawn uniformly from ``kinds``.

    ``kinds`` is any non-empty subset of ``("insert", "delete", "substitute")``. A deletion is
    never drawn while the sequence has a single base (it would become empty); if ``kinds`` is
    only ``("delete",)`` that raises ``ValueError``.

    >>> rng = np.random.default_rng(0)
    >>> len(augment_sequence("ACGTACGT", rng, n_edits=3, kinds=("substitute",)))
    8
    """
    rng = np.random.default_rng(rng)
    _check_seq(seq)
    if not isinstance(n_edits, (int, np.integer)) or isinstance(n_edits, bool) or n_edits < 0:
        raise ValueError(f"n_edits must be an int >= 0, got {n_edits!r}")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {kinds!r}")
    for _ in range(n_edits):
        allowed = [k for k in kinds if not (k == "delete" and len(seq) == 1)]
        if not allowed:
            raise ValueError("cannot delete from a 1-base sequence (the result would be empty)")
        seq = _RANDOM_EDITS[allowed[rng.integers(len(allowed))]](seq, rng)
    return seq


# ----------------------------------------------------------------------------------------------
# batched edits on index tensors


def _check_index_batch(idx, name: str = "idx") -> None:
    """Integer codes 0..5 with PAD only at the 3' end (values checked on the CPU only)."""
    check_code_values(check_codes(idx, name), name, pad_at_end=True)


def _real_lengths(idx: torch.Tensor) -> torch.Tensor:
    """(B,) number of non-PAD positions of each row (PAD is assumed to be a 3' suffix)."""
    return (idx != PAD_CODE).sum(dim=-1, keepdim=True)


def _read_from(x: torch.Tensor, start: torch.Tensor, width: int) -> torch.Tensor:
    """``(B, width)``: each row's columns ``start .. start + width - 1`` (``start`` ``(B, 1)``), PAD past its end."""
    j = torch.arange(width, device=x.device) + start  # (B, width): where each column reads from
    return torch.where(j < x.shape[1], torch.gather(x, 1, j.clamp(max=x.shape[1] - 1)),
                       torch.full(j.shape, PAD_CODE, dtype=x.dtype, device=x.device))


def _complement_table(idx: torch.Tensor) -> torch.Tensor:
    # code -> complement code: A<->T (0<->3), C<->G (1<->2), N->N, PAD->PAD
    return torch.tensor([3, 2, 1, 0, N_CODE, PAD_CODE], dtype=idx.dtype).to(idx.device)


def _rc_rows(idx: torch.Tensor) -> torch.Tensor:
    """Reverse-complement every row over its real part; PAD stays at the 3' end."""
    j = torch.arange(idx.shape[-1], device=idx.device)
    n = _real_lengths(idx)
    source = torch.where(j < n, n - 1 - j, j)  # mirror the real part, keep PAD in place
    return _complement_table(idx)[torch.gather(idx, -1, source).long()]


def reverse_complement_index(idx: torch.Tensor) -> torch.Tensor:
    """Reverse complement of index codes, row by row, over each row's real (non-PAD) part.

    ``idx``: ``(L,)`` or ``(B, L)`` integer tensor of codes; returns a new tensor of the same
    shape, dtype and device. PAD stays at the 3' end, so this is the right choice for padded data.

    >>> reverse_complement_index(torch.tensor([[0, 0, 1, 5], [2, 4, 3, 3]]))
    tensor([[2, 3, 3, 5],
            [0, 0, 4, 1]])
    """
    _check_index_batch(idx)
    if idx.ndim not in (1, 2):
        raise ValueError(f"expected codes shaped (L,) or (B, L), got {tuple(idx.shape)}")
    return _rc_rows(idx)


def reverse_complement_one_hot(x: torch.Tensor, alphabet: str = "ACGT") -> torch.Tensor:
    """Reverse complement of one-hot tensors ``(4, L)`` or ``(B, 4, L)``: swap the complementary
    channels and flip the length.

    ``alphabet``: the channel order the tensor was encoded with (as in ``encoding.one_hot``):
    ``"ACGT"`` (default) or ``"AGCT"`` (LegNet) are a plain channel flip; ``"ATCG"`` (the paper's
    order) and every other order get the right channel permutation. With 3' padding the all-zero
    padding columns end up on the 5' side; for padded data prefer ``reverse_complement_index``.

    >>> from dnacourse.encoding import one_hot
    >>> bool((reverse_complement_one_hot(torch.from_numpy(one_hot("AAC"))) == torch.from_numpy(one_hot("GTT"))).all())
    True
    >>> x = torch.from_numpy(one_hot("AAC", alphabet="ATCG"))
    >>> bool((reverse_complement_one_hot(x, "ATCG") == torch.from_numpy(one_hot("GTT", alphabet="ATCG"))).all())
    True
    """
    if not isinstance(x, torch.Tensor) or x.ndim not in (2, 3) or x.shape[-2] != 4:
        raise ValueError(
            f"expected a tensor shaped (4, L) or (B, 4, L), got {getattr(x, 'shape', x)!r}"
        )
    alphabet = _check_alphabet(alphabet)
    partner = [alphabet.index(base.translate(_COMPLEMENT)) for base in alphabet]  # channel of each complement
    return x[..., partner, :].flip(dims=(-1,))


def augment_batch(
    idx: torch.Tensor,
    substitution_rate: float = 0.0,
    indel_prob: float = 0.0,
    rc_prob: float = 0.0,
    generator: torch.Generator | None = None,
    start_shift: int = 0,
    window: int | None = None,
) -> torch.Tensor:
    """Random augmentation of a batch of index codes, on its own device.

    ``idx``: ``(B, L)`` integer tensor of codes (0-3 ACGT, 4 N, 5 PAD as a 3' suffix). Returns a
    new tensor of the same shape (``(B, window)`` with ``window``), dtype and device; ``idx`` itself
    is not modified. Steps, in order:

    1. **substitution**: each real base (codes 0-3) independently, with probability
       ``substitution_rate``, becomes one of the 3 other bases. N and PAD are never touched.
    2. **indel**: each row, with probability ``indel_prob``, gets one insertion or one deletion
       (50/50) at a random position of its real part (eq. 2 / eq. 3), keeping length ``L``:

       * deletion at ``p``: the rest shifts left and a PAD enters at the end, so the row has
         exactly one more PAD. Rows with fewer than 2 real bases are left alone (never emptied).
       * insertion at ``p`` (``0..n_real``, or ``0..L-1`` when the row is full): the rest shifts
         right and a random base A/C/G/T is put at ``p``; the last element falls off -- a PAD
         (one PAD fewer) or, in a full row, the last base (no PAD either way). All-PAD rows are
         left alone.
    3. **reverse complement**: each row, with probability ``rc_prob``, is reverse-complemented
       over its real part (A<->T, C<->G, N->N); PAD stays at the 3' end.
    4. **random start** (ours, not the paper's): each row drops its first ``s`` bases, ``s`` drawn
       uniformly from ``0..start_shift`` (at most its real length - 1, so no row is emptied); the
       rest moves left and PADs fill the end. The same gene then reaches the model at many
       offsets, so its pooled features cannot depend on where the pooling windows happen to fall
       (notebook 05 measures what it does).
    5. **random window** (ours, not the paper's): with ``window`` set, each row keeps ``window``
       consecutive columns from a start drawn uniformly from ``0..max(n - window, 0)``, ``n`` its
       real length, so the window lies inside the row wherever it can (a shorter row is kept whole,
       padded). Encode long genes (``SequenceData.from_frame(df, length=4000)``) and train on
       ``window=1000``: every epoch shows the model another 1,000 bases of each gene (notebook 10).

    ``generator``: a ``torch.Generator`` on ``idx.device`` for reproducible draws. On the CPU, codes
    outside 0..5 and a PAD before a base raise, naming the row and position (not checked on a GPU).

    >>> x = torch.tensor([[0, 1, 2, 3, 4, 5]], dtype=torch.uint8)
    >>> augment_batch(x, rc_prob=1.0)
    tensor([[4, 0, 1, 2, 3, 5]], dtype=torch.uint8)
    """
    _check_index_batch(idx)
    if idx.ndim != 2:
        raise ValueError(f"expected codes shaped (B, L), got {tuple(idx.shape)}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator on idx's device (e.g. "
                        f"torch.Generator().manual_seed(0)) or None, got {type(generator).__name__}: {generator!r}")
    substitution_rate = check_fraction(substitution_rate, "substitution_rate")
    indel_prob = check_fraction(indel_prob, "indel_prob")
    rc_prob = check_fraction(rc_prob, "rc_prob")
    if isinstance(start_shift, bool) or not isinstance(start_shift, (int, np.integer)) or start_shift < 0:
        raise ValueError(f"start_shift must be a whole number of bases >= 0, got {start_shift!r}")
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1):
        raise ValueError(f"window must be None or a whole number of bases >= 1, got {window!r}")
    batch, length = idx.shape
    device, dtype = idx.device, idx.dtype
    kw = {"generator": generator, "device": device}
    x = idx.clone()

    if substitution_rate > 0:
        hit = (x < N_CODE) & (torch.rand(batch, length, **kw) < substitution_rate)
        shift = torch.randint(1, 4, (batch, length), dtype=dtype, **kw)  # 1..3: never the same
        x = torch.where(hit, (x + shift) % 4, x)

    if indel_prob > 0:
        n = _real_lengths(x)  # (B, 1)
        do = torch.rand(batch, 1, **kw) < indel_prob
        is_ins = torch.rand(batch, 1, **kw) < 0.5
        n_choices = torch.where(is_ins, torch.clamp(n + 1, max=length), n)  # insertion may append
        pos = (torch.rand(batch, 1, **kw) * n_choices).long().clamp(max=length - 1)
        new_base = torch.randint(0, 4, (batch, 1), dtype=dtype, **kw)
        ins = do & is_ins & (n >= 1)
        dele = do & ~is_ins & (n >= 2)
        j = torch.arange(length, device=device)
        shift = torch.where(dele, (j >= pos).long(), -(ins & (j > pos)).long())
        padded = torch.cat([x, torch.full((batch, 1), PAD_CODE, dtype=dtype, device=device)], dim=1)
        x = torch.gather(padded, 1, j + shift)  # source index L reads the extra PAD column
        x = torch.where(ins & (j == pos), new_base, x)

    if rc_prob > 0:
        flip = torch.rand(batch, 1, **kw) < rc_prob
        x = torch.where(flip, _rc_rows(x), x)

    if start_shift > 0:
        most = torch.clamp(_real_lengths(x) - 1, min=0, max=int(start_shift))  # (B, 1)
        drop = (torch.rand(batch, 1, **kw) * (most + 1)).long().clamp(max=most)  # 0..most
        x = _read_from(x, drop, length)

    if window is not None:
        room = torch.clamp(_real_lengths(x) - window, min=0)  # (B, 1): the last start that fits
        start = (torch.rand(batch, 1, **kw) * (room + 1)).long().clamp(max=room)  # 0..room
        x = _read_from(x, start, window)
    return x
