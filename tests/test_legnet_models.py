"""dnacourse.models: LegNet (Penzar et al. 2023) and its four extensions."""

import pytest
import torch
from torch import nn

from dnacourse import legnet, models

NAMES = models.available("legnet")
DREAM_SIZES = (256, 128, 128, 64, 64, 64, 64)  # stem, then the six stages' output widths


def dream_batch(batch=4, length=150, seed=0):
    """``(batch, 6, length)``: one-hot (A, G, C, T) + is-reverse plane + is-singleton plane."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(batch, 6, length)
    bases = torch.randint(0, 4, (batch, length), generator=g)
    x[:, :4] = nn.functional.one_hot(bases, 4).permute(0, 2, 1).float()
    x[:, 4] = torch.randint(0, 2, (batch, 1), generator=g).float()  # reverse flag, constant per row
    x[:, 5] = torch.randint(0, 2, (batch, 1), generator=g).float()  # singleton flag
    return x


def calibrated(model, seed=5):
    """The model in eval mode with BatchNorm statistics from one batch of 32 sequences.

    A fresh model's BNs (mean 0, variance 1) make an untrained deep LegNet in eval mode nearly
    blind to its input (outputs move by ~1e-7), which would make "did the output change?" vacuous.
    """
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.momentum = None  # cumulative average: after one batch, exactly that batch's statistics
    model.train()
    with torch.no_grad():
        model(dream_batch(32, seed=seed))
    return model.eval()


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ----------------------------------------------------------------------------------------------
# parameter counts, computed by hand


def hand_count(se="legnet", sizes=DREAM_SIZES, k=7, n_bins=18, in_channels=6):
    """LegNet's parameter count from the architecture description, block by block."""
    total = in_channels * sizes[0] * k + 2 * sizes[0]  # stem conv (no bias) + BN
    for p, s in zip(sizes[:-1], sizes[1:], strict=True):
        inner = 4 * s
        total += p * inner + 2 * inner  # 1x1 expand + BN
        total += inner * 2 * k + 2 * inner  # grouped conv: 2 input channels per filter + BN
        total += inner * p + 2 * p  # 1x1 project + BN
        total += 2 * p * s * k + 2 * s  # local conv 2p -> s + BN
        r = p // 4  # SE hidden units: the stage INPUT width / 4
        if se == "plain":
            total += (inner * r + r) + (r * inner + inner)
        else:
            h = r // 2  # bilinear outputs
            rank = round(0.5 * r * r * h / (2 * r + h))  # half the parameters of a full r x r x h tensor
            total += inner * r + r  # Linear(inner, r)
            total += r * r + r  # Linear(r, r)
            total += rank * (2 * r + h) + rank + h  # CP factors U, V, C + per-rank scale + bias
            total += (r + h) * inner + inner  # Linear(r + h, inner)
    return total + sizes[-1] * n_bins + n_bins  # head 1x1 conv with bias


def test_legnet_has_the_papers_1_852_846_parameters():
    n = models.count_parameters(models.build("legnet"))
    assert abs(n - 1_852_846) <= 0.01 * 1_852_846
    assert n == 1_852_846 == hand_count("legnet")


def test_plain_squeeze_excite_gives_1_725_122_parameters():
    n = models.count_parameters(models.build("legnet", se="plain"))
    assert n == hand_count("plain") == 1_725_122


def test_smaller_widths_count_as_computed_by_hand():
    model = models.build("legnet", stem_channels=64, stage_channels=(32, 32, 16))
    assert models.count_parameters(model) == hand_count("legnet", sizes=(64, 32, 32, 16))
    assert model(dream_batch(2)).shape == (2, 18)


