"""The generated results: a short summary in the README, everything in ``docs/results.md``.

``python -m dnacourse reproduce --readme-only`` (or ``--cpu/--full --update-readme``) calls
``update_results``, which rewrites the text between ``<!-- results:begin -->`` and
``<!-- results:end -->`` in two files, from the committed records only (``results/course-cpu.json``,
``results/course-full.json``, ``results/bench.json`` and the figures in ``results/figures/``; a
quick-mode number is never shown):

* ``README.md`` (``readme_section``): the headline rows, ours next to published with data, split,
  mode and device, sources as numbered notes, and a thumbnail of every figure;
* ``docs/results.md`` (``results_section``): ``render`` of each course file (wall times, machines,
  every saved row), every figure at full size, and the benchmark.

A figure ``NN_name.png`` is labelled with the mode of the run that saved it (the ``figures`` a course
entry lists); any subset of figures, or none, renders. The same ``render`` writes the ``summary.md``
of every run.
"""

from __future__ import annotations

from pathlib import Path

from .. import runtime
from ..results import _cell_text, _read_json, markdown_table

__all__ = ["README_BEGIN", "README_END", "COURSE_FILES", "FIGURES_DIR", "render", "headline_rows",
           "readme_section", "results_section", "update_readme", "readme_from_files", "results_from_files",
           "figure_names", "update_results"]

README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"


def _duration(seconds) -> str:
    """``"42 s"`` below 90 seconds, else minutes.

    >>> _duration(42.4), _duration(600), _duration(None)
    ('42 s', '10.0 min', '-')
    """
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _number_text(value) -> str:
    """Our number as the tables show it: big whole numbers with commas, else 3 decimals.

    >>> _number_text(730.0), _number_text(0.79), _number_text(1234.56), _number_text(None)
    ('730', '0.790', '1,234.6', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 10):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _published_text(value) -> str:
    """A published number as the paper gives it (``:g``), big whole numbers with commas.

    >>> _published_text(0.7486), _published_text(1852846), _published_text(None)
    ('0.7486', '1,852,846', '-')
    """
    if value is None:
        return "-"
    if float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:g}"


def _machine_text(m: dict | None) -> str:
    if not m:
        return "-"
    gpu = f"GPU {m['gpu']}" if m.get("gpu") else "no GPU"
    threads = f", PyTorch on {m['threads']} CPU thread(s)" if m.get("threads") else ""
    return (f"{m.get('cpu_count')} CPU cores ({m.get('cpu')}){threads}, {gpu}, torch {m.get('torch')}, "
            f"data: {m.get('data')}")


def _status_line(entry: dict) -> str:
    """One line on how a notebook's run went: ok with its time, or where and why it failed."""
    n = len((entry.get("results") or {}).get("rows", []))
    if entry["status"] == "ok":
        return f"ok in {_duration(entry['seconds'])}" + (f", {n} results saved" if n else "")
    e = entry["error"] or {}
    where = (f"cell {e['cell']} (code cell {e['code_cell']}: {e['source']!r})" if e.get("cell")
             else "no cell (kernel start-up or results file)")
    return f"FAILED in {where} after {_duration(entry['seconds'])}: {e.get('name')}: {e.get('message')}"


def _table(rows, columns) -> str:
    """The README's table style: compact rule, ``-`` for anything missing, floats as ``str``."""
    return markdown_table(rows, columns, floatfmt="", missing="-", compact=True)


