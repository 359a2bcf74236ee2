"""dnacourse.classify: reading a whole gene in windows (window_starts, predict_windows)."""

import numpy as np
import pytest
import torch

from dnacourse import classify, encoding, models, train


@pytest.mark.parametrize("n_bases", [1, 999, 1000, 1001, 1499, 1500, 2200, 18921])
def test_windows_read_every_base_and_stay_inside(n_bases):
    starts = classify.window_starts(n_bases, length=1000, step=500)
    assert starts[0] == 0 and starts == sorted(set(starts))
    read = np.zeros(n_bases, dtype=bool)
    for s in starts:
        assert s + min(1000, n_bases) <= n_bases      # no window runs past the end
        read[s:s + 1000] = True
    assert read.all()
    assert all(b - a <= 500 for a, b in zip(starts[:-1], starts[1:], strict=True))


def test_window_starts_rejects_bad_arguments():
    with pytest.raises(ValueError, match="step must be at least 1"):
        classify.window_starts(2000, step=0)
    with pytest.raises(ValueError, match="max_windows"):
        classify.window_starts(2000, max_windows=0)


@pytest.fixture
def cnn():
    torch.manual_seed(0)
    return models.build("cnn", channels=(8, 8), kernel_size=5, pool=2).eval()


def test_one_window_equals_predict_proba(cnn):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), n)) for n in (50, 80, 120)]
    got = classify.predict_windows(cnn, seqs, length=120, step=60)
    want = train.predict_proba(cnn, encoding.encode_index(seqs, 120))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_windows_combine_as_a_geometric_mean(cnn):
    rng = np.random.default_rng(1)
    seq = "".join(rng.choice(list("ACGT"), 250))
    got = classify.predict_windows(cnn, [seq], length=100, step=50)[0]
    parts = [seq[s:s + 100] for s in classify.window_starts(250, 100, 50)]
    assert len(parts) == 4
    p = train.predict_proba(cnn, encoding.encode_index(parts, 100)).astype(np.float64)
    want = np.exp(np.log(p).mean(axis=0))
    np.testing.assert_allclose(got, want / want.sum(), atol=1e-5)
    assert got.sum() == pytest.approx(1.0, abs=1e-5)
    # max_windows=1 reads the first window only
    first = classify.predict_windows(cnn, [seq], length=100, step=50, max_windows=1)[0]
    np.testing.assert_allclose(first, p[0], atol=1e-5)


def test_predict_windows_names_bad_input(cnn):
    with pytest.raises(ValueError, match="empty"):
        classify.predict_windows(cnn, [])
    with pytest.raises(ValueError, match="sequence 1 is empty"):
        classify.predict_windows(cnn, ["ACGT", ""])
    with pytest.raises(ValueError, match="invalid character 'X' at position 2 of sequence 0"):
        classify.predict_windows(cnn, ["ACXT"])
