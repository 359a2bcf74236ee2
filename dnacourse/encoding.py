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

from typing import NamedTuple

import numpy as np
import torch

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
    * an ``N`` becomes a column filled with ``unknown`` (LegNet uses 0.25).

    >>> one_hot("ACN", length=4, unknown=0.25)
    array([[1.  , 0.  , 0.25, 0.  ],
           [0.  , 1.  , 0.25, 0.  ],
           [0.  , 0.  , 0.25, 0.  ],
           [0.  , 0.  , 0.25, 0.  ]], dtype=float32)
    >>> one_hot(["ACGT", "AC"]).shape
    (2, 4, 4)
    """
    alphabet = _check_alphabet(alphabet)
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
    if not isinstance(idx, torch.Tensor):
        raise TypeError(
            f"expected a torch tensor or NumPy array of codes, got {type(idx).__name__}"
        )
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"codes must be an integer tensor, got {idx.dtype}")
    if idx.ndim not in (1, 2):
        raise ValueError(f"expected codes shaped (L,) or (B, L), got {tuple(idx.shape)}")
    if idx.device.type == "cpu" and idx.numel() and (idx.min() < 0 or idx.max() > PAD_CODE):
        raise ValueError(f"codes must be in 0..{PAD_CODE}, got {int(idx.min())}..{int(idx.max())}")
    table = _lookup_table(alphabet, unknown, dtype, idx.device)
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


# ----------------------------------------------------------------------------------------------
# LegNet input (DREAM yeast promoters): plasmid padding, 6-channel one-hot, soft labels

LEGNET_ALPHABET = "AGCT"  # LegNet's channel order (the index codes stay A0 C1 G2 T3)
DREAM_LEFT_ADAPTER = "TGCATTTTTTTCACATC"  # the 17 nt in front of every DREAM read's random region


def plasmid_pad(seqs, plasmid: str, length: int = 150, adapter: str = DREAM_LEFT_ADAPTER) -> list[str]:
    """LegNet's padding of DREAM reads with their real plasmid context, to exactly ``length`` nt.

    For every read: drop its left ``adapter`` (17 nt), put the ``length`` plasmid bases just upstream
    of the insert site in front, and keep the last ``length`` nt. The insert site is where the
    plasmid's ``adapter`` is followed by the run of N that stands for the random region, so the
    plasmid bases end with the adapter itself: a read of the standard 110 nt becomes 57 plasmid
    bases + the read's other 93 nt. Short reads get more plasmid bases (padding on the 5' side);
    reads longer than ``length + 17`` lose bases at their 5' end.

    ``seqs``: a ``str`` or a list/array/Series of them (the reads' case is kept, the plasmid's bases
    are upper-cased; the adapter check ignores case).
    Returns a list of ``str`` (a list of one for one ``str``), each exactly ``length`` long.

    >>> toy = "GGGGCCCCAAAA" + "TGCA" + "NNNN" + "TTT"   # upstream bases, adapter, insert, rest
    >>> plasmid_pad(["TGCAACGT", "TGCAAAAAAAAAAAAA"], toy, length=10, adapter="TGCA")
    ['AATGCAACGT', 'AAAAAAAAAA']
    >>> plasmid_pad("TGCAAC", toy, length=10, adapter="TGCA")
    ['AAAATGCAAC']
    """
    _check_length(length)
    if not isinstance(plasmid, str):
        raise TypeError(f"plasmid must be a str, got {type(plasmid).__name__}")
    if not isinstance(adapter, str) or not adapter:
        raise ValueError(f"adapter must be a non-empty str, got {adapter!r}")
    adapter = adapter.upper()
    upper_plasmid = plasmid.upper()
    site = upper_plasmid.find(adapter + "N")
    if site < 0:
        where = ("the adapter occurs but never right before an N (the insert)"
                 if adapter in upper_plasmid else "the adapter does not occur in it")
        raise ValueError(f"the plasmid ({len(plasmid):,} bp) has no insert site: expected the left "
                         f"adapter {adapter} followed by N (the random region), but {where}")
    site += len(adapter)  # index of the first N = the insert site
    if site < length:
        raise ValueError(f"the plasmid has only {site} bases upstream of the insert site, "
                         f"fewer than length={length}")
    flank = upper_plasmid[site - length:site]
    items, _ = _as_list(seqs)
    k = len(adapter)
    out = []
    for i, read in enumerate(items):
        if not isinstance(read, str):
            raise TypeError(f"sequence {i} must be a str, got {type(read).__name__}: {read!r:.40}")
        if read[:k].upper() != adapter:
            raise ValueError(f"sequence {i} does not start with the left adapter {adapter}: it starts "
                             f"with {read[:k + 3]!r} (length {len(read)})")
        out.append((flank + read[k:])[-length:])
    return out


def legnet_one_hot(idx, flags=None) -> torch.Tensor:
    """LegNet's 6-channel input from index codes, on the codes' own device.

    ``idx``: integer tensor (or NumPy array) of codes ``(B, L)`` (A0 C1 G2 T3 N4 PAD5).
    ``flags``: ``(B, 2)`` float tensor ``[is_reverse, is_singleton]`` per row, or None (zeros).
    Returns float32 ``(B, 6, L)``: channels 0-3 one-hot in LegNet's order A, G, C, T (N -> 0.25 in
    each, PAD -> 0), channel 4 = ``flags[:, 0]`` and channel 5 = ``flags[:, 1]`` along the whole length.

    >>> x = legnet_one_hot(torch.tensor([[0, 2, 4]]), torch.tensor([[1.0, 0.0]]))
    >>> x.shape, x[0, :, 1].tolist(), x[0, :4, 2].tolist(), x[0, 4].tolist()
    (torch.Size([1, 6, 3]), [0.0, 1.0, 0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.25, 0.25], [1.0, 1.0, 1.0])
    """
    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx)
    if not isinstance(idx, torch.Tensor) or idx.ndim != 2:
        raise ValueError(f"expected codes shaped (B, L), got {tuple(getattr(idx, 'shape', ())) or idx!r}")
    bases = index_to_one_hot(idx, alphabet=LEGNET_ALPHABET, unknown=0.25)  # (B, 4, L)
    batch, length = idx.shape
    if flags is None:
        planes = torch.zeros(batch, 2, length, device=idx.device)
    else:
        if isinstance(flags, np.ndarray):
            flags = torch.from_numpy(flags)
        if not isinstance(flags, torch.Tensor) or tuple(flags.shape) != (batch, 2):
            raise ValueError(f"flags must be shaped (B, 2) = ({batch}, 2) as [is_reverse, is_singleton], "
                             f"got {tuple(getattr(flags, 'shape', ())) or flags!r}")
        planes = flags.to(device=idx.device, dtype=torch.float32)[:, :, None].expand(batch, 2, length)
    return torch.cat([bases, planes], dim=1)


def soft_labels(y, n_bins: int = 18, sd: float = 0.5) -> torch.Tensor:
    """LegNet's soft targets: each label as a Normal(y + 0.5, sd) spread over ``n_bins`` bins.

    Bin 0 is (-inf, 1), bin i is [i, i + 1) and the last bin is [n_bins - 1, inf), so every row sums
    to 1. A label of 11 (a read seen in bin 11 only) puts most weight on bin 11 and some on 10 and 12.

    ``y``: ``(N,)`` labels on the 0..n_bins-1 scale, a tensor (the result is on its device), a NumPy
    array or a list. Returns float32 ``(N, n_bins)``. NaN labels raise, naming the row (on the CPU;
    on a GPU they are not checked, as that would force a sync every batch: they give NaN rows).

    >>> p = soft_labels([0.0, 11.0])
    >>> p.shape, p.sum(dim=1).tolist(), int(p[1].argmax()), round(float(p[0, 0]), 3)
    (torch.Size([2, 18]), [1.0, 1.0], 11, 0.841)
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an int >= 2, got {n_bins!r}")
    if not sd > 0:
        raise ValueError(f"sd must be > 0, got {sd!r}")
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(np.asarray(y, dtype=np.float32))
    if y.ndim != 1:
        raise ValueError(f"y must be shaped (N,), got {tuple(y.shape)}")
    y = y.float()
    nan = torch.isnan(y)
    if y.device.type == "cpu" and bool(nan.any()):
        raise ValueError(f"label {int(nan.nonzero()[0, 0])} is NaN ({int(nan.sum())} NaN label(s) in all)")
    edges = torch.arange(1, n_bins, dtype=torch.float32, device=y.device)  # inner bin edges 1..n_bins-1
    cdf = torch.special.ndtr((edges[None, :] - (y[:, None] + 0.5)) / sd)     # (N, n_bins - 1)
    zeros, ones = torch.zeros_like(y[:, None]), torch.ones_like(y[:, None])
    return torch.diff(torch.cat([zeros, cdf, ones], dim=1), dim=1)
