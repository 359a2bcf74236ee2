"""Bad input: every case of the README's "Bad input" table, each raising a clear error.

``CASES`` is the table: what a student might pass, the call, the exception type and words its message
must contain (the value, the position, the row or the file). ``test_readme_table_matches`` keeps the
README's table and this one in step: every case is a README row with the same exception type, and
every README row is a case here.
"""

import math
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from dnacourse import augment, data, encoding, metrics, promoters, train

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = promoters.DREAM_LEFT_ADAPTER
TOY_PLASMID = "ACGT" * 40 + ADAPTER + "N" * 80 + "GGTTACGGCTGTT"


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def _tiny_fit(labels):
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    codes = torch.zeros(len(labels), 4, dtype=torch.uint8)
    tr = data.SequenceData(codes, torch.tensor(labels))
    va = data.SequenceData(codes[:2], torch.tensor([0, 1]))
    return train.fit(net, tr, va, epochs=1, progress=False, device="cpu")


def _expression_rows(values):
    return pd.DataFrame({"sequence": [ADAPTER + "ACGT"] * len(values), "expression": values})


# (README input, call(tmp_path), exception, regex the message must match)
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
]


@pytest.mark.parametrize("what, call, expected", GOOD, ids=[g[0] for g in GOOD])
def test_unusual_but_valid_input_works(what, call, expected):
    assert call() == expected


def _crlf_file_rows():
    with tempfile.TemporaryDirectory() as folder:
        path = _file(Path(folder), "crlf.txt", "sequence\tclass\r\nACGT\t1\r\nAAAA\t2\r\n\r\n\r\n")
        df = data.read_gene_family_file(path)
    return list(zip(df["sequence"], df["label"].astype(int), strict=True))


def _readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Bad input\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, "README.md has no '## Bad input' section"
    rows = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.startswith("|") and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = cells[1]
    rows.pop("input", None)
    return rows


def test_readme_table_matches():
    rows = _readme_rows()
    expected = {what: error.__name__ for what, _, error, _ in CASES}
    expected.update({what: "works" for what, _, _ in GOOD})
    assert set(rows) == set(expected), (
        f"README rows missing: {sorted(set(expected) - set(rows))}; "
        f"README rows without a test: {sorted(set(rows) - set(expected))}")
    for what, behaviour in expected.items():
        assert behaviour in rows[what], f"README says {rows[what]!r} for {what!r}, the test expects {behaviour}"


def test_at_least_twenty_cases():
    assert len(CASES) >= 20
    assert np.unique([c[0] for c in CASES]).size == len(CASES)
