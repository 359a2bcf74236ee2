"""One command reproduces every result of the course: ``python -m dnacourse reproduce``.

``python -m dnacourse reproduce [--quick | --cpu | --full] [--notebooks 01,10] [--out DIR] [--update-readme]``
(``make course MODE=quick|cpu|full``) executes each notebook headless in a fresh kernel (cwd =
``notebooks/``), writes the executed copies to ``build/course-<mode>/``, times each one, and
merges what each saved with ``dc.results.save_results`` into one JSON file:
``build/course-quick/course-quick.json`` in quick mode, ``results/course-cpu.json`` or
``results/course-full.json`` (committed: the course's record) in cpu or full mode. A run of some notebooks replaces only their entries. It prints a
markdown summary (ours next to published, every row labelled with data, split, mode and device; wall
time per notebook with the machine) and saves it as ``summary.md`` beside the executed notebooks. A
failing notebook is reported with its cell number and error while the others still run; the exit
code is 1 if any failed. ``--update-readme`` rewrites the README between ``<!-- results:begin -->``
and ``<!-- results:end -->`` from the cpu- and full-mode JSON files (``tools.readme``; ``results/bench.json`` too,
written by ``python -m dnacourse bench --json results/bench.json``, if present).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .. import runtime
from .._files import atomic_write, file_lock
from ..results import COURSE_FORMAT, RESULTS_DIR_ENV, _mode, _read_json, load_results
from .readme import (
    _status_line,
    render,
    update_results,
)

__all__ = ["find_notebooks", "run_notebook", "merge", "reproduce", "main"]


def find_notebooks(folder, selection=None) -> list[Path]:
    """The course notebooks ``NN_*.ipynb`` in ``folder``, sorted; ``selection`` picks some by prefix.

    ``selection``: None (all), or a list / comma-separated str of notebook numbers (``"1"`` and
    ``"01"`` are both notebook 01) or name prefixes (``"04_kmer"``). A token that matches no
    notebook, or a selection without any token, raises ValueError naming it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebook folder {folder} does not exist (use --notebook-dir)")
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if selection is None:
        return found
    parts = selection.split(",") if isinstance(selection, str) else selection
    tokens = [t for t in (str(s).strip().removesuffix(".ipynb") for s in parts) if t]
    if not tokens:
        raise ValueError(f"the notebook selection {selection!r} names no notebook; give numbers or "
                         "prefixes such as 01,10 (or leave it out to run every notebook)")
    picked = []
    for token in tokens:
        if token.isdigit():  # a number is the notebook's number: "1" is 01, never 10-18
            matches = [p for p in found if p.stem[:2].isdigit() and int(p.stem[:2]) == int(token)]
        else:
            matches = [p for p in found if p.stem.startswith(token)]
        if not matches:
            raise ValueError(f"no notebook matches {token!r} in {folder}; available: "
                             f"{', '.join(p.stem[:2] for p in found) or 'none'}")
        picked += [p for p in matches if p not in picked]
    return sorted(picked)


def _no_paths(text: str) -> str:
    """``text`` with this machine's folders (checkout, data mirror, home) replaced by short names,
    so that an error message can go into a committed file."""
    places = [(runtime.mirror_dir(), "$DNACOURSE_MIRROR"), (runtime._checkout_root(), "."), (Path.home(), "~")]
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
    env[runtime.MODE_ENV] = mode
    if results_folder is not None:
        env[RESULTS_DIR_ENV] = str(Path(results_folder).resolve())
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}},
                            on_cell_start=on_cell_start)
    entry = {"notebook": path.stem, "file": f"{path.parent.name}/{path.name}", "status": "ok",
             "seconds": None, "date": runtime.now(), "mode": mode, "error": None}
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
    return {"format": COURSE_FORMAT, "mode": mode, "updated": runtime.now(),
            "notebooks": dict(sorted(notebooks.items()))}


def reproduce(notebooks=None, *, mode: str = "quick", out=None, combined=None, notebook_dir=None,
              timeout=None, kernel_name: str = "python3", progress: bool = True, figures_dir=None) -> dict:
    """Run notebooks, collect their results, merge them into the combined file; return it.

    ``notebooks``: None (all) or a selection for ``find_notebooks``. ``out``: folder for executed
    notebooks, their results files and ``summary.md`` (default ``build/course-<mode>``).
    ``combined``: the combined JSON (default ``results/course-<mode>.json`` in cpu and full mode,
    ``<out>/course-quick.json`` in quick mode). The returned dict is that file's content plus
    ``"run"``: the entries of this run, in order. ``figures_dir``: where the figures of a cpu- or
    full-mode run are kept (default ``results/figures`` of the checkout; quick-mode figures stay in
    ``<out>/figures``).
    """
    mode = _mode(mode)
    root = runtime._checkout_root()
    notebook_dir = Path(notebook_dir) if notebook_dir is not None else (root or Path.cwd()) / "notebooks"
    paths = find_notebooks(notebook_dir, notebooks)
    out = Path(out) if out is not None else runtime.build_dir() / f"course-{mode}"
    sources = [p for p in paths if (out / p.name).resolve() == p.resolve()]
    if sources:
        raise ValueError(f"--out {out} holds the source notebooks ({sources[0].name}, ...): the executed "
                         "copies would overwrite them. Choose another folder (default: build/course-<mode>)")
    combined = Path(combined) if combined is not None else _default_combined(mode, out)
    results_folder = out / "results"
    old = _read_json(combined, "'notebooks'") if combined.is_file() else None
    merge(old, [], mode)  # a combined file of the other mode is an error before hours of work
    info = runtime.machine()
    entries = []
    figures = out / "figures"               # dc.plots.save_figure writes here during the run
    kept_figures = None
    if mode in ("cpu", "full"):
        kept_figures = Path(figures_dir) if figures_dir is not None else (
            root / "results" / "figures" if root is not None else None)
    for i, path in enumerate(paths, 1):
        stale = results_folder / f"{path.stem}.{mode}.json"
        stale.unlink(missing_ok=True)  # only what this run writes is collected
        prefix = path.stem.split("_")[0] + "_"
        for old_figure in figures.glob(f"{prefix}*.png"):
            old_figure.unlink()
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
        if kept_figures is not None and entry["status"] == "ok":
            try:
                entry["figures"] = _keep_figures(figures, prefix, kept_figures)
            except ValueError as err:  # a figure too big to commit: the run is not done
                entry.update(status="failed", error={"cell": None, "code_cell": None, "name": "ValueError",
                                                     "message": str(err)[:1000], "source": None})
        entries.append(entry)
        course = _save_combined(combined, entry, mode)  # after every notebook: a cut run keeps what it did
        if progress:
            print(f"[{i}/{len(paths)}] {path.stem}: {_status_line(entry)}", flush=True)
    if not entries:
        course = merge(old, [], mode)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(render(course) + "\n", encoding="utf-8")
    return {**course, "run": entries}


