"""Tests of dnacourse.data: registry and fetching (offline), loaders on the mirror, splits, toy data."""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dnacourse import data, splits

# --------------------------------------------------------------------------------------------------
# Fixtures: every test gets an empty temporary cache and no network.
# --------------------------------------------------------------------------------------------------


def _offline(url, dest):
    raise ConnectionError(f"no network in tests ({url})")


@pytest.fixture(autouse=True)
def _isolated(tmp_data_dir, monkeypatch):
    monkeypatch.setattr(data, "_download", _offline)
    return tmp_data_dir


@pytest.fixture(scope="module")
def chimp(tmp_path_factory):
    """The chimp table, read once for the split tests (needs the mirror)."""
    if not os.environ.get("DNACOURSE_MIRROR") or not Path(os.environ["DNACOURSE_MIRROR"]).is_dir():
        pytest.skip("no data mirror: set DNACOURSE_MIRROR to a copy of shared/data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DNACOURSE_DATA_DIR", str(tmp_path_factory.mktemp("data_cache")))
        mp.setattr(data, "_download", _offline)
        return data.load_gene_families("chimp", verbose=False)


def _random_seqs(n, length, seed):
    rng = np.random.default_rng(seed)
    return ["".join(row) for row in rng.choice(list("ACGT"), size=(n, length))]


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


# --------------------------------------------------------------------------------------------------
# Registry and checksums
# --------------------------------------------------------------------------------------------------


def test_registry_is_complete_and_https_only():
    names = set(data.REGISTRY)
    assert {"human", "human_first781", "chimp", "dog", "dream_demo_train", "dream_train_first1000",
            "dream_test", "dream_plasmid", "dream_train_full"} <= names
    assert len([n for n in names if n.startswith("dream_subset_")]) == 7
    for entry in data.REGISTRY.values():
        assert entry.url is None or entry.url.startswith("https://")
        assert (entry.url is None) == (entry.derived_from is not None)
    assert data.REGISTRY["human"].mirror_path is None            # the full human file is not mirrored
    assert not data.REGISTRY["dream_train_full"].checksum_verified
    assert "unverified" in data.REGISTRY["dream_train_full"].description
    with pytest.raises(ValueError, match="https"):
        data.DataFile("x", "x.txt", "http://example.org/x.txt", sha256="0" * 64)
    assert len(data.registry_table()) == len(data.REGISTRY)


def test_mirror_files_match_registry(mirror):
    for entry in data.REGISTRY.values():
        if entry.in_mirror:
            path = mirror / entry.mirror_path
            assert path.is_file(), path
            assert data.file_checksum(path, entry.checksum[0]) == entry.checksum[1], entry.name


def test_git_blob_checksum_matches_git(mirror):
    # PROVENANCE.md: chimp_data.txt has git blob 09f6ca62...; the same function checks the full human file
    path = mirror / "gene_family/chimp_data.txt"
    assert data.file_checksum(path, "git_blob") == "09f6ca6222b7cde6fb4dc1df7564f1b14dcebf5b"


def test_first_rows_recipe():
    full = b"sequence\tclass\r\nACGT\t0\r\nGG\t1\r\nTT\t2\r\n"
    assert data.first_rows(full, 2) == b"sequence\tclass\r\nACGT\t0\r\nGG\t1"
    assert data.first_rows(full.replace(b"\r\n", b"\n"), 1) == b"sequence\tclass\r\nACGT\t0"
    with pytest.raises(ValueError):
        data.first_rows(full, 10)


def test_human_first781_recipe_reproduces_mirror_bytes(mirror):
    partial = (mirror / data.REGISTRY["human_first781"].mirror_path).read_bytes()
    fake_full = partial + b"\r\nACGTACGT\t3\r\nGGGCCC\t6\r\n"           # "more rows" after row 781
    derived = data.REGISTRY["human_first781"].derive(fake_full)
    assert derived == partial
    assert data._bytes_checksum(derived, "sha256") == data.REGISTRY["human_first781"].sha256


