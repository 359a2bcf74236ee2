"""LegNet's recipe on the DREAM yeast promoters, in one place (notebooks 12-18).

The model itself is in ``dnacourse.legnet``; everything around it is here, in the order it is used:

1. **input**: ``plasmid_pad`` (drop the 17-nt left adapter, put the plasmid bases upstream of the
   insert in front, keep the last 150 nt), ``legnet_one_hot`` (6 channels: one-hot in LegNet's
   A, G, C, T order with N = 0.25, an is-reverse plane, an is-singleton plane), ``soft_labels``
   (each label as Normal(y + 0.5, 0.5) over 18 bins) and ``promoter_data`` (all of it for a frame of
   DREAM rows, every row on both strands);
2. **samples**: ``sample_promoters`` (nested seeded train/validation samples, for data-size
   studies) and ``dream_sample`` (train, validation and test rows of one notebook, with labels);
3. **loss and prediction**: ``soft_label_kl`` (KL divergence to the soft label), ``soft_argmax``
   (``sum_i i * softmax_i``), ``expression_mse``, ``predict_expression`` (mean of both strands);
4. **recipe**: ``one_cycle`` (OneCycle learning rate), ``fit_promoters`` (all of the above through
   ``dnacourse.train.fit``) and ``evaluate_promoters`` (Pearson and Spearman, overall and per
   test subset)::

    import dnacourse as dc
    sample = dc.promoters.dream_sample(n_train=5120, n_val=1024)
    model = dc.models.build("legnet")
    history = dc.promoters.fit_promoters(model, sample.train, sample.val, epochs=20)
    dc.promoters.evaluate_promoters(model, sample.test, subsets=sample.subsets)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from . import data, encoding, metrics, train
from ._checks import check_codes, check_int, check_positive
from .augment import reverse_complement_index
from .data import SequenceData
from .encoding import _as_list, _check_length, index_to_one_hot

__all__ = [
    "LEGNET_ALPHABET", "DREAM_LEFT_ADAPTER", "plasmid_pad", "legnet_one_hot", "soft_labels",
    "promoter_data", "sample_promoters", "dream_sample", "DreamSample", "soft_label_kl",
    "soft_argmax", "expression_mse", "predict_expression", "one_cycle", "fit_promoters",
    "evaluate_promoters",
]


# ----------------------------------------------------------------------------------------------
# 1. input: plasmid padding, 6-channel one-hot, soft labels, the training rows

LEGNET_ALPHABET = "AGCT"  # LegNet's channel order (the index codes stay A0 C1 G2 T3)
DREAM_LEFT_ADAPTER = "TGCATTTTTTTCACATC"  # the 17 nt in front of every DREAM read's random region


def plasmid_pad(seqs, plasmid: str, length: int = 150, adapter: str = DREAM_LEFT_ADAPTER) -> list[str]:
    """LegNet's padding of DREAM reads with their real plasmid context, to exactly ``length`` nt.

    For every read: drop its left ``adapter`` (17 nt), put the ``length`` plasmid bases just upstream
    of the insert site in front, and keep the last ``length`` nt. The insert site is where the
    plasmid's ``adapter`` is followed by the run of N that stands for the random region, so the
    plasmid bases end with the adapter itself: a read of the standard 110 nt becomes 57 plasmid
    bases + the read's other 93 nt. Short reads get more plasmid bases (padding on the 5' side);
    reads longer than ``length + 17`` lose bases at their 5' end.

    ``seqs``: a ``str`` or a list/array/Series of them (the reads' case is kept, the plasmid's bases
    are upper-cased; the adapter check ignores case).
    Returns a list of ``str`` (a list of one for one ``str``), each exactly ``length`` long.

    >>> toy = "GGGGCCCCAAAA" + "TGCA" + "NNNN" + "TTT"   # upstream bases, adapter, insert, rest
    >>> plasmid_pad(["TGCAACGT", "TGCAAAAAAAAAAAAA"], toy, length=10, adapter="TGCA")
    ['AATGCAACGT', 'AAAAAAAAAA']
    >>> plasmid_pad("TGCAAC", toy, length=10, adapter="TGCA")
    ['AAAATGCAAC']
    """
    _check_length(length)
    if not isinstance(plasmid, str):
        raise TypeError(f"plasmid must be a str, got {type(plasmid).__name__}")
    if not isinstance(adapter, str) or not adapter:
        raise ValueError(f"adapter must be a non-empty str, got {adapter!r}")
    adapter = adapter.upper()
    upper_plasmid = plasmid.upper()
    site = upper_plasmid.find(adapter + "N")
    if site < 0:
        where = ("the adapter occurs but never right before an N (the insert)"
                 if adapter in upper_plasmid else "the adapter does not occur in it")
        raise ValueError(f"the plasmid ({len(plasmid):,} bp) has no insert site: expected the left "
                         f"adapter {adapter} followed by N (the random region), but {where}")
    site += len(adapter)  # index of the first N = the insert site
    if site < length:
        raise ValueError(f"the plasmid has only {site} bases upstream of the insert site, "
                         f"fewer than length={length}")
    flank = upper_plasmid[site - length:site]
    items, _ = _as_list(seqs)
    k = len(adapter)
    out = []
    for i, read in enumerate(items):
        if not isinstance(read, str):
            raise TypeError(f"sequence {i} must be a str, got {type(read).__name__}: {read!r:.40}")
        if read[:k].upper() != adapter:
            raise ValueError(f"sequence {i} does not start with the left adapter {adapter}: it starts "
                             f"with {read[:k + 3]!r} (length {len(read)})")
        out.append((flank + read[k:])[-length:])
    return out


def legnet_one_hot(idx, flags=None) -> torch.Tensor:
    """LegNet's 6-channel input from index codes, on the codes' own device.

    ``idx``: integer tensor (or NumPy array) of codes ``(B, L)`` (A0 C1 G2 T3 N4 PAD5).
    ``flags``: ``(B, 2)`` float tensor ``[is_reverse, is_singleton]`` per row, or None (zeros).
    Returns float32 ``(B, 6, L)``: channels 0-3 one-hot in LegNet's order A, G, C, T (N -> 0.25 in
    each, PAD -> 0), channel 4 = ``flags[:, 0]`` and channel 5 = ``flags[:, 1]`` along the whole length.

    >>> x = legnet_one_hot(torch.tensor([[0, 2, 4]]), torch.tensor([[1.0, 0.0]]))
    >>> x.shape, x[0, :, 1].tolist(), x[0, :4, 2].tolist(), x[0, 4].tolist()
    (torch.Size([1, 6, 3]), [0.0, 1.0, 0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.25, 0.25], [1.0, 1.0, 1.0])
    """
    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx)
    if not isinstance(idx, torch.Tensor) or idx.ndim != 2:
        raise ValueError(f"expected codes shaped (B, L), got {tuple(getattr(idx, 'shape', ())) or idx!r}")
    bases = index_to_one_hot(idx, alphabet=LEGNET_ALPHABET, unknown=0.25)  # (B, 4, L)
    batch, length = idx.shape
    if flags is None:
        planes = torch.zeros(batch, 2, length, device=idx.device)
    else:
        if isinstance(flags, np.ndarray):
            flags = torch.from_numpy(flags)
        if not isinstance(flags, torch.Tensor) or tuple(flags.shape) != (batch, 2):
            raise ValueError(f"flags must be shaped (B, 2) = ({batch}, 2) as [is_reverse, is_singleton], "
                             f"got {tuple(getattr(flags, 'shape', ())) or flags!r}")
        planes = flags.to(device=idx.device, dtype=torch.float32)[:, :, None].expand(batch, 2, length)
    return torch.cat([bases, planes], dim=1)


def soft_labels(y, n_bins: int = 18, sd: float = 0.5) -> torch.Tensor:
    """LegNet's soft targets: each label as a Normal(y + 0.5, sd) spread over ``n_bins`` bins.

    Bin 0 is (-inf, 1), bin i is [i, i + 1) and the last bin is [n_bins - 1, inf), so every row sums
    to 1. A label of 11 (a read seen in bin 11 only) puts most weight on bin 11 and some on 10 and 12.

    ``y``: ``(N,)`` labels on the 0..n_bins-1 scale, a tensor (the result is on its device), a NumPy
    array or a list. Returns float32 ``(N, n_bins)``. NaN or infinite labels raise, naming the row (on the CPU;
    on a GPU they are not checked, as that would force a sync every batch: they give NaN rows).

    >>> p = soft_labels([0.0, 11.0])
    >>> p.shape, p.sum(dim=1).tolist(), int(p[1].argmax()), round(float(p[0, 0]), 3)
    (torch.Size([2, 18]), [1.0, 1.0], 11, 0.841)
    """
    check_int(n_bins, "n_bins", low=2)
    if not sd > 0:
        raise ValueError(f"sd must be > 0, got {sd!r}")
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(np.asarray(y, dtype=np.float32))
    if y.ndim != 1:
        raise ValueError(f"y must be shaped (N,), got {tuple(y.shape)}")
    y = y.float()
    bad = ~torch.isfinite(y)
    if y.device.type == "cpu" and bool(bad.any()):
        first = int(bad.nonzero()[0, 0])
        value = "NaN" if torch.isnan(y[first]) else float(y[first])
        raise ValueError(f"label {first} is {value} ({int(bad.sum())} NaN or infinite label(s) in all)")
    edges = torch.arange(1, n_bins, dtype=torch.float32, device=y.device)  # inner bin edges 1..n_bins-1
    cdf = torch.special.ndtr((edges[None, :] - (y[:, None] + 0.5)) / sd)     # (N, n_bins - 1)
    zeros, ones = torch.zeros_like(y[:, None]), torch.ones_like(y[:, None])
    return torch.diff(torch.cat([zeros, cdf, ones], dim=1), dim=1)


def promoter_data(df: pd.DataFrame, plasmid: str, length: int = 150,
                  reverse_complement: bool = True) -> SequenceData:
    """LegNet's training data from DREAM rows (columns ``sequence``, ``expression``, ``singleton``).

    * ``idx``: ``(N, length)`` uint8 codes of ``plasmid_pad`` (the read without its left
      adapter, after the plasmid bases upstream of the insert, last ``length`` nt);
    * with ``reverse_complement``, rows ``N..2N-1`` are the reverse complements of rows
      ``0..N-1`` (same label), so ``len(data) == 2N``;
    * ``flags``: ``(rows, 2)`` float32 ``[is_reverse, is_singleton]``; is_singleton comes from
      ``df["singleton"]`` if present, else "the expression is a whole number";
    * ``y``: ``df["expression"]`` as float32 (the 0-17 bin scale for training data).

    >>> plasmid = "GGCCAATT" + "TGCATTTTTTTCACATC" + "N" * 80 + "GGTTACGGCTGTT"
    >>> df = pd.DataFrame({"sequence": ["TGCATTTTTTTCACATC" + "ACGT"], "expression": [3.0]})
    >>> d = promoter_data(df, plasmid, length=8)
    >>> d, d.flags.tolist(), encoding.decode_index(d.idx)
    (SequenceData(n=2, length=8, y=float32, flags=2, device=cpu), [[0.0, 1.0], [1.0, 1.0]], ['CATCACGT', 'ACGTGATG'])
    """
    for column in ("sequence", "expression"):
        if column not in df.columns:
            raise KeyError(f"column {column!r} not in the frame; it has {list(df.columns)}")
    if len(df) == 0:
        raise ValueError("the frame has no rows")
    expression = df["expression"].to_numpy()
    if expression.dtype.kind not in "iuf":
        raise TypeError(f"column 'expression' must be numeric, got {expression.dtype}")
    expression = expression.astype(np.float32)
    missing = np.flatnonzero(~np.isfinite(expression))
    if missing.size:
        value = "NaN" if np.isnan(expression[missing[0]]) else expression[missing[0]]
        raise ValueError(f"expression is {value} in row {missing[0]} ({missing.size} NaN or infinite row(s) "
                         "in all): drop those rows")
    if "singleton" in df.columns:
        singleton = df["singleton"].to_numpy().astype(np.float32)
    else:
        singleton = (expression == np.round(expression)).astype(np.float32)
    seqs = plasmid_pad(df["sequence"].tolist(), plasmid, length=length)
    idx = torch.from_numpy(encoding.encode_index(seqs, length))
    y = torch.from_numpy(expression)
    is_singleton = torch.from_numpy(singleton)
    flags = torch.stack([torch.zeros_like(is_singleton), is_singleton], dim=1)
    if reverse_complement:
        idx = torch.cat([idx, reverse_complement_index(idx)])
        flags = torch.cat([flags, torch.stack([torch.ones_like(is_singleton), is_singleton], dim=1)])
        y = torch.cat([y, y])
    return SequenceData(idx, y, flags)


# ----------------------------------------------------------------------------------------------
# 2. samples of the DREAM tables


def sample_promoters(df: pd.DataFrame, n_train: int, n_val: int = 2048, seed: int = 0
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded random training and validation samples of promoter rows, disjoint: ``(train_df, val_df)``.

    The rows are shuffled once with ``seed``; validation takes the first ``n_val`` of that order and
    training the next ``n_train``. So for one seed the validation set does not depend on ``n_train``
    and the training sets are nested (the 5,120 rows are part of the 10,240): a fair data-size study.
    Both frames keep ``df``'s index and ``attrs``. Asking for more rows than ``df`` has raises; the
    sample is never silently smaller.

    >>> df = pd.DataFrame({"sequence": list("ACGTACGTAC"), "expression": range(10)})
    >>> train, val = sample_promoters(df, n_train=6, n_val=3)
    >>> len(train), len(val), len(set(train.index) & set(val.index))
    (6, 3, 0)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a DataFrame, got {type(df).__name__}")
    check_int(n_train, "n_train")
    check_int(n_val, "n_val", low=0)
    if n_train + n_val > len(df):
        raise ValueError(
            f"asked for n_train={n_train:,} + n_val={n_val:,} = {n_train + n_val:,} rows, but the frame "
            f"({df.attrs.get('dataset', 'df')}) has only {len(df):,}. The 10,240 and 20,480-row studies need "
            f'the full training file, load_dream("train_full") (downloaded from Zenodo); offline only the '
            f'7,369 rows of load_dream("train") exist. Lower n_train or load more rows.')
    order = np.random.default_rng(seed).permutation(len(df))
    val_df = df.iloc[order[:n_val]].copy()
    train_df = df.iloc[order[n_val:n_val + n_train]].copy()
    for part in (train_df, val_df):
        part.attrs = dict(df.attrs)
    return train_df, val_df


@dataclass
class DreamSample:
    """The DREAM rows one notebook works with: ``train``, ``val`` and ``test`` frames, the test
    subsets (name -> test indices) and the labels every result row carries (``data``, ``test_data``)."""

    train: pd.DataFrame
    val: pd.DataFrame
    test: pd.DataFrame
    subsets: dict = field(repr=False)
    data: str
    test_data: str

    def describe(self) -> str:
        """One line: how many rows of each part, and the labels."""
        return (f"train {len(self.train):,} rows, val {len(self.val):,} rows, test {len(self.test):,} rows\n"
                f"labels: {self.data} | {self.test_data}")


def dream_sample(n_train: int, n_val: int = 2048, n_test: int | None = None, seed: int = 0,
                 table: str = "train", verbose: bool = True) -> DreamSample:
    """Seeded train/validation rows from a DREAM training table and (a sample of) the test rows.

    ``train``/``val``: ``sample_promoters(load_dream(table), n_train, n_val, seed)``; ``test``: all
    71,103 measured test rows, or a seeded sample of ``n_test`` of them (kept in test order);
    ``subsets``: ``data.dream_test_subsets()``. ``data`` and ``test_data`` are the labels that say
    which rows a number comes from, e.g. ``"dream_train 5,120 + 1,024 val"`` and
    ``"dream_test 2,000 (seeded sample of 71,103)"``.

    >>> s = dream_sample(64, n_val=32, n_test=100, verbose=False)        # doctest: +SKIP
    >>> s.data, s.test_data                                              # doctest: +SKIP
    ('dream_train 64 + 32 val', 'dream_test 100 (seeded sample of 71,103)')
    """
    rows = data.load_dream(table, verbose=verbose)
    train_df, val_df = sample_promoters(rows, n_train, n_val=n_val, seed=seed)
    test_all = data.load_dream("test", verbose=verbose)
    if n_test is None or n_test >= len(test_all):
        test_df, test_label = test_all, f"dream_test {len(test_all):,}"
    else:
        test_df = test_all.sample(n=check_int(n_test, "n_test"), random_state=seed).sort_index()
        test_label = f"dream_test {len(test_df):,} (seeded sample of {len(test_all):,})"
    return DreamSample(train_df, val_df, test_df, data.dream_test_subsets(),
                       f"dream_{table} {len(train_df):,} + {len(val_df):,} val", test_label)


# ----------------------------------------------------------------------------------------------
# 3. loss and prediction




def soft_label_kl(logits: torch.Tensor, y: torch.Tensor, n_bins: int | None = None,
                  sd: float = 0.5) -> torch.Tensor:
    """LegNet's loss: KL divergence from the soft labels of ``y`` to ``softmax(logits)``, batch mean.

    ``logits``: ``(B, n_bins)``; ``y``: ``(B,)`` labels on the 0..n_bins-1 scale, turned into
    ``soft_labels(y, n_bins, sd)``. ``n_bins`` defaults to ``logits.shape[1]`` (18 for
    LegNet). Pass it as ``fit(..., loss_fn=soft_label_kl)``.

    >>> y = torch.tensor([3.0, 11.5])
    >>> logits = soft_labels(y).clamp_min(1e-30).log()   # the labels themselves
    >>> abs(round(float(soft_label_kl(logits, y)), 6))
    0.0
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must be shaped (B, n_bins), got {tuple(logits.shape)}")
    if n_bins is not None and n_bins != logits.shape[1]:
        raise ValueError(f"n_bins={n_bins} but the model gives {logits.shape[1]} logits per row")
    target = soft_labels(y, n_bins=logits.shape[1], sd=sd).to(logits.device)
    return F.kl_div(F.log_softmax(logits.float(), dim=1), target, reduction="batchmean")


