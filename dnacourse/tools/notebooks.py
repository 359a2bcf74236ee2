"""Notebook hygiene: clean notebooks for committing, and find what is wrong with one.

    python -m dnacourse.tools.notebooks clean notebooks/*.ipynb   # strip counts and outputs nbval does not compare
    python -m dnacourse.tools.notebooks check notebooks/*.ipynb   # list problems; exit 1 if any

A cell whose source contains ``# NBVAL_CHECK_OUTPUT`` keeps its outputs: nbval (``--nbval-lax``)
compares them when the tests run. nbval skips a reference cell without an execution count, so checked
cells keep the count 1; every other cell is committed without outputs and without a count.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

MARKER = "# NBVAL_CHECK_OUTPUT"
PARAMETERS_MARKER = "# Parameters"
# Absolute paths of this kind of machine or of a user's home must never be committed.
MACHINE_PATH = re.compile(r"(/work/|/root/|/home/[a-z]|/Users/[A-Za-z]|/tmp/|[A-Z]:\\\\Users)")
KEEP_CELL_METADATA = {"tags", "jupyter", "editable", "deletable", "collapsed"}


def is_checked(cell) -> bool:
    """True for a code cell marked ``# NBVAL_CHECK_OUTPUT`` (its stored outputs are compared).

    >>> from nbformat.v4 import new_code_cell
    >>> is_checked(new_code_cell("1 + 1  # NBVAL_CHECK_OUTPUT")), is_checked(new_code_cell("1 + 1"))
    (True, False)
    """
    return cell.cell_type == "code" and MARKER in cell.source


def clean(path: str | Path) -> bool:
    """Strip execution counts, unchecked outputs and volatile metadata in place. True if changed."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        if cell.cell_type != "code":
            continue
        cell.execution_count = 1 if is_checked(cell) else None
        if not is_checked(cell):
            cell.outputs = []
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = 1
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "colab": {"provenance": []},
    }
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def problems(path: str | Path) -> list[str]:
    """Everything that makes a committed notebook unclean or incomplete, one line each."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count not in ((1,) if is_checked(cell) else (None,)):
            found.append(f"{path.name} cell {i}: execution count {cell.execution_count} (want 1 on checked cells, none elsewhere; run python -m dnacourse.tools.notebooks clean)")
        if cell.outputs and not is_checked(cell):
            found.append(f"{path.name} cell {i}: outputs stored but nbval does not compare them")
        if is_checked(cell) and not cell.outputs:
            found.append(f"{path.name} cell {i}: marked {MARKER} but has no stored output")
    for match in MACHINE_PATH.finditer(text):
        line = text[: match.start()].count("\n") + 1
        found.append(f"{path.name} line {line}: machine path {match.group(0)!r}")
    return found


def main(argv: list[str]) -> int:
    """``clean PATH...`` or ``check PATH...``; returns the exit code (2: usage, 1: problems found)."""
    if len(argv) < 2 or argv[0] not in {"clean", "check"}:
        print(__doc__)
        return 2
    command, paths = argv[0], argv[1:]
    if command == "clean":
        for p in paths:
            print(("cleaned " if clean(p) else "clean   ") + p)
        return 0
    issues = [line for p in paths for line in problems(p)]
    print("\n".join(issues) if issues else "all clean")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
