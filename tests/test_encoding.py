"""Tests for dnacourse.encoding (and the encoding benchmark in dnacourse.tools.bench)."""

import re

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dnacourse.encoding import (
    ALPHABET,
    N_CODE,
    PAD_CODE,
    decode_index,
    encode_index,
    gc_content,
    index_to_one_hot,
    kmers,
    one_hot,
    pad_or_truncate,
    reverse_complement,
    validate,
)
from dnacourse.tools import bench

acgt = st.text(alphabet="ACGT", min_size=1, max_size=40)
dna = st.text(alphabet="ACGTNacgtn", min_size=1, max_size=40)
dna_lists = st.lists(dna, min_size=1, max_size=8)
alphabets = st.permutations("ACGT").map("".join)


def reference_index(seq, length):
    """Per-base reference for encode_index (eq. 1, PAD at the 3' end)."""
    codes = ["ACGTN".index(base) for base in seq.upper()[:length]]
    return codes + [PAD_CODE] * (length - len(codes))


# ---------------------------------------------------------------------------- constants / one-hot


def test_constants():
    assert ALPHABET == "ACGT"
    assert (N_CODE, PAD_CODE) == (4, 5)
    assert encode_index("ACGTN").tolist() == [0, 1, 2, 3, 4]


def test_one_hot_shapes_and_dtype():
    x = one_hot("ACGT")
    assert x.shape == (4, 4) and x.dtype == np.float32
    assert one_hot(["ACGT", "GGCC", "TTAA"]).shape == (3, 4, 4)
    assert one_hot(["ACGT"]).shape == (1, 4, 4)
    np.testing.assert_array_equal(one_hot("ACGT"), np.eye(4, dtype=np.float32))


@given(acgt)
def test_argmax_recovers_sequence(seq):
    x = one_hot(seq)
    assert "".join(ALPHABET[i] for i in x.argmax(axis=0)) == seq
    assert (x.sum(axis=0) == 1).all()


@given(acgt, alphabets)
def test_alphabet_sets_channel_order(seq, alphabet):
    x = one_hot(seq, alphabet=alphabet)
    assert "".join(alphabet[i] for i in x.argmax(axis=0)) == seq
    reference = one_hot(seq)
    for channel, base in enumerate(alphabet):
        np.testing.assert_array_equal(x[channel], reference[ALPHABET.index(base)])


