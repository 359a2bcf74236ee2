"""One training loop for every model in the course: ``fit``, ``predict_proba``, ``evaluate``.

    data = dc.train.SequenceData.from_frame(df, length=1000)    # uint8 codes + int64 labels
    split = dc.data.random_split(df)
    model = dc.models.build("cnn")
    history = dc.train.fit(model, data.subset(split.train), data.subset(split.val), epochs=30)
    dc.train.evaluate(model, data.subset(split.test))            # accuracy, precision, ..., n

How a batch is made (no DataLoader, no worker processes): the whole data set sits on the device as
a compact ``uint8`` matrix of ``dnacourse.encoding`` codes (one byte per base). Every epoch a seeded
``torch.Generator`` shuffles the row numbers; every batch gathers its rows, augments them on the
device if asked (``dnacourse.augment.augment_batch``, training only) and expands them with
``to_input`` (default: one-hot) right before the model sees them.

The paper's recipe is the default: Adam, categorical cross-entropy (eq. 21) and early stopping on the
validation loss (eq. 22). Other models and tasks plug in through four arguments, with no subclassing:
``loss_fn(logits, y)``, ``to_input(idx)``, ``optimizer`` (e.g. ``torch.optim.AdamW``) and
``scheduler(optimizer, total_steps)`` (e.g. a ``OneCycleLR``).

LegNet on the DREAM yeast promoters uses the same loop (``fit``) with four pieces from this module:
``SequenceData.from_promoters`` (plasmid-padded codes, reverse-complement copies and per-row
``flags`` = is_reverse, is_singleton), ``soft_label_kl`` (KL divergence to 18-bin soft labels),
``one_cycle()`` (the OneCycle learning-rate schedule) and, after training, ``predict_expression``
(soft-argmax, averaged over both strands)::

    data = dc.train.SequenceData.from_promoters(train_df, dc.data.dream_plasmid())
    history = dc.train.fit(model, data, val, loss_fn=dc.train.soft_label_kl,
                           to_input=dc.encoding.legnet_one_hot, optimizer=torch.optim.AdamW,
                           weight_decay=0.01, scheduler=dc.train.one_cycle(), batch_size=1024)
    pred = dc.train.predict_expression(model, test_codes)               # (N,) on the 0-17 scale
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import encoding, runtime
from .augment import augment_batch, reverse_complement_index

__all__ = ["SequenceData", "fit", "predict_proba", "evaluate", "load_checkpoint", "HISTORY_COLUMNS",
           "soft_label_kl", "soft_argmax", "expression_mse", "predict_expression", "one_cycle",
           "lr_range_test", "fit_promoters", "evaluate_promoters"]

HISTORY_COLUMNS = [
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "samples_per_s",
]
CHECKPOINT_FORMAT = "dnacourse.train/1"


# ----------------------------------------------------------------------------------------------
# data


@dataclass
class SequenceData:
    """Sequences as index codes plus their targets, kept together.

    * ``idx``: ``uint8`` tensor ``(N, L)`` of ``dnacourse.encoding`` codes (A0 C1 G2 T3 N4 PAD5);
    * ``y``: tensor whose first dimension is ``N``: ``int64`` class labels ``(N,)`` for
      classification (float targets are kept as ``float32`` for regression or soft labels);
    * ``flags`` (optional): ``float32`` tensor ``(N, F)`` of per-row values that ``to_input`` turns
      into extra input planes, e.g. LegNet's ``[is_reverse, is_singleton]``. When present, ``fit``
      and ``predict_proba`` call ``to_input(idx, flags)`` instead of ``to_input(idx)``.

    NumPy arrays and lists are converted. ``len(data)`` is ``N``; ``data.to("cuda")`` moves all
    tensors; ``data.subset(rows)`` picks rows (an index array such as ``split.train``, or a mask).

    >>> d = SequenceData(encoding.encode_index(["ACGT", "AC"], length=4), [0, 1])
    >>> len(d), d.idx.dtype, d.y.dtype, len(d.subset([1]))
    (2, torch.uint8, torch.int64, 1)
    """

    idx: torch.Tensor
    y: torch.Tensor
    flags: torch.Tensor | None = None

    def __post_init__(self):
        idx = self.idx
        if isinstance(idx, np.ndarray):
            idx = torch.from_numpy(np.require(idx, requirements="W"))  # copies read-only arrays
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"idx must be a tensor or NumPy array of codes, got {type(idx).__name__}")
        if idx.ndim != 2:
            raise ValueError(f"idx must be shaped (N, L), got {tuple(idx.shape)}")
        if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
            raise TypeError(f"idx must hold integer codes 0..{encoding.PAD_CODE}, got {idx.dtype}")
        if idx.device.type == "cpu" and idx.numel() and (idx.min() < 0 or idx.max() > encoding.PAD_CODE):
            raise ValueError(
                f"idx codes must be in 0..{encoding.PAD_CODE}, got {int(idx.min())}..{int(idx.max())}"
            )
        y = self.y if isinstance(self.y, torch.Tensor) else torch.as_tensor(np.array(self.y))
        if y.ndim == 0:
            raise ValueError("y must have one target per row, got a scalar")
        if y.is_floating_point():
            y = y.float()
        elif y.dtype != torch.bool and not y.is_complex():
            y = y.long()
        else:
            raise TypeError(f"y must hold integer class labels or float targets, got {y.dtype}")
        if len(y) != len(idx):
            raise ValueError(
                f"idx has {len(idx)} rows (sequences) but y has {len(y)} labels: they must match"
            )
        flags = self.flags
        if flags is not None:
            if not isinstance(flags, torch.Tensor):
                try:
                    flags = torch.as_tensor(np.asarray(flags, dtype=np.float32))
                except (TypeError, ValueError) as err:
                    raise TypeError(f"flags must be a float tensor or array shaped (N, F), got "
                                    f"{type(self.flags).__name__}") from err
            if flags.ndim != 2:
                raise ValueError(f"flags must be shaped (N, F) (one row of values per sequence), "
                                 f"got {tuple(flags.shape)}")
            if len(flags) != len(idx):
                raise ValueError(f"idx has {len(idx)} rows (sequences) but flags has {len(flags)} "
                                 "rows: they must match")
            flags = flags.to(device=idx.device, dtype=torch.float32)
        self.idx = idx.to(torch.uint8)
        self.y = y.to(idx.device)
        self.flags = flags

    @classmethod
    def from_frame(cls, df: pd.DataFrame, length: int = 1000, label: str = "label",
                   sequence: str = "sequence") -> SequenceData:
        """Encode ``df[sequence]`` with ``encode_index`` (eq. 1: pad or cut to ``length``), labels from ``df[label]``.

        >>> df = pd.DataFrame({"sequence": ["ACGT", "GGA"], "label": [1, 0]})
        >>> SequenceData.from_frame(df, length=5).idx.tolist()
        [[0, 1, 2, 3, 5], [2, 2, 0, 5, 5]]
        """
        for column in (sequence, label):
            if column not in df.columns:
                raise KeyError(f"column {column!r} not in the frame; it has {list(df.columns)}")
        if len(df) == 0:
            raise ValueError("the frame has no rows")
        values = df[label].to_numpy()
        if values.dtype.kind not in "iubf":
            raise TypeError(
                f"column {label!r} must be numeric (class numbers 0..C-1), got {values.dtype}; "
                "map class names to integers first"
            )
        return cls(encoding.encode_index(df[sequence].tolist(), length), values)

    @classmethod
    def from_promoters(cls, df: pd.DataFrame, plasmid: str, length: int = 150,
                       reverse_complement: bool = True) -> SequenceData:
        """LegNet's training data from DREAM rows (columns ``sequence``, ``expression``, ``singleton``).

        * ``idx``: ``(N, length)`` uint8 codes of ``encoding.plasmid_pad`` (the read without its left
          adapter, after the plasmid bases upstream of the insert, last ``length`` nt);
        * with ``reverse_complement``, rows ``N..2N-1`` are the reverse complements of rows
          ``0..N-1`` (same label), so ``len(data) == 2N``;
        * ``flags``: ``(rows, 2)`` float32 ``[is_reverse, is_singleton]``; is_singleton comes from
          ``df["singleton"]`` if present, else "the expression is a whole number";
        * ``y``: ``df["expression"]`` as float32 (the 0-17 bin scale for training data).

        >>> plasmid = "GGCCAATT" + "TGCATTTTTTTCACATC" + "N" * 80 + "GGTTACGGCTGTT"
        >>> df = pd.DataFrame({"sequence": ["TGCATTTTTTTCACATC" + "ACGT"], "expression": [3.0]})
        >>> d = SequenceData.from_promoters(df, plasmid, length=8)
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
        missing = np.flatnonzero(np.isnan(expression))
        if missing.size:
            raise ValueError(f"expression is NaN in row {missing[0]} ({missing.size} NaN row(s) in all)")
        if "singleton" in df.columns:
            singleton = df["singleton"].to_numpy().astype(np.float32)
        else:
            singleton = (expression == np.round(expression)).astype(np.float32)
        seqs = encoding.plasmid_pad(df["sequence"].tolist(), plasmid, length=length)
        idx = torch.from_numpy(encoding.encode_index(seqs, length))
        y = torch.from_numpy(expression)
        is_singleton = torch.from_numpy(singleton)
        flags = torch.stack([torch.zeros_like(is_singleton), is_singleton], dim=1)
        if reverse_complement:
            idx = torch.cat([idx, reverse_complement_index(idx)])
            flags = torch.cat([flags, torch.stack([torch.ones_like(is_singleton), is_singleton], dim=1)])
            y = torch.cat([y, y])
        return cls(idx, y, flags)

    def __len__(self) -> int:
        return len(self.idx)

    def __repr__(self) -> str:
        return (f"SequenceData(n={len(self)}, length={self.idx.shape[1]}, y={str(self.y.dtype)[6:]}"
                f"{tuple(self.y.shape[1:]) or ''}"
                + (f", flags={self.flags.shape[1]}" if self.flags is not None else "")
                + f", device={self.idx.device})")

    @property
    def device(self) -> torch.device:
        return self.idx.device

    def to(self, device) -> SequenceData:
        """The same data on ``device`` (a new object; this one is unchanged)."""
        flags = self.flags.to(device) if self.flags is not None else None
        return SequenceData(self.idx.to(device), self.y.to(device), flags)

    def subset(self, indices) -> SequenceData:
        """Rows ``indices`` (integer positions, e.g. ``split.train``, or a boolean mask)."""
        rows = torch.as_tensor(np.asarray(indices) if not isinstance(indices, torch.Tensor) else indices)
        if rows.dtype != torch.bool:
            rows = rows.long()
        rows = rows.to(self.idx.device)
        flags = self.flags[rows] if self.flags is not None else None
        return SequenceData(self.idx[rows], self.y[rows], flags)


