"""Datasets of the course: a registry of files, verified downloads, loaders, ``SequenceData``, toy data.

    import dnacourse as dc
    df = dc.data.load_gene_families("chimp")         # sequence, label, family   (1,682 rows)
    data = dc.data.SequenceData.from_frame(df)       # uint8 codes + labels, what fit() reads
    dream = dc.data.load_dream("train")              # sequence, expression, singleton (7,369 rows)
    toy = dc.data.make_motif_dataset()               # planted motifs: ground truth for interpretation

Where files come from, in this order (``fetch``):

1. the cache folder ``runtime.data_dir()`` (``data/`` in a checkout, or ``$DNACOURSE_DATA_DIR``),
2. a read-only mirror folder ``$DNACOURSE_MIRROR`` (CI and offline classrooms), used in place,
3. files made from another registered file (``derived_from``), e.g. the first 781 human rows,
4. a download from the file's public https URL (``pooch``, with a progress bar) into the cache.

Every file is checked against its checksum before it is used. Several processes may load into one
cache at once (a shared classroom folder): one makes the file under a lock while the others wait, and
files are written to a new temporary file beside the target, then moved into place (``dnacourse._files``).
A download that fails a third-party checksum is kept as ``<file>.unverified`` and not fetched again.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from . import encoding, runtime
from ._checks import check_code_values, check_codes, check_int, check_positive
from ._files import atomic_write, file_lock, publish, temporary_folder, writable_folder

__all__ = [
    "GENE_FAMILIES", "REGISTRY", "DataFile", "DataUnavailableError", "ChecksumError", "ChecksumWarning",
    "fetch", "source_of", "registry_table", "file_checksum", "first_rows",
    "load_gene_families", "read_gene_family_file", "load_dream", "dream_plasmid", "dream_test_subsets",
    "SequenceData", "as_data", "make_motif_dataset",
]

GENE_FAMILIES = (
    "G protein coupled receptors",  # label 0
    "Tyrosine kinase",              # 1
    "Tyrosine phosphatase",         # 2
    "Synthetase",                   # 3
    "Synthase",                     # 4
    "Ion channel",                  # 5
    "Transcription factor",         # 6
)


class DataUnavailableError(OSError):
    """A dataset file could not be found in the cache or the mirror, and could not be downloaded."""


class ChecksumError(ValueError):
    """A file's bytes do not match the checksum in the registry (corrupt, truncated or changed upstream)."""


class ChecksumWarning(UserWarning):
    """A cached file failed its checksum; it was moved aside and fetched again."""


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataFile:
    """One dataset file: where it lives online, how to check it, where it sits in the cache/mirror.

    ``filename`` is the path inside the cache folder (and, when ``in_mirror``, inside the mirror).
    A derived file has no URL of its own: it is made from ``derived_from`` by ``derive`` (bytes -> bytes),
    as ``recipe`` says in words.
    """

    name: str
    filename: str
    url: str | None
    sha256: str | None = None
    git_blob: str | None = None            # sha1 of b"blob <size>\0" + data, as `git hash-object`
    in_mirror: bool = True
    description: str = ""
    derived_from: str | None = None
    recipe: str = ""
    derive: Callable[[bytes], bytes] | None = field(default=None, repr=False, compare=False)
    checksum_verified: bool = True          # False: the checksum comes from a third party, never checked

    def __post_init__(self):
        if self.url is not None and not self.url.startswith("https://"):
            raise ValueError(f"{self.name}: only https URLs are allowed, got {self.url}")
        if (self.url is None) == (self.derived_from is None):
            raise ValueError(f"{self.name}: give either a url or derived_from (with derive)")
        if self.sha256 is None and self.git_blob is None:
            raise ValueError(f"{self.name}: needs a sha256 or a git_blob checksum")

    @property
    def mirror_path(self) -> str | None:
        """Path of the file inside the mirror folder, or None when the mirror does not hold it."""
        return self.filename if self.in_mirror else None

    @property
    def checksum(self) -> tuple[str, str]:
        """``("sha256", hex)`` when known, else ``("git_blob", hex)``."""
        return ("sha256", self.sha256) if self.sha256 else ("git_blob", self.git_blob)


def first_rows(data: bytes, n_rows: int) -> bytes:
    """The header line plus the first ``n_rows`` rows of a text table, joined by CRLF, no final newline.

    >>> first_rows(b"seq\\tclass\\r\\nAC\\t0\\r\\nGT\\t1\\r\\n", 1)
    b'seq\\tclass\\r\\nAC\\t0'
    """
    lines = data.splitlines()
    if len(lines) < n_rows + 1:
        raise ValueError(f"need a header and {n_rows} rows, the data has only {len(lines)} lines")
    return b"\r\n".join(lines[: n_rows + 1])


def _measured_test_table(data: bytes) -> bytes:
    """Camformer's test csv.gz -> ``seq<TAB>true_expr`` lines (values copied verbatim, LF endings)."""
    lines = gzip.decompress(data).decode("ascii").splitlines()[1:]
    return "".join("\t".join(line.split(",")[:2]) + "\n" for line in lines).encode("ascii")


_GH_GENES = "https://raw.githubusercontent.com/krishnaik06/DNA-Sequencing-Classifier/master"
_GH_DREAM = "https://raw.githubusercontent.com/de-Boer-Lab/random-promoter-dream-challenge-2022/main/data"
_GH_CAMFORMER = "https://raw.githubusercontent.com/gautammalik-git/Camformer/main"

