"""Command line: ``python -m dnacourse {reproduce,bench} [options]`` (``... COMMAND --help`` for each).

Each command lives in ``dnacourse.tools`` and is imported only when it runs, so ``--help`` is quick.
"""

from __future__ import annotations

import importlib
import sys

USAGE = """usage: python -m dnacourse {reproduce,bench} [options]

  reproduce  run every notebook headless (each in a fresh kernel), collect the results they save,
             print a markdown summary with wall times; --quick (default) or --full,
             --notebooks 01,10, --update-readme (full mode). See: python -m dnacourse reproduce --help
  bench      throughput of encoding (vectorised vs a per-base loop), batch augmentation on the
             device, training/inference of every model (with and without AMP on CUDA), time in
             the model vs the input pipeline, peak memory; prints tables, writes JSON.
             See: python -m dnacourse bench --help"""

# command -> the module whose main(argv) runs it
COMMANDS = {"reproduce": "dnacourse.tools.reproduce", "bench": "dnacourse.tools.bench"}


def main(argv: list[str] | None = None) -> int:
    """Run ``argv`` (default: the command line); return the exit code.

    0 for ``--help``; 2, with the error on stderr, for a missing or unknown command; else what the
    command returns (``bench`` returns its results: 0).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if not argv or argv[0] not in COMMANDS:
        problem = f"unknown command {argv[0]!r}" if argv else "no command given"
        print(f"{USAGE}\npython -m dnacourse: error: {problem}; choose from {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    code = importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
