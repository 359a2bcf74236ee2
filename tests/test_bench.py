"""Tests for the benchmark command, dnacourse.tools.bench (tiny sizes: seconds, CPU only)."""

from __future__ import annotations

import json

import pytest
import torch

from dnacourse.tools import bench


class TinyNet(torch.nn.Module):
    """Any channel count in, ``outputs`` logits out: a 1x1 conv and a mean over positions."""

    def __init__(self, channels: int, outputs: int):
        super().__init__()
        self.channels = channels
        self.conv = torch.nn.Conv1d(channels, outputs, 1)

    def forward(self, x):
        assert x.shape[1] == self.channels, f"got {x.shape[1]} channels, want {self.channels}"
        return self.conv(x).mean(dim=2)


def test_family_of_a_name_and_its_input_shape():
    assert bench.model_family("cnn") == "classifier" and bench.model_family("legnet_dilated") == "legnet"
    codes = torch.tensor([[0, 1, 2, 3, 4]], dtype=torch.uint8)
    for family, spec in bench.FAMILIES.items():
        x = bench.family_input(spec["channels"])(codes)
        assert x.shape == (1, spec["channels"], 5), family
        assert torch.equal(x[0, :4].sum(dim=0)[:4], torch.ones(4))  # one base per position (A, C, G, T)
    assert bench.FAMILIES["legnet"]["channels"] == 6 and bench.FAMILIES["legnet"]["outputs"] == 18


def test_training_benchmark_shapes_inputs_by_family():
    def build(name):
        spec = bench.FAMILIES[bench.model_family(name)]
        return TinyNet(spec["channels"], spec["outputs"])

    rows = bench.training_benchmark(["cnn", "legnet"], n=12, batch_size=4, repeats=1, device="cpu",
                                    build=build)
    assert [(r["model"], r["family"], r["channels"], r["length"], r["outputs"]) for r in rows] == [
        ("cnn", "classifier", 4, 1000, 7), ("legnet", "legnet", 6, 150, 18)]
    for r in rows:
        assert set(bench.TRAINING_KEYS) == set(r)
        assert r["amp"] is False and r["peak_mib"] is None            # CPU: AMP and CUDA memory n/a
        assert r["peak_rss_mib"] is None or r["peak_rss_mib"] > 0
        assert r["train_seq_s"] > 0 and r["infer_seq_s"] > 0
        assert r["train_epoch_s"] == pytest.approx(r["n"] / r["train_seq_s"])
        assert 0 <= r["input_share"] <= 1 and r["model_share"] == pytest.approx(1 - r["input_share"])


def test_bench_main_writes_well_formed_json_with_the_documented_keys(tmp_path, capsys):
    path = tmp_path / "bench.json"
    result = bench.main(["--n", "12", "--length", "40", "--repeats", "1", "--naive-n", "4", "--device", "cpu",
                         "--models", "cnn", "--batch-size", "4", "--threads", "1", "--json", str(path)])
    out = capsys.readouterr().out
    stored = json.loads(path.read_text())
    assert set(stored) == set(bench.RESULT_KEYS) and stored == json.loads(json.dumps(result))
    assert stored["format"] == "dnacourse.bench/1" and stored["machine"]["device"] == "cpu"
    enc, aug = stored["encoding"], stored["augment"]
    assert enc["identical"] is True and enc["bases"] == 12 * 40 and enc["naive_n"] == 4
    assert enc["speedup"] == pytest.approx(enc["naive_s"] / enc["one_hot_s"])
    assert aug["device"] == "cpu" and aug["augment_seq_s"] == pytest.approx(12 / aug["augment_s"])
    [row] = stored["training"]
    assert row["model"] == "cnn" and row["length"] == 40 and row["params"] > 0
    assert stored["peak_memory"]["cuda_max_allocated_mib"] is None
    assert "one_hot (NumPy)" in out and "train seq/s" in out and "n/a" in out    # AMP column off CUDA
    md = bench.markdown(stored)
    assert "| cnn | 4 x 40 |" in md and "per-base Python loop" in md


def test_bench_parts_and_errors(capsys):
    result = bench.main(["--parts", "encoding", "--n", "5", "--length", "10", "--repeats", "1", "--json", "-"])
    assert result["augment"] is None and result["training"] == [] and result["encoding"]["n"] == 5
    for bad in (["--parts", "speed"], ["--models", "nope"], ["--n", "0"]):
        with pytest.raises(SystemExit):
            bench.main(bad + ["--json", "-"])
    assert "unknown" in capsys.readouterr().err


def test_bench_help_documents_every_part(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("--json", "--models", "--amp", "--parts", "AMP", "peak memory", "input", "ratio",
                  "(B, 6, 150)"):
        assert words in text, words


def test_device_that_is_missing_falls_back_and_an_unknown_one_is_a_usage_error(capsys, monkeypatch):
    """Issue 16: ``--device cuda`` on a machine without CUDA warns and runs on the CPU (as ``fit``
    does); ``--device tpu`` is a usage error naming the choices, not a traceback."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    args = ["--parts", "augment", "--n", "4", "--length", "8", "--repeats", "1", "--json", "-"]
    with pytest.warns(UserWarning, match="--device cuda: no such device on this machine"):
        result = bench.main([*args, "--device", "cuda"])
    assert result["augment"]["device"] == "cpu" and result["settings"]["device"] == "cpu"
    for device, words in (("tpu", "unknown device 'tpu'; choose cpu, cuda"), ("xla", "not 'xla'")):
        with pytest.raises(SystemExit) as exit_info:
            bench.main([*args, "--device", device])
        assert exit_info.value.code == 2 and words in capsys.readouterr().err
