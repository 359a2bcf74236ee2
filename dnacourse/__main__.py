"""Command line: ``python -m dnacourse bench [options]`` (``--help`` lists the options)."""

import sys

from . import bench

COMMANDS = {"bench": bench.main}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m dnacourse {" + ",".join(COMMANDS) + "} [options]\n"
              "  bench   throughput of one-hot encoding (vectorized vs a per-base loop) and batch augmentation;\n"
              "          bench --train [--models cnn,lstm]: training/inference speed of the models")
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    COMMANDS[argv[0]](argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
