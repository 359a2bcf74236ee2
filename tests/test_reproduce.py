"""Tests for saving results (dnacourse.results), running notebooks and merging (dnacourse.tools.reproduce)
and the README's results section (dnacourse.tools.readme)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dnacourse import results
from dnacourse.tools import readme as readme_tool
from dnacourse.tools import reproduce

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- save / load


def test_save_results_fills_labels_and_keeps_quick_and_full_apart(tmp_path):
    rows = [{"result": "memorizer accuracy", "value": 0.5, "data": "dog", "split": "random", "k": 15},
            {"result": "pairs", "value": 3, "published": None, "device": "cpu"}]
    quick = results.save_results("01_demo", rows, mode="quick", device="cuda", folder=tmp_path)
    full = results.save_results("01_demo", rows[:1], mode="full", device="cuda", folder=tmp_path)
    assert (quick.name, full.name) == ("01_demo.quick.json", "01_demo.full.json")
    payload = results.load_results("01_demo", "quick", folder=tmp_path)
    assert payload["notebook"] == "01_demo" and payload["mode"] == "quick"
    first, second = payload["rows"]
    assert list(first)[: len(results.FIELDS)] == list(results.FIELDS)   # standard fields first
    assert first["mode"] == "quick" and first["device"] == "cuda" and first["k"] == 15
    assert first["published"] is None and first["note"] is None
    assert second["device"] == "cpu"                                         # a row keeps its own
    assert len(results.load_results("01_demo", "full", folder=tmp_path)["rows"]) == 1


def test_save_results_takes_a_dataframe_and_stores_nan_as_null(tmp_path):
    frame = pd.DataFrame({"result": ["a", "b"], "value": [float("nan"), 2.5], "split": ["x", "y"]})
    path = results.save_results("04_demo", frame, mode="full", device="cpu", folder=tmp_path,
                                  details={"runs": [{"seconds": math.inf}]})
    payload = json.loads(path.read_text())          # strict JSON: no NaN tokens
    assert [r["value"] for r in payload["rows"]] == [None, 2.5]
    assert payload["details"] == {"runs": [{"seconds": None}]}


def test_save_results_mode_defaults_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DNACOURSE_MODE", "")
    monkeypatch.setenv("DNACOURSE_QUICK", "1")
    assert results.save_results("x", [{"result": "r", "value": 1}], folder=tmp_path).name == "x.quick.json"
    monkeypatch.setenv("DNACOURSE_QUICK", "0")
    monkeypatch.setenv("DNACOURSE_MODE", "cpu")
    assert results.save_results("x", [{"result": "r", "value": 1}], folder=tmp_path).name == "x.cpu.json"
    monkeypatch.setenv("DNACOURSE_MODE", "full")
    monkeypatch.setenv(results.RESULTS_DIR_ENV, str(tmp_path / "env"))
    assert results.save_results("x", [{"result": "r", "value": 1}]) == tmp_path / "env" / "x.full.json"


def test_cpu_and_full_runs_go_to_the_committed_record_quick_runs_to_build(tmp_path):
    root = Path(reproduce.__file__).resolve().parents[2]
    assert reproduce._default_combined("cpu", tmp_path) == root / "results" / "course-cpu.json"
    assert reproduce._default_combined("full", tmp_path) == root / "results" / "course-full.json"
    assert reproduce._default_combined("quick", tmp_path) == tmp_path / "course-quick.json"


@pytest.mark.parametrize("rows, error, words", [
    ([{"value": 1}], ValueError, "row 0: 'result'"),
    ([{"result": "a", "value": 1}, {"result": "b"}], ValueError, "row 1 ('b'): 'value' is missing"),
    ([{"result": "a", "value": "high"}], TypeError, "row 0: value must be a number"),
    ([{"result": "a", "value": 1, "published": "0.9"}], TypeError, "published must be a number"),
    ([{"result": "a", "value": 1, "mode": "full"}], ValueError, "mode 'full' differs"),
    ({"result": "a", "value": 1}, TypeError, "list of dicts"),
    (["a"], TypeError, "row 0: each row must be a dict"),
])
def test_save_results_rejects_bad_rows_naming_the_row(tmp_path, rows, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        results.save_results("x", rows, mode="quick", device="cpu", folder=tmp_path)
    assert not list(tmp_path.iterdir())                      # nothing half-written


def test_bad_notebook_name_and_missing_file_are_clear(tmp_path):
    with pytest.raises(ValueError, match="notebook must be"):
        results.save_results("../evil", [], mode="quick", folder=tmp_path)
    with pytest.raises(FileNotFoundError, match="nothing.full.json"):
        results.load_results("nothing", "full", folder=tmp_path)


def test_results_table_flattens_payloads_and_combined_files():
    payload = {"notebook": "a", "rows": [{"result": "x", "value": 1, "extra": 5}]}
    course = {"notebooks": {"b": {"results": {"rows": [{"result": "y", "value": 2}]}}, "c": {"results": None}}}
    table = results.results_table(payload, course)
    assert table[["notebook", "result", "value"]].values.tolist() == [["a", "x", 1], ["b", "y", 2]]
    assert list(table.columns[:10]) == ["notebook", *results.FIELDS] and "extra" in table


def test_markdown_table_formats_cells_by_type_and_escapes_text():
    rows = [{"model": "cnn|gru", "acc": 0.81234, "diff": -0.5, "n": 7, "ok": True},
            {"model": "two\nlines", "acc": float("nan"), "diff": None, "n": 0, "ok": False}]
    text = results.markdown_table(rows, floatfmt=[".4f", ".2f", "+.1f", ".4f", ".4f"],
                                  align=["left", "right", "right", "right", "left"])
    assert text.splitlines() == ["| model | acc | diff | n | ok |",
                                 "| --- | ---: | ---: | ---: | --- |",
                                 "| cnn\\|gru | 0.81 | -0.5 | 7 | True |",
                                 "| two lines |  |  | 0 | False |"]


def test_markdown_table_readme_style_and_sequences():
    text = results.markdown_table([["a", 1.5, None], ["", 2.0, "x"]], ["k", "v", "note"], floatfmt="",
                                  missing="-", compact=True)
    assert text.splitlines() == ["| k | v | note |", "|---|---|---|", "| a | 1.5 | - |", "| - | 2.0 | x |"]
    assert results.markdown_table([["a", None]], ["k", "v"], compact=True).splitlines()[2] == "| a | |"
    assert results.markdown_table([], ["k"]) == "| k |\n| --- |"


@pytest.mark.parametrize("call, words", [
    (lambda: results.markdown_table([["a", 1]]), "needs `columns`"),
    (lambda: results.markdown_table([["a"]], ["k", "v"]), "row 0 has 1 cells for 2 columns"),
    (lambda: results.markdown_table([["a"]], ["k"], align=["middle"]), "'left' or 'right'"),
    (lambda: results.markdown_table([["a"]], ["k"], floatfmt=[".1f", ".2f"]), "one entry per column"),
])
def test_markdown_table_names_what_is_wrong(call, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        call()


# ---------------------------------------------------------------------------- running notebooks


def _write(path: Path, *cells) -> Path:
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """Two tiny notebooks run through the command line: 01 saves a result, 02 fails in its 2nd cell."""
    folder = tmp_path_factory.mktemp("course")
    notebooks = folder / "notebooks"
    notebooks.mkdir()
    _write(notebooks / "01_good.ipynb", new_markdown_cell("# good"),
           new_code_cell("import os\nfrom dnacourse import results\nanswer = 6 * 7\n"
                         "quick = os.environ['DNACOURSE_QUICK'] + os.environ['DNACOURSE_MODE']\nhere = os.path.basename(os.getcwd())"),
           new_code_cell('results.save_results("01_good", [{"result": "answer", "value": answer, '
                         '"published": 42, "source": "Adams (1979)", "data": "toy", "split": here, '
                         '"note": "quick=" + quick}])'))
    _write(notebooks / "02_bad.ipynb", new_code_cell("a = 1"),
           new_code_cell("raise ValueError('the bad value 7')"), new_code_cell("b = 2"))
    _write(notebooks / "03_other.ipynb", new_code_cell("c = 3"))
    out, combined = folder / "out", folder / "course.json"
    code = reproduce.main(["--quick", "--notebooks", "01,02", "--notebook-dir", str(notebooks),
                           "--out", str(out), "--combined", str(combined)])
    return {"code": code, "out": out, "combined": combined, "notebooks": notebooks}


def test_reproduce_collects_results_and_reports_the_failing_cell(tiny_run, capsys):
    assert tiny_run["code"] == 1                               # one notebook failed
    course = json.loads(tiny_run["combined"].read_text())      # well-formed JSON
    assert course["format"] == "dnacourse.course/1" and course["mode"] == "quick"
    assert list(course["notebooks"]) == ["01_good", "02_bad"]   # 03 was not selected
    good, bad = course["notebooks"]["01_good"], course["notebooks"]["02_bad"]
    assert good["status"] == "ok" and good["error"] is None and good["seconds"] > 0
    [row] = good["results"]["rows"]
    assert (row["value"], row["published"], row["mode"]) == (42, 42, "quick")
    assert row["split"] == "notebooks" and row["note"] == "quick=1quick"   # cwd and env of the kernel
    assert bad["status"] == "failed" and bad["results"] is None
    assert bad["error"] == {"cell": 2, "code_cell": 2, "name": "ValueError", "message": "the bad value 7",
                            "source": "raise ValueError('the bad value 7')"}
    for entry in (good, bad):
        assert entry["mode"] == "quick" and entry["machine"]["device"] == entry["device"]
        assert entry["date"] and entry["file"].startswith("notebooks/")


def test_reproduce_writes_executed_notebooks_and_summary(tiny_run):
    out = tiny_run["out"]
    assert {p.name for p in out.glob("*.ipynb")} == {"01_good.ipynb", "02_bad.ipynb"}
    executed = nbformat.read(out / "02_bad.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["ename"] == "ValueError"   # stopped in the failing cell
    assert executed.cells[2].get("outputs") == [] and executed.cells[2].execution_count is None
    summary = (out / "summary.md").read_text()
    assert "| answer | toy | notebooks | 42 | 42 [1] | quick |" in summary
    assert "[1] Adams (1979)" in summary
    assert "FAILED in cell 2" in summary and "ValueError: the bad value 7" in summary
    assert (out / "results" / "01_good.quick.json").is_file()


def test_a_later_run_replaces_only_its_notebooks(tiny_run):
    combined = tiny_run["combined"]
    before = json.loads(combined.read_text())
    code = reproduce.main(["--quick", "--notebooks", "03", "--notebook-dir", str(tiny_run["notebooks"]),
                           "--out", str(tiny_run["out"]), "--combined", str(combined)])
    after = json.loads(combined.read_text())
    assert code == 0
    assert list(after["notebooks"]) == ["01_good", "02_bad", "03_other"]
    assert after["notebooks"]["01_good"] == before["notebooks"]["01_good"]   # untouched, same date
    assert after["notebooks"]["02_bad"] == before["notebooks"]["02_bad"]


def test_merge_replaces_by_name_and_refuses_to_mix_modes():
    old = reproduce.merge(None, [{"notebook": "01", "seconds": 1.0, "date": "d1"},
                                 {"notebook": "10", "seconds": 5.0, "date": "d1"}], "full")
    new = reproduce.merge(old, [{"notebook": "04", "seconds": 2.0, "date": "d2"},
                                {"notebook": "10", "seconds": 6.0, "date": "d2"}], "full")
    assert list(new["notebooks"]) == ["01", "04", "10"]
    assert new["notebooks"]["01"]["date"] == "d1" and new["notebooks"]["10"] == {"notebook": "10", "seconds": 6.0, "date": "d2"}
    assert old["notebooks"]["10"]["seconds"] == 5.0                    # the old dict is not changed
    with pytest.raises(ValueError, match="holds 'full' results"):
        reproduce.merge(old, [], "quick")
    with pytest.raises(ValueError, match="not a combined course file"):
        reproduce.merge({"rows": []}, [], "full")


def test_find_notebooks_selects_by_prefix_and_names_unknown_ones(tmp_path):
    for name in ("00_a", "01_b", "10_c"):
        _write(tmp_path / f"{name}.ipynb")
    (tmp_path / "scratch.ipynb").write_text("{}")
    assert [p.stem for p in reproduce.find_notebooks(tmp_path)] == ["00_a", "01_b", "10_c"]
    assert [p.stem for p in reproduce.find_notebooks(tmp_path, "10, 01")] == ["01_b", "10_c"]
    with pytest.raises(ValueError, match="'07'"):
        reproduce.find_notebooks(tmp_path, ["07"])
    assert [p.stem for p in reproduce.find_notebooks(tmp_path, "1")] == ["01_b"]    # a number, not a prefix
    assert [p.stem for p in reproduce.find_notebooks(tmp_path, "0,10")] == ["00_a", "10_c"]
    for empty in ("", " , ", []):
        with pytest.raises(ValueError, match="names no notebook"):
            reproduce.find_notebooks(tmp_path, empty)


def test_reproduce_refuses_to_write_over_the_source_notebooks(tiny_run, capsys):
    notebooks = tiny_run["notebooks"]
    before = {p.name: p.read_bytes() for p in notebooks.glob("*.ipynb")}
    with pytest.raises(SystemExit) as exit_info:
        reproduce.main(["--quick", "--notebooks", "03", "--notebook-dir", str(notebooks), "--out", str(notebooks),
                        "--combined", str(tiny_run["combined"].with_name("other.json"))])
    assert exit_info.value.code == 2 and "holds the source notebooks" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in notebooks.glob("*.ipynb")} == before
    assert not tiny_run["combined"].with_name("other.json").exists()


def test_command_line_help_and_argument_errors(capsys):
    with pytest.raises(SystemExit) as exit_info:
        reproduce.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert all(flag in text for flag in ("--quick", "--cpu", "--full", "--notebooks", "--out", "--update-readme"))
    with pytest.raises(SystemExit):
        reproduce.main(["--quick", "--update-readme"])
    assert "needs --cpu or --full" in capsys.readouterr().err

    from dnacourse.__main__ import main

    assert main(["--help"]) == 0 and "reproduce" in capsys.readouterr().out


# ---------------------------------------------------------------------------- README


def _course():
    rows = [{"result": "CNN accuracy", "value": 0.79, "published": 0.7486, "source": "Airlangga (2024)",
             "data": "human_first781", "split": "random", "mode": "full", "device": "cpu", "note": "a|b"},
            {"result": "leaking pairs", "value": 730, "published": None, "source": None, "data": "dog",
             "split": "grouped", "mode": "full", "device": "cpu", "note": None}]
    entry = {"notebook": "10_x", "status": "ok", "seconds": 600.0, "date": "2025-01-02T03:04:05+00:00",
             "mode": "full", "device": "cpu", "error": None,
             "machine": {"device": "cpu", "cpu": "Some CPU", "cpu_count": 2, "gpu": None, "torch": "2.x",
                         "data": "offline mirror"},
             "results": {"rows": rows}}
    return reproduce.merge(None, [entry], "full")


def test_render_puts_ours_next_to_published_with_labels():
    text = readme_tool.render(_course())
    assert "| CNN accuracy | human_first781 | random | 0.790 | 0.7486 [1] | full | cpu | a\\|b |" in text
    assert "| leaking pairs | dog | grouped | 730 | - | full | cpu | - |" in text
    assert "[1] Airlangga (2024)" in text
    assert "| 10_x | ok | 10.0 min | full | cpu [m1] | 2025-01-02 |" in text
    assert "[m1] 2 CPU cores (Some CPU), no GPU" in text
    assert readme_tool.render(_course()) == text                  # deterministic


def test_update_readme_round_trip(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n\n{readme_tool.README_BEGIN}\nhand-typed numbers\n"
                      f"{readme_tool.README_END}\n\nafter\n")
    section = readme_tool.readme_section(_course())
    assert readme_tool.update_readme(readme, section) is True
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "hand-typed" not in text and section in text
    assert readme_tool.update_readme(readme, section) is False     # idempotent
    readme.write_text("no markers here")
    with pytest.raises(ValueError, match="results:begin"):
        readme_tool.update_readme(readme, section)


def _generated(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    begin, end = text.find(readme_tool.README_BEGIN), text.find(readme_tool.README_END)
    assert 0 <= begin < end, f"{path.name} lacks the results markers"
    return text[begin:end + len(readme_tool.README_END)]


def test_readme_results_section_is_generated_from_the_committed_json():
    """Fails when someone edits the README's summary or docs/results.md by hand, or the JSON files
    or results/figures without regenerating them."""
    fix = "regenerate with `python -m dnacourse reproduce --readme-only`"
    assert _generated(ROOT / "README.md") == readme_tool.readme_from_files(ROOT), (
        f"README results summary differs from results/course-*.json and results/figures; {fix}")
    assert _generated(ROOT / "docs" / "results.md") == readme_tool.results_from_files(ROOT), (
        f"docs/results.md differs from results/course-*.json, results/bench.json and results/figures; {fix}")
    for mode in ("cpu", "full"):
        path = ROOT / "results" / f"course-{mode}.json"
        if mode == "full" or path.is_file():
            course = json.loads(path.read_text(encoding="utf-8"))
            assert course["mode"] == mode and course["notebooks"]
            assert all(e["mode"] == mode for e in course["notebooks"].values())
            assert all(r["mode"] == mode for e in course["notebooks"].values()
                       for r in (e.get("results") or {}).get("rows", []))


def _figure_links(path: Path) -> list[Path]:
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", text) + re.findall(r'(?:src|href)="([^"]+\.png)"', text)
    return [(path.parent / link).resolve() for link in links]


def test_every_figure_is_shown_exists_and_is_small():
    """The README and docs/results.md show every figure in results/figures, and nothing else."""
    folder = ROOT / readme_tool.FIGURES_DIR
    figures = {p.resolve() for p in folder.glob("[0-9][0-9]_*.png")}
    for page in (ROOT / "README.md", ROOT / "docs" / "results.md"):
        shown = _figure_links(page)
        for figure in shown:
            assert figure.is_file(), f"{page.name} shows {figure}, which does not exist"
            assert figure.parent == folder.resolve(), f"{page.name} shows a figure outside results/figures"
            assert figure.stat().st_size <= reproduce.FIGURE_MAX_BYTES, f"{figure.name} is over 200 kB"
        assert set(shown) == figures, f"{page.name}: figures not shown {sorted(figures - set(shown))}"


def _course_with(mode, notebooks: dict[str, list[dict]], figures=None, date="2025-01-02T03:04:05+00:00"):
    entries = []
    for name, rows in notebooks.items():
        entry = {"notebook": name, "status": "ok", "seconds": 60.0, "date": date, "mode": mode,
                 "device": "cpu", "error": None, "machine": {"device": "cpu", "cpu_count": 2},
                 "results": {"rows": [{"mode": mode, "device": "cpu", **r} for r in rows]}}
        if figures and name in figures:
            entry["figures"] = figures[name]
        entries.append(entry)
    return reproduce.merge(None, entries, mode)


def test_summary_shows_a_few_labelled_rows_per_notebook_and_every_figure_with_its_mode():
    table1 = [{"result": f"{m} accuracy", "value": v, "published": p, "source": "Airlangga (2024), Table 1",
               "data": "chimp", "split": "random", "note": "mean of 3 seed(s); long tail"}
              for m, v, p in (("CNN", 0.78, 0.7486), ("LSTM", 0.55, 0.7395))]
    cpu = _course_with("cpu", {
        "10_models": table1,
        "13_legnet": [{"result": "test r", "value": 0.71, "data": "dream_test", "split": "test"},
                      {"result": "val r, size not run", "value": None, "published": 0.52, "source": "report"},
                      {"result": "val r", "value": 0.64, "published": 0.515, "source": "report",
                       "data": "dream_train", "split": "validation"}],
        "14_dilation": [{"result": "test r", "value": 0.7, "headline": True, "data": "dream_test", "split": "test"},
                        {"result": "val r", "value": 0.6, "published": 0.566, "source": "report"}],
        "01_data": [{"result": "leaking pairs", "value": 730, "data": "dog", "split": "random"}]},
        figures={"13_legnet": ["13_curve.png"], "14_dilation": ["14_alpha.png"]})
    full = _course_with("full", {"10_models": [{**table1[0], "value": 0.8}], "13_legnet": []},
                        figures={"13_legnet": ["13_curve.png"]}, date="2026-01-01T00:00:00+00:00")
    figures = ["13_curve.png", "14_alpha.png", "15_new.png"]
    text = readme_tool.readme_section([cpu, full], figures)
    table = [line for line in text.splitlines() if line.startswith("| 1")]
    assert table == [
        "| 10_models | CNN accuracy | chimp | random | 0.800 | 0.7486 [1] | full | cpu | mean of 3 seed(s) |",
        "| 13_legnet | val r | dream_train | validation | 0.640 | 0.515 [2] | cpu | cpu | - |",
        "| 14_dilation | test r | dream_test | test | 0.700 | - | cpu | cpu | - |"], (
        "full mode wins; a notebook's first published row with a value, or the rows it marks headline")
    assert "[1] Airlangga (2024), Table 1" in text and "[2] report" in text
    assert "13 curve (full mode)" in text, "the latest run that lists a figure names its mode"
    assert "14 alpha (cpu mode)" in text and "15 new (mode not recorded)" in text
    assert text.count('src="results/figures/') == 3 and "leaking pairs" not in text
    page = readme_tool.results_section([cpu, full], {"date": "2025-01-01"}, figures)
    assert page.startswith(readme_tool.README_BEGIN) and page.endswith(readme_tool.README_END)
    for words in ("## Results in cpu mode", "## Results in full mode", "| leaking pairs | dog | random | 730 |",
                  "![13 curve](../results/figures/13_curve.png)", "### 15 (mode not recorded)", "## Benchmark"):
        assert words in page, words
    # no figures, no rows with a published number, and a quick-mode file: said so, nothing shown
    quick = _course_with("quick", {"10_models": table1})
    bare = readme_tool.readme_section([quick, _course_with("cpu", {"01_data": []})])
    assert "No cpu- or full-mode result has a published number" in bare and "No figures yet" in bare
    assert "0.7486" not in bare and "figures yet" in readme_tool.results_section([quick])


def test_readme_only_rewrites_the_readme_and_docs_results(tmp_path, monkeypatch, capsys):
    (tmp_path / "results" / "figures").mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    course = _course_with("cpu", {"13_legnet": [{"result": "val r", "value": 0.6, "published": 0.515}]})
    (tmp_path / "results" / "course-cpu.json").write_text(json.dumps(course))
    (tmp_path / "results" / "figures" / "13_curve.png").write_bytes(b"\x89PNG")
    for page in ("README.md", "docs/results.md"):
        (tmp_path / page).write_text(f"# {page}\n{readme_tool.README_BEGIN}\nold\n{readme_tool.README_END}\n")
    monkeypatch.setattr(reproduce.runtime, "_checkout_root", lambda: tmp_path)
    assert reproduce.main(["--readme-only"]) == 0
    assert capsys.readouterr().out.splitlines() == ["README.md results section updated",
                                                    "docs/results.md results section updated"]
    assert "0.515" in (tmp_path / "README.md").read_text() and "13_curve.png" in (tmp_path / "README.md").read_text()
    assert "![13 curve](../results/figures/13_curve.png)" in (tmp_path / "docs" / "results.md").read_text()
    assert reproduce.main(["--readme-only"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_cpu_run_keeps_the_figures_a_notebook_saved_and_refuses_big_ones(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    draw = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nfrom dnacourse import plots\n"
            "fig, ax = plt.subplots(figsize=({size}))\nax.imshow(__import__('numpy').random.default_rng(0)"
            ".random(({pixels}, {pixels})))\nplots.save_figure(fig, '{name}')")
    _write(notebooks / "07_small.ipynb", new_code_cell(draw.format(size="2, 2", pixels=8, name="07_curve")))
    _write(notebooks / "08_big.ipynb", new_code_cell(draw.format(size="30, 30", pixels=600, name="08_noise")))
    kept, out = tmp_path / "kept", tmp_path / "out"
    (kept).mkdir()
    (kept / "07_old.png").write_bytes(b"stale")                    # a figure of an earlier run of 07
    course = reproduce.reproduce(None, mode="cpu", out=out, combined=tmp_path / "c.json", notebook_dir=notebooks,
                                 figures_dir=kept, progress=False)
    small, big = course["run"]
    assert small["status"] == "ok" and small["figures"] == ["07_curve.png"]
    assert sorted(p.name for p in kept.iterdir()) == ["07_curve.png"]       # the stale one replaced
    assert (kept / "07_curve.png").read_bytes().startswith(b"\x89PNG")
    assert big["status"] == "failed" and "08_noise.png" in big["error"]["message"]
    assert "200,000 bytes" in big["error"]["message"]