def test_extension_parameter_counts_by_hand():
    base = hand_count()
    C, ff = 64, 128
    attention = (3 * C * C + 3 * C) + (C * C + C)  # in-projection (q, k, v) + out-projection
    feedforward = (C * ff + ff) + (ff * C + C)
    norms = 2 * 2 * C
    transformer = models.build("legnet_transformer", n_heads=4, n_layers=1, ff_dim=ff)
    assert models.count_parameters(transformer) == base + attention + feedforward + norms
    two_layers = models.build("legnet_transformer", n_layers=2)
    assert models.count_parameters(two_layers) == base + 2 * (attention + feedforward + norms)

    channels = models.build("legnet_embedding", embedding_dim=70, along="channels")
    stem_change = (6 * 70 + 2 * 70) + 70 * 256 * 7 - 6 * 256 * 7  # new 1x1 conv + BN; stem input 6 -> 70
    assert models.count_parameters(channels) == base + stem_change
    length = models.build("legnet_embedding", embedding_dim=70)  # the report's reading: 150 -> 70 positions
    assert models.count_parameters(length) == base + 150 * 70 + 70  # one Linear over positions, stem unchanged

    last = models.build("legnet_dilated", placement="last")
    extra = sum(2 * p * s * 7 for p, s in zip(DREAM_SIZES[:-1], DREAM_SIZES[1:], strict=True))  # a 2nd conv per stage
    assert models.count_parameters(last) == base + extra
    first = models.build("legnet_dilated")  # a grouped twin (2 filters per group) of each inverted block's conv
    extra = sum(4 * s * 2 * 7 for s in DREAM_SIZES[1:])
    assert models.count_parameters(first) == base + extra


@pytest.mark.parametrize(("hidden", "bidirectional"), [(64, False), (128, True), (256, True), (128, False)])
def test_lstm_direction_and_hidden_size_change_the_count_as_computed_by_hand(hidden, bidirectional):
    directions = 2 if bidirectional else 1
    lstm = directions * 4 * hidden * (64 + hidden + 2)  # per direction: W_ih, W_hh, b_ih, b_hh
    head_change = (hidden * directions * 18 + 18) - (64 * 18 + 18)  # head reads H * directions channels
    model = models.build("legnet_lstm", hidden_size=hidden, bidirectional=bidirectional)
    assert models.count_parameters(model) == hand_count() + lstm + head_change


# ----------------------------------------------------------------------------------------------
# shapes, batch independence, gradients


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_default_bins(name):
    x = dream_batch(3)
    assert models.build(name)(x).shape == (3, 18)
    assert models.build(name, n_classes=5)(x).shape == (3, 5)


def assert_items_independent(model, x):
    """Eval mode: each row's output is the same alone, in any order, and whatever the other rows are."""
    model.eval()
    with torch.no_grad():
        together = model(x)
        alone = torch.cat([model(x[i : i + 1]) for i in range(len(x))])
        order = torch.tensor([2, 0, 3, 1])
        permuted = model(x[order])
        changed = x.clone()
        changed[1] = dream_batch(1, x.shape[-1], seed=99)[0]  # replace item 1 only
        after = model(changed)
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)
    torch.testing.assert_close(permuted, together[order], atol=1e-5, rtol=0)
    torch.testing.assert_close(after[[0, 2, 3]], together[[0, 2, 3]], atol=1e-5, rtol=0)
    assert not torch.allclose(after[1], together[1], atol=1e-6)  # the changed item did change


@pytest.mark.parametrize("name", NAMES)
def test_eval_output_of_an_item_does_not_depend_on_the_batch(name):
    assert_items_independent(calibrated(models.build(name)), dream_batch(4, seed=1))


class _LengthFirstTransformerNeck(legnet.TransformerNeck):
    """The student report's bug: a (length, batch, channels) tensor into a batch_first=True encoder."""

    def forward(self, x):
        h = x.permute(2, 0, 1)  # (L, B, C), but the encoder reads dim 1 (here: B) as the sequence
        return self.encoder(h).permute(1, 2, 0)


