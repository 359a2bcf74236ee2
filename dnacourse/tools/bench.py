"""How fast is the course's code? ``python -m dnacourse bench`` (``--help`` lists the options).

Three parts, all on random sequences, printed as tables and written as JSON (``--json PATH``,
default ``build/bench.json``):

1. **encoding**: ``encoding.one_hot`` (vectorised NumPy) against a plain per-base Python loop
   that builds the same array (the ratio is the speed-up), and ``encode_index``. The loop is slow,
   so it runs on ``--naive-n`` sequences and its time is extrapolated per base.
2. **augment**: ``augment.augment_batch`` (insertions, deletions, substitutions) and
   ``encoding.index_to_one_hot`` on a whole batch on the device (GPU if there is one).
3. **models**: for every model, training and inference sequences per second through the
   course's own loop (``train.fit`` / ``train.predict_proba``), with and without mixed precision
   (AMP) on CUDA ("n/a" elsewhere: AMP is CUDA-only here); the share of a training epoch spent in
   the model versus making its inputs (gather + augment + encode, timed alone: a small input share
   means training is not input-bound); peak memory (CUDA: ``max_memory_allocated``; CPU: the
   process's peak resident memory, a high-water mark over the whole run).

Each model family gets its own input, one line in ``FAMILIES``: the classifiers read one-hot
``(B, 4, 1000)`` and predict 7 classes; LegNet reads ``(B, 6, 150)`` and predicts 18 bins.

**Full mode, per notebook** (``--gpu``, or ``--plan`` on this machine's device): every model of the
course's full-mode workload (``dnacourse.tools.fullplan.PLAN``: each model with its settings, input
length and the notebooks' batch size, 64 for the classifiers and 128 for LegNet) is timed as in part
3, with AMP on and off on CUDA; then each notebook's full-mode minutes follow from its runs
(trained here, or read back from an earlier notebook's checkpoint), next to the course's FLOP-based
T4 estimate (``dnacourse.cost``) where there is one. ``--gpu`` needs CUDA (exit code 2 without it).

    from dnacourse.tools.bench import encoding_benchmark
    encoding_benchmark(n=50, length=100, repeats=1)["speedup"]

FLOP counts, GPU-time estimates and memory helpers for notebooks are in ``dnacourse.cost``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .. import augment, encoding, promoters, runtime
from ..cost import peak_rss_mib
from ..data import SequenceData
from ..results import markdown_table

BENCH_FORMAT = "dnacourse.bench/1"
PARTS = ("encoding", "augment", "models")
DEFAULT_AUGMENT = {"substitution_rate": 0.01, "indel_prob": 0.5, "rc_prob": 0.0}

# What the benchmark feeds each model family: input channels x length, number of outputs, and the
# batch augmentation of its training loop. A new family is one line here.
FAMILIES = {
    "classifier": {"channels": 4, "length": 1000, "outputs": 7, "augment": DEFAULT_AUGMENT},
    "legnet": {"channels": 6, "length": 150, "outputs": 18, "augment": None},
}

# The documented keys of the JSON (and of the dict ``main`` returns).
RESULT_KEYS = ("format", "date", "machine", "settings", "encoding", "augment", "training", "full_plan",
               "peak_memory")
FULL_PLAN_KEYS = ("device", "device_name", "n", "repeats", "measured", "notebooks", "totals")
NO_CUDA = ("--gpu needs a CUDA GPU: torch.cuda.is_available() is False on this machine; run it on a GPU "
           "machine, e.g. a Colab T4 runtime (or use --plan for this machine's device)")
TRAINING_KEYS = ("model", "family", "device", "amp", "params", "n", "channels", "length", "outputs",
                 "batch_size", "train_seq_s", "infer_seq_s", "train_epoch_s", "input_epoch_s",
                 "input_share", "model_share", "peak_mib", "peak_rss_mib")


# ----------------------------------------------------------------------------------------------
# encoding and augmentation


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
    identical = bool(np.array_equal(naive_one_hot(subset, length), encoding.one_hot(subset, length)))
    assert identical, "naive and vectorised one-hot disagree"

    bases = n * length
    one_hot_s = _best_time(lambda: encoding.one_hot(seqs, length), repeats)
    index_s = _best_time(lambda: encoding.encode_index(seqs, length), repeats)
    naive_subset_s = _best_time(lambda: naive_one_hot(subset, length), 1 if naive_n < n else repeats)
    naive_s = naive_subset_s * n / naive_n
    return {
        "n": n, "length": length, "bases": bases, "naive_n": naive_n,
        "one_hot_s": one_hot_s, "one_hot_mbases_s": bases / one_hot_s / 1e6,
        "naive_s": naive_s, "naive_mbases_s": bases / naive_s / 1e6,
        "speedup": naive_s / one_hot_s,
        "encode_index_s": index_s, "encode_index_mbases_s": bases / index_s / 1e6,
        "identical": identical,
    }


def augment_benchmark(
    n: int = 4000, length: int = 1000, repeats: int = 3, device=None, seed: int = 0
) -> dict:
    """Time ``augment_batch`` (all three edits on) and ``index_to_one_hot`` on ``device``.

    The ``n x length`` codes are one batch on the device. Returns a dict with keys ``device, n,
    length, augment_s, augment_mbases_s, augment_seq_s, to_one_hot_s, to_one_hot_mbases_s``.

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
        "device": str(device), "n": n, "length": length,
        "augment_s": augment_s, "augment_mbases_s": bases / augment_s / 1e6, "augment_seq_s": n / augment_s,
        "to_one_hot_s": one_hot_s, "to_one_hot_mbases_s": bases / one_hot_s / 1e6,
    }


