"""The package's layout holds: one idea per module, the two tracks apart, no import cycle,
the maintainer tools out of ``import dnacourse``, ``fit`` readable in one screen."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import dnacourse as dc
from dnacourse import train

PACKAGE = Path(dc.__file__).parent
MAX_MODULE_LINES = 900
MAX_FIT_BODY_LINES = 80


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``dnacourse.tools.bench``, ...)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _module_level_imports(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports when it is loaded (not imports inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dnacourse"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dnacourse"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _module_level_imports(name, path) if m in modules and m != name}
            for name, path in modules.items()}


def test_no_import_cycle_inside_the_package():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert "dnacourse.models" in graph["dnacourse.classify"]       # the graph is really read


def test_student_modules_do_not_import_the_tools():
    graph = _graph()
    student = [name for name in graph if not name.startswith("dnacourse.tools")]
    for name in student:
        assert not any(m.startswith("dnacourse.tools") for m in graph[name]), name
    assert not any(name.startswith("dnacourse.tools") for name in dc.MODULES)


def test_the_two_tracks_are_apart():
    graph = _graph()
    gene_family = {"dnacourse.splits", "dnacourse.models", "dnacourse.classify"}
    promoter = {"dnacourse.legnet", "dnacourse.promoters"}
    for name in gene_family - {"dnacourse.models"}:   # build() knows every model, LegNets included
        assert not graph[name] & promoter, name
    for name in promoter:
        assert not graph[name] & (gene_family - {"dnacourse.models"}), name
    assert "dnacourse.models" not in graph["dnacourse.legnet"]


@pytest.mark.parametrize("name", sorted(_modules()))
def test_every_module_reads_in_one_sitting(name):
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines (at most {MAX_MODULE_LINES})"


def test_fit_body_fits_one_screen():
    source, _ = inspect.getsourcelines(train.fit)
    tree = ast.parse("".join(source)).body[0]
    docstring_end = tree.body[0].end_lineno
    body_lines = tree.end_lineno - docstring_end
    assert 20 < body_lines <= MAX_FIT_BODY_LINES, body_lines


def test_every_listed_module_loads_on_first_use():
    for name in dc.MODULES:
        assert getattr(dc, name).__name__ == f"dnacourse.{name}"
    with pytest.raises(AttributeError, match="no attribute 'bench'"):
        dc.bench  # noqa: B018 - the benchmark is a maintainer tool now: dnacourse.tools.bench
