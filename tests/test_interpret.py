"""Tests for dnacourse.interpret (and dnacourse.plots.sequence_logo) on models whose answer we know.

The central fixture is a hand-built "motif scanner": its first-layer filters ARE the planted PWMs
(log-odds weights, no training), followed by a global max. Every method must then point at the
planted motif, and the filter PWMs must come back as the planted ones.
"""

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from torch import nn  # noqa: E402

from dnacourse import encoding, interpret, plots  # noqa: E402
from dnacourse.data import make_motif_dataset  # noqa: E402

LENGTH, WIDTH = 60, 8


@pytest.fixture(autouse=True)
def one_thread_and_close_figures():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    plt.close("all")


class MotifScanner(nn.Module):
    """Logit of class c = the best log-odds score of PWM c anywhere in the sequence (global max).

    ``extra_channels`` adds input planes (like LegNet's flags) that shift every score by a constant.
    """

    def __init__(self, pwms, extra_channels: int = 0):
        super().__init__()
        width = pwms[0].shape[1]
        self.conv = nn.Conv1d(4 + extra_channels, len(pwms), width)
        with torch.no_grad():
            weight = torch.zeros_like(self.conv.weight)
            for c, pwm in enumerate(pwms):
                weight[c, :4] = torch.from_numpy(np.log((pwm + 0.01) / 1.04 / 0.25)).float()
            weight[:, 4:] = 0.3
            self.conv.weight.copy_(weight)
            self.conv.bias.zero_()

    def forward(self, x):
        return self.conv(x).amax(dim=-1)  # (B, n_classes)


@pytest.fixture(scope="module")
def planted():
    df = make_motif_dataset(n_per_class=40, n_classes=2, length=LENGTH, motif_length=WIDTH, seed=3)
    idx = torch.from_numpy(encoding.encode_index(df["sequence"].tolist()))
    return df, idx, MotifScanner(df.attrs["motifs"])


def brute_force_ism(model, idx, target, to_input=encoding.index_to_one_hot):
    """Mutate one base at a time in Python loops: the definition of ISM."""
    out = np.zeros((len(idx), 4, idx.shape[1]), dtype=np.float32)
    with torch.no_grad():
        for n in range(len(idx)):
            ref = model(to_input(idx[n:n + 1]))[0, target[n]]
            for i in range(idx.shape[1]):
                if idx[n, i] == encoding.PAD_CODE:
                    continue
                for b in range(4):
                    if b == idx[n, i]:
                        continue
                    mutant = idx[n:n + 1].clone()
                    mutant[0, i] = b
                    out[n, b, i] = float(model(to_input(mutant))[0, target[n]] - ref)
    return out


# ----------------------------------------------------------------------------------------------
# saliency and ISM find the planted motif


def test_saliency_ranks_the_planted_motif_top(planted):
    df, idx, model = planted
    attr = interpret.saliency(model, idx, target=df["label"].to_numpy())
    assert attr.shape == (len(df), 4, LENGTH)
    scores = interpret.position_scores(attr, "abs_sum")
    fraction, chance = interpret.motif_hit_rate(scores, df["motif_start"], df["motif_end"])
    assert chance == pytest.approx(WIDTH / LENGTH)
    assert fraction > 0.9
    # gradient x input: only the observed base of each column can be non-zero
    one_hot = encoding.index_to_one_hot(idx).numpy()
    assert np.all(attr[one_hot == 0] == 0)


def test_ism_ranks_the_planted_motif_top_and_breaking_it_hurts(planted):
    df, idx, model = planted
    effects = interpret.mutagenesis(model, idx, target=df["label"].to_numpy(), batch_size=1000)
    assert effects.shape == (len(df), 4, LENGTH)
    scores = interpret.position_scores(effects, "max_abs")
    fraction, _ = interpret.motif_hit_rate(scores, df["motif_start"], df["motif_end"])
    assert fraction > 0.9
    # inside the motif, the mean substitution lowers the true class's logit
    inside = np.array([effects[n, :, s:e].sum(axis=0).mean() / 3
                       for n, (s, e) in enumerate(zip(df["motif_start"], df["motif_end"], strict=True))])
    assert np.mean(inside < 0) > 0.9


