"""Command line: ``python -m dnacourse COMMAND [options]``, or ``dnacourse COMMAND`` (the console script).

Commands: ``reproduce``, ``bench``, ``set-repo``, ``student`` (``... COMMAND --help`` for each);
``--version`` prints the package version. Each command lives in ``dnacourse.tools`` and is imported
only when it runs, so ``--help`` and ``--version`` are quick.
"""

from __future__ import annotations

import importlib
import os
import sys

# command -> the module whose main(argv) runs it
COMMANDS = {"reproduce": "dnacourse.tools.reproduce", "bench": "dnacourse.tools.bench",
            "set-repo": "dnacourse.tools.setrepo", "student": "dnacourse.tools.student"}

HELP = """usage: {prog} [-h] [--version] {{{commands}}} ...

  reproduce  run every notebook headless (each in a fresh kernel), collect the results they save,
             print a markdown summary with wall times; --quick (default), --cpu or --full,
             --notebooks 01,10, --update-readme. See: {prog} reproduce --help
  bench      throughput of encoding (vectorised vs a per-base loop), batch augmentation on the
             device, training/inference of every model (with and without AMP on CUDA), time in
             the model vs the input pipeline, peak memory; prints tables, writes JSON.
             See: {prog} bench --help
  set-repo   point every notebook's Colab badge and setup cell, and the README, at a repository and
             ref (for a fork): set-repo OWNER/NAME --ref TAG; --check says whether they agree.
             See: {prog} set-repo --help and docs/fork.md
  student    write the student edition (outputs cleared) to build/student/. See: {prog} student --help

options:
  -h, --help  show this help and exit
  --version   print the version of dnacourse and exit"""


def _prog() -> str:
    """``dnacourse`` when run as the console script, else ``python -m dnacourse``."""
    return "dnacourse" if os.path.basename(sys.argv[0] or "") == "dnacourse" else "python -m dnacourse"


def usage() -> str:
    """The help text, naming the program as it was started."""
    return HELP.format(prog=_prog(), commands=",".join(COMMANDS))


def main(argv: list[str] | None = None) -> int:
    """Run ``argv`` (default: the command line); return the exit code.

    0 for ``--help`` and ``--version``; 2, with a usage line and the error on stderr (as argparse
    does), for a missing or unknown command; else what the command returns (``bench`` returns its
    results: 0).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if argv and argv[0] in ("-V", "--version"):
        from dnacourse import __version__

        print(f"dnacourse {__version__}")
        return 0
    if not argv or argv[0] not in COMMANDS:
        if not argv:
            problem = "no command given"
        elif argv[0].startswith("-"):
            problem = f"unknown option {argv[0]!r}"
        else:
            problem = f"unknown command {argv[0]!r}"
        print(f"{usage().splitlines()[0]}\n{_prog()}: error: {problem}; choose from {', '.join(COMMANDS)} "
              f"(see {_prog()} --help)", file=sys.stderr)
        return 2
    code = importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
    return code if isinstance(code, int) else 0


def console() -> None:
    """The ``dnacourse`` console script (pyproject.toml ``[project.scripts]``)."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