_SUBSETS = {  # test-subset name -> sha256 of data/test_subset_ids/<name>_seqs.csv
    "all_random": "f1f3fb397cf664ce9bd5796e68418aad42e9ee017f60b129009b14c10e1096bb",
    "challenging": "b62de941b2d9cf4367d9933e4b43c3997ecb8c6f508f429d4488a3345193d097",
    "high_exp": "8ca895e422e92770b715f917ff48593cc7e2d1a004683aef9eea37229de9480f",
    "low_exp": "206926a6054c106039b8ae87b2807305ae5454ccc725bc8b162512496949a9c2",
    "motif_perturbation": "627cba47abd45b54cfad6e522697cfa0f5b0c7b005290a9311d1ab9e6f45a65a",
    "motif_tiling": "1edaaa96fe9af4987d119cd647a6f53da99dd87eb30e55fb85c76e753cfada03",
    "yeast": "af3041c3645ba3ae4ff8a992abe1e5170ce57e625e7c5f819e4550036224b22e"}

_LEADERBOARD = {  # public-leaderboard file <name>_exp_indices.json -> git blob (the challenge's scoring)
    "high": "597d0be54eaa7a90a65e992e3809e9ce631e828d", "low": "ded7772e96ebfb758f4947c869dc05ffcd04e0cb",
    "yeast": "466de7c9401df90953974dbbf7c25cde82516f68", "random": "270d5c71a3eee1b1970d49766d9293eb7394b65b",
    "challenging": "1f16c102a447621217b2371e3dcd196345bb35a6", "SNVs": "0784d656a32ac3ef59ae098953747c899951f731",
    "motif_perturbation": "3a82a08d64c5d99ba45aa1a934bad88be64966cb", "motif_tiling": "45230dbffc92c8bdb5e0b69f0e16dd4a17b738f9"}

REGISTRY: dict[str, DataFile] = {f.name: f for f in [
    # Gene families (tab-separated `sequence<TAB>class`, CRLF). Labels 0..6 = GENE_FAMILIES.
    DataFile("human", "gene_family/human_data.txt", f"{_GH_GENES}/human_data.txt",
             git_blob="4040d7b4096dac05bf97b9fa7a20673c1621622c", in_mirror=False,
             description="human gene families, full file: 4,380 rows, about 5.5 MB"),
    DataFile("human_first781", "gene_family/human_data_PARTIAL_first781rows.txt", None,
             sha256="cbd9db36fa803b6fd7165430d7e6945bf24fb4e481dd94d2e69c3a6057720398",
             description="human gene families: first 781 of 4,380 rows (PARTIAL)",
             derived_from="human", derive=partial(first_rows, n_rows=781),
             recipe="header + first 781 rows of human_data.txt, CRLF line endings, no final newline"),
    DataFile("chimp", "gene_family/chimp_data.txt", f"{_GH_GENES}/chimp_data.txt",
             sha256="230b75a030961414c13ba2672f9ba135e7ceb85847a454c80719c882347a99ad",
             description="chimpanzee gene families: 1,682 rows"),
    DataFile("dog", "gene_family/dog_data.txt", f"{_GH_GENES}/dog_data.txt",
             sha256="a6ea8e47a6e579fd24ababd05e4afc99e69a06d3a11c4e6349a8ba3461be5fc6",
             description="dog gene families: 820 rows"),
    # DREAM 2022 yeast random promoters (Rafi et al. 2024).
    DataFile("dream_demo_train", "dream_yeast/demo_train.txt", f"{_GH_DREAM}/demo_train.txt",
             sha256="277090c096efb1592d1b017fffef6d83d96817ae4430109ddc5ba45b66dd8ede",
             description="DREAM yeast demo training rows: 6,370 (expression on the 0-17 bin scale)"),
    DataFile("dream_train_first1000", "dream_yeast/train_first1000_camformer_demo_test.txt",
             f"{_GH_CAMFORMER}/saved_models/demo_test.txt",
             sha256="e1059e70d61853b88976a67997dc2df2bfa9fc3f4b67a53cb5f3d81b28fb8127",
             description="first 1,000 rows of the DREAM training file (Camformer's demo_test.txt)"),
    DataFile("dream_test", "dream_yeast/camformer_data_scatter_O_Mi.csv.gz",
             f"{_GH_CAMFORMER}/manuscript_figures/Figure_3_S3/data/data_scatter_O_Mi.csv.gz",
             sha256="c58b68f0991202fe62e63e021f0d52c86466cc66bd063ec37e4877f205cc5114",
             description="DREAM test set, 71,103 rows, measured expression (MAUDE scale) in `true_expr`"),
    DataFile("dream_test_measured", "dream_yeast/dream_test_71103_measured.txt", None,
             sha256="caf373efe847d16d43403fd0e30223de8505c8fb2ec5d23446212082ffad4879",
             description="DREAM test set as `sequence<TAB>expression` (71,103 rows, MAUDE scale)",
             derived_from="dream_test", derive=_measured_test_table,
             recipe="for each csv row in order: seq + TAB + true_expr (verbatim) + LF"),
    DataFile("dream_plasmid", "dream_yeast/plasmid.json", f"{_GH_DREAM}/plasmid.json",
             sha256="e1444cace7908c314be020e79c7790558f3947c3c932fd0c02136df14df59113",
             description="the 8,294 bp plasmid around the promoter insert (JSON string)"),
    *[DataFile(f"dream_subset_{name}", f"dream_yeast/test_subset_ids/{name}_seqs.csv",
               f"{_GH_DREAM}/test_subset_ids/{name}_seqs.csv", sha256=sha,
               description=f"DREAM test subset '{name}': indices into the test set")
      for name, sha in _SUBSETS.items()],
    DataFile("dream_snv_pairs", "dream_yeast/test_subset_ids/all_SNVs_seqs.csv",
             f"{_GH_DREAM}/test_subset_ids/all_SNVs_seqs.csv", git_blob="be83edb2a5ec77737c564e5581632c5df7c6779e",
             in_mirror=False, description="DREAM test subset 'SNVs': every alt/ref pair of single-nucleotide variants"),
    *[DataFile(f"dream_leaderboard_{name}", f"dream_yeast/public_leaderboard_ids/{name}_exp_indices.json",
               f"{_GH_DREAM}/public_leaderboard_ids/{name}_exp_indices.json", git_blob=blob,
               description=f"DREAM public-leaderboard indices of subset '{name}' (dropped from the final score)")
      for name, blob in _LEADERBOARD.items()],
    DataFile("dream_train_full", "dream_yeast/train_sequences.txt",
             "https://zenodo.org/records/10633252/files/train_sequences.txt?download=1",
             sha256="dfd548e99d9d64fae963c029a8f7446688f6f064ae414e54c2f4880f25256661", in_mirror=False,
             checksum_verified=False,
             description="full DREAM training file: about 6.7 M rows, 805 MB; its checksum comes from a "
                         "third party and is unverified"),
]}


