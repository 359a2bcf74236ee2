"""Nothing is lost, nothing races, nothing hangs: real processes, real links, real files in a tmp folder.

* the data cache: 4 processes that load the same file into one empty cache at the same moment all get
  the same verified file (derived and downloaded files, 10 rounds each); a symbolic link planted at a
  temporary or lock name never makes the package write outside the cache;
* checkpoints: ``fit`` never overwrites an earlier run's file, and writes through no planted link;
* calls that used to run for ever (or nearly) return or raise.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from dnacourse import data, splits, train
from dnacourse.data import SequenceData

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
WORKERS, ROUNDS = 4, 10


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- the data cache, 4 processes

# One worker process: for each round, wait until all workers are ready (a file barrier), then load the
# file into that round's empty cache and print the path it got and the sha256 of what it reads there.
_WORKER = textwrap.dedent("""
    import hashlib, os, shutil, sys, time
    from pathlib import Path
    from dnacourse import data

    base, me, rounds, name, source = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]

    def slow_copy(url, dest):  # a download that takes a while, in chunks, like a real one
        with open(source, "rb") as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 18):
                out.write(chunk)
                time.sleep(0.002)

    def offline(url, dest):  # no network: every download fails at once
        raise ConnectionError("no network (a test)")

    if source == "offline":
        data._download = offline
    elif source != "-":
        data._download = slow_copy
    for r in range(rounds):
        os.environ["DNACOURSE_DATA_DIR"] = str(base / f"cache{r}")
        (base / f"ready{r}.{me}").touch()
        deadline = time.monotonic() + 60
        while len(list(base.glob(f"ready{r}.*"))) < int(sys.argv[6]) and time.monotonic() < deadline:
            time.sleep(0.001)
        try:
            path = data.fetch(name)
            print(r, path, hashlib.sha256(path.read_bytes()).hexdigest(), data.source_of(name), flush=True)
        except Exception as err:  # reported, and the next round still starts for everyone
            print(r, "ERROR", type(err).__name__, str(err).replace(chr(10), " ")[:200], flush=True)
""")


def _race(tmp_path: Path, name: str, env: dict, source: str = "-", errors_allowed: bool = False) -> list[list[str]]:
    """Run ``WORKERS`` processes loading ``name`` ``ROUNDS`` times; return their printed lines
    (``source``: "-" the real downloader, "offline" one that always fails, else a file to copy slowly)."""
    env = {**os.environ, **env, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), str(i), str(ROUNDS), name,
                               source, str(WORKERS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env, cwd=tmp_path)
             for i in range(WORKERS)]
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-3000:]
            outputs.append([line.split() for line in out.splitlines()])
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    errors = [" ".join(line) for worker in outputs for line in worker if line[1] == "ERROR"]
    assert errors_allowed or not errors, errors[:4]
    return outputs


def _check_race(tmp_path: Path, outputs, entry: data.DataFile, made_by: str) -> None:
    expected = entry.sha256
    for r in range(ROUNDS):
        cache = tmp_path / f"cache{r}"
        lines = [next(line for line in worker if line[0] == str(r)) for worker in outputs]
        assert {line[1] for line in lines} == {str(cache / entry.filename)}        # one path for all
        assert {line[2] for line in lines} == {expected}                            # all read it whole
        assert sorted(line[3] for line in lines) == ["cache"] * (WORKERS - 1) + [made_by]  # made once
        assert _sha256(cache / entry.filename) == expected
        leftovers = [p.name for p in (cache / entry.filename).parent.iterdir()]
        assert leftovers == [Path(entry.filename).name]                             # no temp or lock file


def test_four_processes_deriving_one_file_into_an_empty_cache(tmp_path, mirror):
    """The DREAM test table is derived from the csv.gz: every process gets the same, whole file."""
    entry = data.REGISTRY["dream_test_measured"]
    parent = data.REGISTRY[entry.derived_from]
    only_parent = tmp_path / "mirror"
    (only_parent / parent.filename).parent.mkdir(parents=True)
    shutil.copy(mirror / parent.filename, only_parent / parent.filename)   # the mirror lacks the result
    outputs = _race(tmp_path, "dream_test_measured", {"DNACOURSE_MIRROR": str(only_parent)})
    _check_race(tmp_path, outputs, entry, "derived")


def test_four_processes_downloading_one_file_into_an_empty_cache(tmp_path, mirror):
    entry = data.REGISTRY["dog"]
    env = {k: v for k, v in os.environ.items() if k != "DNACOURSE_MIRROR"}
    env["DNACOURSE_MIRROR"] = str(tmp_path / "no_mirror")                    # nothing there: download
    outputs = _race(tmp_path, "dog", env, source=str(mirror / entry.filename))
    _check_race(tmp_path, outputs, entry, "download")


def test_four_processes_failing_to_download_at_once_all_get_the_clear_error(tmp_path):
    """No network, no mirror: each process says the download failed (the error a notebook's fallback
    catches), never a stray FileNotFoundError because another process removed the empty cache folder
    it was about to lock in (that once cost notebook 10 its fallback to the first 781 human rows)."""
    env = {**os.environ, "DNACOURSE_MIRROR": str(tmp_path / "no_mirror")}
    outputs = _race(tmp_path, "dog", env, source="offline", errors_allowed=True)
    lines = [line for worker in outputs for line in worker]
    assert len(lines) == WORKERS * ROUNDS
    wrong = [" ".join(line) for line in lines if line[1:3] != ["ERROR", "DataUnavailableError"]
             or "download failed" not in " ".join(line)]
    assert not wrong, wrong[:4]
    for r in range(ROUNDS):                                           # and no folder or lock file is left
        assert not (tmp_path / f"cache{r}" / data.REGISTRY["dog"].filename).parent.exists()


# ---------------------------------------------------------------------------- planted symbolic links


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside the cache that a planted link points to; it must never change."""
    path = tmp_path / "outside" / "precious.txt"
    path.parent.mkdir()
    path.write_text("do not touch\n")
    return path