# ----------------------------------------------------------------------------------------------
# models


def default_models() -> list[str]:
    """Every model name of every family in ``FAMILIES`` that ``dnacourse.models`` knows, in order."""
    from .. import models

    names = []
    for family in FAMILIES:
        try:
            names += [n for n in models.available(family) if n not in names]
        except (TypeError, ValueError):  # an older models.available() without families
            names += [n for n in models.available() if n not in names and model_family(n) == family]
    return names


def model_family(name: str) -> str:
    """The ``FAMILIES`` key of a model name: what ``dnacourse.models`` says, else by its prefix.

    >>> model_family("cnn_gru"), model_family("legnet_lstm")
    ('classifier', 'legnet')
    """
    from .. import models

    for family in FAMILIES:
        try:
            if name in models.available(family):
                return family
        except (TypeError, ValueError):
            break
    return "legnet" if str(name).lower().startswith("legnet") else "classifier"


def family_input(channels: int):
    """``to_input(idx) -> (B, channels, L)`` float: one-hot for 4 channels, LegNet's 6 for 6.

    >>> family_input(6)(torch.zeros(2, 5, dtype=torch.uint8)).shape
    torch.Size([2, 6, 5])
    """
    if channels == 4:
        return encoding.index_to_one_hot
    if channels == 6:
        return promoters.legnet_one_hot

    def to_input(idx):  # one-hot plus zero planes (flags) up to the family's channel count
        x = encoding.index_to_one_hot(idx)
        return F.pad(x, (0, 0, 0, channels - x.shape[1]))

    if channels < 4:
        raise ValueError(f"a family needs at least the 4 one-hot channels, got channels={channels}")
    return to_input


def _input_seconds(idx, batch_size, to_input, augment_args, repeats, device, seed) -> float:
    """Best time of one epoch of the input pipeline alone: gather a batch, augment it, encode it."""
    n = len(idx)
    shuffle = torch.Generator().manual_seed(seed)
    aug_generator = torch.Generator(device=device).manual_seed(seed)
    sync = torch.cuda.synchronize if device.type == "cuda" else None

    def epoch():
        for rows in torch.randperm(n, generator=shuffle).to(device).split(batch_size):
            batch = idx[rows]
            if augment_args:
                batch = augment.augment_batch(batch, **augment_args, generator=aug_generator)
            to_input(batch)

    epoch()  # warm-up
    return _best_time(epoch, repeats, sync)


