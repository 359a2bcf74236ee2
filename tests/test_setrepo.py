"""``python -m dnacourse set-repo``: one command points every notebook, the README and the package at a
repository and ref, changes nothing else, and ``--check`` says whether they agree.

Every rewrite runs on a temporary copy of notebooks/, README.md and dnacourse/__init__.py; the last
tests read the committed files and change nothing.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dnacourse as dc
from dnacourse.tools import setrepo
from dnacourse.tools.setrepo import Target, check, check_ref, parse_repo, set_repo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLUG = dc.REPO_URL.removeprefix("https://github.com/")
HERE = Target(*SLUG.split("/"), dc.BRANCH)  # what the committed files name


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the files set-repo rewrites, laid out as in the checkout."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py", "__pycache__"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("*.png", "*.svg"))
    (tmp_path / "dnacourse").mkdir()
    shutil.copy(ROOT / "dnacourse" / "__init__.py", tmp_path / "dnacourse" / "__init__.py")
    return tmp_path


def _files(root: Path) -> dict[str, Path]:
    return {"notebooks": root / "notebooks", "readme": root / "README.md",
            "package": root / "dnacourse" / "__init__.py", "docs": sorted((root / "docs").glob("*.md"))}


def _texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_rewrite_points_all_19_notebooks_readme_and_package_at_the_fork(course):
    before = _texts(course)
    changed = set_repo("myname/dna-course", "v1.0", **_files(course))
    after = _texts(course)
    nbs = sorted((course / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(nbs) == len(NOTEBOOKS) >= 19
    assert {*nbs, course / "README.md", course / "dnacourse" / "__init__.py"} <= set(changed)
    assert set(changed) - set(nbs) <= {course / "README.md", course / "dnacourse" / "__init__.py",
                                       *_files(course)["docs"]}
    agreed, problems = check(**_files(course))
    assert problems == [] and agreed == Target("myname", "dna-course", "v1.0")
    for path in nbs:
        nb = json.loads(path.read_text(encoding="utf-8"))
        badge, setup = "".join(nb["cells"][0]["source"]), "".join(nb["cells"][1]["source"])
        assert (f"https://colab.research.google.com/github/myname/dna-course/blob/v1.0/notebooks/{path.name})"
                in badge)
        assert '"dnacourse @ git+https://github.com/myname/dna-course@v1.0"' in setup
    pkg = after["dnacourse/__init__.py"]
    assert 'REPO_URL = "https://github.com/myname/dna-course"\nBRANCH = "v1.0"\n' in pkg
    # nothing else changed: every changed line names the fork, and putting the old names back gives the old text
    for name, old in before.items():
        new = after[name]
        changed_lines = [line for line in difflib.ndiff(old.splitlines(), new.splitlines())
                         if line.startswith("+ ")]
        assert all("myname/dna-course" in line or 'BRANCH = "v1.0"' in line for line in changed_lines), name
        restored = (new.replace("myname/dna-course/blob/v1.0/", f"{SLUG}/blob/{HERE.ref}/")
                    .replace("myname/dna-course@v1.0", f"{SLUG}@{HERE.ref}")
                    .replace('BRANCH = "v1.0"', f'BRANCH = "{HERE.ref}"')
                    .replace("myname/dna-course", SLUG))
        assert restored == old, f"{name}: set-repo changed more than the repository and ref"


def test_a_no_op_run_and_a_round_trip_leave_every_byte(course):
    before = _texts(course)
    assert set_repo(HERE.slug, HERE.ref, **_files(course)) == [], "the committed names: nothing to write"
    assert _texts(course) == before
    set_repo("someone/fork", "3f2c1ab", **_files(course))
    assert _texts(course) != before
    set_repo(HERE.slug, HERE.ref, **_files(course))
    assert _texts(course) == before, "the notebooks' JSON is written back exactly as the repository writes it"


@pytest.mark.parametrize("where", ["README.md", "docs/setup.md"])
def test_other_links_to_the_course_change_repository_only_and_other_repositories_not(course, where):
    readme = course / where
    extra = (f"\ngit clone https://github.com/{SLUG}.git\n"
             f"[licence](https://github.com/{SLUG}/blob/main/LICENSE) · [issues](https://github.com/{SLUG}/issues)\n"
             f"pip install git+https://github.com/{SLUG}@{HERE.ref}.\n"
             f"[nbval](https://github.com/computationalmodelling/nbval) · https://github.com/{SLUG}-data "
             f"· https://github.com/{SLUG}.io\n")
    readme.write_text(readme.read_text(encoding="utf-8") + extra, encoding="utf-8")
    set_repo("fork/course", "v2", **_files(course))
    tail = readme.read_text(encoding="utf-8")[-len(extra) - 40:]
    assert "git clone https://github.com/fork/course.git\n" in tail
    assert "(https://github.com/fork/course/blob/main/LICENSE)" in tail, "a path and branch after it stay"
    assert "(https://github.com/fork/course/issues)" in tail
    assert "pip install git+https://github.com/fork/course@v2.\n" in tail
    assert "https://github.com/computationalmodelling/nbval" in tail
    assert f"https://github.com/{SLUG}-data " in tail and f"https://github.com/{SLUG}.io" in tail


@pytest.mark.parametrize("repo, named", [
    ("nope", "'nope'"), ("a/b/c", "'a/b/c'"), ("/x", "'/x'"), ("-me/course", "'-me'"),
    ("me-/course", "'me-'"), ("my_name/course", "'my_name'"), ("a--b/course", "'a--b'"),
    ("me/my course", "'my course'"), ("me/..", "'..'"), ("x" * 40 + "/c", "'" + "x" * 40 + "'"),
])
def test_a_bad_repository_is_rejected_naming_it_and_nothing_changes(course, repo, named):
    before = _texts(course)
    with pytest.raises(ValueError) as err:
        set_repo(repo, "v1", **_files(course))
    assert named in str(err.value)
    assert _texts(course) == before


@pytest.mark.parametrize("ref", ["", "-x", "/x", ".x", "x/", "x.", "a..b", "a//b", "v1 final", "x.lock",
                                 "re#f", 'a"b', "a)b", "a@{1}", "~1", "x" * 201])
def test_a_bad_ref_is_rejected_naming_it_and_nothing_changes(course, ref):
    before = _texts(course)
    with pytest.raises(ValueError) as err:
        set_repo("me/course", ref, **_files(course))
    assert f"ref {ref!r}" in str(err.value)
    assert _texts(course) == before


def test_github_addresses_and_good_refs_are_accepted():
    for text in ("me/course", "https://github.com/me/course", "https://github.com/me/course.git",
                 "github.com/me/course/", "git@github.com:me/course.git", "me/course.git"):
        assert parse_repo(text) == ("me", "course"), text
    assert parse_repo("Me-2/dna.course_x") == ("Me-2", "dna.course_x")
    for ref in ("main", "v1.0", "v1.0-rc.1", "release/2025", "3f2c1ab", "a" * 40):
        assert check_ref(ref) == ref


def test_check_names_the_notebook_that_disagrees_and_the_one_without_a_badge(course, capsys):
    nb = course / "notebooks" / NOTEBOOKS[3].name
    nb.write_text(nb.read_text(encoding="utf-8").replace(f"{SLUG}@{HERE.ref}", f"{SLUG}@old-tag"),
                  encoding="utf-8")
    agreed, problems = check(**_files(course))
    assert agreed is None and len(problems) == 1
    assert f"{SLUG}@old-tag: 1 place ({nb.name} (setup cell))" in problems[0]
    assert setrepo.main(["--root", str(course), "--check"]) == 1
    assert nb.name in capsys.readouterr().err
    first = course / "notebooks" / NOTEBOOKS[0].name
    data = json.loads(first.read_text(encoding="utf-8"))
    data["cells"][0]["source"] = ["# no badge here\n"]
    first.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _, problems = check(**_files(course))
    assert f"{first.name}: no Colab badge that opens notebooks/{first.name}" in problems


def test_the_command_line(course, capsys):
    assert setrepo.main(["--root", str(course), "--check"]) == 0
    assert f"docs/ all point to {HERE}" in capsys.readouterr().out
    assert setrepo.main(["--root", str(course), "fork/course", "--ref", "v3"]) == 0
    out = capsys.readouterr().out
    assert "now point to fork/course@v3" in out and "git tag v3" in out, "an unknown tag: say to push it"
    assert setrepo.main(["--root", str(course), "--check", "fork/course"]) == 0
    assert setrepo.main(["--root", str(course), "--check", "fork/course", "--ref", "main"]) == 1
    assert "not fork/course@main" in capsys.readouterr().err
    for argv, words in ((["bad_owner/x"], "owner 'bad_owner'"), (["me/x", "--ref", "a..b"], "ref 'a..b'"),
                        ([], "give OWNER/NAME")):
        with pytest.raises(SystemExit) as exit_info:
            setrepo.main(["--root", str(course), *argv])
        assert exit_info.value.code == 2 and words in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        setrepo.main(["--root", str(course / "nowhere"), "--check"])
    assert exit_info.value.code == 2 and "not found" in capsys.readouterr().err


def test_set_repo_is_a_command_of_python_m_dnacourse(course):
    done = subprocess.run([sys.executable, "-m", "dnacourse", "set-repo", "--root", str(course), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"19 notebooks, README.md, dnacourse/__init__.py and docs/ all point to {HERE}" in done.stdout


# ----------------------------------------------------------------------------------------------
# the committed files (read only)


def test_the_committed_notebooks_readme_and_package_agree_on_repository_and_ref():
    agreed, problems = check(**_files(ROOT))
    assert problems == [], "\n".join(problems) + "\nfix: python -m dnacourse set-repo OWNER/NAME --ref REF"
    assert agreed == HERE
    assert len(NOTEBOOKS) == 19
    assert dc.colab_url("x.ipynb").endswith(f"/{HERE.slug}/blob/{HERE.ref}/notebooks/x.ipynb")
    assert dc.pip_spec() == f"dnacourse @ git+https://github.com/{HERE}"
