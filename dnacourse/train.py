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
"""

from __future__ import annotations

import contextlib
import math
import os
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
from .augment import augment_batch

__all__ = ["SequenceData", "fit", "predict_proba", "evaluate", "load_checkpoint", "HISTORY_COLUMNS"]

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
      classification (float targets are kept as ``float32`` for regression or soft labels).

    NumPy arrays and lists are converted. ``len(data)`` is ``N``; ``data.to("cuda")`` moves both
    tensors; ``data.subset(rows)`` picks rows (an index array such as ``split.train``, or a mask).

    >>> d = SequenceData(encoding.encode_index(["ACGT", "AC"], length=4), [0, 1])
    >>> len(d), d.idx.dtype, d.y.dtype, len(d.subset([1]))
    (2, torch.uint8, torch.int64, 1)
    """

    idx: torch.Tensor
    y: torch.Tensor

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
        self.idx = idx.to(torch.uint8)
        self.y = y.to(idx.device)

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

    def __len__(self) -> int:
        return len(self.idx)

    def __repr__(self) -> str:
        return (f"SequenceData(n={len(self)}, length={self.idx.shape[1]}, y={str(self.y.dtype)[6:]}"
                f"{tuple(self.y.shape[1:]) or ''}, device={self.idx.device})")

    @property
    def device(self) -> torch.device:
        return self.idx.device

    def to(self, device) -> SequenceData:
        """The same data on ``device`` (a new object; this one is unchanged)."""
        return SequenceData(self.idx.to(device), self.y.to(device))

    def subset(self, indices) -> SequenceData:
        """Rows ``indices`` (integer positions, e.g. ``split.train``, or a boolean mask)."""
        rows = torch.as_tensor(np.asarray(indices) if not isinstance(indices, torch.Tensor) else indices)
        if rows.dtype != torch.bool:
            rows = rows.long()
        rows = rows.to(self.idx.device)
        return SequenceData(self.idx[rows], self.y[rows])


def _as_data(data, what: str) -> SequenceData:
    if isinstance(data, SequenceData):
        return data
    hint = " (use SequenceData.from_frame(df))" if isinstance(data, pd.DataFrame) else ""
    raise TypeError(f"{what} must be a SequenceData, got {type(data).__name__}{hint}")


# ----------------------------------------------------------------------------------------------
# small pieces shared by fit, predict_proba and the benchmark


def _device(device, model: torch.nn.Module | None = None) -> torch.device:
    """``device`` if given; else the model's device (predict) or the best available one (fit)."""
    if device is not None:
        return torch.device(device)
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
        try:
            with _autocast(device, amp):
                logits = model(to_input(idx))
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
    frame = pd.DataFrame({column: history[column] for column in HISTORY_COLUMNS})
    frame = frame.astype({"epoch": "int64"})
    frame.attrs.update(attrs)
    return frame


