"""What FULL mode trains, notebook by notebook, and how many minutes that is at a measured speed.

``PLAN`` is the workload, written from each notebook's ``# Parameters`` cell (the values for
``MODE == "full"``) and its training cells: one row per kind of training run. ``PARAMETERS`` lists
the parameter values the rows were written from; ``tests/test_fullplan.py`` reads every notebook's
parameters cell and checks them, so the plan cannot drift from the notebooks silently.

Counting (one strand of one row is one sequence):

* training: ``epochs x rows x strands`` sequences (forward + backward); ``fit_promoters`` trains
  both strands of every row (``strands`` 2);
* validation: ``epochs x val rows x val passes`` forward passes; the classifiers' ``fit`` scores the
  validation rows once per epoch, ``fit_promoters`` three times (the loss on one strand and the
  Pearson r of both strands);
* ``after``: the forward passes a notebook makes with the trained model (test sets, both strands for
  LegNet: 2 x 71,103 per scored model; ISM; ...). The notebook makes them even when the run itself
  is read back.

A run with the same model, settings and data as an earlier notebook's is one checkpoint, trained
once (``dc.train.fit(checkpoint_dir=...)``): ``made_by`` names the notebook that trains it when the
course runs in order (05 for 09's and 11's CNN, 13-17 for the LegNet runs of 14-18); the later
notebook reads it back. ``notebook_minutes``
gives both figures, in order (what each notebook adds after the earlier ones) and alone. The
gene-family runs stop early (patience 5 or 10): they are counted at their epoch limit, so their
minutes are upper bounds (``upper`` in the result, ``<=`` in the table).

The minutes are ``training sequences / training speed + forward passes / inference speed`` for
every run, at speeds measured by ``python -m dnacourse bench --gpu`` (or ``--plan`` on this machine):
one speed per ``measurement_key`` (model, settings, input length, batch size), through the course's
``dc.train.fit`` on random sequences, with the family's batch augmentation (eq. 2-4 for the
classifiers, also where a notebook trains without it: a little slower than those runs) and
cross-entropy (LegNet's KL loss costs about the same). Not counted: loading data, building tables,
the k-mer baselines (scikit-learn, notebooks 04 and 10), saving and plotting.

    from dnacourse.tools import fullplan
    fullplan.describe()            # the plan, one line per row, as text

``python -m dnacourse.tools.fullplan`` prints the same.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import namedtuple
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PLAN", "PARAMETERS", "RECIPES", "NOTEBOOKS", "Run", "runs", "split_sizes", "measurement_key",
           "measurements", "notebook_minutes", "course_table", "t4_estimates", "format_table", "describe",
           "notebook_parameters"]

Sizes = namedtuple("Sizes", "train val test")


def split_sizes(n: int, test_size: float = 0.2, val_size: float = 0.1) -> Sizes:
    """Training, validation and test rows of ``dc.classify.both_splits`` for a table of ``n`` rows.

    The random split's sizes (scikit-learn rounds the held-out parts up); the grouped split's differ
    by a row or two.

    >>> split_sizes(1682)          # chimpanzee: 1,210 / 135 / 337, as notebook 10 prints
    Sizes(train=1210, val=135, test=337)
    """
    test = math.ceil(test_size * n)
    val = math.ceil(val_size * (n - test))
    return Sizes(n - test - val, val, test)


HUMAN, CHIMP, DOG = split_sizes(4380), split_sizes(1682), split_sizes(820)   # the gene-family tables
TOY = split_sizes(3 * 1000)      # notebook 11: N_PER_CLASS 1,000 synthetic rows x N_MOTIFS 3 classes
TEST = 71_103                    # DREAM test rows
VAL = 2_048                      # DREAM validation rows of every LegNet run
LEGNET_TEST = 2 * TEST + 2 * VAL  # a LegNet notebook scores a model on its validation and test rows, both strands
CLASSIFIERS = ("cnn", "lstm", "gru", "bilstm", "cnn_lstm", "cnn_gru", "cnn_bilstm")

NOTEBOOKS = {"00": "start_here", "01": "dna_as_data", "02": "encoding", "03": "augmentation",
             "04": "kmer_baselines", "05": "cnn", "06": "lstm", "07": "gru", "08": "bilstm",
             "09": "hybrids", "10": "model_comparison", "11": "interpretability", "12": "promoter_data",
             "13": "legnet", "14": "legnet_dilation", "15": "legnet_embedding",
             "16": "legnet_transformer", "17": "legnet_lstm", "18": "legnet_summary"}
NO_TRAINING = {"00": "no training", "01": "no training", "02": "no training",
               "04": "no torch training (k-mer baselines, scikit-learn)", "12": "no training"}

# How a kind of run trains: family (bench.FAMILIES), input length, batch size, strands per training row,
# validation passes per epoch, and whether early stopping can end it sooner (then its minutes are an
# upper bound).
RECIPES = {
    #           family        length batch strands passes early stop
    "gene":    ("classifier", 1000,  64,   1,      1,     True),   # dc.classify.train_and_score / dc.train.fit
    "toy":     ("classifier", 200,   64,   1,      1,     True),   # 11: synthetic planted motifs, TOY_LENGTH 200
    "adam":    ("classifier", 1000,  64,   1,      1,     False),  # 05: the plain Adam loop, test accuracy per epoch
    "legnet":  ("legnet",     150,   128,  2,      3,     False),  # dc.promoters.fit_promoters, OneCycle: all epochs
    "report":  ("legnet",     150,   256,  1,      3,     False),  # 13: the report's setting, no RC copies, batch 256
    "lr test": ("legnet",     150,   128,  1,      0,     False),  # 13: the learning-rate range test, no validation
}

# The workload. runs: identical runs in the row; settings: models.build keyword arguments (n_classes
# included); rows / val rows: per epoch; after: forward passes per run after training (see the module
# docstring); made by: the notebook whose checkpoint this run is when the course runs in order
# (None: this notebook trains it).
PLAN = [
    # notebook, what,                                                    runs, model,     settings, recipe, rows, val rows, epochs, after, made by
    # 03: ABLATION_DATA "chimp", ABLATION_LENGTH 1000, ABLATION_EPOCHS 40 (patience 5), ABLATION_SEEDS [0, 1, 2],
    #     4 ABLATION_SETTINGS x both splits; batch 64 (train_and_score's default)
    ("03", "CNN, 4 augmentation settings x 2 splits x 3 seeds, chimp",   24, "cnn", {}, "gene", CHIMP.train, CHIMP.val, 40, CHIMP.test, None),
    # 05: HUMAN "human", LENGTH 1000, EPOCHS 40, PATIENCE 5, BATCH_SIZE 64; evaluate + confusion matrix on the test rows;
    #     the plain Adam loop: STABILITY_DATA "chimp", STABILITY_ROWS None, STABILITY_EPOCHS 30, 3 VARIANTS
    ("05", "CNN, random and grouped split, human",                        2, "cnn", {}, "gene", HUMAN.train, HUMAN.val, 40, 2 * HUMAN.test, None),
    ("05", "plain Adam loop, today's CNN: two learning rates, exact statistics", 3, "cnn", {}, "adam", CHIMP.train, CHIMP.test, 30, 0, None),
    ("05", "plain Adam loop, the old CNN (BatchNorm over all positions)", 1, "cnn", {"norm": "batch", "conv_dropout": 0.1}, "adam", CHIMP.train, CHIMP.test, 30, 0, None),
    # 06, 07, 08: HUMAN "human", LENGTH 1000, EPOCHS 40, PATIENCE 5, BATCH_SIZE 64, MODEL; both splits
    ("06", "LSTM, random and grouped split, human",                       2, "lstm", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    ("07", "GRU, random and grouped split, human",                        2, "gru", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    ("08", "BiLSTM, random and grouped split, human",                     2, "bilstm", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    # 09: HUMAN "human", LENGTH 1000, EPOCHS 40, PATIENCE 5, REFERENCE "cnn" (notebook 05's runs), HYBRIDS
    ("09", "CNN, random and grouped split (notebook 05's runs)",          2, "cnn", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, "05"),
    ("09", "CNN-LSTM, random and grouped split",                          2, "cnn_lstm", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    ("09", "CNN-GRU, random and grouped split",                           2, "cnn_gru", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    ("09", "CNN-BiLSTM, random and grouped split",                        2, "cnn_bilstm", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test, None),
    # 10: SEEDS {"chimp": [0, 1, 2], "dog": [0, 1, 2], "human": [0]}, SPLITS both, MODELS all seven, EPOCHS 80,
    #     PATIENCE 10, AUGMENT random start (not notebooks 05-09's recipe: nothing to read back); then the human
    #     random-split CNN and the best recurrent model (picked at run time) on all chimp + dog rows, both priced as the LSTM
    *[("10", f"{name}: chimp 3 seeds x 2 splits", 6, name, {}, "gene", CHIMP.train, CHIMP.val, 80, CHIMP.test, None)
      for name in CLASSIFIERS],
    *[("10", f"{name}: dog 3 seeds x 2 splits", 6, name, {}, "gene", DOG.train, DOG.val, 80, DOG.test, None)
      for name in CLASSIFIERS],
    *[("10", f"{name}: human 1 seed x 2 splits", 2, name, {}, "gene", HUMAN.train, HUMAN.val, 80, HUMAN.test, None)
      for name in CLASSIFIERS],
    ("10", "cross-species test: CNN and a recurrent model on chimp + dog", 2, "lstm", {}, "gene", 0, 0, 0, 1682 + 820, None),
    # 10: every run scores its test genes again in LENGTH-base windows every WINDOW_STEP = 500 bases (3.5, 3.6 and
    #     2.4 windows per gene on average in chimp, dog and the first 781 human rows; 2.4 priced for the full human file)
    *[("10", f"{name}: whole-gene windows, chimp + dog + human", 1, name, {}, "gene", 0, 0, 0,
       round(6 * 3.5 * CHIMP.test + 6 * 3.6 * DOG.test + 2 * 2.4 * HUMAN.test), None) for name in CLASSIFIERS],
    # 10: LONG_MODELS ["cnn"] trained on LENGTH-base windows (LONG_AUGMENT) of genes encoded to READ_LENGTH = 4000
    #     bases: training is priced at 1000 bp; validation, the BatchNorm recount over the training rows and the
    #     test read 4000 bases: 4 x those rows at 1000 bp
    ("10", "CNN on 1000-base windows, reads 4000: chimp 3 seeds x 2 splits", 6, "cnn", {}, "gene", CHIMP.train,
     4 * (CHIMP.val + CHIMP.train), 80, 4 * CHIMP.test, None),
    ("10", "CNN on 1000-base windows, reads 4000: dog 3 seeds x 2 splits", 6, "cnn", {}, "gene", DOG.train,
     4 * (DOG.val + DOG.train), 80, 4 * DOG.test, None),
    ("10", "CNN on 1000-base windows, reads 4000: human 1 seed x 2 splits", 2, "cnn", {}, "gene", HUMAN.train,
     4 * (HUMAN.val + HUMAN.train), 80, 4 * HUMAN.test, None),
    # 11: N_PER_CLASS 1000, N_MOTIFS 3, TOY_LENGTH 200, TOY_CNN, TOY_EPOCHS 30, N_EXPLAIN 300 (saliency + ISM,
    #     3 x 200 passes each, trained and untrained); HUMAN "human", SPLIT "random", EPOCHS 40 (notebook 05's run),
    #     N_GENES 150, N_GENES_ISM 10 (3 x 1,000 passes each, two models); N_PROMOTERS 5120, N_PROMOTERS_VAL 2048,
    #     LEGNET_WIDTHS {} (DREAM), LEGNET_EPOCHS 10 (not 13's 20: its own run), N_PROMOTERS_ISM 200 (3 x 150 passes),
    #     N_PLANT 1000 (both strands, 1 + 3 elements x (1 + 5 shuffles) predictions)
    ("11", "toy CNN on planted motifs",                                   1, "cnn", {"n_classes": 3, "channels": (32,), "kernel_size": 9}, "toy", TOY.train, TOY.val, 30, TOY.test + 2 * 300 * (3 * 200 + 3), None),
    ("11", "gene-family CNN, random split (notebook 05's run)",           1, "cnn", {}, "gene", HUMAN.train, HUMAN.val, 40, HUMAN.test + 2 * (10 * 3 * 1000 + 150 * 3), "05"),
    ("11", "LegNet, DREAM widths, 10 epochs",                             1, "legnet", {}, "legnet", 5120, VAL, 10, 200 * 3 * 150 + 1000 * 2 * (1 + 3 * 6), None),
    # 13: FULL_TRAIN 5120, FULL_VAL 2048, FULL_EPOCHS 20, BATCH_SIZE 128, LR_TEST_STEPS 100, FULL_REPORT_STEPS 1000
    #     of REPORT_BATCH_SIZE 256 (= 50 epochs of 20 steps, half the team's 2,000, one strand); the report model: validation on one
    #     strand and on both, the test set on the forward strand only
    ("13", "learning-rate range test, 100 steps of 128",                  1, "legnet", {}, "lr test", 100 * 128, 0, 1, 0, None),
    ("13", "LegNet recipe",                                               1, "legnet", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    ("13", "the report's setting, 1,000 steps of 256",                    1, "legnet", {}, "report", 5120, VAL, 50,  TEST + 3 * VAL, None),
    # 14: FULL_ALPHAS [0.0, 0.4] (alpha 0 = notebook 13's run), DILATIONS (4, 3, 2, 2, 1, 1) and PLACEMENT "first"
    #     (legnet_dilated's defaults), ALTERNATIVE "last" at ALTERNATIVE_ALPHA 0.4, FULL_EPOCHS 20, BATCH_SIZE 128
    ("14", "alpha 0: the baseline (notebook 13's run)",                   1, "legnet", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, "13"),
    ("14", "alpha 0.4, first conv of each stage dilated",                 1, "legnet_dilated", {"alpha": 0.4}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    ("14", "alpha 0.4, last conv of each stage dilated",                  1, "legnet_dilated", {"alpha": 0.4, "placement": "last"}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    # 15: EMBEDDING_DIM 70 along "length" (legnet_embedding's defaults) and "channels", FULL_EPOCHS 20
    ("15", "baseline (notebook 13's run)",                                1, "legnet", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, "13"),
    ("15", "embedding along the length",                                  1, "legnet_embedding", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    ("15", "embedding along the channels",                                1, "legnet_embedding", {"along": "channels"}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    # 16: TRANSFORMER (n_heads 4, n_layers 1, ff_dim 128, dropout 0.1: legnet_transformer's defaults), FULL_EPOCHS 20
    ("16", "baseline (notebook 13's run)",                                1, "legnet", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, "13"),
    ("16", "transformer",                                                 1, "legnet_transformer", {}, "legnet", 5120, VAL, 20, LEGNET_TEST, None),
    # 17: LEVELS = CENTRE_AND_DIRECTION (the centre and the other direction), REPORT_BEST_ROW (hidden 128, dropout
    #     0.3, weight decay 0.001), EPOCHS 20, BATCH_SIZE 128, TRAIN_PROBE 2048 (both strands); the reference LegNet
    #     trains at REFERENCE_WEIGHT_DECAY 0.01, LegNet's own, so it is 13's run; the best run (priced as the centre)
    #     and the reference are scored on the test set
    ("17", "LegNet reference (notebook 13's run)",                        1, "legnet", {}, "legnet", 5120, VAL, 20, 2 * 2048 + 2 * TEST, "13"),
    ("17", "centre: LSTM 5'->3', hidden 128, dropout 0.3",                1, "legnet_lstm", {"bidirectional": False, "hidden_size": 128, "dropout": 0.3}, "legnet", 5120, VAL, 20, 2 * 2048 + 2 * TEST, None),
    ("17", "bidirectional LSTM, hidden 128, dropout 0.3",                 1, "legnet_lstm", {"bidirectional": True, "hidden_size": 128, "dropout": 0.3}, "legnet", 5120, VAL, 20, 2 * 2048, None),
    # 18: SEEDS [0, 1, 2], BASE_SIZE 5120, N_VAL 2048, SIZES (1280, 2560, 5120, 10240, 20480) of which the offline
    #     7,369 rows hold 1,280, 2,560 and 5,120 (DOWNLOAD_FULL_FILE False), EPOCHS 20, VARIANTS (every extension
    #     at the first seed: the runs of 14-17); every 5,120-row run is scored on the test set
    ("18", "baseline, 1,280 rows",                                        1, "legnet", {}, "legnet", 1280, VAL, 20, 0, None),
    ("18", "baseline, 2,560 rows",                                        1, "legnet", {}, "legnet", 2560, VAL, 20, 0, None),
    ("18", "baseline, seed 0 (notebook 13's run)",                        1, "legnet", {}, "legnet", 5120, VAL, 20, 2 * TEST, "13"),
    ("18", "baseline, seeds 1 and 2",                                     2, "legnet", {}, "legnet", 5120, VAL, 20, 2 * TEST, None),
    ("18", "dilated, alpha 0.4 (notebook 14's run)",                      1, "legnet_dilated", {"alpha": 0.4}, "legnet", 5120, VAL, 20, 2 * TEST, "14"),
    ("18", "embedding (notebook 15's run)",                               1, "legnet_embedding", {}, "legnet", 5120, VAL, 20, 2 * TEST, "15"),
    ("18", "transformer (notebook 16's run)",                             1, "legnet_transformer", {}, "legnet", 5120, VAL, 20, 2 * TEST, "16"),
    ("18", "LSTM, 17's centre (notebook 17's run)",                       1, "legnet_lstm", {"bidirectional": False, "hidden_size": 128, "dropout": 0.3}, "legnet", 5120, VAL, 20, 2 * TEST, "17"),
]

# The parameters-cell values (MODE == "full") the rows above were written from; tests/test_fullplan.py
# checks each against the notebook. A notebook that changes one of them changes the plan.
PARAMETERS = {
    "03": {"ABLATION_DATA": "chimp", "ABLATION_LENGTH": 1000, "ABLATION_CAP": None, "ABLATION_EPOCHS": 40,
           "ABLATION_SEEDS": [0, 1, 2]},
    "05": {"HUMAN": "human", "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 40, "PATIENCE": 5, "BATCH_SIZE": 64,
           "CNN_HPARAMS": {}, "STABILITY_DATA": "chimp", "STABILITY_ROWS": None, "STABILITY_EPOCHS": 30},
    "06": {"HUMAN": "human", "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 40, "BATCH_SIZE": 64, "MODEL": "lstm"},
    "07": {"HUMAN": "human", "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 40, "BATCH_SIZE": 64, "MODEL": "gru"},
    "08": {"HUMAN": "human", "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 40, "BATCH_SIZE": 64, "MODEL": "bilstm"},
    "09": {"HUMAN": "human", "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 40, "BATCH_SIZE": 64,
           "REFERENCE": "cnn", "HYBRIDS": ["cnn_lstm", "cnn_gru", "cnn_bilstm"]},
    "10": {"SEEDS": {"chimp": [0, 1, 2], "dog": [0, 1, 2], "human": [0]}, "SPLITS": ["random", "grouped"],
           "MODELS": list(CLASSIFIERS), "LENGTH": 1000, "N_TRAIN_CAP": None, "EPOCHS": 80, "PATIENCE": 10,
           "BATCH_SIZE": 64, "START_SHIFT": 64, "AUGMENT": {"start_shift": 64}, "OTHER_SPECIES": ["chimp", "dog"],
           "WINDOW_STEP": 500, "MAX_WINDOWS": None, "READ_LENGTH": 4000, "LONG_AUGMENT": {"window": 1000},
           "LONG_MODELS": ["cnn"]},
    "11": {"N_PER_CLASS": 1000, "N_MOTIFS": 3, "TOY_LENGTH": 200, "TOY_CNN": {"channels": (32,), "kernel_size": 9},
           "TOY_EPOCHS": 30, "N_EXPLAIN": 300, "HUMAN": "human", "SPLIT": "random", "LENGTH": 1000, "EPOCHS": 40,
           "BATCH_SIZE": 64, "N_GENES": 150, "N_GENES_ISM": 10, "N_PROMOTERS": 5120, "N_PROMOTERS_VAL": 2048,
           "LEGNET_WIDTHS": {}, "LEGNET_EPOCHS": 10, "N_PROMOTERS_ISM": 200, "N_PLANT": 1000},
    "13": {"FULL_TRAIN": 5120, "FULL_VAL": 2048, "FULL_EPOCHS": 20, "N_TRAIN": 5120, "N_VAL": 2048, "N_TEST": None,
           "WIDTHS": {}, "EPOCHS": 20, "BATCH_SIZE": 128, "LR_TEST_STEPS": 100, "REPORT_STEPS": 1000,
           "REPORT_BATCH_SIZE": 256},
    "14": {"N_TRAIN": 5120, "N_VAL": 2048, "N_TEST": None, "EPOCHS": 20, "BATCH_SIZE": 128, "WIDTHS": {},
           "ALPHAS": [0.0, 0.4], "DILATIONS": (4, 3, 2, 2, 1, 1), "PLACEMENT": "first", "ALTERNATIVE": "last",
           "ALTERNATIVE_ALPHA": 0.4},
    "15": {"N_TRAIN": 5120, "N_VAL": 2048, "N_TEST": None, "EPOCHS": 20, "BATCH_SIZE": 128, "WIDTHS": {},
           "EMBEDDING_DIM": 70, "ALONG": "length", "ALTERNATIVE": "channels"},
    "16": {"N_TRAIN": 5120, "N_VAL": 2048, "N_TEST": None, "EPOCHS": 20, "BATCH_SIZE": 128, "WIDTHS": {},
           "TRANSFORMER": {"n_heads": 4, "n_layers": 1, "ff_dim": 128, "dropout": 0.1}},
    "17": {"N_TRAIN": 5120, "N_VAL": 2048, "TRAIN_PROBE": 2048, "TEST_ROWS": None, "WIDTHS": {}, "EPOCHS": 20,
           "BATCH_SIZE": 128, "LEVELS": {"bidirectional": (False, True), "hidden_size": (128,), "dropout": (0.3,),
                                         "weight_decay": (0.001,), "max_lr": (0.005,)},
           "REPORT_BEST_ROW": {"bidirectional": False, "hidden_size": 128, "dropout": 0.3, "weight_decay": 0.001},
           "REFERENCE_WEIGHT_DECAY": 0.01},
    "18": {"SEEDS": [0, 1, 2], "N_VAL": 2048, "BASE_SIZE": 5120, "SIZES": (1280, 2560, 5120, 10240, 20480),
           "DOWNLOAD_FULL_FILE": False, "TEST_ROWS": None, "WIDTHS": {}, "EPOCHS": 20, "BATCH_SIZE": 128,
           "VARIANTS": {"legnet": {}, "legnet_dilated": {"alpha": 0.4}, "legnet_embedding": {},
                        "legnet_transformer": {},
                        "legnet_lstm": {"bidirectional": False, "dropout": 0.3, "hidden_size": 128}},
           "VARIANT_WEIGHT_DECAY": {"legnet_lstm": 0.001}},
}


# ----------------------------------------------------------------------------------------------
# the plan as records


@dataclass(frozen=True)
class Run:
    """One row of ``PLAN``, with its recipe spelled out."""

    notebook: str
    what: str
    runs: int
    model: str
    settings: dict = field(hash=False)
    recipe: str
    rows: int
    val_rows: int
    epochs: int
    after: int
    made_by: str | None

    @property
    def family(self) -> str:
        return RECIPES[self.recipe][0]

    @property
    def length(self) -> int:
        return RECIPES[self.recipe][1]

    @property
    def batch_size(self) -> int:
        return RECIPES[self.recipe][2]

    @property
    def upper_bound(self) -> bool:
        """True when early stopping can end the run before ``epochs``."""
        return RECIPES[self.recipe][5] and self.trains_model

    @property
    def trains_model(self) -> bool:
        """False for a row that only predicts (no training rows)."""
        return self.rows * self.epochs > 0

    def train_sequences(self) -> int:
        """Training sequences of all ``runs`` (forward + backward each)."""
        return self.runs * self.epochs * self.rows * RECIPES[self.recipe][3]

    def val_sequences(self) -> int:
        """Validation forward passes of all ``runs``: part of the checkpointed run."""
        return self.runs * self.epochs * self.val_rows * RECIPES[self.recipe][4]

    def after_sequences(self) -> int:
        """Forward passes after training of all ``runs``: made even when the run is read back."""
        return self.runs * self.after


def runs(plan=None) -> list[Run]:
    """``PLAN`` (or ``plan``, rows of the same shape) as ``Run`` records.

    >>> [r.what for r in runs() if r.notebook == "16"]
    ["baseline (notebook 13's run)", 'transformer']
    """
    return [Run(*row) for row in (PLAN if plan is None else plan)]


def measurement_key(run: Run) -> str:
    """What a run's speed depends on: model, settings, input length and batch size, as one string.

    >>> measurement_key(runs()[0])
    'cnn, 1000 bp, batch 64'
    >>> measurement_key(next(r for r in runs() if r.recipe == "toy"))
    'cnn(n_classes=3, channels=(32,), kernel_size=9), 200 bp, batch 64'
    """
    settings = ", ".join(f"{k}={v!r}" for k, v in run.settings.items())
    return f"{run.model}{f'({settings})' if settings else ''}, {run.length} bp, batch {run.batch_size}"


def measurements(plan=None) -> dict[str, Run]:
    """One run per distinct ``measurement_key`` of the plan (the first), in plan order: what to time."""
    out = {}
    for run in runs(plan):
        out.setdefault(measurement_key(run), run)
    return out


# ----------------------------------------------------------------------------------------------
# minutes


def _run_minutes(run: Run, rate: dict, in_order: bool) -> float:
    trained = not (in_order and run.made_by)
    forward = run.after_sequences() + (run.val_sequences() if trained else 0)
    seconds = forward / rate["infer"]
    if trained and run.train_sequences():
        seconds += run.train_sequences() / rate["train"]
    return seconds / 60


def notebook_minutes(rates: dict, plan=None, in_order: bool = True) -> dict[str, float]:
    """Minutes of each notebook's plan rows at ``rates``: ``{measurement key: {"train": seq/s,
    "infer": seq/s}}``. ``in_order``: a run another notebook made (``made_by``) costs only its
    ``after`` forward passes (the course run in order); False: every run trains (the notebook alone).

    >>> rates = {"cnn, 1000 bp, batch 64": {"train": 100.0, "infer": 1000.0}}
    >>> plan = [("05", "a", 2, "cnn", {}, "gene", 1000, 100, 3, 600, None),   # 2 x 3 x 1000 / 100 s + 2 x (300 + 600) / 1000 s
    ...         ("09", "b", 1, "cnn", {}, "gene", 1000, 100, 3, 600, "05")]   # in order: 600 / 1000 s
    >>> {nb: round(m * 60, 1) for nb, m in notebook_minutes(rates, plan).items()}
    {'05': 61.8, '09': 0.6}
    >>> round(notebook_minutes(rates, plan, in_order=False)["09"] * 60, 1)
    30.9
    """
    out = {}
    for run in runs(plan):
        key = measurement_key(run)
        if key not in rates:
            raise KeyError(f"no measured speed for {key!r} (notebook {run.notebook}: {run.what})")
        out[run.notebook] = out.get(run.notebook, 0.0) + _run_minutes(run, rates[key], in_order)
    return out


@functools.lru_cache(maxsize=None)
def _forward_gflop(model: str, settings: str, length: int) -> float:
    from .. import cost, models

    return cost.forward_gflop(models.build(model, **json.loads(settings)), length=length)


def t4_estimates(plan=None, in_order: bool = True) -> dict[str, float]:
    """The course's FLOP-based T4 estimate (``dc.cost.gpu_minutes``: an extrapolation from LegNet's
    DREAM run) of every notebook whose runs are all LegNet runs, counted as in ``notebook_minutes``.

    >>> plan = [("13", "a", 1, "legnet", {"stem_channels": 8, "stage_channels": [8, 8]}, "legnet", 10, 4, 2, 6, None),
    ...         ("14", "b", 1, "legnet", {"stem_channels": 8, "stage_channels": [8, 8]}, "legnet", 10, 4, 2, 6, "13"),
    ...         ("11", "c", 1, "cnn", {}, "gene", 10, 4, 2, 6, None)]     # not all LegNet: no estimate
    >>> est = t4_estimates(plan)
    >>> sorted(est), est["14"] < est["13"] == t4_estimates(plan, in_order=False)["14"]
    (['13', '14'], True)
    """
    from .. import cost

    out, mixed = {}, set()
    for run in runs(plan):
        if run.family != "legnet":
            mixed.add(run.notebook)
            continue
        gflop = _forward_gflop(run.model, json.dumps(run.settings), run.length)
        trained = not (in_order and run.made_by)
        minutes = cost.gpu_minutes(gflop, train_sequences=run.train_sequences() if trained else 0,
                                   predict_sequences=run.after_sequences() + (run.val_sequences() if trained else 0))
        out[run.notebook] = out.get(run.notebook, 0.0) + minutes
    return {nb: m for nb, m in out.items() if nb not in mixed}


def _runs_text(group: list[Run]) -> tuple[str, int, int]:
    trained = sum(r.runs for r in group if r.trains_model and not r.made_by)
    read = [r for r in group if r.trains_model and r.made_by]
    text = str(trained)
    if read:
        sources = ", ".join(dict.fromkeys(r.made_by for r in read))
        text += f" + {sum(r.runs for r in read)} read back ({sources})"
    return text, trained, trained + sum(r.runs for r in read)


def course_table(rates_amp: dict | None, rates_fp32: dict | None, estimate: dict | None = None,
                 estimate_alone: dict | None = None, plan=None) -> list[dict]:
    """One dict per notebook 00-18, then the totals for 13-18 and for the whole course.

    Keys: ``notebook``, ``name``, ``runs`` (text: trained here + read back from which notebooks),
    ``runs_trained``, ``runs_alone``, ``amp`` and ``fp32`` (minutes in order, at ``rates_amp`` /
    ``rates_fp32``; None where that table is None), ``amp_alone``, ``fp32_alone`` (the notebook run on
    its own), ``upper`` (early stopping: the minutes are upper bounds), ``t4_estimate`` and
    ``t4_estimate_alone`` (from ``estimate`` / ``estimate_alone``, None where there is none), ``note``.
    The totals add the in-order minutes (their ``*_alone`` are None).

    >>> rates = {k: {"train": 1e3, "infer": 1e4} for k in measurements()}
    >>> table = course_table(None, rates)
    >>> row = next(r for r in table if r["notebook"] == "18")
    >>> row["runs"], row["runs_alone"], row["amp"] is None, row["fp32"] < row["fp32_alone"]
    ('4 + 5 read back (13, 14, 15, 16, 17)', 9, True, True)
    """
    all_runs = runs(plan)
    minutes = {name: (notebook_minutes(r, plan) if r is not None else None,
                      notebook_minutes(r, plan, in_order=False) if r is not None else None)
               for name, r in (("amp", rates_amp), ("fp32", rates_fp32))}
    rows = []
    for nb, name in NOTEBOOKS.items():
        group = [r for r in all_runs if r.notebook == nb]
        text, trained, alone = _runs_text(group) if group else ("-", 0, 0)
        row = {"notebook": nb, "name": f"{nb}_{name}", "runs": text, "runs_trained": trained, "runs_alone": alone,
               "upper": any(r.upper_bound for r in group), "note": NO_TRAINING.get(nb, "")}
        for kind, (in_order, on_its_own) in minutes.items():
            row[kind] = None if in_order is None else in_order.get(nb, 0.0)
            row[f"{kind}_alone"] = None if on_its_own is None else on_its_own.get(nb, 0.0)
        row["t4_estimate"] = (estimate or {}).get(nb)
        row["t4_estimate_alone"] = (estimate_alone or {}).get(nb)
        rows.append(row)

    def total(label, chosen):
        out = {"notebook": label, "name": label, "runs": str(sum(r["runs_trained"] for r in chosen)),
               "runs_trained": sum(r["runs_trained"] for r in chosen), "runs_alone": None,
               "upper": any(r["upper"] for r in chosen), "note": ""}
        for kind in ("amp", "fp32", "t4_estimate"):
            values = [r[kind] for r in chosen]
            out[kind] = None if any(v is None for v in values) else sum(values)
            out[f"{kind}_alone"] = None
        return out

    legnet = [r for r in rows if "13" <= r["notebook"] <= "18"]
    return rows + [total("13-18", legnet), total("course", rows)]


def _minutes_text(value, upper) -> str:
    if value is None:
        return "n/a"
    return f"{'<=' if upper else ''}{value:,.1f}"


def format_table(table: list[dict], title: str = "") -> str:
    """``course_table`` as fixed-width text: one line per notebook, then the totals.

    >>> rates = {k: {"train": 1e3, "infer": 1e4} for k in measurements()}
    >>> text = format_table(course_table(None, rates))
    >>> "13-18" in text and "n/a" in text and "<=" in text
    True
    """
    header = (f"{'notebook':<24}{'runs trained':<38}{'AMP on':>11}{'AMP off':>11}"
              f"{'alone: on':>11}{'off':>11}{'T4 est.':>9}{'alone':>7}")
    lines = [title] if title else []
    lines += [header, "-" * len(header)]
    for row in table:
        if row["notebook"] in ("13-18", "course"):
            if row["notebook"] == "13-18":
                lines.append("-" * len(header))
            label = "total 13-18 (in order)" if row["notebook"] == "13-18" else "total, whole course"
        else:
            label = row["name"]
        if row["note"]:
            lines.append(f"{label:<24}{row['note']}")
            continue
        estimate = "-" if row["t4_estimate"] is None else f"{row['t4_estimate']:.1f}"
        alone_estimate = "" if row["t4_estimate_alone"] is None else f"{row['t4_estimate_alone']:.1f}"
        alone = [_minutes_text(row[k], row["upper"]) if row["runs_alone"] is not None else ""
                 for k in ("amp_alone", "fp32_alone")]
        lines.append(f"{label:<24}{row['runs']:<38}{_minutes_text(row['amp'], row['upper']):>11}"
                     f"{_minutes_text(row['fp32'], row['upper']):>11}{alone[0]:>11}{alone[1]:>11}"
                     f"{estimate:>9}{alone_estimate:>7}")
    lines += ["",
              "minutes of full mode: training and forward passes at the measured speeds (the course run in "
              "order: a run\nread back from an earlier notebook's checkpoint costs only its test predictions; "
              "alone: the notebook on\nits own). <=: early stopping ends these runs sooner, counted at their "
              "epoch limit (an upper bound).\nT4 est.: dc.cost's FLOP-based estimate for a T4 (LegNet notebooks "
              "only; an extrapolation, not a\nmeasurement). Not counted: loading data, k-mer baselines, "
              "plotting, installing."]
    return "\n".join(lines)


def describe(plan=None) -> str:
    """The plan as text: one line per row, with its sequences trained and predicted.

    >>> "reads back (made by 13)" in describe()
    True
    """
    lines = [f"{'nb':<4}{'runs':>5}  {'model':<58}{'train seq':>12}{'forward':>11}  what"]
    for r in runs(plan):
        status = f"reads back (made by {r.made_by})" if r.made_by else ("trains" if r.trains_model else "predicts")
        bound = " (upper bound: early stopping)" if r.upper_bound else ""
        lines.append(f"{r.notebook:<4}{r.runs:>5}  {measurement_key(r):<58}{r.train_sequences():>12,}"
                     f"{r.val_sequences() + r.after_sequences():>11,}  {r.what}: {status}{bound}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# the notebooks' parameters cells


def notebook_parameters(notebook: str, mode: str = "full", notebooks_dir=None) -> dict:
    """The variables of notebook ``notebook``'s ``# Parameters`` cell with ``MODE = mode``.

    ``notebook``: its number ("13") or file stem; ``notebooks_dir``: default the checkout's
    ``notebooks/`` (FileNotFoundError when there is none, e.g. an installed package). The cell runs
    with ``dc`` = ``dnacourse`` after its ``MODE = ...`` line is replaced; its output is discarded.
    """
    import contextlib
    import io

    import dnacourse as dc

    from .notebooks import PARAMETERS_MARKER

    folder = Path(notebooks_dir) if notebooks_dir else Path(dc.__file__).resolve().parents[1] / "notebooks"
    stem = f"{notebook}_{NOTEBOOKS[notebook]}" if notebook in NOTEBOOKS else notebook
    path = folder / f"{stem}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    source = next((s for s in sources if s.startswith(PARAMETERS_MARKER)), None)
    if source is None:
        raise ValueError(f"{path.name} has no cell that starts with {PARAMETERS_MARKER!r}")
    source, count = re.subn(r"^MODE\s*=.*$", f"MODE = {mode!r}", source, count=1, flags=re.MULTILINE)
    if not count:
        raise ValueError(f"{path.name}: its parameters cell sets no MODE")
    namespace = {"dc": dc}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, f"{path.name}: parameters", "exec"), namespace)
    return {k: v for k, v in namespace.items() if k != "dc" and not k.startswith("__")}


def main(argv=None) -> int:
    """``python -m dnacourse.tools.fullplan``: print the plan."""
    print(describe())
    return 0


if __name__ == "__main__":
    main()