def test_ism_equals_brute_force_on_a_tiny_input():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(4, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 7, 2))
    idx = torch.from_numpy(encoding.encode_index(["ACGTNAC", "GGTAC"], length=7))  # an N, and padding
    for target in ([1, 0], None):
        effects = interpret.mutagenesis(model, idx, target=target, batch_size=5)
        with torch.no_grad():
            used = model(encoding.index_to_one_hot(idx)).argmax(1).tolist() if target is None else target
        np.testing.assert_allclose(effects, brute_force_ism(model, idx, used), atol=1e-5)
    # all four bases are scored at the N (position 4 of row 0), none at the padding of row 1
    assert np.count_nonzero(effects[0, :, 4]) == 4
    assert np.all(effects[1, :, 5:] == 0)


def test_ism_on_one_hot_input_equals_ism_on_codes():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv1d(4, 2, 5), nn.Flatten(), nn.LazyLinear(3))
    idx = torch.from_numpy(encoding.encode_index(["ACGTACGGTA", "TTGACAGGCA"]))
    x = encoding.index_to_one_hot(idx)
    np.testing.assert_allclose(interpret.mutagenesis(model, x, target=2),
                               interpret.mutagenesis(model, idx, target=2), atol=1e-6)


def test_isms_reference_base_has_zero_effect_and_eval_mode_is_used_and_restored():
    model = nn.Sequential(nn.Conv1d(4, 4, 3), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Flatten(),
                          nn.LazyLinear(2))
    idx = torch.from_numpy(encoding.encode_index(["ACGTACGTAC"] * 3))
    model.train()
    a = interpret.mutagenesis(model, idx)
    b = interpret.mutagenesis(model, idx)
    assert model.training, "the caller's mode comes back"
    np.testing.assert_array_equal(a, b)  # no dropout noise: evaluated in eval mode
    one_hot = encoding.index_to_one_hot(idx).numpy()
    assert np.all(a[one_hot == 1] == 0)
    np.testing.assert_allclose(a[0], a[1], atol=1e-6)  # a row does not depend on its batch


# ----------------------------------------------------------------------------------------------
# padding and masks


def test_padding_is_excluded_from_ism_saliency_and_rankings():
    torch.manual_seed(2)
    length = 12
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * length, 1))  # every position matters, padding too
    idx = torch.from_numpy(encoding.encode_index(["ACGTACG", "TTGCAAGTCA"], length=length))
    lengths = np.array([7, 10])

    default = interpret.mutagenesis(model, idx)
    assert np.all(default[0, :, 7:] == 0) and np.all(default[1, :, 10:] == 0)
    assert np.count_nonzero(default[0, :, :7]) == 3 * 7
    everything = interpret.mutagenesis(model, idx, mask=np.ones((2, length), dtype=bool))
    assert np.count_nonzero(everything[0, :, 7:]) > 0, "unmasked, padding positions do get mutated"
    np.testing.assert_array_equal(interpret.mutagenesis(model, idx, mask=lengths), default)

    gradient = interpret.saliency(model, idx, target=0, method="gradient", mask=np.ones((2, length), bool))
    assert np.count_nonzero(gradient[0, :, 7:]) > 0, "the plain gradient is defined at padding"
    masked = interpret.saliency(model, idx, target=0, method="gradient")
    assert np.all(masked[0, :, 7:] == 0)
    x_input = interpret.saliency(model, idx, target=0, mask=np.ones((2, length), bool))
    assert np.all(x_input[0, :, 7:] == 0), "gradient x input is zero at padding by construction"

    scores = interpret.position_scores(everything, "max_abs")
    top = interpret.top_positions(scores, 9, mask=lengths)
    assert set(top[0]) == set(range(7)) | {-1}, "a 7-base row has 7 real positions, then -1"
    assert np.all(top[1] < 10)


