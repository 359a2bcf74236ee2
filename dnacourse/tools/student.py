"""The student edition of the notebooks: ``make student`` writes it to ``build/student/``.

``student_edition(out="build/student")`` copies every notebook with outputs and execution counts
cleared and instructor-only cells removed: cells tagged ``solution`` in their metadata or whose source
starts with ``# SOLUTION``. The reference solutions of the checked exercises live in
``tests/solutions/``, never in a notebook (see ``dnacourse.exercises``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

__all__ = ["SOLUTION_TAG", "SOLUTION_MARKER", "is_solution_cell", "student_notebook", "student_edition"]


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
    wrote 19 student notebooks to build/student (0 solution cells removed)
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
        print(f"wrote {len(written)} student notebooks to {out} ({removed} solution cells removed)")
    return written