def training_benchmark(
    names=None,
    n: int = 512,
    length: int | None = None,
    batch_size: int = 64,
    repeats: int = 2,
    device=None,
    amp=None,
    augment="family",
    n_classes: int | None = None,
    infer_batch_size: int = 256,
    seed: int = 0,
    build=None,
) -> list[dict]:
    """Training and inference throughput of the course's models, run through ``dnacourse.train``.

    For every model name (default: ``default_models()``, all families) and AMP setting, on ``n``
    random sequences with random labels, shaped by the model's family (``FAMILIES``: channels,
    ``length`` unless given, ``n_classes`` outputs unless given):

    * ``train_seq_s``: training sequences per second of ``train.fit`` (its ``samples_per_s``: the
      training part of an epoch, with the family's ``augment``), best of ``repeats`` epochs after
      a warm-up epoch;
    * ``infer_seq_s``: sequences per second of ``train.predict_proba`` (batches of
      ``infer_batch_size``), best of ``repeats`` after a warm-up;
    * ``input_share``: the input pipeline alone (gather + augment + encode the same batches, timed
      without the model) divided by the training epoch time; ``model_share`` = 1 - that;
    * ``peak_mib``: ``torch.cuda.max_memory_allocated`` during training in MiB (None off CUDA);
      ``peak_rss_mib``: the process's peak resident memory after the run (a high-water mark).

    ``amp``: None = both (True, False) on CUDA and False elsewhere (AMP only applies on CUDA); a
    bool or a tuple of bools picks. ``augment``: ``"family"`` (default) or an ``augment_batch``
    dict / None for every model. ``build(name) -> nn.Module`` replaces ``models.build`` (tests).
    Returns one dict per (model, amp) with the keys ``TRAINING_KEYS``.

    >>> net = lambda name: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 8, 7))
    >>> rows = training_benchmark(["toy"], n=8, length=8, batch_size=4, repeats=1, device="cpu", build=net)
    >>> rows[0]["model"], rows[0]["channels"], rows[0]["amp"]
    ('toy', 4, False)
    """
    from .. import models, train

    device = torch.device(device) if device is not None else runtime.device()
    names = default_models() if names is None else [names] if isinstance(names, str) else list(names)
    if amp is None:
        amps = (True, False) if device.type == "cuda" else (False,)
    else:
        amps = (amp,) if isinstance(amp, bool) else tuple(amp)
        amps = tuple(dict.fromkeys(bool(a) and device.type == "cuda" for a in amps))
    repeats = max(1, int(repeats))
    sync = torch.cuda.synchronize if device.type == "cuda" else None
    inputs = {}  # (family, length) -> (SequenceData, val, to_input, augment, input seconds)

    def family_data(family):
        spec = FAMILIES[family]
        size = int(length or spec["length"])
        if (family, size) not in inputs:
            outputs = n_classes or spec["outputs"]
            aug = spec["augment"] if augment == "family" else augment
            to_input = family_input(spec["channels"])
            idx = encoding.encode_index(random_sequences(n, size, seed))
            labels = np.random.default_rng(seed).integers(0, outputs, size=n)
            data = SequenceData(idx, labels).to(device)
            val = data.subset(np.arange(min(n, batch_size)))
            input_s = _input_seconds(data.idx, batch_size, to_input, aug, repeats, device, seed)
            inputs[family, size] = (data, val, to_input, aug, input_s, outputs)
        return size, inputs[family, size]

    rows = []
    for name in names:
        family = model_family(name)
        size, (data, val, to_input, aug, input_s, outputs) = family_data(family)
        for use_amp in amps:
            torch.manual_seed(seed)
            model = build(name) if build is not None else models.build(name, n_classes=outputs)
            if device.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)
            history = train.fit(model, data, val, epochs=repeats + 1, batch_size=batch_size,
                                patience=None, augment=aug, device=device, amp=use_amp, seed=seed,
                                progress=False, name=name, to_input=to_input)
            peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
            train_seq_s = float(history["samples_per_s"].iloc[1:].max())

            def predict(model=model, use_amp=use_amp, idx=data.idx, to_input=to_input):
                train.predict_proba(model, idx, batch_size=infer_batch_size, device=device,
                                    amp=use_amp, to_input=to_input)

            predict()  # warm-up
            infer_s = _best_time(predict, repeats, sync)
            epoch_s = n / train_seq_s
            share = min(1.0, input_s / epoch_s)
            rows.append({
                "model": name, "family": family, "device": str(device), "amp": use_amp,
                "params": sum(p.numel() for p in model.parameters()),
                "n": n, "channels": FAMILIES[family]["channels"], "length": size, "outputs": outputs,
                "batch_size": batch_size, "train_seq_s": train_seq_s, "infer_seq_s": n / infer_s,
                "train_epoch_s": epoch_s, "input_epoch_s": input_s,
                "input_share": share, "model_share": 1.0 - share,
                "peak_mib": peak, "peak_rss_mib": peak_rss_mib(),
            })
            del model
    return rows


