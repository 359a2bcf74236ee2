"""One command reproduces every result of the course: ``python -m dnacourse reproduce``.

**In a notebook: save the key results.** The last code cell before a notebook's exercises calls::

    dc.reproduce.save_results("04_kmer_baselines", rows)

``rows`` is a list of dicts (or a DataFrame), one per key result, with these fields:

========== ===============================================================================
result     what was measured, e.g. ``"memorizer accuracy"`` or ``"CNN accuracy"`` (required)
value      our number (required; NaN and None are stored as null)
published  the published number to compare with, or None
source     a short citation of the published number, or None
data       the data it was measured on, e.g. ``"human_first781"``
split      ``"random"``, ``"grouped"``, ``"test"``, ... or None
mode       ``"quick"`` or ``"full"`` (filled in: ``DNACOURSE_QUICK``)
device     ``"cpu"``, ``"cuda"`` or ``"mps"`` (filled in: ``dc.runtime.device()``; a row may name
           its own, e.g. ``"cpu"`` for scikit-learn results on a GPU machine)
note       anything a reader needs to interpret the number, or None
========== ===============================================================================

Extra fields (``model``, ``metric``, ``k``, ...) are kept. The file is
``build/results/<notebook>.<mode>.json`` (``$DNACOURSE_RESULTS_DIR`` overrides the folder), so a
quick run never overwrites a full one. ``load_results(notebook, mode)`` reads it back and
``results_table(...)`` turns saved results into one DataFrame (for summary notebooks).

**On the command line: run the notebooks and collect what they saved.**
``python -m dnacourse reproduce [--quick | --full] [--notebooks 01,10] [--out DIR] [--update-readme]``
(``make course MODE=quick|full``) executes each notebook headless in a fresh kernel (cwd =
``notebooks/``), writes the executed copies to ``build/course-<mode>/``, times each one, and
merges what each saved into one JSON file: ``build/course-quick/course-quick.json`` in quick mode,
``results/course-full.json`` (committed: the course's record) in full mode. A run of some notebooks
replaces only their entries. It prints a markdown summary (ours next to published, every row
labelled with data, split, mode and device; wall time per notebook with the machine) and saves it as
``summary.md`` beside the executed notebooks. A failing notebook is reported with its cell number and
error while the others still run; the exit code is 1 if any failed. ``--update-readme`` rewrites the
README between ``<!-- results:begin -->`` and ``<!-- results:end -->`` from the full-mode JSON (and
``results/bench.json``, written by ``python -m dnacourse bench --json results/bench.json``, if present).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = save_results("99_demo", [{"result": "answer", "value": 42, "data": "toy"}],
    ...                     mode="quick", device="cpu", folder=folder)
    saved 1 result (quick mode, cpu) to 99_demo.quick.json
    >>> path.name, load_results("99_demo", "quick", folder=folder)["rows"][0]["value"]
    ('99_demo.quick.json', 42)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import numbers
import os
import platform
import re
import sys
import time
from pathlib import Path

from . import runtime

__all__ = [
    "FIELDS", "RESULTS_DIR_ENV", "README_BEGIN", "README_END", "save_results", "load_results",
    "results_dir", "results_table", "machine", "run_notebook", "find_notebooks", "reproduce", "merge",
    "render", "readme_section", "readme_from_files", "update_readme", "main",
]

FIELDS = ("result", "value", "published", "source", "data", "split", "mode", "device", "note")
MODES = ("quick", "full")
RESULTS_DIR_ENV = "DNACOURSE_RESULTS_DIR"
RESULTS_FORMAT = "dnacourse.results/1"
COURSE_FORMAT = "dnacourse.course/1"
README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# ----------------------------------------------------------------------------------------------
# where things live


def _root() -> Path | None:
    """The project checkout (folder with pyproject.toml and notebooks/), or None when pip-installed."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def results_dir() -> Path:
    """Folder of the notebooks' results files: ``$DNACOURSE_RESULTS_DIR``, else ``build/results``."""
    env = os.environ.get(RESULTS_DIR_ENV)
    return Path(env).expanduser() if env else runtime.build_dir() / "results"