def _save_combined(combined: Path, entry: dict, mode: str) -> dict:
    """Merge one notebook's entry into the combined file as it is on disk now (another run may have
    added notebooks meanwhile; the lock keeps two runs from losing each other's entries) and write it
    atomically; return the merged content."""
    combined.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(combined):
        old = _read_json(combined, "'notebooks'") if combined.is_file() else None
        course = merge(old, [entry], mode)
        text = json.dumps(course, indent=1, ensure_ascii=False) + "\n"
        atomic_write(combined, lambda fh: fh.write(text.encode("utf-8")))
    return course


FIGURE_MAX_BYTES = 200_000   # a committed figure stays small enough for the README and the repository


def _keep_figures(folder: Path, prefix: str, target: Path) -> list[str]:
    """Copy the figures ``<prefix>*.png`` a notebook saved into ``target`` (``results/figures``), replacing
    that notebook's old ones; return their names. A figure over ``FIGURE_MAX_BYTES`` is an error."""
    import shutil

    new = sorted(folder.glob(f"{prefix}*.png"))
    big = [f"{p.name} ({p.stat().st_size:,} bytes)" for p in new if p.stat().st_size > FIGURE_MAX_BYTES]
    if big:
        raise ValueError(f"figures over {FIGURE_MAX_BYTES:,} bytes: {', '.join(big)}; save them smaller "
                         "(fewer points, a smaller figsize)")
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(f"{prefix}*.png"):
        old.unlink()
    for figure in new:
        shutil.copyfile(figure, target / figure.name)
    return [p.name for p in new]


def _default_combined(mode: str, out: Path) -> Path:
    root = runtime._checkout_root()
    if mode in ("cpu", "full") and root is not None:
        return root / "results" / f"course-{mode}.json"
    return out / f"course-{mode}.json"


def main(argv=None) -> int:
    """``python -m dnacourse reproduce ...``; returns the exit code (1 if a notebook failed)."""
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse reproduce",
        description="Execute the course notebooks headless, each in a fresh kernel (cwd = notebooks/), "
        "write the executed copies to a git-ignored build folder, collect the key results each "
        "notebook saved with dc.results.save_results into one JSON file, and print a markdown "
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
    which.add_argument("--cpu", dest="mode", action="store_const", const="cpu",
                       help="cpu mode, DNACOURSE_MODE=cpu: the experiments at a scale that learns for real "
                       "on a CPU (results/course-cpu.json, committed)")
    which.add_argument("--full", dest="mode", action="store_const", const="full",
                       help="full mode, DNACOURSE_QUICK=0: the real experiments (a GPU helps)")
    parser.add_argument("--notebooks", default=None,
                        help="comma-separated prefixes, e.g. 01,10 (default: every NN_*.ipynb)")
    parser.add_argument("--out", default=None,
                        help="folder for executed notebooks, results files and summary.md "
                        "(default build/course-<mode>)")
    parser.add_argument("--combined", default=None,
                        help="combined JSON to merge into (default: results/course-<mode>.json in cpu and "
                        "full mode, <out>/course-quick.json in quick mode); a run replaces only its notebooks")
    parser.add_argument("--notebook-dir", default=None, help="where the notebooks are (default notebooks/)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per cell (default: no limit)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    parser.add_argument("--update-readme", action="store_true",
                        help="cpu/full mode: rewrite README.md and docs/results.md between the results "
                        "markers from results/course-cpu.json, results/course-full.json, results/bench.json")
    parser.add_argument("--readme-only", action="store_true",
                        help="run nothing; only rewrite README.md and docs/results.md from the committed JSON")
    args = parser.parse_args(argv)
    mode = args.mode or "quick"
    root = runtime._checkout_root()
    if (args.update_readme or args.readme_only) and root is None:
        parser.error("--update-readme needs a checkout of the course (README.md and results/)")
    if args.readme_only:
        print("\n".join(update_results(root)))
        return 0
    if args.update_readme and mode not in ("cpu", "full"):
        parser.error("--update-readme needs --cpu or --full: the README shows cpu- and full-mode results only")
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
        print("\n".join(update_results(root)))
    if failed:
        print(f"{len(failed)} of {len(run)} notebooks FAILED:")
        for e in failed:
            print(f"  {e['notebook']}: {_status_line(e)}")
        return 1
    print(f"all {len(run)} notebooks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