def registry_table() -> pd.DataFrame:
    """The registry as a table (one row per file), for a quick look in a notebook."""
    rows = [{"name": f.name, "file": f.filename, "in mirror": f.in_mirror,
             "source": f.url or f"derived from {f.derived_from}: {f.recipe}",
             "checksum": f"{f.checksum[0]}:{f.checksum[1][:12]}…", "description": f.description}
            for f in REGISTRY.values()]
    return pd.DataFrame(rows).set_index("name")


# --------------------------------------------------------------------------------------------------
# Checksums and fetching
# --------------------------------------------------------------------------------------------------

def file_checksum(path: str | os.PathLike, kind: str = "sha256") -> str:
    """Hex digest of a file: ``kind="sha256"``, or ``"git_blob"`` (what ``git hash-object`` prints)."""
    path = Path(path)
    if kind == "sha256":
        digest = hashlib.sha256()
    elif kind == "git_blob":
        digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    else:
        raise ValueError(f"kind must be 'sha256' or 'git_blob', got {kind!r}")
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _bytes_checksum(data: bytes, kind: str) -> str:
    prefix = b"blob %d\0" % len(data) if kind == "git_blob" else b""
    return (hashlib.sha1 if kind == "git_blob" else hashlib.sha256)(prefix + data).hexdigest()


def _mismatch(entry: DataFile, actual: str) -> str | None:
    kind, expected = entry.checksum
    if actual == expected:
        return None
    return f"expected {kind} {expected}, got {actual}"


_SOURCES: dict[str, str] = {}  # name -> "cache" | "mirror" | "derived" | "download", of the last fetch


def source_of(name: str) -> str | None:
    """Where the last ``fetch(name)`` found the file: "cache", "mirror", "derived", "download" (or None)."""
    return _SOURCES.get(name)


def fetch(name: str) -> Path:
    """Path to a verified copy of the registered file ``name`` (cache, mirror, derived or downloaded).

    Raises ``DataUnavailableError`` when there is no copy and no network, ``ChecksumError`` when a mirror
    copy or a download is corrupt. ``source_of(name)`` then says where the file came from.

    >>> fetch("chimp").name                                            # doctest: +SKIP
    'chimp_data.txt'
    """
    return _fetch(name)[0]


