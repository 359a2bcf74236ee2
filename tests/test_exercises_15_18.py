"""The exercise checks of notebooks 15-18 (LegNet variants): reference accepted, typical mistakes named."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import dnacourse as dc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from solutions import (  # noqa: E402
    s15_legnet_embedding,
    s16_legnet_transformer,
    s17_legnet_lstm,
    s18_legnet_summary,
)

EX = dc.exercises


# ----------------------------------------------------------------------------------------------
# typical wrong answers


class EmbeddingWithBias(nn.Module):
    def __init__(self, in_channels=6, dim=70):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, dim, 1)

    def forward(self, x):
        return self.conv(x)


class EmbeddingWithSiLU(s15_legnet_embedding.LinearEmbedding):
    def forward(self, x):
        return F.silu(self.conv(x))


class EmbeddingWithWideKernel(nn.Module):
    def __init__(self, in_channels=6, dim=70):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, dim, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(x)


class EmbeddingFixedSize(nn.Module):
    def __init__(self, in_channels=6, dim=70):
        super().__init__()
        self.conv = nn.Conv1d(6, 70, 1, bias=False)

    def forward(self, x):
        return self.conv(x)


class EmbeddingWithUnusedLayer(s15_legnet_embedding.LinearEmbedding):
    def __init__(self, in_channels=6, dim=70):
        super().__init__(in_channels, dim)
        self.unused = nn.Linear(dim, dim)


class NeckWithPositions(dc.models.TransformerNeck):
    """Copies the parent's forward: the position codes are still added."""

    def forward(self, x):
        return super().forward(x)


class NeckWithoutEncoder(dc.models.TransformerNeck):
    def forward(self, x):
        return x.transpose(1, 2).transpose(1, 2)


class NeckOverTheBatch(dc.models.TransformerNeck):
    """The report's bug: a (L, B, C) tensor into a batch_first encoder, so attention runs over the batch."""

    def forward(self, x):
        return self.encoder(x.permute(2, 0, 1)).permute(1, 2, 0)


class NeckFromScratch(nn.Module):
    def __init__(self, channels=64):
        super().__init__()
        layer = nn.TransformerEncoderLayer(channels, 4, 128, 0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x.transpose(1, 2)).transpose(1, 2)


class NotFlippedBack(s17_legnet_lstm.ReversedNeck):
    def forward(self, x):
        return self.neck(torch.flip(x, dims=[2]))


class OnlyOutputFlipped(s17_legnet_lstm.ReversedNeck):
    def forward(self, x):
        return torch.flip(self.neck(x), dims=[2])


class FlipsChannels(s17_legnet_lstm.ReversedNeck):
    def forward(self, x):
        return torch.flip(self.neck(torch.flip(x, dims=[1])), dims=[1])


class NeverFlips(s17_legnet_lstm.ReversedNeck):
    def forward(self, x):
        return self.neck(x)


def seeds_one_mean(s, gain=0.01):
    return math.floor(s**2 / gain**2 * 4) + 1  # s / sqrt(n), the standard error of one mean


def seeds_one_standard_error(s, gain=0.01):
    return math.floor(2 * s**2 / gain**2) + 1


def seeds_not_rounded(s, gain=0.01):
    return 8 * s**2 / gain**2


def seeds_rounded_down(s, gain=0.01):
    return math.floor(8 * s**2 / gain**2)


CASES = {
    "check_linear_embedding": (s15_legnet_embedding.LinearEmbedding, [
        (EmbeddingWithBias, "bias"),
        (EmbeddingWithSiLU, "nonlinear"),
        (EmbeddingWithWideKernel, "other positions"),
        (dc.models.InputEmbedding, "BatchNorm"),
        (EmbeddingFixedSize, "shape"),
        (EmbeddingWithUnusedLayer, "parameters"),
    ]),
    "check_no_position_neck": (s16_legnet_transformer.NoPositionNeck, [
        (NeckWithPositions, "position codes"),
        (dc.models.TransformerNeck, "position codes"),
        (NeckWithoutEncoder, "never applied"),
        (NeckOverTheBatch, "over the batch"),
        (NeckFromScratch, "subclass"),
    ]),
    "check_reversed_neck": (s17_legnet_lstm.ReversedNeck, [
        (NotFlippedBack, "not flipped back"),
        (OnlyOutputFlipped, "only the output"),
        (FlipsChannels, "channel"),
        (NeverFlips, "never reversed"),
    ]),
    "check_seeds_needed": (s18_legnet_summary.seeds_needed, [
        (seeds_one_mean, "two means"),
        (seeds_one_standard_error, "two standard errors"),
        (seeds_not_rounded, "whole number"),
        (seeds_rounded_down, "rounded down"),
    ]),
}
WRONG = [(name, wrong, word) for name, (_, wrongs) in CASES.items() for wrong, word in wrongs]


def _run(name, answer):
    return getattr(EX, name)(answer)


@pytest.mark.parametrize("name", CASES)
def test_check_is_public(name):
    assert name in EX.__all__