def _mode(mode) -> str:
    if mode is None:
        return "quick" if runtime.quick() else "full"
    if mode not in MODES:
        raise ValueError(f"mode must be 'quick' or 'full' (or None: from DNACOURSE_QUICK), got {mode!r}")
    return mode


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """Where results are measured: device type and name, CPU, core count, versions, data source.

    Nothing in it names a path or a host. ``device_name`` is the GPU's name on CUDA, else the CPU's.

    >>> sorted(machine())[:4]
    ['cpu', 'cpu_count', 'data', 'device']
    """
    import torch

    dev = runtime.device()
    gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else None
    mirror = runtime.mirror_dir()
    return {
        "device": dev.type,
        "device_name": gpu or ("Apple GPU (mps)" if dev.type == "mps" else _cpu_model()),
        "gpu": gpu,
        "cpu": _cpu_model(),
        "cpu_count": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "data": "offline mirror" if mirror is not None and mirror.is_dir() else "downloads / cache",
    }


# ----------------------------------------------------------------------------------------------
# the results convention


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
    try:  # pandas.Timestamp and friends
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
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


def save_results(notebook: str, rows, *, mode: str | None = None, device: str | None = None,
                 details: dict | None = None, folder=None) -> Path:
    """Write a notebook's key results to ``<folder>/<notebook>.<mode>.json``; return the path.

    ``rows``: list of dicts or a DataFrame, one per key result (fields in the module docstring;
    ``result`` and ``value`` are required). ``mode``: None = from ``DNACOURSE_QUICK``.
    ``device``: None = ``dc.runtime.device().type``, used for rows without their own.
    ``details``: optional JSON-able extras kept beside the rows (e.g. a per-run table).
    ``folder``: default ``results_dir()`` (``build/results``).

    >>> import tempfile
    >>> p = save_results("99_demo", [{"result": "x", "value": 1.5}], mode="full", device="cpu",
    ...                  folder=tempfile.mkdtemp())
    saved 1 result (full mode, cpu) to 99_demo.full.json
    >>> p.name
    '99_demo.full.json'
    """
    if not isinstance(notebook, str) or not _NAME.match(notebook):
        raise ValueError(f"notebook must be a file-name-like str such as '04_kmer_baselines', got {notebook!r}")
    mode = _mode(mode)
    info = machine()
    device = device or info["device"]
    payload = {
        "format": RESULTS_FORMAT,
        "notebook": notebook,
        "mode": mode,
        "device": device,
        "date": _now(),
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
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
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
        raise ValueError(f"{path}: no 'rows' list; was it written by dc.reproduce.save_results?")
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
# running notebooks


def find_notebooks(folder, selection=None) -> list[Path]:
    """The course notebooks ``NN_*.ipynb`` in ``folder``, sorted; ``selection`` picks some by prefix.

    ``selection``: None (all), or a list / comma-separated str of prefixes such as ``"01,10"`` or
    ``"04_kmer"``. A prefix that matches no notebook raises ValueError naming it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebook folder {folder} does not exist (use --notebook-dir)")
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if selection is None:
        return found
    if isinstance(selection, str):
        selection = [s for s in selection.split(",")]
    picked = []
    for token in (str(s).strip().removesuffix(".ipynb") for s in selection):
        if not token:
            continue
        matches = [p for p in found if p.stem.startswith(token)]
        if not matches:
            raise ValueError(f"no notebook matches {token!r} in {folder}; available: "
                             f"{', '.join(p.stem[:2] for p in found) or 'none'}")
        picked += [p for p in matches if p not in picked]
    return sorted(picked)


def _no_paths(text: str) -> str:
    """``text`` with this machine's folders (checkout, data mirror, home) replaced by short names,
    so that an error message can go into a committed file."""
    places = [(runtime.mirror_dir(), "$DNACOURSE_MIRROR"), (_root(), "."), (Path.home(), "~")]
    for folder, name in places:
        if folder is not None and str(folder) not in ("", "/", "."):
            text = text.replace(str(Path(folder).resolve()), name).replace(str(folder), name)
    return text


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip()]
    return lines[0][:120] if lines else ""


def run_notebook(path, *, mode: str = "quick", out_dir=None, results_folder=None, timeout=None,
                 kernel_name: str = "python3") -> dict:
    """Execute one notebook headless in a fresh kernel; return what happened (never raises on a
    failing cell).

    The kernel runs in the notebook's folder with ``DNACOURSE_QUICK`` = 1 (quick) or 0 (full) and,
    if ``results_folder`` is given, ``DNACOURSE_RESULTS_DIR`` pointing there. The executed notebook
    (up to the failing cell) is written to ``out_dir`` if given. ``timeout``: seconds per cell
    (None: no limit).

    Returns ``{"notebook", "file", "status": "ok" | "failed", "seconds", "date", "mode",
    "error": None | {"cell", "code_cell", "name", "message", "source"}}``; ``cell`` counts all
    cells from 1 (as listed in JupyterLab), ``code_cell`` counts code cells only.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    mode = _mode(mode)
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env[runtime.QUICK_ENV] = "1" if mode == "quick" else "0"
    if results_folder is not None:
        env[RESULTS_DIR_ENV] = str(Path(results_folder).resolve())
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}},
                            on_cell_start=on_cell_start)
    entry = {"notebook": path.stem, "file": f"{path.parent.name}/{path.name}", "status": "ok",
             "seconds": None, "date": _now(), "mode": mode, "error": None}
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except Exception as err:  # a failing cell, a timeout, a dead kernel, a kernel that never started
        name = getattr(err, "ename", None) or type(err).__name__
        message = getattr(err, "evalue", None)
        if message is None:
            message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        index = current["index"]
        error = {"cell": None, "code_cell": None, "name": name, "message": _no_paths(str(message))[:1000],
                 "source": None}
        if index is not None:
            error["cell"] = index + 1
            error["code_cell"] = sum(c.cell_type == "code" for c in nb.cells[: index + 1])
            error["source"] = _first_line(nb.cells[index].source)
        entry.update(status="failed", error=error)
    entry["seconds"] = round(time.perf_counter() - start, 2)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    return entry


