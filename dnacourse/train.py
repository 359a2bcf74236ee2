"""One training loop for every model in the course: ``fit``, ``predict_proba``, ``lr_range_test``.

    data = dc.data.SequenceData.from_frame(df, length=1000)     # uint8 codes + int64 labels
    split = dc.splits.random_split(df)
    model = dc.models.build("cnn")
    history = dc.train.fit(model, data.subset(split.train), data.subset(split.val), epochs=30)
    prob = dc.train.predict_proba(model, data.subset(split.test))   # (N, 7) class probabilities

How a batch is made (no DataLoader, no worker processes): the whole data set sits on the device as
a compact ``uint8`` matrix of ``dnacourse.encoding`` codes (one byte per base). Every epoch a seeded
``torch.Generator`` shuffles the row numbers; every batch gathers its rows, augments them on the
device if asked (``dnacourse.augment.augment_batch``, training only) and expands them with
``to_input`` (default: one-hot) right before the model sees them.

The paper's recipe is the default: Adam, categorical cross-entropy (eq. 21) and early stopping on the
validation loss (eq. 22). Other models and tasks plug in through four arguments, with no subclassing:
``loss_fn(logits, y)``, ``to_input(idx)``, ``optimizer`` (e.g. ``torch.optim.AdamW``) and
``scheduler(optimizer, total_steps)`` (e.g. a ``OneCycleLR``). LegNet's recipe is built from these
four in ``dnacourse.promoters``; scoring a classifier with the paper's metrics is in
``dnacourse.classify``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import encoding, models, runtime
from ._checks import check_int
from ._files import atomic_write
from .augment import augment_batch
from .data import SequenceData, as_data

__all__ = ["fit", "predict_proba", "predict_batches", "lr_range_test", "load_checkpoint",
           "model_fingerprint", "checkpoint_path", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = [
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "samples_per_s",
]
CHECKPOINT_FORMAT = "dnacourse.train/1"
_CHECKPOINT_KEYS = ("config", "epoch", "epochs", "model", "optimizer", "scheduler", "scaler", "best_state",
                    "best_loss", "best_epoch", "bad_epochs", "history", "rng")


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
                        "pass to_input=dnacourse.promoters.legnet_one_hot (or your own f(idx, flags))")
    return encoding.index_to_one_hot


def _model_input(to_input, idx: torch.Tensor, flags: torch.Tensor | None):
    """``to_input(idx)``, or ``to_input(idx, flags)`` when the data carries per-row flags."""
    return to_input(idx) if flags is None else to_input(idx, flags)


def _flags(data: SequenceData, rows: torch.Tensor) -> torch.Tensor | None:
    """The per-row flags of ``rows``, or None when ``data`` carries none."""
    return None if data.flags is None else data.flags[rows]


def _train_step(model, idx, y, flags, run: _Setup, batch_size: int, check=None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step on one batch; returns ``(logits, loss)``. Used by ``fit`` and ``lr_range_test``.

    Forward (fp16 autocast on CUDA when ``run.amp``), ``run.loss_fn`` in float32, backward through
    the ``GradScaler``, optimizer step. ``check(logits, y)`` runs before the loss (the label check).
    """
    try:
        with _autocast(run.device, run.amp):
            logits = model(_model_input(run.to_input, idx, flags))
        logits = logits.float()
        if check is not None:
            check(logits, y)
        loss = run.loss_fn(logits, y)
        run.opt.zero_grad(set_to_none=True)
        run.scaler.scale(loss).backward()
        run.scaler.step(run.opt)
        run.scaler.update()
    except torch.cuda.OutOfMemoryError as err:
        raise _out_of_memory(err, batch_size) from err
    except ValueError as err:
        if "Expected more than 1 value per channel" not in str(err):
            raise
        raise ValueError(f"a BatchNorm layer got a training batch of {len(y)} row(s), and it needs at least 2 "
                         f"to compute its statistics: use batch_size >= 2 (got batch_size={batch_size}) and "
                         "at least 2 training rows") from err
    return logits, loss


def _out_of_memory(err: Exception, batch_size: int) -> RuntimeError:
    return RuntimeError(
        f"CUDA ran out of memory with batch_size={batch_size}. Lower batch_size "
        f"(e.g. batch_size={max(1, batch_size // 2)}), shorten the sequences, or use a smaller model. "
        f"(original error: {str(err).splitlines()[0] if str(err) else type(err).__name__})"
    )


