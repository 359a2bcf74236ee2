"""Plots of the course: learning curves, confusion matrices, ROC curves, comparisons with the paper.

    import dnacourse as dc
    dc.plots.learning_curves(history)                          # loss and accuracy per epoch
    dc.plots.confusion_matrix(y_true, y_pred, labels=dc.data.GENE_FAMILIES)
    dc.plots.roc_curves(y_true, y_prob, labels=dc.data.GENE_FAMILIES)
    dc.plots.roc_overlay({"CNN": (y_true, p_cnn), "LSTM": (y_true, p_lstm)})
    table = dc.metrics.comparison_table(rows)
    dc.plots.comparison_bars(table, "accuracy")
    dc.plots.precision_recall_scatter(table)

Every function draws on ``ax`` when given (a new figure otherwise) and returns the Axes, or the
Figure for multi-panel plots. Nothing calls ``plt.show()``: a notebook shows the figure at the end of
the cell; a script calls ``fig.savefig(...)``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from sklearn.metrics import confusion_matrix as _sk_confusion_matrix
from sklearn.metrics import roc_curve

from . import metrics as _metrics
from . import reference as _reference

__all__ = [
    "learning_curves", "confusion_matrix", "roc_curves", "roc_overlay", "comparison_bars",
    "precision_recall_scatter", "wrap_label", "save_figure",
]

_METRIC_LABELS = {
    "loss": "loss (cross-entropy)",
    "acc": "accuracy",
    "accuracy": "accuracy",
    "precision": "precision (macro)",
    "recall": "recall (macro)",
    "f1": "F1 (macro)",
    "auc": "AUC (one-vs-rest, macro)",
    "pearson": "Pearson r",
    "spearman": "Spearman rho",
    "mse": "mean squared error",
}
_PAPER_COLOR = "0.6"  # grey: the published numbers
FIGURE_DPI = 72       # saved figures: small PNGs (a few tens of kB) that GitHub shows in the README


def save_figure(fig, name: str, folder=None):
    """Save ``fig`` (a Figure, or an Axes of one) as ``<name>.png`` in ``folder``; return the path.

    ``folder`` defaults to ``figures/`` beside the saved results (``dc.results.results_dir()``'s
    parent: ``build/figures``, or ``<out>/figures`` in a ``python -m dnacourse reproduce`` run,
    which copies the figures of cpu- and full-mode runs to ``results/figures/``). Written whole
    or not at all (a temporary file, then a rename); an existing figure of that name is replaced.

    >>> import tempfile, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1)); _ = ax.plot([0, 1])
    >>> save_figure(ax, "10_demo", folder=tempfile.mkdtemp()).name
    '10_demo.png'
    """
    from pathlib import Path

    from . import _files, results

    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"save_figure: name must be a plain file name without extension, got {name!r}")
    fig = getattr(fig, "figure", fig)          # an Axes -> its Figure
    if not hasattr(fig, "savefig"):
        raise TypeError(f"save_figure: expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    folder = Path(folder) if folder is not None else results.results_dir().parent / "figures"
    return _files.atomic_write(folder / f"{name}.png",
                               lambda fh: fig.savefig(fh, format="png", dpi=FIGURE_DPI, bbox_inches="tight"))


def wrap_label(text, width: int = 14) -> str:
    """Break a long class name over lines: ``wrap_label("G protein coupled receptors")`` ->
    ``"G protein\\ncoupled\\nreceptors"``."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def _new_ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _class_names(labels, n_classes: int) -> list[str]:
    if labels is None:
        return [str(k) for k in range(n_classes)]
    labels = [str(x) for x in labels]
    if len(labels) != n_classes:
        raise ValueError(f"labels has {len(labels)} names but there are {n_classes} classes")
    return labels


# ----------------------------------------------------------------------------------------------
# training