def test_derived_file_made_from_downloaded_parent(monkeypatch, tmp_data_dir):
    full = b"sequence\tclass\r\nACGT\t0\r\nGGCC\t1\r\nTTAA\t2\r\n"
    small = data.first_rows(full, 2)
    blob = data._bytes_checksum(full, "git_blob")
    monkeypatch.setitem(data.REGISTRY, "fake_full", data.DataFile(
        "fake_full", "fake/full.txt", "https://example.org/full.txt", git_blob=blob, in_mirror=False))
    monkeypatch.setitem(data.REGISTRY, "fake_first2", data.DataFile(
        "fake_first2", "fake/first2.txt", None, sha256=data._bytes_checksum(small, "sha256"), in_mirror=False,
        derived_from="fake_full", derive=lambda b: data.first_rows(b, 2), recipe="header + 2 rows"))
    urls = []

    def fake_download(url, dest):
        urls.append(url)
        dest.write_bytes(full)

    monkeypatch.setattr(data, "_download", fake_download)
    path = data.fetch("fake_first2")
    assert path.read_bytes() == small and path == tmp_data_dir / "fake/first2.txt"
    assert data.source_of("fake_first2") == "derived" and data.source_of("fake_full") == "download"
    assert urls == ["https://example.org/full.txt"]
    assert data.fetch("fake_first2") == path and data.source_of("fake_first2") == "cache"
    assert urls == ["https://example.org/full.txt"]                       # nothing downloaded twice


# --------------------------------------------------------------------------------------------------
# Fetching: cache, mirror, download, errors
# --------------------------------------------------------------------------------------------------


def test_mirror_is_used_in_place(mirror, tmp_data_dir):
    path = data.fetch("dog")
    assert path == mirror / "gene_family/dog_data.txt"
    assert data.source_of("dog") == "mirror"
    assert not (tmp_data_dir / "gene_family/dog_data.txt").exists()      # the mirror is not copied


def test_good_cache_is_used(mirror, tmp_data_dir):
    cached = tmp_data_dir / "gene_family/dog_data.txt"
    cached.parent.mkdir(parents=True)
    shutil.copy(mirror / "gene_family/dog_data.txt", cached)
    assert data.fetch("dog") == cached and data.source_of("dog") == "cache"


def test_corrupt_cache_is_reported_and_replaced_from_mirror(mirror, tmp_data_dir):
    cached = tmp_data_dir / "gene_family/dog_data.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"sequence\tclass\r\nACGT\t0\r\n")
    with pytest.warns(data.ChecksumWarning, match="dog_data.txt.*expected sha256 a6ea8e47"):
        path = data.fetch("dog")
    assert path == mirror / "gene_family/dog_data.txt" and data.source_of("dog") == "mirror"
    assert not cached.exists() and cached.with_name("dog_data.txt.corrupt").exists()


def test_corrupt_mirror_copy_names_its_path(mirror, tmp_path, monkeypatch):
    bad_mirror = tmp_path / "mirror"
    (bad_mirror / "gene_family").mkdir(parents=True)
    tampered = bytearray((mirror / "gene_family/dog_data.txt").read_bytes())
    tampered[100] = ord("T") if tampered[100] != ord("T") else ord("A")
    (bad_mirror / "gene_family/dog_data.txt").write_bytes(bytes(tampered))
    monkeypatch.setenv("DNACOURSE_MIRROR", str(bad_mirror))
    with pytest.raises(data.ChecksumError) as err:
        data.fetch("dog")
    assert str(bad_mirror / "gene_family/dog_data.txt") in str(err.value)


def test_no_network_no_cache_no_mirror(monkeypatch, tmp_data_dir):
    monkeypatch.delenv("DNACOURSE_MIRROR", raising=False)
    with pytest.raises(data.DataUnavailableError) as err:
        data.fetch("chimp")
    msg = str(err.value)
    assert "chimp_data.txt" in msg and data.REGISTRY["chimp"].url in msg
    assert str(tmp_data_dir / "gene_family/chimp_data.txt") in msg       # where to put it
    assert "DNACOURSE_MIRROR" in msg and "ConnectionError" in msg
    assert isinstance(err.value, OSError)