def test_the_independence_check_catches_attention_across_the_batch():
    model = models.build("legnet_transformer", stem_channels=32, stage_channels=(16, 16))
    model.neck = _LengthFirstTransformerNeck(16, n_heads=4)
    calibrated(model)
    with pytest.raises(AssertionError):
        assert_items_independent(model, dream_batch(4, seed=1))


@pytest.mark.parametrize("name", NAMES)
def test_gradient_reaches_the_stem_and_every_parameter(name):
    model = models.build(name).train()
    logits = model(dream_batch(4, seed=2))
    target = torch.softmax(torch.randn(4, 18), dim=1)
    loss = nn.functional.kl_div(torch.log_softmax(logits, dim=1), target, reduction="batchmean")
    loss.backward()
    first_conv = next(m for m in model.stem.modules() if isinstance(m, nn.Conv1d))
    assert first_conv.weight.grad is not None and first_conv.weight.grad.abs().sum() > 0
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


def test_input_of_the_wrong_shape_is_rejected():
    model = models.build("legnet", stem_channels=32, stage_channels=(16,))
    with pytest.raises(ValueError, match=r"\(batch, 6, length\), got \(2, 4, 150\)"):
        model(torch.zeros(2, 4, 150))
    with pytest.raises(ValueError, match="got"):
        model(torch.zeros(6, 150))


# ----------------------------------------------------------------------------------------------
# the extensions do what they say


@pytest.mark.parametrize(("placement", "twin"), [("first", "stages.{}.inverted.grouped.0.dilated.weight"),
                                                   ("last", "stages.{}.local.dilated.weight")])
def test_dilated_with_alpha_0_is_the_baseline_when_the_plain_weights_are_shared(placement, twin):
    base = models.build("legnet").eval()
    with torch.no_grad():  # non-trivial BN statistics, so the comparison is not between default BNs
        for m in base.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    dilated = models.build("legnet_dilated", alpha=0.0, placement=placement).eval()
    missing, unexpected = dilated.load_state_dict(base.state_dict(), strict=False)
    assert unexpected == []
    assert sorted(missing) == [twin.format(i) for i in range(6)]
    x = dream_batch(3, seed=3)
    with torch.no_grad():
        torch.testing.assert_close(dilated(x), base(x), atol=1e-6, rtol=0)
        mixed = models.build("legnet_dilated", alpha=0.3, placement=placement).eval()
        mixed.load_state_dict(dilated.state_dict())  # same weights, alpha 0.3
        assert not torch.allclose(mixed(x), base(x), atol=1e-4)


def test_dilated_branch_spreads_an_impulse_with_gaps_of_the_dilation_rate():
    block = legnet.DilatedLocalBlock(1, 1, kernel_size=7, dilation=4, alpha=1.0).eval()
    with torch.no_grad():
        block.dilated.weight.fill_(1.0)
        x = torch.zeros(1, 1, 60)
        x[0, 0, 30] = 1.0
        hit = block(x)[0, 0].nonzero().flatten().tolist()
    assert hit == [30 + 4 * j for j in range(-3, 4)]  # 18, 22, ..., 42: same length, k7 with gaps of 4
    assert block(x).shape == x.shape


def test_the_reports_placement_mixes_the_grouped_conv_with_a_grouped_dilated_twin():
    model = models.build("legnet_dilated", alpha=0.25)
    rates = []
    for stage in model.stages:
        conv = stage.inverted.grouped[0]
        assert isinstance(conv, legnet.MixedDilationConv1d) and isinstance(stage.local, legnet.LocalBlock)
        assert conv.dilated.groups == conv.groups == conv.in_channels // 2 and conv.kernel_size == (7,)
        rates.append(conv.dilated.dilation[0])
    assert rates == [4, 3, 2, 2, 1, 1]
    conv = legnet.MixedDilationConv1d(1, 1, 7, rate=3, alpha=0.25)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.dilated.weight.fill_(2.0)
        x = torch.zeros(1, 1, 40)
        x[0, 0, 20] = 1.0
        y = conv(x)[0, 0]
    assert y[20].item() == pytest.approx(0.75 + 0.5)  # the shared centre tap
    assert y[21].item() == pytest.approx(0.75) and y[23].item() == pytest.approx(0.75 + 0.5)
    assert y[29].item() == pytest.approx(0.5) and y[30].item() == 0.0  # 20 + 3 * 3 is the last dilated tap


