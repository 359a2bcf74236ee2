"""How fast is the encoding? ``python -m dnacourse bench --n 4000 --length 1000 --repeats 3``.

Compares ``encoding.one_hot`` (vectorised NumPy) with a plain per-base Python loop that builds
the same array, and also times ``encode_index`` and ``augment.augment_batch`` (on the best
available device). The naive loop is slow, so it is timed on a subset of the sequences and its
speed is reported per base (the output says so).

How fast do the models train? ``python -m dnacourse bench --train`` (all seven models, or
``--models cnn,lstm``) times ``dnacourse.train.fit`` and ``predict_proba`` on random sequences:
training and inference sequences per second, the share of a training epoch spent making inputs
(gather + augment + one-hot) versus in the model, and the peak GPU memory.

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


DEFAULT_AUGMENT = {"substitution_rate": 0.01, "indel_prob": 0.5, "rc_prob": 0.0}


def training_benchmark(
    names=None,
    n: int = 512,
    length: int = 1000,
    batch_size: int = 64,
    repeats: int = 2,
    device=None,
    amp=None,
    augment: dict | None = DEFAULT_AUGMENT,
    n_classes: int = 7,
    infer_batch_size: int = 256,
    seed: int = 0,
    build=None,
) -> list[dict]:
    """Training and inference throughput of the course's models, run through ``dnacourse.train``.

    For every model name (default: ``models.available()``) and AMP setting, on ``n`` random
    sequences of ``length`` bp with random labels:

    * ``train_seq_s``: training sequences per second of ``train.fit`` (its ``samples_per_s``: the
      training part of an epoch, with ``augment``), best of ``repeats`` epochs after a warm-up epoch;
    * ``infer_seq_s``: sequences per second of ``train.predict_proba`` (batches of ``infer_batch_size``),
      best of ``repeats`` after a warm-up;
    * ``input_share``: the input pipeline alone (gather + ``augment_batch`` + one-hot on the same
      batches, timed without the model) divided by the training epoch time; ``model_share`` = 1 - that;
    * ``peak_mib``: ``torch.cuda.max_memory_allocated`` during training in MiB (None off CUDA).

    ``amp``: None = both (True, False) on CUDA and False elsewhere (AMP only applies on CUDA); a
    bool or a tuple of bools picks. ``build(name) -> nn.Module`` replaces ``models.build`` (tests).
    Returns one dict per (model, amp) with keys ``model, device, amp, params, n, length, batch_size,
    train_seq_s, infer_seq_s, train_epoch_s, input_epoch_s, input_share, model_share, peak_mib``.
    """
    from . import models, train
    from .augment import augment_batch

    device = torch.device(device) if device is not None else runtime.device()
    if build is None:
        def build(name):
            return models.build(name, n_classes=n_classes)
    names = models.available() if names is None else [names] if isinstance(names, str) else list(names)
    if amp is None:
        amps = (True, False) if device.type == "cuda" else (False,)
    else:
        amps = (amp,) if isinstance(amp, bool) else tuple(amp)
        amps = tuple(dict.fromkeys(bool(a) and device.type == "cuda" for a in amps))
    repeats = max(1, int(repeats))
    sync = torch.cuda.synchronize if device.type == "cuda" else None

    rng = np.random.default_rng(seed)
    idx = encoding.encode_index(random_sequences(n, length, seed))
    data = train.SequenceData(idx, rng.integers(0, n_classes, size=n)).to(device)
    val = data.subset(np.arange(min(n, batch_size)))

    def input_pipeline(generator, aug_generator):
        for rows in train._batches(n, batch_size, generator, device):
            batch = data.idx[rows]
            if augment:
                batch = augment_batch(batch, **augment, generator=aug_generator)
            encoding.index_to_one_hot(batch)

    generator, aug_generator = torch.Generator(), torch.Generator(device=device)
    input_pipeline(generator, aug_generator)  # warm-up
    input_s = _best_time(lambda: input_pipeline(generator, aug_generator), repeats, sync)

    rows = []
    for name in names:
        for use_amp in amps:
            torch.manual_seed(seed)
            model = build(name)
            if device.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)
            history = train.fit(model, data, val, epochs=repeats + 1, batch_size=batch_size,
                                patience=None, augment=augment, device=device, amp=use_amp,
                                seed=seed, progress=False, name=name)
            peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
            train_seq_s = float(history["samples_per_s"].iloc[1:].max())

            def predict(model=model, use_amp=use_amp):
                train.predict_proba(model, data, batch_size=infer_batch_size, device=device,
                                    amp=use_amp)

            predict()  # warm-up
            infer_s = _best_time(predict, repeats, sync)
            epoch_s = n / train_seq_s
            share = min(1.0, input_s / epoch_s)
            rows.append({
                "model": name, "device": str(device), "amp": use_amp,
                "params": sum(p.numel() for p in model.parameters()),
                "n": n, "length": length, "batch_size": batch_size,
                "train_seq_s": train_seq_s, "infer_seq_s": n / infer_s,
                "train_epoch_s": epoch_s, "input_epoch_s": input_s,
                "input_share": share, "model_share": 1.0 - share, "peak_mib": peak,
            })
            del model
    return rows


def print_training_table(rows: list[dict]) -> None:
    """Print ``training_benchmark`` rows as a fixed-width table."""
    if not rows:
        print("(no models)")
        return
    first = rows[0]
    print(f"{first['n']} random sequences x {first['length']} bp, batch {first['batch_size']}, "
          f"device {first['device']}; augment on; best epoch after a warm-up")
    header = (f"{'model':<12}{'amp':>5}{'params':>11}{'train seq/s':>13}{'infer seq/s':>13}"
              f"{'in model':>10}{'inputs':>8}{'peak MiB':>10}")
    print(header)
    for r in rows:
        peak = f"{r['peak_mib']:>10.0f}" if r["peak_mib"] is not None else f"{'-':>10}"
        print(f"{r['model']:<12}{'on' if r['amp'] else 'off':>5}{r['params']:>11,}"
              f"{r['train_seq_s']:>13.1f}{r['infer_seq_s']:>13.1f}"
              f"{r['model_share']:>10.1%}{r['input_share']:>8.1%}{peak}")
    print("in model / inputs: share of a training epoch in the model (forward, backward, step) versus "
          "making inputs (gather + augment + one-hot, timed alone)")


def main(argv=None) -> dict:
    """Command-line entry point: prints a table and returns the numbers as one dict.

    ``main(["--n", "100", "--length", "50"])`` is ``python -m dnacourse bench --n 100 --length 50``.
    With ``--train`` (or ``--models``) it runs ``training_benchmark`` instead and returns
    ``{"training": rows}``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse bench",
        description="Throughput of dnacourse's one-hot encoding against a plain per-base Python "
        "loop, plus encode_index, and augment_batch / index_to_one_hot on the best device. "
        "With --train: training and inference throughput of the course's models "
        "(dnacourse.train.fit / predict_proba on random sequences).",
        epilog="examples: python -m dnacourse bench  |  python -m dnacourse bench --train  |  "
        "python -m dnacourse bench --models cnn,lstm --n 256 --device cpu",
    )
    parser.add_argument(
        "--n", type=int, default=None,
        help="number of random sequences (default 4000; 512 with --train)",
    )
    parser.add_argument(
        "--length", type=int, default=1000, help="bases per sequence (default 1000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None,
        help="timing repeats, best is kept (default 3; with --train 2 timed epochs after a warm-up)",
    )
    parser.add_argument(
        "--naive-n",
        type=int,
        default=200,
        help="sequences timed with the slow naive loop; its time is extrapolated per base (default 200)",
    )
    parser.add_argument(
        "--device", default=None,
        help="device for augment_batch and training (default: cuda, mps or cpu)",
    )
    parser.add_argument(
        "--threads", type=int, default=None,
        help="CPU threads for PyTorch (torch.set_num_threads; default: PyTorch's choice)",
    )
    training = parser.add_argument_group("training benchmark")
    training.add_argument(
        "--train", action="store_true",
        help="time training and inference of the models instead of the encoding",
    )
    training.add_argument(
        "--models", default=None,
        help="comma-separated model names, e.g. cnn,lstm (implies --train; default: all seven)",
    )
    training.add_argument(
        "--batch-size", type=int, default=64, help="training batch size (default 64)"
    )
    training.add_argument(
        "--amp", choices=("auto", "on", "off"), default="auto",
        help="mixed precision: auto = both on and off on CUDA, off elsewhere (AMP is CUDA only)",
    )
    args = parser.parse_args(argv)
    train_mode = args.train or args.models is not None
    if args.n is None:
        args.n = 512 if train_mode else 4000
    if args.repeats is None:
        args.repeats = 2 if train_mode else 3
    if min(args.n, args.length, args.repeats, args.naive_n, args.batch_size) < 1:
        parser.error("--n, --length, --repeats, --naive-n and --batch-size must be >= 1")

    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be >= 1")
        torch.set_num_threads(args.threads)

    if train_mode:
        from . import models

        names = None
        if args.models is not None:
            names = [name.strip() for name in args.models.split(",") if name.strip()]
            unknown = [name for name in names if name not in models.available()]
            if unknown or not names:
                parser.error(f"--models: unknown {unknown}; choose from {','.join(models.available())}")
        amp = {"auto": None, "on": True, "off": False}[args.amp]
        rows = training_benchmark(names, n=args.n, length=args.length, batch_size=args.batch_size,
                                  repeats=args.repeats, device=args.device, amp=amp)
        print_training_table(rows)
        return {"training": rows}

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
