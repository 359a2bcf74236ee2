"""The README's results section, rendered from the committed JSON files.

``python -m dnacourse reproduce --full --update-readme`` (or ``--readme-only``) rewrites the README
between ``<!-- results:begin -->`` and ``<!-- results:end -->`` with ``readme_section``: the markdown
of ``results/course-full.json`` (what ``tools.reproduce`` collected) and, if present,
``results/bench.json`` (``python -m dnacourse bench --json results/bench.json``). The same
``render`` writes the ``summary.md`` of every run.
"""

from __future__ import annotations

from pathlib import Path

from .. import runtime
from ..results import _cell_text, _read_json, markdown_table

__all__ = ["README_BEGIN", "README_END", "render", "readme_section", "update_readme", "readme_from_files"]

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


def _machine_text(m: dict | None) -> str:
    if not m:
        return "-"
    gpu = f"GPU {m['gpu']}" if m.get("gpu") else "no GPU"
    return (f"{m.get('cpu_count')} CPU cores ({m.get('cpu')}), {gpu}, torch {m.get('torch')}, "
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
            published = "-" if r.get("published") is None else f"{r['published']:g}"  # as published
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


def readme_section(course, bench: dict | None = None) -> str:
    """What ``--update-readme`` puts between the README markers (markers included).

    ``course``: one combined course file, or a list of them (one per mode: cpu, then full).
    """
    courses = [course] if isinstance(course, dict) else list(course)
    note = ("<!-- generated by `python -m dnacourse reproduce --readme-only` from "
            "results/course-cpu.json, results/course-full.json (and results/bench.json); do not edit by hand -->")
    parts = [render(c, bench if i == len(courses) - 1 else None) for i, c in enumerate(courses)]
    return "\n".join([README_BEGIN, note, "", "\n\n".join(parts), "", README_END])


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


def _bench_file(root: Path) -> dict | None:
    path = root / "results" / "bench.json"
    return _read_json(path, "benchmark") if path.is_file() else None


COURSE_FILES = ("course-cpu.json", "course-full.json")   # the committed records, in the README's order


def readme_from_files(root=None) -> str:
    """``readme_section`` of the committed ``results/course-cpu.json`` and ``results/course-full.json``
    (those that exist) and ``results/bench.json``."""
    root = Path(root) if root is not None else runtime._checkout_root()
    if root is None:
        raise FileNotFoundError("not in a checkout of the course: no results/ folder")
    paths = [root / "results" / name for name in COURSE_FILES if (root / "results" / name).is_file()]
    if not paths:
        raise FileNotFoundError(f"{root / 'results'} holds neither {' nor '.join(COURSE_FILES)}: run "
                                "`python -m dnacourse reproduce --cpu` (or --full) first")
    return readme_section([_read_json(p, "'notebooks'") for p in paths], _bench_file(root))
