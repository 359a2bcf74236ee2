"""How fast is the encoding? ``python -m dnacourse bench --n 4000 --length 1000 --repeats 3``.

Compares ``encoding.one_hot`` (vectorised NumPy) with a plain per-base Python loop that builds
the same array, and also times ``encode_index`` and ``augment.augment_batch`` (on the best
available device). The naive loop is slow, so it is timed on a subset of the sequences and its
speed is reported per base (the output says so).

    from dnacourse.bench import encoding_benchmark
    encoding_benchmark(n=50, length=100, repeats=1)["speedup"]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from . import augment, encoding, runtime


def random_sequences(n: int, length: int, seed: int = 0) -> list[str]:
    """``n`` random ACGT strings of ``length`` bases each.

    >>> [len(s) for s in random_sequences(2, 3)], set("".join(random_sequences(50, 20))) == set("ACGT")
    ([3, 3], True)
    """
    codes = np.random.default_rng(seed).integers(0, 4, size=(n, length))
    text = np.frombuffer(b"ACGT", dtype=np.uint8)[codes].tobytes().decode("ascii")
    return [text[i * length : (i + 1) * length] for i in range(n)]


def naive_one_hot(seqs: list[str], length: int) -> np.ndarray:
    """The obvious per-base Python loop: ``(N, 4, length)`` float32, ACGT order, N -> zeros.

    Same result as ``encoding.one_hot(seqs, length)`` for valid input; kept as the baseline.

    >>> naive_one_hot(["AC"], 3)[0, :, :2].tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
    """
    channel = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((len(seqs), 4, length), dtype=np.float32)
    for i, seq in enumerate(seqs):
        for j, base in enumerate(seq[:length]):
            c = channel.get(base.upper())
            if c is not None:
                out[i, c, j] = 1.0
    return out


def _best_time(fn, repeats: int, sync=None) -> float:
    """Smallest wall time of ``repeats`` calls (seconds)."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        if sync is not None:
            sync()
        best = min(best, time.perf_counter() - start)
    return best


def encoding_benchmark(
    n: int = 4000, length: int = 1000, repeats: int = 3, naive_n: int | None = None, seed: int = 0
) -> dict:
    """Time ``one_hot`` vs the naive loop and ``encode_index`` on ``n`` random sequences.

    ``naive_n`` sequences (default: ``min(n, 200)``) go through the naive loop; its time is
    extrapolated to all ``n`` per base. The naive and vectorised arrays are checked to be equal
    on those sequences (AssertionError otherwise).

    Returns a dict with keys ``n, length, bases, naive_n, one_hot_s, one_hot_mbases_s,
    naive_s, naive_mbases_s, speedup, encode_index_s, encode_index_mbases_s, identical``
    (seconds are for all ``n`` sequences; ``mbases_s`` = million bases per second).

    >>> r = encoding_benchmark(n=20, length=50, repeats=1)
    >>> r["identical"], r["speedup"] > 1
    (True, True)
    """
    seqs = random_sequences(n, length, seed)
    naive_n = min(n, 200) if naive_n is None else min(n, naive_n)
    subset = seqs[:naive_n]
    identical = bool(
        np.array_equal(naive_one_hot(subset, length), encoding.one_hot(subset, length))
    )
    assert identical, "naive and vectorised one-hot disagree"

    bases = n * length
    one_hot_s = _best_time(lambda: encoding.one_hot(seqs, length), repeats)
    index_s = _best_time(lambda: encoding.encode_index(seqs, length), repeats)
    naive_subset_s = _best_time(
        lambda: naive_one_hot(subset, length), 1 if naive_n < n else repeats
    )
    naive_s = naive_subset_s * n / naive_n
    return {
        "n": n,
        "length": length,
        "bases": bases,
        "naive_n": naive_n,
        "one_hot_s": one_hot_s,
        "one_hot_mbases_s": bases / one_hot_s / 1e6,
        "naive_s": naive_s,
        "naive_mbases_s": bases / naive_s / 1e6,
        "speedup": naive_s / one_hot_s,
        "encode_index_s": index_s,
        "encode_index_mbases_s": bases / index_s / 1e6,
        "identical": identical,
    }


