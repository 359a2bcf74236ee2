"""dnacourse.runtime: quick mode, seeds, device choice, folders, the machine and the time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import dnacourse as dc
from dnacourse import runtime


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("0", False),
                                             ("", False), ("no", False)])
def test_quick_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("DNACOURSE_QUICK", value)
    assert runtime.quick() is expected


def test_quick_is_off_when_unset(monkeypatch):
    monkeypatch.delenv("DNACOURSE_QUICK", raising=False)
    assert runtime.quick() is False


def test_seed_everything_repeats_numpy_torch_and_returns_a_generator():
    rng = runtime.seed_everything(7)
    draws = (rng.random(3), np.random.rand(3), torch.rand(3))
    rng = runtime.seed_everything(7)
    again = (rng.random(3), np.random.rand(3), torch.rand(3))
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(draws[0], again[0])
    np.testing.assert_array_equal(draws[1], again[1])
    assert torch.equal(draws[2], again[2])
    assert not np.array_equal(runtime.seed_everything(8).random(3), draws[0])


@pytest.mark.parametrize("bad", ["1", 1.5, None, True])
def test_seed_must_be_an_int(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        runtime.seed_everything(bad)


def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert runtime.device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.device() == torch.device("cpu")


def test_data_dir_honours_the_environment(monkeypatch, tmp_path):
    target = tmp_path / "cache" / "nested"
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(target))
    assert runtime.data_dir() == target
    assert target.is_dir(), "data_dir() creates the folder"


def test_data_dir_defaults_to_the_checkout(monkeypatch):
    monkeypatch.delenv("DNACOURSE_DATA_DIR", raising=False)
    assert runtime.data_dir() == runtime._checkout_root() / "data"


def test_data_dir_outside_a_checkout_uses_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("DNACOURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(runtime, "_checkout_root", lambda: None)
    monkeypatch.setattr("pooch.os_cache", lambda name: tmp_path / name)
    assert runtime.data_dir() == tmp_path / "dnacourse"


def test_in_colab(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(__import__("sys").modules, "google.colab", raising=False)
    assert runtime.in_colab() is False
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-x")
    assert runtime.in_colab() is True


def test_report_names_device_and_mode_and_hints_at_the_t4_on_colab(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv("DNACOURSE_QUICK", "1")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "x")
    monkeypatch.delenv("DNACOURSE_MODE", raising=False)
    monkeypatch.delenv("DNACOURSE_BUILD_DIR", raising=False)
    text = runtime.report()
    assert "LOST when Colab recycles the runtime" in text and "USE_DRIVE = True" in text
    assert "device: cpu" in text and "mode: quick (from DNACOURSE_QUICK=1)" in text
    assert 'MODE = "quick"' in text and "%env DNACOURSE_MODE=quick" in text   # how to change it, in one line
    assert "Change runtime type" in text and "T4" in text
    assert text in capsys.readouterr().out


@pytest.mark.parametrize("cuda, quick_env, mode_env, expected", [
    (False, "", "", "cpu"),          # no GPU: cpu mode
    (True, "", "", "full"),          # a CUDA GPU: full mode
    (True, "1", "", "quick"),        # CI / nbval
    (False, "1", "full", "full"),    # DNACOURSE_MODE wins over DNACOURSE_QUICK
    (True, "0", "cpu", "cpu"),
])
def test_mode_is_full_with_cuda_cpu_without_quick_when_asked(monkeypatch, cuda, quick_env, mode_env, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setenv("DNACOURSE_QUICK", quick_env)
    monkeypatch.setenv("DNACOURSE_MODE", mode_env)
    assert runtime.mode() == expected
    assert runtime.quick() is (expected == "quick")
    assert runtime.mode("quick") == "quick"          # the notebook's own choice wins over everything


def test_a_bad_mode_names_the_value_and_the_choices(monkeypatch):
    monkeypatch.setenv("DNACOURSE_MODE", "gpu")
    with pytest.raises(ValueError, match="DNACOURSE_MODE='gpu'.*quick, cpu or full"):
        runtime.mode()
    assert "mode: NOT SET" in runtime.report()       # the setup cell still says what is wrong
    with pytest.raises(ValueError, match="'quick', 'cpu' or 'full', got 'Full'"):
        runtime.mode("Full")


def test_colab_links_are_built_from_the_repo_url():
    assert dc.colab_url("02_encoding.ipynb").endswith(f"/blob/{dc.BRANCH}/notebooks/02_encoding.ipynb")
    assert dc.REPO_URL.removeprefix("https://github.com/") in dc.colab_url("x.ipynb")
    assert dc.pip_spec() == f"dnacourse @ git+{dc.REPO_URL}@{dc.BRANCH}"


def test_machine_says_where_results_were_measured_without_paths(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    info = runtime.machine()
    assert info["device"] == "cpu" and info["gpu"] is None and info["device_name"] == info["cpu"]
    assert info["torch"] == torch.__version__ and info["cpu_count"] >= 1
    places = (str(Path.home()), str(Path.cwd()), str(runtime._checkout_root()))
    assert not any(place in str(value) for value in info.values() for place in places)   # no paths


def test_now_is_utc_to_the_second():
    import datetime

    stamp = datetime.datetime.fromisoformat(runtime.now())
    assert stamp.utcoffset() == datetime.timedelta(0) and stamp.microsecond == 0
    assert abs(datetime.datetime.now(datetime.timezone.utc) - stamp) < datetime.timedelta(minutes=1)


def test_report_says_when_the_data_dir_is_a_file(tmp_path, monkeypatch, capsys):
    """Issue 16: DNACOURSE_DATA_DIR naming a file: report() prints what is wrong and goes on;
    data_dir() raises naming the variable."""
    blocker = tmp_path / "cache.txt"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(blocker))
    text = runtime.report()
    assert f"data cache: NOT USABLE: DNACOURSE_DATA_DIR={blocker} is a file, not a folder" in text
    assert "device:" in text and "mode:" in text
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        runtime.data_dir()