def merge(old: dict | None, entries: list[dict], mode: str) -> dict:
    """A combined course file with ``entries`` replacing the notebooks of the same name in ``old``.

    Every other notebook keeps its entry (its own mode, device and date). ``old`` of another mode,
    or another format, is an error: quick and full results never mix.

    >>> a = merge(None, [{"notebook": "01", "seconds": 1}, {"notebook": "02", "seconds": 2}], "full")
    >>> b = merge(a, [{"notebook": "02", "seconds": 3}], "full")
    >>> {k: v["seconds"] for k, v in b["notebooks"].items()}
    {'01': 1, '02': 3}
    """
    mode = _mode(mode)
    if old is None:
        old = {"format": COURSE_FORMAT, "mode": mode, "notebooks": {}}
    if old.get("format") != COURSE_FORMAT or not isinstance(old.get("notebooks"), dict):
        raise ValueError(f"not a combined course file (format {old.get('format')!r}, want {COURSE_FORMAT!r})")
    if old.get("mode") != mode:
        raise ValueError(f"the combined file holds {old.get('mode')!r} results; will not merge {mode!r} ones")
    notebooks = dict(old["notebooks"])
    for entry in entries:
        notebooks[entry["notebook"]] = entry
    return {"format": COURSE_FORMAT, "mode": mode, "updated": _now(),
            "notebooks": dict(sorted(notebooks.items()))}