# ----------------------------------------------------------------------------------------------
# training


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
) -> pd.DataFrame:
    """Train ``model`` in place on ``train``, stop early on ``val``, return the history.

    Every epoch: shuffle (seeded), then per batch gather the rows' codes, augment them on the
    device (if ``augment``), ``to_input`` them, forward, ``loss_fn``, backward, optimizer step; then
    the validation loss and accuracy in eval mode. Early stopping (eq. 22): training stops when the
    validation loss has not improved for ``patience`` epochs (``None``: never), and in the end the
    model gets the weights of its best epoch back.

    Arguments:

    * ``train``, ``val``: ``SequenceData`` (moved to ``device`` once, as uint8 codes).
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
    * ``optimizer``: an optimizer class or factory called as ``optimizer(params, lr=lr,
      weight_decay=weight_decay)``; default ``torch.optim.Adam`` (the paper), e.g. ``torch.optim.AdamW``.
    * ``scheduler``: ``scheduler(optimizer, total_steps) -> LR scheduler``, stepped after every
      batch, e.g. ``lambda opt, n: torch.optim.lr_scheduler.OneCycleLR(opt, 5e-3, total_steps=n)``.
    * ``on_epoch_end(row)``: called with the epoch's history row (a dict) after the checkpoint is
      written; raising from it interrupts training (the checkpoint is complete).
    * ``name``: shown in the progress bar and stored in the history (default: the model's class).

    Returns the history, a DataFrame with one row per epoch: ``epoch`` (1-based), ``train_loss``,
    ``train_acc`` (on the augmented training batches, in train mode), ``val_loss``, ``val_acc``
    (NaN for non-class targets), ``lr`` (after the epoch), ``seconds`` (whole epoch),
    ``samples_per_s`` (training part); ``attrs``: ``best_epoch``, ``best_val_loss``,
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
    to_input = encoding.index_to_one_hot if to_input is None else to_input
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
              "device_type": device.type, "n_train": len(train), "n_val": len(val)}

    history = {column: [] for column in HISTORY_COLUMNS}
    best_state, best_loss, best_epoch, bad_epochs = None, math.inf, 0, 0
    start_epoch, finished, stopped_early = 0, False, False

    if resume and not checkpoint.exists():
        print(f"resume: no checkpoint at {checkpoint} yet, starting fresh")
    elif resume:
        state = load_checkpoint(checkpoint)
        changed = {k: (state["config"].get(k), v) for k, v in config.items()
                   if state["config"].get(k) != v}
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
        history = {column: list(state["history"][column]) for column in HISTORY_COLUMNS}
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
            if augment_fn is not None:
                idx = augment_fn(idx, augment_gen)
            try:
                with _autocast(device, use_amp):
                    logits = model(to_input(idx))
                logits = logits.float()
                if not checked_labels:
                    if _is_classification(logits, y):
                        _check_labels(logits.shape[1], train=train.y, val=val.y)
                    checked_labels = True
                loss = loss_fn(logits, y)
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            except torch.cuda.OutOfMemoryError as err:
                raise _out_of_memory(err, batch_size) from err
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
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
               "val_acc": val_acc, "lr": float(opt.param_groups[0]["lr"]),
               "seconds": time.perf_counter() - start, "samples_per_s": len(train) / train_seconds}
        for column in HISTORY_COLUMNS:
            history[column].append(row[column])

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
        epoch_bar.set_postfix({"train_loss": f"{train_loss:.4f}", "val_loss": f"{val_loss:.4f}",
                               "val_acc": f"{val_acc:.3f}", "best_epoch": best_epoch})
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


@torch.no_grad()
def predict_proba(model: torch.nn.Module, data_or_idx, batch_size: int = 256, device=None,
                  to_input=None, amp: bool = True) -> np.ndarray:
    """Class probabilities ``(N, C)`` (softmax of the logits, float32 NumPy), in eval mode.

    ``data_or_idx``: a ``SequenceData`` or codes ``(N, L)`` (tensor or NumPy array). ``device``:
    default the model's own device (the model is moved if you name another). fp16 autocast on
    CUDA when ``amp``. The model's train/eval mode is restored afterwards.

    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 5, 3))
    >>> predict_proba(net, encoding.encode_index(["ACGTA", "CC"], length=5)).shape
    (2, 3)
    """
    idx = data_or_idx.idx if isinstance(data_or_idx, SequenceData) else data_or_idx
    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx)
    if not isinstance(idx, torch.Tensor) or idx.ndim != 2:
        raise TypeError("data_or_idx must be a SequenceData or codes shaped (N, L) (tensor or array), "
                        f"got {type(data_or_idx).__name__} {tuple(getattr(idx, 'shape', ()))}")
    device = _device(device, model)
    to_input = encoding.index_to_one_hot if to_input is None else to_input
    was_training = model.training
    model.to(device).eval()
    out = []
    try:
        for start in range(0, len(idx), batch_size):
            batch = idx[start:start + batch_size].to(device)
            try:
                with _autocast(device, amp):
                    logits = model(to_input(batch))
            except torch.cuda.OutOfMemoryError as err:
                raise _out_of_memory(err, batch_size) from err
            out.append(logits.float().softmax(dim=-1).cpu())
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
