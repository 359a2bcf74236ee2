"""dnacourse.models: the seven classifiers, padding handling, and the from-scratch LSTM/GRU."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dnacourse import models

NAMES = models.available("classifier")
RECURRENT = [name for name in NAMES if name != "cnn"]


def one_hot_batch(lengths, total, seed=0, inner_n=False):
    """Random one-hot rows of the given real lengths, 3'-padded with zero columns to ``total``."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(len(lengths), 4, total)
    for row, length in enumerate(lengths):
        bases = torch.randint(0, 4, (length,), generator=g)
        x[row, bases, torch.arange(length)] = 1.0
        if inner_n and length > 3:
            x[row, :, 1] = 0.0  # an N inside the sequence: an all-zero column that is not padding
    return x


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_available_lists_the_papers_seven_models():
    assert NAMES == ["cnn", "lstm", "gru", "bilstm", "cnn_lstm", "cnn_gru", "cnn_bilstm"]


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_n_classes(name):
    x = one_hot_batch([96, 50, 7], 96)
    assert models.build(name)(x).shape == (3, 7)
    assert models.build(name, n_classes=3)(x).shape == (3, 3)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_reach_every_parameter(name):
    model = models.build(name).train()
    x = one_hot_batch([64, 40, 64, 10], 64, seed=1)
    loss = nn.functional.cross_entropy(model(x), torch.tensor([0, 3, 6, 2]))
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


@pytest.mark.parametrize("name", NAMES)
def test_eval_output_of_a_row_does_not_depend_on_the_batch(name):
    model = models.build(name).eval()
    x = one_hot_batch([120, 37, 80, 120, 5], 120, seed=2, inner_n=True)
    with torch.no_grad():
        together = model(x)
        alone = torch.cat([model(x[i : i + 1]) for i in range(len(x))])
        reordered = model(x.flip(0)).flip(0)
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)
    torch.testing.assert_close(reordered, together, atol=1e-5, rtol=0)


PADDING_CASES = [(name, {}) for name in NAMES] + [
    ("bilstm", {"summary": "last"}),
    ("lstm", {"summary": "last", "num_layers": 2}),
    ("gru", {"num_layers": 2, "bidirectional": True}),
    ("cnn_bilstm", {"summary": "last", "num_layers": 2}),
    ("cnn_gru", {"pool": 3, "kernel_size": 5}),
]