def soft_argmax(logits: torch.Tensor) -> torch.Tensor:
    """Expected bin under ``softmax(logits)``: ``sum_i i * softmax_i``, ``(B, n_bins)`` -> ``(B,)`` float32.

    This is LegNet's prediction, on the 0..n_bins-1 expression scale.

    >>> soft_argmax(torch.tensor([[0.0, 0.0, 0.0], [-50.0, -50.0, 50.0]])).tolist()
    [1.0, 2.0]
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must be shaped (B, n_bins), got {tuple(logits.shape)}")
    bins = torch.arange(logits.shape[1], device=logits.device, dtype=torch.float32)
    return (logits.float().softmax(dim=1) * bins).sum(dim=1)


def expression_mse(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The "MSE option": mean squared error between ``soft_argmax(logits)`` ``(B,)`` and ``y`` ``(B,)``.

    >>> float(expression_mse(torch.tensor([[0.0, 0.0, 0.0]]), torch.tensor([3.0])))
    4.0
    """
    return F.mse_loss(soft_argmax(logits), y.float().to(logits.device))


# Rows per forward pass when predicting. Large batches keep a GPU busy; on a CPU smaller ones are
# faster (the activations stay in cache): measured here on 2 threads, 5,000 test rows, both strands,
# quarter-width LegNet: 5.9 s at 128 against 16.8 s at 1,024 (our measurement, 2026-12-07).
PREDICT_BATCH = {"cuda": 1024, "cpu": 128}