def test_dilation_placement_and_embedding_axis_are_checked():
    with pytest.raises(ValueError, match="placement must be one of"):
        models.build("legnet_dilated", placement="middle")
    with pytest.raises(ValueError, match="along must be one of"):
        models.build("legnet_embedding", along="depth")
    with pytest.raises(ValueError, match="expects 150 positions"):
        models.build("legnet_embedding")(torch.zeros(2, 6, 120))


def test_dilations_must_match_the_number_of_stages():
    with pytest.raises(ValueError, match="dilations has 2 rates"):
        models.build("legnet_dilated", dilations=(2, 1))
    with pytest.raises(ValueError, match="alpha"):
        models.build("legnet_dilated", alpha=1.5)


def test_length_embedding_compresses_150_positions_to_70_before_the_stem():
    model = models.build("legnet_embedding", embedding_dim=70)
    embed, stem = model.stem
    assert isinstance(embed, legnet.LengthEmbedding) and (stem.conv.in_channels, stem.conv.out_channels) == (6, 256)
    x = dream_batch(2)
    with torch.no_grad():
        h = embed(x)
        torch.testing.assert_close(h, torch.einsum("bcl,ol->bco", x, embed.map.weight) + embed.map.bias)
    assert h.shape == (2, 6, 70)


def test_channel_embedding_runs_in_front_of_the_stem():
    model = models.build("legnet_embedding", embedding_dim=70, along="channels")
    embed, stem = model.stem
    assert isinstance(embed, legnet.InputEmbedding) and embed.conv.kernel_size == (1,)
    assert (embed.conv.in_channels, embed.conv.out_channels) == (6, 70)
    assert (stem.conv.in_channels, stem.conv.out_channels) == (70, 256)


@pytest.mark.parametrize("name", NAMES)
def test_legnet_init_follows_the_original_code(name):
    model = models.build(name, init="legnet")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for conv in convs:
        expected = (2 / (conv.kernel_size[0] * conv.out_channels)) ** 0.5
        assert conv.weight.std().item() == pytest.approx(expected, rel=0.35 if conv.weight.numel() < 500 else 0.1)
        assert conv.bias is None or not conv.bias.any()
    for layer in linears:
        assert layer.weight.std().item() == pytest.approx(0.001, rel=0.35 if layer.weight.numel() < 500 else 0.1)
        assert layer.bias is None or not layer.bias.any()
    default = models.build(name)
    assert next(p for p in default.modules() if isinstance(p, nn.Linear)).weight.std() > 0.01  # PyTorch's default
    with pytest.raises(ValueError, match="init must be one of"):
        models.build(name, init="xavier")


def test_transformer_attends_across_positions_but_never_across_the_batch():
    neck = legnet.TransformerNeck(64).eval()
    h = torch.randn(3, 64, 150)
    changed = h.clone()
    changed[1, :, 140] += 3.0  # one position of item 1
    with torch.no_grad():
        before, after = neck(h), neck(changed)
    assert not torch.allclose(after[1, :, 0], before[1, :, 0], atol=1e-4)  # position 0 attends to 140
    torch.testing.assert_close(after[[0, 2]], before[[0, 2]], atol=1e-5, rtol=0)  # other items untouched

    model = calibrated(models.build("legnet_transformer"))
    x = dream_batch(2, seed=4)
    y = x.clone()
    y[0, :4, 140] = y[0, :4, 140].roll(1)  # a different base at position 140 of item 0
    with torch.no_grad():
        out_x, out_y = model(x), model(y)
    assert not torch.allclose(out_x[0], out_y[0], atol=1e-6)
    torch.testing.assert_close(out_x[1], out_y[1], atol=1e-5, rtol=0)


