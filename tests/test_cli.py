"""The command line, ``python -m dnacourse``: quick to start, lazy about what it loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dnacourse.__main__ import main

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