@torch.no_grad()
def predict_expression(model: torch.nn.Module, data_or_idx, average_rc: bool = True,
                       batch_size: int | None = None, device=None, to_input=None, amp: bool = True
                       ) -> np.ndarray:
    """LegNet's test-time prediction: soft-argmax of both strands, averaged. ``(N,)`` float32 NumPy.

    ``data_or_idx``: codes ``(N, L)`` (tensor or NumPy array, e.g. plasmid-padded test reads), or a
    ``SequenceData`` built with ``promoter_data(..., reverse_complement=False)`` (its flags are
    ignored; data that holds reverse-complement copies, ``flags[:, 0] == 1``, raises). Every row is
    predicted with the singleton flag 0: once as given (is_reverse 0) and, when ``average_rc``, once
    reverse-complemented (is_reverse 1); the result is the mean of the two soft-argmaxes.

    ``to_input(idx, flags)``: default ``legnet_one_hot``. ``device``: default the model's.
    ``batch_size``: default ``PREDICT_BATCH["cuda"]`` on a GPU, ``PREDICT_BATCH["cpu"]`` otherwise.
    Runs in eval mode (the mode is restored afterwards), fp16 autocast on CUDA only when ``amp``.
    Rows are predicted independently, so the order and the batch size do not change the result.

    >>> net = torch.nn.Sequential(torch.nn.Conv1d(6, 18, 1), torch.nn.AdaptiveAvgPool1d(1),
    ...                           torch.nn.Flatten())
    >>> predict_expression(net, encoding.encode_index(["ACGTA", "CCGGA"])).shape
    (2,)
    """
    if isinstance(data_or_idx, SequenceData) and data_or_idx.flags is not None:
        flags = data_or_idx.flags
        reverse = (flags[:, 0] == 1).nonzero()[:, 0] if flags.shape[1] >= 1 else flags[:0, 0]
        if len(reverse):
            raise ValueError(
                f"the data holds reverse-complement copies ({len(reverse)} rows with is_reverse=1, "
                f"the first is row {int(reverse[0])}); predict_expression makes its own. Build it "
                "with promoter_data(df, plasmid, reverse_complement=False)")
    idx = train._codes(data_or_idx)
    check_codes(idx)
    device = train._device(device, model)
    batch_size = PREDICT_BATCH.get(device.type, PREDICT_BATCH["cpu"]) if batch_size is None else batch_size
    check_int(batch_size, "batch_size")
    to_input = legnet_one_hot if to_input is None else to_input

    def both_strands(forward, batch, start):
        flags = torch.zeros(len(batch), 2, device=device)  # [is_reverse, is_singleton] = [0, 0]
        strands = [(batch, flags)]
        if average_rc:
            reverse_flags = flags.clone()
            reverse_flags[:, 0] = 1
            strands.append((reverse_complement_index(batch), reverse_flags))
        pred = sum(soft_argmax(forward(to_input(codes, f)).float()) for codes, f in strands)
        return pred / len(strands)

    return train.predict_batches(model, idx, batch_size, device, amp, both_strands)