def test_truncated_download_is_rejected_and_deleted(monkeypatch, tmp_data_dir):
    monkeypatch.delenv("DNACOURSE_MIRROR", raising=False)
    monkeypatch.setattr(data, "_download", lambda url, dest: dest.write_bytes(b"sequence\tclass\r\nATGC"))
    with pytest.raises(data.ChecksumError, match="corrupt or incomplete"):
        data.fetch("chimp")
    assert not (tmp_data_dir / "gene_family/chimp_data.txt").exists()


def test_unverified_checksum_says_so(monkeypatch, tmp_data_dir):
    monkeypatch.delenv("DNACOURSE_MIRROR", raising=False)
    monkeypatch.setattr(data, "_download", lambda url, dest: dest.write_bytes(b"ACGT\t1.0\n"))
    with pytest.raises(data.ChecksumError, match="third party"):
        data.fetch("dream_train_full")


def test_unwritable_data_dir(monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(blocker / "cache"))      # cannot be created
    monkeypatch.delenv("DNACOURSE_MIRROR", raising=False)
    with pytest.raises(data.DataUnavailableError, match="not writable.*DNACOURSE_DATA_DIR"):
        data.fetch("chimp")


def test_unwritable_data_dir_still_reads_mirror(mirror, monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(blocker / "cache"))
    assert data.fetch("dog") == mirror / "gene_family/dog_data.txt"


def test_unknown_name():
    with pytest.raises(KeyError, match="chimp"):
        data.fetch("chimpanzee")


# --------------------------------------------------------------------------------------------------
# Gene-family loaders
# --------------------------------------------------------------------------------------------------

COUNTS = {
    "chimp": [234, 185, 144, 228, 261, 109, 521],
    "dog": [131, 75, 64, 95, 135, 60, 260],
    "human_first781": [72, 95, 73, 131, 125, 44, 241],
}


@pytest.mark.parametrize("species", list(COUNTS))
def test_gene_family_counts(mirror, species, capsys):
    df = data.load_gene_families(species)
    assert list(df.columns) == ["sequence", "label", "family"]
    assert len(df) == sum(COUNTS[species]) == df.attrs["n_rows"]
    assert df["label"].value_counts().sort_index().tolist() == COUNTS[species]
    assert (df["family"] == [data.GENE_FAMILIES[i] for i in df["label"]]).all()
    assert df["sequence"].str.fullmatch("[ACGTN]+").all()
    assert df.attrs["dataset"] == species and df.attrs["source"] == "mirror"
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"Loaded {species}:") and f"{len(df):,} rows" in line and "mirror" in line
    assert "\n" not in line and "/" not in line                          # one line, no machine paths
    if species == "human_first781":
        assert "PARTIAL" in line and "PARTIAL" in df.attrs["description"]


def test_gene_family_names():
    assert data.GENE_FAMILIES[0] == "G protein coupled receptors"
    assert data.GENE_FAMILIES[6] == "Transcription factor" and len(data.GENE_FAMILIES) == 7


def test_unknown_species():
    with pytest.raises(ValueError, match="'human_first781'.*'chimp'"):
        data.load_gene_families("mouse")


def test_full_human_offline_without_fallback(tmp_data_dir):
    with pytest.raises(data.DataUnavailableError) as err:
        data.load_gene_families("human")
    msg = str(err.value)
    assert "human_data.txt" in msg and data.REGISTRY["human"].url in msg
    assert 'species="human_first781"' in msg


def test_full_human_offline_with_fallback(mirror, capsys):
    df = data.load_gene_families("human", fallback="human_first781")
    out = capsys.readouterr().out
    assert len(df) == 781 and "Notice" in out and "PARTIAL" in out
    assert df.attrs["dataset"] == "human_first781" and "PARTIAL" in df.attrs["description"]
    assert "781 of 4,380" in df.attrs["description"]


