"""Tests for ``python -m dnacourse bench --gpu`` / ``--plan``: the full-mode minutes per notebook
(tiny and CPU only: the measurements are faked, the arithmetic is real)."""

from __future__ import annotations

import json

import pytest
import torch

from dnacourse import __main__ as cli
from dnacourse.tools import bench, fullplan


def fake_rows(amps=(False,)):
    """What plan_benchmark returns, without measuring: every plan key at 1,000 train / 10,000 infer seq/s
    (twice that with AMP)."""
    rows = []
    for key, run in fullplan.measurements().items():
        for amp in amps:
            speed = 2.0 if amp else 1.0
            rows.append({"key": key, "model": run.model, "family": run.family, "device": "cpu", "amp": amp,
                         "params": 1, "n": 8, "channels": 4, "length": run.length, "outputs": 7,
                         "batch_size": run.batch_size, "train_seq_s": 1000.0 * speed,
                         "infer_seq_s": 10_000.0 * speed, "train_epoch_s": 0.1, "input_epoch_s": 0.0,
                         "input_share": 0.0, "model_share": 1.0, "peak_mib": None, "peak_rss_mib": None})
    return rows


def test_gpu_without_cuda_is_a_clear_error_with_exit_code_2(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--gpu", "--json", "-"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ("--gpu needs a CUDA GPU: torch.cuda.is_available() is False on this machine; run it on a GPU "
            "machine, e.g. a Colab T4 runtime") in " ".join(captured.err.split())
    with pytest.raises(SystemExit) as exit_info:                  # the same through python -m dnacourse
        cli.main(["bench", "--gpu"])
    assert exit_info.value.code == 2 and "--gpu needs a CUDA GPU" in capsys.readouterr().err


def test_plan_prints_the_minutes_per_notebook_and_writes_them_to_the_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench, "plan_benchmark", lambda *args, **kw: fake_rows())
    monkeypatch.setattr(fullplan, "t4_estimates", lambda plan=None, in_order=True: {"13": 15.4})
    path = tmp_path / "bench.json"
    result = bench.main(["--plan", "--device", "cpu", "--json", str(path)])
    out = capsys.readouterr().out
    stored = json.loads(path.read_text())
    assert set(stored) == set(bench.RESULT_KEYS) and stored["encoding"] is None and stored["training"] == []
    plan = stored["full_plan"]
    assert set(plan) == set(bench.FULL_PLAN_KEYS) and plan == json.loads(json.dumps(result["full_plan"]))
    rows = {r["notebook"]: r for r in plan["notebooks"]}
    assert rows["13"]["amp"] is None and rows["13"]["t4_estimate"] == 15.4      # CPU: no AMP column
    expected = fullplan.notebook_minutes(bench.plan_rates(fake_rows())["fp32"])
    assert rows["18"]["fp32"] == pytest.approx(expected["18"])
    assert plan["totals"]["13-18"]["fp32"] == pytest.approx(sum(expected[nb] for nb in ("13", "14", "15", "16", "17", "18")))
    assert plan["totals"]["course"]["fp32"] == pytest.approx(sum(expected.values()))
    assert "Full mode, minutes per notebook" in out and "total, whole course" in out and "18_legnet_summary" in out
    assert "| 13_legnet |" in bench.markdown(stored)


def test_amp_on_and_off_give_two_columns():
    result = bench.full_plan(fake_rows((True, False)), device="cpu", n=8, repeats=1)
    rows = {r["notebook"]: r for r in result["notebooks"]}
    assert rows["13"]["amp"] == pytest.approx(rows["13"]["fp32"] / 2)
    assert result["totals"]["course"]["amp"] == pytest.approx(result["totals"]["course"]["fp32"] / 2)


def test_plan_leaves_the_other_parts_alone_unless_asked(monkeypatch, capsys):
    monkeypatch.setattr(bench, "plan_benchmark", lambda *args, **kw: fake_rows())
    monkeypatch.setattr(fullplan, "t4_estimates", lambda plan=None, in_order=True: {})
    result = bench.main(["--plan", "--parts", "encoding", "--n", "5", "--length", "10", "--repeats", "1",
                         "--json", "-"])
    assert result["encoding"]["n"] == 5 and result["augment"] is None and result["full_plan"] is not None
    without = bench.main(["--parts", "encoding", "--n", "5", "--length", "10", "--repeats", "1", "--json", "-"])
    assert without["full_plan"] is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(SystemExit) as exit_info:                  # --gpu is for CUDA: --device cpu is a usage error
        bench.main(["--gpu", "--device", "cpu", "--json", "-"])
    assert exit_info.value.code == 2 and "--gpu measures on CUDA" in capsys.readouterr().err


def test_plan_benchmark_times_each_planned_model_with_its_settings():
    plan = [("13", "narrow", 1, "legnet", {"stem_channels": 8, "stage_channels": (8, 8)}, "legnet", 10, 4, 1, 0, None),
            ("11", "toy", 1, "cnn", {"n_classes": 3, "channels": (4,), "kernel_size": 3}, "toy", 10, 4, 1, 0, None)]
    rows = bench.plan_benchmark("cpu", n=8, repeats=1, plan=plan, progress=False)
    assert [(r["key"], r["length"], r["batch_size"], r["outputs"], r["amp"]) for r in rows] == [
        ("legnet(stem_channels=8, stage_channels=(8, 8)), 150 bp, batch 128", 150, 128, 18, False),
        ("cnn(n_classes=3, channels=(4,), kernel_size=3), 200 bp, batch 64", 200, 64, 3, False)]
    rates = bench.plan_rates(rows)
    assert rates["amp"] is None and set(rates["fp32"]) == {r["key"] for r in rows}
