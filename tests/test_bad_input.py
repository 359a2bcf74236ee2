"""Bad input: every case of the table in docs/bad-input.md, each raising a clear error.

``CASES`` is the table: what a student might pass, the call, the exception type and words its message
must contain (the value, the position, the row or the file). ``test_docs_table_matches`` keeps the
page's table and this one in step: every case is a row there with the same exception type, and
every row there is a case here.
"""

import math
import os
import re
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import torch

from dnacourse import augment, data, encoding, metrics, models, promoters, runtime, splits, train
from dnacourse.tools import reproduce

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = promoters.DREAM_LEFT_ADAPTER
TOY_PLASMID = "ACGT" * 40 + ADAPTER + "N" * 80 + "GGTTACGGCTGTT"


def _file(tmp_path, name, text):
    return _bytes_file(tmp_path, name, text.encode())


def _bytes_file(tmp_path, name, raw: bytes):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def _tiny_fit(labels, *layers, **kw):
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3), *layers)
    codes = torch.zeros(len(labels), 4, dtype=torch.uint8)
    tr = data.SequenceData(codes, torch.tensor(labels))
    va = data.SequenceData(torch.zeros(2, 4, dtype=torch.uint8), torch.tensor([0, 1]))
    return train.fit(net, tr, va, **{"epochs": 1, "progress": False, "device": "cpu", **kw})


def _checkpoint(tmp_path, name, state=None, cut=None):
    """A checkpoint-like file: ``state`` saved by torch (cut to ``cut`` bytes), or empty."""
    path = tmp_path / name
    if state is None:
        path.write_bytes(b"")
        return path
    torch.save(state, path)
    path.write_bytes(path.read_bytes()[:cut])
    return path


def _notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_dna.ipynb", "10_models.ipynb", "11_more.ipynb"):
        (folder / name).write_text("{}")
    return folder


def _with_env(name, value, call):
    with mock.patch.dict(os.environ, {name: str(value)}):
        return call()


def _outlier_rows():
    return ["ACGT" * 25] * 6000 + ["A" * 200_000]


def _expression_rows(values):
    return pd.DataFrame({"sequence": [ADAPTER + "ACGT"] * len(values), "expression": values})