def render(course: dict, bench: dict | None = None, level: int = 3) -> str:
    """Markdown of a combined course file: a wall-time table (with the machine), then one table
    per notebook that saved results (ours next to published, every row labelled with data,
    split, mode and device; sources as numbered notes), then the benchmark if given.

    Deterministic: the same file gives the same text (the README test relies on it).
    """
    h = "#" * level
    entries = course.get("notebooks", {})
    machines, times = [], []
    for name, e in entries.items():
        m = e.get("machine") or {}
        if m not in machines:
            machines.append(m)
        status = "ok" if e.get("status") == "ok" else _status_line(e)
        device = m.get("device_name") if m.get("device") == "cuda" else m.get("device", e.get("device"))
        times.append([name, status, _duration(e.get("seconds")), e.get("mode"),
                      f"{device or '-'} [m{machines.index(m) + 1}]", str(e.get("date", ""))[:10]])
    lines = [f"{h} Where and how it ran ({course.get('mode')} mode)", "",
             _table(times, ["notebook", "status", "wall time", "mode", "device", "date"])]
    total = sum(e.get("seconds") or 0 for e in entries.values())
    lines += ["", f"Total wall time: {_duration(total)} for {len(entries)} notebook(s), each in a fresh "
              "kernel (kernel start-up included)."]
    for i, m in enumerate(machines, 1):
        lines.append(f"[m{i}] {_machine_text(m)}.")
    for name, e in entries.items():
        rows = (e.get("results") or {}).get("rows") or []
        if not rows:
            continue
        sources, cells = [], []
        for r in rows:
            published = _published_text(r.get("published"))
            if r.get("published") is not None and r.get("source"):
                if r["source"] not in sources:
                    sources.append(r["source"])
                published += f" [{sources.index(r['source']) + 1}]"
            cells.append([r.get("result"), r.get("data"), r.get("split"), _number_text(r.get("value")),
                          published, r.get("mode"), r.get("device"), r.get("note")])
        lines += ["", f"{h} {name}", "",
                  _table(cells, ["result", "data", "split", "ours", "published", "mode", "device", "note"])]
        if sources:
            lines.append("")
            lines += [f"[{i}] {_cell_text(s, '', '-')}" + ("  " if i < len(sources) else "")
                      for i, s in enumerate(sources, 1)]
    if bench:
        from .bench import markdown as bench_markdown

        lines += ["", f"{h} Benchmark (`python -m dnacourse bench`)", "", bench_markdown(bench)]
    return "\n".join(lines)


GENERATED_NOTE = ("<!-- generated by `python -m dnacourse reproduce --readme-only` from "
                  "results/course-cpu.json, results/course-full.json, results/bench.json and "
                  "results/figures/; do not edit by hand -->")
COURSE_FILES = ("course-cpu.json", "course-full.json")   # the committed records, in this order
SHOWN_MODES = ("cpu", "full")     # quick-mode numbers are never shown
FIGURES_DIR = "results/figures"   # where `reproduce --cpu/--full` keeps each notebook's figures
NOTE_CHARS = 90                   # a note in the README's summary is cut to about this many characters
HEADLINES_PER_NOTEBOOK = 3        # the most rows one notebook marks "headline" that the README shows
NO_FIGURES = ("No figures yet: `python -m dnacourse reproduce --cpu` (or `--full`) saves them in "
              "results/figures/.")
FIGURE_COLUMNS = 4                # thumbnails per row of the README's figure grid


def _courses(course) -> list[dict]:
    """One combined course file or a list of them -> the list, quick-mode files left out."""
    courses = [course] if isinstance(course, dict) else list(course)
    return [c for c in courses if c.get("mode") in SHOWN_MODES]


def _short(text, limit: int = NOTE_CHARS) -> str | None:
    """A note for the summary: its first clause (up to ``;``), cut at a word near ``limit``.

    >>> _short("mean of 3 seed(s), sd 0.018"), _short("a; b"), _short(None)
    ('mean of 3 seed(s), sd 0.018', 'a', None)
    >>> _short("word " * 30, 20)
    'word word word word…'
    """
    if not text:
        return None
    text = str(text).split(";")[0].strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",:") + "…"


