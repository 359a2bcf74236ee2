"""Turning DNA strings into arrays: one-hot, integer (index) codes, padding/truncation, k-mers.

Conventions:

* The default alphabet is ``"ACGT"``, so the complement of a one-hot column is a flip of the
  channel axis (A<->T, C<->G).
* Arrays are channels-first, like ``torch.nn.Conv1d``: one sequence -> ``(4, L)``, a batch of
  ``N`` sequences -> ``(N, 4, L)``.
* Input is a ``str`` or a list/tuple/NumPy array/pandas Series of ``str``. Case does not matter;
  ``N`` (unknown base) is allowed; anything else raises a ``ValueError`` that names the
  character, its 0-based position and, for a list, the 0-based index of the sequence.

Two encodings::

    one_hot("ACGTN")                 # (4, 5) float32, the paper's input
    encode_index(["ACG", "ACGTT"])   # (2, 5) uint8: A=0 C=1 G=2 T=3 N=4 PAD=5

The index form is 16x smaller than a float32 one-hot (1 byte per base instead of 4 x 4 bytes),
so it is what we ship to the GPU; ``index_to_one_hot`` expands it there with a 6-row lookup table.

Everything is vectorised with NumPy: the strings are joined into one byte buffer and mapped
through a 256-entry lookup table; there is no Python loop over bases.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np
import torch

from ._checks import check_code_values, check_codes, check_fraction

ALPHABET = "ACGT"
N_CODE = 4  # index code of an unknown base 'N'
PAD_CODE = 5  # index code of a padding position (3' end)

_ALLOWED = "allowed: A, C, G, T, N; case-insensitive"
_INVALID = 255

# byte -> index code, for upper- and lower-case letters; everything else is _INVALID
_BYTE_TO_CODE = np.full(256, _INVALID, dtype=np.uint8)
for _code, _base in enumerate(ALPHABET + "N"):
    _BYTE_TO_CODE[ord(_base)] = _code
    _BYTE_TO_CODE[ord(_base.lower())] = _code

_CODE_TO_BYTE = np.frombuffer(b"ACGTN", dtype=np.uint8)
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


# ----------------------------------------------------------------------------------------------
# parsing and validation (shared by every function here and by dnacourse.augment)


class _Parsed(NamedTuple):
    codes: np.ndarray  # (total,) uint8 index codes of all sequences, concatenated
    lengths: np.ndarray  # (n,) int64 length of each sequence
    items: list  # the sequences as a list of str
    single: bool  # True when the input was one str


def _as_list(seqs) -> tuple[list, bool]:
    """Return ``(list_of_items, single)`` for a str or a 1-D collection of str."""
    if isinstance(seqs, str):
        return [seqs], True
    if isinstance(seqs, (list, tuple)):
        items = list(seqs)
    elif isinstance(seqs, np.ndarray) or hasattr(seqs, "to_numpy"):  # NumPy array, pandas Series
        arr = np.asarray(seqs)
        if arr.ndim == 0:
            return _as_list(arr.item())
        if arr.ndim != 1:
            raise ValueError(f"expected a 1-D array of sequences, got shape {arr.shape}")
        items = arr.tolist()
    else:
        raise TypeError(
            f"expected a str or a list of str, got {type(seqs).__name__}"
            + (" (decode bytes first: b.decode('ascii'))" if isinstance(seqs, bytes) else "")
        )
    if not items:
        raise ValueError("expected at least one sequence, got an empty list")
    return items, False


def _where(i: int, single: bool) -> str:
    return "" if single else f" of sequence {i}"


def _parse(seqs) -> _Parsed:
    """Validate ``seqs`` and map every base to its index code (A=0, C=1, G=2, T=3, N=4)."""
    items, single = _as_list(seqs)
    for i, s in enumerate(items):
        if not isinstance(s, str):
            which = "the sequence" if single else f"sequence {i}"
            raise TypeError(f"{which} must be a str, got {type(s).__name__}: {s!r:.40}")
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError("the sequence is empty" if single else f"sequence {empty[0]} is empty")
    # Non-ASCII characters become '?' (one byte each, so positions are kept); '?' is invalid too,
    # and the error message below shows the original character.
    buffer = np.frombuffer("".join(items).encode("ascii", errors="replace"), dtype=np.uint8)
    codes = np.take(_BYTE_TO_CODE, buffer)
    bad = np.flatnonzero(codes == _INVALID)
    if bad.size:
        starts = np.cumsum(lengths) - lengths
        i = int(np.searchsorted(starts, bad[0], side="right")) - 1
        pos = int(bad[0] - starts[i])
        raise ValueError(
            f"invalid character {items[i][pos]!r} at position {pos}{_where(i, single)} ({_ALLOWED})"
        )
    return _Parsed(codes, lengths, items, single)


def validate(seqs) -> None:
    """Raise if ``seqs`` is not a valid DNA sequence (str) or list of them; return None otherwise.

    Valid means: a non-empty ``str`` of A, C, G, T, N in any case. Errors name the character, its
    0-based position and (for a list) the 0-based index of the sequence.

    >>> validate(["ACGT", "acgn"])
    >>> validate(["ACGT", "ACGU"])
    Traceback (most recent call last):
    ...
    ValueError: invalid character 'U' at position 3 of sequence 1 (allowed: A, C, G, T, N; case-insensitive)
    """
    _parse(seqs)


def _check_length(length) -> None:
    if length is None:
        return
    if not isinstance(length, (int, np.integer)) or isinstance(length, bool):
        raise TypeError(f"length must be a positive int or None, got {type(length).__name__}")
    if length < 1:
        raise ValueError(f"length must be a positive int, got {length}")


_PADDING_LIMIT = 1 << 30  # bytes of padding encode_index adds on its own before it asks for length=


def _memory_bytes() -> int | None:
    """This machine's physical memory in bytes, where the system says (Linux, macOS)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_size(n: int, width: int, lengths: np.ndarray, length) -> None:
    """Refuse, before allocating, an ``(n, width)`` matrix that cannot fit or that is mostly padding."""
    need = n * width  # bytes (uint8)
    memory = _memory_bytes()
    if length is None and n > 1 and need - int(lengths.sum()) > _PADDING_LIMIT:
        i = int(np.argmax(lengths))
        raise ValueError(
            f"without length=, every sequence is padded to the longest one (sequence {i}: {width:,} bases; "
            f"median {int(np.median(lengths)):,}), which needs {need / 2**30:,.1f} GiB: pass length= "
            f"(e.g. length={int(np.percentile(lengths, 95)):,}) to cut or pad every sequence to one length")
    if (memory is not None and need > memory) or need >= np.iinfo(np.intp).max:
        raise ValueError(f"length={width:,} for {n:,} sequence(s) needs {need / 2**30:,.1f} GiB"
                         + (f", more than this machine's {memory / 2**30:,.1f} GiB" if memory else "")
                         + f": choose a length near your sequences' (longest: {int(lengths.max()):,})")


