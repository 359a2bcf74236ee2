"""Point the course at a repository and ref: ``python -m dnacourse set-repo OWNER/NAME [--ref REF]``.

Colab opens a notebook from GitHub and its setup cell pip-installs the ``dnacourse`` package from
GitHub, so every notebook names the repository and the ref (branch, tag or commit) it comes from. A
fork must rewrite all of them at once; this command does, in place:

* the Colab badge of every notebook and of the README:
  ``https://colab.research.google.com/github/OWNER/NAME/blob/REF/notebooks/NN_x.ipynb``;
* the install line of every setup cell (and any in the README):
  ``"dnacourse @ git+https://github.com/OWNER/NAME@REF"``;
* other links to the course repository (``https://github.com/OWNER/NAME...``, e.g. a clone line):
  the repository only, so a ``/blob/main/...`` link keeps its branch;
* ``REPO_URL`` and ``BRANCH`` in ``dnacourse/__init__.py``, from which ``dc.colab_url`` and
  ``dc.pip_spec`` (and tests/test_project.py) build the same addresses;
* the same addresses and links in ``docs/*.md`` (e.g. the clone line of docs/setup.md).

Notebooks are rewritten cell source by cell source and written back as the repository writes them
(``json.dumps(nb, indent=1, ensure_ascii=False) + "\\n"``); a file whose text would not change is not
written. ``--check`` (exit 1 on disagreement) says whether every notebook, the README and the package
name one and the same repository and ref. docs/fork.md is the how-to.

    python -m dnacourse set-repo myname/dnacourse --ref v1.0     # pin a tag (recommended)
    python -m dnacourse set-repo --check                          # do the 19 notebooks and README agree?
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Target", "parse_repo", "check_ref", "set_repo", "check", "main"]

_REF = r"[A-Za-z0-9._/-]*[A-Za-z0-9_-]"  # a ref as these addresses carry it (no trailing '.' or '/')
_NAME = r"[A-Za-z0-9._-]+?"
_OWNER = r"[A-Za-z0-9-]+"
# the Colab address of a course notebook
COLAB = re.compile(rf"(?P<head>https://colab\.research\.google\.com/github/)(?P<owner>{_OWNER})/(?P<name>{_NAME})"
                   rf"/blob/(?P<ref>{_REF})(?P<tail>/notebooks/[^\s)\"'\]<>]+?\.ipynb)")
# what a setup cell installs; 'dnacourse @ ' marks it as the course package whatever the repository
PIP = re.compile(rf"(?P<head>(?P<named>dnacourse\s*@\s*)?git\+https://github\.com/)(?P<owner>{_OWNER})"
                 rf"/(?P<name>{_NAME})(?P<git>\.git)?(?:@(?P<ref>{_REF}))?(?![A-Za-z0-9_/@-]|\.[A-Za-z0-9_-])")
_PACKAGE_LINE = re.compile(r'^(?P<key>REPO_URL|BRANCH) = "(?P<value>[^"]*)"$', re.M)

_OWNER_RULE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_NAME_RULE = re.compile(r"[A-Za-z0-9._-]{1,100}")
_URL_FORMS = re.compile(r"(?:https?://)?(?:www\.)?github\.com[/:](.*)|git@github\.com:(.*)")


@dataclass(frozen=True)
class Target:
    """A repository on GitHub and a ref in it: what Colab opens and the setup cell installs."""

    owner: str
    name: str
    ref: str = "main"

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return f"{self.slug}@{self.ref}"


def parse_repo(text: str) -> tuple[str, str]:
    """``(owner, name)`` of ``OWNER/NAME`` (a GitHub address is accepted too); ValueError naming the bad part.

    >>> parse_repo("myname/dnacourse"), parse_repo("https://github.com/myname/dna-course.git")
    (('myname', 'dnacourse'), ('myname', 'dna-course'))
    >>> parse_repo("my_name/dnacourse")
    Traceback (most recent call last):
    ...
    ValueError: owner 'my_name' (in 'my_name/dnacourse') is not a GitHub user or organisation name: letters, digits and single inner hyphens, at most 39
    """
    raw = text
    text = text.strip()
    url = _URL_FORMS.fullmatch(text)
    if url:
        text = (url.group(1) or url.group(2) or "").rstrip("/")
    text = text.removesuffix(".git")
    parts = text.split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"repository {raw!r} is not OWNER/NAME (e.g. myname/dnacourse)")
    owner, name = parts
    if not _OWNER_RULE.fullmatch(owner):
        raise ValueError(f"owner {owner!r} (in {raw!r}) is not a GitHub user or organisation name: "
                         "letters, digits and single inner hyphens, at most 39")
    if not _NAME_RULE.fullmatch(name) or name in {".", ".."}:
        raise ValueError(f"repository name {name!r} (in {raw!r}) is not a GitHub repository name: "
                         "letters, digits, '.', '-' and '_', at most 100")
    return owner, name


def check_ref(ref: str) -> str:
    """``ref`` if it can name a branch, tag or commit in a Colab address and a pip install; else ValueError.

    >>> check_ref("v1.0"), check_ref("3f2c1ab"), check_ref("release/2025")
    ('v1.0', '3f2c1ab', 'release/2025')
    >>> check_ref("v1 final")
    Traceback (most recent call last):
    ...
    ValueError: ref 'v1 final' is not a usable branch, tag or commit: only letters, digits, '.', '_', '-' and '/' are allowed
    """
    problem = None
    if not ref or not re.fullmatch(r"[A-Za-z0-9._/-]+", ref):
        problem = "only letters, digits, '.', '_', '-' and '/' are allowed"
    elif ref[0] in "-/." or ref[-1] in "/." or ref.endswith(".lock"):
        problem = "it may not start with '-', '/' or '.', nor end with '/', '.' or '.lock'"
    elif ".." in ref or "//" in ref or "/." in ref:
        problem = "it may not contain '..', '//' or '/.'"
    elif len(ref) > 200:
        problem = "it is longer than 200 characters"
    if problem:
        raise ValueError(f"ref {ref!r} is not a usable branch, tag or commit: {problem}")
    return ref


# ------------------------------------------------------------------------------------------------
# reading and rewriting


def _notebook_paths(notebooks: Path) -> list[Path]:
    paths = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks named NN_*.ipynb in {notebooks}")
    return paths


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not a valid notebook (JSON error: {err})") from err


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _placeholder(m: re.Match) -> bool:
    """True for the ``OWNER/NAME`` of a how-to (docs/fork.md), which names no repository."""
    return (m["owner"], m["name"]) == ("OWNER", "NAME")


def _found(text: str, known: set[str]) -> list[tuple[str, str, str]]:
    """(kind, slug, ref) of every course address in ``text``: Colab badges and course pip specs."""
    found = [("colab", f"{m['owner']}/{m['name']}", m["ref"]) for m in COLAB.finditer(text) if not _placeholder(m)]
    for m in PIP.finditer(text):
        slug = f"{m['owner']}/{m['name']}"
        if (m["named"] or slug.lower() in known) and not _placeholder(m):
            found.append(("pip", slug, m["ref"] or ""))
    return found


def _package_target(package: Path | None) -> tuple[str, str] | None:
    """(slug, ref) from REPO_URL and BRANCH in the package's ``__init__.py``."""
    if package is None:
        return None
    values = {m["key"]: m["value"] for m in _PACKAGE_LINE.finditer(package.read_text(encoding="utf-8"))}
    if set(values) != {"REPO_URL", "BRANCH"}:
        raise ValueError(f'{package} has no lines REPO_URL = "..." and BRANCH = "..." to rewrite')
    return values["REPO_URL"].removeprefix("https://github.com/"), values["BRANCH"]


