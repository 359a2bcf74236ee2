"""The command line, ``python -m dnacourse``: quick to start, lazy about what it loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import dnacourse
from dnacourse.__main__ import COMMANDS, main

try:
    import tomllib
except ImportError:  # Python 3.10: pip vendors the same parser
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("torch", "numpy", "pandas")


def _python(code: str | None = None, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, *(["-c", code] if code is not None else []), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _loaded(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter."""
    done = _python(code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))")
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_help_exits_0_and_lists_the_commands():
    done = _python(None, "-m", "dnacourse", "--help")
    assert done.returncode == 0, done.stderr
    assert "reproduce" in done.stdout and "bench" in done.stdout and done.stderr == ""


def test_an_unknown_command_exits_2_with_the_error_on_stderr():
    done = _python(None, "-m", "dnacourse", "frobnicate")
    assert done.returncode == 2
    assert "error: unknown command 'frobnicate'" in done.stderr and "reproduce, bench" in done.stderr
    assert done.stdout == ""
    done = _python(None, "-m", "dnacourse")
    assert done.returncode == 2 and "no command given" in done.stderr


def test_import_dnacourse_loads_neither_torch_nor_the_tools():
    loaded = _loaded("import dnacourse")
    assert "torch" not in loaded and "dnacourse.tools" not in loaded
    assert not {m for m in loaded if m.startswith("dnacourse.")}, "submodules load on first use"


def test_help_loads_no_heavy_library():
    loaded = _loaded("import runpy, sys\nsys.argv = ['dnacourse', '--help']\n"
                     "try:\n    runpy.run_module('dnacourse', run_name='__main__')\nexcept SystemExit:\n    pass")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "dnacourse.tools" not in loaded


def test_results_is_light_to_import():
    loaded = _loaded("import dnacourse.results")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_commands_dispatch_to_the_tools(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--help"])
    assert exit_info.value.code == 0 and "--update-readme" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0 and "--parts" in capsys.readouterr().out
    assert main(["--help"]) == 0 and "usage: python -m dnacourse" in capsys.readouterr().out


def test_version_prints_the_package_version():
    for flag in ("--version", "-V"):
        done = _python(None, "-m", "dnacourse", flag)
        assert done.returncode == 0 and done.stdout == f"dnacourse {dnacourse.__version__}\n" and done.stderr == ""


def test_errors_are_argparse_style_one_usage_line_then_the_error(capsys):
    assert main(["frobnicate"]) == 2
    out, err = capsys.readouterr()
    usage, error = err.strip().splitlines()
    assert out == "" and usage.startswith("usage: python -m dnacourse [-h] [--version] {reproduce,")
    assert error.startswith("python -m dnacourse: error: unknown command 'frobnicate'; choose from ")
    assert main(["--frobnicate"]) == 2 and "unknown option '--frobnicate'" in capsys.readouterr().err


def test_every_command_is_in_the_help_and_dispatches(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert f"\n  {command} " in text, f"--help does not describe {command}"
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0 and "usage:" in capsys.readouterr().out


def test_the_console_script_is_declared_and_runs_the_same_main():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"dnacourse": "dnacourse.__main__:console"}
    script = Path(sys.executable).parent / "dnacourse"
    if not script.exists():
        pytest.skip("the console script is not installed here (pip install -e . installs it)")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("dnacourse ")
    done = subprocess.run([str(script), "frobnicate"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("usage: dnacourse ")
    assert "dnacourse: error: unknown command 'frobnicate'" in done.stderr