def test_masks_are_checked_and_named():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 5, 2))
    idx = encoding.encode_index(["ACGTA", "ACG"], length=5)
    with pytest.raises(ValueError, match=r"\(N, L\) = \(2, 5\)"):
        interpret.mutagenesis(model, idx, mask=np.ones((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="got 9 for sequence 1"):
        interpret.saliency(model, idx, mask=np.array([5, 9]))
    with pytest.raises(ValueError, match="target 7 is not an output"):
        interpret.saliency(model, idx, target=7)
    with pytest.raises(ValueError, match="codes must be in 0..5"):
        interpret.mutagenesis(model, np.array([[0, 1, 9, 2, 0]]))
    with pytest.raises(ValueError, match="method must be one of"):
        interpret.saliency(model, idx, method="integrated")


# ----------------------------------------------------------------------------------------------
# six input channels (LegNet-style): only the four base channels are mutated


def test_six_channel_input_mutates_only_the_base_channels(planted):
    df, idx, _ = planted
    model = MotifScanner(df.attrs["motifs"], extra_channels=2)

    def to_input(codes):  # one-hot, then two constant planes (like LegNet's reverse/singleton flags)
        x = encoding.index_to_one_hot(codes)
        return torch.cat([x, torch.ones(x.shape[0], 2, x.shape[2], device=x.device)], dim=1)

    rows = idx[:6]
    from_codes = interpret.mutagenesis(model, rows, target=1, to_input=to_input)
    from_six = interpret.mutagenesis(model, to_input(rows), target=1, n_bases=4)
    assert from_codes.shape == from_six.shape == (6, 4, LENGTH)
    np.testing.assert_allclose(from_six, from_codes, atol=1e-5)
    np.testing.assert_allclose(from_codes, brute_force_ism(model, rows, [1] * 6, to_input), atol=1e-4)

    attr = interpret.saliency(model, rows, target=1, to_input=to_input)
    assert attr.shape == (6, 6, LENGTH)
    pwms, n_sites = interpret.filter_pwms(model, idx, to_input=to_input)
    assert pwms.shape == (2, 4, WIDTH) and np.all(n_sites > 0)
    with pytest.raises(ValueError, match="reads 6 channels but the input has 4"):
        interpret.filter_pwms(model, idx)


# ----------------------------------------------------------------------------------------------
# filters -> PWMs


def test_filter_pwms_recover_the_planted_pwms(planted):
    df, idx, model = planted
    motifs = df.attrs["motifs"]
    pwms, n_sites = interpret.filter_pwms(model, idx, threshold=0.5)
    assert pwms.shape == (2, 4, WIDTH)
    np.testing.assert_allclose(pwms.sum(axis=1), 1, atol=1e-5)
    assert np.all(n_sites >= 30), "each motif is planted in 40 sequences"
    matches = interpret.match_matrix(pwms, motifs)
    assert matches[0, 0] > 0.9 and matches[1, 1] > 0.9
    assert matches[0, 1] < matches[0, 0] and matches[1, 0] < matches[1, 1]
    # control: random filters of the same shape do not look like the planted motifs
    torch.manual_seed(0)
    random_model = nn.Sequential(nn.Conv1d(4, 8, WIDTH))
    random_pwms, _ = interpret.filter_pwms(random_model, idx)
    assert interpret.match_matrix(random_pwms, motifs).max() < min(matches[0, 0], matches[1, 1]) - 0.2


def test_filter_pwms_count_exactly_the_windows_above_threshold():
    conv = nn.Conv1d(4, 1, 3)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(encoding.one_hot("TGA"))[None])  # matches counted
        conv.bias.zero_()
    seqs = ["TGATGC", "ATGACC", "TGC"]                  # the third is padded to 6
    idx = encoding.encode_index(seqs, length=6)
    pwms, n_sites = interpret.filter_pwms(nn.Sequential(conv), idx, threshold=0.5)
    # windows fully inside real bases, scores > 0.5 * 3: TGA(3) TGC(2) | TGA(3) | TGC(2) -> 4 windows
    windows = ["TGA", "TGC", "TGA", "TGC"]
    expected = encoding.one_hot(windows).sum(axis=0) / len(windows)
    assert n_sites.tolist() == [4]
    np.testing.assert_allclose(pwms[0], expected)


def test_a_filter_that_never_fires_gives_a_uniform_pwm():
    conv = nn.Conv1d(4, 1, 3)
    with torch.no_grad():
        conv.weight.fill_(-1.0)
        conv.bias.zero_()
    pwms, n_sites = interpret.filter_pwms(conv, encoding.encode_index(["ACGTACGT"]))
    assert n_sites.tolist() == [0]
    np.testing.assert_allclose(pwms, 0.25)


def test_first_conv_finds_the_first_convolution_or_says_there_is_none():
    model = nn.Sequential(nn.Identity(), nn.Conv1d(4, 5, 3), nn.Conv1d(5, 2, 3))
    assert interpret.first_conv(model) is model[1]
    with pytest.raises(ValueError, match="has no nn.Conv1d"):
        interpret.first_conv(nn.Sequential(nn.Flatten(), nn.Linear(8, 2)))


# ----------------------------------------------------------------------------------------------
# comparing PWMs


def sharp(consensus: str, p: float = 0.85) -> np.ndarray:
    return encoding.one_hot(consensus) * (p - (1 - p) / 3) + (1 - p) / 3


def test_pwm_match_scores_identity_strand_and_offset():
    a = sharp("ACGGTTAC")
    same = interpret.pwm_match(a, a)
    assert same.r == pytest.approx(1.0) and same.offset == 0 and same.strand == "+"
    rc = interpret.pwm_match(a, interpret.reverse_complement_pwm(a))
    assert rc.r == pytest.approx(1.0) and rc.strand == "-"
    assert interpret.pwm_match(a, interpret.reverse_complement_pwm(a), both_strands=False).r < 0.6
    # a learned filter that is wider than the motif, with flat flanks, still matches perfectly
    wide = np.concatenate([np.full((4, 2), 0.25), a, np.full((4, 1), 0.25)], axis=1)
    m = interpret.pwm_match(wide, a)
    assert m.r == pytest.approx(1.0) and m.offset == 2 and m.overlap == 8
    # half a motif scores lower than the whole one; unrelated motifs score low
    assert interpret.pwm_match(a[:, :4], a).r == pytest.approx(np.sqrt(4 / 8))
    assert interpret.pwm_match(a, sharp("TTTTTTTT"), min_overlap=8).r < 0.3
    assert interpret.pwm_match(np.full((4, 5), 0.25), a).r == 0.0


def test_pwm_helpers():
    a = sharp("ACGTTG")
    np.testing.assert_array_equal(interpret.reverse_complement_pwm(interpret.reverse_complement_pwm(a)), a)
    assert interpret.consensus(interpret.reverse_complement_pwm(a)) == encoding.reverse_complement("ACGTTG")
    ic = interpret.information_content(np.column_stack([np.eye(4)[0], np.full(4, 0.25), [0.5, 0.5, 0, 0]]))
    np.testing.assert_allclose(ic, [2.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="probabilities"):
        interpret.pwm_match(a * 2, a)


def test_motif_hit_rate_and_top_positions():
    scores = np.array([[0.0, 0.0, 5.0, 4.0, 0.0, 0.0], [9.0, 0.0, 0.0, 1.0, 2.0, 0.0]])
    fraction, chance = interpret.motif_hit_rate(scores, [2, 3], [4, 5])
    assert fraction == pytest.approx((1.0 + 0.5) / 2)   # row 1's top 2 are positions 0 and 4
    assert chance == pytest.approx(2 / 6)
    fraction, chance = interpret.motif_hit_rate(scores, [2, 3], [4, 5], mask=np.array([6, 5]))
    assert chance == pytest.approx((2 / 6 + 2 / 5) / 2)
    assert interpret.top_positions(scores, 1).ravel().tolist() == [2, 0]
    with pytest.raises(ValueError, match="row 1: motif"):
        interpret.motif_hit_rate(scores, [2, 5], [4, 7])


# ----------------------------------------------------------------------------------------------
# logos, and the docstring examples


def test_sequence_logo_draws_one_letter_per_non_zero_height():
    pwm = np.column_stack([[0.7, 0.1, 0.1, 0.1], [0.25] * 4, [0.0, 0.0, 1.0, 0.0]])
    ax = plots.sequence_logo(pwm)
    letters = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(letters) == 4 + 0 + 1, "the uniform column carries 0 bits: no letters"
    assert ax.get_ylim()[1] == pytest.approx(2.1)
    weights = np.array([[1.0, -0.5], [0.0, 0.2], [0.0, 0.0], [-0.3, 0.0]])
    ax = plots.sequence_logo(weights, kind="weights")
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == 4
    assert ax.get_ylim()[0] < 0, "negative attributions are drawn below the axis"
    with pytest.raises(ValueError, match="kind='weights'"):
        plots.sequence_logo(weights)
    with pytest.raises(ValueError, match=r"\(4, width\)"):
        plots.sequence_logo(np.ones((3, 2)) / 3)


def test_docstring_examples_run():
    result = doctest.testmod(interpret, extraglobs={"np": np, "nn": nn, "encoding": encoding})
    assert result.attempted > 10 and result.failed == 0