@pytest.mark.parametrize("name", CASES)
def test_check_accepts_the_reference_solution(name, capsys):
    assert _run(name, CASES[name][0]) is True
    out = capsys.readouterr().out
    assert ": correct." in out and "not right" not in out


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=lambda v: v if isinstance(v, str) else "")
def test_check_rejects_a_typical_wrong_answer_and_says_why(name, wrong, word, capsys):
    assert _run(name, wrong) is False
    out = capsys.readouterr().out
    assert "not right yet" in out, out
    assert word.lower() in out.lower(), f"feedback should mention {word!r}:\n{out}"


@pytest.mark.parametrize("name", CASES)
def test_unanswered_prints_a_friendly_message(name, capsys):
    assert _run(name, None) is False
    out = capsys.readouterr().out
    assert "not answered yet" in out and "run this cell again" in out


def _stubs(base):
    """Two unfinished answers built on ``base``: forward returns None, or raises NotImplementedError."""
    class Stub(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*(() if base is nn.Module else args), **({} if base is nn.Module else kwargs))

        def forward(self, x):
            return None

    class Raises(Stub):
        def forward(self, x):
            raise NotImplementedError

    return Stub, Raises


@pytest.mark.parametrize("check, base", [("check_linear_embedding", nn.Module),
                                         ("check_no_position_neck", dc.models.TransformerNeck),
                                         ("check_reversed_neck", nn.Module)])
def test_a_module_stub_is_unanswered(capsys, check, base):
    for stub in (*_stubs(base), lambda *args: None):
        assert getattr(EX, check)(stub) is False
        assert "not answered yet" in capsys.readouterr().out


def test_the_reversed_forward_lstm_sees_only_what_follows():
    """What the exercise is about: output position t of the reversed neck reads positions >= t only."""
    torch.manual_seed(0)
    neck = s17_legnet_lstm.ReversedNeck(dc.models.LSTMNeck(4, hidden_size=3, bidirectional=False, dropout=0.0))
    x = torch.randn(1, 4, 10)
    poked = x.clone()
    poked[:, :, 6] += 1.0
    with torch.no_grad():
        moved = (neck(poked) - neck(x)).abs().amax(dim=(0, 1)) > 1e-6
    assert moved[:7].all() and not moved[7:].any()


def test_the_reference_reversed_neck_fits_into_legnet_lstm():
    torch.manual_seed(0)
    model = dc.models.build("legnet_lstm", bidirectional=False, hidden_size=8, stem_channels=16,
                            stage_channels=(16, 16, 8, 8, 8, 8)).eval()
    x = torch.randn(2, 6, 150)
    with torch.no_grad():
        plain = model(x)
        model.neck = s17_legnet_lstm.ReversedNeck(model.neck)
        reversed_ = model(x)
    assert reversed_.shape == plain.shape and torch.isfinite(reversed_).all()


def test_a_seeds_needed_stub_is_unanswered(capsys):
    def raises(*args):
        raise NotImplementedError

    for stub in (lambda *args: None, raises):
        assert EX.check_seeds_needed(stub) is False
        assert "not answered yet" in capsys.readouterr().out


@pytest.mark.parametrize("s, gain", [(0.0073, 0.01), (0.012, 0.01), (0.02, 0.005)])
def test_the_reference_seed_count_is_the_first_that_clears_two_standard_errors(s, gain):
    n = s18_legnet_summary.seeds_needed(s, gain)
    assert gain > 2 * s * math.sqrt(2 / n)
    assert n == 1 or gain <= 2 * s * math.sqrt(2 / (n - 1))


def test_the_reference_neck_is_permutation_equivariant():
    """What the exercise is about: without position codes, shuffling positions only shuffles the outputs."""
    torch.manual_seed(0)
    neck = s16_legnet_transformer.NoPositionNeck(16).eval()
    x, perm = torch.randn(2, 16, 20), torch.randperm(20)
    with torch.no_grad():
        assert torch.allclose(neck(x[:, :, perm]), neck(x)[:, :, perm], atol=1e-5)
        with_codes = dc.models.TransformerNeck.forward(neck, x)
        assert not torch.allclose(dc.models.TransformerNeck.forward(neck, x[:, :, perm]), with_codes[:, :, perm],
                                  atol=1e-3)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("garbage", ["hello", 42, [1, 2], {"a": 1}, np.zeros((2, 2)), nn.Identity],
                         ids=repr)
def test_a_check_never_raises(name, garbage, capsys):
    assert _run(name, garbage) is False
    assert capsys.readouterr().out.strip()


def test_the_reference_embedding_merges_into_the_stem():
    """What the exercise is about: stem(E x) is one convolution with the merged kernel W_stem E."""
    torch.manual_seed(0)
    model = dc.models.build("legnet_embedding")
    model.stem[0] = s15_legnet_embedding.LinearEmbedding(6, 70)
    conv = model.stem[1].conv
    merged = torch.einsum("oek,ec->ock", conv.weight, model.stem[0].conv.weight[:, :, 0])
    x = torch.randn(2, 6, 150)
    with torch.no_grad():
        assert torch.allclose(conv(model.stem[0](x)), F.conv1d(x, merged, padding="same"), atol=1e-4)


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    EX.check_linear_embedding(s15_legnet_embedding.LinearEmbedding)
    EX.check_no_position_neck(s16_legnet_transformer.NoPositionNeck)
    EX.check_reversed_neck(s17_legnet_lstm.ReversedNeck)
    assert torch.equal(torch.rand(3), expected)