# (docs/bad-input.md input, call(tmp_path), exception, regex the message must match)
CASES = [
    ("RNA base `U` in a sequence", lambda t: encoding.one_hot("ACGU"),
     ValueError, r"'U' at position 3"),
    ("alignment gap `-`", lambda t: encoding.one_hot("AC-GT"),
     ValueError, r"'-' at position 2"),
    ("space inside a sequence", lambda t: encoding.one_hot("AC GT"),
     ValueError, r"' ' at position 2"),
    ("newline inside a sequence", lambda t: encoding.one_hot("ACG\nT"),
     ValueError, r"'\\n' at position 3"),
    ("non-ASCII letter (`Å`)", lambda t: encoding.one_hot("ACGÅT"),
     ValueError, r"'Å' at position 3"),
    ("bad base in the 2nd of several sequences", lambda t: encoding.encode_index(["ACGT", "ACGU"]),
     ValueError, r"position 3 of sequence 1"),
    ("empty sequence", lambda t: encoding.one_hot(""),
     ValueError, r"empty"),
    ("empty sequence in a list", lambda t: encoding.encode_index(["ACGT", ""], length=4),
     ValueError, r"sequence 1 is empty"),
    ("`None` instead of a sequence", lambda t: encoding.one_hot(None),
     TypeError, r"NoneType"),
    ("a number instead of a sequence", lambda t: encoding.one_hot(5),
     TypeError, r"got int"),
    ("`None` inside a list of sequences", lambda t: encoding.encode_index(["ACGT", None], length=4),
     TypeError, r"sequence 1 must be a str"),
    ("bytes instead of str", lambda t: encoding.one_hot(b"ACGT"),
     TypeError, r"decode"),
    ("negative target length (eq. 1)", lambda t: encoding.pad_or_truncate("ACGT", -1),
     ValueError, r"-1"),
    ("k-mer size 0", lambda t: encoding.kmers("ACGT", 0),
     ValueError, r"k must be >= 1, got 0"),
    ("insertion at a negative position (eq. 2)", lambda t: augment.insert("ACGT", -1, "A"),
     IndexError, r"position -1 .* length 4"),
    ("insertion past the end (eq. 2)", lambda t: augment.insert("ACGT", 5, "A"),
     IndexError, r"position 5 .*valid: 0\.\.4"),
    ("deletion past the end (eq. 3)", lambda t: augment.delete("ACGT", 4),
     IndexError, r"position 4 .*valid: 0\.\.3"),
    ("substitution at a negative position (eq. 4)", lambda t: augment.substitute("ACGT", -1, "A"),
     IndexError, r"position -1"),
    ("substitution by a non-base (eq. 4)", lambda t: augment.substitute("ACGT", 1, "X"),
     ValueError, r"'X'"),
    ("class names (text) as labels", lambda t: data.SequenceData.from_frame(
        pd.DataFrame({"sequence": ["ACGT", "ACGT"], "label": ["kinase", "synthase"]}), length=4),
     TypeError, r"'label' must be numeric"),
    ("label 5 for a 3-class model", lambda t: _tiny_fit([0, 1, 2, 5]),
     ValueError, r"label 5 is out of range .* n_classes=3"),
    ("3 sequences, 2 labels", lambda t: data.SequenceData(torch.zeros(3, 4, dtype=torch.uint8),
                                                         torch.tensor([0, 1])),
     ValueError, r"3 rows .* 2 labels"),
    ("label outside the probability columns (metrics)", lambda t: metrics.classification_metrics(
        [0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]),
     ValueError, r"y_true\[2\] = 2"),
    ("NaN expression value (training rows)", lambda t: promoters.promoter_data(
        _expression_rows([1.0, float("nan")]), TOY_PLASMID, length=20),
     ValueError, r"NaN in row 1"),
    ("NaN expression value (soft labels)", lambda t: promoters.soft_labels([1.0, float("nan")]),
     ValueError, r"label 1 is NaN"),
    ("NaN in measured values (correlation)", lambda t: metrics.regression_metrics([1.0, math.nan, 2.0],
                                                                                 [1.0, 2.0, 3.0]),
     ValueError, r"y_true\[1\] = nan"),
    ("promoter read without the DREAM adapter", lambda t: promoters.plasmid_pad(["ACGT" * 20],
                                                                              TOY_PLASMID),
     ValueError, r"sequence 0 does not start with the left adapter"),
    ("gene-family file with commas instead of tabs", lambda t: data.read_gene_family_file(
        _file(t, "comma.txt", "sequence,class\nACGT,1\n")),
     ValueError, r"comma\.txt.*sequence<TAB>class"),
    ("gene-family file with wrong column names", lambda t: data.read_gene_family_file(
        _file(t, "cols.txt", "seq\tlabel\nACGT\t1\n")),
     ValueError, r"cols\.txt.*found 'seq\\tlabel'"),
    ("gene-family label 9 (families are 0-6)", lambda t: data.read_gene_family_file(
        _file(t, "label.txt", "sequence\tclass\nACGT\t1\nACGT\t9\n")),
     ValueError, r"label\.txt.*line 3 \('9'\)"),
    ("gene-family row with a bad base", lambda t: data.read_gene_family_file(
        _file(t, "base.txt", "sequence\tclass\nACGT\t1\nACXT\t2\n")),
     ValueError, r"base\.txt.*line 3 \(X\)"),
    ("gene-family row with an empty sequence", lambda t: data.read_gene_family_file(
        _file(t, "empty.txt", "sequence\tclass\nACGT\t1\n\t2\n")),
     ValueError, r"empty\.txt.*empty sequence: line 3"),
    ("expression file with a missing value", lambda t: data._read_expression_table(
        _file(t, "expr.txt", "ACGT\t1.5\nACGT\t\n")),
     ValueError, r"expr\.txt: missing values on line 2"),
    ("expression file with 3 columns", lambda t: data._read_expression_table(
        _file(t, "three.txt", "ACGT\t1.5\t3\n")),
     ValueError, r"three\.txt: expected 2 tab-separated columns, found 3"),
    ("too many promoter rows asked (10,240 offline)", lambda t: promoters.sample_promoters(
        _expression_rows([1.0] * 100), 10_240),
     ValueError, r"10,240"),
    # issue 16: training and checkpoints
    ("`fit(checkpoint=...)` onto an existing file, without `resume=True`", lambda t: _tiny_fit(
        [0, 1, 2, 1], checkpoint=_file(t, "run.pt", "an earlier run")),
     FileExistsError, r"run\.pt already exists .*resume=True"),
    ("empty checkpoint file", lambda t: train.load_checkpoint(_checkpoint(t, "empty.pt")),
     ValueError, r"empty\.pt cannot be read as a checkpoint .*delete it"),
    ("checkpoint cut short (an interrupted copy)", lambda t: train.load_checkpoint(
        _checkpoint(t, "cut.pt", {"model": torch.zeros(100)}, cut=300)),
     ValueError, r"cut\.pt cannot be read as a checkpoint"),
    ("another program's `.pt` file as a checkpoint", lambda t: train.load_checkpoint(
        _checkpoint(t, "weights.pt", {"weight": torch.zeros(3)})),
     ValueError, r"weights\.pt is not a dnacourse\.train checkpoint"),
    ("resuming from a corrupt checkpoint", lambda t: _tiny_fit(
        [0, 1, 2, 1], checkpoint=_checkpoint(t, "bad.pt"), resume=True),
     ValueError, r"bad\.pt cannot be read"),
    ("negative seed", lambda t: _tiny_fit([0, 1, 2, 1], seed=-1),
     ValueError, r"seed must be an int from 0 to 2\*\*63 - 1, got -1"),
    ("float labels (0.5, 1.5) with the default loss", lambda t: _tiny_fit([0.5, 1.5, 0.5, 2.5]),
     TypeError, r"train\.y holds float targets .*loss_fn"),
    ("NaN label in a frame", lambda t: data.SequenceData.from_frame(
        pd.DataFrame({"sequence": ["ACGT"] * 3, "label": [0, float("nan"), 1]}), length=4),
     ValueError, r"'label' is nan in row 1"),
    ("labels shaped (N, 1)", lambda t: data.SequenceData(torch.zeros(3, 4, dtype=torch.uint8),
                                                        np.zeros((3, 1), dtype=np.int64)),
     ValueError, r"shaped \(3, 1\).*\(N,\)"),
    ("a model with `n_classes=0`", lambda t: models.build("cnn", n_classes=0),
     ValueError, r"n_classes must be an int >= 1, got 0"),
    ("`batch_size=1` with a BatchNorm layer", lambda t: _tiny_fit(
        [0, 1, 2, 1], torch.nn.BatchNorm1d(3), batch_size=1),
     ValueError, r"BatchNorm layer got a training batch of 1 row.*batch_size=1"),
    ("one training row with a BatchNorm layer", lambda t: _tiny_fit([0], torch.nn.BatchNorm1d(3)),
     ValueError, r"BatchNorm layer got a training batch of 1 row"),
    # promoters and data files
    ("infinite expression value (training rows)", lambda t: promoters.promoter_data(
        _expression_rows([1.0, float("inf")]), TOY_PLASMID, length=20),
     ValueError, r"expression is inf in row 1"),
    ("infinite expression value (soft labels)", lambda t: promoters.soft_labels([1.0, -math.inf]),
     ValueError, r"label 1 is -inf"),
    ("gene-family file in UTF-16 without a byte-order mark", lambda t: data.read_gene_family_file(
        _bytes_file(t, "u16.txt", "sequence\tclass\nACGT\t1\n".encode("utf-16-le"))),
     ValueError, r"u16\.txt holds NUL bytes: .*UTF-16"),
    ("gene-family file with only the header", lambda t: data.read_gene_family_file(
        _file(t, "header.txt", "sequence\tclass\r\n")),
     ValueError, r"header\.txt has the header .* but no rows"),
    ("expression file with a header line", lambda t: data._read_expression_table(
        _file(t, "head.txt", "sequence\texpression\nACGT\t1.5\n")),
     ValueError, r"head\.txt: the expression on line 1 is 'expression'.*header"),
    ("empty expression file", lambda t: data._read_expression_table(_file(t, "none.txt", "")),
     ValueError, r"none\.txt is empty"),
    ("expression `NA` in an expression file", lambda t: data._read_expression_table(
        _file(t, "na.txt", "ACGT\t1.5\nACGT\tNA\n")),
     ValueError, r"na\.txt: the expression on line 2 is 'NA'"),
    ("expression `inf` in an expression file", lambda t: data._read_expression_table(
        _file(t, "inf.txt", "ACGT\t1.5\nACGT\tinf\n")),
     ValueError, r"inf\.txt: the expression on line 2 is inf, not a finite number"),
    # encoding and augmentation
    ("`one_hot(..., unknown=None)`", lambda t: encoding.one_hot("ACGN", unknown=None),
     TypeError, r"unknown must be a number in \[0, 1\], got NoneType"),
    ("`encode_index(..., length=2**63)`", lambda t: encoding.encode_index(["ACGT"], length=2**63),
     ValueError, r"length=9,223,372,036,854,775,808 .* needs"),
    ("one 200,000-base sequence among 6,000 short ones, no `length=`", lambda t: encoding.encode_index(
        _outlier_rows()),
     ValueError, r"sequence 6000: 200,000 bases.*pass length="),
    ("negative code in `augment_batch`", lambda t: augment.augment_batch(
        torch.tensor([[0, -1, 2]], dtype=torch.int8), rc_prob=1.0),
     ValueError, r"got -1 at row 0, position 1"),
    ("code 6 in `augment_batch`", lambda t: augment.augment_batch(
        torch.tensor([[0, 1, 2], [0, 6, 5]]), rc_prob=1.0),
     ValueError, r"got 6 at row 1, position 1"),
    ("PAD before a base in `augment_batch`", lambda t: augment.augment_batch(
        torch.tensor([[0, 5, 2]]), indel_prob=1.0),
     ValueError, r"row 0 has PAD \(5\) at position 1 before a base at position 2"),
    ("`augment_batch(..., generator=0)`", lambda t: augment.augment_batch(
        torch.tensor([[0, 1, 2]]), rc_prob=0.5, generator=0),
     TypeError, r"generator must be a torch\.Generator .* got int"),
    ("`random_delete` on a 1-base sequence", lambda t: augment.random_delete("A", 0),
     ValueError, r"1-base sequence 'A'"),
    ("more classes than distinct motifs (`make_motif_dataset`)", lambda t: data.make_motif_dataset(
        1, 5, length=10, motif_length=1),
     ValueError, r"n_classes=5 needs 5 distinct motifs"),
    # splits
    ("`grouped_split` where every row is related (one group)", lambda t: splits.grouped_split(
        pd.DataFrame({"sequence": ["ACGTACGTACGTACGTACGT"] * 20, "label": [0, 1] * 10})),
     ValueError, r"only 1 group\(s\) .* at least 5 groups"),
    ("`grouped_split(test_size=0)`", lambda t: splits.grouped_split(
        data.make_motif_dataset(10), test_size=0),
     ValueError, r"test_size must be a fraction .* got 0"),
    ("`grouped_split(test_size=1.5)`", lambda t: splits.grouped_split(
        data.make_motif_dataset(10), test_size=1.5),
     ValueError, r"test_size must be in \[0, 1\], got 1\.5"),
    ("missing sequence (NaN) in `related_pairs`", lambda t: splits.related_pairs(
        ["ACGT", math.nan, "GGCC"]),
     TypeError, r"seqs\[1\] is nan \(float\), not a sequence"),
    # the command line and the environment
    ("`reproduce --notebooks \"\"`", lambda t: reproduce.find_notebooks(_notebooks(t), ""),
     ValueError, r"names no notebook"),
    ("`reproduce --out notebooks` (the source folder)", lambda t: reproduce.reproduce(
        notebook_dir=_notebooks(t), out=t / "notebooks", progress=False),
     ValueError, r"holds the source notebooks .* would overwrite them"),
    ("`DNACOURSE_DATA_DIR` set to a file", lambda t: _with_env(
        "DNACOURSE_DATA_DIR", _file(t, "cache.txt", "x"), runtime.data_dir),
     NotADirectoryError, r"DNACOURSE_DATA_DIR=.*cache\.txt is a file, not a folder"),
]


