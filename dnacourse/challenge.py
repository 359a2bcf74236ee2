"""The DREAM 2022 challenge's own score of test-set predictions (promoter track, notebooks 12-18).

The course's ``promoters.evaluate_promoters`` correlates predicted with measured expression over the
rows of each test subset. The challenge scored differently (de Boer lab, ``prixfixe/evaluation.py``
in de-Boer-Lab/random-promoter-dream-challenge-2022; formula in the mirror's PROVENANCE.md):

* the **paired** subsets -- single-nucleotide variants (SNVs), motif perturbation and motif tiling --
  are scored on the *difference* within each pair: predicted alt - ref against measured alt - ref
  (evaluation.py, ``calculate_diff_correlations``). A model that only knows which background
  sequence a variant came from gets no credit there;
* the other subsets (high, low, yeast, random, challenging) and "all" on the values themselves;
* the indices shown on the public leaderboard during the challenge are dropped by default
  (``evaluate_predictions(..., discard_public_leaderboard_indices=True)``);
* two weighted sums, each divided by 4.65 (the sum of the weights, ``WEIGHTS``): the Pearson
  score uses squared r, the Spearman score rho as it is.

    import dnacourse as dc
    pred = dc.promoters.predict_expression(model, codes_of_all_71103_test_rows)
    scores = dc.challenge.challenge_scores(pred)
    print(scores.summary()); scores.table

The full SNV list (``all_SNVs_seqs.csv``) is public upstream but not in the offline mirror. Online it
is downloaded once and verified by its git blob; offline the SNV term is scored on the 4,670 SNV pairs
of the public leaderboard instead, and the result says so in ``snv_pairs``, ``notes`` and
``summary()``: such a score is not the challenge's number.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import data, metrics

__all__ = ["WEIGHTS", "PAIRED", "TOTAL_WEIGHT", "ChallengeSubsets", "challenge_subsets",
           "ChallengeScores", "challenge_scores", "score_models"]

# subset -> weight in both scores (evaluation.py, the ``pearsons_score`` / ``spearmans_score`` lines)
WEIGHTS: dict[str, float] = {"all": 1.0, "high_exp": 0.3, "low_exp": 0.3, "yeast": 0.3, "all_random": 0.3,
                             "challenging": 0.5, "SNVs": 1.25, "motif_perturbation": 0.3, "motif_tiling": 0.4}
PAIRED = ("SNVs", "motif_perturbation", "motif_tiling")  # scored on alt - ref
TOTAL_WEIGHT = 4.65  # both weighted sums are divided by this (the sum of WEIGHTS)
N_TEST = 71_103
_PUBLIC_FILE = {"high_exp": "high", "low_exp": "low", "yeast": "yeast", "all_random": "random",
                "challenging": "challenging", "SNVs": "SNVs", "motif_perturbation": "motif_perturbation",
                "motif_tiling": "motif_tiling"}  # subset -> name of its public-leaderboard file


@dataclass
class ChallengeSubsets:
    """The test indices the challenge scores, with the public-leaderboard ones.

    * ``single``: subset -> sorted unique test indices (high_exp, low_exp, yeast, all_random, challenging);
    * ``pairs``: subset -> ``(n, 2)`` int64 array of unique ``[alt, ref]`` test-index pairs (SNVs, motif
      perturbation, motif tiling);
    * ``public_single`` / ``public_pairs``: the same for the public leaderboard;
    * ``snv_pairs``: ``"full list"`` or ``"public-leaderboard SNV pairs"`` (offline stand-in).
    """

    single: dict[str, np.ndarray]
    pairs: dict[str, np.ndarray]
    public_single: dict[str, np.ndarray]
    public_pairs: dict[str, np.ndarray]
    snv_pairs: str


def _unique_pairs(alt, ref) -> np.ndarray:
    pairs = np.stack([np.asarray(alt, np.int64), np.asarray(ref, np.int64)], axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)


def _public(name: str) -> list[str]:
    with open(data.fetch(f"dream_leaderboard_{_PUBLIC_FILE[name]}")) as fh:
        return list(json.load(fh))


def challenge_subsets(snvs: str = "auto", verbose: bool = True) -> ChallengeSubsets:
    """Load the challenge's subsets and its public-leaderboard indices (verified files).

    ``snvs``: ``"full"`` loads the full SNV list (online, or from the cache; raises
    ``DataUnavailableError`` otherwise); ``"public"`` uses the 4,670 public-leaderboard SNV pairs;
    ``"auto"`` (default) tries the full list and falls back to the public pairs, printing one line
    that says so when ``verbose``.

    >>> subsets = challenge_subsets(snvs="public", verbose=False)          # doctest: +SKIP
    >>> len(subsets.pairs["SNVs"]), subsets.snv_pairs                    # doctest: +SKIP
    (4670, 'public-leaderboard SNV pairs')
    """
    if snvs not in ("auto", "full", "public"):
        raise ValueError(f"snvs must be 'auto', 'full' or 'public', got {snvs!r}")
    single, pairs = {}, {}
    for name, ids in data.dream_test_subsets().items():
        if name not in PAIRED:
            single[name] = ids
    for name in ("motif_perturbation", "motif_tiling"):
        table = pd.read_csv(data.fetch(f"dream_subset_{name}"), index_col=0)
        pairs[name] = _unique_pairs(table["alt_pos"], table["ref_pos"])
    public_single = {n: np.unique(np.array(_public(n), dtype=np.int64)) for n in single}
    public_pairs = {}
    for name in PAIRED:  # keys "alt,ref"
        both = np.array([key.split(",") for key in _public(name)], dtype=np.int64).reshape(-1, 2)
        public_pairs[name] = _unique_pairs(both[:, 0], both[:, 1])
    source = "public-leaderboard SNV pairs"
    if snvs != "public":
        try:
            table = pd.read_csv(data.fetch("dream_snv_pairs"), index_col=0)
            pairs["SNVs"], source = _unique_pairs(table["alt_pos"], table["ref_pos"]), "full list"
        except data.DataUnavailableError:
            if snvs == "full":
                raise
            if verbose:
                print(f"The full SNV list is not available (offline?): the SNV term uses the "
                      f"{len(public_pairs['SNVs']):,} public-leaderboard SNV pairs instead.")
    if source != "full list":
        pairs["SNVs"] = public_pairs["SNVs"]
    return ChallengeSubsets(single, {n: pairs[n] for n in PAIRED}, public_single, public_pairs, source)


@dataclass
class ChallengeScores:
    """What ``challenge_scores`` returns.

    ``pearson_score`` = sum of weight x r^2 / 4.65, ``spearman_score`` = sum of weight x rho / 4.65;
    ``table``: one row per term (``subset``, ``scored_on`` "values" or "alt - ref", ``weight``, ``n``,
    ``pearson``, ``spearman``); ``snv_pairs`` says which SNV pairs were used; ``notes`` says everything
    in which this score differs from the challenge's.
    """

    pearson_score: float
    spearman_score: float
    table: pd.DataFrame = field(repr=False)
    snv_pairs: str
    drop_public: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One labelled line (plus the notes), e.g. for a notebook's output."""
        head = (f"DREAM challenge score: Pearson score {self.pearson_score:.3f}, Spearman score "
                f"{self.spearman_score:.3f} (SNVs: {self.snv_pairs}; public-leaderboard indices "
                f"{'dropped' if self.drop_public else 'kept'})")
        return "\n".join([head, *(f"  note: {n}" for n in self.notes)])


