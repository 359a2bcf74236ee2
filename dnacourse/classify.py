"""Train and score one gene-family classifier on one split: the workflow of notebooks 05-10.

Notebook 05 builds this step by step (split, encode, ``fit``, predict, the paper's metrics); from
notebook 06 on, one call does it::

    import dnacourse as dc
    df = dc.data.load_gene_families("chimp")
    splits = dc.classify.both_splits(df)                       # {"random": ..., "grouped": ...}
    data = dc.data.SequenceData.from_frame(df, length=1000)
    run = dc.classify.train_and_score("cnn", data, splits["grouped"], epochs=30,
                                      labels={"data": "chimp", "split": "grouped"})
    run.row                                    # model, data, split, mode, device + the five metrics
    run.history                                # one row per epoch (``dnacourse.train.fit``)

Every result row carries what produced it: the data, the split, the run mode and the device.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from . import encoding, metrics, models, runtime, splits, train
from .data import SequenceData, as_data

__all__ = ["both_splits", "split_sizes", "capped", "evaluate", "score", "train_and_score", "Trained",
           "window_starts", "predict_windows"]


def both_splits(df: pd.DataFrame, test_size: float = 0.2, val_size: float = 0.1, seed: int = 0
                ) -> dict[str, splits.Split]:
    """A random split in the paper's proportions (stratified by label: our choice) and the leak-free
    grouped split of one table, by name.

    >>> from dnacourse.data import make_motif_dataset
    >>> df = make_motif_dataset(30, 2, length=40)
    >>> {name: len(s.test) for name, s in both_splits(df).items()}
    {'random': 12, 'grouped': 12}
    """
    return {"random": splits.random_split(df, test_size=test_size, val_size=val_size, seed=seed),
            "grouped": splits.grouped_split(df, test_size=test_size, val_size=val_size, seed=seed)}


def capped(rows, cap: int | None, seed: int = 0) -> np.ndarray:
    """A seeded random subset of at most ``cap`` of the row numbers ``rows``, in order (all if None).

    >>> capped(np.arange(10), 3).tolist(), capped(np.arange(4), None).tolist()
    ([5, 6, 9], [0, 1, 2, 3])
    """
    rows = np.asarray(rows)
    if cap is None or len(rows) <= cap:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, cap, replace=False))


def split_sizes(split_map: dict, data_label: str, train_cap: int | None = None) -> pd.DataFrame:
    """One row per split: its sizes (training rows before and after ``train_cap``) and its leaks."""
    return pd.DataFrame([{"data": data_label, "split": name, "train (all)": len(s.train),
                          "train (used)": len(capped(s.train, train_cap)), "val": len(s.val),
                          "test": len(s.test), "leaking train-test pairs": s.leaks["train-test"]}
                         for name, s in split_map.items()])


def evaluate(model: torch.nn.Module, data: SequenceData, **kw) -> dict:
    """The paper's metrics (eq. 23-27) on ``data``: accuracy, precision, recall, f1, auc, plus n.

    ``kw`` goes to ``train.predict_proba`` (batch_size, device, to_input, amp).
    """
    data = as_data(data, "data")
    if len(data) == 0:
        raise ValueError("data is empty")
    prob = train.predict_proba(model, data, **kw)
    result = dict(metrics.classification_metrics(data.y.cpu().numpy(), prob))
    result["n"] = len(data)
    return result


def score(net: torch.nn.Module, test: SequenceData, **labels) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(y, prob, row)`` on the test rows: labels ``(N,)``, probabilities ``(N, C)`` and one result row,
    ``labels`` (e.g. model, data, split, mode, device) followed by the paper's five metrics."""
    test = as_data(test, "test")
    prob = train.predict_proba(net, test)
    y = test.y.cpu().numpy()
    return y, prob, {**labels, **metrics.classification_metrics(y, prob)}


@dataclass
class Trained:
    """What ``train_and_score`` returns: the trained model, its history, test labels and
    probabilities, and the labelled result row."""

    model: torch.nn.Module = field(repr=False)
    history: pd.DataFrame = field(repr=False)
    y: np.ndarray = field(repr=False)
    prob: np.ndarray = field(repr=False)
    row: dict

    @property
    def facts(self) -> dict:
        """Size and cost of the run: parameters, epochs run, best epoch, seconds."""
        h = self.history
        return {"parameters": models.count_parameters(self.model), "epochs run": len(h),
                "best epoch": h.attrs["best_epoch"], "train seconds": h.attrs["total_seconds"],
                "seconds per epoch": float(h["seconds"].mean())}


