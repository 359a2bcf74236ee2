"""Tests for the full-mode workload plan, dnacourse.tools.fullplan: its arithmetic, its structure, and
that it agrees with the notebooks' parameters cells (so it cannot drift from them silently)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dnacourse.tools import fullplan

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
needs_notebooks = pytest.mark.skipif(not NOTEBOOKS.is_dir(), reason="no notebooks/ beside the package")


@pytest.fixture(scope="module")
def params():
    """Every planned notebook's parameters cell, run with MODE = "full"."""
    return {nb: fullplan.notebook_parameters(nb, notebooks_dir=NOTEBOOKS) for nb in fullplan.PARAMETERS}


def by_notebook(nb):
    return [r for r in fullplan.runs() if r.notebook == nb]


# ---------------------------------------------------------------------------------------------- arithmetic


def test_minutes_from_a_tiny_throughput_table():
    """Training sequences / training speed + forward passes / inference speed, per notebook."""
    plan = [
        # LegNet: 2 runs x 3 epochs x 100 rows x 2 strands = 1,200 trained; 2 x 3 x 10 val x 3 passes = 180
        # forward, + 2 x 50 after = 280 forward
        ("13", "legnet", 2, "legnet", {}, "legnet", 100, 10, 3, 50, None),
        # a classifier: 1 x 4 epochs x 60 rows = 240 trained; 4 x 20 val x 1 pass + 30 after = 110 forward
        ("05", "cnn", 1, "cnn", {}, "gene", 60, 20, 4, 30, None),
        # read back from 13: in order only its 50 after passes; alone like 13's row, once
        ("14", "legnet again", 1, "legnet", {}, "legnet", 100, 10, 3, 50, "13"),
    ]
    rates = {"legnet, 150 bp, batch 128": {"train": 2.0, "infer": 10.0},
             "cnn, 1000 bp, batch 64": {"train": 4.0, "infer": 1.0}}
    in_order = fullplan.notebook_minutes(rates, plan)
    alone = fullplan.notebook_minutes(rates, plan, in_order=False)
    assert in_order["13"] == pytest.approx((1200 / 2 + 280 / 10) / 60)
    assert in_order["05"] == pytest.approx((240 / 4 + 110 / 1) / 60)
    assert in_order["14"] == pytest.approx((50 / 10) / 60)
    assert alone["14"] == pytest.approx((600 / 2 + 140 / 10) / 60) and alone["13"] == in_order["13"]
    with pytest.raises(KeyError, match="no measured speed for 'cnn, 1000 bp, batch 64'"):
        fullplan.notebook_minutes({"legnet, 150 bp, batch 128": rates["legnet, 150 bp, batch 128"]}, plan)


def test_course_table_counts_runs_marks_upper_bounds_and_adds_totals():
    rates = {key: {"train": 1000.0, "infer": 10_000.0} for key in fullplan.measurements()}
    half = {key: {"train": 2000.0, "infer": 20_000.0} for key in rates}
    table = {r["notebook"]: r for r in fullplan.course_table(half, rates, {"13": 1.5}, {"13": 1.5})}
    assert list(table)[:19] == list(fullplan.NOTEBOOKS) and list(table)[19:] == ["13-18", "course"]
    assert table["04"]["note"].startswith("no torch training") and table["04"]["fp32"] == 0
    assert table["10"]["upper"] and not table["13"]["upper"]          # early stopping -> upper bound
    assert table["09"]["runs"] == "6 + 2 read back (05)" and table["09"]["runs_alone"] == 8
    for row in table.values():
        if row["fp32"]:
            assert row["amp"] == pytest.approx(row["fp32"] / 2)          # twice the speed, half the time
    legnet = [table[nb] for nb in ("13", "14", "15", "16", "17", "18")]
    assert table["13-18"]["fp32"] == pytest.approx(sum(r["fp32"] for r in legnet))
    assert table["course"]["fp32"] == pytest.approx(sum(table[nb]["fp32"] for nb in fullplan.NOTEBOOKS))
    assert table["13-18"]["runs_trained"] == 14 and table["13-18"]["t4_estimate"] is None   # 14-18 not given
    assert table["13"]["t4_estimate"] == 1.5
    text = fullplan.format_table(list(table.values()))
    assert "<=" in text and "total 13-18 (in order)" in text and "4 + 5 read back (13, 14, 15, 16, 17)" in text


# ---------------------------------------------------------------------------------------------- structure


def test_every_read_back_run_is_trained_by_an_earlier_notebook_with_the_same_settings():
    trained = [r for r in fullplan.runs() if not r.made_by and r.trains_model]
    for run in fullplan.runs():
        assert run.recipe in fullplan.RECIPES and run.runs >= 1, run
        if run.made_by:
            assert run.made_by < run.notebook, run
            same = [t for t in trained if t.notebook == run.made_by and fullplan.measurement_key(t) ==
                    fullplan.measurement_key(run) and (t.rows, t.val_rows, t.epochs) == (run.rows, run.val_rows, run.epochs)]
            assert same, f"notebook {run.notebook}: {run.what} is read back from {run.made_by}, which has no such run"