def learning_curves(history, metrics: Sequence[str] = ("loss", "acc"), ax=None):
    """Training and validation curves per epoch, one panel per metric.

    Parameters
    ----------
    history : DataFrame, or dict name -> DataFrame to overlay several models
        A ``dc.train.fit`` History: columns ``epoch``, ``train_<metric>``, ``val_<metric>`` (e.g.
        ``train_loss``, ``val_acc``). ``attrs["best_epoch"]``, when present, is marked with a dotted
        vertical line (the epoch early stopping kept).
    metrics : metric stems to plot, one panel each (``"loss"``, ``"acc"``, ...)
    ax : an Axes (one metric) or a sequence of Axes (one per metric); default a new figure

    Returns
    -------
    The Figure when more than one metric is plotted, the Axes for a single metric. Solid lines are
    training, dashed lines validation; one colour per model.

    Example
    -------
    >>> h = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [1.0, .7, .5], "val_loss": [1.1, .8, .9],
    ...                   "train_acc": [.5, .7, .8], "val_acc": [.4, .6, .6]})
    >>> h.attrs["best_epoch"] = 2
    >>> fig = learning_curves(h)
    """
    if isinstance(history, pd.DataFrame):
        name = history.attrs.get("name")
        histories = {str(name) if name else "": history}
    elif isinstance(history, Mapping):
        histories = {str(k): v for k, v in history.items()}
    else:
        raise TypeError(f"history must be a DataFrame or a dict name -> DataFrame; got {type(history).__name__}")
    if not histories:
        raise ValueError("history is empty")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)

    if ax is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), layout="constrained",
                                 squeeze=False)
        axes = list(axes[0])
    else:
        axes = [ax] if isinstance(ax, plt.Axes) else list(ax)
        if len(axes) != len(metrics):
            raise ValueError(f"got {len(axes)} Axes for {len(metrics)} metrics")
        fig = axes[0].figure

    palette = sns.color_palette("tab10", n_colors=max(len(histories), 1))
    for panel, metric in zip(axes, metrics, strict=True):
        for color, (name, h) in zip(palette, histories.items(), strict=False):
            columns = [c for c in (f"train_{metric}", f"val_{metric}") if c in h.columns]
            if not columns:
                raise ValueError(f"history {name!r} has no train_{metric} or val_{metric} column; "
                                 f"it has {list(h.columns)}")
            x = h["epoch"] if "epoch" in h.columns else np.arange(1, len(h) + 1)
            prefix = f"{name}: " if name else ""
            for column in columns:
                split = "train" if column.startswith("train_") else "val"
                panel.plot(x, h[column], color=color, linestyle="-" if split == "train" else "--",
                           marker="o", markersize=3, label=f"{prefix}{split}")
            best = h.attrs.get("best_epoch")
            if best is not None and not pd.isna(best):
                panel.axvline(best, color=color, linestyle=":", linewidth=1.5,
                              label=f"{prefix}best epoch ({int(best)})")
        label = _METRIC_LABELS.get(metric, metric)
        panel.set_xlabel("epoch")
        panel.set_ylabel(label)
        panel.set_title(f"{label[0].upper() + label[1:]} per epoch")
        panel.grid(alpha=0.3)
        if len(histories) == 1:
            panel.legend(fontsize=8)
        else:  # one entry per model (colour) plus a key to the line styles
            handles = [Line2D([], [], color=c, linewidth=2, label=n) for c, n in zip(palette, histories, strict=False)]
            handles += [Line2D([], [], color="0.3", linestyle=ls, label=lab)
                        for ls, lab in (("-", "train"), ("--", "val"), (":", "best epoch"))]
            panel.legend(handles=handles, fontsize=8)
    if "epoch" in next(iter(histories.values())).columns:
        for panel in axes:
            panel.xaxis.get_major_locator().set_params(integer=True)
    return fig if len(axes) > 1 else axes[0]


# ----------------------------------------------------------------------------------------------
# classification results


