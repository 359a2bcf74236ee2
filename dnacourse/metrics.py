"""The paper's metrics (eq. 23-27), correlations for the regression track, and tables against published numbers.

    import dnacourse as dc
    y_true = [0, 1, 2, 2]
    y_prob = [[.8, .1, .1], [.2, .7, .1], [.1, .2, .7], [.3, .4, .3]]   # (N, C) softmax outputs
    dc.metrics.classification_metrics(y_true, y_prob)
    # {'accuracy': 0.75, 'precision': 0.833.., 'recall': 0.833.., 'f1': 0.777.., 'auc': 1.0}
    table = dc.metrics.comparison_table([{"model": "cnn", "data": "chimp", "accuracy": 0.81, ...}])
    print(dc.metrics.to_markdown(table))

Definitions (C classes, predictions = the arg-max class of each row of ``y_prob``):

* accuracy (eq. 23): fraction of rows whose prediction equals the label;
* precision, recall, F1 (eq. 24-26): computed per class (one class against the rest), then averaged
  with equal weight per class ("macro"); F1 is the mean of the per-class F1 scores;
* AUC (eq. 27): area under the one-vs-rest ROC curve of each class, averaged over classes.

scikit-learn does the counting; this module adds input checks with clear messages, fixes the class
list to ``range(C)`` and handles classes missing from a small test set without crashing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from . import reference as _reference
from .results import markdown_table

__all__ = [
    "CLASSIFICATION_METRICS", "LABEL_COLUMNS", "classification_metrics", "per_class_report",
    "thresholded_metrics", "regression_metrics", "comparison_table", "to_markdown",
]

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "auc")
LABEL_COLUMNS = ("data", "split", "mode", "device")  # how a row of ours was produced


# ----------------------------------------------------------------------------------------------
# input checks


def _to_numpy(x) -> np.ndarray:
    """NumPy view of a list, array, pandas object or (CPU/GPU) torch tensor, without importing torch."""
    if hasattr(x, "detach"):  # torch.Tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _check_labels(y_true, n_classes: int) -> np.ndarray:
    y = _to_numpy(y_true)
    if y.ndim != 1:
        hint = " (one-hot? pass y.argmax(1))" if y.ndim == 2 else ""
        raise ValueError(f"y_true must be a 1-D array of class indices; got shape {y.shape}{hint}")
    if y.dtype == bool:
        y = y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.integer):
        try:
            yf = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"y_true must hold integer class indices; got dtype {y.dtype}") from None
        bad = ~np.isfinite(yf) | (yf != np.round(yf))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = y[i].item() if hasattr(y[i], "item") else y[i]
            raise ValueError(f"y_true must hold integer class indices; y_true[{i}] = {value!r}")
        y = yf.astype(np.int64)
    out = (y < 0) | (y >= n_classes)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise ValueError(
            f"y_true[{i}] = {y[i]} is outside [0, {n_classes}): y_prob has {n_classes} columns, one per class"
        )
    return y.astype(np.int64)


def _check_proba(y_prob) -> np.ndarray:
    p = _to_numpy(y_prob)
    if p.ndim != 2:
        raise ValueError(f"y_prob must be 2-D (N samples, C classes); got shape {p.shape}")
    if p.shape[0] == 0:
        raise ValueError("y_prob is empty (0 rows)")
    if p.shape[1] < 2:
        raise ValueError(f"y_prob needs at least 2 columns (one per class); got {p.shape[1]}")
    try:
        p = p.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"y_prob must be numeric; got dtype {p.dtype}") from None
    finite = np.isfinite(p)
    if not finite.all():
        r, c = (int(v) for v in np.argwhere(~finite)[0])
        raise ValueError(f"y_prob row {r} holds a non-finite value ({p[r, c]}) in column {c}")
    outside = (p < -1e-6) | (p > 1 + 1e-6)
    if outside.any():
        r, c = (int(v) for v in np.argwhere(outside)[0])
        raise ValueError(
            f"y_prob row {r}, column {c} is {p[r, c]:.4g}, not a probability in [0, 1]: are these logits? "
            "apply a softmax first (torch.softmax(logits, dim=1))"
        )
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > 1e-2
    if off.any():
        r = int(np.flatnonzero(off)[0])
        raise ValueError(f"y_prob row {r} sums to {sums[r]:.4g}, not 1: each row must be a probability "
                         "distribution over the classes (a softmax output)")
    return p


def _check_pair(y_true, y_prob) -> tuple[np.ndarray, np.ndarray]:
    p = _check_proba(y_prob)
    y = _check_labels(y_true, p.shape[1])
    if len(y) != len(p):
        raise ValueError(f"y_true has {len(y)} labels but y_prob has {len(p)} rows; they must match")
    return y, p


def _per_class_auc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(C,) one-vs-rest AUC of each class; NaN for a class with no positive (or no negative) row."""
    auc = np.full(p.shape[1], np.nan)
    for k in range(p.shape[1]):
        positive = y == k
        if positive.any() and not positive.all():
            auc[k] = roc_auc_score(positive, p[:, k])
    return auc