def headline_rows(course) -> list[tuple[str, dict]]:
    """``(notebook, row)`` for the README's summary, in notebook order: a few rows per notebook.

    A notebook's rows marked ``"headline": True`` (at most ``HEADLINES_PER_NOTEBOOK``) when it marks
    any; else its first row with a published number and a value of ours (the notebook's own order
    puts its main result first). A notebook with rows in both modes shows its full-mode rows; quick-mode rows are never
    shown; a notebook with neither shows nothing here (docs/results.md shows all).
    """
    chosen: dict[str, list[dict]] = {}
    for c in sorted(_courses(course), key=lambda c: c.get("mode") != "full"):   # full mode first
        for name, entry in c.get("notebooks", {}).items():
            rows = [r for r in (entry.get("results") or {}).get("rows") or [] if r.get("mode") in SHOWN_MODES]
            picked = [r for r in rows if r.get("headline")][:HEADLINES_PER_NOTEBOOK]
            picked = picked or [r for r in rows if r.get("published") is not None
                                and r.get("value") is not None][:1]
            if picked and name not in chosen:
                chosen[name] = picked
    return [(name, r) for name in sorted(chosen) for r in chosen[name]]


def figure_names(root) -> list[str]:
    """The figures in ``<root>/results/figures``: ``NN_*.png``, sorted (any subset, or none)."""
    folder = Path(root) / FIGURES_DIR
    return sorted(p.name for p in folder.glob("[0-9][0-9]_*.png")) if folder.is_dir() else []


def _figure_groups(course, figures) -> list[tuple[str, str, list[str]]]:
    """``(notebook, how, names)`` per notebook that has figures, in order. ``how`` names the run that
    saved them (``"cpu mode"``, ``"full mode"``: the course entry that lists the figure, the latest
    if two do) or says that no record lists it."""
    owner: dict[str, tuple[str, str, str]] = {}     # figure -> (date, notebook, mode)
    names: dict[str, str] = {}                       # "13" -> "13_legnet"
    for c in _courses(course):
        for name, entry in c.get("notebooks", {}).items():
            names.setdefault(name[:2], name)
            for figure in entry.get("figures") or []:
                found = (str(entry.get("date", "")), name, c.get("mode"))
                if figure not in owner or found > owner[figure]:
                    owner[figure] = found
    groups: dict[tuple[str, str], list[str]] = {}
    for figure in figures:
        if figure in owner:
            _, notebook, mode = owner[figure]
            how = f"{mode} mode"
        else:
            notebook, how = names.get(figure[:2], figure[:2]), "mode not recorded"
        groups.setdefault((notebook, how), []).append(figure)
    return [(notebook, how, group) for (notebook, how), group in sorted(groups.items())]


def _caption(figure: str) -> str:
    """``"13_predicted_vs_measured.png"`` -> ``"13 predicted vs measured"``."""
    return Path(figure).stem.replace("_", " ")


def readme_section(course, figures=(), base: str = FIGURES_DIR) -> str:
    """The README's short summary (markers included): the ``headline_rows`` with data, split, ours,
    published, mode and device and a short note, sources as numbered notes, then every figure as a
    thumbnail (a grid, ``FIGURE_COLUMNS`` wide), captioned with the mode of the run that saved it.

    ``course``: one combined course file or a list (cpu, full); ``figures``: file names in ``base``
    (the folder as the README links it).
    """
    courses = _courses(course)
    rows, sources = [], []
    for name, r in headline_rows(courses):
        published = _published_text(r.get("published"))
        if r.get("published") is not None and r.get("source"):
            if r["source"] not in sources:
                sources.append(r["source"])
            published += f" [{sources.index(r['source']) + 1}]"
        rows.append([name, r.get("result"), r.get("data"), r.get("split"), _number_text(r.get("value")),
                     published, r.get("mode"), r.get("device"), _short(r.get("note"))])
    lines = [README_BEGIN, GENERATED_NOTE, ""]
    if rows:
        lines.append(_table(rows, ["notebook", "result", "data", "split", "ours", "published", "mode",
                                   "device", "note"]))
        if sources:
            lines.append("")
            lines += [f"[{i}] {_cell_text(s, '', '-')}" + ("  " if i < len(sources) else "")
                      for i, s in enumerate(sources, 1)]
    else:
        lines.append("No cpu- or full-mode result has a published number beside it yet.")
    groups = _figure_groups(courses, figures)
    lines.append("")
    if groups:
        cells = [f'<a href="{base}/{f}"><img src="{base}/{f}" alt="{_caption(f)}" width="200"></a><br>'
                 f"{_caption(f)} ({how})" for _, how, group in groups for f in group]
        width = min(FIGURE_COLUMNS, len(cells))
        lines += ["|" + " |" * width, "|" + "---|" * width]
        for i in range(0, len(cells), width):
            row = cells[i:i + width]
            lines.append("| " + " | ".join(row + [" "] * (width - len(row))) + " |")
    else:
        lines.append(NO_FIGURES)
    lines += ["", README_END]
    return "\n".join(lines)