def test_paper_and_legnet_orders():
    # Airlangga: A, T, C, G; LegNet: A, G, C, T
    np.testing.assert_array_equal(one_hot("C", alphabet="ATCG")[:, 0], [0, 0, 1, 0])
    np.testing.assert_array_equal(one_hot("T", alphabet="ATCG")[:, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(one_hot("G", alphabet="AGCT")[:, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(one_hot("T", alphabet="AGCT")[:, 0], [0, 0, 0, 1])


@pytest.mark.parametrize("alphabet", ["ACG", "ACGTT", "ACGU", "AACG", "", 1234])
def test_bad_alphabet_raises(alphabet):
    with pytest.raises(ValueError, match="permutation of 'ACGT'"):
        one_hot("ACGT", alphabet=alphabet)


@pytest.mark.parametrize("unknown", [0.0, 0.25, 1.0])
def test_n_column_equals_unknown(unknown):
    x = one_hot(["ANnC"], unknown=unknown, length=6)[0]
    assert (x[:, 1] == unknown).all() and (x[:, 2] == unknown).all()
    np.testing.assert_array_equal(x[:, 0], [1, 0, 0, 0])
    np.testing.assert_array_equal(x[:, 3], [0, 1, 0, 0])
    assert (x[:, 4:] == 0).all()  # padding stays zero whatever `unknown` is


def test_case_insensitive():
    np.testing.assert_array_equal(one_hot("acgtn"), one_hot("ACGTN"))
    np.testing.assert_array_equal(encode_index("aCgT"), encode_index("ACGT"))


def test_accepts_tuple_numpy_and_pandas():
    seqs = ["ACGT", "GG", "TTTAA"]
    expected = one_hot(seqs)
    np.testing.assert_array_equal(one_hot(tuple(seqs)), expected)
    np.testing.assert_array_equal(one_hot(np.array(seqs)), expected)
    np.testing.assert_array_equal(one_hot(pd.Series(seqs, index=[7, 3, 9])), expected)


# ---------------------------------------------------------------------------- eq. 1 (length)


def test_eq1_pads_with_zero_columns():
    x = one_hot("ACG", length=5)
    assert x.shape == (4, 5)
    np.testing.assert_array_equal(x[:, :3], one_hot("ACG"))
    assert (x[:, 3:] == 0).all()


def test_eq1_truncates_keeping_first_bases():
    x = one_hot("ACGTTT", length=3)
    np.testing.assert_array_equal(x, one_hot("ACG"))
    assert encode_index("ACGTTT", length=2).tolist() == [0, 1]


def test_unequal_list_pads_to_longest():
    x = one_hot(["A", "ACG", "AC"])
    assert x.shape == (3, 4, 3)
    assert x[0, :, 1:].sum() == 0 and x[2, :, 2].sum() == 0
    assert encode_index(["A", "ACG"]).tolist() == [[0, 5, 5], [0, 1, 2]]


@given(dna_lists, st.one_of(st.none(), st.integers(1, 50)))
def test_encode_index_matches_reference(seqs, length):
    idx = encode_index(seqs, length)
    width = max(map(len, seqs)) if length is None else length
    assert idx.dtype == np.uint8 and idx.shape == (len(seqs), width)
    assert idx.tolist() == [reference_index(s, width) for s in seqs]


@pytest.mark.parametrize(
    "length, error",
    [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("10", TypeError), (True, TypeError)],
)
def test_bad_length_raises(length, error):
    with pytest.raises(error, match="length"):
        one_hot("ACGT", length=length)
    with pytest.raises(error, match="length"):
        encode_index(["ACGT"], length=length)


def test_numpy_integer_length_is_accepted():
    assert one_hot("ACGT", length=np.int64(2)).shape == (4, 2)


@given(dna_lists, st.integers(1, 50))
def test_pad_or_truncate(seqs, length):
    out = pad_or_truncate(seqs, length)
    assert all(len(s) == length for s in out)
    for s, o in zip(seqs, out, strict=True):
        assert o == (s[:length] if len(s) >= length else s + "N" * (length - len(s)))
    assert pad_or_truncate(seqs[0], length) == out[0]


def test_pad_or_truncate_bad_pad():
    assert pad_or_truncate("AC", 4, pad="A") == "ACAA"
    with pytest.raises(ValueError, match="pad"):
        pad_or_truncate("AC", 4, pad="-")
    with pytest.raises(ValueError, match="pad"):
        pad_or_truncate("AC", 4, pad="NN")


# ---------------------------------------------------------------------------- index <-> one-hot


@settings(deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", min_size=1, max_size=40), min_size=1, max_size=8))
def test_encode_decode_round_trip(seqs):
    assert decode_index(encode_index(seqs)) == seqs
    assert decode_index(encode_index(seqs[0])) == seqs[0]
    assert decode_index(torch.from_numpy(encode_index(seqs))) == seqs


def test_decode_is_upper_case_and_rejects_bad_codes():
    assert decode_index(encode_index(["acgtn", "a"])) == ["ACGTN", "A"]
    with pytest.raises(ValueError, match="codes"):
        decode_index(np.array([0, 6]))


@settings(max_examples=50, deadline=None)
@given(dna_lists, alphabets, st.sampled_from([0.0, 0.25]), st.one_of(st.none(), st.integers(1, 30)))
def test_index_to_one_hot_equals_one_hot(seqs, alphabet, unknown, length):
    expected = torch.from_numpy(one_hot(seqs, length, alphabet=alphabet, unknown=unknown))
    idx = encode_index(seqs, length)
    got = index_to_one_hot(torch.from_numpy(idx), alphabet=alphabet, unknown=unknown)
    assert got.dtype == torch.float32 and got.is_contiguous()
    assert torch.equal(got, expected)
    assert torch.equal(
        index_to_one_hot(idx.astype(np.int64), alphabet, unknown), expected
    )  # NumPy in
    assert torch.equal(
        index_to_one_hot(torch.from_numpy(idx[0])), torch.from_numpy(one_hot(seqs, length))[0]
    )


def test_index_to_one_hot_dtype_and_errors():
    idx = torch.tensor([[0, 1, 4, 5]])
    assert index_to_one_hot(idx, dtype=torch.float16).dtype == torch.float16
    with pytest.raises(ValueError, match="0..5"):
        index_to_one_hot(torch.tensor([0, 6]))
    with pytest.raises(ValueError, match="0..5"):
        index_to_one_hot(torch.tensor([0, -1]))
    with pytest.raises(TypeError, match="integer"):
        index_to_one_hot(torch.tensor([0.0, 1.0]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_index_to_one_hot_on_gpu():
    seqs = ["ACGTN", "GGA"]
    idx = torch.from_numpy(encode_index(seqs, 6)).cuda()
    got = index_to_one_hot(idx, alphabet="AGCT", unknown=0.25)
    assert got.device == idx.device
    assert torch.equal(got.cpu(), torch.from_numpy(one_hot(seqs, 6, "AGCT", 0.25)))


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("bad", ["U", "-", " ", "é", "1", "?"])
def test_invalid_character_in_list_is_named(bad):
    seqs = ["ACGT"] * 12 + ["ACGT" + bad + "A"]
    with pytest.raises(
        ValueError, match=re.escape(f"invalid character {bad!r} at position 4 of sequence 12")
    ):
        one_hot(seqs)
    with pytest.raises(ValueError, match=r"allowed: A, C, G, T, N; case-insensitive"):
        encode_index(seqs)


@pytest.mark.parametrize("bad", ["U", "-", " ", "é", "7", "\n"])
def test_invalid_character_in_str_is_named(bad):
    with pytest.raises(
        ValueError, match=re.escape(f"invalid character {bad!r} at position 2 (allowed")
    ):
        one_hot("AC" + bad + "GT")


def test_first_invalid_character_is_reported():
    with pytest.raises(ValueError, match="'X' at position 1 of sequence 0"):
        validate(["AXé", "AéU"])
    with pytest.raises(ValueError, match="'é' at position 1 of sequence 1"):
        validate(["ACG", "AéU"])


def test_empty_sequences_and_lists():
    with pytest.raises(ValueError, match="sequence 2 is empty"):
        one_hot(["A", "C", ""])
    with pytest.raises(ValueError, match="empty"):
        one_hot("")
    with pytest.raises(ValueError, match="empty list"):
        one_hot([])


@pytest.mark.parametrize("item, name", [(None, "NoneType"), (5, "int"), (b"ACGT", "bytes")])
def test_non_string_items_raise_type_error(item, name):
    with pytest.raises(TypeError, match=rf"sequence 1 must be a str, got {name}"):
        one_hot(["ACGT", item])
    with pytest.raises(TypeError, match=name):
        encode_index(item)


# ---------------------------------------------------------------------------- string helpers


@given(dna)
def test_reverse_complement_twice_is_identity(seq):
    assert reverse_complement(reverse_complement(seq)) == seq


def test_reverse_complement_examples():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("aaCg") == "cGtt"
    assert reverse_complement(["AC", "GGT"]) == ["GT", "ACC"]
    with pytest.raises(ValueError, match="'U' at position 2"):
        reverse_complement("ACU")


@given(acgt)
def test_reverse_complement_is_a_flip_of_one_hot(seq):
    np.testing.assert_array_equal(one_hot(reverse_complement(seq)), one_hot(seq)[::-1, ::-1])


@given(dna, st.integers(1, 45))
def test_kmers(seq, k):
    out = kmers(seq, k)
    assert len(out) == max(0, len(seq) - k + 1)
    assert out == [seq[i : i + k] for i in range(len(seq) - k + 1)]
    assert all(len(m) == k for m in out)
    if out:
        assert "".join([out[0]] + [m[-1] for m in out[1:]]) == seq


def test_kmers_errors():
    assert kmers("ACGT", 2) == ["AC", "CG", "GT"]
    assert kmers("ACG", 4) == []
    with pytest.raises(ValueError, match="k must be >= 1"):
        kmers("ACGT", 0)
    with pytest.raises(TypeError):
        kmers("ACGT", 1.5)
    with pytest.raises(ValueError, match="'U'"):
        kmers("ACUT", 2)


def test_gc_content():
    assert gc_content("GGCA") == 0.75
    assert gc_content("gcNN") == 1.0
    np.testing.assert_allclose(gc_content(["GCAT", "AAAA", "GNNA"]), [0.5, 0.0, 0.5])
    assert np.isnan(gc_content("NNN"))


# ---------------------------------------------------------------------------- benchmark


def test_naive_one_hot_matches_one_hot():
    seqs = bench.random_sequences(30, 40, seed=3) + ["ACGTNacgtn"]
    for length in (20, 40, 55):
        np.testing.assert_array_equal(bench.naive_one_hot(seqs, length), one_hot(seqs, length))


def test_encoding_benchmark_tiny():
    result = bench.encoding_benchmark(n=50, length=100, repeats=1)
    expected = {
        "n",
        "length",
        "bases",
        "naive_n",
        "one_hot_s",
        "one_hot_mbases_s",
        "naive_s",
        "naive_mbases_s",
        "speedup",
        "encode_index_s",
        "encode_index_mbases_s",
        "identical",
    }
    assert expected <= set(result)
    assert result["identical"] is True and result["bases"] == 5000
    assert result["one_hot_s"] > 0 and result["speedup"] > 0


def test_bench_main_prints_table(capsys):
    result = bench.main(
        ["--n", "20", "--length", "30", "--repeats", "1", "--naive-n", "5", "--device", "cpu",
         "--parts", "encoding,augment", "--json", "-"]
    )
    out = capsys.readouterr().out
    assert "one_hot (NumPy)" in out and "extrapolated" in out and "augment_batch (cpu)" in out
    assert result["encoding"]["naive_n"] == 5


def test_command_line_runs_the_benchmark_and_rejects_unknown_commands(capsys):
    from dnacourse.__main__ import main

    assert main(["bench", "--n", "20", "--length", "30", "--repeats", "1", "--naive-n", "5",
                 "--parts", "encoding,augment", "--json", "-"]) == 0
    out = capsys.readouterr().out
    assert "one_hot (NumPy)" in out and "arrays identical: True" in out
    assert main(["frobnicate"]) == 2
    assert "usage: python -m dnacourse" in capsys.readouterr().err