@pytest.mark.parametrize(("name", "hyper"), PADDING_CASES, ids=lambda v: str(v))
def test_padding_does_not_change_the_logits(name, hyper):
    model = models.build(name, **hyper).eval()
    short = one_hot_batch([100, 61, 9, 1], 100, seed=3, inner_n=True)
    long = torch.cat([short, torch.zeros_like(short)], dim=-1)  # the same rows padded to 2L
    with torch.no_grad():
        torch.testing.assert_close(model(long), model(short), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_an_all_padding_row_does_not_crash(name):
    model = models.build(name).eval()
    x = one_hot_batch([0, 30], 40)
    with torch.no_grad():
        out = model(x)
    assert out.shape == (2, 7) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", RECURRENT)
def test_recurrent_models_read_1000_steps(name):
    model = models.build(name).train()
    x = one_hot_batch([1000, 650], 1000, seed=4)
    out = model(x)
    out.sum().backward()
    assert out.shape == (2, 7) and torch.isfinite(out).all()


def test_bidirectional_encoder_equals_torch_packed_bilstm():
    """Masking + per-row reversal computes what pack_padded_sequence + nn.LSTM(bidirectional) does."""
    encoder = models.RecurrentEncoder(5, "lstm", hidden_size=6, bidirectional=True, summary="last")
    ref = nn.LSTM(5, 6, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for mine, suffix in [(encoder.forward_layers[0], ""), (encoder.backward_layers[0], "_reverse")]:
            for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(mine, f"{w}_l0").copy_(getattr(ref, f"{w}_l0{suffix}"))
    x = torch.randn(3, 12, 5)
    lengths = torch.tensor([12, 4, 9])
    x[1, 4:] = 0
    x[2, 9:] = 0
    packed_out, (h_n, _) = ref(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    expected, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=12)
    with torch.no_grad():
        last = encoder(x, lengths)
        encoder.summary = "meanmax"
        meanmax = encoder(x, lengths)
    torch.testing.assert_close(last, torch.cat([h_n[0], h_n[1]], dim=-1), atol=1e-5, rtol=0)
    torch.testing.assert_close(meanmax, models.masked_mean_max(expected, lengths), atol=1e-5, rtol=0)


def test_padding_helpers():
    x = one_hot_batch([5, 3, 0], 6)
    x[0, :, 4] = 0  # trailing N: indistinguishable from padding
    x[1, :, 0] = 0  # leading N: part of the sequence
    assert models.sequence_lengths(x).tolist() == [4, 3, 0]
    seq = torch.arange(12.0).reshape(2, 6, 1)
    lengths = torch.tensor([4, 6])
    flipped = models.reverse_padded(seq, lengths)
    assert flipped[0, :, 0].tolist() == [3, 2, 1, 0, 4, 5]
    torch.testing.assert_close(models.reverse_padded(flipped, lengths), seq)
    h = torch.tensor([[[1.0], [3.0], [-100.0]]])
    assert models.masked_mean_max(h, torch.tensor([2])).tolist() == [[2.0, 3.0]]


def test_build_rejects_unknown_names_and_passes_hyperparameters():
    with pytest.raises(ValueError, match="unknown model 'transformer'.*cnn, lstm, gru, bilstm, cnn_lstm"):
        models.build("transformer")
    assert isinstance(models.build("CNN-LSTM"), models.ConvRecurrentNet)
    small = models.build("lstm", hidden_size=16)
    assert models.count_parameters(small) < models.count_parameters(models.build("lstm"))
    assert models.build("bilstm").encoder.bidirectional
    plain_head = models.build("cnn_gru", head_norm=False)
    assert models.count_parameters(plain_head) == models.count_parameters(models.build("cnn_gru")) - 2 * 256
    with pytest.raises(TypeError):
        models.build("cnn", hidden_size=3)  # the CNN has no recurrent layer
    with pytest.raises(ValueError, match="summary"):
        models.build("gru", summary="first")


def test_parameter_counts_are_reasonable(capsys):
    counts = {name: models.count_parameters(models.build(name)) for name in NAMES}
    with capsys.disabled():
        print("\n" + "\n".join(f"  {name:11s} {n:>9,d} parameters" for name, n in counts.items()))
    for name, n in counts.items():
        assert 10_000 < n < 2_000_000, (name, n)
    assert counts["bilstm"] > counts["lstm"] > counts["gru"]
    frozen = models.build("cnn")
    frozen.head.requires_grad_(False)
    assert models.count_parameters(frozen) < counts["cnn"] == models.count_parameters(frozen, False)


# ----------------------------------------------------------------------------------------------
# from scratch vs torch


@pytest.mark.parametrize("batch_first", [True, False])
def test_scratch_lstm_matches_nn_lstm(batch_first):
    ref = nn.LSTM(5, 7, batch_first=batch_first)
    with torch.no_grad():
        for p in ref.parameters():
            p.uniform_(-0.8, 0.8)  # random weights and biases, larger than torch's default
    mine = models.ScratchLSTM.from_torch(ref)
    assert mine.batch_first == batch_first
    x = torch.randn(4, 9, 5) if batch_first else torch.randn(9, 4, 5)
    state = (torch.randn(1, 4, 7), torch.randn(1, 4, 7))
    for initial in (None, state):
        expected, (h_ref, c_ref) = ref(x, initial)
        got, (h, c) = mine(x, initial)
        assert got.shape == expected.shape and h.shape == h_ref.shape == (1, 4, 7)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
        torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=0)
        torch.testing.assert_close(c, c_ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("batch_first", [True, False])
def test_scratch_gru_matches_nn_gru(batch_first):
    ref = nn.GRU(5, 7, batch_first=batch_first)
    with torch.no_grad():
        for p in ref.parameters():
            p.uniform_(-0.8, 0.8)
    mine = models.ScratchGRU(5, 7, batch_first=batch_first).copy_weights_from(ref)
    x = torch.randn(4, 9, 5) if batch_first else torch.randn(9, 4, 5)
    h0 = torch.randn(1, 4, 7)
    for initial in (None, h0):
        expected, h_ref = ref(x, initial)
        got, h = mine(x, initial)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
        torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=0)


def test_scratch_cells_match_torch_cells_and_gradients_flow():
    x, h, c = torch.randn(3, 5), torch.randn(3, 7), torch.randn(3, 7)
    lstm_ref, gru_ref = nn.LSTMCell(5, 7), nn.GRUCell(5, 7)
    h_ref, c_ref = lstm_ref(x, (h, c))
    h_mine, c_mine = models.LSTMCell(5, 7).copy_weights_from(lstm_ref)(x, (h, c))
    torch.testing.assert_close((h_mine, c_mine), (h_ref, c_ref), atol=1e-5, rtol=0)
    gru = models.GRUCell(5, 7).copy_weights_from(gru_ref)
    torch.testing.assert_close(gru(x, h), gru_ref(x, h), atol=1e-5, rtol=0)
    gru(x, h).sum().backward()
    assert all(p.grad is not None for p in gru.parameters())
    assert not hasattr(models, "LSTM") and not hasattr(models, "GRU")   # only the Scratch names: no mix-up with nn.LSTM


def test_copy_weights_from_rejects_what_it_cannot_copy():
    with pytest.raises(ValueError, match="one layer"):
        models.ScratchLSTM(5, 7).copy_weights_from(nn.LSTM(5, 7, num_layers=2))
    with pytest.raises(ValueError, match="one layer"):
        models.ScratchGRU(5, 7).copy_weights_from(nn.GRU(5, 7, bidirectional=True))
    with pytest.raises(ValueError, match="bias"):
        models.ScratchGRU(5, 7).copy_weights_from(nn.GRU(5, 7, bias=False))


def test_masked_batchnorm_uses_real_positions_only_and_padding_does_not_matter():
    torch.manual_seed(0)
    lengths = torch.tensor([5, 3, 8])
    real = [torch.randn(4, int(n)) for n in lengths]              # 4 channels, rows of 5, 3 and 8
    reference = nn.BatchNorm1d(4)
    expected = reference(torch.cat(real, dim=1)[None])[0]          # BN over the real columns only
    for width in (8, 20):                                          # little or much padding
        x = torch.zeros(3, 4, width)
        for b, r in enumerate(real):
            x[b, :, :r.shape[1]] = r
        bn = models.MaskedBatchNorm1d(4)
        y = bn(x, models.length_mask(lengths, width))
        got = torch.cat([y[b, :, :n] for b, n in enumerate(lengths.tolist())], dim=1)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(bn.running_mean, reference.running_mean)
        torch.testing.assert_close(bn.running_var, reference.running_var)
    bn.eval()                                                      # eval: running statistics, as BN
    reference.eval()
    torch.testing.assert_close(bn(x), reference(x))
    assert set(bn.state_dict()) == set(nn.BatchNorm1d(4).state_dict())


def test_masked_batchnorm_momentum_none_averages_every_batch_as_batchnorm_does():
    torch.manual_seed(0)
    batches = [torch.randn(2, 3, 6) for _ in range(3)]
    bn, reference = models.MaskedBatchNorm1d(3, momentum=None), nn.BatchNorm1d(3, momentum=None)
    for x in batches:
        bn(x, torch.ones(2, 6, dtype=torch.bool))
        reference(x)
    torch.testing.assert_close(bn.running_mean, reference.running_mean)
    torch.testing.assert_close(bn.running_var, reference.running_var)
