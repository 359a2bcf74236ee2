"""Command line: ``python -m dnacourse {reproduce,bench} [options]`` (``... COMMAND --help`` for each)."""

import sys

USAGE = """usage: python -m dnacourse {reproduce,bench} [options]

  reproduce  run every notebook headless (each in a fresh kernel), collect the results they save,
             print a markdown summary with wall times; --quick (default) or --full,
             --notebooks 01,10, --update-readme (full mode). See: python -m dnacourse reproduce --help
  bench      throughput of encoding (vectorised vs a per-base loop), batch augmentation on the
             device, training/inference of every model (with and without AMP on CUDA), time in
             the model vs the input pipeline, peak memory; prints tables, writes JSON.
             See: python -m dnacourse bench --help"""


def _reproduce(argv):
    from . import reproduce

    return reproduce.main(argv)


def _bench(argv):
    from . import bench

    bench.main(argv)
    return 0


COMMANDS = {"reproduce": _reproduce, "bench": _bench}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(USAGE)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