@torch.no_grad()
def _loss_and_accuracy(model, data: SequenceData, batch_size: int, run: _Setup) -> tuple[float, float]:
    """Mean loss and accuracy (NaN for non-class targets) of ``model`` on ``data``, eval mode."""
    device, amp, loss_fn, to_input = run.device, run.amp, run.loss_fn, run.to_input
    model.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device)
    classes = True
    for rows in _batches(len(data), batch_size, None, device):
        idx, y = data.idx[rows], data.y[rows]
        flags = _flags(data, rows)
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
    """Write ``state`` to ``path`` atomically: a new temporary file beside it, then ``os.replace``."""
    atomic_write(path, lambda fh: torch.save(state, fh))


def _stable_repr(obj) -> str:
    """``repr(obj)`` without object addresses (a lambda's ``at 0x7f...`` changes every run)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(obj))


def model_fingerprint(model: torch.nn.Module) -> str:
    """A short hash of a model's structure: its ``repr`` (layer types and hyperparameters) and the
    name and shape of every weight. Equal for two builds of the same model, different when a layer,
    a width or a hyperparameter shown by ``repr`` (kernel, dilation, dropout, alpha) differs."""
    shapes = [(name, tuple(value.shape)) for name, value in model.state_dict().items()]
    text = _stable_repr(model)
    return hashlib.sha1(f"{text}|{shapes}".encode()).hexdigest()[:12]


def load_checkpoint(path) -> dict:
    """Read a checkpoint written by ``fit`` (tensors on the CPU; ``weights_only=True``, so safe).

    Keys: ``model`` (state dict after the last finished epoch), ``best_state``, ``optimizer``,
    ``scheduler``, ``scaler``, ``epoch``, ``epochs``, ``finished``, ``stopped_early``, ``best_loss``,
    ``best_epoch``, ``bad_epochs``, ``history`` (dict of lists), ``rng``, ``config``, ``name``.
    """
    fix = "delete it (or pass another path) to train from scratch"
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # empty, truncated, not a torch file, or pickled objects weights_only refuses
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else "no details"
        raise ValueError(f"{path} cannot be read as a checkpoint ({type(err).__name__}: {first}): the file "
                         f"is empty, cut short (an interrupted copy?) or of another kind; {fix}") from err
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a dnacourse.train checkpoint (no format {CHECKPOINT_FORMAT!r} "
                         f"in it: written by another program?); {fix}")
    missing = [key for key in _CHECKPOINT_KEYS if key not in state]
    if missing:
        raise ValueError(f"{path} is an incomplete dnacourse.train checkpoint (missing {', '.join(missing)}); "
                         f"{fix}")
    return state


def _history_frame(history: dict, attrs: dict) -> pd.DataFrame:
    """The history dict as a frame: the ``HISTORY_COLUMNS``, then any ``val_metrics`` columns."""
    extra = [column for column in history if column not in HISTORY_COLUMNS]
    frame = pd.DataFrame({column: history[column] for column in HISTORY_COLUMNS + extra})
    frame = frame.astype({"epoch": "int64"})
    frame.attrs.update(attrs)
    return frame


# ----------------------------------------------------------------------------------------------
# training: the setup fit and lr_range_test share, one epoch, early stopping, checkpoints


@dataclass
class _Setup:
    """What ``fit`` and ``lr_range_test`` both need: where to run, the optimizer and AMP pieces."""

    device: torch.device
    amp: bool
    opt: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    loss_fn: object
    to_input: object


def _setup(model, *datasets, device=None, amp=True, optimizer=None, lr=1e-3, weight_decay=0.0,
           loss_fn=None, to_input=None) -> _Setup:
    """Move ``model`` to the device and make its optimizer (default Adam) and ``GradScaler``."""
    device = _device(device)
    use_amp = bool(amp) and device.type == "cuda"
    model.to(device)
    make_optimizer = torch.optim.Adam if optimizer is None else optimizer
    return _Setup(device, use_amp, make_optimizer(model.parameters(), lr=lr, weight_decay=weight_decay),
                  torch.amp.GradScaler("cuda", enabled=use_amp),
                  F.cross_entropy if loss_fn is None else loss_fn, _default_input(to_input, *datasets))


@dataclass
class EarlyStopping:
    """Eq. 22: stop when the validation loss has not improved for ``patience`` epochs (None: never).

    ``update(val_loss, model, epoch)`` after every epoch keeps a copy of the best epoch's weights;
    ``restore(model)`` puts them back at the end.

    >>> stop = EarlyStopping(patience=2)
    >>> net = torch.nn.Linear(1, 1)
    >>> [stop.update(loss, net, epoch) for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.1], 1)]
    [False, False, False, True]
    >>> stop.best_epoch, stop.best_loss
    (2, 2.0)
    """

    patience: int | None = 5
    best_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    best_state: dict | None = field(default=None, repr=False)

    def update(self, val_loss: float, model: torch.nn.Module, epoch: int) -> bool:
        """Record one epoch; returns True when patience has run out."""
        if val_loss < self.best_loss:  # a NaN loss never counts as an improvement
            self.best_state = _copy_state(model)
            self.best_loss, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
        else:
            self.bad_epochs += 1
        return self.ran_out

    @property
    def ran_out(self) -> bool:
        return self.patience is not None and self.bad_epochs >= self.patience

    def restore(self, model: torch.nn.Module, any_epochs: bool) -> None:
        """The best epoch's weights back into ``model`` (a warning if no loss was ever finite)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
        elif any_epochs:
            warnings.warn("the validation loss was never finite: keeping the last weights", stacklevel=3)

    def state(self) -> dict:
        return {"best_state": self.best_state, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load(self, state: dict, device) -> None:
        self.best_state = ({k: v.to(device) for k, v in state["best_state"].items()}
                           if state["best_state"] is not None else None)
        self.best_loss, self.best_epoch = state["best_loss"], state["best_epoch"]
        self.bad_epochs = state["bad_epochs"]


class _Generators:
    """The seeded random streams of a run: batch order (CPU) and augmentation edits (device)."""

    def __init__(self, seed: int, device: torch.device):
        self.device = device
        self.shuffle = torch.Generator().manual_seed(seed)
        self.augment = torch.Generator(device=device).manual_seed(seed + 1)

    def state(self) -> dict:
        return {"torch": torch.get_rng_state(), "shuffle": self.shuffle.get_state(),
                "augment": self.augment.get_state(),
                "cuda": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None}

    def load(self, rng: dict, same_device: bool) -> None:
        torch.set_rng_state(rng["torch"])
        self.shuffle.set_state(rng["shuffle"])
        if same_device:
            self.augment.set_state(rng["augment"])
            if self.device.type == "cuda" and rng["cuda"] is not None:
                torch.cuda.set_rng_state(rng["cuda"], self.device)


def _train_epoch(model, train: SequenceData, run: _Setup, *, batch_size, rng: _Generators,
                 augment_fn, sched, check, bar) -> tuple[float, float]:
    """One pass over ``train`` in a seeded order (eq. 21 per batch); returns (mean loss, accuracy).

    ``check`` runs on the first batch (labels vs outputs); ``bar`` is a tqdm bar over batches.
    """
    model.train()
    loss_sum = torch.zeros((), device=run.device)
    correct = torch.zeros((), device=run.device)
    classes, seen = True, 0
    batches = _batches(len(train), batch_size, rng.shuffle, run.device)
    bar.reset(total=len(batches))
    refresh = max(1, len(batches) // 20)
    for b, rows in enumerate(batches):
        idx, y = train.idx[rows], train.y[rows]
        flags = _flags(train, rows)
        if augment_fn is not None:
            idx = augment_fn(idx, rng.augment)
        logits, loss = _train_step(model, idx, y, flags, run, batch_size, check=check if b == 0 else None)
        if sched is not None:
            sched.step()
        seen += len(rows)
        loss_sum += loss.detach().float() * len(rows)
        classes = classes and _is_classification(logits, y)
        if classes:
            correct += (logits.detach().argmax(dim=1) == y).sum()
        bar.update()
        if not bar.disable and (b % refresh == refresh - 1 or b == len(batches) - 1):
            bar.set_postfix({"loss": f"{float(loss_sum) / seen:.4f}",
                             **({"acc": f"{float(correct) / seen:.3f}"} if classes else {})})
    # float() waits for the GPU, so the epoch's timing is honest
    return float(loss_sum) / len(train), float(correct) / len(train) if classes else math.nan


def _val_metrics(val_metrics, model: torch.nn.Module) -> dict[str, float]:
    """Call the user's ``val_metrics(model)`` in eval mode and check that it gave names -> numbers."""
    if val_metrics is None:
        return {}
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


def _append(history: dict, row: dict) -> None:
    """Add one epoch's row; a metric seen for the first time gets NaN for the earlier epochs."""
    for column in row:
        if column not in history:
            history[column] = [math.nan] * len(history["epoch"])
    for column in history:
        history[column].append(row.get(column, math.nan))


def _name_of(fn) -> str | None:
    """A stable text for a function-valued setting (its qualified name), for configs and keys."""
    if fn is None:
        return None
    return getattr(fn, "__qualname__", None) or _stable_repr(fn)


def data_fingerprint(*datasets: SequenceData) -> str:
    """A short hash of the rows (codes, targets, flags) of one or more ``SequenceData``.

    >>> a = SequenceData(encoding.encode_index(["ACGT", "AC"], length=4), [0, 1])
    >>> data_fingerprint(a) == data_fingerprint(a.subset([0, 1])), data_fingerprint(a) == data_fingerprint(a.subset([1, 0]))
    (True, False)
    """
    digest = hashlib.sha1()
    for data in datasets:
        for tensor in (data.idx, data.y, data.flags):
            if tensor is not None:
                digest.update(str(tuple(tensor.shape)).encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def _config(model, train, val, **settings) -> dict:
    """Every setting that changes a run's result: stored in its checkpoint, compared on resume."""
    return {**settings, "n_train": len(train), "n_val": len(val),
            "data": data_fingerprint(train, val), "model": model_fingerprint(model)}


def checkpoint_path(folder, model: torch.nn.Module, config: dict) -> Path:
    """``folder / "<model class>-<hash of the settings>.pt"``: the same run always gets the same file.

    ``config``: the settings that change the result (``fit`` passes the model and data
    fingerprints, epochs, batch size, learning rate, optimizer, schedule, loss, seed, ...; not the
    device, so a run begun on one machine can be finished on another).

    >>> checkpoint_path("ckpt", torch.nn.Linear(2, 1), {"epochs": 3}).name
    'linear-bbab835d8aed.pt'
    """
    key = {k: v for k, v in sorted(config.items()) if k != "device_type"}
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:12]
    return Path(folder) / f"{type(model).__name__.lower()}-{digest}.pt"


def _checkpoint_state(name, config, epoch, epochs, finished, stopped_early, model, run, sched,
                      stopper, history, rng) -> dict:
    """Everything needed to continue the run after ``epoch`` as if it had never stopped."""
    return {"format": CHECKPOINT_FORMAT, "name": name, "config": config, "epoch": epoch,
            "epochs": int(epochs), "finished": finished, "stopped_early": stopped_early,
            "model": model.state_dict(), "optimizer": run.opt.state_dict(),
            "scheduler": sched.state_dict() if sched is not None else None,
            "scaler": run.scaler.state_dict(), **stopper.state(), "history": history,
            "rng": rng.state()}


def _resume(checkpoint: Path, config: dict, model, run: _Setup, sched, stopper: EarlyStopping,
            rng: _Generators) -> tuple[dict, int] | None:
    """Load ``checkpoint`` into the model, optimizer, schedule, early stopping and random streams.

    Returns ``(history, last finished epoch)``, or None when there is no file yet (start fresh).
    """
    if not checkpoint.exists():
        print(f"resume: no checkpoint at {checkpoint} yet, starting fresh")
        return None
    state = load_checkpoint(checkpoint)
    if state["config"].get("model", config["model"]) != config["model"]:
        raise ValueError(
            f"resume: {checkpoint} was written by a different model (fingerprint "
            f"{state['config']['model']}, this model {config['model']}: another architecture or "
            "hyperparameter). Give this run its own checkpoint path, or delete the file to start over.")
    changed = {k: (state["config"].get(k), v) for k, v in config.items()
               if k != "model" and k in state["config"] and state["config"][k] != v}
    model.load_state_dict(state["model"])
    run.opt.load_state_dict(state["optimizer"])   # brings the old lr back: this call's lr wins below
    for group in run.opt.param_groups if sched is None else ():
        group.update({k: config[k] for k in ("lr", "weight_decay") if k in group})
    if changed:
        lr_note = ("" if not {"lr", "weight_decay"} & set(changed) else
                   "; the new lr and weight_decay apply from the next epoch" if sched is None else
                   "; the learning rate follows the scheduler's stored state, not the new lr")
        warnings.warn(f"resuming {checkpoint} with different settings {changed} (old, new){lr_note}: "
                      "the result will differ from an uninterrupted run", stacklevel=3)
    if sched is not None and state["scheduler"] is not None:
        sched.load_state_dict(state["scheduler"])
    if run.amp and state["scaler"]:  # an empty dict comes from a run without AMP
        run.scaler.load_state_dict(state["scaler"])
    stopper.load(state, run.device)
    rng.load(state["rng"], same_device=state["config"].get("device_type") == run.device.type)
    return {column: list(values) for column, values in state["history"].items()}, state["epoch"]


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
    checkpoint_dir=None,
    resume: bool = False,
    progress: bool = True,
    loss_fn=None,
    to_input=None,
    name: str | None = None,
    optimizer=None,
    scheduler=None,
    on_epoch_end=None,
    val_metrics=None,
    recompute_bn: bool = False,
) -> pd.DataFrame:
    """Train ``model`` in place on ``train``, stop early on ``val``, return the history.

    Every epoch: shuffle (seeded), then per batch gather the rows' codes, augment them on the
    device (if ``augment``), ``to_input`` them, forward, ``loss_fn``, backward, optimizer step; then
    the validation loss and accuracy in eval mode. Early stopping (eq. 22): training stops when the
    validation loss has not improved for ``patience`` epochs (``None``: never), and in the end the
    model gets the weights of its best epoch back.

    Arguments:

    * ``train``, ``val``: ``SequenceData`` (moved to ``device`` once, as uint8 codes). When they
      carry ``flags`` (e.g. ``promoters.promoter_data``), every batch's flags go to
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
    * ``checkpoint``: a file path; written after every epoch (atomically, via a new temporary file
      beside it). An existing file is never overwritten: without ``resume=True`` fit refuses it
      (``FileExistsError``). ``resume=True`` continues
      from it to the same result as an uninterrupted run (see ``load_checkpoint``); if the file is
      missing, training starts fresh (with a notice); if the run it holds is finished (stopped
      early, or ``epochs`` reached), the stored result is returned without training.
    * ``checkpoint_dir``: a folder instead of a file: the file is named by ``checkpoint_path`` from
      the model's fingerprint and every setting that changes the result (data, epochs, batch size,
      learning rate, optimizer, schedule, loss, seed, ...), and an existing one is resumed. So
      running the same cell again, or another notebook with the same run, reuses the finished run.
    * ``progress``: tqdm bars over epochs and batches (``False``: silent).
    * ``loss_fn(logits, y) -> scalar``: default cross-entropy (eq. 21). Computed in float32.
    * ``to_input(idx) -> model input``: default ``encoding.index_to_one_hot`` ((B, 4, L) float).
      For data with ``flags`` it is called as ``to_input(idx, flags)``, e.g.
      ``promoters.legnet_one_hot`` ((B, 6, L): one-hot + an is_reverse and an is_singleton plane).
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
    * ``recompute_bn``: after each epoch's training, give the BatchNorm layers the exact statistics
      of the training rows (``models.recompute_batchnorm``) before validating, so eval mode no longer
      depends on running averages that lag behind the weights. Costs one forward pass over ``train``.
    * ``name``: shown in the progress bar and stored in the history (default: the model's class).

    Returns the history, a DataFrame with one row per epoch: ``epoch`` (1-based), ``train_loss``,
    ``train_acc`` (on the augmented training batches, in train mode), ``val_loss``, ``val_acc``
    (NaN for non-class targets), ``lr`` (after the epoch), ``seconds`` (whole epoch),
    ``samples_per_s`` (training part), then the ``val_metrics`` columns; ``attrs``: ``best_epoch``, ``best_val_loss``,
    ``stopped_early``, ``total_seconds``, ``device``, ``name``,
    ``checkpoint`` (the file written, or None).

    >>> from dnacourse.data import make_motif_dataset
    >>> data = SequenceData.from_frame(make_motif_dataset(20, 2, length=30), length=30)
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 30, 2))
    >>> h = fit(net, data.subset(range(32)), data.subset(range(32, 40)), epochs=2, progress=False)
    >>> list(h.epoch), h.attrs["stopped_early"]
    ([1, 2], False)
    """
    train, val = as_data(train, "train"), as_data(val, "val")
    _check_fit_arguments(train, val, epochs, batch_size, patience, checkpoint, checkpoint_dir, resume,
                         loss_fn)
    name = name or type(model).__name__
    run = _setup(model, train, val, device=device, amp=amp, optimizer=optimizer, lr=lr,
                 weight_decay=weight_decay, loss_fn=loss_fn, to_input=to_input)
    config = _config(model, train, val, batch_size=int(batch_size), lr=float(lr),
                     weight_decay=float(weight_decay), patience=patience, seed=int(seed),
                     augment=_name_of(augment) if callable(augment) else repr(augment), amp=run.amp,
                     device_type=run.device.type, optimizer=_name_of(optimizer), scheduler=_name_of(scheduler),
                     loss_fn=_name_of(loss_fn), to_input=_name_of(to_input))
    if recompute_bn:  # named only when on, so the files of runs without it keep their names
        config["recompute_bn"] = True
    if checkpoint_dir is not None:  # the settings name the file: the same run resumes the same file
        checkpoint = checkpoint_path(checkpoint_dir, model, {**config, "epochs": int(epochs)})
        resume = checkpoint.exists()
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    train, val = train.to(run.device), val.to(run.device)
    runtime.seed_everything(seed)
    rng, stopper = _Generators(int(seed), run.device), EarlyStopping(patience)
    steps_per_epoch = len(_batches(len(train), batch_size, None, "cpu"))
    sched = scheduler(run.opt, epochs * steps_per_epoch) if scheduler is not None else None
    history, done = {column: [] for column in HISTORY_COLUMNS}, 0
    resumed = _resume(checkpoint, config, model, run, sched, stopper, rng) if resume else None
    if resumed is not None:
        history, done = resumed
        print(f"resume: {checkpoint} holds {done} epoch(s)" + (
            "; training is finished, returning the stored result" if stopper.ran_out or done >= epochs
            else f"; continuing to epoch {epochs}"))
    finished = stopper.ran_out or done >= epochs
    augment_fn, label_check = _augmenter(augment), _label_check(train=train.y, val=val.y)
    epoch_bar = tqdm(total=epochs, initial=done, desc=name, unit="epoch", disable=not progress or finished)
    batch_bar = tqdm(desc="batches", unit="batch", leave=False, disable=not progress or finished)
    for epoch in range(done + 1, epochs + 1) if not finished else ():
        start = time.perf_counter()
        batch_bar.set_description(f"epoch {epoch}")
        train_loss, train_acc = _train_epoch(model, train, run, batch_size=batch_size, rng=rng,
                                             augment_fn=augment_fn, sched=sched, check=label_check, bar=batch_bar)
        train_seconds = time.perf_counter() - start
        if recompute_bn:  # exact BatchNorm statistics of the training rows, one pass without gradients
            with _autocast(run.device, run.amp):
                models.recompute_batchnorm(model, (
                    _model_input(run.to_input, train.idx[rows], _flags(train, rows))
                    for rows in _batches(len(train), max(batch_size, 256), None, run.device)))
        val_loss, val_acc = _loss_and_accuracy(model, val, batch_size, run)
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
               "val_acc": val_acc, "lr": float(run.opt.param_groups[0]["lr"]),
               "seconds": time.perf_counter() - start, "samples_per_s": len(train) / train_seconds,
               **_val_metrics(val_metrics, model)}
        _append(history, row)
        stopped_early = stopper.update(val_loss, model, epoch) and epoch < epochs   # eq. 22
        if checkpoint is not None:
            _save_checkpoint(checkpoint, _checkpoint_state(
                name, config, epoch, epochs, stopped_early or epoch == epochs, stopped_early, model, run,
                sched, stopper, history, rng))
        epoch_bar.update()
        epoch_bar.set_postfix(_epoch_postfix(row, stopper.best_epoch))
        if on_epoch_end is not None:
            on_epoch_end(dict(row))
        if stopped_early:
            break
    batch_bar.close()
    epoch_bar.close()
    stopper.restore(model, any_epochs=bool(history["epoch"]))
    model.eval()
    return _history_frame(history, {
        "best_epoch": stopper.best_epoch, "best_val_loss": stopper.best_loss,
        "stopped_early": stopper.ran_out and len(history["epoch"]) < epochs,
        "total_seconds": float(sum(history["seconds"])), "device": str(run.device), "name": name,
        "checkpoint": str(checkpoint) if checkpoint is not None else None,
    })