def results_section(course, bench: dict | None = None, figures=(), base: str = "../" + FIGURES_DIR) -> str:
    """``docs/results.md``'s generated part (markers included): ``render`` of each course file under a
    heading for its mode, every figure at full size (labelled with its run's mode), the benchmark."""
    from .bench import markdown as bench_markdown

    lines = [README_BEGIN, GENERATED_NOTE]
    courses = _courses(course)
    for c in courses:
        lines += ["", f"## Results in {c.get('mode')} mode", "", render(c, level=3)]
    if not courses:
        lines += ["", "No cpu- or full-mode record yet: `python -m dnacourse reproduce --cpu` writes one."]
    lines += ["", "## Figures", ""]
    groups = _figure_groups(courses, figures)
    for notebook, how, group in groups:
        lines += [f"### {notebook} ({how})", ""]
        lines += [f"![{_caption(f)}]({base}/{f})\n" for f in group]
    if not groups:
        lines += [NO_FIGURES, ""]
    if bench:
        lines += ["## Benchmark", "", "`python -m dnacourse bench --json results/bench.json`", "",
                  bench_markdown(bench), ""]
    return "\n".join(lines + [README_END])


def update_readme(readme, section: str) -> bool:
    """Replace the text between the markers (markers included) in ``readme`` (the README, or any file
    with the two markers, e.g. docs/results.md) by ``section``.

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


def _bench_file(root: Path) -> dict | None:
    path = root / "results" / "bench.json"
    return _read_json(path, "benchmark") if path.is_file() else None


def _root(root) -> Path:
    root = Path(root) if root is not None else runtime._checkout_root()
    if root is None:
        raise FileNotFoundError("not in a checkout of the course: no results/ folder")
    return root


def _course_files(root: Path) -> list[dict]:
    paths = [root / "results" / name for name in COURSE_FILES if (root / "results" / name).is_file()]
    if not paths:
        raise FileNotFoundError(f"{root / 'results'} holds neither {' nor '.join(COURSE_FILES)}: run "
                                "`python -m dnacourse reproduce --cpu` (or --full) first")
    return [_read_json(p, "'notebooks'") for p in paths]


def readme_from_files(root=None) -> str:
    """The README's ``readme_section`` from the committed ``results/course-cpu.json`` and
    ``results/course-full.json`` (those that exist) and the figures in ``results/figures``."""
    root = _root(root)
    return readme_section(_course_files(root), figure_names(root))


def results_from_files(root=None) -> str:
    """``docs/results.md``'s ``results_section`` from the same files and ``results/bench.json``."""
    root = _root(root)
    return results_section(_course_files(root), _bench_file(root), figure_names(root))


RESULT_PAGES = ("README.md", "docs/results.md")   # the files update_results rewrites


def update_results(root=None) -> list[str]:
    """Rewrite the generated parts of README.md and docs/results.md from the committed files; return
    one line per file saying whether it changed. Both are rendered before either is written."""
    root = _root(root)
    sections = [readme_from_files(root), results_from_files(root)]
    changed = [update_readme(root / page, section) for page, section in zip(RESULT_PAGES, sections, strict=True)]
    return [f"{page} results section {'updated' if c else 'already up to date'}"
            for page, c in zip(RESULT_PAGES, changed, strict=True)]