@pytest.mark.parametrize("what, call, error, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(tmp_path, what, call, error, pattern):
    with pytest.raises(error) as info:
        call(tmp_path)
    assert type(info.value) is error or issubclass(type(info.value), error)
    assert re.search(pattern, str(info.value)), f"{what}: message {str(info.value)!r} lacks {pattern!r}"


GOOD = [
    ("lowercase bases", lambda: encoding.one_hot("acgt").shape, (4, 4)),
    ("a sequence of length 1", lambda: encoding.one_hot("A").shape, (4, 1)),
    ("a 200,000-base sequence", lambda: encoding.one_hot("A" * 200_000).shape, (4, 200_000)),
    ("`N` (unknown base)", lambda: encoding.one_hot("ANA")[:, 1].tolist(), [0.0, 0.0, 0.0, 0.0]),
    ("gene-family file with CRLF line endings and trailing blank lines", lambda: _crlf_file_rows(),
     [("ACGT", 1), ("AAAA", 2)]),
    ("gene-family file with a UTF-8 byte-order mark (Excel)", lambda: _rows_of(
        "\ufeffsequence\tclass\r\nACGT\t1\r\n".encode()), [("ACGT", 1)]),
    ("gene-family file in UTF-16 (Notepad's \"Unicode\")", lambda: _rows_of(
        "sequence\tclass\r\nACGT\t1\r\n".encode("utf-16")), [("ACGT", 1)]),
    ("sequence `NA` (N then A) in an expression file", lambda: _expression_of(b"NA\t1.5\nACGT\t2\n"),
     [("NA", 1.5), ("ACGT", 2.0)]),
    ("NumPy integer seed (`np.int64(0)`)", lambda: len(_tiny_fit([0, 1, 2, 1], seed=np.int64(0))), 1),
    ("class numbers stored as floats (1.0, 2.0)", lambda: str(data.SequenceData.from_frame(
        pd.DataFrame({"sequence": ["ACGT", "AC"], "label": [1.0, 2.0]}), length=4).y.dtype), "torch.int64"),
    ("reverse complement of one-hot in ATCG order (`alphabet=\"ATCG\"`)", lambda: encoding.decode_index(
        augment.reverse_complement_one_hot(torch.from_numpy(encoding.one_hot("AACG", alphabet="ATCG")),
                                           alphabet="ATCG").argmax(0).numpy().choose([0, 3, 1, 2])),
     "CGTT"),
    ("`reproduce --notebooks 1` (notebook 01, not 10-18)", lambda: _selected("1"), ["01_dna"]),
]


@pytest.mark.parametrize("what, call, expected", GOOD, ids=[g[0] for g in GOOD])
def test_unusual_but_valid_input_works(what, call, expected):
    assert call() == expected


def _rows_of(raw: bytes):
    with tempfile.TemporaryDirectory() as folder:
        df = data.read_gene_family_file(_bytes_file(Path(folder), "excel.txt", raw))
    return list(zip(df["sequence"], df["label"].astype(int), strict=True))


def _expression_of(raw: bytes):
    with tempfile.TemporaryDirectory() as folder:
        df = data._read_expression_table(_bytes_file(Path(folder), "expr.txt", raw))
    return list(zip(df["sequence"], df["expression"], strict=True))


def _selected(selection):
    with tempfile.TemporaryDirectory() as folder:
        return [p.stem for p in reproduce.find_notebooks(_notebooks(Path(folder)), selection)]


def _crlf_file_rows():
    with tempfile.TemporaryDirectory() as folder:
        path = _file(Path(folder), "crlf.txt", "sequence\tclass\r\nACGT\t1\r\nAAAA\t2\r\n\r\n\r\n")
        df = data.read_gene_family_file(path)
    return list(zip(df["sequence"], df["label"].astype(int), strict=True))


PAGE = ROOT / "docs" / "bad-input.md"


def _page_rows() -> dict[str, str]:
    """The rows of the table in docs/bad-input.md: input -> behaviour."""
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.startswith("|") and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = cells[1]
    rows.pop("input", None)
    assert rows, f"{PAGE} has no table"
    return rows


def test_docs_table_matches():
    rows = _page_rows()
    expected = {what: error.__name__ for what, _, error, _ in CASES}
    expected.update({what: "works" for what, _, _ in GOOD})
    assert set(rows) == set(expected), (
        f"docs/bad-input.md rows missing: {sorted(set(expected) - set(rows))}; "
        f"rows there without a test: {sorted(set(rows) - set(expected))}")
    for what, behaviour in expected.items():
        assert behaviour in rows[what], f"docs/bad-input.md says {rows[what]!r} for {what!r}, the test expects {behaviour}"


def test_at_least_twenty_cases():
    assert len(CASES) >= 20
    assert np.unique([c[0] for c in CASES]).size == len(CASES)