def one_cycle(max_lr: float = 5e-3, pct_start: float = 0.3, div_factor: float = 25.0,
              three_phase: bool = False):
    """LegNet's learning-rate schedule, as a factory for ``fit(..., scheduler=one_cycle())``.

    Returns ``make(optimizer, total_steps) -> torch.optim.lr_scheduler.OneCycleLR``: the learning rate
    starts at ``max_lr / div_factor``, rises along a cosine to ``max_lr`` over the first ``pct_start``
    of the steps, then falls along a cosine to ``max_lr / div_factor / 1e4`` (PyTorch's default
    final_div_factor). PyTorch's default momentum cycling (Adam's beta1 0.95 -> 0.85 -> 0.95) is kept.
    The schedule sets the learning rate itself: ``fit``'s ``lr`` is ignored. ``three_phase=True`` (the
    student team's code: ``one_cycle(1e-5, three_phase=True)``) falls back to the start over the next
    ``pct_start`` of the steps first, and only then towards 0.

    >>> opt = torch.optim.AdamW(torch.nn.Linear(2, 1).parameters())
    >>> sched = one_cycle(max_lr=0.01)(opt, total_steps=10)
    >>> round(opt.param_groups[0]["lr"], 6)
    0.0004
    """
    check_positive(max_lr, "max_lr")
    check_positive(div_factor, "div_factor")
    if not 0 < pct_start < 1:
        raise ValueError(f"pct_start must be in (0, 1), got {pct_start!r}")

    def make(optimizer: torch.optim.Optimizer, total_steps: int):
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start,
            div_factor=div_factor, anneal_strategy="cos", three_phase=three_phase)

    make.__qualname__ = make.__name__ = (
        f"one_cycle(max_lr={max_lr}, pct_start={pct_start}, div_factor={div_factor}"
        + (", three_phase=True)" if three_phase else ")"))
    return make