def _as_data(data, what: str) -> SequenceData:
    if isinstance(data, SequenceData):
        return data
    hint = " (use SequenceData.from_frame(df))" if isinstance(data, pd.DataFrame) else ""
    raise TypeError(f"{what} must be a SequenceData, got {type(data).__name__}{hint}")


# ----------------------------------------------------------------------------------------------
# small pieces shared by fit, predict_proba and the benchmark


def _device(device, model: torch.nn.Module | None = None) -> torch.device:
    """``device`` if given; else the model's device (predict) or the best available one (fit).

    A CUDA device asked for on a machine without one falls back to the CPU with a warning (a
    notebook written for Colab's T4 still runs, slowly, on a laptop).
    """
    if device is not None:
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            warnings.warn(f"device {str(device)!r} was asked for, but no CUDA GPU is available: using the "
                          "CPU instead (slower). On Colab: Runtime > Change runtime type > T4 GPU.",
                          stacklevel=3)
            return torch.device("cpu")
        return device
    if model is not None:
        for tensor in model.parameters():
            return tensor.device
    return runtime.device()


def _autocast(device: torch.device, enabled: bool):
    """fp16 autocast on CUDA when ``enabled``; a no-op context otherwise."""
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def _batches(n: int, batch_size: int, generator: torch.Generator | None, device) -> list[torch.Tensor]:
    """Row numbers of each batch: shuffled with ``generator`` (on the CPU), or in order if None.

    A lone last row joins the previous batch, so BatchNorm never sees a training batch of one.
    """
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    parts = list(order.to(device).split(batch_size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts[-2:] = [torch.cat(parts[-2:])]
    return parts


def _augmenter(augment):
    """``augment`` as a function ``f(idx, generator) -> idx`` (or None)."""
    if augment is None or callable(augment):
        return augment
    if isinstance(augment, dict):
        return lambda idx, generator: augment_batch(idx, **augment, generator=generator)
    raise TypeError(
        "augment must be None, a dict of augment_batch arguments "
        "(e.g. {'substitution_rate': 0.01, 'indel_prob': 0.5}) or a function f(idx, generator)"
    )


def _is_classification(logits: torch.Tensor, y: torch.Tensor) -> bool:
    return logits.ndim == 2 and not y.is_floating_point() and y.ndim == 1


def _check_labels(n_classes: int, **labels: torch.Tensor) -> None:
    """Every class label must be in ``0..n_classes-1`` (checked once, on the first batch)."""
    for which, y in labels.items():
        bad = y[(y < 0) | (y >= n_classes)]
        if bad.numel():
            raise ValueError(
                f"{which} label {int(bad[0])} is out of range for a model with n_classes={n_classes} "
                f"outputs (labels must be 0..{n_classes - 1}; {bad.numel()} bad label(s) in {which}). "
                f"Build the model with n_classes={int(y.max()) + 1} or fix the labels."
            )


def _label_check(**labels: torch.Tensor):
    """A check for the first batch: class labels must fit the model's number of outputs."""
    def check(logits: torch.Tensor, y: torch.Tensor) -> None:
        if _is_classification(logits, y):
            _check_labels(logits.shape[1], **labels)
    return check


def _default_input(to_input, *datasets):
    """``to_input``, or the plain one-hot when None (which cannot take flags: say what to pass)."""
    if to_input is not None:
        return to_input
    if any(data.flags is not None for data in datasets):
        raise TypeError("the data carries per-row flags, so to_input is called as to_input(idx, flags); "
                        "pass to_input=dnacourse.encoding.legnet_one_hot (or your own f(idx, flags))")
    return encoding.index_to_one_hot


def _model_input(to_input, idx: torch.Tensor, flags: torch.Tensor | None):
    """``to_input(idx)``, or ``to_input(idx, flags)`` when the data carries per-row flags."""
    return to_input(idx) if flags is None else to_input(idx, flags)


def _train_step(model, idx, y, flags, *, to_input, loss_fn, opt, scaler, device, amp, batch_size,
                check=None) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step on one batch; returns ``(logits, loss)``. Used by ``fit`` and ``lr_range_test``.

    Forward (fp16 autocast on CUDA when ``amp``), ``loss_fn`` in float32, backward through the
    ``GradScaler``, optimizer step. ``check(logits, y)`` runs before the loss (the first batch's label check).
    """
    try:
        with _autocast(device, amp):
            logits = model(_model_input(to_input, idx, flags))
        logits = logits.float()
        if check is not None:
            check(logits, y)
        loss = loss_fn(logits, y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    except torch.cuda.OutOfMemoryError as err:
        raise _out_of_memory(err, batch_size) from err
    return logits, loss


def _out_of_memory(err: Exception, batch_size: int) -> RuntimeError:
    return RuntimeError(
        f"CUDA ran out of memory with batch_size={batch_size}. Lower batch_size "
        f"(e.g. batch_size={max(1, batch_size // 2)}), shorten the sequences, or use a smaller model. "
        f"(original error: {str(err).splitlines()[0] if str(err) else type(err).__name__})"
    )


@torch.no_grad()
def _loss_and_accuracy(model, data: SequenceData, batch_size: int, loss_fn, to_input,
                       device: torch.device, amp: bool) -> tuple[float, float]:
    """Mean loss and accuracy (NaN for non-class targets) of ``model`` on ``data``, eval mode."""
    model.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device)
    classes = True
    for rows in _batches(len(data), batch_size, None, device):
        idx, y = data.idx[rows], data.y[rows]
        flags = data.flags[rows] if data.flags is not None else None
        try:
            with _autocast(device, amp):
                logits = model(_model_input(to_input, idx, flags))
        except torch.cuda.OutOfMemoryError as err:
            raise _out_of_memory(err, batch_size) from err
        logits = logits.float()
        loss_sum += loss_fn(logits, y).float() * len(rows)
        classes = classes and _is_classification(logits, y)
        if classes:
            correct += (logits.argmax(dim=1) == y).sum()
    n = len(data)
    return float(loss_sum) / n, (float(correct) / n if classes else math.nan)


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


# ----------------------------------------------------------------------------------------------
# checkpoints


def _save_checkpoint(path: Path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically: a temporary file, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def model_fingerprint(model: torch.nn.Module) -> str:
    """A short hash of a model's structure: its ``repr`` (layer types and hyperparameters) and the
    name and shape of every weight. Equal for two builds of the same model, different when a layer,
    a width or a hyperparameter shown by ``repr`` (kernel, dilation, dropout, alpha) differs."""
    shapes = [(name, tuple(value.shape)) for name, value in model.state_dict().items()]
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(model))   # a lambda's address changes every run
    return hashlib.sha1(f"{text}|{shapes}".encode()).hexdigest()[:12]


def load_checkpoint(path) -> dict:
    """Read a checkpoint written by ``fit`` (tensors on the CPU; ``weights_only=True``, so safe).

    Keys: ``model`` (state dict after the last finished epoch), ``best_state``, ``optimizer``,
    ``scheduler``, ``scaler``, ``epoch``, ``epochs``, ``finished``, ``stopped_early``, ``best_loss``,
    ``best_epoch``, ``bad_epochs``, ``history`` (dict of lists), ``rng``, ``config``, ``name``.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a dnacourse.train checkpoint")
    return state


def _history_frame(history: dict, attrs: dict) -> pd.DataFrame:
    """The history dict as a frame: the ``HISTORY_COLUMNS``, then any ``val_metrics`` columns."""
    extra = [column for column in history if column not in HISTORY_COLUMNS]
    frame = pd.DataFrame({column: history[column] for column in HISTORY_COLUMNS + extra})
    frame = frame.astype({"epoch": "int64"})
    frame.attrs.update(attrs)
    return frame


# ----------------------------------------------------------------------------------------------
# training


def _val_metrics(val_metrics, model: torch.nn.Module) -> dict[str, float]:
    """Call the user's ``val_metrics(model)`` in eval mode and check that it gave names -> numbers."""
    model.eval()
    result = val_metrics(model)
    if not isinstance(result, dict):
        raise TypeError(f"val_metrics must return a dict of name -> number, got {type(result).__name__}")
    out = {}
    for key, value in result.items():
        if not isinstance(key, str) or key in HISTORY_COLUMNS:
            raise ValueError(f"val_metrics returned the key {key!r}: use a new str name such as "
                             f"'val_pearson' (not one of {HISTORY_COLUMNS})")
        try:
            out[key] = float(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f"val_metrics returned {key}={value!r}, which is not a number") from err
    return out


def fit(
    model: torch.nn.Module,
    train: SequenceData,
    val: SequenceData,
    *,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    patience: int | None = 5,
    augment=None,
    device=None,
    amp: bool = True,
    seed: int = 0,
    checkpoint=None,
    resume: bool = False,
    progress: bool = True,
    loss_fn=None,
    to_input=None,
    name: str | None = None,
    optimizer=None,
    scheduler=None,
    on_epoch_end=None,
    val_metrics=None,
) -> pd.DataFrame:
    """Train ``model`` in place on ``train``, stop early on ``val``, return the history.

    Every epoch: shuffle (seeded), then per batch gather the rows' codes, augment them on the
    device (if ``augment``), ``to_input`` them, forward, ``loss_fn``, backward, optimizer step; then
    the validation loss and accuracy in eval mode. Early stopping (eq. 22): training stops when the
    validation loss has not improved for ``patience`` epochs (``None``: never), and in the end the
    model gets the weights of its best epoch back.

    Arguments:

    * ``train``, ``val``: ``SequenceData`` (moved to ``device`` once, as uint8 codes). When they
      carry ``flags`` (e.g. ``SequenceData.from_promoters``), every batch's flags go to
      ``to_input(idx, flags)`` (training, validation and ``predict_proba`` alike).
    * ``epochs``, ``batch_size``, ``lr``, ``weight_decay``: the usual. A lone last sample joins
      the previous batch.
    * ``augment``: ``None``, a dict of ``augment_batch`` arguments, e.g.
      ``{"substitution_rate": 0.01, "indel_prob": 0.5, "rc_prob": 0.0}``, or a function
      ``f(idx, generator) -> idx``. Training batches only.
    * ``device``: default ``dnacourse.runtime.device()`` (CUDA, MPS, CPU). The model is moved there.
    * ``amp``: mixed precision on CUDA (fp16 autocast + ``GradScaler``). Ignored elsewhere: CPU
      autocast would need bfloat16, which is slow on most CPUs and changes the numbers.
    * ``seed``: seeds Python/NumPy/PyTorch (``runtime.seed_everything``), the shuffling generator
      and the augmentation generator. Same seed on the CPU -> identical history and weights (CUDA
      kernels may differ in the last bits). Build the model *before* calling ``fit``, after your own
      ``seed_everything``, for identical starting weights.
    * ``checkpoint``: a file path; written after every epoch (atomically). ``resume=True`` continues
      from it to the same result as an uninterrupted run (see ``load_checkpoint``); if the file is
      missing, training starts fresh (with a notice); if the run it holds is finished (stopped
      early, or ``epochs`` reached), the stored result is returned without training.
    * ``progress``: tqdm bars over epochs and batches (``False``: silent).
    * ``loss_fn(logits, y) -> scalar``: default cross-entropy (eq. 21). Computed in float32.
    * ``to_input(idx) -> model input``: default ``encoding.index_to_one_hot`` ((B, 4, L) float).
      For data with ``flags`` it is called as ``to_input(idx, flags)``, e.g.
      ``encoding.legnet_one_hot`` ((B, 6, L): one-hot + an is_reverse and an is_singleton plane).
    * ``optimizer``: an optimizer class or factory called as ``optimizer(params, lr=lr,
      weight_decay=weight_decay)``; default ``torch.optim.Adam`` (the paper), e.g. ``torch.optim.AdamW``.
    * ``scheduler``: ``scheduler(optimizer, total_steps) -> LR scheduler``, stepped after every
      batch, e.g. ``lambda opt, n: torch.optim.lr_scheduler.OneCycleLR(opt, 5e-3, total_steps=n)``.
    * ``on_epoch_end(row)``: called with the epoch's history row (a dict) after the checkpoint is
      written; raising from it interrupts training (the checkpoint is complete).
    * ``val_metrics(model) -> dict[str, float]``: called after each epoch's validation, with the
      model in eval mode, e.g. ``lambda m: {"val_pearson": pearson(predict_expression(m, codes), y)}``.
      Its keys become extra history columns (after the standard ones; NaN for an epoch that lacks
      a key), are saved in the checkpoint (so ``resume`` keeps them) and shown in the progress bar.
      Early stopping still follows the validation loss.
    * ``name``: shown in the progress bar and stored in the history (default: the model's class).

    Returns the history, a DataFrame with one row per epoch: ``epoch`` (1-based), ``train_loss``,
    ``train_acc`` (on the augmented training batches, in train mode), ``val_loss``, ``val_acc``
    (NaN for non-class targets), ``lr`` (after the epoch), ``seconds`` (whole epoch),
    ``samples_per_s`` (training part), then the ``val_metrics`` columns; ``attrs``: ``best_epoch``, ``best_val_loss``,
    ``stopped_early``, ``total_seconds``, ``device``, ``name``.

    >>> from dnacourse.data import make_motif_dataset
    >>> data = SequenceData.from_frame(make_motif_dataset(20, 2, length=30), length=30)
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 30, 2))
    >>> h = fit(net, data.subset(range(32)), data.subset(range(32, 40)), epochs=2, progress=False)
    >>> list(h.epoch), h.attrs["stopped_early"]
    ([1, 2], False)
    """
    train, val = _as_data(train, "train"), _as_data(val, "val")
    if len(train) == 0:
        raise ValueError("train is empty: there is nothing to learn from")
    if len(val) == 0:
        raise ValueError("val is empty: early stopping needs validation data")
    for value, what in ((epochs, "epochs"), (batch_size, "batch_size")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be an int >= 1, got {value!r}")
    if patience is not None and (not isinstance(patience, (int, np.integer)) or patience < 1):
        raise ValueError(f"patience must be an int >= 1 or None, got {patience!r}")
    device = _device(device)
    use_amp = bool(amp) and device.type == "cuda"
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    to_input = _default_input(to_input, train, val)
    augment_fn = _augmenter(augment)
    name = name or type(model).__name__
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=<path>")

    model.to(device)
    train, val = train.to(device), val.to(device)
    runtime.seed_everything(seed)
    shuffle_gen = torch.Generator().manual_seed(seed)              # batch order, on the CPU
    augment_gen = torch.Generator(device=device).manual_seed(seed + 1)  # edits, on the device
    make_optimizer = torch.optim.Adam if optimizer is None else optimizer
    opt = make_optimizer(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = len(_batches(len(train), batch_size, None, "cpu"))
    sched = scheduler(opt, epochs * steps_per_epoch) if scheduler is not None else None
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    config = {"batch_size": int(batch_size), "lr": float(lr), "weight_decay": float(weight_decay),
              "patience": patience, "seed": int(seed),
              "augment": getattr(augment, "__qualname__", None) or repr(augment), "amp": use_amp,
              "device_type": device.type, "n_train": len(train), "n_val": len(val),
              "model": model_fingerprint(model)}

    history = {column: [] for column in HISTORY_COLUMNS}
    best_state, best_loss, best_epoch, bad_epochs = None, math.inf, 0, 0
    start_epoch, finished, stopped_early = 0, False, False

    if resume and not checkpoint.exists():
        print(f"resume: no checkpoint at {checkpoint} yet, starting fresh")
    elif resume:
        state = load_checkpoint(checkpoint)
        if state["config"].get("model", config["model"]) != config["model"]:
            raise ValueError(
                f"resume: {checkpoint} was written by a different model (fingerprint "
                f"{state['config']['model']}, this model {config['model']}: another architecture or "
                "hyperparameter). Give this run its own checkpoint path, or delete the file to start over.")
        changed = {k: (state["config"].get(k), v) for k, v in config.items()
                   if k != "model" and state["config"].get(k) != v}
        if changed:
            warnings.warn(f"resuming {checkpoint} with different settings {changed} (old, new): the "
                          "result will differ from an uninterrupted run", stacklevel=2)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched is not None and state["scheduler"] is not None:
            sched.load_state_dict(state["scheduler"])
        if use_amp and state["scaler"]:  # an empty dict comes from a run without AMP
            scaler.load_state_dict(state["scaler"])
        best_state = ({k: v.to(device) for k, v in state["best_state"].items()}
                      if state["best_state"] is not None else None)
        best_loss, best_epoch, bad_epochs = state["best_loss"], state["best_epoch"], state["bad_epochs"]
        history = {column: list(values) for column, values in state["history"].items()}
        start_epoch = state["epoch"]
        patience_ran_out = patience is not None and bad_epochs >= patience
        stopped_early = patience_ran_out and start_epoch < epochs
        finished = patience_ran_out or start_epoch >= epochs
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        shuffle_gen.set_state(rng["shuffle"])
        if state["config"].get("device_type") == device.type:
            augment_gen.set_state(rng["augment"])
            if device.type == "cuda" and rng["cuda"] is not None:
                torch.cuda.set_rng_state(rng["cuda"], device)
        print(f"resume: {checkpoint} holds {start_epoch} epoch(s)"
              + ("; training is finished, returning the stored result" if finished
                 else f"; continuing to epoch {epochs}"))

    checked_labels = False
    epoch_bar = tqdm(total=epochs, initial=start_epoch, desc=name, unit="epoch",
                     disable=not progress or finished)
    for epoch in range(start_epoch + 1, epochs + 1):
        if finished:
            break
        start = time.perf_counter()
        model.train()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device)
        classes = True
        batches = _batches(len(train), batch_size, shuffle_gen, device)
        batch_bar = tqdm(total=len(batches), desc=f"epoch {epoch}", unit="batch", leave=False,
                         disable=not progress)
        refresh = max(1, len(batches) // 20)
        seen = 0
        for b, rows in enumerate(batches):
            idx, y = train.idx[rows], train.y[rows]
            flags = train.flags[rows] if train.flags is not None else None
            if augment_fn is not None:
                idx = augment_fn(idx, augment_gen)
            logits, loss = _train_step(
                model, idx, y, flags, to_input=to_input, loss_fn=loss_fn, opt=opt, scaler=scaler,
                device=device, amp=use_amp, batch_size=batch_size,
                check=None if checked_labels else _label_check(train=train.y, val=val.y))
            checked_labels = True
            if sched is not None:
                sched.step()
            seen += len(rows)
            loss_sum += loss.detach().float() * len(rows)
            classes = classes and _is_classification(logits, y)
            if classes:
                correct += (logits.detach().argmax(dim=1) == y).sum()
            batch_bar.update()
            if progress and (b % refresh == refresh - 1 or b == len(batches) - 1):
                postfix = {"loss": f"{float(loss_sum) / seen:.4f}"}
                if classes:
                    postfix["acc"] = f"{float(correct) / seen:.3f}"
                batch_bar.set_postfix(postfix)
        batch_bar.close()
        train_loss = float(loss_sum) / len(train)  # float() waits for the GPU: timings are honest
        train_acc = float(correct) / len(train) if classes else math.nan
        train_seconds = time.perf_counter() - start
        val_loss, val_acc = _loss_and_accuracy(model, val, batch_size, loss_fn, to_input, device, use_amp)
        extra = _val_metrics(val_metrics, model) if val_metrics is not None else {}
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
               "val_acc": val_acc, "lr": float(opt.param_groups[0]["lr"]),
               "seconds": time.perf_counter() - start, "samples_per_s": len(train) / train_seconds,
               **extra}
        for column in extra:
            if column not in history:  # a new metric: NaN for the epochs before it
                history[column] = [math.nan] * len(history["epoch"])
        for column in history:
            history[column].append(row.get(column, math.nan))

        if val_loss < best_loss:  # eq. 22 (a NaN loss never counts as an improvement)
            best_state, best_loss, best_epoch, bad_epochs = _copy_state(model), val_loss, epoch, 0
        else:
            bad_epochs += 1
        stopped_early = patience is not None and bad_epochs >= patience and epoch < epochs
        finished = stopped_early or epoch == epochs

        if checkpoint is not None:
            _save_checkpoint(checkpoint, {
                "format": CHECKPOINT_FORMAT, "name": name, "config": config,
                "epoch": epoch, "epochs": int(epochs), "finished": finished,
                "stopped_early": stopped_early, "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict() if sched is not None else None,
                "scaler": scaler.state_dict(), "best_state": best_state, "best_loss": best_loss,
                "best_epoch": best_epoch, "bad_epochs": bad_epochs, "history": history,
                "rng": {"torch": torch.get_rng_state(), "shuffle": shuffle_gen.get_state(),
                        "augment": augment_gen.get_state(),
                        "cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None},
            })
        epoch_bar.update()
        postfix = {"train_loss": f"{train_loss:.4f}", "val_loss": f"{val_loss:.4f}"}
        if not math.isnan(val_acc):
            postfix["val_acc"] = f"{val_acc:.3f}"
        postfix.update({column: f"{value:.4f}" for column, value in extra.items()})
        epoch_bar.set_postfix({**postfix, "best_epoch": best_epoch})
        if on_epoch_end is not None:
            on_epoch_end(dict(row))
    epoch_bar.close()

    if best_state is not None:
        model.load_state_dict(best_state)  # the best epoch's weights, not the last one's
    elif history["epoch"]:
        warnings.warn("the validation loss was never finite: keeping the last weights", stacklevel=2)
    model.eval()
    return _history_frame(history, {
        "best_epoch": best_epoch, "best_val_loss": best_loss, "stopped_early": bool(stopped_early),
        "total_seconds": float(sum(history["seconds"])), "device": str(device), "name": name,
    })


# ----------------------------------------------------------------------------------------------
# prediction


def _codes(data_or_idx) -> torch.Tensor:
    """The ``(N, L)`` codes of a ``SequenceData``, a tensor or a NumPy array."""
    idx = data_or_idx.idx if isinstance(data_or_idx, SequenceData) else data_or_idx
    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx)
    if not isinstance(idx, torch.Tensor) or idx.ndim != 2:
        raise TypeError("data_or_idx must be a SequenceData or codes shaped (N, L) (tensor or array), "
                        f"got {type(data_or_idx).__name__} {tuple(getattr(idx, 'shape', ()))}")
    return idx


@torch.no_grad()
def predict_proba(model: torch.nn.Module, data_or_idx, batch_size: int = 256, device=None,
                  to_input=None, amp: bool = True) -> np.ndarray:
    """Class probabilities ``(N, C)`` (softmax of the logits, float32 NumPy), in eval mode.

    ``data_or_idx``: a ``SequenceData`` (its ``flags``, if any, go to ``to_input(idx, flags)``) or
    codes ``(N, L)`` (tensor or NumPy array). ``device``:
    default the model's own device (the model is moved if you name another). fp16 autocast on
    CUDA when ``amp``. The model's train/eval mode is restored afterwards.

    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 5, 3))
    >>> predict_proba(net, encoding.encode_index(["ACGTA", "CC"], length=5)).shape
    (2, 3)
    """
    idx = _codes(data_or_idx)
    flags = data_or_idx.flags if isinstance(data_or_idx, SequenceData) else None
    device = _device(device, model)
    if isinstance(data_or_idx, SequenceData):
        to_input = _default_input(to_input, data_or_idx)
    to_input = encoding.index_to_one_hot if to_input is None else to_input

    def probabilities(forward, batch, start):
        batch_flags = flags[start:start + len(batch)].to(device) if flags is not None else None
        return forward(_model_input(to_input, batch, batch_flags)).float().softmax(dim=-1)

    return _predict_batches(model, idx, batch_size, device, amp, probabilities)


def _predict_batches(model, idx, batch_size, device, amp, per_batch) -> np.ndarray:
    """``per_batch(forward, batch, start)`` for every batch of the codes ``idx`` (moved to ``device``),
    in eval mode; the results concatenated on the CPU, as NumPy. ``forward(x)`` is the model under
    autocast (``amp``, CUDA only); a CUDA out-of-memory error names the batch size. The model's
    train/eval mode is restored afterwards."""
    def forward(x):
        try:
            with _autocast(device, amp):
                return model(x)
        except torch.cuda.OutOfMemoryError as err:
            raise _out_of_memory(err, batch_size) from err

    was_training = model.training
    model.to(device).eval()
    out = []
    try:
        for start in range(0, len(idx), batch_size):
            out.append(per_batch(forward, idx[start:start + batch_size].to(device), start).cpu())
    finally:
        model.train(was_training)
    if not out:
        raise ValueError("no sequences to predict")
    return torch.cat(out).numpy()


def evaluate(model: torch.nn.Module, data: SequenceData, **kw) -> dict:
    """The paper's metrics (eq. 23-27) on ``data``: accuracy, precision, recall, f1, auc, plus n.

    ``kw`` goes to ``predict_proba`` (batch_size, device, to_input, amp).
    """
    from .metrics import classification_metrics

    data = _as_data(data, "data")
    if len(data) == 0:
        raise ValueError("data is empty")
    prob = predict_proba(model, data, **kw)
    result = dict(classification_metrics(data.y.cpu().numpy(), prob))
    result["n"] = len(data)
    return result


# ----------------------------------------------------------------------------------------------
# LegNet: soft-label loss, soft-argmax prediction, the OneCycle schedule, a learning-rate range test


def soft_label_kl(logits: torch.Tensor, y: torch.Tensor, n_bins: int | None = None,
                  sd: float = 0.5) -> torch.Tensor:
    """LegNet's loss: KL divergence from the soft labels of ``y`` to ``softmax(logits)``, batch mean.

    ``logits``: ``(B, n_bins)``; ``y``: ``(B,)`` labels on the 0..n_bins-1 scale, turned into
    ``encoding.soft_labels(y, n_bins, sd)``. ``n_bins`` defaults to ``logits.shape[1]`` (18 for
    LegNet). Pass it as ``fit(..., loss_fn=soft_label_kl)``.

    >>> y = torch.tensor([3.0, 11.5])
    >>> logits = encoding.soft_labels(y).clamp_min(1e-30).log()   # the labels themselves
    >>> abs(round(float(soft_label_kl(logits, y)), 6))
    0.0
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must be shaped (B, n_bins), got {tuple(logits.shape)}")
    if n_bins is not None and n_bins != logits.shape[1]:
        raise ValueError(f"n_bins={n_bins} but the model gives {logits.shape[1]} logits per row")
    target = encoding.soft_labels(y, n_bins=logits.shape[1], sd=sd).to(logits.device)
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


@torch.no_grad()
def predict_expression(model: torch.nn.Module, data_or_idx, average_rc: bool = True,
                       batch_size: int = 1024, device=None, to_input=None, amp: bool = True
                       ) -> np.ndarray:
    """LegNet's test-time prediction: soft-argmax of both strands, averaged. ``(N,)`` float32 NumPy.

    ``data_or_idx``: codes ``(N, L)`` (tensor or NumPy array, e.g. plasmid-padded test reads), or a
    ``SequenceData`` built with ``from_promoters(..., reverse_complement=False)`` (its flags are
    ignored; data that holds reverse-complement copies, ``flags[:, 0] == 1``, raises). Every row is
    predicted with the singleton flag 0: once as given (is_reverse 0) and, when ``average_rc``, once
    reverse-complemented (is_reverse 1); the result is the mean of the two soft-argmaxes.

    ``to_input(idx, flags)``: default ``encoding.legnet_one_hot``. ``device``: default the model's.
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
                "with SequenceData.from_promoters(df, plasmid, reverse_complement=False)")
    idx = _codes(data_or_idx)
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"codes must be an integer tensor, got {idx.dtype}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    device = _device(device, model)
    to_input = encoding.legnet_one_hot if to_input is None else to_input

    def both_strands(forward, batch, start):
        flags = torch.zeros(len(batch), 2, device=device)  # [is_reverse, is_singleton] = [0, 0]
        strands = [(batch, flags)]
        if average_rc:
            reverse_flags = flags.clone()
            reverse_flags[:, 0] = 1
            strands.append((reverse_complement_index(batch), reverse_flags))
        pred = sum(soft_argmax(forward(to_input(codes, f)).float()) for codes, f in strands)
        return pred / len(strands)

    return _predict_batches(model, idx, batch_size, device, amp, both_strands)


def one_cycle(max_lr: float = 5e-3, pct_start: float = 0.3, div_factor: float = 25.0):
    """LegNet's learning-rate schedule, as a factory for ``fit(..., scheduler=one_cycle())``.

    Returns ``make(optimizer, total_steps) -> torch.optim.lr_scheduler.OneCycleLR``: the learning rate
    starts at ``max_lr / div_factor``, rises along a cosine to ``max_lr`` over the first ``pct_start``
    of the steps, then falls along a cosine to ``max_lr / div_factor / 1e4`` (PyTorch's default
    final_div_factor). PyTorch's default momentum cycling (Adam's beta1 0.95 -> 0.85 -> 0.95) is kept.
    The schedule sets the learning rate itself: ``fit``'s ``lr`` is ignored.

    >>> opt = torch.optim.AdamW(torch.nn.Linear(2, 1).parameters())
    >>> sched = one_cycle(max_lr=0.01)(opt, total_steps=10)
    >>> round(opt.param_groups[0]["lr"], 6)
    0.0004
    """
    for value, what in ((max_lr, "max_lr"), (div_factor, "div_factor")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{what} must be a number > 0, got {value!r}")
    if not 0 < pct_start < 1:
        raise ValueError(f"pct_start must be in (0, 1), got {pct_start!r}")

    def make(optimizer: torch.optim.Optimizer, total_steps: int):
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start,
            div_factor=div_factor, anneal_strategy="cos")

    make.__qualname__ = make.__name__ = (
        f"one_cycle(max_lr={max_lr}, pct_start={pct_start}, div_factor={div_factor})")
    return make


def lr_range_test(model: torch.nn.Module, train: SequenceData, *, start_lr: float = 1e-7,
                  end_lr: float = 1.0, steps: int = 100, batch_size: int = 64, loss_fn=None,
                  to_input=None, optimizer=None, weight_decay: float = 0.0, device=None,
                  seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Learning-rate range test: train for a few steps with a growing learning rate, watch the loss.

    Step ``i`` of ``steps`` trains on one batch (cycling through ``train`` in a seeded shuffled
    order; flags are honoured like in ``fit``) at ``lr = start_lr * (end_lr / start_lr) ** (i / (steps - 1))``,
    the same step as ``fit`` (its ``loss_fn``, ``to_input``, ``optimizer`` and AMP on CUDA).
    ``smooth_loss`` is an exponential moving average of the loss (factor 0.98, bias-corrected). The
    test stops early when the smoothed loss exceeds 4 times its minimum so far, or is not finite.
    Afterwards the model gets its weights (and buffers), train/eval mode and device back; the
    optimizer is thrown away. Like ``fit`` it reseeds the global random generators with ``seed``.

    Returns a DataFrame with columns ``lr``, ``loss`` and ``smooth_loss`` (one row per step taken);
    ``attrs["suggested_lr"]`` is the learning rate where the smoothed loss falls fastest, i.e. the
    most negative slope of ``smooth_loss`` against ``log(lr)`` (``numpy.gradient``); NaN with fewer
    than 3 finite points. ``attrs["stopped_early"]`` says whether the loss blew up before ``end_lr``.
    A good ``max_lr`` for ``one_cycle`` is usually near the suggestion, below the blow-up.

    >>> from dnacourse.data import make_motif_dataset
    >>> data = SequenceData.from_frame(make_motif_dataset(20, 2, length=30), length=30)
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 30, 2))
    >>> df = lr_range_test(net, data, steps=20, batch_size=8, progress=False)
    >>> list(df.columns), bool(df["lr"].is_monotonic_increasing)
    (['lr', 'loss', 'smooth_loss'], True)
    """
    train = _as_data(train, "train")
    if len(train) < 2:
        raise ValueError(f"train has {len(train)} row(s): the range test needs at least 2")
    for value, what in ((steps, "steps"), (batch_size, "batch_size")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be an int >= 1, got {value!r}")
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got start_lr={start_lr!r}, end_lr={end_lr!r}")
    home = _device(None, model)  # where the model lives now: it goes back there
    device = _device(device)
    use_amp = device.type == "cuda"
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    to_input = _default_input(to_input, train)
    saved, was_training = _copy_state(model), model.training

    model.to(device).train()
    data = train.to(device)
    runtime.seed_everything(seed)
    shuffle_gen = torch.Generator().manual_seed(seed)
    make_optimizer = torch.optim.Adam if optimizer is None else optimizer
    opt = make_optimizer(model.parameters(), lr=start_lr, weight_decay=weight_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    lrs = start_lr * (end_lr / start_lr) ** np.linspace(0.0, 1.0, steps)

    records = {"lr": [], "loss": [], "smooth_loss": []}
    average, lowest, beta, stopped_early = 0.0, math.inf, 0.98, False
    check = _label_check(train=data.y)
    queue: list[torch.Tensor] = []
    bar = tqdm(total=steps, desc="lr range test", unit="step", disable=not progress)
    try:
        for step, lr in enumerate(lrs):
            if not queue:  # one pass through the data, then a new shuffle
                queue = _batches(len(data), batch_size, shuffle_gen, device)
            rows = queue.pop(0)
            for group in opt.param_groups:
                group["lr"] = float(lr)
            flags = data.flags[rows] if data.flags is not None else None
            _, loss = _train_step(model, data.idx[rows], data.y[rows], flags, to_input=to_input,
                                  loss_fn=loss_fn, opt=opt, scaler=scaler, device=device,
                                  amp=use_amp, batch_size=batch_size, check=check)
            check = None
            value = float(loss.detach())
            average = beta * average + (1 - beta) * value
            smooth = average / (1 - beta ** (step + 1))
            records["lr"].append(float(lr))
            records["loss"].append(value)
            records["smooth_loss"].append(smooth)
            bar.update()
            bar.set_postfix({"lr": f"{lr:.2e}", "loss": f"{smooth:.4f}"})
            if not math.isfinite(smooth) or smooth > 4 * lowest:
                stopped_early = step < steps - 1
                break
            lowest = min(lowest, smooth)
    finally:
        bar.close()
        model.load_state_dict(saved)
        model.to(home).train(was_training)

    frame = pd.DataFrame(records)
    lr_arr, smooth_arr = frame["lr"].to_numpy(), frame["smooth_loss"].to_numpy()
    finite = np.isfinite(smooth_arr)
    suggested = math.nan
    if finite.sum() >= 3:
        slope = np.gradient(smooth_arr[finite], np.log(lr_arr[finite]))
        suggested = float(lr_arr[finite][np.argmin(slope)])
    frame.attrs.update(suggested_lr=suggested, stopped_early=stopped_early)
    return frame


# ----------------------------------------------------------------------------------------------
# LegNet's recipe in one call (notebooks 13-18)


def _promoter_codes(df: pd.DataFrame, plasmid: str) -> SequenceData:
    """Forward strand only, singleton flag 0: what the model sees at test time."""
    data = SequenceData.from_promoters(df, plasmid, reverse_complement=False)
    data.flags.zero_()
    return data


def fit_promoters(model: torch.nn.Module, train_df: pd.DataFrame, val_df: pd.DataFrame, *,
                  plasmid: str | None = None, epochs: int = 20, batch_size: int = 256,
                  max_lr: float = 5e-3, weight_decay: float = 0.01, loss: str = "kl",
                  schedule: str = "onecycle", lr: float = 1e-3, reverse_complement: bool = True,
                  patience: int | None = None, seed: int = 0, device=None, checkpoint=None,
                  resume: bool = False, progress: bool = True, name: str | None = None,
                  on_epoch_end=None) -> pd.DataFrame:
    """Train a LegNet-style model on DREAM rows with LegNet's recipe, through ``fit``.

    * data: ``SequenceData.from_promoters`` -- plasmid padding to 150 nt, the is-reverse and
      is-singleton planes, and (``reverse_complement``) every training row twice, once per strand;
    * loss: ``"kl"`` = KL divergence to the soft label of each row (18 bins, ``soft_label_kl``) or
      ``"mse"`` = squared error of the soft-argmax (``expression_mse``);
    * optimizer: AdamW with ``weight_decay`` (LegNet: 0.01);
    * schedule: ``"onecycle"`` (LegNet: peak ``max_lr`` 0.005, warm-up 30 %, cosine) or ``"constant"``
      (a fixed ``lr``: e.g. the student report's 1e-5);
    * validation: every epoch, the KL/MSE loss on ``val_df`` as the model sees it at test time
      (forward strand, singleton flag 0) and, as extra history columns, ``val_pearson`` and
      ``val_spearman`` of ``predict_expression`` (both strands averaged) against ``val_df``'s labels.

    ``patience=None`` (default) trains all ``epochs`` (OneCycle needs its whole schedule) and then
    keeps the weights of the epoch with the lowest validation loss. ``plasmid``: default
    ``data.dream_plasmid()``. Other arguments as in ``fit``. Returns ``fit``'s history.

    >>> from dnacourse import data, models                               # doctest: +SKIP
    >>> tr, va = data.sample_promoters(data.load_dream("train"), 5120)   # doctest: +SKIP
    >>> h = fit_promoters(models.build("legnet"), tr, va, epochs=20)     # doctest: +SKIP
    """
    from .data import dream_plasmid
    from .metrics import regression_metrics

    losses = {"kl": soft_label_kl, "mse": expression_mse}
    if loss not in losses:
        raise ValueError(f"loss must be one of {sorted(losses)}, got {loss!r}")
    if schedule not in ("onecycle", "constant"):
        raise ValueError(f"schedule must be 'onecycle' or 'constant', got {schedule!r}")
    plasmid = dream_plasmid() if plasmid is None else plasmid
    train = SequenceData.from_promoters(train_df, plasmid, reverse_complement=reverse_complement)
    val = _promoter_codes(val_df, plasmid)
    val_y = val_df["expression"].to_numpy(dtype=np.float64)

    def val_metrics(m: torch.nn.Module) -> dict[str, float]:
        scores = regression_metrics(val_y, predict_expression(m, val, batch_size=max(batch_size, 256)))
        return {"val_pearson": scores["pearson"], "val_spearman": scores["spearman"]}

    return fit(model, train, val, epochs=epochs, batch_size=batch_size, lr=lr,
               weight_decay=weight_decay, patience=patience, device=device, seed=seed,
               checkpoint=checkpoint, resume=resume, progress=progress, loss_fn=losses[loss],
               to_input=encoding.legnet_one_hot, optimizer=torch.optim.AdamW,
               scheduler=one_cycle(max_lr) if schedule == "onecycle" else None,
               val_metrics=val_metrics, name=name, on_epoch_end=on_epoch_end)


def evaluate_promoters(model: torch.nn.Module, df: pd.DataFrame, *, subsets: dict | None = None,
                       plasmid: str | None = None, average_rc: bool = True, batch_size: int = 1024,
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
    from .data import dream_plasmid
    from .metrics import regression_metrics

    plasmid = dream_plasmid() if plasmid is None else plasmid
    pred = predict_expression(model, _promoter_codes(df, plasmid), average_rc=average_rc,
                              batch_size=batch_size, device=device)
    y = df["expression"].to_numpy(dtype=np.float64)
    rows = []
    for name, members in {"all": None, **(subsets or {})}.items():
        keep = np.ones(len(df), bool) if members is None else df.index.isin(np.asarray(members))
        if keep.sum() < 2:
            rows.append({"subset": name, "n": int(keep.sum()), "pearson": math.nan, "spearman": math.nan})
            continue
        scores = regression_metrics(y[keep], pred[keep])
        rows.append({"subset": name, "n": int(keep.sum()), "pearson": scores["pearson"],
                     "spearman": scores["spearman"]})
    table = pd.DataFrame(rows)
    table.attrs["predictions"] = pred.tolist()
    return table