def _entry(name: str) -> DataFile:
    if name not in REGISTRY:
        raise KeyError(f"no dataset file named {name!r}; registered: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def _cache_root() -> Path | None:
    try:
        return runtime.data_dir()
    except OSError:  # e.g. DNACOURSE_DATA_DIR points somewhere that cannot be created
        return None


def _fetch(name: str) -> tuple[Path, str]:
    entry = _entry(name)
    root = _cache_root()
    cached = root / entry.filename if root is not None else None
    if cached is not None and cached.is_file():                      # 1. cache
        if _mismatch(entry, file_checksum(cached, entry.checksum[0])) is None:
            return _found(name, cached, "cache")
        with file_lock(cached):  # another process may be replacing it right now
            if _cached_copy_is_good(entry, cached):
                return _found(name, cached, "cache")
    mirror = runtime.mirror_dir()
    if mirror is not None and entry.in_mirror and (mirror / entry.filename).is_file():   # 2. mirror
        path = mirror / entry.filename
        problem = _mismatch(entry, file_checksum(path, entry.checksum[0]))
        if problem is not None:
            raise ChecksumError(f"the mirror copy of {entry.filename} at {path} is corrupt ({problem}); "
                                f"replace it with a fresh copy, or unset {runtime.MIRROR_ENV} to download it")
        return _found(name, path, "mirror")
    dest = _writable_target(entry)
    try:
        with file_lock(dest):  # one process makes the file; the others wait, then find it in the cache
            if _cached_copy_is_good(entry, dest):
                return _found(name, dest, "cache")
            if entry.derived_from is not None:                             # 3. derive
                return _found(name, _derive(entry, dest), "derived")
            return _found(name, _download_verified(entry, dest), "download")  # 4. download
    except (DataUnavailableError, ChecksumError):
        with contextlib.suppress(OSError):
            dest.parent.rmdir()  # leave no empty folder behind
        raise


def _cached_copy_is_good(entry: DataFile, cached: Path) -> bool:
    """True if ``cached`` passes its checksum; else it is moved aside (``.corrupt``) with a warning."""
    if not cached.is_file():
        return False
    problem = _mismatch(entry, file_checksum(cached, entry.checksum[0]))
    if problem is None:
        return True
    aside = cached.with_name(cached.name + ".corrupt")
    try:
        os.replace(cached, aside)
    except OSError as err:
        raise ChecksumError(f"the cached copy of {entry.filename} at {cached} is corrupt ({problem}) and "
                            f"could not be moved aside ({err}); delete it and run again") from err
    warnings.warn(f"the cached copy of {entry.filename} at {cached} failed its checksum ({problem}); "
                  f"moved it to {aside.name} and fetching the file again", ChecksumWarning, stacklevel=4)
    return False


def _found(name: str, path: Path, source: str) -> tuple[Path, str]:
    _SOURCES[name] = source
    return path, source


def _where_to_put(entry: DataFile) -> str:
    root = _cache_root()
    if root is None:
        root = Path(os.environ.get(runtime.DATA_DIR_ENV, "data"))
    return str(root / entry.filename)


def _unavailable(entry: DataFile, reason: str) -> DataUnavailableError:
    mirror = runtime.mirror_dir()
    mirror_note = f"{runtime.MIRROR_ENV} is not set" if mirror is None else f"{runtime.MIRROR_ENV}={mirror}"
    return DataUnavailableError(
        f"{Path(entry.filename).name} ({entry.description}) is not available: {reason}.\n"
        f"  URL: {entry.url}\n"
        f"  To fix, do one of:\n"
        f"  - connect to the internet and run this again (the file is downloaded once, then cached);\n"
        f"  - download the URL yourself and save the file as {_where_to_put(entry)}\n"
        f"    (the cache folder; change it with {runtime.DATA_DIR_ENV});\n"
        f"  - set {runtime.MIRROR_ENV} to a folder holding {entry.filename} ({mirror_note}).")


def _writable_target(entry: DataFile) -> Path:
    """Cache path for ``entry``, after checking that the cache folder can be written to."""
    try:
        target = runtime.data_dir() / entry.filename
        writable_folder(target.parent)
    except OSError as err:
        raise DataUnavailableError(
            f"cannot save {entry.filename}: the data folder is not writable ({err}). Set "
            f"{runtime.DATA_DIR_ENV} to a writable folder, or {runtime.MIRROR_ENV} to a folder holding "
            f"a copy of the data.") from err
    return target


def _download(url: str, dest: Path) -> None:
    """Download ``url`` to ``dest`` with pooch, showing a progress bar. (Tests replace this function.)"""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # we check the hash ourselves; skip pooch's "use this known_hash" note
    try:
        pooch.retrieve(url, known_hash=None, fname=dest.name, path=dest.parent, progressbar=True)
    finally:
        logger.setLevel(level)


def _download_verified(entry: DataFile, dest: Path) -> Path:
    """Download ``entry`` into a fresh folder beside ``dest``, check it, then move it to ``dest``."""
    kept = dest.with_name(dest.name + ".unverified")
    if kept.is_file():  # an earlier download failed the unverified checksum: do not fetch it again
        raise ChecksumError(
            f"an earlier download of {entry.filename} from {entry.url} did not match the registry's "
            f"{entry.checksum[0]} (a third-party checksum, never verified) and was kept as {kept} "
            f"({kept.stat().st_size:,} bytes); it is not downloaded again. Delete that file to download "
            "it once more.")
    folder = temporary_folder(dest)
    tmp = folder / dest.name
    try:
        try:
            _download(entry.url, tmp)
            if not tmp.is_file():
                raise FileNotFoundError(f"the downloader wrote nothing to {tmp}")
        except Exception as err:  # no network, HTTP error, ...: one clear message
            raise _unavailable(entry, "no verified copy in the cache or the mirror, and the download "
                               f"failed ({type(err).__name__}: {err})") from err
        problem = _mismatch(entry, file_checksum(tmp, entry.checksum[0]))
        size = tmp.stat().st_size
        if problem is None:
            publish(tmp, dest)
            return dest
        if entry.checksum_verified:
            raise ChecksumError(f"the download of {entry.filename} from {entry.url} is corrupt or incomplete "
                                f"({problem}, {size:,} bytes); it was deleted. Run again to retry.")
        publish(tmp, kept)
        raise ChecksumError(f"the download of {entry.filename} from {entry.url} does not match the registry "
                            f"({problem}, {size:,} bytes). That checksum comes from a third party and was "
                            f"never verified: the download may be fine and the checksum wrong, or the "
                            f"download may be incomplete. It was kept as {kept}; delete that file to "
                            "download it again.")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _derive(entry: DataFile, dest: Path) -> Path:
    parent = _entry(entry.derived_from)
    try:
        parent_path = fetch(parent.name)
    except DataUnavailableError as err:
        raise DataUnavailableError(f"{entry.filename} is made from {parent.filename} "
                                   f"({entry.recipe}), and that file is missing.\n{err}") from err
    data = entry.derive(parent_path.read_bytes())
    problem = _mismatch(entry, _bytes_checksum(data, entry.checksum[0]))
    if problem is not None:
        raise ChecksumError(f"deriving {entry.filename} from {parent_path} ({entry.recipe}) did not give the "
                            f"expected bytes ({problem})")
    return atomic_write(dest, lambda fh: fh.write(data))


# --------------------------------------------------------------------------------------------------
# Gene families
# --------------------------------------------------------------------------------------------------

_SOURCE_WORDS = {"cache": "from the local cache", "mirror": "from the mirror",
                 "download": "just downloaded", "derived": "derived from the full file"}

_SPECIES = {  # species -> what the notebook line says about it
    "human": "the full human gene-family file",
    "human_first781": "first 781 of 4,380 rows of the human gene-family file (PARTIAL)",
    "chimp": "the chimpanzee gene-family file",
    "dog": "the dog gene-family file",
}


def _text_lines(path: Path) -> list[str]:
    """The lines of a text file: ASCII, or UTF-8 / UTF-16 with a byte-order mark (what Excel and
    Notepad write); other bytes become U+FFFD, which the row checks then report."""
    raw = path.read_bytes()
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(codec, errors="replace").splitlines()
    if b"\0" in raw[:1000]:
        raise ValueError(f"{path.name} holds NUL bytes: it looks like UTF-16 or UTF-32 without a byte-order "
                         "mark (or a binary file). Save it as plain text (ASCII or UTF-8)")
    return raw.decode("ascii", errors="replace").splitlines()


def read_gene_family_file(path: str | os.PathLike) -> pd.DataFrame:
    """Read a gene-family table (``sequence<TAB>class`` header, CRLF or LF) and check every row.

    A UTF-8 or UTF-16 byte-order mark is read (files saved by Excel or Notepad); a file with only the
    header raises. Returns columns ``sequence`` (uppercase), ``label`` (int 0-6) and ``family``. Empty sequences,
    labels that are not integers 0-6, characters other than ACGTN and rows without exactly two
    tab-separated fields raise ``ValueError`` naming the file and its line numbers (header = line 1).

    >>> read_gene_family_file("chimp_data.txt").shape                  # doctest: +SKIP
    (1682, 3)
    """
    path = Path(path)
    lines = _text_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()  # tolerate trailing blank lines
    if not lines or lines[0].strip().split("\t") != ["sequence", "class"]:
        head = repr(lines[0][:60]) if lines else "an empty file"
        raise ValueError(f"{path.name}: expected the header 'sequence<TAB>class', found {head}")
    if len(lines) == 1:
        raise ValueError(f"{path.name} has the header 'sequence<TAB>class' but no rows below it: "
                         "is it the right file, or was it cut short?")
    problems: dict[str, list[str]] = {}
    seqs, labels = [], []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.rstrip().split("\t")  # rstrip: keep a leading tab (empty sequence)
        if len(fields) != 2:
            problems.setdefault("not 2 tab-separated fields", []).append(f"{lineno} ({len(fields)} fields)")
            continue
        seq, label = fields[0].strip().upper(), fields[1].strip()
        if not seq:
            problems.setdefault("empty sequence", []).append(str(lineno))
        elif bad := sorted(set(re.sub("[ACGTN]", "", seq))):
            problems.setdefault("characters other than ACGTN", []).append(f"{lineno} ({''.join(bad)[:10]})")
        if not (label.isdigit() and int(label) < len(GENE_FAMILIES)):
            problems.setdefault("label not an integer 0-6", []).append(f"{lineno} ({label!r})")
        seqs.append(seq)
        labels.append(int(label) if label.isdigit() else -1)
    if problems:
        parts = [f"{kind}: line {', '.join(rows[:5])}" + (f" and {len(rows) - 5} more" if rows[5:] else "")
                 for kind, rows in problems.items()]
        raise ValueError(f"{path.name} has bad rows - " + "; ".join(parts))
    label_arr = np.asarray(labels, dtype=np.int64)
    return pd.DataFrame({"sequence": seqs, "label": label_arr,
                         "family": np.asarray(GENE_FAMILIES, dtype=object)[label_arr]})


def load_gene_families(species: str = "human", fallback: str | None = None, verbose: bool = True
                       ) -> pd.DataFrame:
    """The gene-family dataset of one species: columns ``sequence``, ``label`` (0-6), ``family``.

    species: "human" (full, 4,380 rows; downloaded), "human_first781" (its first 781 rows, PARTIAL,
    offline), "chimp" (1,682) or "dog" (820). When the file cannot be had and ``fallback`` names a subset of
    the same species ("human" -> "human_first781"), that one is loaded instead, with a notice. ``df.attrs`` holds ``dataset``, ``description``,
    ``source`` ("cache", "mirror", "download" or "derived") and ``n_rows``; ``verbose`` prints one line
    saying exactly what was loaded.

    >>> df = load_gene_families("dog")                                 # doctest: +SKIP
    Loaded dog: the dog gene-family file — 820 rows, from the mirror
    >>> df["label"].value_counts().sort_index().tolist()              # doctest: +SKIP
    [131, 75, 64, 95, 135, 60, 260]
    """
    for value in (species, fallback):
        if value is not None and value not in _SPECIES:
            raise ValueError(f"unknown species {value!r}; choose one of {', '.join(map(repr, _SPECIES))}")
    if fallback not in (None, species) and not fallback.startswith(species + "_"):
        raise ValueError(f"fallback {fallback!r} is not a subset of {species!r}: a fallback may only load "
                         f"fewer rows of the same species (e.g. species='human', fallback='human_first781')")
    fell_back = False
    try:
        path, source = _fetch(species)
    except DataUnavailableError as err:
        hint = ('\nOffline, load_gene_families(species="human_first781") works (the first 781 of 4,380 rows,'
                ' PARTIAL), or pass fallback="human_first781".' if species == "human" else "")
        if fallback is None or fallback == species:
            raise DataUnavailableError(f"{err}{hint}") from err
        missing = Path(_entry(species).filename).name
        print(f"Notice: {species!r} is not available ({missing} could not be found or downloaded); "
              f"loading fallback {fallback!r} instead.")
        species, fell_back = fallback, True
        path, source = _fetch(species)
    df = read_gene_family_file(path)
    what = _SPECIES[species]
    if fell_back and species == "human_first781":
        what = what.replace("(PARTIAL)", "(PARTIAL; full file not available offline)")
    df.attrs.update(dataset=species, description=_entry(species).description, source=source, n_rows=len(df))
    if verbose:
        print(f"Loaded {species}: {what} — {len(df):,} rows, {_SOURCE_WORDS[source]}")
    return df


# --------------------------------------------------------------------------------------------------
# DREAM 2022 yeast promoters
# --------------------------------------------------------------------------------------------------

def _read_expression_table(path: Path) -> pd.DataFrame:
    """Headerless ``sequence<TAB>expression`` file -> DataFrame; every problem names the file and line.

    Only an empty field is missing: a sequence such as ``NA`` (N then A) stays a sequence.
    """
    try:
        df = pd.read_csv(path, sep="\t", header=None, dtype={0: str, 1: float}, keep_default_na=False,
                         na_values={0: [""], 1: [""]})
    except ValueError as err:  # pandas' parser errors, an empty file, a word where a number belongs
        raise _expression_file_error(path, err) from err
    if df.shape[1] != 2:
        raise ValueError(f"{path.name}: expected 2 tab-separated columns, found {df.shape[1]}")
    df.columns = ["sequence", "expression"]
    bad = np.flatnonzero(df.isna().any(axis=1).to_numpy())
    if len(bad):
        raise ValueError(f"{path.name}: missing values on line {', '.join(str(i + 1) for i in bad[:5])}")
    bad = np.flatnonzero(~np.isfinite(df["expression"].to_numpy()))
    if len(bad):
        raise ValueError(f"{path.name}: the expression on line {bad[0] + 1} is {df['expression'][bad[0]]}, not a "
                         f"finite number ({len(bad)} such line(s))")
    return df


def _expression_file_error(path: Path, err: ValueError) -> ValueError:
    """A clear error for a ``sequence<TAB>expression`` file that pandas could not read."""
    if isinstance(err, pd.errors.EmptyDataError) or not path.read_bytes().strip():
        return ValueError(f"{path.name} is empty: expected lines of sequence<TAB>expression")
    try:
        text = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    except ValueError:
        return ValueError(f"{path.name}: not a table of sequence<TAB>expression lines ({str(err).strip()})")
    for line, value in enumerate(text[1] if text.shape[1] > 1 else (), start=1):
        try:
            float(value)
        except ValueError:
            header = " (a header line? the file has none: delete that line)" if line == 1 else ""
            return ValueError(f"{path.name}: the expression on line {line} is {value!r}, not a number{header}")
    return ValueError(f"{path.name}: not a table of sequence<TAB>expression lines ({str(err).strip()})")


def load_dream(split: str = "train", verbose: bool = True) -> pd.DataFrame:
    """DREAM 2022 yeast promoters: columns ``sequence``, ``expression`` (+ ``singleton`` for training splits).

    split:
      - "train": 7,369 unique training-style rows that work offline (demo_train's 6,370 rows, then the
        999 new rows of the first 1,000 of the official training file). Expression is on the 0-17 bin
        scale; ``singleton`` is True where it is a whole number (the sequence was seen in one bin).
      - "train_full": the official training file from Zenodo (about 6.7 M rows, 805 MB download).
        Only needed for the 10,240 / 20,480-row data-size studies.
      - "test": the 71,103 measured test rows; row i is test index i. Expression is on the MAUDE scale
        (about -1.4 to 1.7), not the training scale: normalise before comparing.

    >>> load_dream("train").shape                                      # doctest: +SKIP
    Loaded dream_train: ... — 7,369 rows, from the mirror
    (7369, 3)
    """
    if split == "train":
        parts, sources = [], []
        for name in ("dream_demo_train", "dream_train_first1000"):
            path, source = _fetch(name)
            parts.append(_read_expression_table(path))
            sources.append(source)
        df = pd.concat(parts, ignore_index=True).drop_duplicates("sequence", keep="first")
        df = df.reset_index(drop=True)
        source = sources[0] if len(set(sources)) == 1 else "+".join(sources)
        what = (f"DREAM yeast training-style rows (demo_train 6,370 + first 1,000 of train_sequences.txt, "
                f"{6370 + 1000 - len(df)} duplicate dropped), expression on the 0-17 bin scale")
    elif split == "train_full":
        try:
            path, source = _fetch("dream_train_full")
        except DataUnavailableError as err:
            raise DataUnavailableError(
                f"{err}\nThe full training file is needed for the 10,240 / 20,480-row data-size studies; "
                f'offline, load_dream("train") gives 7,369 real training rows.') from err
        df = _read_expression_table(path)
        what = "the full DREAM training file (train_sequences.txt), expression on the 0-17 bin scale"
    elif split == "test":
        path, source = _fetch("dream_test")
        raw = pd.read_csv(path, usecols=["seq", "true_expr"], dtype={"seq": str, "true_expr": float})
        df = raw.rename(columns={"seq": "sequence", "true_expr": "expression"})
        what = "DREAM measured test set (row i = test index i), expression on the MAUDE scale"
    else:
        raise ValueError(f"unknown split {split!r}; choose 'train', 'train_full' or 'test'")
    if split != "test":
        df["singleton"] = df["expression"].to_numpy() == np.round(df["expression"].to_numpy())
    scale = "MAUDE (about -1.4 to 1.7)" if split == "test" else "expression bins 0-17"
    df.attrs.update(dataset=f"dream_{split}", description=f"{what}; scale: {scale}", source=source,
                    n_rows=len(df), scale=scale)
    if verbose:
        words = _SOURCE_WORDS.get(source, f"from {source}")
        print(f"Loaded dream_{split}: {what} — {len(df):,} rows, {words}")
    return df


def dream_plasmid() -> str:
    """The 8,294 bp plasmid (uppercase) that holds the promoter insert; LegNet pads with its bases.

    >>> len(dream_plasmid())                                           # doctest: +SKIP
    8294
    """
    with open(fetch("dream_plasmid")) as fh:
        return json.load(fh).upper()


def dream_test_subsets() -> dict[str, np.ndarray]:
    """Test-set subsets of the DREAM challenge: name -> sorted unique test indices (int64).

    Names: all_random, challenging, high_exp, low_exp, motif_perturbation, motif_tiling, yeast (SNV pairs:
    ``challenge.challenge_subsets``). Paired subsets list both members (``alt_pos`` and ``ref_pos``).

    >>> {k: len(v) for k, v in dream_test_subsets().items()}["all_random"]   # doctest: +SKIP
    6349
    """
    subsets = {}
    for name in _SUBSETS:
        table = pd.read_csv(fetch(f"dream_subset_{name}"), index_col=0)
        cols = ["pos"] if "pos" in table.columns else ["alt_pos", "ref_pos"]
        subsets[name] = np.unique(table[cols].to_numpy(dtype=np.int64).ravel())
    return subsets


# --------------------------------------------------------------------------------------------------
# The data set the training loop reads: codes + targets (+ per-row flags), on one device
# --------------------------------------------------------------------------------------------------

@dataclass
class SequenceData:
    """Sequences as index codes plus their targets, kept together.

    * ``idx``: ``uint8`` tensor ``(N, L)`` of ``dnacourse.encoding`` codes (A0 C1 G2 T3 N4 PAD5);
    * ``y``: tensor whose first dimension is ``N``: ``int64`` class labels ``(N,)`` for
      classification (float targets are kept as ``float32`` for regression or soft labels);
    * ``flags`` (optional): ``float32`` tensor ``(N, F)`` of per-row values that ``to_input`` turns
      into extra input planes, e.g. LegNet's ``[is_reverse, is_singleton]``. When present, ``fit``
      and ``predict_proba`` call ``to_input(idx, flags)`` instead of ``to_input(idx)``.

    NumPy arrays and lists are converted. ``len(data)`` is ``N``; ``data.to("cuda")`` moves all
    tensors; ``data.subset(rows)`` picks rows (an index array such as ``split.train``, or a mask).

    >>> d = SequenceData(encoding.encode_index(["ACGT", "AC"], length=4), [0, 1])
    >>> len(d), d.idx.dtype, d.y.dtype, len(d.subset([1]))
    (2, torch.uint8, torch.int64, 1)
    """

    idx: torch.Tensor
    y: torch.Tensor
    flags: torch.Tensor | None = None

    def __post_init__(self):
        idx = self.idx
        if isinstance(idx, np.ndarray):
            idx = torch.from_numpy(np.require(idx, requirements="W"))  # copies read-only arrays
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"idx must be a tensor or NumPy array of codes, got {type(idx).__name__}")
        if idx.ndim != 2:
            raise ValueError(f"idx must be shaped (N, L), got {tuple(idx.shape)}")
        check_code_values(check_codes(idx, "idx"), "idx")
        y = self.y if isinstance(self.y, torch.Tensor) else torch.as_tensor(np.array(self.y))
        if y.ndim == 0:
            raise ValueError("y must have one target per row, got a scalar")
        if y.is_floating_point():
            y = y.float()
            bad = ~torch.isfinite(y) if y.device.type == "cpu" else torch.zeros(0, dtype=torch.bool)
            if bad.any():
                first = tuple(int(i) for i in bad.nonzero()[0])
                raise ValueError(f"y{list(first)} is {float(y[first])}: targets must be finite numbers "
                                 f"({int(bad.sum())} NaN or infinite in all); drop or fill those rows")
        elif y.dtype != torch.bool and not y.is_complex():
            y = y.long()
            if y.ndim != 1:
                raise ValueError(f"y holds integer class labels shaped {tuple(y.shape)}: give one label per "
                                 "row, shaped (N,) (y.ravel(), or df['label'] rather than df[['label']])")
        else:
            raise TypeError(f"y must hold integer class labels or float targets, got {y.dtype}")
        if len(y) != len(idx):
            raise ValueError(
                f"idx has {len(idx)} rows (sequences) but y has {len(y)} labels: they must match"
            )
        flags = self.flags
        if flags is not None:
            if not isinstance(flags, torch.Tensor):
                try:
                    flags = torch.as_tensor(np.asarray(flags, dtype=np.float32))
                except (TypeError, ValueError) as err:
                    raise TypeError(f"flags must be a float tensor or array shaped (N, F), got "
                                    f"{type(self.flags).__name__}") from err
            if flags.ndim != 2:
                raise ValueError(f"flags must be shaped (N, F) (one row of values per sequence), "
                                 f"got {tuple(flags.shape)}")
            if len(flags) != len(idx):
                raise ValueError(f"idx has {len(idx)} rows (sequences) but flags has {len(flags)} "
                                 "rows: they must match")
            flags = flags.to(device=idx.device, dtype=torch.float32)
        self.idx = idx.to(torch.uint8)
        self.y = y.to(idx.device)
        self.flags = flags

    @classmethod
    def from_frame(cls, df: pd.DataFrame, length: int = 1000, label: str = "label",
                   sequence: str = "sequence") -> SequenceData:
        """Encode ``df[sequence]`` with ``encode_index`` (eq. 1: pad or cut to ``length``), labels from ``df[label]``.

        Labels that are whole numbers stored as floats (``2.0``) become int64 class labels; other
        floats stay float targets (regression); a NaN or infinite label raises, naming its row.

        >>> df = pd.DataFrame({"sequence": ["ACGT", "GGA"], "label": [1, 0]})
        >>> SequenceData.from_frame(df, length=5).idx.tolist()
        [[0, 1, 2, 3, 5], [2, 2, 0, 5, 5]]
        """
        for column in (sequence, label):
            if column not in df.columns:
                raise KeyError(f"column {column!r} not in the frame; it has {list(df.columns)}")
        if len(df) == 0:
            raise ValueError("the frame has no rows")
        values = df[label].to_numpy()
        if values.dtype.kind not in "iubf":
            raise TypeError(
                f"column {label!r} must be numeric (class numbers 0..C-1), got {values.dtype}; "
                "map class names to integers first"
            )
        if values.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise ValueError(f"column {label!r} is {values[bad[0]]} in row {bad[0]} (index {df.index[bad[0]]!r}; "
                                 f"{bad.size} NaN or infinite in all): drop those rows or fill in their labels")
            if np.all(values == np.round(values)):  # class numbers stored as floats (e.g. 2.0)
                values = values.astype(np.int64)
        return cls(encoding.encode_index(df[sequence].tolist(), length), values)

    def __len__(self) -> int:
        return len(self.idx)

    def __repr__(self) -> str:
        return (f"SequenceData(n={len(self)}, length={self.idx.shape[1]}, y={str(self.y.dtype)[6:]}"
                f"{tuple(self.y.shape[1:]) or ''}"
                + (f", flags={self.flags.shape[1]}" if self.flags is not None else "")
                + f", device={self.idx.device})")

    @property
    def device(self) -> torch.device:
        return self.idx.device

    def to(self, device) -> SequenceData:
        """The same data on ``device`` (a new object; this one is unchanged)."""
        flags = self.flags.to(device) if self.flags is not None else None
        return SequenceData(self.idx.to(device), self.y.to(device), flags)

    def subset(self, indices) -> SequenceData:
        """Rows ``indices`` (integer positions, e.g. ``split.train``, or a boolean mask)."""
        rows = torch.as_tensor(np.asarray(indices) if not isinstance(indices, torch.Tensor) else indices)
        if rows.dtype != torch.bool:
            rows = rows.long()
        rows = rows.to(self.idx.device)
        flags = self.flags[rows] if self.flags is not None else None
        return SequenceData(self.idx[rows], self.y[rows], flags)