# ----------------------------------------------------------------------------------------------
# 4. the recipe in one call, and its evaluation


def _promoter_codes(df: pd.DataFrame, plasmid: str) -> SequenceData:
    """Forward strand only, singleton flag 0: what the model sees at test time."""
    data = promoter_data(df, plasmid, reverse_complement=False)
    data.flags.zero_()
    return data


def fit_promoters(model: torch.nn.Module, train_df: pd.DataFrame, val_df: pd.DataFrame, *,
                  plasmid: str | None = None, epochs: int = 20, batch_size: int = 256,
                  max_lr: float = 5e-3, weight_decay: float = 0.01, loss: str = "kl",
                  schedule: str = "onecycle", lr: float = 1e-3, three_phase: bool = False,
                  reverse_complement: bool = True,
                  patience: int | None = None, seed: int = 0, device=None, checkpoint=None,
                  checkpoint_dir=None, resume: bool = False, progress: bool = True, name: str | None = None,
                  on_epoch_end=None, keep: str = "best") -> pd.DataFrame:
    """Train a LegNet-style model on DREAM rows with LegNet's recipe, through ``fit``.

    * data: ``promoter_data`` -- plasmid padding to 150 nt, the is-reverse and
      is-singleton planes, and (``reverse_complement``) every training row twice, once per strand;
    * loss: ``"kl"`` = KL divergence to the soft label of each row (18 bins, ``soft_label_kl``) or
      ``"mse"`` = squared error of the soft-argmax (``expression_mse``);
    * optimizer: AdamW with ``weight_decay`` (LegNet: 0.01);
    * schedule: ``"onecycle"`` (LegNet: peak ``max_lr`` 0.005, warm-up 30 %, cosine; the student
      team's code: peak 1e-5 with ``three_phase=True``) or ``"constant"`` (a fixed ``lr``);
    * validation: every epoch, the KL/MSE loss on ``val_df`` as the model sees it at test time
      (forward strand, singleton flag 0) and, as extra history columns, ``val_pearson`` and
      ``val_spearman`` of ``predict_expression`` (both strands averaged) against ``val_df``'s labels.

    ``patience=None`` (default) trains all ``epochs`` (OneCycle needs its whole schedule). ``keep``:
    ``"best"`` (default, the course's choice) keeps the weights of the epoch with the lowest validation
    loss; ``"last"`` keeps the last epoch's, as the original LegNet does (it trains without a
    validation set). The history is the same either way. ``plasmid``: default
    ``data.data.dream_plasmid()``. Other arguments as in ``fit``. Returns ``fit``'s history.

    >>> from dnacourse import data, models                               # doctest: +SKIP
    >>> tr, va = sample_promoters(data.load_dream("train"), 5120)        # doctest: +SKIP
    >>> h = fit_promoters(models.build("legnet"), tr, va, epochs=20)     # doctest: +SKIP
    """
    losses = {"kl": soft_label_kl, "mse": expression_mse}
    if keep not in ("best", "last"):
        raise ValueError(f"keep must be 'best' or 'last', got {keep!r}")
    if loss not in losses:
        raise ValueError(f"loss must be one of {sorted(losses)}, got {loss!r}")
    if schedule not in ("onecycle", "constant"):
        raise ValueError(f"schedule must be 'onecycle' or 'constant', got {schedule!r}")
    plasmid = data.dream_plasmid() if plasmid is None else plasmid
    train_data = promoter_data(train_df, plasmid, reverse_complement=reverse_complement)
    val_data = _promoter_codes(val_df, plasmid)
    val_y = val_df["expression"].to_numpy(dtype=np.float64)

    def val_metrics(m: torch.nn.Module) -> dict[str, float]:
        scores = metrics.regression_metrics(val_y, predict_expression(m, val_data))
        return {"val_pearson": scores["pearson"], "val_spearman": scores["spearman"]}

    last = {}

    def remember_last(row: dict) -> None:
        if keep == "last":
            last["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if on_epoch_end is not None:
            on_epoch_end(row)

    history = train.fit(model, train_data, val_data, epochs=epochs, batch_size=batch_size, lr=lr,
               weight_decay=weight_decay, patience=patience, device=device, seed=seed,
               checkpoint=checkpoint, checkpoint_dir=checkpoint_dir, resume=resume,
               progress=progress, loss_fn=losses[loss],
               to_input=legnet_one_hot, optimizer=torch.optim.AdamW,
               scheduler=one_cycle(max_lr, three_phase=three_phase) if schedule == "onecycle" else None,
               val_metrics=val_metrics, name=name, on_epoch_end=remember_last)
    if "state" in last:
        model.load_state_dict(last["state"])
    history.attrs["kept"] = keep
    return history


def evaluate_promoters(model: torch.nn.Module, df: pd.DataFrame, *, subsets: dict | None = None,
                       plasmid: str | None = None, average_rc: bool = True, batch_size: int | None = None,
                       device=None) -> pd.DataFrame:
    """Pearson and Spearman of ``predict_expression`` on DREAM rows, overall and per subset.

    ``df``: rows with ``sequence`` and ``expression`` (e.g. ``data.load_dream("test")`` or a sample
    of it -- its index must be the test index, as ``load_dream`` returns it). ``subsets``: name ->
    test indices (``data.dream_test_subsets()``); rows of ``df`` outside a subset are skipped for it,
    and ``n`` says how many rows each correlation used. Returns a DataFrame with columns ``subset``,
    ``n``, ``pearson``, ``spearman``; the first row is ``"all"``. ``table.attrs["predictions"]`` holds
    the predictions, aligned with ``df``, as a plain list (a NumPy array in ``attrs`` would break
    ``pd.concat`` and ``melt``, which compare attrs).
    """
    plasmid = data.dream_plasmid() if plasmid is None else plasmid
    pred = predict_expression(model, _promoter_codes(df, plasmid), average_rc=average_rc,
                              batch_size=batch_size, device=device)
    y = df["expression"].to_numpy(dtype=np.float64)
    rows = []
    for name, members in {"all": None, **(subsets or {})}.items():
        keep = np.ones(len(df), bool) if members is None else df.index.isin(np.asarray(members))
        if keep.sum() < 2:
            rows.append({"subset": name, "n": int(keep.sum()), "pearson": math.nan, "spearman": math.nan})
            continue
        scores = metrics.regression_metrics(y[keep], pred[keep])
        rows.append({"subset": name, "n": int(keep.sum()), "pearson": scores["pearson"],
                     "spearman": scores["spearman"]})
    table = pd.DataFrame(rows)
    table.attrs["predictions"] = pred.tolist()
    return table