def test_links_at_the_old_temporary_names_are_not_followed(tmp_path, mirror, outside, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(cache))
    only_parent = tmp_path / "mirror"
    parent = data.REGISTRY["dream_test"]
    (only_parent / parent.filename).parent.mkdir(parents=True)
    shutil.copy(mirror / parent.filename, only_parent / parent.filename)
    monkeypatch.setenv("DNACOURSE_MIRROR", str(only_parent))
    entry = data.REGISTRY["dream_test_measured"]
    target = cache / entry.filename
    target.parent.mkdir(parents=True)
    for name in (target.name + ".part", target.name + ".tmp", target.name + ".corrupt"):
        (target.parent / name).symlink_to(outside)
    path = data.fetch("dream_test_measured")
    assert path == target and not path.is_symlink() and _sha256(path) == entry.sha256
    assert outside.read_text() == "do not touch\n"


def test_a_link_at_the_cache_file_is_replaced_not_written_through(tmp_path, mirror, outside, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(cache))
    monkeypatch.setattr(data, "_download", lambda url, dest: shutil.copy(mirror / "gene_family/dog_data.txt", dest))
    monkeypatch.setenv("DNACOURSE_MIRROR", str(tmp_path / "no_mirror"))
    target = cache / data.REGISTRY["dog"].filename
    target.parent.mkdir(parents=True)
    target.symlink_to(outside)
    with pytest.warns(data.ChecksumWarning, match="failed its checksum"):
        path = data.fetch("dog")
    assert path == target and not path.is_symlink() and _sha256(path) == data.REGISTRY["dog"].sha256
    assert outside.read_text() == "do not touch\n"


def test_a_link_at_the_lock_name_is_refused_naming_it(tmp_path, outside, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(cache))
    monkeypatch.setenv("DNACOURSE_MIRROR", str(tmp_path / "no_mirror"))
    monkeypatch.setattr(data, "_download", lambda url, dest: dest.write_text("x"))
    target = cache / data.REGISTRY["dog"].filename
    target.parent.mkdir(parents=True)
    (target.parent / f".{target.name}.lock").symlink_to(outside)
    with pytest.raises(OSError, match=r"\.dog_data\.txt\.lock is a symbolic link"):
        data.fetch("dog")
    assert outside.read_text() == "do not touch\n" and not target.exists()