def _check_alphabet(alphabet) -> str:
    if not isinstance(alphabet, str) or sorted(alphabet.upper()) != sorted(ALPHABET):
        raise ValueError(
            f"alphabet must be a permutation of 'ACGT' (e.g. 'ATCG'), got {alphabet!r}"
        )
    return alphabet.upper()


# ----------------------------------------------------------------------------------------------
# index codes


def encode_index(seqs, length: int | None = None) -> np.ndarray:
    """Integer codes of DNA sequences: A=0, C=1, G=2, T=3, N=4 (``N_CODE``), padding=5 (``PAD_CODE``).

    Shapes: one ``str`` -> ``(L,)``; a list of ``N`` strings -> ``(N, L)``; dtype ``uint8``.

    ``length`` applies the paper's eq. 1: shorter sequences are padded at the 3' end with
    ``PAD_CODE``, longer ones are truncated to their first ``length`` bases. Without ``length``,
    ``L`` is the longest sequence (the others are padded). The codes are always in ACGT order,
    whatever alphabet you later one-hot encode with.

    >>> encode_index("ACGTN")
    array([0, 1, 2, 3, 4], dtype=uint8)
    >>> encode_index(["ac", "GTT"], length=4)
    array([[0, 1, 5, 5],
           [2, 3, 3, 5]], dtype=uint8)
    """
    _check_length(length)
    codes, lengths, _, single = _parse(seqs)
    n = len(lengths)
    longest = int(lengths.max())
    width = longest if length is None else int(length)
    _check_size(n, width, lengths, length)
    if lengths.min() == longest:  # all the same length: a reshape, then pad or cut columns
        block = codes.reshape(n, longest)
        if width <= longest:
            out = np.ascontiguousarray(block[:, :width])
        else:
            out = np.full((n, width), PAD_CODE, dtype=np.uint8)
            out[:, :longest] = block
    else:  # ragged: scatter the bases we keep into a PAD-filled matrix (row-major order)
        if longest > width:  # drop bases past `width` in each sequence
            starts = np.cumsum(lengths) - lengths
            position = np.arange(codes.size) - np.repeat(starts, lengths)
            codes = codes[position < width]
        kept = np.minimum(lengths, width)
        out = np.full((n, width), PAD_CODE, dtype=np.uint8)
        out[np.arange(width) < kept[:, None]] = codes
    return out[0] if single else out