# ----------------------------------------------------------------------------------------------
# classification


def classification_metrics(y_true, y_prob) -> dict[str, float]:
    """The paper's five metrics (eq. 23-27): accuracy, precision, recall, F1, AUC.

    The paper writes eq. 24-27 for one set of counts; averaging over the classes (macro) and the
    one-vs-rest AUC are our choices.

    Parameters
    ----------
    y_true : (N,) int array-like
        True class indices in ``[0, C)`` (NumPy, list, pandas or torch).
    y_prob : (N, C) float array-like
        Predicted class probabilities (softmax outputs; each row sums to 1). Predictions are the
        arg-max of each row.

    Returns
    -------
    dict with float values ``accuracy``, ``precision``, ``recall``, ``f1``, ``auc``.

    Notes
    -----
    * The class list is always ``range(C)`` (C = number of columns of ``y_prob``), so a class that is
      never predicted still counts (with precision 0) instead of silently dropping out of the average.
    * A class absent from ``y_true`` has no recall (0 / 0); it is counted as 0 in the macro
      precision / recall / F1 (scikit-learn's ``zero_division=0``), which pulls the averages down.
      Evaluate on a test set that holds every class (stratified or grouped splits do).
    * AUC is averaged over the classes **present** in ``y_true`` (a one-vs-rest ROC curve needs at least
      one positive and one negative row); it is NaN when ``y_true`` holds a single class. With every
      class present it equals ``roc_auc_score(y_true, y_prob, multi_class="ovr", average="macro")``.
    * Inputs are checked: a ``ValueError`` names the offending row or value (labels outside ``[0, C)``,
      different lengths, non-finite probabilities, rows that are not probability distributions).

    Example
    -------
    >>> m = classification_metrics([0, 1, 1], [[.9, .1], [.4, .6], [.7, .3]])
    >>> round(m["accuracy"], 3), m["auc"]
    (0.667, 1.0)
    """
    y, p = _check_pair(y_true, y_prob)
    n_classes = p.shape[1]
    y_pred = p.argmax(axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, y_pred, labels=list(range(n_classes)), average="macro", zero_division=0
    )
    auc = _per_class_auc(y, p)
    return {
        "accuracy": float(np.mean(y_pred == y)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auc": float(np.nanmean(auc)) if np.isfinite(auc).any() else float("nan"),
    }


def per_class_report(y_true, y_prob, class_names=None) -> pd.DataFrame:
    """Precision, recall, F1, support and one-vs-rest AUC of every class.

    Parameters
    ----------
    y_true : (N,) int array-like, class indices in ``[0, C)``
    y_prob : (N, C) float array-like, class probabilities
    class_names : sequence of C str, optional
        Row labels, e.g. ``dc.data.GENE_FAMILIES``; default ``0 .. C-1``.

    Returns
    -------
    DataFrame, one row per class (index ``class``), columns ``precision``, ``recall``, ``f1`` (floats),
    ``support`` (int: rows of that class in ``y_true``), ``auc`` (NaN for a class absent from ``y_true``).
    The macro averages of :func:`classification_metrics` are the column means (AUC: over non-NaN rows).

    Example
    -------
    >>> per_class_report([0, 1, 1], [[.9, .1], [.4, .6], [.7, .3]], ["A", "B"])["support"].tolist()
    [1, 2]
    """
    y, p = _check_pair(y_true, y_prob)
    n_classes = p.shape[1]
    if class_names is None:
        class_names = list(range(n_classes))
    class_names = list(class_names)
    if len(class_names) != n_classes:
        raise ValueError(f"class_names has {len(class_names)} names but y_prob has {n_classes} columns")
    precision, recall, f1, support = precision_recall_fscore_support(
        y, p.argmax(axis=1), labels=list(range(n_classes)), average=None, zero_division=0
    )
    report = pd.DataFrame(
        {
            "precision": precision.astype(float),
            "recall": recall.astype(float),
            "f1": f1.astype(float),
            "support": support.astype(np.int64),
            "auc": _per_class_auc(y, p),
        },
        index=pd.Index(class_names, name="class"),
    )
    return report


def thresholded_metrics(y_true, y_prob, threshold: float = 0.5) -> dict[str, float]:
    """Precision, recall and F1 when a class counts as predicted only if its probability > ``threshold``.

    A different recipe from :func:`classification_metrics`: every (row, class) cell with probability
    above the threshold is a "positive" prediction, and precision / recall / F1 are pooled over all cells
    ("micro"). With a softmax and ``threshold=0.5`` a row has at most one positive, and a row whose best
    class is below 0.5 predicts nothing. So precision = accuracy on the confident rows (it rises above the
    arg-max accuracy) and recall = fraction of rows whose true class gets > 0.5 (it drops below it).

    This is the pattern of the paper's Table 1 (precision above accuracy and recall below it for every
    model), and it is what the per-batch precision/recall functions common in Keras code compute. The
    paper does not say how it thresholded, so treat this as a hypothesis to test on your own model, not
    as the paper's definition.

    Parameters
    ----------
    y_true : (N,) int array-like, class indices in ``[0, C)``
    y_prob : (N, C) float array-like, class probabilities
    threshold : float, a probability strictly above it is a positive prediction

    Returns
    -------
    dict with float values ``precision``, ``recall``, ``f1`` and ``coverage`` (fraction of rows with a
    prediction at all). Precision is 0 when nothing passes the threshold.

    Example
    -------
    >>> thresholded_metrics([0, 1, 1], [[.9, .1], [.4, .6], [.45, .55]], threshold=0.58)
    {'precision': 1.0, 'recall': 0.6666666666666666, 'f1': 0.8, 'coverage': 0.6666666666666666}
    """
    y, p = _check_pair(y_true, y_prob)
    predicted = p > threshold  # (N, C) bool
    true_positive = predicted[np.arange(len(y)), y].sum()
    n_predicted = predicted.sum()
    precision = float(true_positive / n_predicted) if n_predicted else 0.0
    recall = float(true_positive / len(y))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": float(f1),
            "coverage": float(predicted.any(axis=1).mean())}