# ----------------------------------------------------------------------------------------------
# full mode, per notebook


def plan_benchmark(device=None, n: int | None = None, repeats: int = 2, amp=None, plan=None,
                   progress: bool = True) -> list[dict]:
    """``training_benchmark`` of every model the full-mode plan trains (``fullplan.measurements``):
    each with its settings, input length and batch size, on ``n`` random sequences (default 2,048 on
    CUDA, 256 elsewhere). Returns the rows with one more key, ``key`` (``fullplan.measurement_key``).

    >>> plan = [("13", "a", 1, "legnet", {"stem_channels": 8, "stage_channels": (8, 8)}, "legnet", 10, 4, 1, 0, None)]
    >>> [(r["key"], r["batch_size"], r["length"]) for r in plan_benchmark("cpu", n=8, repeats=1, plan=plan, progress=False)]
    [('legnet(stem_channels=8, stage_channels=(8, 8)), 150 bp, batch 128', 128, 150)]
    """
    from .. import models
    from . import fullplan

    device = torch.device(device) if device is not None else runtime.device()
    n = n or (2048 if device.type == "cuda" else 256)
    todo = fullplan.measurements(plan)
    rows = []
    for i, (key, run) in enumerate(todo.items(), start=1):
        if progress:
            print(f"[{i}/{len(todo)}] {key}", flush=True)

        def build(_name, run=run):
            return models.build(run.model, **run.settings)

        try:
            measured = training_benchmark([run.model], n=n, length=run.length, batch_size=run.batch_size,
                                          repeats=repeats, device=device, amp=amp,
                                          n_classes=run.settings.get("n_classes"), build=build)
        except Exception as err:
            raise RuntimeError(f"measuring {key} failed: {type(err).__name__}: {err}") from err
        rows += [{**row, "key": key} for row in measured]
    return rows


def plan_rates(rows: list[dict]) -> dict:
    """``{"amp": rates or None, "fp32": rates or None}`` from ``plan_benchmark`` rows, where rates is
    ``{key: {"train": seq/s, "infer": seq/s}}`` (what ``fullplan.notebook_minutes`` reads); None where
    no row was measured with that AMP setting.

    >>> plan_rates([{"key": "k", "amp": False, "train_seq_s": 2.0, "infer_seq_s": 5.0}])
    {'amp': None, 'fp32': {'k': {'train': 2.0, 'infer': 5.0}}}
    """
    out = {"amp": {}, "fp32": {}}
    for r in rows:
        out["amp" if r["amp"] else "fp32"][r["key"]] = {"train": r["train_seq_s"], "infer": r["infer_seq_s"]}
    return {kind: rates or None for kind, rates in out.items()}


def full_plan(rows: list[dict], device=None, n: int | None = None, repeats: int | None = None,
              plan=None) -> dict:
    """The per-notebook full-mode minutes from ``plan_benchmark`` rows: a dict with the keys
    ``FULL_PLAN_KEYS``; ``notebooks`` is ``fullplan.course_table`` (one dict per notebook, then the
    totals), ``totals`` its two total rows by name (``13-18``, ``course``)."""
    from . import fullplan

    rates = plan_rates(rows)
    table = fullplan.course_table(rates["amp"], rates["fp32"], fullplan.t4_estimates(plan),
                                  fullplan.t4_estimates(plan, in_order=False), plan=plan)
    device = torch.device(device) if device is not None else runtime.device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else runtime.machine()["device_name"]
    return {"device": str(device), "device_name": name, "n": n, "repeats": repeats, "measured": rows,
            "notebooks": [r for r in table if r["notebook"] not in ("13-18", "course")],
            "totals": {r["notebook"]: r for r in table if r["notebook"] in ("13-18", "course")}}


