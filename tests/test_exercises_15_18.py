"""The exercises of notebooks 15-18 (LegNet with an embedding, a transformer, an LSTM; the summary).

``WRONG_ANSWERS`` lists, for every check of these notebooks, typical wrong answers and a word the
feedback must contain; tests/test_exercises_common.py runs them, with the reference solutions and the
tests that every check must pass. Here: what is particular to one exercise.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

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


class NeckWithPositions(dc.legnet.TransformerNeck):
    """Copies the parent's forward: the position codes are still added."""

    def forward(self, x):
        return super().forward(x)


class NeckWithoutEncoder(dc.legnet.TransformerNeck):
    def forward(self, x):
        return x.transpose(1, 2).transpose(1, 2)


class NeckOverTheBatch(dc.legnet.TransformerNeck):
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


# ----------------------------------------------------------------------------------------------
# the typical wrong answers of every check, with a word its feedback must contain

WRONG_ANSWERS = {
    "check_linear_embedding": [
        (EmbeddingWithBias, "bias"),
        (EmbeddingWithSiLU, "nonlinear"),
        (EmbeddingWithWideKernel, "other positions"),
        (dc.legnet.InputEmbedding, "BatchNorm"),
        (EmbeddingFixedSize, "shape"),
        (EmbeddingWithUnusedLayer, "parameters"),
    ],
    "check_no_position_neck": [
        (NeckWithPositions, "position codes"),
        (dc.legnet.TransformerNeck, "position codes"),
        (NeckWithoutEncoder, "never applied"),
        (NeckOverTheBatch, "over the batch"),
        (NeckFromScratch, "subclass"),
    ],
    "check_reversed_neck": [
        (NotFlippedBack, "not flipped back"),
        (OnlyOutputFlipped, "only the output"),
        (FlipsChannels, "channel"),
        (NeverFlips, "never reversed"),
    ],
    "check_seeds_needed": [
        (seeds_one_mean, "two means"),
        (seeds_one_standard_error, "two standard errors"),
        (seeds_not_rounded, "whole number"),
        (seeds_rounded_down, "rounded down"),
    ],
}


# ----------------------------------------------------------------------------------------------
# particular exercises


def test_the_reversed_forward_lstm_sees_only_what_follows():
    """What the exercise is about: output position t of the reversed neck reads positions >= t only."""
    torch.manual_seed(0)
    neck = s17_legnet_lstm.ReversedNeck(dc.legnet.LSTMNeck(4, hidden_size=3, bidirectional=False, dropout=0.0))
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
        with_codes = dc.legnet.TransformerNeck.forward(neck, x)
        assert not torch.allclose(dc.legnet.TransformerNeck.forward(neck, x[:, :, perm]), with_codes[:, :, perm],
                                  atol=1e-3)


def test_the_reference_embedding_merges_into_the_stem():
    """What the exercise is about: stem(E x) is one convolution with the merged kernel W_stem E."""
    torch.manual_seed(0)
    model = dc.models.build("legnet_embedding", along="channels")
    model.stem[0] = s15_legnet_embedding.LinearEmbedding(6, 70)
    conv = model.stem[1].conv
    merged = torch.einsum("oek,ec->ock", conv.weight, model.stem[0].conv.weight[:, :, 0])
    x = torch.randn(2, 6, 150)
    with torch.no_grad():
        assert torch.allclose(conv(model.stem[0](x)), F.conv1d(x, merged, padding="same"), atol=1e-4)