def confusion_matrix(y_true, y_pred, labels=None, normalize: bool = True, ax=None, wrap: int = 14):
    """Heatmap of true class (rows) against predicted class (columns).

    Parameters
    ----------
    y_true : (N,) int array-like, class indices
    y_pred : (N,) int array-like of predicted classes, or (N, C) probabilities (arg-max is taken)
    labels : sequence of C class names (e.g. ``dc.data.GENE_FAMILIES``); default ``0 .. C-1``
        Long names are wrapped over several lines (``wrap`` characters per line).
    normalize : if True each row is divided by its total, so the diagonal is the recall of each class
        (a class absent from ``y_true`` gives a row of zeros); if False, raw counts.
    ax : Axes to draw on; default a new figure

    Returns
    -------
    The Axes.

    Example
    -------
    >>> ax = confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], labels=["a", "b", "c"])
    """
    y = _metrics._to_numpy(y_true).astype(np.int64)
    pred = _metrics._to_numpy(y_pred)
    n_classes = None
    if pred.ndim == 2:
        n_classes = pred.shape[1]
        pred = pred.argmax(axis=1)
    pred = pred.astype(np.int64)
    if len(y) != len(pred):
        raise ValueError(f"y_true has {len(y)} labels but y_pred has {len(pred)}")
    if n_classes is None:
        n_classes = len(labels) if labels is not None else int(max(y.max(initial=0), pred.max(initial=0))) + 1
    names = _class_names(labels, n_classes)
    matrix = _sk_confusion_matrix(y, pred, labels=list(range(n_classes))).astype(float)
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)

    size = max(5.0, 0.9 * n_classes + 2.5)
    ax = _new_ax(ax, (size + 1.0, size))
    sns.heatmap(matrix, ax=ax, annot=n_classes <= 12, fmt=".2f" if normalize else ".0f", cmap="Blues",
                vmin=0, vmax=1 if normalize else None, square=True, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "fraction of the true class" if normalize else "count", "shrink": 0.8},
                annot_kws={"fontsize": 9})
    wrapped = [wrap_label(n, wrap) for n in names]
    ax.set_xticks(np.arange(n_classes) + 0.5, wrapped, rotation=45, ha="right", rotation_mode="anchor",
                  fontsize=9)
    ax.set_yticks(np.arange(n_classes) + 0.5, wrapped, rotation=0, fontsize=9)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = float(np.mean(y == pred)) if len(y) else float("nan")
    what = "row-normalised: diagonal = recall" if normalize else "counts"
    ax.set_title(f"Confusion matrix ({what}), accuracy {accuracy:.3f}")
    return ax


def roc_curves(y_true, y_prob, labels=None, ax=None):
    """One-vs-rest ROC curve of every class, with its AUC in the legend (eq. 27).

    Parameters
    ----------
    y_true : (N,) int array-like, class indices in ``[0, C)``
    y_prob : (N, C) float array-like, class probabilities
    labels : sequence of C class names; default ``0 .. C-1``
    ax : Axes to draw on; default a new figure

    Returns
    -------
    The Axes, holding one line per class present in ``y_true`` (a class with no positive row has no
    ROC curve and is left out, as in the macro AUC) plus the dashed chance diagonal.

    Example
    -------
    >>> ax = roc_curves([0, 1, 2, 2], [[.8, .1, .1], [.2, .7, .1], [.1, .2, .7], [.3, .4, .3]])
    """
    y, p = _metrics._check_pair(y_true, y_prob)
    names = _class_names(labels, p.shape[1])
    auc = _metrics._per_class_auc(y, p)
    ax = _new_ax(ax, (6.5, 5.5))
    palette = sns.color_palette("tab10", n_colors=max(p.shape[1], 1))
    for k in range(p.shape[1]):
        if np.isnan(auc[k]):
            continue
        fpr, tpr, _ = roc_curve(y == k, p[:, k])
        ax.plot(fpr, tpr, color=palette[k % len(palette)], linewidth=1.8,
                label=f"{names[k]} (AUC {auc[k]:.3f})")
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="chance (AUC 0.5)")
    _roc_axes(ax)
    macro = np.nanmean(auc) if np.isfinite(auc).any() else float("nan")
    ax.set_title(f"ROC curves, one class vs the rest (macro AUC {macro:.3f})")
    return ax


