"""The project's promises about itself: one environment, notebooks that open on Colab and stay clean."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

import dnacourse as dc
from dnacourse.tools import notebooks as nbtools

try:
    import tomllib
except ImportError:  # Python 3.10: pip vendors the same parser
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def _split_requirement(req: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", req)
    assert m, f"cannot parse requirement {req!r}"
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_split_requirement, project["dependencies"] + project["optional-dependencies"]["dev"]))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip = dep["pip"]
            continue
        name, bound = _split_requirement(dep)
        if name not in {"python", "pip"}:
            conda[CONDA_NAMES.get(name, name)] = bound
    assert conda == wanted, "environment.yml and pyproject.toml differ (names or lower bounds)"
    assert pip == ["-e ."], "environment.yml's pip section must install this package"
    assert all(bound.startswith(">=") for bound in wanted.values()), "lower bounds only"


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert names[:4] == ["00_start_here.ipynb", "01_dna_as_data.ipynb", "02_encoding.ipynb",
                         "03_augmentation.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_badge_and_setup_cell_agree_with_repo_url(path):
    nb = nbformat.read(path, as_version=4)
    first, setup = nb.cells[0], nb.cells[1]
    assert first.cell_type == "markdown"
    assert f"]({dc.colab_url(path.name)})" in first.source, "Colab badge must link to this notebook"
    assert "colab-badge.svg" in first.source
    assert setup.cell_type == "code"
    assert dc.pip_spec() in setup.source, "setup cell must install from dnacourse.REPO_URL"
    assert '"google.colab" in sys.modules' in setup.source, "setup cell must install only on Colab"
    assert "dc.runtime.report()" in setup.source, "setup cell must print the device"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_one_parameters_cell_and_exercises(path):
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(nbtools.PARAMETERS_MARKER)]
    assert len(params) == 1, "exactly one parameters cell, starting with '# Parameters'"
    assert params[0].source.splitlines()[1].startswith("MODE = dc.runtime.mode()"), "the mode comes first"
    branching = re.compile(r"\bQUICK\b|\[MODE\]|\bMODE\s*(==|!=|in\b)")
    mode_uses = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and branching.search(c.source)]
    assert mode_uses == [nb.cells.index(params[0])], "only the parameters cell may branch on the mode"
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any(re.search(r"^#+ .*Exercises", h, re.M) for h in headings), "end with an Exercises section"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    assert nbtools.problems(path) == []
    nb = nbformat.read(path, as_version=4)
    assert any(nbtools.is_checked(c) for c in nb.cells), "mark the cells that show the lesson's result"


def test_readme_lists_every_notebook_with_its_badge():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(notebooks/([0-9]{2}_\w+\.ipynb)\)", readme))
    assert linked == {p.name for p in NOTEBOOKS}, "README's notebook table and notebooks/ differ"
    for path in NOTEBOOKS:
        assert f"]({dc.colab_url(path.name)})" in readme, f"README lacks the Colab badge of {path.name}"


def test_readme_is_a_front_page():
    """Under 150 lines (the long parts live in docs/), with the clone line, the two commands, how to
    choose the mode on Colab, the data licences and a link to every docs page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 150, "README.md is a front page: move the long parts to docs/"
    assert f"git clone {dc.REPO_URL}" in readme
    assert "make lab" in readme and "make test" in readme
    assert "%env DNACOURSE_MODE=quick" in readme and 'MODE = "quick"' in readme
    assert "GPL-3.0" in readme and "MIT" in readme and "(LICENSE)" in readme
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, f"README does not link docs/{page.name}"


def test_license_is_mit():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 the dnacourse authors" in text


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda p: p.name)
def test_relative_links_point_to_files_that_exist(page):
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)           # code blocks hold commands, not links
    links = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'(?:src|href)="([^"]+)"', text)
    for link in links:
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue
        target = (page.parent / link.split("#")[0]).resolve()
        assert target.exists(), f"{page.name} links {link}, which does not exist"
