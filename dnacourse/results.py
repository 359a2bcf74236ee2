"""A notebook's key results, saved for the course's record, and markdown tables.

**Save.** The last code cell before a notebook's exercises calls::

    dc.results.save_results("04_kmer_baselines", rows)

``rows`` is a list of dicts (or a DataFrame), one per key result, with these fields:

========== ===============================================================================
result     what was measured, e.g. ``"memorizer accuracy"`` or ``"CNN accuracy"`` (required)
value      our number (required; NaN and None are stored as null)
published  the published number to compare with, or None
source     a short citation of the published number, or None
data       the data it was measured on, e.g. ``"human_first781"``
split      ``"random"``, ``"grouped"``, ``"test"``, ... or None
mode       ``"quick"``, ``"cpu"`` or ``"full"`` (filled in: ``dc.runtime.mode()``)
device     ``"cpu"``, ``"cuda"`` or ``"mps"`` (filled in: ``dc.runtime.device()``; a row may name
           its own, e.g. ``"cpu"`` for scikit-learn results on a GPU machine)
note       anything a reader needs to interpret the number, or None
========== ===============================================================================

Extra fields (``model``, ``metric``, ``k``, ...) are kept. The file is
``build/results/<notebook>.<mode>.json`` (``$DNACOURSE_RESULTS_DIR`` overrides the folder), so a
quick run never overwrites a full one.

**Load.** ``load_results(notebook, mode)`` reads a file back; ``results_table(...)`` turns saved
results into one DataFrame (for summary notebooks). ``python -m dnacourse reproduce`` runs every
notebook and collects these files (``dnacourse.tools.reproduce``).

**Markdown.** ``markdown_table(rows, columns)`` writes a GitHub-flavoured table; it is what
``dc.metrics.to_markdown``, the README's results and the benchmark's tables are made of.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = save_results("99_demo", [{"result": "answer", "value": 42, "data": "toy"}],
    ...                     mode="quick", device="cpu", folder=folder)
    saved 1 result (quick mode, cpu) to 99_demo.quick.json
    >>> path.name, load_results("99_demo", "quick", folder=folder)["rows"][0]["value"]
    ('99_demo.quick.json', 42)

Light to import: PyTorch and pandas load only when a function needs them.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import sys
from pathlib import Path

__all__ = ["FIELDS", "MODES", "RESULTS_DIR_ENV", "RESULTS_FORMAT", "COURSE_FORMAT", "save_results",
           "load_results", "results_dir", "results_table", "markdown_table"]

FIELDS = ("result", "value", "published", "source", "data", "split", "mode", "device", "note")
MODES = ("quick", "cpu", "full")
RESULTS_DIR_ENV = "DNACOURSE_RESULTS_DIR"
RESULTS_FORMAT = "dnacourse.results/1"   # one notebook's file, written by save_results
COURSE_FORMAT = "dnacourse.course/1"     # the combined file of many notebooks (tools.reproduce)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# ----------------------------------------------------------------------------------------------
# where and in which mode


def results_dir() -> Path:
    """Folder of the notebooks' results files: ``$DNACOURSE_RESULTS_DIR``, else ``build/results``."""
    env = os.environ.get(RESULTS_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from . import runtime

    return runtime.build_dir() / "results"


def _mode(mode) -> str:
    """``mode`` checked (``"quick"``, ``"cpu"`` or ``"full"``); None = ``dc.runtime.mode()``."""
    if mode is None:
        from . import runtime

        return runtime.mode()
    if mode not in MODES:
        raise ValueError(f"mode must be 'quick', 'cpu' or 'full' (or None: dc.runtime.mode()), got {mode!r}")
    return mode


# ----------------------------------------------------------------------------------------------
# the rows


def _plain(value, where: str):
    """A JSON-safe copy of one field: NumPy scalars -> Python numbers, NaN/inf -> None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # NumPy 0-d array / torch scalar
        return _plain(value.item(), where)
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, where) for k, v in value.items()}
    pd = sys.modules.get("pandas")  # a pandas missing value can only come from a loaded pandas
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return str(value)


def _number(value, field: str, where: str):
    value = _plain(value, where)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{where}: {field} must be a number or None, got {type(value).__name__} {value!r}")
    return value


def _rows(rows, mode: str, device: str) -> list[dict]:
    """Validated, JSON-safe rows with the standard fields first (missing ones None)."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a DataFrame
        rows = rows.to_dict(orient="records")
    if isinstance(rows, dict) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a list of dicts or a DataFrame, got {type(rows).__name__}")
    out = []
    for i, row in enumerate(rows):
        where = f"row {i}"
        if not isinstance(row, dict):
            raise TypeError(f"{where}: each row must be a dict, got {type(row).__name__} {row!r}")
        if not isinstance(row.get("result"), str) or not row["result"].strip():
            raise ValueError(f"{where}: 'result' must name what was measured (a non-empty str), "
                             f"got {row.get('result')!r}")
        if "value" not in row:
            raise ValueError(f"{where} ({row['result']!r}): 'value' is missing")
        if row.get("mode") not in (None, mode):
            raise ValueError(f"{where} ({row['result']!r}): mode {row['mode']!r} differs from the "
                             f"file's mode {mode!r}")
        clean = {field: None for field in FIELDS}
        clean.update({str(k): _plain(v, where) for k, v in row.items()})
        clean["value"] = _number(row["value"], "value", where)
        clean["published"] = _number(row.get("published"), "published", where)
        clean["mode"] = mode
        clean["device"] = clean["device"] or device
        out.append(clean)
    return out


# ----------------------------------------------------------------------------------------------
# save and load


def save_results(notebook: str, rows, *, mode: str | None = None, device: str | None = None,
                 details: dict | None = None, folder=None) -> Path:
    """Write a notebook's key results to ``<folder>/<notebook>.<mode>.json``; return the path.

    ``rows``: list of dicts or a DataFrame, one per key result (fields in the module docstring;
    ``result`` and ``value`` are required). ``mode``: None = from ``DNACOURSE_QUICK``.
    ``device``: None = ``dc.runtime.device().type``, used for rows without their own.
    ``details``: optional JSON-able extras kept beside the rows (e.g. a per-run table).
    ``folder``: default ``results_dir()`` (``build/results``). The file also records the date
    and the machine (``dc.runtime.machine()``).

    >>> import tempfile
    >>> p = save_results("99_demo", [{"result": "x", "value": 1.5}], mode="full", device="cpu",
    ...                  folder=tempfile.mkdtemp())
    saved 1 result (full mode, cpu) to 99_demo.full.json
    >>> p.name
    '99_demo.full.json'
    """
    from . import runtime

    if not isinstance(notebook, str) or not _NAME.match(notebook):
        raise ValueError(f"notebook must be a file-name-like str such as '04_kmer_baselines', got {notebook!r}")
    mode = _mode(mode)
    info = runtime.machine()
    device = device or info["device"]
    payload = {
        "format": RESULTS_FORMAT,
        "notebook": notebook,
        "mode": mode,
        "device": device,
        "date": runtime.now(),
        "machine": info,
        "rows": _rows(rows, mode, device),
        "details": _plain(details, "details") if details is not None else None,
    }
    folder = Path(folder) if folder is not None else results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.{mode}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    n = len(payload["rows"])
    print(f"saved {n} result{'' if n == 1 else 's'} ({mode} mode, {device}) to {path.name}")
    return path


def _read_json(path: Path, what: str) -> dict:
    """The JSON object in ``path``; ValueError naming the file if it is not one."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err}); delete or fix the file") from err
    if not isinstance(payload, dict):
        raise ValueError(f"{path}: expected a JSON object with {what}, got {type(payload).__name__}")
    return payload


def load_results(notebook: str, mode: str = "full", folder=None) -> dict:
    """The payload ``save_results`` wrote for ``notebook`` in ``mode`` (keys: notebook, mode,
    device, date, machine, rows, details). FileNotFoundError names the file and how to make it."""
    path = (Path(folder) if folder is not None else results_dir()) / f"{notebook}.{_mode(mode)}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no results file {path}: run notebook {notebook} in {mode} mode "
                                f"(or `python -m dnacourse reproduce --{mode} --notebooks {notebook}`)")
    payload = _read_json(path, "'rows'")
    if not isinstance(payload.get("rows"), list):
        raise ValueError(f"{path}: no 'rows' list; was it written by dc.results.save_results?")
    return payload


def results_table(*payloads):
    """One DataFrame of the rows of saved results, with a ``notebook`` column first.

    Each argument is a ``save_results`` payload (``load_results(...)``) or a combined course file
    (``json.load`` of ``results/course-full.json``), whose notebooks are all included.

    >>> results_table({"notebook": "a", "rows": [{"result": "x", "value": 1}]})[["notebook", "value"]].values.tolist()
    [['a', 1]]
    """
    import pandas as pd

    rows = []
    for payload in payloads:
        if "notebooks" in payload:  # a combined file
            for name, entry in payload["notebooks"].items():
                for row in (entry.get("results") or {}).get("rows", []):
                    rows.append({"notebook": name, **row})
        else:
            rows.extend({"notebook": payload.get("notebook"), **row} for row in payload.get("rows", []))
    columns = ["notebook", *FIELDS]
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame[columns + [c for c in frame.columns if c not in columns]]


# ----------------------------------------------------------------------------------------------
# markdown


def _cell_text(value, floatfmt: str, missing: str) -> str:
    """One cell: ``missing`` for None / NaN / pandas NA / "", True/False for booleans, ints as
    they are, other numbers with ``floatfmt``, text with ``|`` escaped and line breaks as spaces."""
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")  # their types need them loaded
    if value is None or (isinstance(value, str) and value == "") or (pd is not None and value is pd.NA):
        return missing
    if isinstance(value, bool) or (np is not None and isinstance(value, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return missing if math.isnan(value) else format(float(value), floatfmt)
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows, columns=None, *, floatfmt=".4f", missing: str = "", align=None,
                   compact: bool = False) -> str:
    """A GitHub-flavoured markdown table: a header line, a rule line, one line per row.

    * ``rows``: dicts (cells picked by ``columns``; a key a row lacks is a missing cell) or
      sequences (one cell per column, in order).
    * ``columns``: the header; default the first dict's keys (sequences need it).
    * ``floatfmt``: format spec of non-integer numbers, or one per column (e.g. ``"+.4f"`` for a
      signed difference). Integers print as they are, booleans as True/False; ``floatfmt=""``
      prints floats as ``str`` does.
    * ``missing``: the text of None, NaN, pandas NA and empty-text cells.
    * ``align``: None, or one ``"left"`` / ``"right"`` per column; right-aligned columns get
      ``---:`` in the rule line, the others GitHub's default ``---`` (left).
    * ``compact``: write the rule as ``|---|---|`` and an empty cell as ``| |`` (the README's
      tables) instead of ``| --- | --- |`` and ``|  |`` (``dc.metrics.to_markdown``).

    Text has ``|`` escaped (``\\|``) and line breaks replaced by spaces, so each row stays one line.

    >>> print(markdown_table([{"model": "cnn", "acc": 0.81234}, {"model": "a|b"}], floatfmt=".2f"))
    | model | acc |
    | --- | --- |
    | cnn | 0.81 |
    | a\\|b |  |
    >>> print(markdown_table([("lstm", 3, None)], ["model", "runs", "note"], missing="-",
    ...                      align=["left", "right", "left"]))
    | model | runs | note |
    | --- | ---: | --- |
    | lstm | 3 | - |
    >>> print(markdown_table([["x", ""]], ["a", "b"], compact=True))
    | a | b |
    |---|---|
    | x | |
    """
    rows = list(rows)
    if columns is None:
        if rows and not isinstance(rows[0], dict):
            raise ValueError("markdown_table needs `columns` (the header) when rows are sequences")
        columns = list(rows[0]) if rows else []
    columns = list(columns)
    width = len(columns)
    formats = [floatfmt] * width if isinstance(floatfmt, str) else list(floatfmt)
    align = ["left"] * width if align is None else list(align)
    if len(formats) != width or len(align) != width:
        raise ValueError(f"floatfmt and align need one entry per column ({width}), got "
                         f"{len(formats)} and {len(align)}")
    if any(a not in ("left", "right") for a in align):
        raise ValueError(f"align entries must be 'left' or 'right', got {align!r}")

    def line(cells) -> str:
        if compact:
            return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"
        return "| " + " | ".join(cells) + " |"

    rule = ["---:" if a == "right" else "---" for a in align]
    lines = [line(str(c) for c in columns),
             "|" + "|".join(rule) + "|" if compact else line(rule)]
    for i, row in enumerate(rows):
        values = [row.get(c) for c in columns] if isinstance(row, dict) else list(row)
        if len(values) != width:
            raise ValueError(f"row {i} has {len(values)} cells for {width} columns: {row!r}")
        lines.append(line(_cell_text(v, f, missing) for v, f in zip(values, formats, strict=True)))
    return "\n".join(lines)
