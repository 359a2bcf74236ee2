"""Tests for dnacourse.metrics (eq. 23-27, regression metrics, comparison tables) and dnacourse.reference."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score

from dnacourse import reference
from dnacourse.metrics import (
    classification_metrics,
    comparison_table,
    per_class_report,
    regression_metrics,
    thresholded_metrics,
    to_markdown,
)


def probs_from_predictions(y_pred, n_classes, top=0.6):
    """(N, C) probability rows whose arg-max is y_pred (the rest of the mass spread evenly)."""
    y_pred = np.asarray(y_pred)
    p = np.full((len(y_pred), n_classes), (1 - top) / (n_classes - 1))
    p[np.arange(len(y_pred)), y_pred] = top
    return p


# 3 classes, 8 samples. Confusion (rows true, columns predicted):
#   true 0: predicted 0, 0, 1      -> class 0: TP 2, FN 1
#   true 1: predicted 1, 1, 1      -> class 1: TP 3, FN 0
#   true 2: predicted 2, 0         -> class 2: TP 1, FN 1
# false positives: class 0 gets row 7 (true 2), class 1 gets row 2 (true 0), class 2 none.
Y_TRUE = [0, 0, 0, 1, 1, 1, 2, 2]
Y_PRED = [0, 0, 1, 1, 1, 1, 2, 0]


def test_classification_metrics_by_hand():
    m = classification_metrics(Y_TRUE, probs_from_predictions(Y_PRED, 3))
    precision = [2 / 3, 3 / 4, 1 / 1]  # TP / (TP + FP) per class
    recall = [2 / 3, 3 / 3, 1 / 2]  # TP / (TP + FN) per class
    f1 = [2 * p * r / (p + r) for p, r in zip(precision, recall, strict=True)]  # 2/3, 6/7, 2/3
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["precision"] == pytest.approx(sum(precision) / 3)
    assert m["recall"] == pytest.approx(sum(recall) / 3)
    assert m["f1"] == pytest.approx((2 / 3 + 6 / 7 + 2 / 3) / 3)
    assert m["f1"] == pytest.approx(sum(f1) / 3)
    assert set(m) == {"accuracy", "precision", "recall", "f1", "auc"}
    assert all(isinstance(v, float) for v in m.values())


def test_auc_known_rankings():
    y = [0, 0, 1, 1]
    perfect = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
    assert classification_metrics(y, perfect)["auc"] == pytest.approx(1.0)
    reversed_ = perfect[:, ::-1]
    assert classification_metrics(y, reversed_)["auc"] == pytest.approx(0.0)
    ties = np.full((4, 2), 0.5)
    assert classification_metrics(y, ties)["auc"] == pytest.approx(0.5)
    # one of the four (positive, negative) pairs misordered: 0.4 < 0.6 -> AUC 3/4 for both classes
    p1 = np.array([0.1, 0.6, 0.4, 0.9])
    assert classification_metrics(y, np.c_[1 - p1, p1])["auc"] == pytest.approx(0.75)


def test_matches_sklearn_ovr_macro_auc():
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(7), 20)
    logits = rng.normal(size=(len(y), 7)) + 1.5 * np.eye(7)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    m = classification_metrics(y, p)
    assert m["auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"))
    assert m["accuracy"] == pytest.approx(np.mean(p.argmax(1) == y))


def test_torch_and_pandas_inputs():
    p = probs_from_predictions(Y_PRED, 3)
    expected = classification_metrics(Y_TRUE, p)
    got = classification_metrics(torch.tensor(Y_TRUE), torch.tensor(p, dtype=torch.float32))
    assert got == pytest.approx(expected)
    got = classification_metrics(pd.Series(Y_TRUE, dtype=float), pd.DataFrame(p))
    assert got == pytest.approx(expected)


def test_class_absent_from_y_true():
    # 3 columns but class 2 never occurs in y_true (and is predicted once)
    y = [0, 0, 1, 1]
    p = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1]])
    m = classification_metrics(y, p)
    # AUC over the classes present: class 0 scores (.7,.2 | .1,.3) -> 3 of 4 pairs; class 1 -> 1.0
    assert m["auc"] == pytest.approx((0.75 + 1.0) / 2)
    # recall: class 0 1/2, class 1 2/2, class 2 0/0 -> 0 (zero_division=0), macro over all 3 classes
    assert m["recall"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    # precision: class 0 1/1, class 1 2/2, class 2 0/1
    assert m["precision"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)
    report = per_class_report(y, p)
    assert report.loc[2, "support"] == 0
    assert math.isnan(report.loc[2, "auc"])


def test_class_never_predicted_still_counts():
    # class 2 present in y_true but never predicted: its precision 0/0 -> 0 and recall 0 stay in the mean
    y = [0, 1, 2]
    p = probs_from_predictions([0, 1, 1], 3)
    m = classification_metrics(y, p)
    assert m["recall"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["precision"] == pytest.approx((1 + 0.5 + 0) / 3)


def test_single_class_y_true_gives_nan_auc():
    m = classification_metrics([1, 1, 1], probs_from_predictions([1, 0, 1], 3))
    assert math.isnan(m["auc"])
    assert m["accuracy"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "y_true, y_prob, message",
    [
        ([0, 1, 3], probs_from_predictions([0, 1, 2], 3), r"y_true\[2\] = 3 is outside \[0, 3\)"),
        ([0, -1, 2], probs_from_predictions([0, 1, 2], 3), r"y_true\[1\] = -1"),
        ([0, 1], probs_from_predictions([0, 1, 2], 3), "2 labels but y_prob has 3 rows"),
        ([0, 1.5, 2], probs_from_predictions([0, 1, 2], 3), r"y_true\[1\] = 1.5"),
        (np.eye(3), probs_from_predictions([0, 1, 2], 3), "one-hot"),
        ([0, 1, 2], [[0.5, 0.5, 0.0], [0.2, np.nan, 0.8], [0.1, 0.1, 0.8]], r"row 1 .*non-finite.*column 1"),
        ([0, 1, 2], [[0.5, 0.5, 0.0], [0.2, np.inf, 0.8], [0.1, 0.1, 0.8]], "row 1"),
        ([0, 1, 2], [[2.0, -1.0, 0.0], [0.2, 0.0, 0.8], [0.1, 0.1, 0.8]], "logits"),
        ([0, 1, 2], [[0.5, 0.1, 0.1], [0.2, 0.0, 0.8], [0.1, 0.1, 0.8]], "row 0 sums to 0.7"),
        ([0, 1, 2], [0.1, 0.5, 0.9], "2-D"),
        ([0], [[1.0]], "at least 2 columns"),
        ([], np.zeros((0, 3)), "empty"),
    ],
)
def test_validation_errors(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        classification_metrics(y_true, y_prob)


def test_per_class_report():
    names = ["G protein coupled receptors", "Tyrosine kinase", "Synthase"]
    report = per_class_report(Y_TRUE, probs_from_predictions(Y_PRED, 3), class_names=names)
    assert list(report.index) == names
    assert list(report.columns) == ["precision", "recall", "f1", "support", "auc"]
    np.testing.assert_allclose(report["precision"], [2 / 3, 3 / 4, 1.0])
    np.testing.assert_allclose(report["recall"], [2 / 3, 1.0, 0.5])
    assert report["support"].tolist() == [3, 3, 2]
    m = classification_metrics(Y_TRUE, probs_from_predictions(Y_PRED, 3))
    assert report["f1"].mean() == pytest.approx(m["f1"])
    assert report["auc"].mean() == pytest.approx(m["auc"])
    with pytest.raises(ValueError, match="2 names but y_prob has 3 columns"):
        per_class_report(Y_TRUE, probs_from_predictions(Y_PRED, 3), class_names=names[:2])


def test_thresholded_metrics_by_hand():
    # rows 0,1 confident and right, row 2 confident and wrong, row 3 below the threshold (no prediction)
    y = [0, 1, 1, 2]
    p = [[0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]]
    m = thresholded_metrics(y, p, threshold=0.5)
    assert m["precision"] == pytest.approx(2 / 3)  # 2 right of 3 predictions
    assert m["recall"] == pytest.approx(2 / 4)  # 2 of 4 rows' true class above 0.5
    assert m["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert m["coverage"] == pytest.approx(3 / 4)
    assert thresholded_metrics(y, p, threshold=0.95)["precision"] == 0.0


def test_regression_metrics_against_numpy_and_scipy():
    rng = np.random.default_rng(1)
    t = rng.normal(size=50)
    q = t + rng.normal(scale=0.5, size=50)
    m = regression_metrics(t, q)
    assert m["pearson"] == pytest.approx(np.corrcoef(t, q)[0, 1])
    assert m["spearman"] == pytest.approx(stats.spearmanr(t, q)[0])
    assert m["mse"] == pytest.approx(np.mean((t - q) ** 2))
    assert m["n"] == 50
    assert regression_metrics(t, q[:, None])["pearson"] == pytest.approx(m["pearson"])
    assert regression_metrics([1, 2, 3, 4], [10, 20, 30, 1000])["spearman"] == pytest.approx(1.0)


def test_regression_metrics_edge_cases():
    const = regression_metrics([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])
    assert math.isnan(const["pearson"]) and math.isnan(const["spearman"])
    assert const["mse"] == pytest.approx(((4**2) + 3**2 + 2**2) / 3)
    with pytest.raises(ValueError, match="3 values but y_pred has 2"):
        regression_metrics([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=r"y_pred\[1\] = nan"):
        regression_metrics([1, 2, 3], [1, np.nan, 2])
    with pytest.raises(ValueError, match="at least 2"):
        regression_metrics([1], [1])


# --------------------------------------------------------------------------------------------------
# comparison tables


OURS = [
    {"model": "cnn", "data": "chimp", "split": "grouped", "mode": "full", "device": "cuda",
     "accuracy": 0.80, "precision": 0.81, "recall": 0.79, "f1": 0.795, "auc": 0.95, "seconds": 12.5},
    {"model": "CNN_BiLSTM", "data": "dog", "split": "random", "mode": "quick", "device": "cpu",
     "accuracy": 0.50, "precision": 0.55, "recall": 0.45, "f1": 0.48, "auc": 0.80, "seconds": 3.0},
    {"model": "kmer_logreg", "data": "chimp", "split": "grouped", "mode": "full", "device": "cpu",
     "accuracy": 0.70, "precision": 0.7, "recall": 0.7, "f1": 0.7, "auc": 0.9, "seconds": 1.0},
]


def test_comparison_table_differences_and_labels():
    table = comparison_table(OURS)
    assert len(table) == 3
    assert table["model"].tolist() == ["cnn", "cnn_bilstm", "kmer_logreg"]
    assert table["name"].tolist() == ["CNN", "CNN_BiLSTM", "kmer_logreg"]
    for column in ("data", "split", "mode", "device", "seconds"):
        assert table[column].tolist() == [row[column] for row in OURS]
    paper = reference.AIRLANGGA_2024_TABLE1
    for m in ("accuracy", "precision", "recall", "f1", "auc"):
        assert table.loc[0, f"{m}_paper"] == paper.loc["cnn", m]
        assert table.loc[1, f"{m}_paper"] == paper.loc["cnn_bilstm", m]
        assert table.loc[0, f"{m}_ours"] == OURS[0][m]
        np.testing.assert_allclose(table[f"{m}_diff"][:2], table[f"{m}_ours"][:2] - table[f"{m}_paper"][:2])
        assert math.isnan(table.loc[2, f"{m}_paper"]) and math.isnan(table.loc[2, f"{m}_diff"])
    assert table.loc[0, "accuracy_diff"] == pytest.approx(0.80 - 0.7486)
    assert table.loc[1, "recall_diff"] == pytest.approx(0.45 - 0.5039)
    assert "Airlangga" in table.attrs["source"] and "their data" in table.attrs["source"]
    assert table.attrs["metrics"] == ("accuracy", "precision", "recall", "f1", "auc")
    assert table.attrs["label_columns"] == ("data", "split", "mode", "device")


def test_comparison_table_inputs_and_missing_metrics():
    frame = pd.DataFrame(OURS[:1])
    assert comparison_table(frame).equals(comparison_table(OURS[:1]))
    one = comparison_table({"model": "gru", "accuracy": 0.7}, metrics=("accuracy", "auc"))
    assert list(one.columns) == ["model", "name", "accuracy_paper", "accuracy_ours", "accuracy_diff",
                                 "auc_paper", "auc_ours", "auc_diff"]
    assert one.loc[0, "auc_paper"] == 0.9181 and math.isnan(one.loc[0, "auc_ours"])
    # the reference table itself, compared with itself: all differences zero
    self_table = comparison_table(reference.AIRLANGGA_2024_TABLE1)
    assert len(self_table) == 7
    assert np.allclose(self_table[[c for c in self_table.columns if c.endswith("_diff")]], 0)
    with pytest.raises(ValueError, match="no column"):
        comparison_table(OURS, metrics=["mcc"])
    with pytest.raises(ValueError, match="'model' column"):
        comparison_table(pd.DataFrame({"accuracy": [0.5]}))


def test_to_markdown_shape_and_format():
    table = comparison_table(OURS, metrics=["accuracy"])
    text = to_markdown(table, columns=["name", "data", "accuracy_paper", "accuracy_ours", "accuracy_diff"])
    lines = text.splitlines()
    assert len(lines) == len(table) + 2
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    assert all(line.count("|") == 6 for line in lines)  # 5 columns -> 6 separators
    assert lines[0] == "| name | data | accuracy_paper | accuracy_ours | accuracy_diff |"
    assert lines[1] == "| --- | --- | ---: | ---: | ---: |"
    assert lines[2] == "| CNN | chimp | 0.7486 | 0.8000 | +0.0514 |"
    assert lines[3].endswith("| -0.1110 |")
    assert lines[4] == "| kmer_logreg | chimp |  | 0.7000 |  |"  # NaN -> empty cell
    escaped = to_markdown(pd.DataFrame({"a": ["x|y"], "b": [1]}), floatfmt=".2f")
    assert escaped.splitlines()[2] == "| x\\|y | 1 |"
    with_index = to_markdown(reference.AIRLANGGA_2024_TABLE1, index=True, floatfmt=".3f")
    assert with_index.splitlines()[0].startswith("| model | name | accuracy")
    assert "| cnn | CNN | 0.749 |" in with_index


# --------------------------------------------------------------------------------------------------
# dnacourse.reference


CONTRACT_TABLE1 = {  # Airlangga 2024, Table 1, as written in the course contract
    "CNN": (0.7486, 0.8918, 0.6934, 0.78, 0.9464),
    "LSTM": (0.7395, 0.8667, 0.6856, 0.7646, 0.9235),
    "GRU": (0.7263, 0.8908, 0.6258, 0.7342, 0.9181),
    "BiLSTM": (0.7397, 0.8881, 0.6575, 0.7546, 0.9255),
    "CNN_LSTM": (0.5947, 0.7628, 0.466, 0.5756, 0.8619),
    "CNN_GRU": (0.5571, 0.7607, 0.4025, 0.5239, 0.8422),
    "CNN_BiLSTM": (0.611, 0.769, 0.5039, 0.6042, 0.8696),
}


def test_reference_table_equals_contract():
    table = reference.AIRLANGGA_2024_TABLE1
    assert list(table.index) == ["cnn", "lstm", "gru", "bilstm", "cnn_lstm", "cnn_gru", "cnn_bilstm"]
    assert list(table.columns) == ["name", "accuracy", "precision", "recall", "f1", "auc"]
    assert table["name"].tolist() == list(CONTRACT_TABLE1)
    for model, row in table.iterrows():
        assert tuple(row[["accuracy", "precision", "recall", "f1", "auc"]]) == CONTRACT_TABLE1[row["name"]], model
    assert "Airlangga" in table.attrs["source"]
    assert reference.SOURCE is reference.SOURCES
    assert {"airlangga2024", "legnet_report", "legnet_paper"} <= set(reference.SOURCES)
    assert reference.display_name("cnn_bilstm") == "CNN_BiLSTM"
    assert reference.display_name("other") == "other"


def test_legnet_numbers():
    report = reference.LEGNET_REPORT
    base = report[report["variant"] == "baseline"]
    assert base["train_sequences"].tolist() == [10240]      # the only baseline size the report's text gives
    assert base["pearson_r"].tolist() == [0.515]
    assert (base["val_sequences"] == 2048).all()
    by_variant = report.set_index("variant")["pearson_r"]
    assert by_variant["dilation"] == 0.566
    assert by_variant["embedding"] == 0.52
    assert by_variant["lstm"] == 0.539
    assert by_variant["lstm_grid_best"] == 0.5428
    assert by_variant["lstm_grid_baseline"] == 0.528
    assert not {0.407, 0.55} & set(report["pearson_r"])   # not in the report's text: the team's curves
    assert all(str(r) in q.replace("0.5280", "0.528") for r, q in zip(report["pearson_r"], report["quote"], strict=True))
    curves = reference.LEGNET_TEAM_CURVES
    assert curves["train_sequences"].tolist() == [5120, 10240, 20480]
    assert (curves["val_sequences"] == curves["train_sequences"] // 5).all()
    assert curves["best_val_r"].round(3).tolist() == [0.407, 0.515, 0.559]
    assert "saved" in curves.attrs["source"]
    setting = reference.LEGNET_REPORT_SETTING
    assert setting["max_lr"] / setting["div_factor"] == pytest.approx(4e-7)
    assert setting["epochs"] * setting["batches_per_epoch"] == 2000
    assert "noisy" in report.attrs["yardstick"]
    assert reference.LEGNET_PAPER["parameters"] == 1_852_846
    assert "Penzar" in reference.LEGNET_PAPER["source"]
