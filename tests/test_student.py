"""``make student`` / ``python -m dnacourse student``: an outputs-cleared copy that says how many cells it removed.

The notebook-level behaviour (solution cells dropped, outputs cleared, no reference-solution line in a
copy) is tested in tests/test_exercises.py; here: the command, its message, and the documented fact that
the committed notebooks mark no cell as a solution.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dnacourse.tools import student

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _write(path: Path, cells: list[dict]) -> None:
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def _code(source: str, **metadata) -> dict:
    return {"cell_type": "code", "execution_count": 3, "id": "c", "metadata": metadata,
            "outputs": [{"name": "stdout", "output_type": "stream", "text": "x\n"}], "source": source}


def test_the_committed_notebooks_mark_no_cell_as_a_solution():
    """What the docs say (student.py, docs/instructors.md, make help): the edition only clears outputs.
    Marking solution cells in a notebook is fine, but then those three places must say so."""
    marked = [f"{p.name} cell {i}" for p in NOTEBOOKS
              for i, cell in enumerate(json.loads(p.read_text(encoding="utf-8"))["cells"])
              if student.is_solution_cell(cell)]
    assert marked == []
    docs = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    assert "tests/solutions/" in docs and "outputs" in docs


def test_the_command_says_when_no_cell_was_removed(tmp_path, capsys):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _write(nbs / "00_a.ipynb", [_code("answer = None  # your code here")])
    assert student.main(["--notebooks", str(nbs), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out == (f"wrote 1 student notebooks to {tmp_path / 'out'}: outputs cleared, 0 cells removed (no cell "
                   "is marked as a solution; the reference solutions are in tests/solutions/)\n")
    copy = json.loads((tmp_path / "out" / "00_a.ipynb").read_text(encoding="utf-8"))
    assert copy["cells"][0]["outputs"] == [] and copy["cells"][0]["execution_count"] is None


def test_the_command_counts_the_solution_cells_it_removed(tmp_path, capsys):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _write(nbs / "00_a.ipynb", [_code("answer = None"), _code("answer = 42", tags=["solution"])])
    _write(nbs / "01_b.ipynb", [_code("# SOLUTION\nanswer = 7"), _code("# SOLUTION\nanswer = 8")])
    assert student.main(["--notebooks", str(nbs), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.endswith(": outputs cleared, 3 solution cells removed\n")
    assert len(json.loads((tmp_path / "out" / "01_b.ipynb").read_text(encoding="utf-8"))["cells"]) == 0


def test_the_command_reports_a_bad_folder_as_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        student.main(["--notebooks", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2 and "no notebooks named NN_*.ipynb" in capsys.readouterr().err


def test_make_student_runs_the_command():
    done = subprocess.run(["make", "-n", "student", "VENV=/nonexistent/venv", "CONDA_ENV="], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "-m dnacourse student --out build/student --notebooks notebooks" in done.stdout


def test_python_m_dnacourse_student_writes_the_edition(tmp_path):
    done = subprocess.run([sys.executable, "-m", "dnacourse", "student", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(NOTEBOOKS)} student notebooks" in done.stdout and "0 cells removed" in done.stdout
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
