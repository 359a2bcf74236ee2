"""Tests for dnacourse.plots: each function returns its Axes/Figure with titles, labels and the right marks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection, QuadMesh  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dnacourse import plots, reference  # noqa: E402
from dnacourse.data import GENE_FAMILIES  # noqa: E402
from dnacourse.metrics import comparison_table  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(best_epoch=3, n=5, offset=0.0):
    epochs = np.arange(1, n + 1)
    h = pd.DataFrame({
        "epoch": epochs,
        "train_loss": 1.5 / epochs + offset,
        "val_loss": 1.6 / epochs + 0.05 * (epochs - best_epoch) ** 2 + offset,
        "train_acc": 1 - 0.6 / epochs,
        "val_acc": 0.9 - 0.5 / epochs,
    })
    h.attrs["best_epoch"] = best_epoch
    return h


def toy_predictions(n_classes=7, per_class=15, signal=2.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), per_class)
    logits = rng.normal(size=(len(y), n_classes)) + signal * np.eye(n_classes)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, p


def assert_labelled(ax):
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip()
    assert ax.get_ylabel().strip()


def n_bars(ax):
    return sum(len(c) for c in ax.containers)


def test_learning_curves_single_history():
    fig = plots.learning_curves(history(best_epoch=3))
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 2
    for ax in axes:
        assert_labelled(ax)
        assert len(ax.lines) == 3  # train, val, best-epoch marker
        vline = ax.lines[-1]
        assert list(vline.get_xdata()) == [3, 3]
    assert "loss" in axes[0].get_ylabel() and "accuracy" in axes[1].get_ylabel()
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), history()["train_loss"])


def test_learning_curves_overlay_and_single_metric():
    fig = plots.learning_curves({"CNN": history(2), "LSTM": history(4, offset=0.2)})
    for ax in fig.axes:
        assert len(ax.lines) == 6
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any(lab.startswith("CNN") for lab in labels) and any(lab.startswith("LSTM") for lab in labels)
    _, given = plt.subplots()
    ax = plots.learning_curves(history(), metrics=("loss",), ax=given)
    assert ax is given
    assert_labelled(ax)
    no_best = history()
    no_best.attrs = {}
    assert len(plots.learning_curves(no_best, metrics="acc").lines) == 2
    with pytest.raises(ValueError, match="no train_f1 or val_f1"):
        plots.learning_curves(history(), metrics=("f1",))


def test_confusion_matrix_heatmap():
    y = np.array([0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 6])
    pred = np.array([0, 1, 1, 1, 0, 2, 3, 4, 5, 6, 2])
    ax = plots.confusion_matrix(y, pred, labels=GENE_FAMILIES)
    assert isinstance(ax, Axes)
    assert_labelled(ax)
    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(mesh) == 1
    values = np.asarray(mesh[0].get_array()).reshape(7, 7)
    np.testing.assert_allclose(values.sum(1), 1.0)  # rows normalised
    assert values[1, 1] == pytest.approx(2 / 3)
    assert len(ax.texts) == 49  # one annotation per cell
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "G protein\ncoupled\nreceptors"  # long names wrapped
    assert max(len(line) for t in ticks for line in t.split("\n")) <= 14
    counts = plots.confusion_matrix(y, pred, normalize=False)
    raw = np.asarray([c for c in counts.collections if isinstance(c, QuadMesh)][0].get_array()).reshape(7, 7)
    assert raw.sum() == len(y) and raw[1, 0] == 1
    assert "count" in counts.get_title()


def test_confusion_matrix_from_probabilities():
    y, p = toy_predictions(n_classes=3)
    ax = plots.confusion_matrix(y, p, labels=["a", "b", "c"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_roc_curves_one_line_per_class_plus_diagonal():
    y, p = toy_predictions()
    ax = plots.roc_curves(y, p, labels=GENE_FAMILIES)
    assert isinstance(ax, Axes)
    assert_labelled(ax)
    assert len(ax.lines) == 7 + 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("G protein coupled receptors (AUC 0.")
    assert legend[-1].startswith("chance")
    # a class absent from y_true has no curve
    keep = y != 3
    assert len(plots.roc_curves(y[keep], p[keep]).lines) == 6 + 1


def test_roc_overlay_one_line_per_model():
    y, good = toy_predictions(signal=4.0)
    _, weak = toy_predictions(signal=0.5, seed=1)
    perfect = np.eye(7)[y] * 0.9 + 0.1 / 7
    ax = plots.roc_overlay({"good": (y, good), "weak": (y, weak), "perfect": (y, perfect)})
    assert_labelled(ax)
    assert len(ax.lines) == 3 + 1
    tpr_perfect = ax.lines[2].get_ydata()
    assert tpr_perfect[1] == pytest.approx(1.0)  # all positives found at the first FPR step
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[2] == "perfect (macro AUC 1.000)"
    with pytest.raises(ValueError, match="pair"):
        plots.roc_overlay({"bad": y})


def ours_rows(accuracy_shift=0.05, data="chimp"):
    rows = []
    for model, row in reference.AIRLANGGA_2024_TABLE1.iterrows():
        values = {m: min(1.0, row[m] + accuracy_shift) for m in ("accuracy", "precision", "recall", "f1", "auc")}
        rows.append({"model": model, "data": data, "split": "grouped", "mode": "quick", "device": "cpu", **values})
    return rows


def test_comparison_bars_paper_and_ours():
    table = comparison_table(ours_rows())
    ax = plots.comparison_bars(table, "accuracy")
    assert isinstance(ax, Axes)
    assert_labelled(ax)
    assert n_bars(ax) == 14  # 7 models x (paper + ours)
    paper, ours = ax.containers
    np.testing.assert_allclose([b.get_height() for b in paper], reference.AIRLANGGA_2024_TABLE1["accuracy"])
    np.testing.assert_allclose([b.get_height() for b in ours], table["accuracy_ours"])
    assert [t.get_text() for t in ax.get_xticklabels()] == reference.AIRLANGGA_2024_TABLE1["name"].tolist()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["paper (their data)", "ours (chimp, grouped, quick, cpu)"]


def test_comparison_bars_variants_and_plain_results():
    both = comparison_table(ours_rows(0.05, "chimp") + ours_rows(-0.1, "dog"))
    ax = plots.comparison_bars(both, "f1")
    assert n_bars(ax) == 21
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["paper (their data)", "ours (chimp)", "ours (dog)"]
    plain = pd.DataFrame(ours_rows())[["model", "auc"]].iloc[:3]
    assert n_bars(plots.comparison_bars(plain, "auc")) == 3  # ours only
    assert n_bars(plots.comparison_bars(plain, "auc", reference=reference.AIRLANGGA_2024_TABLE1)) == 6
    with pytest.raises(ValueError, match="no column"):
        plots.comparison_bars(plain, "recall")


def test_precision_recall_scatter():
    table = comparison_table(ours_rows())
    ax = plots.precision_recall_scatter(table)
    assert isinstance(ax, Axes)
    assert_labelled(ax)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2  # paper, ours
    assert len(scatters[0].get_offsets()) == 7 and len(scatters[1].get_offsets()) == 7
    np.testing.assert_allclose(scatters[0].get_offsets()[:, 0], reference.AIRLANGGA_2024_TABLE1["recall"])
    np.testing.assert_allclose(scatters[0].get_offsets()[:, 1], reference.AIRLANGGA_2024_TABLE1["precision"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == reference.AIRLANGGA_2024_TABLE1["name"].tolist() + [
        "paper (their data)", "ours (chimp, grouped, quick, cpu)"]
    connectors = [line for line in ax.lines if len(line.get_xdata()) == 2 and line.get_linestyle() == "-"]
    assert len(connectors) == 7  # paper -> ours, one per model
    plain = pd.DataFrame(ours_rows())[["model", "precision", "recall"]]
    only_ours = plots.precision_recall_scatter(plain, f1_levels=())
    assert len([c for c in only_ours.collections if isinstance(c, PathCollection)]) == 1