def test_human_first781_derived_without_mirror_needs_full_file(monkeypatch):
    monkeypatch.delenv("DNACOURSE_MIRROR", raising=False)
    with pytest.raises(data.DataUnavailableError, match="human_data.txt"):
        data.load_gene_families("human_first781")


HEADER = "sequence\tclass\r\n"


def test_reader_tolerates_crlf_lowercase_and_trailing_blank_lines(tmp_path):
    path = _write(tmp_path / "ok.txt", HEADER + "ATGc\t0\r\nNNAC\t6\r\n\r\n\r\n")
    df = data.read_gene_family_file(path)
    assert df["sequence"].tolist() == ["ATGC", "NNAC"] and df["label"].tolist() == [0, 6]
    assert df["label"].dtype == np.int64


@pytest.mark.parametrize("body, expected", [
    ("ACGT\t0\r\n\t1\r\n", r"empty sequence: line 3"),
    ("ACGT\t0\r\nACGT\t1\r\nACGT\t9\r\n", r"label not an integer 0-6: line 4 \('9'\)"),
    ("ACGT\tx\r\n", r"label not an integer 0-6: line 2 \('x'\)"),
    ("ACGT\t0\r\nACGU\t1\r\n", r"characters other than ACGTN: line 3 \(U\)"),
    ("ACGT,0\r\nACGT,1\r\n", r"not 2 tab-separated fields: line 2 \(1 fields\), 3"),
])
def test_reader_reports_bad_rows(tmp_path, body, expected):
    path = _write(tmp_path / "bad_rows.txt", HEADER + body)
    with pytest.raises(ValueError, match=expected) as err:
        data.read_gene_family_file(path)
    assert "bad_rows.txt" in str(err.value)


def test_reader_lists_at_most_five_rows(tmp_path):
    path = _write(tmp_path / "many.txt", HEADER + "ACGT\t7\r\n" * 9)
    with pytest.raises(ValueError, match=r"line 2 .*, 6 \('7'\) and 4 more"):
        data.read_gene_family_file(path)


def test_reader_rejects_wrong_header(tmp_path):
    with pytest.raises(ValueError, match="header"):
        data.read_gene_family_file(_write(tmp_path / "csv.txt", "sequence,class\r\nACGT,0\r\n"))


# --------------------------------------------------------------------------------------------------
# DREAM
# --------------------------------------------------------------------------------------------------


def test_dream_train(mirror, capsys):
    df = data.load_dream("train")
    assert list(df.columns) == ["sequence", "expression", "singleton"]
    assert len(df) == 7369 and df["sequence"].is_unique
    assert int(df["singleton"].sum()) == 3693 + 596                        # PROVENANCE: integer labels
    assert df["expression"].between(0, 17).all()
    demo = pd.read_csv(mirror / "dream_yeast/demo_train.txt", sep="\t", header=None)
    assert df["sequence"][:6370].tolist() == demo[0].tolist()               # demo_train order first
    assert "0-17" in df.attrs["scale"] and df.attrs["n_rows"] == 7369
    assert "7,369 rows" in capsys.readouterr().out


def test_dream_test(mirror):
    df = data.load_dream("test", verbose=False)
    assert list(df.columns) == ["sequence", "expression"] and len(df) == 71103
    assert df["sequence"].str.len().eq(110).all()
    assert df["expression"].between(-1.5, 1.7).all() and "MAUDE" in df.attrs["scale"]
    assert df["expression"].iloc[0] == pytest.approx(0.156331079044438)   # row i is test index i


def test_dream_train_full_offline():
    with pytest.raises(data.DataUnavailableError, match="10,240"):
        data.load_dream("train_full")
    with pytest.raises(ValueError, match="train_full"):
        data.load_dream("validation")


def test_dream_plasmid(mirror):
    plasmid = data.dream_plasmid()
    assert len(plasmid) == 8294 and set(plasmid) == set("ACGTN") and plasmid.count("N") == 80