def test_sinusoidal_positions_by_hand():
    codes = legnet.sinusoidal_positions(5, 4)
    assert codes.shape == (5, 4)
    torch.testing.assert_close(codes[0], torch.tensor([0.0, 1.0, 0.0, 1.0]))
    torch.testing.assert_close(codes[2, 0], torch.sin(torch.tensor(2.0)))
    torch.testing.assert_close(codes[2, 3], torch.cos(torch.tensor(2.0 / 100.0)))
    assert legnet.sinusoidal_positions(3, 5).shape == (3, 5)  # odd widths work too


def test_lstm_neck_direction_decides_what_a_position_sees():
    h = torch.randn(2, 64, 150)
    changed = h.clone()
    changed[:, :, 140] += 3.0
    forward_only = legnet.LSTMNeck(64, hidden_size=32, bidirectional=False).eval()
    both = legnet.LSTMNeck(64, hidden_size=32, bidirectional=True).eval()
    with torch.no_grad():
        a, b = forward_only(h), forward_only(changed)
        torch.testing.assert_close(a[:, :, :140], b[:, :, :140])  # positions before 140 cannot see it
        assert not torch.allclose(a[:, :, 140:], b[:, :, 140:])
        c, d = both(h), both(changed)
    assert c.shape == (2, 64, 150) and a.shape == (2, 32, 150)
    torch.testing.assert_close(c[:, :32, :140], d[:, :32, :140])  # forward half: as above
    for t in (139, 120):  # the backward half reads 149 -> 0, so it carries the change back to t < 140
        assert not torch.allclose(c[:, 32:, t], d[:, 32:, t])


def test_low_rank_bilinear_is_a_bilinear_form():
    layer = legnet.LowRankBilinear(5, 3, rank=4)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_()
    x = torch.randn(7, 5)
    W = torch.einsum("k,ik,jk,ok->ijo", layer.scale, layer.U, layer.V, layer.C)  # the full tensor
    expected = torch.einsum("bi,bj,ijo->bo", x, x, W) + layer.bias
    torch.testing.assert_close(layer(x), expected, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(layer(2 * x) - layer.bias, 4 * (layer(x) - layer.bias), atol=1e-4, rtol=1e-4)


def test_squeeze_excite_gates_each_channel_between_0_and_1():
    for kind in ("legnet", "plain"):
        se = legnet.SqueezeExcite(16, 4, kind)
        x = torch.rand(2, 16, 30) + 0.1
        ratio = se(x) / x  # one gate per (item, channel), the same at every position
        assert ((ratio > 0) & (ratio < 1)).all()
        torch.testing.assert_close(ratio, ratio[:, :, :1].expand_as(ratio))
    with pytest.raises(ValueError, match="'fancy'"):
        legnet.SqueezeExcite(16, 4, "fancy")


# ----------------------------------------------------------------------------------------------
# the registry


def test_available_families_and_default_outputs():
    assert NAMES == ["legnet", "legnet_dilated", "legnet_embedding", "legnet_transformer", "legnet_lstm"]
    classifiers = models.available("classifier")
    assert classifiers == ["cnn", "lstm", "gru", "bilstm", "cnn_lstm", "cnn_gru", "cnn_bilstm"]
    assert models.available() == classifiers + NAMES
    with pytest.raises(ValueError, match="'regressor'"):
        models.available("regressor")
    assert models.build("cnn")(torch.zeros(2, 4, 50)).shape == (2, 7)  # classifiers keep 7
    assert isinstance(models.build("LegNet-LSTM"), legnet.LegNet)
    with pytest.raises(ValueError, match="se must be one of"):
        models.build("legnet", se="squeeze")
    with pytest.raises(ValueError, match="stage_channels"):
        models.build("legnet", stage_channels=())