def augment_benchmark(
    n: int = 4000, length: int = 1000, repeats: int = 3, device=None, seed: int = 0
) -> dict:
    """Time ``augment_batch`` (all three edits on) and ``index_to_one_hot`` on ``device``.

    Returns a dict with keys ``device, augment_s, augment_mbases_s, to_one_hot_s,
    to_one_hot_mbases_s``.

    >>> sorted(augment_benchmark(n=8, length=16, repeats=1, device="cpu"))[:2]
    ['augment_mbases_s', 'augment_s']
    """
    device = torch.device(device) if device is not None else runtime.device()
    idx = torch.from_numpy(encoding.encode_index(random_sequences(n, length, seed))).to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    sync = torch.cuda.synchronize if device.type == "cuda" else None

    def run_augment():
        augment.augment_batch(idx, 0.01, 0.5, 0.5, generator=generator)

    def run_one_hot():
        encoding.index_to_one_hot(idx)

    run_augment(), run_one_hot()  # warm-up (CUDA context, kernels)
    augment_s = _best_time(run_augment, repeats, sync)
    one_hot_s = _best_time(run_one_hot, repeats, sync)
    bases = n * length
    return {
        "device": str(device),
        "augment_s": augment_s,
        "augment_mbases_s": bases / augment_s / 1e6,
        "to_one_hot_s": one_hot_s,
        "to_one_hot_mbases_s": bases / one_hot_s / 1e6,
    }


def main(argv=None) -> dict:
    """Command-line entry point: prints a table and returns the numbers as one dict.

    ``main(["--n", "100", "--length", "50"])`` is ``python -m dnacourse bench --n 100 --length 50``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse bench",
        description="Throughput of dnacourse's one-hot encoding against a plain per-base Python "
        "loop, plus encode_index, and augment_batch / index_to_one_hot on the best device.",
    )
    parser.add_argument(
        "--n", type=int, default=4000, help="number of random sequences (default 4000)"
    )
    parser.add_argument(
        "--length", type=int, default=1000, help="bases per sequence (default 1000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timing repeats, best is kept (default 3)"
    )
    parser.add_argument(
        "--naive-n",
        type=int,
        default=200,
        help="sequences timed with the slow naive loop; its time is extrapolated per base (default 200)",
    )
    parser.add_argument(
        "--device", default=None, help="device for augment_batch (default: cuda, mps or cpu)"
    )
    args = parser.parse_args(argv)
    if min(args.n, args.length, args.repeats, args.naive_n) < 1:
        parser.error("--n, --length, --repeats and --naive-n must be >= 1")

    enc = encoding_benchmark(args.n, args.length, args.repeats, naive_n=args.naive_n)
    aug = augment_benchmark(args.n, args.length, args.repeats, device=args.device)
    print(
        f"{args.n} random sequences x {args.length} bp = {enc['bases']:,} bases, best of {args.repeats}"
    )
    print(f"{'method':<40}{'seconds':>10}{'M bases/s':>12}{'speed-up':>10}")
    rows = [
        (
            f"naive Python loop (timed on {enc['naive_n']} seqs)",
            enc["naive_s"],
            enc["naive_mbases_s"],
            1.0,
        ),
        ("one_hot (NumPy)", enc["one_hot_s"], enc["one_hot_mbases_s"], enc["speedup"]),
        ("encode_index (NumPy)", enc["encode_index_s"], enc["encode_index_mbases_s"], None),
        (f"augment_batch ({aug['device']})", aug["augment_s"], aug["augment_mbases_s"], None),
        (
            f"index_to_one_hot ({aug['device']})",
            aug["to_one_hot_s"],
            aug["to_one_hot_mbases_s"],
            None,
        ),
    ]
    for name, seconds, rate, ratio in rows:
        ratio_text = f"{ratio:>9.1f}x" if ratio is not None else f"{'':>10}"
        print(f"{name:<40}{seconds:>10.4f}{rate:>12.1f}{ratio_text}")
    if enc["naive_n"] < args.n:
        print(f"(naive time extrapolated per base from {enc['naive_n']} of {args.n} sequences)")
    print(
        f"one_hot is {enc['speedup']:.1f}x faster than the per-base loop (arrays identical: {enc['identical']})"
    )
    return {**enc, **aug}


if __name__ == "__main__":
    main()
