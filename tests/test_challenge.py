"""dc.challenge: the DREAM 2022 challenge's weighted score, checked on the real test rows of the mirror."""

import json
import os

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from dnacourse import challenge, data


@pytest.fixture(scope="module")
def real():
    """(measured test expression, challenge subsets with the public SNV pairs), from the mirror."""
    if not os.environ.get("DNACOURSE_MIRROR"):
        pytest.skip("no data mirror: set DNACOURSE_MIRROR to a copy of shared/data")
    measured = data.load_dream("test", verbose=False)["expression"].to_numpy()
    return measured, challenge.challenge_subsets(snvs="public", verbose=False)


def _direct_score(pred, measured, mirror):
    """The challenge's formula written out from PROVENANCE.md, straight from the mirror's files."""
    root = mirror / "dream_yeast"
    public = {name: list(json.loads((root / f"public_leaderboard_ids/{name}_exp_indices.json").read_text()))
              for name in ("high", "low", "yeast", "random", "challenging", "SNVs", "motif_perturbation",
                           "motif_tiling")}
    pairs_public = {n: {tuple(int(i) for i in k.split(",")) for k in public[n]}
                    for n in ("SNVs", "motif_perturbation", "motif_tiling")}
    dropped_rows = {int(k) for n in ("high", "low", "yeast", "random", "challenging") for k in public[n]}
    dropped_rows |= {i for pairs in pairs_public.values() for pair in pairs for i in pair}
    terms = []
    keep_all = [i for i in range(len(measured)) if i not in dropped_rows]
    terms.append((1.0, measured[keep_all], pred[keep_all]))
    for weight, file in [(0.3, "high_exp"), (0.3, "low_exp"), (0.3, "yeast"), (0.3, "all_random"),
                         (0.5, "challenging")]:
        ids = sorted(set(pd.read_csv(root / f"test_subset_ids/{file}_seqs.csv")["pos"]) - dropped_rows)
        terms.append((weight, measured[ids], pred[ids]))
    for weight, name in [(1.25, "SNVs"), (0.3, "motif_perturbation"), (0.4, "motif_tiling")]:
        if name == "SNVs":  # offline: the public SNV pairs stand in for the full list
            pairs = sorted(pairs_public[name])
        else:
            table = pd.read_csv(root / f"test_subset_ids/{name}_seqs.csv")
            pairs = sorted(set(zip(table["alt_pos"], table["ref_pos"], strict=True)) - pairs_public[name])
        alt, ref = np.array(pairs).T
        terms.append((weight, measured[alt] - measured[ref], pred[alt] - pred[ref]))
    pearson = sum(w * stats.pearsonr(t, p)[0] ** 2 for w, t, p in terms) / 4.65
    spearman = sum(w * stats.spearmanr(t, p)[0] for w, t, p in terms) / 4.65
    return pearson, spearman


def test_weights_sum_to_the_divisor():
    assert sum(challenge.WEIGHTS.values()) == pytest.approx(challenge.TOTAL_WEIGHT)
    assert set(challenge.PAIRED) <= set(challenge.WEIGHTS)


def test_measured_values_score_one(real):
    measured, subsets = real
    scores = challenge.challenge_scores(measured, measured, subsets=subsets)
    assert scores.pearson_score == pytest.approx(1.0)
    assert scores.spearman_score == pytest.approx(1.0)
    assert (scores.table["n"] > 300).all()
    assert scores.table.set_index("subset").loc["SNVs", "n"] == 4670
    assert scores.table.set_index("subset").loc["motif_tiling", "scored_on"] == "alt - ref"


def test_offline_snv_pairs_are_labelled_never_silent(real):
    measured, subsets = real
    scores = challenge.challenge_scores(measured, measured, subsets=subsets)
    assert scores.snv_pairs == "public-leaderboard SNV pairs"
    assert "public-leaderboard SNV pairs" in scores.summary()
    assert any("SNV" in note for note in scores.notes)


def test_matches_a_direct_implementation_of_the_formula(real, mirror):
    measured, subsets = real
    rng = np.random.default_rng(0)
    pred = measured + rng.normal(scale=0.6, size=len(measured))      # a noisy but honest predictor
    scores = challenge.challenge_scores(pred, measured, subsets=subsets)
    pearson, spearman = _direct_score(pred, measured, mirror)
    assert scores.pearson_score == pytest.approx(pearson, abs=1e-9)
    assert scores.spearman_score == pytest.approx(spearman, abs=1e-9)
    assert 0.2 < scores.pearson_score < 0.9


