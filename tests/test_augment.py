"""Tests for dnacourse.augment: eq. 2-4 on strings and the batched tensor augmentation."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dnacourse import encoding
from dnacourse.augment import (
    augment_batch,
    augment_sequence,
    delete,
    insert,
    random_delete,
    random_insert,
    random_substitute,
    reverse_complement,
    reverse_complement_index,
    reverse_complement_one_hot,
    substitute,
)
from dnacourse.encoding import N_CODE, PAD_CODE, decode_index, encode_index, one_hot

dna = st.text(alphabet="ACGTNacgtn", min_size=1, max_size=30)
bases = st.sampled_from("ACGTNacgtn")


def one_edit_neighbours(seq):
    """Every string one insertion, deletion or substitution (A/C/G/T/N) away from ``seq``."""
    out = set()
    for p in range(len(seq) + 1):
        for b in "ACGTN":
            out.add(seq[:p] + b + seq[p:])
            if p < len(seq):
                out.add(seq[:p] + b + seq[p + 1 :])
        if p < len(seq):
            out.add(seq[:p] + seq[p + 1 :])
    return out


def padded_batch(seqs, length, dtype=torch.uint8):
    return torch.from_numpy(encode_index(seqs, length)).to(dtype)


# ---------------------------------------------------------------------------- eq. 2-4


@given(dna, bases)
def test_eq2_insert_matches_slicing_for_every_position(seq, base):
    for pos in range(len(seq) + 1):
        assert insert(seq, pos, base) == seq[:pos] + base + seq[pos:]


@given(dna)
def test_eq3_delete_matches_slicing_for_every_position(seq):
    for pos in range(len(seq)):
        assert delete(seq, pos) == seq[:pos] + seq[pos + 1 :]


@given(dna, bases)
def test_eq4_substitute_matches_slicing_for_every_position(seq, base):
    for pos in range(len(seq)):
        assert substitute(seq, pos, base) == seq[:pos] + base + seq[pos + 1 :]


def test_numpy_integer_positions_are_accepted():
    assert insert("ACG", np.int64(1), "T") == "ATCG"


@pytest.mark.parametrize(
    "call, pos, valid",
    [
        (lambda p: insert("ACGT", p, "A"), 5, "0..4"),
        (lambda p: insert("ACGT", p, "A"), -1, "0..4"),
        (lambda p: delete("ACGT", p), 4, "0..3"),
        (lambda p: delete("ACGT", p), -1, "0..3"),
        (lambda p: substitute("ACGT", p, "A"), 4, "0..3"),
        (lambda p: substitute("ACGT", p, "A"), -4, "0..3"),
    ],
)
def test_out_of_range_positions_raise_index_error(call, pos, valid):
    message = f"position {pos} is out of range for a sequence of length 4 (valid: {valid})"
    with pytest.raises(IndexError, match=re.escape(message)):
        call(pos)


@pytest.mark.parametrize("pos", [1.0, "1", True, None])
def test_non_int_positions_raise_type_error(pos):
    with pytest.raises(TypeError, match="position must be an int"):
        insert("ACGT", pos, "A")
    with pytest.raises(TypeError, match="position must be an int"):
        delete("ACGT", pos)


@pytest.mark.parametrize("base", ["X", "U", "AC", "", "-", "é"])
def test_invalid_base_raises(base):
    with pytest.raises(ValueError, match=re.escape(repr(base))):
        insert("ACGT", 1, base)
    with pytest.raises(ValueError, match=re.escape(repr(base))):
        substitute("ACGT", 1, base)


def test_invalid_sequence_raises_like_encoding():
    with pytest.raises(ValueError, match="invalid character 'U' at position 2"):
        insert("ACU", 0, "A")
    with pytest.raises(ValueError, match="empty"):
        delete("", 0)
    with pytest.raises(TypeError, match="str"):
        substitute(None, 0, "A")
    with pytest.raises(TypeError, match="base"):
        insert("ACGT", 0, 1)


# ---------------------------------------------------------------------------- random string edits


@given(dna, st.integers(0, 2**32 - 1))
def test_random_edits_change_length_the_right_way(seq, seed):
    rng = np.random.default_rng(seed)
    neighbours = one_edit_neighbours(seq)
    grown = random_insert(seq, rng)
    if len(seq) == 1:  # deleting the only base would leave an empty sequence
        with pytest.raises(ValueError, match="1-base sequence"):
            random_delete(seq, rng)
        shrunk = ""
    else:
        shrunk = random_delete(seq, rng)
        assert shrunk in neighbours
    same = random_substitute(seq, rng)
    assert len(grown) == len(seq) + 1 and grown in neighbours
    assert len(shrunk) == len(seq) - 1
    assert len(same) == len(seq)
    changed = [i for i, (a, b) in enumerate(zip(seq, same, strict=True)) if a != b]
    assert len(changed) == 1 and same[changed[0]].upper() != seq[changed[0]].upper()
    assert same[changed[0]] in "ACGT"


def test_random_edits_are_reproducible():
    seq = "ACGTACGTACGTNNACGT"
    a = [augment_sequence(seq, np.random.default_rng(7), n_edits=3) for _ in range(2)]
    assert a[0] == a[1]
    assert random_insert(seq, 3) == random_insert(seq, np.random.default_rng(3))


def test_augment_sequence():
    rng = np.random.default_rng(0)
    assert augment_sequence("ACGT", rng, n_edits=0) == "ACGT"
    assert len(augment_sequence("ACGTACGT", rng, n_edits=3, kinds=("insert",))) == 11
    assert len(augment_sequence("ACGTACGT", rng, n_edits=3, kinds=("delete",))) == 5
    assert len(augment_sequence("ACGTACGT", rng, n_edits=3, kinds="substitute")) == 8
    # deletions are never drawn on a 1-base sequence
    assert all(len(augment_sequence("A", rng, 1, ("delete", "substitute"))) == 1 for _ in range(20))
    with pytest.raises(ValueError, match="1-base"):
        augment_sequence("A", rng, 1, kinds=("delete",))
    with pytest.raises(ValueError, match="kinds"):
        augment_sequence("ACGT", rng, kinds=("swap",))
    with pytest.raises(ValueError, match="n_edits"):
        augment_sequence("ACGT", rng, n_edits=-1)


def test_reverse_complement_is_reexported():
    assert reverse_complement is encoding.reverse_complement
    assert reverse_complement("ACCN") == "NGGT"


# ---------------------------------------------------------------------------- reverse complement on tensors


padded_seqs = st.lists(st.text(alphabet="ACGTN", min_size=1, max_size=12), min_size=1, max_size=6)


@settings(deadline=None)
@given(padded_seqs)
def test_reverse_complement_index_matches_strings(seqs):
    idx = padded_batch(seqs, 12)
    rc = reverse_complement_index(idx)
    assert decode_index(rc) == [reverse_complement(s) for s in seqs]
    assert ((rc == PAD_CODE) == (idx == PAD_CODE)).all()  # PAD stays at the 3' end
    assert torch.equal(reverse_complement_index(rc), idx)
    assert torch.equal(reverse_complement_index(idx[0]), rc[0])  # 1-D works too


@settings(deadline=None)
@given(st.text(alphabet="ACGT", min_size=1, max_size=12))
def test_reverse_complement_one_hot(seq):
    x = torch.from_numpy(one_hot([seq]))
    expected = torch.from_numpy(one_hot([reverse_complement(seq)]))
    assert torch.equal(reverse_complement_one_hot(x), expected)
    assert torch.equal(reverse_complement_one_hot(x[0]), expected[0])


def test_reverse_complement_one_hot_moves_padding_to_5_prime():
    x = torch.from_numpy(one_hot("AAC", length=5))
    rc = reverse_complement_one_hot(x)
    assert rc[:, :2].sum() == 0  # the padding columns are now at the start
    assert torch.equal(rc[:, 2:], torch.from_numpy(one_hot("GTT")))


# ---------------------------------------------------------------------------- augment_batch


def example_batch(dtype=torch.uint8):
    seqs = ["ACGTACGTACGTACGTACGT", "ACGNNTTA", "A", "NNNN", "GATTACAGATTACA", "C" * 20]
    return padded_batch(seqs, 20, dtype)


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int64, torch.int32])
def test_augment_batch_keeps_shape_dtype_and_input(dtype):
    idx = example_batch(dtype)
    before = idx.clone()
    g = torch.Generator().manual_seed(0)
    out = augment_batch(idx, 0.3, 0.5, 0.5, generator=g)
    assert out.shape == idx.shape and out.dtype == dtype and out.device == idx.device
    assert torch.equal(idx, before)  # not modified in place
    assert int(out.min()) >= 0 and int(out.max()) <= PAD_CODE


def test_zero_rates_are_identity():
    idx = example_batch()
    out = augment_batch(idx)
    assert torch.equal(out, idx) and out.data_ptr() != idx.data_ptr()


def test_substitution_rate_one_changes_every_real_base():
    idx = example_batch()
    out = augment_batch(idx, substitution_rate=1.0, generator=torch.Generator().manual_seed(1))
    real = idx < N_CODE
    assert (out[real] != idx[real]).all() and (out[real] < N_CODE).all()
    assert torch.equal(out[~real], idx[~real])  # N and PAD untouched


def test_substitution_rate_is_respected_roughly():
    idx = padded_batch(["ACGT" * 250] * 20, 1000)
    out = augment_batch(idx, substitution_rate=0.1, generator=torch.Generator().manual_seed(2))
    assert 0.08 < (out != idx).float().mean().item() < 0.12
    # the new base is uniform over the 3 others: (new - old) mod 4 is 1, 2 or 3 equally often
    hit = out != idx
    shift = (out[hit].long() - idx[hit].long()) % 4
    assert all(0.28 < (shift == s).float().mean().item() < 0.39 for s in (1, 2, 3))


def test_rc_prob_one_matches_reverse_complement_of_strings():
    idx = example_batch()
    out = augment_batch(idx, rc_prob=1.0)
    assert decode_index(out) == [reverse_complement(s) for s in decode_index(idx)]
    assert ((out == PAD_CODE) == (idx == PAD_CODE)).all()


@settings(max_examples=40, deadline=None)
@given(padded_seqs, st.integers(0, 2**31))
def test_indel_is_a_one_edit_neighbour_with_the_documented_pad_change(seqs, seed):
    length = 12
    idx = padded_batch(seqs, length)
    out = augment_batch(idx, indel_prob=1.0, generator=torch.Generator().manual_seed(seed))
    assert out.shape == idx.shape
    for before, after, row_in, row_out in zip(
        decode_index(idx), decode_index(out), idx, out, strict=True
    ):
        pads_in, pads_out = int((row_in == PAD_CODE).sum()), int((row_out == PAD_CODE).sum())
        assert (row_out[: len(after)] != PAD_CODE).all()  # PAD is still a 3' suffix
        if len(before) == 1 and len(after) == 1:  # deletion skipped on a 1-base row
            assert after == before
        elif len(after) == len(before) - 1:  # deletion: one more PAD
            assert after in one_edit_neighbours(before) and pads_out == pads_in + 1
        elif len(after) == len(before) + 1:  # insertion: one PAD fewer
            assert after in one_edit_neighbours(before) and pads_out == pads_in - 1
        else:  # insertion into a full row: the last base falls off
            assert len(before) == len(after) == length and pads_in == pads_out == 0
            assert any(
                after == (before[:p] + b + before[p:])[:length]
                for p in range(length)
                for b in "ACGT"
            )


def test_indel_does_both_kinds_at_any_position():
    idx = padded_batch(["ACGTACGTAC"] * 400, 12)
    out = augment_batch(idx, indel_prob=1.0, generator=torch.Generator().manual_seed(3))
    lengths = (out != PAD_CODE).sum(1)
    n_del, n_ins = int((lengths == 9).sum()), int((lengths == 11).sum())
    assert n_del + n_ins == 400 and 150 < n_del < 250
    # first and last positions get edited too (deletion of the first base, append at the end)
    assert "CGTACGTAC" in decode_index(out) and "ACGTACGTA" in decode_index(out)
    assert any(s.startswith("ACGTACGTAC") and len(s) == 11 for s in decode_index(out))


def test_indel_prob_zero_and_half():
    idx = padded_batch(["ACGTACGTAC"] * 400, 12)
    out = augment_batch(idx, indel_prob=0.5, generator=torch.Generator().manual_seed(4))
    edited = int(((out != PAD_CODE).sum(1) != 10).sum())
    assert 150 < edited < 250


def test_same_generator_seed_is_reproducible():
    idx = example_batch()
    args = dict(substitution_rate=0.2, indel_prob=0.5, rc_prob=0.5)
    a = augment_batch(idx, **args, generator=torch.Generator().manual_seed(42))
    b = augment_batch(idx, **args, generator=torch.Generator().manual_seed(42))
    c = augment_batch(idx, **args, generator=torch.Generator().manual_seed(43))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_augment_batch_argument_errors():
    idx = example_batch()
    with pytest.raises(ValueError, match="substitution_rate"):
        augment_batch(idx, substitution_rate=1.5)
    with pytest.raises(ValueError, match="rc_prob"):
        augment_batch(idx, rc_prob=-0.1)
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        augment_batch(idx[0])
    with pytest.raises(TypeError, match="integer"):
        augment_batch(idx.float())
    with pytest.raises(TypeError, match="torch"):
        augment_batch(idx.numpy())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_augment_batch_on_gpu():
    idx = example_batch().cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    out = augment_batch(idx, 0.1, 0.5, 1.0, generator=g)
    assert out.device == idx.device and out.dtype == idx.dtype and out.shape == idx.shape
    rc = augment_batch(idx, rc_prob=1.0)
    assert torch.equal(rc.cpu(), reverse_complement_index(idx.cpu()))


def test_start_shift_drops_a_prefix_of_at_most_start_shift_bases_and_pads_the_end():
    seqs = ["ACGTACGTAC", "GGA", "T", ""]                   # the last row: all PAD
    idx = torch.from_numpy(encode_index(seqs[:3], length=12))
    idx = torch.cat([idx, torch.full((1, 12), PAD_CODE, dtype=idx.dtype)])
    seen = {row: set() for row in range(len(seqs))}
    for seed in range(40):
        out = augment_batch(idx, start_shift=4, generator=torch.Generator().manual_seed(seed))
        assert out.shape == idx.shape and out.dtype == idx.dtype
        for row, seq in enumerate(seqs):
            got = decode_index(out[row])                   # the real part (PAD is not decoded)
            dropped = len(seq) - len(got)
            assert seq.endswith(got) and 0 <= dropped <= min(4, max(len(seq) - 1, 0))   # never emptied
            assert (out[row, len(got):] == PAD_CODE).all()
            seen[row].add(dropped)
    assert seen[0] == {0, 1, 2, 3, 4} and seen[1] == {0, 1, 2} and seen[2] == {0} and seen[3] == {0}
    assert torch.equal(augment_batch(idx, start_shift=0), idx)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_start_shift_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="start_shift"):
        augment_batch(torch.zeros(1, 4, dtype=torch.uint8), start_shift=bad)


def test_window_keeps_a_full_window_inside_each_row_from_every_possible_start():
    seqs = ["ACGGTCATTC", "GGATT", "T"]                    # every 6-base window of the first row is unique
    idx = torch.from_numpy(encode_index(seqs, length=12))
    idx = torch.cat([idx, torch.full((1, 12), PAD_CODE, dtype=idx.dtype)])   # an all-PAD row
    starts = set()
    for seed in range(60):
        out = augment_batch(idx, window=6, generator=torch.Generator().manual_seed(seed))
        assert out.shape == (4, 6) and out.dtype == idx.dtype
        got = decode_index(out[0])
        assert len(got) == 6 and got in seqs[0]            # a full window of the long row ...
        starts.add(seqs[0].find(got))
        assert decode_index(out[1]) == "GGATT" and out[1, 5] == PAD_CODE   # ... shorter rows whole
        assert decode_index(out[2]) == "T" and (out[3] == PAD_CODE).all()
    assert starts == {0, 1, 2, 3, 4}                        # every start that fits, none that does not
    # the window may be wider than the batch: columns past the end are PAD
    wide = augment_batch(idx, window=15)
    assert wide.shape == (4, 15) and decode_index(wide[0]) == seqs[0]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_window_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="window"):
        augment_batch(torch.zeros(1, 4, dtype=torch.uint8), window=bad)