def _known_slugs(notebooks: list[Path], texts: list[str], package: Path | None) -> set[str]:
    """The course's repositories as the files name them now (lower case: GitHub ignores case)."""
    known = set()
    for text in texts + [p.read_text(encoding="utf-8") for p in notebooks]:
        known |= {slug.lower() for _, slug, _ in _found(text, set())}  # badges and 'dnacourse @ git+...'
    pkg = _package_target(package)
    if pkg:
        known.add(pkg[0].lower())
    return known


def _rewrite_text(text: str, target: Target, known: set[str]) -> str:
    """``text`` with every course address pointing to ``target``."""
    def colab(m: re.Match) -> str:
        if _placeholder(m):
            return m.group(0)
        return f"{m['head']}{target.slug}/blob/{target.ref}{m['tail']}"

    def pip(m: re.Match) -> str:
        if _placeholder(m) or (not m["named"] and f"{m['owner']}/{m['name']}".lower() not in known):
            return m.group(0)
        return f"{m['head']}{target.slug}{m['git'] or ''}@{target.ref}"

    text = PIP.sub(pip, COLAB.sub(colab, text))
    for slug in sorted(known):
        # any other link to the course repository: the repository changes, a path or branch after it stays
        owner, name = slug.split("/")
        link = re.compile(rf"(https://(?:www\.)?github\.com/|https://raw\.githubusercontent\.com/)"
                          rf"{re.escape(owner)}/{re.escape(name)}(?![A-Za-z0-9_-]|\.(?!git\b)[A-Za-z0-9_-])",
                          re.I)
        text = link.sub(lambda m: f"{m.group(1)}{target.slug}", text)
    return text


def _rewrite_package(text: str, target: Target) -> str:
    values = {"REPO_URL": f"https://github.com/{target.slug}", "BRANCH": target.ref}
    return _PACKAGE_LINE.sub(lambda m: f'{m["key"]} = "{values[m["key"]]}"', text)