def test_a_predictor_constant_within_each_pair_gets_no_paired_correlation(real):
    measured, subsets = real
    # one value per group of sequences linked by pairs: it "knows the background", nothing about variants
    links = np.concatenate(list(subsets.pairs.values()))
    graph = sparse.coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(len(measured),) * 2)
    _, group = connected_components(graph, directed=False)
    pred = pd.Series(measured).groupby(group).transform("mean").to_numpy()
    scores = challenge.challenge_scores(pred, measured, subsets=subsets)
    table = scores.table.set_index("subset")
    for name in challenge.PAIRED:
        assert np.isnan(table.loc[name, "pearson"]) and np.isnan(table.loc[name, "spearman"])
    assert any("counted as 0" in note for note in scores.notes)
    # the course's plain correlation over the motif-tiling rows is high for the same predictor
    rows = np.unique(subsets.pairs["motif_tiling"])
    assert stats.pearsonr(measured[rows], pred[rows])[0] > 0.5
    assert table.loc["all", "pearson"] > 0.5
    assert scores.pearson_score < table.loc["all", "pearson"] ** 2


def test_keeping_the_public_indices_uses_more_rows(real):
    measured, subsets = real
    dropped = challenge.challenge_scores(measured, measured, subsets=subsets).table.set_index("subset")["n"]
    kept = challenge.challenge_scores(measured, measured, subsets=subsets, drop_public=False)
    assert (kept.table.set_index("subset")["n"] >= dropped).all()
    assert kept.table.set_index("subset").loc["all", "n"] == challenge.N_TEST
    assert "kept" in kept.summary()


def test_a_sample_of_predictions_is_labelled(real):
    measured, subsets = real
    sample = pd.Series(measured).sample(5000, random_state=0)
    scores = challenge.challenge_scores(sample, measured, subsets=subsets)
    assert scores.table.set_index("subset").loc["all", "n"] < 5000
    assert any("5,000 of 71,103" in note for note in scores.notes)


def test_bad_predictions_raise_clear_errors(real):
    measured, subsets = real
    with pytest.raises(ValueError, match="71,103"):
        challenge.challenge_scores(measured[:10], measured, subsets=subsets)
    with pytest.raises(ValueError, match="indexed by test index"):
        challenge.challenge_scores(pd.Series([1.0], index=[10**6]), measured, subsets=subsets)
    with pytest.raises(ValueError, match="snvs"):
        challenge.challenge_subsets(snvs="all")


def test_full_snv_list_offline_raises_or_falls_back(mirror, tmp_data_dir, monkeypatch, capsys):
    def no_network(url, dest):
        raise OSError("no network")

    monkeypatch.setattr(data, "_download", no_network)
    with pytest.raises(data.DataUnavailableError, match="all_SNVs_seqs.csv"):
        challenge.challenge_subsets(snvs="full")
    subsets = challenge.challenge_subsets()
    assert subsets.snv_pairs == "public-leaderboard SNV pairs"
    assert "4,670 public-leaderboard SNV pairs" in capsys.readouterr().out


def test_full_snv_list_is_used_when_it_loads(mirror, monkeypatch):
    fetch, read_csv = data.fetch, pd.read_csv
    table = pd.DataFrame({"alt_pos": [1, 3, 5, 5], "ref_pos": [2, 4, 6, 6]})
    monkeypatch.setattr(data, "fetch", lambda name: "SNV-LIST" if name == "dream_snv_pairs" else fetch(name))
    monkeypatch.setattr(pd, "read_csv", lambda path, *a, **k: table if path == "SNV-LIST" else read_csv(path, *a, **k))
    subsets = challenge.challenge_subsets(snvs="full")
    assert subsets.snv_pairs == "full list"
    assert subsets.pairs["SNVs"].tolist() == [[1, 2], [3, 4], [5, 6]]   # unique pairs, as the challenge


def test_score_models_gives_each_model_its_own_challenge_scores():
    rng = np.random.default_rng(1)
    measured = rng.normal(size=challenge.N_TEST)
    subsets = challenge.ChallengeSubsets({"high_exp": np.arange(200)}, {"SNVs": np.arange(40).reshape(20, 2)},
                                         {"high_exp": np.arange(0)}, {"SNVs": np.zeros((0, 2), int)},
                                         "full list")
    noisy = measured + rng.normal(size=challenge.N_TEST)
    table = challenge.score_models({"perfect": measured, "noisy": noisy}, measured, subsets=subsets)
    assert table["model"].tolist() == ["perfect", "noisy"]
    alone = challenge.challenge_scores(noisy, measured, subsets=subsets)
    assert table.loc[1, "challenge pearson score"] == pytest.approx(alone.pearson_score)
    assert table.loc[1, "challenge spearman score"] == pytest.approx(alone.spearman_score)
    assert table.loc[0, "challenge pearson score"] == pytest.approx(2.55 / challenge.TOTAL_WEIGHT)
    assert table.attrs["scores"]["noisy"].table.equals(alone.table)
    with pytest.raises(ValueError, match="predictions is empty"):
        challenge.score_models({}, measured, subsets=subsets)