def reproduce(notebooks=None, *, mode: str = "quick", out=None, combined=None, notebook_dir=None,
              timeout=None, kernel_name: str = "python3", progress: bool = True) -> dict:
    """Run notebooks, collect their results, merge them into the combined file; return it.

    ``notebooks``: None (all) or a selection for ``find_notebooks``. ``out``: folder for executed
    notebooks, their results files and ``summary.md`` (default ``build/course-<mode>``).
    ``combined``: the combined JSON (default ``results/course-full.json`` in full mode,
    ``<out>/course-quick.json`` in quick mode). The returned dict is that file's content plus
    ``"run"``: the entries of this run, in order.
    """
    mode = _mode(mode)
    root = _root()
    notebook_dir = Path(notebook_dir) if notebook_dir is not None else (root or Path.cwd()) / "notebooks"
    paths = find_notebooks(notebook_dir, notebooks)
    out = Path(out) if out is not None else runtime.build_dir() / f"course-{mode}"
    combined = Path(combined) if combined is not None else _default_combined(mode, out)
    results_folder = out / "results"
    old = _read_json(combined, "'notebooks'") if combined.is_file() else None
    merge(old, [], mode)  # a combined file of the other mode is an error before hours of work
    info = machine()
    entries = []
    for i, path in enumerate(paths, 1):
        stale = results_folder / f"{path.stem}.{mode}.json"
        stale.unlink(missing_ok=True)  # only what this run writes is collected
        if progress:
            print(f"[{i}/{len(paths)}] {path.stem} ({mode}) ...", flush=True)
        entry = run_notebook(path, mode=mode, out_dir=out, results_folder=results_folder,
                             timeout=timeout, kernel_name=kernel_name)
        entry["machine"] = info
        entry["device"] = info["device"]
        entry["results"] = None
        if stale.is_file():
            try:
                entry["results"] = load_results(path.stem, mode, folder=results_folder)
            except ValueError as err:  # a results file that is not what save_results writes
                entry.update(status="failed", error={"cell": None, "code_cell": None, "name": "ValueError",
                                                     "message": str(err)[:1000], "source": None})
        entries.append(entry)
        if progress:
            print(f"[{i}/{len(paths)}] {path.stem}: {_status_line(entry)}", flush=True)
    course = merge(old, entries, mode)
    combined.parent.mkdir(parents=True, exist_ok=True)
    combined.write_text(json.dumps(course, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(render(course) + "\n", encoding="utf-8")
    return {**course, "run": entries}


def _default_combined(mode: str, out: Path) -> Path:
    root = _root()
    if mode == "full" and root is not None:
        return root / "results" / "course-full.json"
    return out / f"course-{mode}.json"


def _status_line(entry: dict) -> str:
    n = len((entry.get("results") or {}).get("rows", []))
    if entry["status"] == "ok":
        return f"ok in {_duration(entry['seconds'])}" + (f", {n} results saved" if n else "")
    e = entry["error"] or {}
    where = (f"cell {e['cell']} (code cell {e['code_cell']}: {e['source']!r})" if e.get("cell")
             else "no cell (kernel start-up or results file)")
    return f"FAILED in {where} after {_duration(entry['seconds'])}: {e.get('name')}: {e.get('message')}"


# ----------------------------------------------------------------------------------------------
# markdown


def _duration(seconds) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _number_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 10):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _cell(text) -> str:
    return "-" if text in (None, "") else str(text).replace("|", "\\|").replace("\n", " ")


def _machine_text(m: dict | None) -> str:
    if not m:
        return "-"
    gpu = f"GPU {m['gpu']}" if m.get("gpu") else "no GPU"
    return (f"{m.get('cpu_count')} CPU cores ({m.get('cpu')}), {gpu}, torch {m.get('torch')}, "
            f"data: {m.get('data')}")


def render(course: dict, bench: dict | None = None, level: int = 3) -> str:
    """Markdown of a combined course file: a wall-time table (with the machine), then one table
    per notebook that saved results (ours next to published, every row labelled with data,
    split, mode and device; sources as numbered notes), then the benchmark if given.

    Deterministic: the same file gives the same text (the README test relies on it).
    """
    h = "#" * level
    entries = course.get("notebooks", {})
    lines = [f"{h} Where and how it ran ({course.get('mode')} mode)", "",
             "| notebook | status | wall time | mode | device | date |", "|---|---|---|---|---|---|"]
    machines = []
    for name, e in entries.items():
        m = e.get("machine") or {}
        if m not in machines:
            machines.append(m)
        status = "ok" if e.get("status") == "ok" else _cell(_status_line(e))
        device = m.get("device_name") if m.get("device") == "cuda" else m.get("device", e.get("device"))
        lines.append(f"| {name} | {status} | {_duration(e.get('seconds'))} | {e.get('mode')} | "
                     f"{_cell(device)} [m{machines.index(m) + 1}] | {str(e.get('date', ''))[:10]} |")
    total = sum(e.get("seconds") or 0 for e in entries.values())
    lines += ["", f"Total wall time: {_duration(total)} for {len(entries)} notebook(s), each in a fresh "
              "kernel (kernel start-up included)."]
    for i, m in enumerate(machines, 1):
        lines.append(f"[m{i}] {_machine_text(m)}.")
    for name, e in entries.items():
        rows = (e.get("results") or {}).get("rows") or []
        if not rows:
            continue
        sources = []
        lines += ["", f"{h} {name}", "", "| result | data | split | ours | published | mode | device | note |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            published = "-" if r.get("published") is None else f"{r['published']:g}"  # as published
            if r.get("published") is not None and r.get("source"):
                if r["source"] not in sources:
                    sources.append(r["source"])
                published += f" [{sources.index(r['source']) + 1}]"
            lines.append(f"| {_cell(r.get('result'))} | {_cell(r.get('data'))} | {_cell(r.get('split'))} | "
                         f"{_number_text(r.get('value'))} | {published} | {_cell(r.get('mode'))} | "
                         f"{_cell(r.get('device'))} | {_cell(r.get('note'))} |")
        if sources:
            lines.append("")
            lines += [f"[{i}] {_cell(s)}" + ("  " if i < len(sources) else "") for i, s in enumerate(sources, 1)]
    if bench:
        from .bench import markdown as bench_markdown

        lines += ["", f"{h} Benchmark (`python -m dnacourse bench`)", "", bench_markdown(bench)]
    return "\n".join(lines)


def readme_section(course: dict, bench: dict | None = None) -> str:
    """What ``--update-readme`` puts between the README markers (markers included)."""
    note = ("<!-- generated by `python -m dnacourse reproduce --full --update-readme` from "
            "results/course-full.json (and results/bench.json); do not edit by hand -->")
    return "\n".join([README_BEGIN, note, "", render(course, bench), "", README_END])


def update_readme(readme, section: str) -> bool:
    """Replace the text between the markers (markers included) in ``readme`` by ``section``.

    Returns True if the file changed. ValueError if the markers are missing or out of order.
    """
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        raise ValueError(f"{readme}: put the lines {README_BEGIN} and {README_END} (in this order) "
                         "where the generated results belong")
    new = text[:begin] + section + text[end + len(README_END):]
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def readme_from_files(root=None) -> str:
    """``readme_section`` of the committed ``results/course-full.json`` (and ``results/bench.json``)."""
    root = Path(root) if root is not None else _root()
    if root is None:
        raise FileNotFoundError("not in a checkout of the course: no results/course-full.json")
    path = root / "results" / "course-full.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `python -m dnacourse reproduce --full` first")
    bench_path = root / "results" / "bench.json"
    bench = _read_json(bench_path, "benchmark") if bench_path.is_file() else None
    return readme_section(_read_json(path, "'notebooks'"), bench)


# ----------------------------------------------------------------------------------------------
# command line


def main(argv=None) -> int:
    """``python -m dnacourse reproduce ...``; returns the exit code (1 if a notebook failed)."""
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse reproduce",
        description="Execute the course notebooks headless, each in a fresh kernel (cwd = notebooks/), "
        "write the executed copies to a git-ignored build folder, collect the key results each "
        "notebook saved with dc.reproduce.save_results into one JSON file, and print a markdown "
        "summary (ours next to published, labelled with data, split, mode and device; wall time per "
        "notebook with the machine). A failing notebook is reported with its cell number and error; "
        "the others still run and the exit code is 1.",
        epilog="examples: python -m dnacourse reproduce --quick | "
        "python -m dnacourse reproduce --full --notebooks 01,10 --update-readme | "
        "python -m dnacourse reproduce --readme-only",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", dest="mode", action="store_const", const="quick",
                       help="quick mode, DNACOURSE_QUICK=1 (the default): small subsets, proves the code runs")
    which.add_argument("--full", dest="mode", action="store_const", const="full",
                       help="full mode, DNACOURSE_QUICK=0: the real experiments (a GPU helps)")
    parser.add_argument("--notebooks", default=None,
                        help="comma-separated prefixes, e.g. 01,10 (default: every NN_*.ipynb)")
    parser.add_argument("--out", default=None,
                        help="folder for executed notebooks, results files and summary.md "
                        "(default build/course-<mode>)")
    parser.add_argument("--combined", default=None,
                        help="combined JSON to merge into (default: results/course-full.json in full "
                        "mode, <out>/course-quick.json in quick mode); a run replaces only its notebooks")
    parser.add_argument("--notebook-dir", default=None, help="where the notebooks are (default notebooks/)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per cell (default: no limit)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    parser.add_argument("--update-readme", action="store_true",
                        help="full mode: rewrite README.md between the results markers from "
                        "results/course-full.json (and results/bench.json)")
    parser.add_argument("--readme-only", action="store_true",
                        help="run nothing; only rewrite the README section from the committed JSON")
    args = parser.parse_args(argv)
    mode = args.mode or "quick"
    root = _root()
    if (args.update_readme or args.readme_only) and root is None:
        parser.error("--update-readme needs a checkout of the course (README.md and results/)")
    if args.readme_only:
        changed = update_readme(root / "README.md", readme_from_files(root))
        print("README.md results section", "updated" if changed else "already up to date")
        return 0
    if args.update_readme and mode != "full":
        parser.error("--update-readme needs --full: the README shows full-mode results only")
    if args.timeout is not None and args.timeout <= 0:
        parser.error(f"--timeout must be > 0 seconds, got {args.timeout}")
    try:
        course = reproduce(args.notebooks, mode=mode, out=args.out, combined=args.combined,
                           notebook_dir=args.notebook_dir, timeout=args.timeout, kernel_name=args.kernel)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    print()
    print(render(course))
    failed = [e for e in course["run"] if e["status"] != "ok"]
    run = course["run"]
    print()
    out = Path(args.out) if args.out else runtime.build_dir() / f"course-{mode}"
    print(f"executed notebooks and summary.md: {out}")
    if args.update_readme:
        bench_path = root / "results" / "bench.json"
        bench = _read_json(bench_path, "benchmark") if bench_path.is_file() else None
        course = {k: v for k, v in course.items() if k != "run"}
        changed = update_readme(root / "README.md", readme_section(course, bench))
        print("README.md results section", "updated" if changed else "already up to date")
    if failed:
        print(f"{len(failed)} of {len(run)} notebooks FAILED:")
        for e in failed:
            print(f"  {e['notebook']}: {_status_line(e)}")
        return 1
    print(f"all {len(run)} notebooks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