def train_and_score(name: str, data: SequenceData, split: splits.Split, *, epochs: int = 30,
                    batch_size: int = 64, lr: float = 1e-3, patience: int | None = 5, augment=None,
                    recompute_bn: bool = True,
                    seed: int = 0, train_cap: int | None = None, checkpoint_dir=None,
                    labels: dict | None = None, display: str | None = None, progress: bool = True,
                    **hyperparameters) -> Trained:
    """A fresh ``models.build(name, **hyperparameters)`` (seeded), trained on ``split.train`` (at most
    ``train_cap`` rows, a seeded sample) with early stopping on ``split.val``, scored on ``split.test``.

    The same seed gives every model and split the same starting weights and batch order. Arguments
    after ``split`` go to ``train.fit``. ``recompute_bn`` (on by default, our choice): after every
    epoch the BatchNorm layers get the exact statistics of the training rows before validation
    (``models.recompute_batchnorm``; notebook 05 shows why). ``checkpoint_dir``: a folder where the run is saved after every
    epoch and from which the same run is resumed (``fit(checkpoint_dir=...)``). ``labels`` start the
    result row, after ``model`` (e.g. data, split, mode, device); ``display`` names the progress bar.

    >>> import dnacourse as dc
    >>> df = dc.data.make_motif_dataset(30, 2, length=40)
    >>> data = dc.data.SequenceData.from_frame(df, length=40)
    >>> run = train_and_score("cnn", data, both_splits(df)["grouped"], epochs=2, n_classes=2,
    ...                       channels=(8,), progress=False, labels={"split": "grouped"})
    >>> list(run.row)[:3], len(run.history), run.prob.shape
    (['model', 'split', 'accuracy'], 2, (12, 2))
    """
    row_labels = {"model": name, **(labels or {})}
    runtime.seed_everything(seed)
    model = models.build(name, **hyperparameters)
    history = train.fit(model, data.subset(capped(split.train, train_cap, seed)), data.subset(split.val),
                        epochs=epochs, batch_size=batch_size, lr=lr, patience=patience, augment=augment,
                        seed=seed, checkpoint_dir=checkpoint_dir, progress=progress,
                        name=display or name, recompute_bn=recompute_bn)
    y, prob, row = score(model, data.subset(split.test), **row_labels)
    return Trained(model, history, y, prob, row)


# ----------------------------------------------------------------------------------------------
# reading a whole gene with a model trained on its first bases (notebook 10)


def window_starts(n_bases: int, length: int = 1000, step: int = 500, max_windows: int | None = None) -> list[int]:
    """Where the ``length``-base windows that read a sequence of ``n_bases`` bases start: ``0, step,
    2 * step, ...`` and, if those miss the end, one more window that ends at the last base, so every
    base is read. A sequence that fits in one window gets ``[0]``. ``max_windows`` keeps only the
    first ones (None = all of them).

    >>> window_starts(900), window_starts(2200), window_starts(2200, max_windows=2)
    ([0], [0, 500, 1000, 1200], [0, 500])
    """
    for what, value in (("n_bases", n_bases), ("length", length), ("step", step)):
        if int(value) < 1:
            raise ValueError(f"{what} must be at least 1, got {value}")
    if max_windows is not None and max_windows < 1:
        raise ValueError(f"max_windows must be at least 1 or None, got {max_windows}")
    last = max(n_bases - length, 0)
    starts = list(range(0, last + 1, step))
    if starts[-1] != last:
        starts.append(last)
    return starts[:max_windows]


def predict_windows(model: torch.nn.Module, sequences, length: int = 1000, step: int = 500,
                    max_windows: int | None = None, batch_size: int = 256) -> np.ndarray:
    """Class probabilities ``(N, C)`` of whole sequences from a model that reads ``length`` bases.

    Each sequence is cut into the windows of ``window_starts`` (each encoded as eq. 1 encodes a
    sequence), the model scores every window, and a sequence's probabilities are the normalised
    geometric mean over its windows (the mean of their log-probabilities, then softmax). A sequence
    of at most ``length`` bases has one window, so its row equals ``train.predict_proba`` on the
    eq. 1 encoding. Reading every window, not the first ``length`` bases only, is our choice
    (notebook 10 measures it); the paper reads the first 1,000 (eq. 1).

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 6, 3))
    >>> predict_windows(net, ["ACGTACGTAC", "ACG"], length=6, step=2).shape
    (2, 3)
    """
    sequences = list(sequences)
    if not sequences:
        raise ValueError("sequences is empty: give at least one sequence")
    encoding.validate(sequences)                     # names the sequence and position of a bad base
    pieces, owner = [], []
    for i, seq in enumerate(sequences):
        for start in window_starts(len(seq), length, step, max_windows):
            pieces.append(seq[start:start + length])
            owner.append(i)
    prob = train.predict_proba(model, encoding.encode_index(pieces, length), batch_size=batch_size)
    owner = np.asarray(owner)
    log_prob = np.log(np.clip(prob.astype(np.float64), 1e-30, None))          # (windows, C)
    total = np.zeros((len(sequences), prob.shape[1]))
    np.add.at(total, owner, log_prob)
    mean = total / np.bincount(owner, minlength=len(sequences))[:, None]      # (N, C)
    mean = np.exp(mean - mean.max(axis=1, keepdims=True))
    return (mean / mean.sum(axis=1, keepdims=True)).astype(np.float32)