def _check_fit_arguments(train, val, epochs, batch_size, patience, checkpoint, checkpoint_dir, resume,
                         loss_fn=None):
    if len(train) == 0:
        raise ValueError("train is empty: there is nothing to learn from")
    if len(val) == 0:
        raise ValueError("val is empty: early stopping needs validation data")
    for which, data in (("train", train), ("val", val)):
        if loss_fn is None and data.y.is_floating_point() and data.y.ndim == 1:
            raise TypeError(f"{which}.y holds float targets ({data.y.dtype}), but the default loss, "
                            "cross-entropy, needs integer class labels 0..C-1: use integer labels "
                            "(df['label'].astype(int)), or pass a loss_fn for regression "
                            "(e.g. loss_fn=lambda out, y: F.mse_loss(out.squeeze(-1), y))")
    check_int(epochs, "epochs")
    check_int(batch_size, "batch_size")
    if patience is not None and (not isinstance(patience, (int, np.integer)) or patience < 1):
        raise ValueError(f"patience must be an int >= 1 or None, got {patience!r}")
    if checkpoint is not None and checkpoint_dir is not None:
        raise ValueError("give checkpoint=<file> or checkpoint_dir=<folder>, not both")
    if resume and checkpoint is None and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint=<path>")
    if checkpoint is not None and not resume and Path(checkpoint).exists():
        raise FileExistsError(
            f"checkpoint {checkpoint} already exists (an earlier run): fit will not overwrite it. Pass "
            "resume=True to continue that run (a finished one is returned as stored), give another "
            "path, or delete the file to train from scratch.")