def test_dream_test_subsets(mirror):
    subsets = data.dream_test_subsets()
    sizes = {name: len(idx) for name, idx in subsets.items()}
    assert sizes == {"all_random": 6349, "challenging": 1953, "high_exp": 968, "low_exp": 997,
                     "motif_perturbation": 3288, "motif_tiling": 2626, "yeast": 578}
    union = np.unique(np.concatenate(list(subsets.values())))
    assert len(union) == 16746 and union.max() < 71103 and union.min() >= 0
    assert all((np.diff(idx) > 0).all() for idx in subsets.values())


# --------------------------------------------------------------------------------------------------
# Related sequences and splits
# --------------------------------------------------------------------------------------------------


def test_leaking_pairs_finds_copies_fragments_and_near_copies():
    base = _random_seqs(3, 300, seed=1)
    mutant = base[2][:150] + ("A" if base[2][150] != "A" else "C") + base[2][151:]
    assert splits.leaking_pairs([base[0]], [base[0]]) == 1                 # identical
    assert splits.leaking_pairs([base[1]], [base[1][40:200]]) == 1         # substring
    assert splits.leaking_pairs([base[2]], [mutant]) == 1                   # one mismatch
    assert splits.leaking_pairs(base, [base[0].lower(), base[1][10:100], mutant]) == 3
    assert splits.leaking_pairs(_random_seqs(200, 300, 2), _random_seqs(200, 300, 3)) == 0
    assert splits.leaking_pairs(["ACGT", "GGA"], ["ACGT", "GGC"]) == 1     # shorter than k: identical only
    with_n = base[0][:100] + "NNNN" + base[0][104:]
    assert splits.leaking_pairs([base[0]], [with_n]) == 1                  # k-mers with N are skipped


def test_related_pairs_table():
    seqs = _random_seqs(2, 100, seed=4)
    pairs = splits.related_pairs([seqs[0], seqs[1], seqs[0][20:80], seqs[0]])
    assert list(pairs.columns) == ["i", "j", "containment", "identical"]
    assert pairs[["i", "j"]].values.tolist() == [[0, 2], [0, 3], [2, 3]]
    assert pairs["containment"].tolist() == [1.0, 1.0, 1.0]
    assert pairs["identical"].tolist() == [False, True, False]


def _check_partition(split, n):
    parts = [split.train, split.val, split.test]
    everything = np.concatenate(parts)
    assert len(everything) == n and len(np.unique(everything)) == n     # disjoint and complete


def test_random_split_protocol(chimp):
    split = splits.random_split(chimp)
    n = len(chimp)
    _check_partition(split, n)
    assert abs(len(split.test) / n - 0.20) < 0.01 and abs(len(split.val) / n - 0.08) < 0.01
    overall = np.bincount(chimp["label"], minlength=7) / n
    for idx in (split.train, split.val, split.test):                      # stratified
        share = np.bincount(chimp["label"].to_numpy()[idx], minlength=7) / len(idx)
        assert np.abs(share - overall).max() < 0.02
    assert split.leaks["train-test"] > 100                                # a random split leaks
    assert "train" in repr(split) and "leaking pairs" in repr(split)
    train_df, val_df, test_df = split.frames(chimp)
    assert len(train_df) == len(split.train) and test_df.index.tolist() == split.test.tolist()


def test_random_split_is_seeded():
    labels = np.repeat(np.arange(4), 50)
    a, b, c = (splits.random_split(labels, seed=s) for s in (0, 0, 1))
    for x, y in zip((a.train, a.val, a.test), (b.train, b.val, b.test), strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.test, c.test)
    assert a.leaks is None
    _check_partition(a, 200)


def test_grouped_split_on_chimp_has_no_leaks(chimp):
    split = splits.grouped_split(chimp)
    n = len(chimp)
    _check_partition(split, n)
    assert split.leaks == {"train-test": 0, "train-val": 0, "val-test": 0}
    assert abs(len(split.test) / n - 0.20) < 0.03 and abs(len(split.val) / n - 0.08) < 0.02
    overall = np.bincount(chimp["label"], minlength=7) / n
    for idx in (split.train, split.val, split.test):                      # stratified by label
        share = np.bincount(chimp["label"].to_numpy()[idx], minlength=7) / len(idx)
        assert np.abs(share - overall).max() < 0.03
    seqs = chimp["sequence"].to_numpy()
    assert splits.leaking_pairs(seqs[split.train], seqs[split.test]) == 0   # checked independently
    assert splits.leaking_pairs(seqs[split.val], seqs[split.test]) == 0