def decode_index(idx) -> str | list[str]:
    """Inverse of ``encode_index``: codes back to strings (upper-case; PAD dropped, 4 -> 'N').

    ``idx`` is a NumPy array or torch tensor, ``(L,)`` -> ``str`` or ``(N, L)`` -> ``list[str]``.

    >>> decode_index(encode_index(["acgn", "T"]))
    ['ACGN', 'T']
    """
    if isinstance(idx, torch.Tensor):
        idx = idx.detach().cpu().numpy()
    idx = np.asarray(idx)
    if idx.ndim not in (1, 2) or idx.dtype.kind not in "iu":
        raise ValueError(
            f"expected a 1-D or 2-D integer array of codes, got {idx.dtype} {idx.shape}"
        )
    if idx.size and (idx.min() < 0 or idx.max() > PAD_CODE):
        raise ValueError(f"codes must be in 0..{PAD_CODE}, got values in {idx.min()}..{idx.max()}")
    rows = idx.reshape(-1, idx.shape[-1])
    keep = rows != PAD_CODE
    text = np.take(_CODE_TO_BYTE, rows[keep]).tobytes().decode("ascii")
    ends = np.cumsum(keep.sum(axis=1)).tolist()
    out = [text[start:end] for start, end in zip([0] + ends[:-1], ends, strict=True)]
    return out[0] if idx.ndim == 1 else out


# ----------------------------------------------------------------------------------------------
# one-hot


def one_hot(
    seqs, length: int | None = None, alphabet: str = ALPHABET, unknown: float = 0.0
) -> np.ndarray:
    """One-hot encode DNA sequences, channels first.

    Shapes: one ``str`` -> ``(4, L)``; a list of ``N`` strings -> ``(N, 4, L)``; dtype float32.

    * ``alphabet`` (a permutation of ACGT) sets the channel order: ``"ACGT"`` (default, the
      complement is a channel flip), ``"ATCG"`` (the Airlangga paper), ``"AGCT"`` (LegNet).
    * ``length`` applies eq. 1: pad the 3' end with all-zero columns, or keep the first
      ``length`` bases. Without it a list is padded to its longest sequence.
    * an ``N`` becomes a column filled with ``unknown``, a number in [0, 1] (LegNet uses 0.25).

    >>> one_hot("ACN", length=4, unknown=0.25)
    array([[1.  , 0.  , 0.25, 0.  ],
           [0.  , 1.  , 0.25, 0.  ],
           [0.  , 0.  , 0.25, 0.  ],
           [0.  , 0.  , 0.25, 0.  ]], dtype=float32)
    >>> one_hot(["ACGT", "AC"]).shape
    (2, 4, 4)
    """
    alphabet = _check_alphabet(alphabet)
    unknown = check_fraction(unknown, "unknown")
    idx = encode_index(seqs, length)
    rows = idx.reshape(-1, idx.shape[-1])  # (N, L)
    out = np.empty((rows.shape[0], 4, rows.shape[1]), dtype=np.float32)
    for channel, base in enumerate(alphabet):  # 4 vectorised comparisons, written in place
        np.equal(rows, ALPHABET.index(base), out=out[:, channel, :], casting="unsafe")
    if unknown != 0:
        is_n = rows == N_CODE
        if is_n.any():
            np.copyto(out, np.float32(unknown), where=is_n[:, None, :])
    return out[0] if idx.ndim == 1 else out