# ----------------------------------------------------------------------------------------------
# regression (the LegNet track)


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """Pearson r, Spearman rho, mean squared error and the number of pairs.

    Parameters
    ----------
    y_true : (N,) float array-like, measured values (e.g. expression)
    y_pred : (N,) float array-like, predictions (an ``(N, 1)`` column is accepted)

    Returns
    -------
    dict ``pearson``, ``spearman``, ``mse`` (floats) and ``n`` (int). The correlations are NaN when either
    input is constant (a correlation is undefined then).

    Example
    -------
    >>> regression_metrics([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])["spearman"]
    1.0
    """
    t = _to_numpy(y_true)
    q = _to_numpy(y_pred)
    for name, a in (("y_true", t), ("y_pred", q)):
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D (N,); got shape {a.shape}")
    t = t.reshape(-1).astype(np.float64)
    q = q.reshape(-1).astype(np.float64)
    if len(t) != len(q):
        raise ValueError(f"y_true has {len(t)} values but y_pred has {len(q)}; they must match")
    if len(t) < 2:
        raise ValueError(f"need at least 2 pairs for a correlation; got {len(t)}")
    for name, a in (("y_true", t), ("y_pred", q)):
        bad = ~np.isfinite(a)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{i}] = {a[i]} is not finite")
    if np.ptp(t) == 0 or np.ptp(q) == 0:
        pearson = spearman = float("nan")
    else:
        pearson = float(stats.pearsonr(t, q)[0])
        spearman = float(stats.spearmanr(t, q)[0])
    return {"pearson": pearson, "spearman": spearman, "mse": float(np.mean((q - t) ** 2)), "n": int(len(t))}


# ----------------------------------------------------------------------------------------------
# tables against published numbers


def _rows_frame(ours) -> pd.DataFrame:
    if isinstance(ours, pd.DataFrame):
        frame = ours.copy()
    elif isinstance(ours, Mapping):
        frame = pd.DataFrame([dict(ours)])
    elif isinstance(ours, Sequence) and not isinstance(ours, str):
        frame = pd.DataFrame([dict(r) for r in ours])
    else:
        raise TypeError(f"ours must be a DataFrame, a dict or a list of dicts; got {type(ours).__name__}")
    if "model" not in frame.columns:
        if frame.index.name == "model" or not isinstance(frame.index, pd.RangeIndex):
            frame = frame.rename_axis("model").reset_index()
        else:
            raise ValueError("ours needs a 'model' column (build names such as 'cnn' or 'cnn_bilstm')")
    return frame.reset_index(drop=True)


def _match_model(name, reference: pd.DataFrame):
    """The reference's index entry for ``name`` (build or display name, any case), or None."""
    if name in reference.index:
        return name
    lowered = {str(i).lower(): i for i in reference.index}
    if "name" in reference.columns:
        lowered.update({str(n).lower(): i for i, n in reference["name"].items()})
    return lowered.get(str(name).lower())