def test_grouped_split_keeps_families_together():
    rng = np.random.default_rng(5)
    rows = []
    for family in range(40):
        seq = "".join(rng.choice(list("ACGT"), 400))
        pos = int(rng.integers(0, 400))
        mutant = seq[:pos] + ("A" if seq[pos] != "A" else "G") + seq[pos + 1:]
        for member in (seq, seq, seq[50:300], mutant, seq[100:] + "ACGTAC"):
            rows.append((member, family % 4, family))
    for i, seq in enumerate(_random_seqs(60, 400, seed=6)):
        rows.append((seq, i % 4, 100 + i))
    df = pd.DataFrame(rows, columns=["sequence", "label", "family"])
    split = splits.grouped_split(df, seed=3)
    _check_partition(split, len(df))
    part = np.empty(len(df), dtype=object)
    part[split.train], part[split.val], part[split.test] = "train", "val", "test"
    assert df.assign(part=part).groupby("family")["part"].nunique().max() == 1
    assert split.leaks == {"train-test": 0, "train-val": 0, "val-test": 0}
    assert len(split.test) > 0.1 * len(df) and len(split.val) > 0
    assert splits.random_split(df, seed=3).leaks["train-test"] > 0
    unlabelled = splits.grouped_split(df[["sequence"]], seed=3)             # e.g. regression data
    assert unlabelled.leaks == {"train-test": 0, "train-val": 0, "val-test": 0}


# --------------------------------------------------------------------------------------------------
# Synthetic motif data
# --------------------------------------------------------------------------------------------------


def test_make_motif_dataset():
    df = data.make_motif_dataset(n_per_class=100, n_classes=3, length=120, motif_length=8, seed=7)
    again = data.make_motif_dataset(n_per_class=100, n_classes=3, length=120, motif_length=8, seed=7)
    other = data.make_motif_dataset(n_per_class=100, n_classes=3, length=120, motif_length=8, seed=8)
    pd.testing.assert_frame_equal(df, again)
    assert df.attrs["consensus"] == again.attrs["consensus"] and df.attrs["motifs"] == again.attrs["motifs"]
    assert not df["sequence"].equals(other["sequence"])
    assert list(df.columns) == ["sequence", "label", "motif_start", "motif_end"]
    assert df["label"].value_counts().tolist() == [100, 100, 100]
    assert df["sequence"].str.len().eq(120).all() and df["sequence"].str.fullmatch("[ACGT]+").all()
    assert (df["motif_end"] - df["motif_start"]).eq(8).all() and df["motif_end"].le(120).all()
    pwms, consensus = df.attrs["motifs"], df.attrs["consensus"]
    assert len(pwms) == 3 and len(set(consensus)) == 3
    for pwm, cons in zip(pwms, consensus, strict=True):
        assert pwm.shape == (4, 8) and np.allclose(pwm.sum(axis=0), 1)
        assert cons == "".join("ACGT"[i] for i in pwm.argmax(axis=0))
    planted = [s[a:b] for s, a, b in zip(df["sequence"], df["motif_start"], df["motif_end"], strict=True)]
    wanted = [consensus[c] for c in df["label"]]
    matches = [np.mean([x == y for x, y in zip(p, w, strict=True)]) for p, w in zip(planted, wanted, strict=True)]
    assert np.mean(matches) > 0.7                                           # instances follow the PWM
    pd.concat([df.iloc[:10], df.iloc[10:20]])                               # attrs survive pandas ops


@pytest.mark.parametrize("species", ["chimp", "dog"])
def test_fallback_never_swaps_species(species):
    with pytest.raises(ValueError, match="not a subset of"):
        data.load_gene_families(species, fallback="human_first781")