def print_full_plan(result: dict) -> None:
    """Print the measured speeds of the plan's models and the per-notebook minutes."""
    from . import fullplan

    rows = [{**r, "model": r["key"].replace(" bp, batch ", "/")} for r in result["measured"]]
    print_training_table(rows)
    print()
    title = (f"Full mode, minutes per notebook, measured on {result['device_name']} ({result['device']}): "
             f"{result['n']} random sequences per model, best of {result['repeats']} epoch(s) after a warm-up")
    print(fullplan.format_table(result["notebooks"] + list(result["totals"].values()), title))


# ----------------------------------------------------------------------------------------------
# tables


def _rate(value) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _pivot(rows: list[dict]) -> list[dict]:
    """One line per model: fp32 and AMP numbers side by side (AMP None where it did not run)."""
    lines = {}
    for r in rows:
        line = lines.setdefault(r["model"], {**r, "train_amp": None, "infer_amp": None,
                                             "train_fp32": None, "infer_fp32": None})
        kind = "amp" if r["amp"] else "fp32"
        line[f"train_{kind}"], line[f"infer_{kind}"] = r["train_seq_s"], r["infer_seq_s"]
        if not r["amp"]:  # shares and memory of the plain run where there is one
            line.update(model_share=r["model_share"], peak_mib=r["peak_mib"], peak_rss_mib=r["peak_rss_mib"])
    return list(lines.values())


def _memory(line) -> str:
    if line["peak_mib"] is not None:
        return f"{line['peak_mib']:,.0f}"
    return f"{line['peak_rss_mib']:,.0f} RSS" if line["peak_rss_mib"] is not None else "n/a"


def print_training_table(rows: list[dict]) -> None:
    """Print ``training_benchmark`` rows as a fixed-width table, one line per model."""
    if not rows:
        print("(no models)")
        return
    first = rows[0]
    print(f"Models: {first['n']} random sequences, batch {first['batch_size']}, device {first['device']}; "
          "best epoch after a warm-up; AMP n/a off CUDA")
    width = max(20, *(len(str(r["model"])) + 2 for r in rows))
    print(f"{'model':<{width}}{'input':>10}{'params':>11}{'train seq/s':>13}{'AMP':>9}{'infer seq/s':>13}"
          f"{'AMP':>9}{'in model':>10}{'peak MiB':>12}")
    for line in _pivot(rows):
        shape = f"{line['channels']}x{line['length']}"
        print(f"{line['model']:<{width}}{shape:>10}{line['params']:>11,}{_rate(line['train_fp32']):>13}"
              f"{_rate(line['train_amp']):>9}{_rate(line['infer_fp32']):>13}{_rate(line['infer_amp']):>9}"
              f"{line['model_share']:>10.1%}{_memory(line):>12}")
    print("in model: share of a training epoch in the model (forward, backward, step); the rest is making "
          "inputs (gather + augment + encode, timed alone). peak MiB: CUDA max allocated, or the "
          "process's peak resident memory (RSS) on CPU")


def print_encoding_table(enc: dict, aug: dict | None, repeats: int) -> None:
    """Print the encoding (and augmentation) results."""
    print(f"Encoding: {enc['n']} random sequences x {enc['length']} bp = {enc['bases']:,} bases, best of {repeats}")
    print(f"{'method':<40}{'seconds':>10}{'M bases/s':>12}{'speed-up':>10}")
    lines = [(f"naive Python loop (timed on {enc['naive_n']} seqs)", enc["naive_s"], enc["naive_mbases_s"], 1.0),
             ("one_hot (NumPy)", enc["one_hot_s"], enc["one_hot_mbases_s"], enc["speedup"]),
             ("encode_index (NumPy)", enc["encode_index_s"], enc["encode_index_mbases_s"], None)]
    if aug is not None:
        lines += [(f"augment_batch ({aug['device']})", aug["augment_s"], aug["augment_mbases_s"], None),
                  (f"index_to_one_hot ({aug['device']})", aug["to_one_hot_s"], aug["to_one_hot_mbases_s"], None)]
    for name, seconds, rate, ratio in lines:
        ratio_text = f"{ratio:>9.1f}x" if ratio is not None else f"{'':>10}"
        print(f"{name:<40}{seconds:>10.4f}{rate:>12.1f}{ratio_text}")
    if enc["naive_n"] < enc["n"]:
        print(f"(naive time extrapolated per base from {enc['naive_n']} of {enc['n']} sequences)")
    print(f"one_hot is {enc['speedup']:.1f}x faster than the per-base loop (arrays identical: {enc['identical']})")