def _epoch_postfix(row: dict, best_epoch: int) -> dict:
    """The epoch bar's text: losses, validation accuracy (classes only), extra metrics, best epoch."""
    postfix = {"train_loss": f"{row['train_loss']:.4f}", "val_loss": f"{row['val_loss']:.4f}"}
    if not math.isnan(row["val_acc"]):
        postfix["val_acc"] = f"{row['val_acc']:.3f}"
    postfix.update({k: f"{v:.4f}" for k, v in row.items() if k not in HISTORY_COLUMNS})
    return {**postfix, "best_epoch": best_epoch}


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

    return predict_batches(model, idx, batch_size, device, amp, probabilities)


def predict_batches(model, idx, batch_size, device, amp, per_batch) -> np.ndarray:
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
    train = as_data(train, "train")
    if len(train) < 2:
        raise ValueError(f"train has {len(train)} row(s): the range test needs at least 2")
    check_int(batch_size, "batch_size")
    if check_int(steps, "steps") < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got start_lr={start_lr!r}, end_lr={end_lr!r}")
    home = _device(None, model)  # where the model lives now: it goes back there
    saved, was_training = _copy_state(model), model.training
    run = _setup(model, train, device=device, optimizer=optimizer, lr=start_lr,
                 weight_decay=weight_decay, loss_fn=loss_fn, to_input=to_input)
    model.train()
    data = train.to(run.device)
    runtime.seed_everything(seed)
    shuffle_gen = torch.Generator().manual_seed(int(seed))
    lrs = start_lr * (end_lr / start_lr) ** np.linspace(0.0, 1.0, steps)

    records = {"lr": [], "loss": [], "smooth_loss": []}
    average, lowest, beta, stopped_early = 0.0, math.inf, 0.98, False
    check = _label_check(train=data.y)
    queue: list[torch.Tensor] = []
    bar = tqdm(total=steps, desc="lr range test", unit="step", disable=not progress)
    try:
        for step, lr in enumerate(lrs):
            if not queue:  # one pass through the data, then a new shuffle
                queue = _batches(len(data), batch_size, shuffle_gen, run.device)
            rows = queue.pop(0)
            for group in run.opt.param_groups:
                group["lr"] = float(lr)
            flags = _flags(data, rows)
            _, loss = _train_step(model, data.idx[rows], data.y[rows], flags, run, batch_size, check=check)
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