def _roc_axes(ax):
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate (1 - specificity)")
    ax.set_ylabel("true positive rate (recall)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)


def _macro_roc(y: np.ndarray, p: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Mean over the classes present of each class's one-vs-rest TPR, interpolated on a common FPR grid."""
    curves = []
    for k in range(p.shape[1]):
        positive = y == k
        if positive.any() and not positive.all():
            fpr, tpr, _ = roc_curve(positive, p[:, k])
            curves.append(np.interp(grid, fpr, tpr))
    if not curves:
        return np.full_like(grid, np.nan)
    mean = np.mean(curves, axis=0)
    mean[0] = 0.0
    return mean


def roc_overlay(results: Mapping, ax=None):
    """Macro-average one-vs-rest ROC curve of several models on one plot.

    Parameters
    ----------
    results : dict model name -> (y_true (N,), y_prob (N, C))
        Each model may have its own test set (e.g. different splits); the legend shows each model's macro
        AUC as computed by ``dc.metrics.classification_metrics``.
    ax : Axes to draw on; default a new figure

    Returns
    -------
    The Axes, with one line per model plus the dashed chance diagonal. The curve of a model is the mean
    of its per-class ROC curves on a common false-positive-rate grid.

    Example
    -------
    >>> y = [0, 1, 2, 2]
    >>> p = [[.8, .1, .1], [.2, .7, .1], [.1, .2, .7], [.3, .4, .3]]
    >>> ax = roc_overlay({"model A": (y, p), "uniform": (y, [[1 / 3] * 3] * 4)})
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict: model name -> (y_true, y_prob)")
    ax = _new_ax(ax, (6.5, 5.5))
    grid = np.linspace(0.0, 1.0, 201)
    palette = sns.color_palette("tab10", n_colors=max(len(results), 1))
    for color, (name, pair) in zip(palette, results.items(), strict=False):
        try:
            y_true, y_prob = pair
        except (TypeError, ValueError):
            raise ValueError(f"results[{name!r}] must be a pair (y_true, y_prob)") from None
        y, p = _metrics._check_pair(y_true, y_prob)
        auc = _metrics.classification_metrics(y, p)["auc"]
        ax.plot(grid, _macro_roc(y, p, grid), color=color, linewidth=1.8, label=f"{name} (macro AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="chance (AUC 0.5)")
    _roc_axes(ax)
    ax.set_title("Macro-average ROC curve per model")
    return ax


# ----------------------------------------------------------------------------------------------
# comparisons with the paper


def _variant_labels(table: pd.DataFrame) -> list[str]:
    """A legend label per row of ours: "ours (chimp, grouped)".

    When a model has several rows, the label columns (data, split, mode, device) that differ within a
    model tell the rows apart; otherwise every row gets one label built from the columns shared by all.
    """
    columns = [c for c in _metrics.LABEL_COLUMNS if c in table.columns]
    text = table[columns].astype(str) if columns else pd.DataFrame(index=table.index)
    within = [c for c in columns if text.groupby(table["model"].astype(str))[c].nunique().max() > 1]
    shown = within or [c for c in columns if text[c].nunique() == 1]
    labels = []
    for i in range(len(table)):
        parts = [text[c].iloc[i] for c in shown if not pd.isna(table[c].iloc[i]) and text[c].iloc[i]]
        labels.append("ours" + (f" ({', '.join(parts)})" if parts else ""))
    return labels


def _comparison_frame(table: pd.DataFrame, metrics: Sequence[str], reference) -> pd.DataFrame:
    """A comparison_table-shaped frame (``m_ours`` and maybe ``m_paper`` columns) from what we were given."""
    have_ours = all(f"{m}_ours" in table.columns for m in metrics)
    if have_ours and reference is None:
        return table
    if have_ours:  # a comparison table plus another reference: re-compare our values
        ours = table[[c for c in table.columns if not c.endswith(("_paper", "_diff"))]]
        ours = ours.rename(columns={f"{m}_ours": m for m in metrics})
    else:
        missing = [m for m in metrics if m not in table.columns]
        if missing:
            raise ValueError(f"the table has no column(s) {missing} (nor {missing[0]}_ours); "
                             f"it has {list(table.columns)}")
        ours = table
    frame = _metrics._rows_frame(ours)
    if reference is not None:
        return _metrics.comparison_table(frame, reference=reference, metrics=metrics)
    out = pd.DataFrame({"model": frame["model"].astype(str),
                        "name": [_reference.display_name(m) for m in frame["model"]]})
    for c in _metrics.LABEL_COLUMNS:
        if c in frame.columns:
            out[c] = frame[c].to_numpy()
    for m in metrics:
        out[f"{m}_ours"] = pd.to_numeric(frame[m], errors="coerce").to_numpy(dtype=float)
    return out


def comparison_bars(table: pd.DataFrame, metric: str = "accuracy", reference=None, ax=None):
    """Grouped bars per model: the paper's value (grey) next to ours (one colour per data/split/...).

    Parameters
    ----------
    table : DataFrame
        A ``dc.metrics.comparison_table`` (columns ``<metric>_ours`` and ``<metric>_paper``), or plain
        results with a ``model`` column and a ``<metric>`` column (then the paper's bars come from
        ``reference``; without one, only ours are drawn).
    metric : which metric to plot (``accuracy``, ``precision``, ``recall``, ``f1``, ``auc``)
    reference : DataFrame of published values, e.g. ``dc.reference.AIRLANGGA_2024_TABLE1`` (optional
        when ``table`` already has the paper's column)
    ax : Axes to draw on; default a new figure

    Returns
    -------
    The Axes. Each model gets one paper bar (when published) and one bar per row of ours for that model
    (rows are told apart by their ``data``, ``split``, ``mode``, ``device`` labels); each bar carries
    its value.

    Example
    -------
    >>> t = dc.metrics.comparison_table([{"model": "cnn", "accuracy": .8}, {"model": "gru", "accuracy": .7}])
    >>> ax = comparison_bars(t, "accuracy")      # 4 bars: paper and ours for CNN and GRU
    """
    frame = _comparison_frame(table, [metric], reference).reset_index(drop=True)
    if "name" not in frame.columns:
        frame["name"] = [_reference.display_name(m) for m in frame["model"]]
    variants = _variant_labels(frame)
    frame["_variant"] = variants
    variant_order = list(dict.fromkeys(variants))
    models = list(dict.fromkeys(frame["model"]))
    names = {m: frame.loc[frame["model"] == m, "name"].iloc[0] for m in models}
    has_paper = f"{metric}_paper" in frame.columns

    series = (["paper"] if has_paper else []) + variant_order
    width = 0.8 / len(series)
    palette = dict(zip(variant_order, sns.color_palette("deep", n_colors=len(variant_order)), strict=False))
    palette["paper"] = _PAPER_COLOR
    ax = _new_ax(ax, (max(6.0, 1.1 * len(models) * max(1, len(series)) / 2 + 3), 4.5))
    x = np.arange(len(models))
    n_bars = 0
    for j, label in enumerate(series):
        heights = []
        for m in models:
            rows = frame[frame["model"] == m]
            if label == "paper":
                heights.append(float(rows[f"{metric}_paper"].iloc[0]))
            else:
                mine = rows.loc[rows["_variant"] == label, f"{metric}_ours"]
                heights.append(float(mine.iloc[0]) if len(mine) else np.nan)
        heights = np.array(heights)
        keep = np.isfinite(heights)
        if not keep.any():
            continue
        offset = (j - (len(series) - 1) / 2) * width
        bars = ax.bar(x[keep] + offset, heights[keep], width=width * 0.95, color=palette[label],
                      edgecolor="white", label="paper (their data)" if label == "paper" else label)
        n_bars += int(keep.sum())
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    ax.set_xticks(x, [names[m] for m in models], rotation=30 if len(models) > 4 else 0,
                  ha="right" if len(models) > 4 else "center")
    label = _METRIC_LABELS.get(metric, metric)
    ax.set_ylabel(label)
    ax.set_xlabel("model")
    top = np.nanmax(frame[[c for c in frame.columns if c.startswith(f"{metric}_") and not c.endswith("_diff")]]
                    .to_numpy(dtype=float))
    ax.set_ylim(0, max(1.0, float(top)) * 1.1 if np.isfinite(top) else 1.1)
    ax.set_title(f"{label[0].upper() + label[1:]} per model: ours vs the paper" if has_paper
                 else f"{label[0].upper() + label[1:]} per model")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="upper right", ncols=min(3, len(series)))
    return ax


def precision_recall_scatter(table: pd.DataFrame, reference=None, ax=None,
                             f1_levels=(0.4, 0.5, 0.6, 0.7, 0.8, 0.9)):
    """Macro precision against macro recall per model, ours and the paper's, with iso-F1 curves.

    A model above the diagonal is cautious (what it predicts is usually right, but it misses members of
    some classes); below it, the opposite. Colour = model; square = the paper, circle (then triangle,
    diamond, ...) = our result(s); a thin line joins the paper's point of a model to ours.

    Parameters
    ----------
    table : a ``dc.metrics.comparison_table`` (``precision_ours``/``recall_ours`` and the ``_paper``
        columns), or plain results with ``model``, ``precision``, ``recall`` columns (+ ``reference``)
    reference : DataFrame of published values (optional, see :func:`comparison_bars`)
    f1_levels : F1 values drawn as faint iso-curves (F1 = 2PR / (P + R)); ``()`` for none
    ax : Axes to draw on; default a new figure

    Returns
    -------
    The Axes, with one scatter (collection) for the paper (when present) and one per variant of ours
    (rows told apart by ``data``, ``split``, ``mode``, ``device``); the legend names the models.

    Example
    -------
    >>> t = dc.metrics.comparison_table([{"model": "cnn", "precision": .8, "recall": .75}],
    ...                                 metrics=["precision", "recall"])
    >>> ax = precision_recall_scatter(t)
    """
    frame = _comparison_frame(table, ["precision", "recall"], reference).reset_index(drop=True)
    if "name" not in frame.columns:
        frame["name"] = [_reference.display_name(m) for m in frame["model"]]
    frame["_variant"] = _variant_labels(frame)
    has_paper = "precision_paper" in frame.columns and "recall_paper" in frame.columns
    ax = _new_ax(ax, (8.5, 6.0))

    r = np.linspace(0.01, 1.0, 300)
    for level in f1_levels:
        with np.errstate(divide="ignore", invalid="ignore"):
            p = level * r / (2 * r - level)
        ok = (p > 0) & (p <= 1.0) & (2 * r > level)
        ax.plot(r[ok], p[ok], color="0.85", linewidth=0.8, zorder=0)
        if ok.any():
            ax.annotate(f"F1={level:g}", (r[ok][-1], p[ok][-1]), fontsize=7, color="0.55",
                        xytext=(-2, 2), textcoords="offset points", ha="right")
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, zorder=0)

    models = list(dict.fromkeys(frame["model"]))
    palette = dict(zip(models, sns.color_palette("tab10", n_colors=len(models)), strict=True))
    names = {m: frame.loc[frame["model"] == m, "name"].iloc[0] for m in models}
    series_handles = []
    if has_paper:
        paper = frame.drop_duplicates("model")
        paper = paper[np.isfinite(paper["precision_paper"]) & np.isfinite(paper["recall_paper"])]
        if len(paper):
            ax.scatter(paper["recall_paper"], paper["precision_paper"], marker="s", s=55,
                       color=[palette[m] for m in paper["model"]], edgecolor="black", linewidth=0.6, zorder=3)
            series_handles.append(Line2D([], [], marker="s", linestyle="", color="0.6", markeredgecolor="black",
                                         label="paper (their data)"))
    markers = ["o", "^", "D", "v", "P", "X"]
    for i, (variant, rows) in enumerate(frame.groupby("_variant", sort=False)):
        marker = markers[i % len(markers)]
        ax.scatter(rows["recall_ours"], rows["precision_ours"], marker=marker, s=55,
                   color=[palette[m] for m in rows["model"]], edgecolor="black", linewidth=0.6, zorder=4)
        series_handles.append(Line2D([], [], marker=marker, linestyle="", color="0.6", markeredgecolor="black",
                                     label=variant))
        if has_paper:
            for _, row in rows.iterrows():
                if np.isfinite(row["recall_paper"]) and np.isfinite(row["recall_ours"]):
                    ax.plot([row["recall_paper"], row["recall_ours"]],
                            [row["precision_paper"], row["precision_ours"]],
                            color=palette[row["model"]], alpha=0.5, linewidth=1, zorder=1)

    values = frame[[c for c in frame.columns if c.startswith(("precision_", "recall_")) and not c.endswith("_diff")]]
    values = values.to_numpy(dtype=float)
    low = np.nanmin(values) if np.isfinite(values).any() else 0.0
    low = max(0.0, np.floor((low - 0.05) * 10) / 10)
    ax.set_xlim(low, 1.0)
    ax.set_ylim(low, 1.0)
    ax.set_xlabel("recall (macro)")
    ax.set_ylabel("precision (macro)")
    ax.set_title("Precision vs recall per model")
    ax.grid(alpha=0.3)
    model_handles = [Line2D([], [], marker="o", linestyle="", color=palette[m], markersize=8, label=names[m])
                     for m in models]
    ax.legend(handles=model_handles + series_handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0)
    return ax


# ----------------------------------------------------------------------------------------------
# sequence logos
#
# A small matplotlib function rather than the ``logomaker`` package: a logo is only stacked, scaled
# letters, about forty lines here, and drawing it ourselves keeps the course's dependencies (and the
# Colab install) as they are, lets the same function draw signed attribution maps (letters below the
# axis), and shows students exactly what a logo's letter heights mean.

__all__.append("sequence_logo")

LOGO_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def _letter_path(letter: str):
    """The outline of one bold letter, scaled to the unit square [0, 1] x [0, 1] (cached)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    if letter not in _LETTER_PATHS:
        path = TextPath((0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold"))
        box = path.get_extents()
        unit = Affine2D().translate(-box.x0, -box.y0).scale(1 / box.width, 1 / box.height)
        _LETTER_PATHS[letter] = unit.transform_path(path)
    return _LETTER_PATHS[letter]


_LETTER_PATHS: dict = {}


def sequence_logo(matrix, ax=None, kind: str = "bits", alphabet: str = "ACGT", start: int = 0,
                  colors: Mapping | None = None, title: str | None = None):
    """Draw a sequence logo: a stack of letters per position, each letter as tall as its value.

    ``matrix``: ``(4, w)`` (rows in ``alphabet`` order). ``kind``:

    * ``"bits"`` (a PWM, columns summing to 1): letter height ``p_b,j * IC_j``, with the column's
      information content ``IC_j = 2 - H_j`` bits (``dnacourse.interpret.information_content``); a
      column with one certain base is 2 bits tall, a uniform column is empty.
    * ``"probability"`` (a PWM): letter height ``p_b,j``; every column is 1 tall.
    * ``"weights"``: heights as given, negative ones drawn below the axis -- for attribution maps,
      e.g. gradient x input of one sequence or the mean ISM effect per base.

    Within a column the largest letter is on top (for negative values: at the bottom). ``start``
    numbers the first column on the x axis. Returns the Axes.

    >>> pwm = np.array([[0.9, 0.25], [0.05, 0.25], [0.0, 0.25], [0.05, 0.25]])
    >>> sequence_logo(pwm).get_ylabel()
    'information (bits)'
    """
    from matplotlib.patches import PathPatch
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import Affine2D

    from .interpret import information_content

    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(alphabet):
        raise ValueError(f"matrix must be shaped ({len(alphabet)}, width) for alphabet {alphabet!r}, "
                         f"got {values.shape}")
    if kind not in ("bits", "probability", "weights"):
        raise ValueError(f"kind must be 'bits', 'probability' or 'weights', got {kind!r}")
    if not np.isfinite(values).all():
        raise ValueError("matrix holds NaN or infinite values")
    if kind != "weights" and ((values < 0).any() or not np.allclose(values.sum(axis=0), 1, atol=1e-3)):
        raise ValueError(f"kind={kind!r} needs a PWM (values >= 0, columns summing to 1); "
                         "use kind='weights' for attributions")
    heights = values * information_content(values)[None, :] if kind == "bits" else values
    colors = {**LOGO_COLORS, **(colors or {})}
    width = heights.shape[1]
    ax = _new_ax(ax, (max(3.0, 0.45 * width + 1), 2.2))
    for j in range(width):
        above, below = 0.0, 0.0
        for b in np.argsort(np.abs(heights[:, j])):  # smallest first: the largest ends up outside
            h = heights[b, j]
            if abs(h) < 1e-9:
                continue
            bottom = above if h > 0 else below - abs(h)
            glyph = Affine2D().scale(0.9, abs(h)).translate(start + j - 0.45, bottom)
            letter = alphabet[b].upper()
            ax.add_patch(PathPatch(glyph.transform_path(_letter_path(letter)), linewidth=0,
                                   facecolor=colors.get(letter, "0.4")))
            if h > 0:
                above += h
            else:
                below -= abs(h)
    top = 2.0 if kind == "bits" else 1.0 if kind == "probability" else max(heights.clip(min=0).sum(axis=0).max(), 1e-6)
    low = 0.0 if kind != "weights" else min(heights.clip(max=0).sum(axis=0).min(), 0.0)
    ax.set_xlim(start - 0.6, start + width - 0.4)
    ax.set_ylim(low * 1.05, top * 1.05)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if kind == "weights" and low < 0:
        ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylabel({"bits": "information (bits)", "probability": "probability", "weights": "attribution"}[kind])
    ax.set_xlabel("position")
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    return ax