def set_repo(repo: str, ref: str = "main", notebooks: str | Path = "notebooks",
             readme: str | Path | None = "README.md", package: str | Path | None = None,
             docs: Iterable[str | Path] = ()) -> list[Path]:
    """Point every notebook, the README, the package (``dnacourse/__init__.py``) and ``docs`` (text files
    such as ``docs/*.md``) at ``repo`` and ``ref``.

    ``repo`` is ``OWNER/NAME``; ``readme`` or ``package`` None leaves that file out. Everything is
    validated and rewritten in memory first, so a bad value or a broken notebook changes nothing.
    Returns the files whose text changed (only those are written).
    """
    target = Target(*parse_repo(repo), check_ref(ref))
    paths = _notebook_paths(Path(notebooks))
    readme = Path(readme) if readme is not None else None
    package = Path(package) if package is not None else None
    others = [p for p in (readme,) if p is not None] + [Path(p) for p in docs]
    known = _known_slugs(paths, [p.read_text(encoding="utf-8") for p in others], package)
    new: dict[Path, str] = {}
    for path in paths:
        nb = _load(path)
        for cell in nb.get("cells", []):
            src = cell.get("source", "")
            if isinstance(src, list):  # one string a line: an address never spans two
                cell["source"] = [_rewrite_text(line, target, known) for line in src]
            else:
                cell["source"] = _rewrite_text(src, target, known)
        new[path] = _dump(nb)
    for path in others:
        new[path] = _rewrite_text(path.read_text(encoding="utf-8"), target, known)
    if package is not None:
        _package_target(package)  # raises if the lines are missing
        new[package] = _rewrite_package(package.read_text(encoding="utf-8"), target)
    changed = [p for p, text in new.items() if p.read_text(encoding="utf-8") != text]
    for path in changed:
        path.write_text(new[path], encoding="utf-8")
    return changed


def check(notebooks: str | Path = "notebooks", readme: str | Path | None = "README.md",
          package: str | Path | None = None, docs: Iterable[str | Path] = (),
          expect: Target | None = None) -> tuple[Target | None, list[str]]:
    """``(the target all agree on or None, problems)``: do the notebooks, README, package and docs agree?

    Every notebook must carry a Colab badge of itself and a setup cell that installs the course package,
    the README a Colab badge; every course address found (and the package's REPO_URL/BRANCH) must name
    the same repository and ref, and that one must be ``expect`` when it is given (its repository only
    when its ref is empty).
    """
    docs = [Path(p) for p in docs]
    doc_texts = {p: p.read_text(encoding="utf-8") for p in docs}
    paths = _notebook_paths(Path(notebooks))
    readme = Path(readme) if readme is not None else None
    package = Path(package) if package is not None else None
    problems: list[str] = []
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    readme_text = readme.read_text(encoding="utf-8") if readme is not None else None
    known = _known_slugs(paths, [readme_text] * (readme_text is not None) + list(doc_texts.values()), package)
    for path in paths:
        nb = _load(path)
        text = "\n".join(_source(cell) for cell in nb.get("cells", []))
        found = _found(text, known)
        if not any(m["tail"] == f"/notebooks/{path.name}" for m in COLAB.finditer(text)):
            problems.append(f"{path.name}: no Colab badge that opens notebooks/{path.name}")
        if not any(kind == "pip" for kind, _, _ in found):
            problems.append(f"{path.name}: no setup-cell install line 'dnacourse @ git+https://github.com/...@REF'")
        for kind, slug, ref in found:
            places[(slug, ref)].append(f"{path.name} ({'badge' if kind == 'colab' else 'setup cell'})")
    if readme_text is not None:
        found = _found(readme_text, known)
        if not any(kind == "colab" for kind, _, _ in found):
            problems.append(f"{readme.name}: no Colab badge")
        for kind, slug, ref in found:
            places[(slug, ref)].append(f"{readme.name} ({'badge' if kind == 'colab' else 'install line'})")
    for path, text in doc_texts.items():
        for kind, slug, ref in _found(text, known):
            places[(slug, ref)].append(f"{path.parent.name}/{path.name} ({'badge' if kind == 'colab' else 'install line'})")
    pkg = _package_target(package)
    if pkg:
        places[pkg].append(f"{package.parent.name}/{package.name} (REPO_URL, BRANCH)")
    for (slug, ref), where in places.items():
        if not ref:
            problems.append(f"an install line names {slug} without a ref: {_places(where)}")
    pairs = {k: v for k, v in places.items() if k[1]}
    agreed = None
    if len(pairs) > 1:
        lines = [f"  {slug}@{ref}: {_places(where)}" for (slug, ref), where in
                 sorted(pairs.items(), key=lambda kv: -len(kv[1]))]
        problems.append("the files name different repositories or refs:\n" + "\n".join(lines))
    elif pairs:
        (slug, ref), = pairs
        agreed = Target(*slug.split("/"), ref)
        if expect is not None and (agreed.slug != expect.slug or expect.ref not in ("", agreed.ref)):
            problems.append(f"they all name {agreed}, not {expect if expect.ref else expect.slug}")
    return (agreed if not problems else None), problems