def markdown(result: dict) -> str:
    """The benchmark JSON as markdown tables (used for the README)."""
    m = result.get("machine") or {}
    gpu = f"GPU {m['gpu']}" if m.get("gpu") else "no GPU"
    lines = [f"Measured {str(result.get('date', ''))[:10]} on {m.get('cpu_count')} CPU cores "
             f"({m.get('cpu')}), {gpu}, torch {m.get('torch')}, "
             f"{(result.get('settings') or {}).get('threads')} PyTorch thread(s)."]
    enc, aug = result.get("encoding"), result.get("augment")
    if enc:
        methods = [["per-base Python loop", f"{enc['naive_mbases_s']:,.1f}", "1x"],
                   ["`dc.encoding.one_hot` (vectorised)", f"{enc['one_hot_mbases_s']:,.1f}", f"{enc['speedup']:,.0f}x"],
                   ["`dc.encoding.encode_index` (uint8 codes)", f"{enc['encode_index_mbases_s']:,.1f}", None]]
        if aug:
            methods += [[f"`dc.augment.augment_batch` on {aug['device']}", f"{aug['augment_mbases_s']:,.1f}", None],
                        [f"`dc.encoding.index_to_one_hot` on {aug['device']}", f"{aug['to_one_hot_mbases_s']:,.1f}", None]]
        lines += ["", f"Encoding {enc['n']:,} random sequences x {enc['length']:,} bp:", "",
                  markdown_table(methods, ["method", "M bases/s", "speed-up"], compact=True)]
    rows = result.get("training") or []
    if rows:
        first = rows[0]
        model_rows = [[line["model"], f"{line['channels']} x {line['length']}", f"{line['params']:,}",
                   _rate(line["train_fp32"]), _rate(line["train_amp"]), _rate(line["infer_fp32"]),
                   _rate(line["infer_amp"]), f"{line['model_share']:.0%}", _memory(line)] for line in _pivot(rows)]
        lines += ["", f"Models ({first['n']} random sequences, batch {first['batch_size']}, {first['device']}, "
                  "through `dc.train.fit` / `predict_proba`; sequences per second; AMP only on CUDA):", "",
                  markdown_table(model_rows, ["model", "input", "parameters", "train seq/s", "train, AMP",
                                          "infer seq/s", "infer, AMP", "time in model", "peak MiB"],
                                 compact=True)]
        lines += ["", "Time in model: the share of a training epoch in forward, backward and step; the rest "
                  "is making inputs (gather, augment, encode). Peak MiB: CUDA max allocated per model, or "
                  "on CPU the process's peak resident memory (RSS), a high-water mark over the run so far."]
    plan = result.get("full_plan")
    if plan:
        def minutes(value, upper):
            return "n/a" if value is None else f"{'≤ ' if upper else ''}{value:,.1f}"

        table = [[r["name"], r["runs"], minutes(r["amp"], r["upper"]), minutes(r["fp32"], r["upper"]),
                  None if r["t4_estimate"] is None else f"{r['t4_estimate']:.1f}"]
                 for r in plan["notebooks"] + list(plan["totals"].values()) if not r["note"]]
        command = "--gpu" if (result.get("settings") or {}).get("gpu") else "--plan"
        lines += ["", f"Full mode, minutes per notebook on {plan['device_name']} (`python -m dnacourse bench "
                  f"{command}`; the course run in order, runs read back from an earlier notebook cost only their "
                  "predictions; ≤: early stopping, counted at the epoch limit):", "",
                  markdown_table(table, ["notebook", "runs trained", "AMP on", "AMP off", "T4 estimate"],
                                 compact=True)]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# command line