# ---------------------------------------------------------------------------- checkpoints


def _tiny(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 8, 2))


def _rows(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return SequenceData(rng.integers(0, 4, size=(n, 8)).astype(np.uint8), rng.integers(0, 2, size=n))


def _fit(model, **kw):
    return train.fit(model, _rows(), _rows(8, seed=1), progress=False, device="cpu", **kw)


def test_fit_never_overwrites_an_earlier_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    first = _fit(_tiny(), epochs=2, checkpoint=path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"run\.pt already exists .*resume=True.*delete the file"):
        _fit(_tiny(), epochs=3, checkpoint=path)
    assert path.read_bytes() == before                                   # the finished run is kept
    again = _fit(_tiny(seed=5), epochs=2, checkpoint=path, resume=True)  # and is what resume returns
    assert again["val_loss"].tolist() == first["val_loss"].tolist()


def test_a_checkpoint_is_never_written_through_a_planted_link(tmp_path, outside):
    path = tmp_path / "ckpt" / "run.pt"
    path.parent.mkdir()
    for name in ("run.pt.tmp", "run.pt.part"):
        (path.parent / name).symlink_to(outside)
    _fit(_tiny(), epochs=1, checkpoint=path)
    assert outside.read_text() == "do not touch\n"
    assert train.load_checkpoint(path)["epoch"] == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.pt", "run.pt.part", "run.pt.tmp"]


def test_resume_applies_a_changed_learning_rate(tmp_path):
    path = tmp_path / "lr.pt"
    _fit(_tiny(), epochs=1, lr=1e-3, patience=None, checkpoint=path)
    with pytest.warns(UserWarning, match=r"'lr': \(0\.001, 0\.05\).*apply from the next epoch"):
        history = _fit(_tiny(), epochs=3, lr=0.05, patience=None, checkpoint=path, resume=True)
    assert history["lr"].tolist() == [0.001, 0.05, 0.05]


def test_resume_on_other_rows_of_the_same_size_warns(tmp_path):
    path = tmp_path / "rows.pt"
    train.fit(_tiny(), _rows(seed=0), _rows(8, seed=1), epochs=1, progress=False, device="cpu", checkpoint=path)
    with pytest.warns(UserWarning, match=r"different settings \{'data'"):
        train.fit(_tiny(), _rows(seed=7), _rows(8, seed=1), epochs=2, progress=False, device="cpu",
                  checkpoint=path, resume=True)


# ---------------------------------------------------------------------------- never hang


def test_a_failed_unverified_download_is_not_repeated(tmp_data_dir, monkeypatch):
    """dream_train_full is 805 MB: a download that fails its third-party checksum is kept, not redone."""
    monkeypatch.setenv("DNACOURSE_MIRROR", str(tmp_data_dir / "no_mirror"))
    calls = []

    def download(url, dest):
        calls.append(url)
        dest.write_bytes(b"ACGT\t1.0\n")

    monkeypatch.setattr(data, "_download", download)
    with pytest.raises(data.ChecksumError, match="third party.*kept as"):
        data.fetch("dream_train_full")
    with pytest.raises(data.ChecksumError, match="not downloaded again. Delete that file"):
        data.fetch("dream_train_full")
    assert len(calls) == 1
    kept = tmp_data_dir / (data.REGISTRY["dream_train_full"].filename + ".unverified")
    assert kept.read_bytes() == b"ACGT\t1.0\n"
    kept.unlink()                                                       # the fix the message names
    with pytest.raises(data.ChecksumError, match="third party"):
        data.fetch("dream_train_full")
    assert len(calls) == 2


def test_make_motif_dataset_with_too_few_possible_motifs_raises_at_once():
    code = "from dnacourse.data import make_motif_dataset\nmake_motif_dataset(1, 5, length=10, motif_length=1)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 1
    assert "n_classes=5 needs 5 distinct motifs, but motif_length=1 allows only 4" in result.stderr


def test_related_pairs_groups_identical_sequences_before_comparing(monkeypatch):
    """2,000 copies of one sequence and 3 others: the k-mer matrix has one row per distinct sequence,
    and the pairs are still every related pair of rows."""
    seen = []
    kmer_matrix = splits._kmer_matrix

    def spy(seqs, k):
        seen.append(len(seqs))
        return kmer_matrix(seqs, k)

    monkeypatch.setattr(splits, "_kmer_matrix", spy)
    copy = "ACGTTGCAAGCTTAGCCATG" * 3
    seqs = [copy] * 1000 + [copy[:40], "TTTTTGGGGGCCCCCAAAAATTTTTGGGGG"] + [copy.lower()] * 1000 + ["A"]
    pairs = splits.related_pairs(seqs, k=8)
    assert seen == [4]                                                   # not 2,003 rows
    n = 2000
    copies = np.r_[0:1000, 1002:2002]
    assert len(pairs) == n * (n - 1) // 2 + n                            # copies with copies, copies with the fragment
    identical = pairs[pairs["identical"]]
    assert len(identical) == n * (n - 1) // 2 and (identical["containment"] == 1.0).all()
    fragment = pairs[pairs["j"] == 1000]
    assert sorted(fragment["i"]) == list(copies[:1000]) and len(pairs[pairs["i"] == 1000]) == 1000
    assert (pairs["i"] < pairs["j"]).all() and not pairs.duplicated(["i", "j"]).any()
    cross = splits.related_pairs(seqs[:3], [copy, "A", "GGGG"], k=8)
    assert cross[["i", "j"]].values.tolist() == [[0, 0], [1, 0], [2, 0]]
    assert splits.leaking_pairs(seqs, [copy, "A"], k=8) == n + 1 + 1      # copies, the fragment, "A"


# ---------------------------------------------------------------------------- say what is wrong, and where


def test_numpy_integer_seeds_work_in_fit_and_the_range_test():
    """A seed taken from a NumPy array (np.int64) used to crash inside random.seed."""
    a = _fit(_tiny(), epochs=2, seed=np.int64(4))
    b = _fit(_tiny(), epochs=2, seed=4)
    assert a["val_loss"].tolist() == b["val_loss"].tolist()
    frame = train.lr_range_test(_tiny(), _rows(), steps=4, batch_size=8, progress=False, seed=np.int64(2))
    assert len(frame) == 4
    with pytest.raises(ValueError, match="seed must be an int from 0 to 2\\*\\*63 - 1, got -3"):
        train.lr_range_test(_tiny(), _rows(), steps=4, progress=False, seed=-3)


def test_reverse_complement_one_hot_follows_every_channel_order():
    from itertools import permutations

    from dnacourse import augment, encoding

    seqs = ["AACGTN", "GATTACA"]
    for order in map("".join, permutations("ACGT")):
        x = torch.from_numpy(encoding.one_hot(seqs, alphabet=order))
        want = torch.from_numpy(encoding.one_hot(encoding.reverse_complement(seqs), alphabet=order))
        assert torch.equal(augment.reverse_complement_one_hot(x, alphabet=order)[1], want[1]), order
    with pytest.raises(ValueError, match="permutation of 'ACGT'"):
        augment.reverse_complement_one_hot(x, alphabet="ACGU")


def test_float_targets_name_the_first_bad_row_and_one_hot_tables_check_unknown():
    from dnacourse import encoding

    with pytest.raises(ValueError, match=r"y\[2\] is nan: targets must be finite"):
        SequenceData(np.zeros((3, 4), dtype=np.uint8), [0.5, 1.0, float("nan")])
    with pytest.raises(ValueError, match=r"y\[1, 0\] is inf"):
        SequenceData(np.zeros((2, 4), dtype=np.uint8), [[0.5, 0.5], [float("inf"), 0.0]])
    with pytest.raises(TypeError, match="unknown must be a number in \\[0, 1\\], got NoneType"):
        encoding.index_to_one_hot(torch.tensor([0, 4]), unknown=None)
    assert encoding.index_to_one_hot(torch.tensor([4]), unknown=0.25)[:, 0].tolist() == [0.25] * 4