def _places(where: list[str]) -> str:
    shown = ", ".join(where[:4])
    return f"{len(where)} place{'s' * (len(where) != 1)} ({shown}{', ...' if len(where) > 4 else ''})"


def _ref_kind(root: Path, ref: str) -> str | None:
    """'tag', 'branch' or 'commit' as this checkout knows ``ref``; None when git cannot say."""
    for kind, name in (("tag", f"refs/tags/{ref}"), ("branch", f"refs/heads/{ref}"),
                       ("branch", f"refs/remotes/origin/{ref}")):
        try:
            done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", name],
                                  capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode == 0:
            return kind
    if re.fullmatch(r"[0-9a-f]{7,40}", ref):
        return "commit"
    return None


def _default_root() -> Path:
    """The checkout this package was installed from (editable install), else the current folder."""
    here = Path(__file__).resolve().parent.parent.parent
    return here if (here / "notebooks").is_dir() and (here / "pyproject.toml").is_file() else Path.cwd()


def main(argv: list[str] | None = None) -> int:
    """``python -m dnacourse set-repo OWNER/NAME [--ref REF] | --check``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse set-repo",
        description="Point every notebook's Colab badge and setup cell, the README's badges and links, and "
        "dnacourse.REPO_URL/BRANCH at a GitHub repository and ref (for a fork). A tag is recommended: "
        "run this, commit, then create and push the tag on that commit, so that Colab opens those "
        "notebooks and installs exactly the package they were written for.",
        epilog="examples: python -m dnacourse set-repo myname/dnacourse --ref v1.0 | "
        "python -m dnacourse set-repo --check | see docs/fork.md",
    )
    parser.add_argument("repo", nargs="?", help="OWNER/NAME on GitHub (a github.com address is accepted)")
    parser.add_argument("--ref", default=None,
                        help="branch, tag or commit (default: main, a moving branch; a tag is recommended)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 unless all notebooks, the README and the package name the "
                        "same repository and ref (and the given ones, if OWNER/NAME is given)")
    parser.add_argument("--root", type=Path, default=None,
                        help="the checkout: notebooks/, README.md, dnacourse/__init__.py (default: this one)")
    args = parser.parse_args(argv)
    root = args.root or _default_root()
    files = {"notebooks": root / "notebooks", "readme": root / "README.md",
             "package": root / "dnacourse" / "__init__.py"}
    for path in files.values():
        if not path.exists():
            parser.error(f"{path} not found (is --root {root} a dnacourse checkout?)")
    files["docs"] = sorted((root / "docs").glob("*.md"))
    try:
        if args.check:
            expect = None
            if args.repo:
                expect = Target(*parse_repo(args.repo), check_ref(args.ref) if args.ref else "")
            elif args.ref:
                parser.error("--ref with --check needs OWNER/NAME too")
            agreed, problems = check(**files, expect=expect)
        elif not args.repo:
            parser.error("give OWNER/NAME (e.g. myname/dnacourse), or --check")
        else:
            ref = args.ref or "main"
            changed = set_repo(args.repo, ref, **files)
    except ValueError as err:
        parser.error(str(err))
    n = len(_notebook_paths(files["notebooks"]))
    if args.check:
        if problems:
            print("set-repo --check: the course's repository is not set consistently:", file=sys.stderr)
            print("\n".join(f"- {p}" for p in problems), file=sys.stderr)
            print("fix: python -m dnacourse set-repo OWNER/NAME --ref REF", file=sys.stderr)
            return 1
        print(f"{n} notebooks, README.md, dnacourse/__init__.py and docs/ all point to {agreed}")
        return 0
    target = Target(*parse_repo(args.repo), ref)
    names = ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in changed)
    print(f"{n} notebooks, README.md, dnacourse/__init__.py and docs/ now point to {target}: "
          f"{len(changed)} file{'s' * (len(changed) != 1)} changed{': ' + names if len(changed) <= 3 and changed else ''}")
    kind = _ref_kind(root, ref)
    if kind == "branch" or (kind is None and ref in {"main", "master"}):
        print(f"note: {ref!r} is a branch, so Colab installs whatever it holds when a notebook is opened; "
              "a tag pins the package the notebooks were written for (docs/fork.md)")
    elif kind is None:
        print(f"note: {ref!r} is not a tag, branch or commit of this checkout yet: commit this change, then "
              f"create and push the tag (git tag {ref} && git push origin {ref}) before anyone opens the "
              "notebooks on Colab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
