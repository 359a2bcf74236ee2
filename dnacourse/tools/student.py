"""The student edition of the notebooks: ``make student`` (or ``python -m dnacourse student``) writes it
to ``build/student/``.

What it is: an **outputs-cleared copy**. ``student_edition(out="build/student")`` copies every notebook
with outputs, execution counts and execution metadata cleared. It also drops instructor-only cells
(tagged ``solution`` in their metadata, or whose source starts with ``# SOLUTION``), but the committed
notebooks have none: every exercise cell is a stub (``answer = None``, ``# Exercise 1: your code
here``) that a ``dc.exercises`` check marks, so it reports 0 cells removed.

The reference solutions of the checked exercises live in ``tests/solutions/`` (the tests prove that
each check accepts them), never in a notebook, and they are **public** in this repository: the student
edition does not hide them, and nothing can make them private again. docs/instructors.md says what an
instructor can do about it (own exercises, grading from a private copy, a student-facing copy of the
course without ``tests/solutions/``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

__all__ = ["SOLUTION_TAG", "SOLUTION_MARKER", "is_solution_cell", "student_notebook", "student_edition", "summary",
           "main"]


SOLUTION_TAG = "solution"  # cell metadata tag of instructor-only cells
SOLUTION_MARKER = "# SOLUTION"  # ... or the first line of their source


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_solution_cell(cell: dict) -> bool:
    """True for an instructor-only cell: tagged ``solution`` or starting with ``# SOLUTION``.

    >>> is_solution_cell({"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "x = 1"})
    True
    >>> is_solution_cell({"cell_type": "code", "metadata": {}, "source": "# Exercise 1: your code here"})
    False
    """
    tags = cell.get("metadata", {}).get("tags", [])
    return SOLUTION_TAG in tags or _source(cell).lstrip().startswith(SOLUTION_MARKER)


def student_notebook(nb: dict) -> tuple[dict, int]:
    """A student copy of a notebook (its JSON as a dict): ``(copy, number of cells removed)``.

    Solution cells are dropped; code cells lose their outputs and execution counts; the volatile
    ``execution`` metadata goes too. The input is not modified.

    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "1",
    ...                  "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4,
    ...       "nbformat_minor": 5}
    >>> student_notebook(nb)[1]
    1
    """
    out = copy.deepcopy(nb)
    kept = [cell for cell in out.get("cells", []) if not is_solution_cell(cell)]
    for cell in kept:
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    removed = len(out.get("cells", [])) - len(kept)
    out["cells"] = kept
    return out, removed


def student_edition(out: str | Path = "build/student", notebooks: str | Path = "notebooks",
                    verbose: bool = True) -> list[Path]:
    """Write the student edition of every ``NN_*.ipynb`` in ``notebooks`` into the folder ``out``.

    Returns the written paths. ``out`` should be git-ignored (``build/`` is); it is created if needed
    and existing copies are overwritten. ``make student`` calls this.

    >>> paths = student_edition("build/student")                   # doctest: +SKIP
    wrote 19 student notebooks to build/student: outputs cleared, 0 cells removed (no cell is marked as a solution; the reference solutions are in tests/solutions/)
    """
    src, out = Path(notebooks), Path(out)
    paths = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks named NN_*.ipynb in {src}")
    if out.resolve() == src.resolve():
        raise ValueError(f"out must differ from the notebooks folder {src}: the copies would replace them")
    out.mkdir(parents=True, exist_ok=True)
    written, removed = [], 0
    for path in paths:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not a valid notebook (JSON error: {err})") from err
        copy_nb, n = student_notebook(nb)
        removed += n
        target = out / path.name
        target.write_text(json.dumps(copy_nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    if verbose:
        print(summary(len(written), out, removed))
    return written


def summary(written: int, out: str | Path, removed: int) -> str:
    """What ``make student`` prints: how many notebooks, and how many solution cells were removed.

    >>> print(summary(19, "build/student", 0))
    wrote 19 student notebooks to build/student: outputs cleared, 0 cells removed (no cell is marked as a solution; the reference solutions are in tests/solutions/)
    >>> print(summary(2, "out", 3))
    wrote 2 student notebooks to out: outputs cleared, 3 solution cells removed
    """
    if removed:
        return (f"wrote {written} student notebooks to {out}: outputs cleared, "
                f"{removed} solution cell{'s' * (removed != 1)} removed")
    return (f"wrote {written} student notebooks to {out}: outputs cleared, 0 cells removed (no cell is "
            f"marked as a solution; the reference solutions are in tests/solutions/)")


def main(argv: list[str] | None = None) -> int:
    """``python -m dnacourse student [--out DIR] [--notebooks DIR]``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse student",
        description="Write the student edition of the notebooks: every NN_*.ipynb with outputs and execution "
        "counts cleared and cells marked as solutions (tag 'solution' or a first line '# SOLUTION') "
        "removed. The committed notebooks mark none, so it is an outputs-cleared copy; the reference "
        "solutions are in tests/solutions/ (see docs/instructors.md).",
    )
    parser.add_argument("--out", default="build/student", help="where the copies go (default build/student)")
    parser.add_argument("--notebooks", default="notebooks", help="the notebooks folder (default notebooks)")
    args = parser.parse_args(argv)
    try:
        student_edition(args.out, args.notebooks)
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