def as_data(data, what: str) -> SequenceData:
    """``data`` if it is a ``SequenceData``; else a ``TypeError`` naming ``what`` (and a hint for a frame)."""
    if isinstance(data, SequenceData):
        return data
    hint = " (use SequenceData.from_frame(df))" if isinstance(data, pd.DataFrame) else ""
    raise TypeError(f"{what} must be a SequenceData, got {type(data).__name__}{hint}")


# --------------------------------------------------------------------------------------------------
# Synthetic data with planted motifs
# --------------------------------------------------------------------------------------------------

class PWMList(list):
    """A list of (4, w) PWM arrays that compares by value (so pandas can carry it in ``df.attrs``)."""

    def __eq__(self, other):
        return (isinstance(other, list) and len(self) == len(other)
                and all(np.array_equal(a, b) for a, b in zip(self, other, strict=True)))

    def __ne__(self, other):
        return not self == other

    __hash__ = None


def make_motif_dataset(n_per_class: int = 200, n_classes: int = 3, length: int = 200, motif_length: int = 8,
                       seed: int = 0, alpha: float = 0.1) -> pd.DataFrame:
    """Random DNA with one planted motif per sequence; the motif says the class. Ground truth for tests.

    Each class gets its own PWM (4 x motif_length, rows A,C,G,T; each column drawn from a
    Dirichlet(alpha): small alpha = sharp motif). Each sequence is uniform random background with one
    instance sampled from its class's PWM planted at a random position. Rows are shuffled.

    Returns columns ``sequence``, ``label``, ``motif_start``, ``motif_end`` (0-based, end exclusive);
    ``df.attrs["motifs"]`` is the list of PWMs (float arrays, shape (4, motif_length)) and
    ``df.attrs["consensus"]`` their consensus strings. The same seed gives the same data.

    >>> df = make_motif_dataset(n_per_class=2, n_classes=2, length=20, motif_length=4)
    >>> df.shape, len(df["sequence"][0]), df.attrs["motifs"][0].shape
    ((4, 4), 20, (4, 4))
    """
    for value, what in ((n_per_class, "n_per_class"), (n_classes, "n_classes"), (length, "length"),
                        (motif_length, "motif_length")):
        check_int(value, what)
    if motif_length > length:
        raise ValueError(f"motif_length ({motif_length}) must not exceed length ({length})")
    if n_classes > 4 ** min(motif_length, 16):
        raise ValueError(f"n_classes={n_classes} needs {n_classes} distinct motifs, but motif_length="
                         f"{motif_length} allows only {4 ** motif_length}: use a longer motif_length")
    check_positive(alpha, "alpha")
    rng = np.random.default_rng(seed)
    pwms, consensus = [], []
    tries = 0
    while len(pwms) < n_classes:
        tries += 1  # a new consensus is likely at every draw: the bound only guards against a hang
        if tries > 1000 * n_classes:
            raise ValueError(f"could not draw {n_classes} distinct motifs of length {motif_length} with "
                             f"alpha={alpha}: use a longer motif_length or fewer classes")
        pwm = rng.dirichlet(np.full(4, alpha), size=motif_length).T           # (4, w), columns sum to 1
        cons = "".join("ACGT"[b] for b in pwm.argmax(axis=0))
        if cons not in consensus:  # distinct motifs per class
            pwms.append(pwm)
            consensus.append(cons)
    n = n_per_class * n_classes
    labels = np.repeat(np.arange(n_classes), n_per_class)
    seqs = rng.integers(0, 4, size=(n, length))
    starts = rng.integers(0, length - motif_length + 1, size=n)
    for c, pwm in enumerate(pwms):
        rows = np.flatnonzero(labels == c)
        u = rng.random((len(rows), 1, motif_length))
        bases = np.minimum((u > np.cumsum(pwm, axis=0)[None]).sum(axis=1), 3)   # sample each column
        cols = starts[rows, None] + np.arange(motif_length)
        seqs[rows[:, None], cols] = bases
    order = rng.permutation(n)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[seqs[order]]
    df = pd.DataFrame({"sequence": [row.tobytes().decode() for row in letters], "label": labels[order],
                       "motif_start": starts[order], "motif_end": starts[order] + motif_length})
    df.attrs.update(motifs=PWMList(pwms), consensus=consensus)
    return df