def test_the_planned_sequences_of_a_few_rows():
    lr_test, recipe, report = by_notebook("13")
    assert recipe.train_sequences() == 20 * 5120 * 2 and recipe.val_sequences() == 20 * 2048 * 3
    assert recipe.after_sequences() == 2 * 71_103 + 2 * 2048
    assert report.train_sequences() == 50 * 5120 and report.batch_size == 256      # one strand, batch 256
    assert lr_test.train_sequences() == 100 * 128 and lr_test.val_sequences() == 0
    assert fullplan.split_sizes(4380) == (3153, 351, 876)


# ---------------------------------------------------------------------------------------------- notebooks


@needs_notebooks
def test_the_plan_was_written_from_the_notebooks_parameters(params):
    """Every parameter the plan assumes has that value in the notebook's parameters cell (full mode)."""
    for nb, assumed in fullplan.PARAMETERS.items():
        for name, value in assumed.items():
            assert name in params[nb], f"notebook {nb}'s parameters cell has no {name}"
            assert params[nb][name] == value, f"notebook {nb}: {name} = {params[nb][name]!r}, the plan assumes {value!r}"


@needs_notebooks
def test_plan_rows_follow_the_parameters(params):
    assert params["18"]["SEEDS"] == [0, 1, 2] and params["13"]["FULL_EPOCHS"] == 20
    # 03: settings x splits x seeds runs, at the epoch limit
    p = params["03"]
    [ablation] = by_notebook("03")
    assert ablation.runs == len(p["ABLATION_SETTINGS"]) * 2 * len(p["ABLATION_SEEDS"])
    assert ablation.epochs == p["ABLATION_EPOCHS"] and ablation.upper_bound
    # 05: the plain Adam loop's variants and epochs
    assert sum(r.runs for r in by_notebook("05") if r.recipe == "adam") == 4   # VARIANTS of the plain loop
    assert {r.epochs for r in by_notebook("05")} == {params["05"]["EPOCHS"], params["05"]["STABILITY_EPOCHS"]}
    # 10: every model (and every model trained on windows of longer genes), table, seed and split; its epoch limit
    p = params["10"]
    runs_10 = [r for r in by_notebook("10") if r.trains_model]
    assert sum(r.runs for r in runs_10) == (len(p["MODELS"]) + len(p["LONG_MODELS"])) * len(p["SPLITS"]) * \
        sum(map(len, p["SEEDS"].values()))
    assert {r.epochs for r in runs_10} == {p["EPOCHS"]}
    # 11: the toy CNN and LegNet
    p = params["11"]
    toy, gene, legnet = by_notebook("11")
    assert toy.settings == {"n_classes": p["N_MOTIFS"], **p["TOY_CNN"]} and toy.epochs == p["TOY_EPOCHS"]
    assert toy.rows == fullplan.split_sizes(p["N_PER_CLASS"] * p["N_MOTIFS"]).train
    assert (legnet.rows, legnet.val_rows, legnet.epochs) == (p["N_PROMOTERS"], p["N_PROMOTERS_VAL"], p["LEGNET_EPOCHS"])
    # 13-18: rows, validation rows and epochs of every LegNet run (13's report setting apart)
    for nb in ("13", "14", "15", "16", "17", "18"):
        p = params[nb]
        for run in by_notebook(nb):
            if run.recipe == "legnet":
                assert run.epochs == p["EPOCHS"] == 20 and run.val_rows == p["N_VAL"], (nb, run.what)
                assert run.batch_size == p["BATCH_SIZE"], (nb, run.what)
    p = params["13"]
    report = next(r for r in by_notebook("13") if r.recipe == "report")
    steps_per_epoch = p["N_TRAIN"] // p["REPORT_BATCH_SIZE"]
    assert report.epochs == math.ceil(p["REPORT_STEPS"] / steps_per_epoch) and report.batch_size == p["REPORT_BATCH_SIZE"]
    # 14: the alphas trained + the other placement; 15/16: the baseline + the variants
    assert len(by_notebook("14")) == len(params["14"]["ALPHAS"]) + 1
    assert [r.settings for r in by_notebook("16")] == [{}, {}]           # TRANSFORMER = the package's defaults
    # 17: the star design of LEVELS (+ the LegNet reference)
    levels = params["17"]["LEVELS"]
    assert len(by_notebook("17")) == 2 + sum(len(v) - 1 for v in levels.values())
    # 18: the baseline's seeds at BASE_SIZE, each variant's settings, and the offline learning-curve sizes
    p = params["18"]
    base = [r for r in by_notebook("18") if r.model == "legnet" and r.rows == p["BASE_SIZE"]]
    assert sum(r.runs for r in base) == len(p["SEEDS"])
    variants = {r.model: r.settings for r in by_notebook("18") if r.model != "legnet"}
    assert variants == {k: v for k, v in p["VARIANTS"].items() if k != "legnet"}
    offline = 7_369                                                       # load_dream("train") rows
    curve = sorted({r.rows for r in by_notebook("18") if r.model == "legnet"})
    assert curve == [n for n in p["SIZES"] if n + p["N_VAL"] <= offline] and not p["DOWNLOAD_FULL_FILE"]


@needs_notebooks
def test_notebook_parameters_reads_the_cell_in_the_mode_asked():
    assert fullplan.notebook_parameters("13", mode="quick", notebooks_dir=NOTEBOOKS)["EPOCHS"] == 2
    assert fullplan.notebook_parameters("13_legnet", notebooks_dir=NOTEBOOKS)["MODE"] == "full"
    with pytest.raises(FileNotFoundError):
        fullplan.notebook_parameters("13", notebooks_dir=NOTEBOOKS / "nowhere")