def _lookup_table(alphabet: str, unknown: float, dtype, device) -> torch.Tensor:
    """(6, 4) table: row = index code, columns = channels in ``alphabet`` order."""
    table = torch.zeros(PAD_CODE + 1, 4, dtype=dtype)  # built on the CPU, moved in one copy
    for channel, base in enumerate(alphabet):
        table[ALPHABET.index(base), channel] = 1
    table[N_CODE] = unknown
    return table.to(device)


def index_to_one_hot(
    idx, alphabet: str = ALPHABET, unknown: float = 0.0, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Expand index codes into a one-hot tensor on the codes' own device (e.g. on the GPU).

    ``idx``: integer tensor (or NumPy array) of codes 0..5, ``(B, L)`` -> ``(B, 4, L)`` or
    ``(L,)`` -> ``(4, L)``. The result equals ``torch.from_numpy(one_hot(seqs, ...))`` for the
    same sequences: a 6-row lookup table (codes 0-3 -> one-hot, N -> ``unknown``, PAD -> zeros).
    Codes outside 0..5 raise on the CPU; on a GPU they are not checked (that would force a sync).

    >>> index_to_one_hot(torch.tensor([0, 3, 5]))
    tensor([[1., 0., 0.],
            [0., 0., 0.],
            [0., 0., 0.],
            [0., 1., 0.]])
    """
    alphabet = _check_alphabet(alphabet)
    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx)
    check_codes(idx)
    if idx.ndim not in (1, 2):
        raise ValueError(f"expected codes shaped (L,) or (B, L), got {tuple(idx.shape)}")
    check_code_values(idx)
    table = _lookup_table(alphabet, check_fraction(unknown, "unknown"), dtype, idx.device)
    return table[idx.long()].transpose(-1, -2).contiguous()  # (..., L, 4) -> (..., 4, L)


# ----------------------------------------------------------------------------------------------
# string helpers


def pad_or_truncate(seq, length: int, pad: str = "N"):
    """Eq. 1 on strings: cut to the first ``length`` bases, or append ``pad`` at the 3' end.

    ``seq`` is a ``str`` (-> ``str``) or a list of them (-> ``list``).

    >>> pad_or_truncate("ACG", 5)
    'ACGNN'
    >>> pad_or_truncate(["ACGTA", "A"], 2)
    ['AC', 'AN']
    """
    if length is None:
        raise TypeError("length must be a positive int, got None")
    _check_length(length)
    if not isinstance(pad, str) or len(pad) != 1 or pad.upper() not in "ACGTN":
        raise ValueError(f"pad must be one character of A, C, G, T, N, got {pad!r}")
    items, single = _parse(seq)[2:]
    out = [s[:length] + pad * (length - len(s)) for s in items]
    return out[0] if single else out


def reverse_complement(seq):
    """Reverse complement: A<->T, C<->G, N->N, read backwards; case is preserved.

    ``seq`` is a ``str`` (-> ``str``) or a list of them (-> ``list``).

    >>> reverse_complement("AACgN")
    'NcGTT'
    """
    items, single = _parse(seq)[2:]
    out = [s.translate(_COMPLEMENT)[::-1] for s in items]
    return out[0] if single else out


def kmers(seq: str, k: int) -> list[str]:
    """The ``len(seq) - k + 1`` overlapping k-mers of ``seq``, left to right (empty if k > len).

    Case is kept as given; call ``seq.upper()`` first if you want case-insensitive counts.

    >>> kmers("ACGTA", 3)
    ['ACG', 'CGT', 'GTA']
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not isinstance(seq, str):
        raise TypeError(f"seq must be a str, got {type(seq).__name__}")
    validate(seq)
    return [seq[i : i + k] for i in range(len(seq) - k + 1)]


def gc_content(seqs):
    """Fraction of G + C among the non-N bases: ``str`` -> float, list -> ``(N,)`` float64 array.

    A sequence made only of N has no defined GC content: NaN.

    >>> gc_content("GGCA")
    0.75
    >>> gc_content(["GCNN", "AT"]).tolist()
    [1.0, 0.0]
    """
    codes, lengths, _, single = _parse(seqs)
    row = np.repeat(np.arange(len(lengths)), lengths)
    gc = np.bincount(row, weights=(codes == 1) | (codes == 2), minlength=len(lengths))
    known = np.bincount(row, weights=codes < N_CODE, minlength=len(lengths))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = gc / known
    return float(frac[0]) if single else frac