def _full_length(values, what: str) -> np.ndarray:
    """Predictions or measurements as a length-71,103 float array, NaN where a row has none."""
    if isinstance(values, pd.Series):
        index = values.index.to_numpy()
        if index.dtype.kind not in "iu" or (len(index) and (index.min() < 0 or index.max() >= N_TEST)):
            raise ValueError(f"{what}: a Series must be indexed by test index 0..{N_TEST - 1}")
        out = np.full(N_TEST, np.nan)
        out[index] = values.to_numpy(dtype=np.float64)
        return out
    out = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(out) != N_TEST:
        raise ValueError(f"{what} has {len(out):,} values; give all {N_TEST:,} test rows in test-index order, "
                         "or a pandas Series indexed by test index")
    return out


def _correlate(true: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    if len(true) < 3:
        return math.nan, math.nan
    scores = metrics.regression_metrics(true, pred)
    return scores["pearson"], scores["spearman"]


def challenge_scores(predictions, measured=None, *, subsets: ChallengeSubsets | None = None,
                     drop_public: bool = True) -> ChallengeScores:
    """Score test-set predictions as the DREAM 2022 challenge did: two weighted scores and every term.

    ``predictions``: 71,103 values in test-index order, or a ``pd.Series`` indexed by test index (a
    sample: every term then uses only rows -- or pairs -- with a prediction, and a note says so).
    ``measured``: default the measured test expression (``data.load_dream("test")``), same forms.
    ``subsets``: default ``challenge_subsets()``. ``drop_public``: drop the public-leaderboard indices,
    as the challenge's final score did (default); offline the SNV term has only public pairs, so it
    keeps them (a note says so).

    A correlation that is undefined -- a constant prediction, e.g. a predictor that gives both members
    of every pair the same value has all paired differences 0 -- is NaN in ``table`` and counts as 0
    ("no correlation") in the scores; the challenge's own script would return NaN scores there.

    >>> import numpy as np
    >>> measured = np.random.default_rng(0).normal(size=N_TEST)
    >>> pairs = ChallengeSubsets({"high_exp": np.arange(100)}, {"SNVs": np.array([[1, 2], [3, 4], [5, 6]])},
    ...                          {"high_exp": np.arange(0)}, {"SNVs": np.zeros((0, 2), int)}, "full list")
    >>> s = challenge_scores(measured, measured, subsets=pairs)
    >>> round(s.pearson_score * TOTAL_WEIGHT, 3), round(s.spearman_score * TOTAL_WEIGHT, 3)  # 1 + 0.3 + 1.25
    (2.55, 2.55)
    """
    pred = _full_length(predictions, "predictions")
    if measured is None:
        measured = data.load_dream("test", verbose=False)["expression"]
    true = _full_length(measured, "measured")
    subsets = challenge_subsets() if subsets is None else subsets
    has = ~np.isnan(pred) & ~np.isnan(true)
    notes = []
    if not has.all():
        notes.append(f"predictions for {has.sum():,} of {N_TEST:,} test rows: every term uses only those rows "
                     "(pairs: both members), so this is not the challenge's number")
    public = np.zeros(N_TEST, bool)
    if drop_public:
        for ids in subsets.public_single.values():
            public[ids] = True
        for p in subsets.public_pairs.values():
            public[p.ravel()] = True
    rows = []
    everything = np.flatnonzero(has & ~public)
    rows.append(("all", "values", everything, None))
    for name, ids in subsets.single.items():
        keep = ids[has[ids] & ~public[ids]]
        rows.append((name, "values", keep, None))
    for name, p in subsets.pairs.items():
        keep = has[p[:, 0]] & has[p[:, 1]]
        offline_snvs = name == "SNVs" and subsets.snv_pairs != "full list"
        if drop_public and not offline_snvs:
            dropped = {tuple(q) for q in subsets.public_pairs[name].tolist()}
            keep &= np.array([tuple(q) not in dropped for q in p.tolist()], bool)
        rows.append((name, "alt - ref", None, p[keep]))
    if subsets.snv_pairs != "full list":
        notes.append(f"the SNV term uses the {subsets.snv_pairs} (the full list was not loaded); the challenge "
                     "scored every SNV pair" + (" except these" if drop_public else ""))
    table = []
    for name, kind, ids, p in rows:
        if p is None:
            r, rho, n = *_correlate(true[ids], pred[ids]), len(ids)
        else:
            r, rho, n = *_correlate(true[p[:, 0]] - true[p[:, 1]], pred[p[:, 0]] - pred[p[:, 1]]), len(p)
        table.append({"subset": name, "scored_on": kind, "weight": WEIGHTS[name], "n": n,
                      "pearson": r, "spearman": rho})
    table = pd.DataFrame(table)
    undefined = table.loc[table["pearson"].isna(), "subset"].tolist()
    if undefined:
        notes.append(f"no correlation defined for {', '.join(undefined)} (constant predictions or differences, "
                     "or under 3 rows): counted as 0")
    w = table["weight"].to_numpy()
    pearson_score = float((w * table["pearson"].fillna(0).to_numpy() ** 2).sum() / TOTAL_WEIGHT)
    spearman_score = float((w * table["spearman"].fillna(0).to_numpy()).sum() / TOTAL_WEIGHT)
    return ChallengeScores(pearson_score, spearman_score, table, subsets.snv_pairs, drop_public, notes)


def score_models(predictions: dict, measured=None, *, subsets: ChallengeSubsets | None = None,
                 drop_public: bool = True) -> pd.DataFrame:
    """``challenge_scores`` for several models at once: one labelled row per model.

    ``predictions``: model name -> predictions (each in a form ``challenge_scores`` takes). The
    subsets are loaded once. Columns ``model``, ``challenge pearson score``, ``challenge spearman
    score``, ``snv pairs``; ``attrs["scores"]`` holds every ``ChallengeScores`` (with its per-subset
    table) and ``attrs["notes"]`` the notes of all of them, each once.

    >>> import numpy as np
    >>> measured = np.random.default_rng(0).normal(size=N_TEST)
    >>> pairs = ChallengeSubsets({"high_exp": np.arange(100)}, {"SNVs": np.array([[1, 2], [3, 4], [5, 6]])},
    ...                          {"high_exp": np.arange(0)}, {"SNVs": np.zeros((0, 2), int)}, "full list")
    >>> table = score_models({"perfect": measured, "negated": -measured}, measured, subsets=pairs)
    >>> table["challenge spearman score"].round(3).tolist()
    [0.548, -0.548]
    """
    if not predictions:
        raise ValueError("predictions is empty: give {model name: predictions}")
    subsets = challenge_subsets() if subsets is None else subsets
    scores = {name: challenge_scores(pred, measured, subsets=subsets, drop_public=drop_public)
              for name, pred in predictions.items()}
    table = pd.DataFrame([{"model": name, "challenge pearson score": s.pearson_score,
                           "challenge spearman score": s.spearman_score, "snv pairs": s.snv_pairs}
                          for name, s in scores.items()])
    table.attrs["scores"] = scores
    table.attrs["notes"] = list(dict.fromkeys(n for s in scores.values() for n in s.notes))
    return table