def _device(name: str, parser: argparse.ArgumentParser) -> torch.device:
    """``--device``: a device this machine has; CUDA or MPS asked for but missing falls back to the
    CPU with a warning (as ``train.fit`` does), anything else is a usage error."""
    try:
        device = torch.device(name)
    except RuntimeError:
        parser.error(f"--device: unknown device {name!r}; choose cpu, cuda, cuda:1 or mps")
    if device.type not in ("cpu", "cuda", "mps"):
        parser.error(f"--device: the benchmark runs on cpu, cuda or mps, not {device.type!r}")
    mps = getattr(torch.backends, "mps", None)
    missing = ((device.type == "cuda" and not torch.cuda.is_available())
               or (device.type == "mps" and not (mps is not None and mps.is_available())))
    if missing:
        warnings.warn(f"--device {name}: no such device on this machine, benchmarking on the CPU instead",
                      stacklevel=2)
        return torch.device("cpu")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        parser.error(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device


def main(argv=None) -> dict:
    """Command-line entry point: prints the tables, writes the JSON, returns it as a dict.

    ``main(["--n", "100", "--length", "50", "--parts", "encoding"])`` is
    ``python -m dnacourse bench --n 100 --length 50 --parts encoding``. The dict has the keys
    ``RESULT_KEYS``: ``encoding`` / ``augment`` (None when not run), ``training`` (a list of
    ``TRAINING_KEYS`` dicts), ``peak_memory``, ``machine``, ``settings``, ``date``, ``format``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m dnacourse bench",
        description="Benchmark of dnacourse on random sequences, in three parts. "
        "encoding: dc.encoding.one_hot (vectorised NumPy) against a per-base Python loop (speed-up "
        "ratio) and encode_index. augment: augment_batch and index_to_one_hot on a whole batch on "
        "the device (GPU if any). models: training and inference sequences/s of every model through "
        "dc.train.fit / predict_proba, with and without AMP on CUDA ('n/a' on CPU: AMP is CUDA-only), "
        "the share of a training epoch spent in the model versus making inputs (gather + augment + "
        "encode; a small input share = not input-bound), and peak memory (CUDA max allocated; on CPU "
        "the process's peak resident memory). Each model family has its own input: classifiers "
        "(B, 4, 1000) -> 7 classes, LegNet (B, 6, 150) -> 18 bins. Prints tables and writes JSON "
        f"with the keys {', '.join(RESULT_KEYS)}.",
        epilog="examples: python -m dnacourse bench  |  python -m dnacourse bench --parts encoding  |  "
        "python -m dnacourse bench --models cnn,lstm --n 256 --device cpu --json results/bench.json  |  "
        "python -m dnacourse bench --gpu --json results/bench-gpu.json  (on a GPU: full mode's minutes per notebook)",
    )
    parser.add_argument("--parts", default=None,
                        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all; none with "
                        "--gpu or --plan)")
    parser.add_argument("--n", type=int, default=None,
                        help="random sequences (default 4000 for encoding/augment, 512 for the models)")
    parser.add_argument("--length", type=int, default=None,
                        help="bases per sequence (default 1000 for encoding/augment; per model family "
                        "for the models: 1000 classifiers, 150 LegNet)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing repeats, the best is kept (default 3; models: 2 timed epochs after a warm-up)")
    parser.add_argument("--naive-n", type=int, default=200,
                        help="sequences timed with the slow naive loop; extrapolated per base (default 200)")
    parser.add_argument("--device", default=None, help="device for augment and models (default: cuda, mps or cpu)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for PyTorch (torch.set_num_threads; default: PyTorch's choice)")
    parser.add_argument("--json", default=None,
                        help="where to write the JSON (default build/bench.json; '-' = do not write)")
    group = parser.add_argument_group("models part")
    group.add_argument("--models", default=None,
                       help="comma-separated model names, e.g. cnn,lstm,legnet (default: every family's models)")
    group.add_argument("--train", action="store_true", help="only the models part (same as --parts models)")
    group.add_argument("--batch-size", type=int, default=64, help="training batch size (default 64)")
    group.add_argument("--amp", choices=("auto", "on", "off"), default="auto",
                       help="mixed precision: auto = with and without on CUDA, off elsewhere")
    group = parser.add_argument_group(
        "full mode, per notebook",
        "time every model of the full-mode plan (dnacourse.tools.fullplan: its settings, input length and "
        "the notebooks' batch sizes, 64 classifiers, 128 LegNet) and print each notebook's full-mode minutes: "
        "runs trained, minutes with AMP on and off, the course's FLOP-based T4 estimate; written to the JSON "
        "as full_plan. --n: sequences per model (default 2048 on CUDA, 256 elsewhere); --repeats: timed epochs")
    group.add_argument("--gpu", action="store_true",
                       help="on CUDA (required: exit code 2 without it), AMP on and off")
    group.add_argument("--plan", action="store_true",
                       help="the same on this machine's device (CPU: AMP n/a; slow there, lower --n)")
    args = parser.parse_args(argv)

    if args.gpu:
        if not torch.cuda.is_available():
            parser.exit(2, f"{parser.prog}: error: {NO_CUDA}\n")
        if args.device and torch.device(args.device).type != "cuda":
            parser.error(f"--gpu measures on CUDA: leave out --device {args.device} or name a CUDA device")
    plan = args.gpu or args.plan
    if args.train:
        parts = ["models"]
    elif args.parts is None:
        parts = [] if plan else list(PARTS)
    else:
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not (parts or plan):
        parser.error(f"--parts: unknown {unknown or parts!r}; choose from {','.join(PARTS)}")
    for value, flag in ((args.n, "--n"), (args.length, "--length"), (args.repeats, "--repeats"),
                        (args.naive_n, "--naive-n"), (args.batch_size, "--batch-size"), (args.threads, "--threads")):
        if value is not None and value < 1:
            parser.error(f"{flag} must be >= 1, got {value}")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    names = None
    if args.models is not None:
        from .. import models

        names = [name.strip() for name in args.models.split(",") if name.strip()]
        unknown = [name for name in names if name not in models.available()]
        if unknown or not names:
            parser.error(f"--models: unknown {unknown or names!r}; choose from {','.join(models.available())}")
    if args.gpu and not args.device:
        device = torch.device("cuda")
    else:
        device = _device(args.device, parser) if args.device else runtime.device()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    result = {"format": BENCH_FORMAT, "date": runtime.now(), "machine": runtime.machine(),
              "settings": {"parts": parts, "n": args.n, "length": args.length, "repeats": args.repeats,
                           "naive_n": args.naive_n, "batch_size": args.batch_size, "amp": args.amp,
                           "device": str(device), "threads": torch.get_num_threads(), "gpu": args.gpu,
                           "plan": plan},
              "encoding": None, "augment": None, "training": [], "full_plan": None, "peak_memory": None}
    n, length = args.n or 4000, args.length or 1000
    repeats = args.repeats or 3
    if "encoding" in parts:
        result["encoding"] = encoding_benchmark(n, length, repeats, naive_n=args.naive_n)
    if "augment" in parts:
        result["augment"] = augment_benchmark(n, length, repeats, device=device)
    if result["encoding"] is not None:
        print_encoding_table(result["encoding"], result["augment"], repeats)
    elif result["augment"] is not None:
        a = result["augment"]
        print(f"augment_batch on {a['device']}: {a['augment_mbases_s']:.1f} M bases/s; "
              f"index_to_one_hot: {a['to_one_hot_mbases_s']:.1f} M bases/s")
    if "models" in parts:
        amp = {"auto": None, "on": True, "off": False}[args.amp]
        result["training"] = training_benchmark(names, n=args.n or 512, length=args.length,
                                                batch_size=args.batch_size, repeats=args.repeats or 2,
                                                device=device, amp=amp)
        print()
        print_training_table(result["training"])
    if plan:
        amp = {"auto": None, "on": True, "off": False}[args.amp]
        n_plan = args.n or (2048 if device.type == "cuda" else 256)
        print(f"\nFull-mode plan: timing every model on {device} ({n_plan} random sequences each, "
              f"{args.repeats or 2} timed epoch(s) after a warm-up)")
        rows = plan_benchmark(device, n=n_plan, repeats=args.repeats or 2, amp=amp)
        result["full_plan"] = full_plan(rows, device, n=n_plan, repeats=args.repeats or 2)
        print()
        print_full_plan(result["full_plan"])
    result["peak_memory"] = {
        "device": str(device),
        "cuda_max_allocated_mib": torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None,
        "rss_mib": peak_rss_mib(),
    }
    if args.json != "-":
        path = Path(args.json) if args.json else runtime.build_dir() / "bench.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"\nJSON written to {path}")
    return result


if __name__ == "__main__":
    main()
