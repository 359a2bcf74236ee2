"""The Makefile: ``make`` alone lists every target, and an active conda environment is used instead of .venv.

Only ``make help`` runs for real; the other targets are dry runs (``make -n``), which build nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: pip vendors the same parser
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``make ARGS`` in the checkout, with no conda environment active unless ``env`` sets one."""
    clean = {k: v for k, v in os.environ.items() if k not in {"CONDA_PREFIX", "CONDA_DEFAULT_ENV", "MAKEFLAGS"}}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**clean, **env})


def _phony() -> list[str]:
    lines = [line for line in MAKEFILE.splitlines() if line.startswith(".PHONY:")]
    return [t for line in lines for t in line.split(":", 1)[1].split()]


def test_make_help_lists_every_phony_target_with_one_line_each():
    done = _make("help")
    assert done.returncode == 0, done.stderr
    listed = re.findall(r"^  make (\S+) +(\S.*)$", done.stdout, re.M)
    names = [name for name, _ in listed]
    assert sorted(names) == sorted(_phony()), "make help and .PHONY differ"
    assert len(names) == len(set(names)), "one line per target"
    assert {"install", "lab", "test", "unit", "nbtest", "course", "notebooks", "student", "lint",
            "clean"} <= set(names), "the existing targets are all still there"
    assert "MODE=quick|cpu|full" in done.stdout and "CONDA_ENV=" in done.stdout and "TORCH=" in done.stdout


def test_plain_make_prints_the_help_and_builds_nothing():
    done = _make()
    assert done.returncode == 0, done.stderr
    assert done.stdout == _make("help").stdout
    assert _make("-n").stdout.count("pip install") == 0


def test_a_dry_run_of_every_target_works():
    for target in _phony():
        done = _make("-n", target, "VENV=/nonexistent/venv")
        assert done.returncode == 0, f"make -n {target}: {done.stderr}"


def _fake_conda(tmp_path: Path) -> Path:
    env = tmp_path / "envs" / "dna"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").symlink_to(sys.executable)
    return env


def test_an_active_conda_environment_is_used_instead_of_a_venv(tmp_path):
    env = _fake_conda(tmp_path)
    for target in ("install", "lab", "test"):
        done = _make("-n", target, "VENV=/nonexistent/venv", CONDA_PREFIX=str(env), CONDA_DEFAULT_ENV="dna")
        assert done.returncode == 0, done.stderr
        assert "-m venv" not in done.stdout and "/nonexistent/venv" not in done.stdout
        assert f"{env}/bin/python -m pip install -e" in done.stdout
    assert f"{env}/bin/jupyter lab" in _make("-n", "lab", CONDA_PREFIX=str(env), CONDA_DEFAULT_ENV="dna").stdout
    assert f"{env}/bin/pytest" in _make("-n", "test", CONDA_PREFIX=str(env), CONDA_DEFAULT_ENV="dna").stdout
    assert f"the active conda environment {env}" in _make("help", CONDA_PREFIX=str(env),
                                                          CONDA_DEFAULT_ENV="dna").stdout


def test_without_conda_or_in_base_or_with_conda_env_empty_the_venv_is_built(tmp_path):
    env, venv = _fake_conda(tmp_path), tmp_path / "venv"
    for conda in ({}, {"CONDA_PREFIX": str(env), "CONDA_DEFAULT_ENV": "base"}):
        done = _make("-n", "install", f"VENV={venv}", **conda)
        assert done.returncode == 0, done.stderr
        assert f"-m venv {venv}" in done.stdout and f"{venv}/bin/python -m pip install -e" in done.stdout
    done = _make("-n", "install", f"VENV={venv}", "CONDA_ENV=", CONDA_PREFIX=str(env), CONDA_DEFAULT_ENV="dna")
    assert f"-m venv {venv}" in done.stdout


def test_a_conda_environment_without_python_is_an_error_that_says_what_to_do(tmp_path):
    done = _make("install", CONDA_PREFIX=str(tmp_path / "empty"), CONDA_DEFAULT_ENV="empty")
    assert done.returncode != 0 and "no python in the active conda environment" in done.stderr


def test_course_accepts_quick_cpu_full_and_rejects_other_modes():
    for mode in ("quick", "cpu", "full"):
        done = _make("-n", "course", f"MODE={mode}", "ONLY=01,10")
        assert done.returncode == 0, done.stderr
        assert f"-m dnacourse reproduce --{mode} --notebooks 01,10" in done.stdout
    done = _make("-n", "course", "MODE=slow")
    assert done.returncode != 0 and "MODE must be quick, cpu or full, not 'slow'" in done.stderr
    assert "pip install" not in done.stdout, "a bad MODE stops before anything is installed"


def test_torch_index_installs_torch_from_another_index(tmp_path):
    cpu = "https://download.pytorch.org/whl/cpu"
    done = _make("-n", "install", f"VENV={tmp_path / 'venv'}", f"TORCH_INDEX={cpu}")
    assert 'pip install "torch==' in done.stdout and f'--index-url "{cpu}"' in done.stdout
    assert "--index-url" not in _make("-n", "install", f"VENV={tmp_path / 'venv'}").stdout
    assert "TORCH_INDEX=URL" in _make("help").stdout


def test_docs_setup_md_quotes_the_makefile_and_pyproject():
    """docs/setup.md states the Python floor, the torch default and the variables: they must be true."""
    setup = (ROOT / "docs" / "setup.md").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f'requires-python = "{project["requires-python"]}"' in setup
    assert "torch>=2.1" in project["dependencies"] and "`torch>=2.1`" in setup
    torch_default = re.search(r"^TORCH +\?= *(\S+)", MAKEFILE, re.M).group(1)
    assert f"`{torch_default}`" in setup
    for variable in ("TORCH_INDEX", "CONDA_ENV", "PYTHON", "LAB_ARGS"):
        assert re.search(rf"^{variable} *\?=", MAKEFILE, re.M), variable
        assert f"{variable}=" in setup, variable
    for target in ("lab", "test", "unit", "install", "help"):
        assert target in _phony() and f"make {target}" in setup, target