def comparison_table(ours, reference: pd.DataFrame | None = None,
                     metrics: Sequence[str] = CLASSIFICATION_METRICS) -> pd.DataFrame:
    """Our results next to published ones: for each of our rows, the paper's value, ours, and ours - paper.

    Parameters
    ----------
    ours : list of dicts, a dict, or a DataFrame
        One row per trained model: ``model`` (a build name such as ``"cnn"``; the paper's spelling
        ``"CNN_BiLSTM"`` works too), the labels ``data``, ``split``, ``mode``, ``device`` (any that you
        have) and the metric values, e.g. ``{**dc.metrics.classification_metrics(y, p), "model": "cnn",
        "data": "chimp", "split": "grouped", "mode": "full", "device": "cuda"}``.
    reference : DataFrame, default ``dc.reference.AIRLANGGA_2024_TABLE1``
        Published values, indexed by model, one column per metric (optional ``name`` column).
    metrics : the metric names to compare (columns of both tables).

    Returns
    -------
    DataFrame with one row per row of ``ours`` (in order): ``model``, ``name`` (display name),
    the label columns, any other non-metric columns of ``ours``, then for every metric ``m`` the columns
    ``m_paper``, ``m_ours``, ``m_diff`` (= ours - paper). Models not in the reference (e.g. a k-mer
    baseline) get NaN paper values and differences; a metric missing from ``ours`` gives NaN.
    ``attrs["source"]`` is the reference's citation, ``attrs["metrics"]`` the metric list.

    Example
    -------
    >>> t = comparison_table([{"model": "cnn", "data": "chimp", "accuracy": 0.80}], metrics=["accuracy"])
    >>> t[["model", "data", "accuracy_paper", "accuracy_ours"]].values.tolist()
    [['cnn', 'chimp', 0.7486, 0.8]]
    >>> round(float(t.loc[0, "accuracy_diff"]), 4)
    0.0514
    """
    if reference is None:
        reference = _reference.AIRLANGGA_2024_TABLE1
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [m for m in metrics if m not in reference.columns]
    if missing:
        raise ValueError(f"the reference has no column {missing}; it has {list(reference.columns)}")
    frame = _rows_frame(ours)

    keys = [_match_model(m, reference) for m in frame["model"]]
    out = pd.DataFrame({"model": [k if k is not None else m for k, m in zip(keys, frame["model"], strict=True)]})
    names = []
    for key, model in zip(keys, frame["model"], strict=True):
        if key is not None and "name" in reference.columns:
            names.append(reference.loc[key, "name"])
        else:
            names.append(_reference.display_name(model))
    out["name"] = names
    label_columns = [c for c in LABEL_COLUMNS if c in frame.columns]
    known = {"model", "name", *metrics}
    extra = [c for c in frame.columns if c not in known and c not in label_columns]
    for column in label_columns + extra:
        out[column] = frame[column].to_numpy()
    for m in metrics:
        paper = np.array([float(reference.loc[k, m]) if k is not None else np.nan for k in keys])
        mine = (pd.to_numeric(frame[m], errors="coerce").to_numpy(dtype=float)
                if m in frame.columns else np.full(len(frame), np.nan))
        out[f"{m}_paper"] = paper
        out[f"{m}_ours"] = mine
        out[f"{m}_diff"] = mine - paper
    out.attrs["source"] = reference.attrs.get("source", "reference table without attrs['source']")
    out.attrs["metrics"] = tuple(metrics)
    out.attrs["label_columns"] = tuple(label_columns)
    return out


def to_markdown(table: pd.DataFrame, columns: Sequence[str] | None = None, floatfmt: str = ".4f",
                index: bool = False) -> str:
    """A GitHub-flavoured Markdown table of a DataFrame, without the ``tabulate`` package.

    Numbers are right-aligned and printed with ``floatfmt``; columns whose name ends in ``diff`` get a
    sign (``+0.0123``); NaN / missing cells are left empty; ``|`` inside text is escaped.

    Parameters
    ----------
    table : DataFrame, e.g. from :func:`comparison_table`
    columns : the columns to print, in order (default: all)
    floatfmt : format spec for floats
    index : also print the index as the first column

    Returns
    -------
    str: a header line, an alignment line and one line per row (``len(table) + 2`` lines).

    Example
    -------
    >>> print(to_markdown(pd.DataFrame({"model": ["cnn"], "acc": [0.81234]})))
    | model | acc |
    | --- | ---: |
    | cnn | 0.8123 |
    """
    frame = table if columns is None else table.loc[:, list(columns)]
    if index:
        frame = frame.reset_index()
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    return markdown_table(frame.itertuples(index=False, name=None), [str(c) for c in frame.columns],
                          floatfmt=[("+" if str(c).endswith("diff") else "") + floatfmt for c in frame.columns],
                          align=["right" if n else "left" for n in numeric])
