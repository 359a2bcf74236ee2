"""The published numbers of the two studies the course rebuilds, each with its source.

    import dnacourse as dc
    dc.reference.AIRLANGGA_2024_TABLE1            # 7 models x (name, accuracy, precision, recall, f1, auc)
    dc.reference.AIRLANGGA_2024_TABLE1.loc["cnn", "accuracy"]   # 0.7486
    print(dc.reference.SOURCES["airlangga2024"])  # who published it, where, and the caveats
    dc.reference.LEGNET_REPORT                    # the student report's validation Pearson r, tidy
    dc.reference.LEGNET_PAPER["parameters"]       # 1852846

Only numbers live here, copied from their source and never computed. Compare against them with
``dc.metrics.comparison_table``; remember that a published number was measured on *their* data and
*their* split, so a difference tells you about the whole setup, not only the model.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "SOURCES", "SOURCE", "AIRLANGGA_2024_TABLE1", "MODEL_NAMES", "LEGNET_REPORT", "LEGNET_TEAM_CURVES",
    "LEGNET_REPORT_SETTING", "LEGNET_PAPER", "display_name",
]

SOURCES: dict[str, str] = {
    "airlangga2024": (
        "Airlangga, G. (2024). Comparative Analysis of Deep Learning Architectures for DNA Sequence "
        "Classification: Performance Evaluation and Model Insights. Journal of Computer System and "
        "Informatics (JoSYC) 5, 709-718. https://ejurnal.seminar-id.com/index.php/josyc/article/view/5170 "
        "- Table 1 (accuracy, precision, recall, F1 and AUC of seven models; the paper does not "
        "say how precision, recall, F1 and AUC were averaged over the seven classes). "
        "Caveat: measured on their data and their split. The paper describes \"a curated dataset of human "
        "DNA sequences\" that \"can be downloaded from [21]\" (N. Vasani, \"Human DNA Data.\" 2022; no link "
        "given), \"approximately 100,000 sequences\" \"carefully balanced across the different classes\"; "
        "its split is 80 % train / 20 % test with \"10% of the training set\" for validation (it does not "
        "say how rows were assigned). One number per model, no error bars. Our tables do not match that "
        "description (the human table has 4,380 rows and unbalanced classes; whether [21] is the same "
        "table is an open question, notebook 01), and our splits are our own, so differences compare "
        "whole setups, not just architectures."
    ),
    "legnet_report": (
        "Student project report (Georgia Tech) extending LegNet on the DREAM 2022 yeast random-promoter "
        "data: dilated-convolution branch, embedding layer, CNN+transformer hybrid, LSTM head with a "
        "hyper-parameter grid, and a data-size study (5,120 / 10,240 / 20,480 training sequences; \"validated "
        "using 2048 sequences unless otherwise noted\"); numbers as given in the report. Yardstick: Pearson r on "
        "a validation split of noisy training-distribution labels, one seed - not comparable to LegNet's "
        "test-set correlations on the precisely measured DREAM test sequences."
    ),
    "legnet_paper": (
        "Penzar, D. et al. (2023). LegNet: a best-in-class deep learning model for short DNA regulatory "
        "regions. Bioinformatics 39(8), btad457 - the DREAM 2022 challenge configuration and its public "
        "code (the parameter count and training settings of that configuration)."
    ),
}
SOURCE = SOURCES  # the name used in the issue contract; same dict

# build name (dc.models.build) -> the paper's display name
MODEL_NAMES: dict[str, str] = {
    "cnn": "CNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "bilstm": "BiLSTM",
    "cnn_lstm": "CNN_LSTM",
    "cnn_gru": "CNN_GRU",
    "cnn_bilstm": "CNN_BiLSTM",
}


def display_name(model: str) -> str:
    """The paper's spelling of a model name: ``display_name("cnn_bilstm") == "CNN_BiLSTM"``.

    Names that are not one of the seven are returned unchanged (e.g. ``"kmer_logreg"``).
    """
    return MODEL_NAMES.get(str(model).lower(), str(model))


def _airlangga_table() -> pd.DataFrame:
    # Table 1 of Airlangga (2024), copied digit for digit (trailing zeros are as printed: 0.78, 0.466, ...)
    rows = [
        # build name     accuracy precision recall  f1      auc
        ("cnn",        0.7486, 0.8918, 0.6934, 0.78,   0.9464),
        ("lstm",       0.7395, 0.8667, 0.6856, 0.7646, 0.9235),
        ("gru",        0.7263, 0.8908, 0.6258, 0.7342, 0.9181),
        ("bilstm",     0.7397, 0.8881, 0.6575, 0.7546, 0.9255),
        ("cnn_lstm",   0.5947, 0.7628, 0.466,  0.5756, 0.8619),
        ("cnn_gru",    0.5571, 0.7607, 0.4025, 0.5239, 0.8422),
        ("cnn_bilstm", 0.611,  0.769,  0.5039, 0.6042, 0.8696),
    ]
    table = pd.DataFrame(rows, columns=["model", "accuracy", "precision", "recall", "f1", "auc"])
    table = table.set_index("model")
    table.insert(0, "name", [MODEL_NAMES[m] for m in table.index])
    table.attrs["source"] = SOURCES["airlangga2024"]
    table.attrs["caveat"] = "their data and their split; one number per model, no error bars"
    return table


AIRLANGGA_2024_TABLE1: pd.DataFrame = _airlangga_table()
"""Table 1 of Airlangga (2024): index = build names (``cnn`` ... ``cnn_bilstm``), columns ``name``
(the paper's spelling), ``accuracy``, ``precision``, ``recall``, ``f1``, ``auc``; ``attrs["source"]``."""


def _legnet_report() -> pd.DataFrame:
    na = pd.NA
    # Each number with the words that give it (report = the full text in shared/sources, 003_*.txt).
    # Sizes: section 2.1, "All the models were trained on 10240 gene sequences and validated using 2048
    # sequences unless otherwise noted."
    rows = [
        # variant,             train, val,  Pearson r, note, where the report says it
        ("baseline",           10240, 2048, 0.515,  "LegNet baseline (dilation ratio 0)",
         'section 3.1: "The baseline model was the LegNet (dilation ratio is 0) and its best Pearson '
         'correlation was 0.515."'),
        ("dilation",           10240, 2048, 0.566,  "dilated branch mixed with the plain branch, ratio 0-0.4",
         'section 3.1: "increases the Pearson correlation coefficients up to 0.566"; figure 1: "trained on '
         '10240 gene sequences"; "plateaued at 0.4 ratio"'),
        ("embedding",          10240, 2048, 0.52,   "embedding layer (hidden size 70)",
         'section 3.2: "increases the Pearson correlation coefficient to 0.52"; figure 3: "hidden size=70, '
         'sample size = 10240, epoch=100, batch size=512"'),
        ("lstm",               na,    na,   0.539,  "LegNet + LSTM head",
         'conclusion: "validation Pearson\'s r equaling to 0.539"; the size is not given with the number '
         '(default 10,240 by section 2.1; the LSTM figure 5 says "sample size = 20480")'),
        ("lstm_grid_best",     na,    na,   0.5428, "Table 2 best row: H 128, one direction, dropout 0.3, "
                                                    "lr 4e-7, weight decay 0.001",
         'Table 2, row "128 Single-directional 0.3 4e-7 0.001 ... 0.5428 Best model" (last epoch)'),
        ("lstm_grid_baseline", na,    na,   0.528,  "Table 2 baseline row (LegNet without LSTM, lr 4e-7)",
         'Table 2, row "- - - 4e-7 - ... 0.5280 Baseline" (last epoch)'),
    ]
    columns = ["variant", "train_sequences", "val_sequences", "pearson_r", "note", "quote"]
    table = pd.DataFrame(rows, columns=columns)
    table["train_sequences"] = table["train_sequences"].astype("Int64")  # <NA> = not stated with the number
    table["val_sequences"] = table["val_sequences"].astype("Int64")
    table.attrs["source"] = SOURCES["legnet_report"]
    table.attrs["metric"] = "validation Pearson r"
    table.attrs["yardstick"] = (
        "Validation Pearson r on noisy training-distribution labels (single seed). Not comparable to "
        "LegNet's test-set r on the DREAM test sequences, which carry precise measurements."
    )
    return table


LEGNET_REPORT: pd.DataFrame = _legnet_report()
"""What the student report's text and Table 2 say (validation Pearson r): one row per number, columns
``variant``, ``train_sequences``, ``val_sequences`` (``<NA>`` where the report does not give the size
with the number), ``pearson_r``, ``note``, ``quote`` (the report's words); ``attrs["source"]``,
``attrs["yardstick"]``. Numbers that only the team's saved curves hold are in ``LEGNET_TEAM_CURVES``."""


def _legnet_team_curves() -> pd.DataFrame:
    # Rolfhuang/DL_Project_DNA_Seq, legnet_loss_pearson/*.pkl (dicts of train/val loss and Pearson r per
    # epoch); legnet_loss_pearson/legnet_baseline.ipynb loads legnet_100_10_512 as its 5,120 run,
    # legnet_metrics_100_20_512 as 10,240 and legnet_100_40_512 as 20,480 (100 epochs of 10/20/40
    # batches of 512). Validation rows: size // 5, as group_project.ipynb:911 draws them (the notebooks
    # that wrote these files are not in the repository).
    rows = [
        ("legnet_100_10_512.pkl",         5120,  1024, 0.4074, 0.4072),
        ("legnet_metrics_100_20_512.pkl", 10240, 2048, 0.5151, 0.5147),
        ("legnet_100_40_512.pkl",         20480, 4096, 0.5590, 0.5504),
    ]
    table = pd.DataFrame(rows, columns=["file", "train_sequences", "val_sequences", "best_val_r", "last_val_r"])
    table.insert(1, "batch_size", 512)
    table.attrs["source"] = ("the student team's saved LegNet curves, Rolfhuang/DL_Project_DNA_Seq "
                             "legnet_loss_pearson/*.pkl (read by the course; not numbers of the report's text)")
    return table


LEGNET_TEAM_CURVES: pd.DataFrame = _legnet_team_curves()
"""The team's saved LegNet baseline curves at 5,120 / 10,240 / 20,480 training sequences: best and
last-epoch validation Pearson r of each file. The report's text gives only the 10,240 one (0.515);
0.407 and 0.55 come from here, so label them "from the team's saved curves"."""

LEGNET_REPORT_SETTING: dict = {
    # what the team's code does (Rolfhuang/DL_Project_DNA_Seq, group_project.ipynb, lines of the .ipynb file)
    "optimizer": "AdamW",                       # :474 optimizer_name = "adamw"
    "weight_decay": 0.01,                       # :476
    "schedule": "OneCycle, three phases",       # :955-962 OneCycleLR(...); :961 three_phase="store_true" (truthy)
    "max_lr": 1e-5,                             # :952 chosen_lr = 1e-5; :953 max_lr = chosen_lr
    "div_factor": 25.0,                         # :953 -> starts (and returns) at 1e-5 / 25 = 4e-7
    "pct_start": 0.3,                           # :960
    "epochs": 100,                              # :470 epoch_num = 100
    "batches_per_epoch": 20,                    # :472 batch_per_epoch = 20 -> 2,000 steps
    "batch_size": 256,                          # :483 train_batch_size = 256 (figures 3 and 5 say 512)
    "input_channels": 4,                        # :493-503 singleton/reverse/substrate channels all False
    "validation_fraction": 0.2,                 # :911 valid = data[size:size + (size // 5)]
    "seed": 9527,                               # :965 (one seed)
    # :938-940 nhead 4, feed-forward 256, 2 layers (SeqNN's default feed-forward is 512, legnet.py:133);
    # legnet.py:221-231 dropout 0.3, gelu; legnet.py has no position codes
    "transformer": {"layers": 2, "heads": 4, "feed_forward": 256, "dropout": 0.3, "activation": "gelu",
                    "position_codes": False,
                    # legnet.py:221-227 TransformerEncoderLayer(..., batch_first=True) fed a
                    # (length, batch, channels) tensor (legnet.py:268): attention runs across the batch
                    "attention_across": "batch"},
    # helper_fuctions.py:179-191 initialize_weights (LegNet's), applied at helper_fuctions.py:324 and
    # group_project.ipynb:4091
    "weight_init": "LegNet's: conv N(0, sqrt(2 / (k * out))), linear N(0, 0.001), biases 0",
    "source": "Rolfhuang/DL_Project_DNA_Seq group_project.ipynb and legnet.py (the student team's code)",
}
"""The student team's training setting as its code has it (file:line in the comments)."""

LEGNET_PAPER: dict = {
    "parameters": 1_852_846,  # the LegNet paper's count (not the report's), with the original squeeze-excite
    "parameters_plain_se_approx": 1_730_000,  # "about 1.73 M" with a plain squeeze-excite block
    "input_length": 150,
    "input_channels": 6,  # one-hot A,G,C,T + is-reverse + is-singleton
    "stem_channels": 256,
    "stem_kernel": 7,
    "stages": ((256, 128), (128, 128), (128, 64), (64, 64), (64, 64), (64, 64)),
    "kernel": 7,
    "expression_bins": 18,
    "optimizer": "AdamW",
    "weight_decay": 0.01,
    "schedule": "OneCycle (cosine)",
    "max_lr": 0.005,
    "div_factor": 25,
    "pct_start": 0.3,
    "batch_size": 1024,
    "training_steps": 80_000,
    "training_hours_approx": 8,  # on one RTX A5000
    # autosome-ru/LegNet legnet/train.py:418-430 initialize_weights, applied at :591 (dc.legnet.legnet_init_)
    "weight_init": "conv N(0, sqrt(2 / (k * out_channels))), linear N(0, 0.001), biases 0, BatchNorm 1 / 0",
    "source": SOURCES["legnet_paper"],
}
"""Facts about LegNet's DREAM 2022 configuration (Penzar et al. 2023), numbers only, with ``"source"``."""
