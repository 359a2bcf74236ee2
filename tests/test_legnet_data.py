"""Tests for the LegNet data and training pieces: plasmid padding, the 6-channel input, soft labels,
promoter samples, SequenceData flags, the soft-label loss, strand-averaged prediction, val_metrics in
fit, the OneCycle schedule and the learning-rate range test.

Everything is hand-built or tiny (toy plasmid, 40-nt inputs, one-layer models), so the file runs in
seconds on one CPU core; the tests on the real plasmid use the data mirror (skipped without it).
"""

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from dnacourse import data as dcdata
from dnacourse import encoding, promoters
from dnacourse.augment import reverse_complement_index
from dnacourse.data import SequenceData
from dnacourse.promoters import (
    evaluate_promoters,
    expression_mse,
    fit_promoters,
    one_cycle,
    predict_expression,
    promoter_data,
    soft_argmax,
    soft_label_kl,
)
from dnacourse.train import HISTORY_COLUMNS, fit, load_checkpoint, lr_range_test

ADAPTER = "TGCATTTTTTTCACATC"  # DREAM left adapter (17 nt)
RIGHT = "GGTTACGGCTGTT"        # DREAM right adapter (13 nt)
TIMING = ["seconds", "samples_per_s"]


pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py


def random_bases(rng, n):
    return "".join(rng.choice(list("ACGT"), size=n))


def toy_plasmid(seed=0, upstream=200):
    """Random upstream bases, the left adapter, the 80-N insert, the right adapter, more bases."""
    rng = np.random.default_rng(seed)
    return random_bases(rng, upstream) + ADAPTER + "N" * 80 + RIGHT + random_bases(rng, 60)


def toy_promoters(n=64, seed=0):
    """DREAM-like rows: adapter + 80 random nt + right adapter; expression rises with GC content."""
    rng = np.random.default_rng(seed)
    seqs, expr = [], []
    for i in range(n):
        core = random_bases(rng, 80)
        gc = (core.count("G") + core.count("C")) / 80
        value = float(np.clip(17 * gc + rng.normal(0, 0.5), 0, 17))
        expr.append(round(value) if i % 2 == 0 else value)  # every other row a singleton
        seqs.append(ADAPTER + core + RIGHT)
    df = pd.DataFrame({"sequence": seqs, "expression": expr})
    df["singleton"] = df["expression"] == df["expression"].round()
    df.attrs.update(dataset="toy", source="test")
    return df


class TinyLegNet(nn.Module):
    """(B, 6, L) -> (B, 18) logits: conv, BatchNorm (so eval mode matters), SiLU, average pool."""

    def __init__(self, n_bins=18, channels=8):
        super().__init__()
        self.conv = nn.Conv1d(6, channels, 5, padding=2)
        self.norm = nn.BatchNorm1d(channels)
        self.head = nn.Conv1d(channels, n_bins, 1)

    def forward(self, x):
        return self.head(torch.nn.functional.silu(self.norm(self.conv(x)))).mean(dim=-1)


def tiny_model(seed=0, **kw):
    torch.manual_seed(seed)
    return TinyLegNet(**kw)


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


# ---------------------------------------------------------------------------- plasmid_pad


def test_plasmid_pad_on_a_toy_plasmid():
    plasmid = "GGGGCCCCAAAA" + "TGCA" + "NNNN" + "TTT"
    assert promoters.plasmid_pad(["TGCAACGT", "TGCA" + "C" * 12], plasmid, length=10, adapter="TGCA") == [
        "AATGCA" + "ACGT",  # 6 plasmid bases ending with the adapter, then the read minus its adapter
        "C" * 10,           # a long read keeps its last 10 bases
    ]
    assert promoters.plasmid_pad("TGCA", plasmid, length=6, adapter="TGCA") == ["AATGCA"]
    # the adapter check ignores case; the read keeps its case, the plasmid bases are upper-cased
    assert promoters.plasmid_pad("tgcaAc", plasmid.lower(), length=5, adapter="tgca") == ["GCAAc"]


def test_plasmid_pad_on_the_real_plasmid(mirror):
    plasmid = dcdata.dream_plasmid()
    site = plasmid.index(ADAPTER + "N") + len(ADAPTER)  # the insert site: first N after the adapter
    rng = np.random.default_rng(1)
    read = ADAPTER + random_bases(rng, 80) + RIGHT                      # 110 nt, standard layout
    long_read = ADAPTER + random_bases(rng, 160)                         # 177 nt: too long
    short_read = ADAPTER + random_bases(rng, 70)                         # 87 nt
    padded, long_padded, short_padded = promoters.plasmid_pad([read, long_read, short_read], plasmid)
    assert len(padded) == len(long_padded) == len(short_padded) == 150
    assert padded == plasmid[site - 57:site] + read[17:]                # 57 plasmid bases + 93 of the read
    assert padded[:57].endswith(ADAPTER)
    assert long_padded == long_read[-150:]
    assert short_padded == plasmid[site - 80:site] + short_read[17:]


def test_plasmid_pad_errors_name_the_row_and_the_problem():
    plasmid = toy_plasmid()
    with pytest.raises(ValueError, match=r"sequence 1 does not start with the left adapter .*'ACGTACG"):
        promoters.plasmid_pad([ADAPTER + "ACGT", "ACGTACGTACGTACGTACGTACGT"], plasmid)
    with pytest.raises(ValueError, match="adapter does not occur"):
        promoters.plasmid_pad([ADAPTER + "ACGT"], "ACGT" * 100)
    with pytest.raises(ValueError, match="never right before an N"):
        promoters.plasmid_pad([ADAPTER + "ACGT"], "ACGT" * 50 + ADAPTER + "ACGT")
    with pytest.raises(ValueError, match="only 217 bases upstream"):
        promoters.plasmid_pad([ADAPTER + "ACGT"], plasmid, length=300)


# ---------------------------------------------------------------------------- legnet_one_hot


def test_legnet_one_hot_channel_layout():
    idx = torch.tensor([[0, 1, 2, 3, 4], [3, 3, 4, 5, 5]], dtype=torch.uint8)  # ACGTN, TTN + 2 PAD
    flags = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    x = promoters.legnet_one_hot(idx, flags)
    q = 0.25
    expected = torch.tensor([
        [[1, 0, 0, 0, q],    # A
         [0, 0, 1, 0, q],    # G
         [0, 1, 0, 0, q],    # C
         [0, 0, 0, 1, q],    # T
         [1, 1, 1, 1, 1],    # is_reverse
         [0, 0, 0, 0, 0]],   # is_singleton
        [[0, 0, q, 0, 0],
         [0, 0, q, 0, 0],
         [0, 0, q, 0, 0],
         [1, 1, q, 0, 0],
         [0, 0, 0, 0, 0],
         [1, 1, 1, 1, 1]],
    ])
    assert x.dtype == torch.float32 and x.shape == (2, 6, 5)
    assert torch.equal(x, expected)
    # the base channels agree with the string one-hot in LegNet's order
    assert np.array_equal(x[:1, :4].numpy(), encoding.one_hot(["ACGTN"], alphabet="AGCT", unknown=0.25))
    assert torch.equal(promoters.legnet_one_hot(idx.numpy())[:, 4:], torch.zeros(2, 2, 5))
    assert promoters.LEGNET_ALPHABET == "AGCT"


def test_legnet_one_hot_rejects_bad_shapes():
    idx = torch.zeros(3, 4, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"flags must be shaped \(B, 2\) = \(3, 2\)"):
        promoters.legnet_one_hot(idx, torch.zeros(3))
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        promoters.legnet_one_hot(torch.zeros(4, dtype=torch.uint8))


# ---------------------------------------------------------------------------- soft labels


def test_soft_labels_sum_to_one_and_peak_at_the_label_bin():
    y = np.array([0.0, 0.3, 4.0, 7.49, 7.51, 11.0, 16.2, 17.0])
    p = promoters.soft_labels(y)
    assert p.shape == (8, 18) and p.dtype == torch.float32
    assert torch.allclose(p.sum(dim=1), torch.ones(8), atol=1e-6)
    assert (p >= 0).all()
    # the mode is the bin holding y + 0.5 (the bins are [i, i + 1))
    assert p.argmax(dim=1).tolist() == np.clip(np.floor(y + 0.5), 0, 17).astype(int).tolist()
    # a whole-number label: Normal(y + 0.5, 0.5) puts P(|z| < 1) on its own bin
    assert float(p[5, 11]) == pytest.approx(normal_cdf(1) - normal_cdf(-1), abs=1e-5)
    assert float(p[5, 10]) == pytest.approx(float(p[5, 12]), abs=1e-6)
    # the edge bins are open: (-inf, 1) and [17, inf)
    assert float(p[0, 0]) == pytest.approx(normal_cdf(1), abs=1e-5)
    assert float(p[7, 17]) == pytest.approx(normal_cdf(1), abs=1e-5)
    assert float(p[7, 16]) == pytest.approx(normal_cdf(-1) - normal_cdf(-3), abs=1e-5)


def test_soft_labels_inputs_and_errors():
    assert torch.equal(promoters.soft_labels([2.0, 5.5]), promoters.soft_labels(torch.tensor([2.0, 5.5])))
    assert promoters.soft_labels([1.0], n_bins=4, sd=0.1)[0].argmax() == 1
    with pytest.raises(ValueError, match="label 2 is NaN"):
        promoters.soft_labels([1.0, 2.0, float("nan")])
    with pytest.raises(ValueError, match=r"shaped \(N,\)"):
        promoters.soft_labels(np.zeros((2, 2)))


# ---------------------------------------------------------------------------- loss and prediction


def test_soft_argmax_and_the_kl_loss():
    logits = torch.full((3, 18), -40.0)
    logits[0, 4] = logits[1, 0] = logits[2, 17] = 40.0
    assert soft_argmax(logits).tolist() == pytest.approx([4.0, 0.0, 17.0], abs=1e-4)

    y = torch.tensor([3.0, 9.25, 16.0])
    exact = promoters.soft_labels(y).clamp_min(1e-30).log()
    assert float(soft_label_kl(exact, y)) == pytest.approx(0.0, abs=1e-5)
    other = torch.randn(3, 18, generator=torch.Generator().manual_seed(0))
    p, log_q = promoters.soft_labels(y), other.log_softmax(dim=1)
    manual = float((p * (p.clamp_min(1e-30).log() - log_q)).sum() / 3)  # batch mean of KL(p || q)
    assert float(soft_label_kl(other, y)) == pytest.approx(manual, rel=1e-5)
    assert float(soft_label_kl(other, y)) > 0.1
    with pytest.raises(ValueError, match="n_bins=10 but the model gives 18"):
        soft_label_kl(other, y, n_bins=10)

    assert float(expression_mse(logits, torch.tensor([5.0, 0.0, 15.0]))) == pytest.approx(5 / 3, abs=1e-3)


# ---------------------------------------------------------------------------- data


def test_sequence_data_flags_are_checked_and_carried():
    idx = np.zeros((3, 4), dtype=np.uint8)
    data = SequenceData(idx, [1.0, 2.0, 3.0], flags=[[0, 1], [1, 0], [1, 1]])
    assert data.flags.dtype == torch.float32 and "flags=2" in repr(data)
    part = data.subset([2, 0])
    assert part.flags.tolist() == [[1.0, 1.0], [0.0, 1.0]] and part.y.tolist() == [3.0, 1.0]
    assert data.to("cpu").flags.tolist() == data.flags.tolist()
    assert data.subset(data.y > 1.5).flags.tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert SequenceData(idx, [0, 1, 2]).flags is None and "flags" not in repr(SequenceData(idx, [0, 1, 2]))
    with pytest.raises(ValueError, match="idx has 3 rows .* flags has 2 rows"):
        SequenceData(idx, [0, 1, 2], flags=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"flags must be shaped \(N, F\)"):
        SequenceData(idx, [0, 1, 2], flags=np.zeros(3))


def test_from_promoters_builds_padded_codes_flags_and_rc_rows():
    plasmid = toy_plasmid()
    df = toy_promoters(n=6)
    df.loc[3, "sequence"] = df.loc[3, "sequence"][:60]  # a short read gets more plasmid bases
    data = promoter_data(df, plasmid, length=120)
    n = len(df)
    assert data.idx.shape == (2 * n, 120) and data.idx.dtype == torch.uint8
    assert encoding.decode_index(data.idx[:n]) == promoters.plasmid_pad(df["sequence"], plasmid, length=120)
    assert torch.equal(data.idx[n:], reverse_complement_index(data.idx[:n]))
    assert encoding.decode_index(data.idx[n]) == encoding.reverse_complement(encoding.decode_index(data.idx[0]))
    singleton = df["singleton"].to_numpy().astype(np.float32)
    assert data.flags[:, 0].tolist() == [0.0] * n + [1.0] * n
    assert data.flags[:, 1].tolist() == list(singleton) * 2
    assert data.y.dtype == torch.float32
    assert data.y.tolist() == pytest.approx(list(df["expression"]) * 2)

    forward = promoter_data(df.drop(columns="singleton"), plasmid, length=120,
                                          reverse_complement=False)
    assert len(forward) == n and forward.flags[:, 0].tolist() == [0.0] * n
    assert forward.flags[:, 1].tolist() == list(singleton)  # from "is a whole number"
    with pytest.raises(KeyError, match="'expression'"):
        promoter_data(df.drop(columns="expression"), plasmid)


def test_from_promoters_on_real_rows(mirror):
    df = dcdata.load_dream("train", verbose=False).iloc[:40]
    data = promoter_data(df, dcdata.dream_plasmid())
    assert data.idx.shape == (80, 150) and data.flags.shape == (80, 2)
    assert data.flags[:40, 1].tolist() == df["singleton"].astype(float).tolist()
    padded = encoding.decode_index(data.idx[0])
    assert padded.endswith(df["sequence"].iloc[0][17:])


def test_sample_promoters_is_disjoint_seeded_and_nested():
    df = toy_promoters(n=100)
    train, val = promoters.sample_promoters(df, n_train=50, n_val=20, seed=3)
    assert len(train) == 50 and len(val) == 20
    assert not set(train.index) & set(val.index)
    assert train.attrs == val.attrs == {"dataset": "toy", "source": "test"}
    again_train, again_val = promoters.sample_promoters(df, n_train=50, n_val=20, seed=3)
    assert again_train.index.tolist() == train.index.tolist() and again_val.index.equals(val.index)
    other_train, _ = promoters.sample_promoters(df, n_train=50, n_val=20, seed=4)
    assert other_train.index.tolist() != train.index.tolist()
    bigger_train, same_val = promoters.sample_promoters(df, n_train=80, n_val=20, seed=3)
    assert same_val.index.equals(val.index) and set(train.index) <= set(bigger_train.index)
    assert train["sequence"].tolist() == df.loc[train.index, "sequence"].tolist()


def test_sample_promoters_never_shrinks_silently():
    df = toy_promoters(n=100)
    with pytest.raises(ValueError, match=r"(?s)10,240 \+ n_val=2,048 = 12,288 rows.*only 100.*"
                                         r"load_dream\(\"train_full\"\).*7,369"):
        promoters.sample_promoters(df, n_train=10_240)
    with pytest.raises(ValueError, match="n_train must be an int >= 1"):
        promoters.sample_promoters(df, n_train=0)


# ---------------------------------------------------------------------------- predict_expression


def test_predict_expression_averages_both_strands_and_is_order_independent():
    df = toy_promoters(n=10)
    data = promoter_data(df, toy_plasmid(), length=40, reverse_complement=False)
    model = tiny_model()
    with torch.no_grad():  # make the is_reverse plane matter, so the two strands differ
        model.conv.weight[:, 4] += 1.0
    model.train()
    codes = data.idx

    model.eval()
    with torch.no_grad():
        zeros = torch.zeros(len(codes), 2)
        ones = torch.tensor([[1.0, 0.0]]).repeat(len(codes), 1)
        forward = soft_argmax(model(promoters.legnet_one_hot(codes, zeros)))
        reverse = soft_argmax(model(promoters.legnet_one_hot(reverse_complement_index(codes), ones)))
    model.train()
    assert not torch.allclose(forward, reverse, atol=1e-3)

    pred = predict_expression(model, codes)
    assert model.training  # mode restored
    assert pred.shape == (10,) and pred.dtype == np.float32
    np.testing.assert_allclose(pred, ((forward + reverse) / 2).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(predict_expression(model, codes, average_rc=False), forward.numpy(),
                               rtol=1e-5, atol=1e-5)
    order = np.random.default_rng(0).permutation(10)
    np.testing.assert_allclose(predict_expression(model, codes.numpy()[order], batch_size=3), pred[order],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(predict_expression(model, data), pred, rtol=1e-6)  # flags ignored


def test_predict_expression_refuses_data_with_rc_copies():
    data = promoter_data(toy_promoters(n=4), toy_plasmid(), length=40)
    with pytest.raises(ValueError, match="reverse-complement copies .* first is row 4.*reverse_complement=False"):
        predict_expression(tiny_model(), data)


# ---------------------------------------------------------------------------- fit with flags and val_metrics


def _stop_after(epochs):
    def callback(row):
        if row["epoch"] == epochs:
            raise KeyboardInterrupt
    return callback


def test_fit_with_flags_and_val_metrics_resumes(tmp_path):
    plasmid = toy_plasmid()
    df = toy_promoters(n=48, seed=1)
    train = promoter_data(df.iloc[:36], plasmid, length=40)
    val_forward = promoter_data(df.iloc[36:], plasmid, length=40, reverse_complement=False)
    val = promoter_data(df.iloc[36:], plasmid, length=40)
    seen_flags, modes = [], []

    def to_input(idx, flags):
        seen_flags.append(flags.clone())
        return promoters.legnet_one_hot(idx, flags)

    def val_metrics(model):
        modes.append(model.training)
        pred = predict_expression(model, val_forward)
        return {"val_pearson": float(np.corrcoef(pred, val_forward.y.numpy())[0, 1]),
                "val_mse": float(np.mean((pred - val_forward.y.numpy()) ** 2))}

    kw = dict(epochs=4, batch_size=16, patience=None, device="cpu", progress=False, seed=2,
              loss_fn=soft_label_kl, to_input=to_input, optimizer=torch.optim.AdamW,
              weight_decay=0.01, scheduler=one_cycle(max_lr=1e-2), val_metrics=val_metrics)
    model_a = tiny_model()
    history_a = fit(model_a, train, val, **kw)
    assert list(history_a.columns) == HISTORY_COLUMNS + ["val_pearson", "val_mse"]
    assert np.isfinite(history_a[["val_pearson", "val_mse"]].to_numpy()).all()
    assert modes == [False] * 4  # evaluated in eval mode, once per epoch
    assert history_a["val_acc"].isna().all()  # a regression target has no accuracy
    # every batch got its rows' flags: both strands and both singleton values occur
    flags = torch.cat(seen_flags)
    assert flags.shape[1] == 2 and set(flags[:, 0].tolist()) == {0.0, 1.0}
    assert set(flags[:, 1].tolist()) == {0.0, 1.0}

    path = tmp_path / "legnet.pt"
    with pytest.raises(KeyboardInterrupt):
        fit(tiny_model(), train, val, checkpoint=path, on_epoch_end=_stop_after(2), **kw)
    assert load_checkpoint(path)["history"]["val_pearson"][1] == history_a["val_pearson"][1]
    model_b = tiny_model(seed=5)
    history_b = fit(model_b, train, val, checkpoint=path, resume=True, **kw)
    assert same_weights(model_a, model_b)
    pd.testing.assert_frame_equal(history_a.drop(columns=TIMING), history_b.drop(columns=TIMING))


def test_fit_rejects_bad_val_metrics():
    data = promoter_data(toy_promoters(n=8), toy_plasmid(), length=40)
    kw = dict(epochs=1, batch_size=8, device="cpu", progress=False, loss_fn=soft_label_kl,
              to_input=promoters.legnet_one_hot)
    with pytest.raises(TypeError, match="legnet_one_hot"):  # flags need a to_input that takes them
        fit(tiny_model(), data, data, **{**kw, "to_input": None})
    with pytest.raises(ValueError, match="'val_loss'"):
        fit(tiny_model(), data, data, val_metrics=lambda m: {"val_loss": 1.0}, **kw)
    with pytest.raises(TypeError, match="val_r='high'"):
        fit(tiny_model(), data, data, val_metrics=lambda m: {"val_r": "high"}, **kw)


# ---------------------------------------------------------------------------- schedule and lr range test


def test_one_cycle_warms_up_to_the_peak_then_anneals():
    opt = torch.optim.AdamW(nn.Linear(2, 1).parameters(), lr=123.0)
    sched = one_cycle(max_lr=0.01, pct_start=0.3, div_factor=25.0)(opt, 100)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.01 / 25)
    assert max(lrs) == pytest.approx(0.01) and int(np.argmax(lrs)) in (29, 30)
    assert np.all(np.diff(lrs[:29]) > 0) and np.all(np.diff(lrs[31:]) < 0)
    assert lrs[-1] < 1e-5


def test_lr_range_test_restores_the_model_and_suggests_a_falling_point():
    data = promoter_data(toy_promoters(n=32), toy_plasmid(), length=40)
    model = tiny_model()
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []

    def to_input(idx, flags):
        seen.append(flags.shape)
        return promoters.legnet_one_hot(idx, flags)

    df = lr_range_test(model, data, start_lr=1e-5, end_lr=10.0, steps=60, batch_size=16,
                       loss_fn=soft_label_kl, to_input=to_input, optimizer=torch.optim.AdamW,
                       progress=False)
    assert list(df.columns) == ["lr", "loss", "smooth_loss"]
    assert df["lr"].iloc[0] == pytest.approx(1e-5) and (np.diff(df["lr"]) > 0).all()
    assert all(shape == (16, 2) for shape in seen) and len(seen) == len(df)
    assert not model.training  # mode restored
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # weights and BN stats
    suggested = df.attrs["suggested_lr"]
    i = int(np.flatnonzero(df["lr"].to_numpy() == suggested)[0])
    smooth = df["smooth_loss"].to_numpy()
    assert smooth[min(i + 1, len(df) - 1)] < smooth[max(i - 1, 0)]  # the loss is falling there


def test_lr_range_test_stops_when_the_loss_blows_up():
    data = promoter_data(toy_promoters(n=32), toy_plasmid(), length=40)
    df = lr_range_test(tiny_model(), data, start_lr=1e-4, end_lr=1e4, steps=80, batch_size=16,
                       loss_fn=soft_label_kl, to_input=promoters.legnet_one_hot,
                       optimizer=torch.optim.SGD, progress=False)
    assert df.attrs["stopped_early"] and len(df) < 80
    last, best_before = df["smooth_loss"].iloc[-1], df["smooth_loss"].iloc[:-1].min()
    assert not np.isfinite(last) or last > 4 * best_before  # the stopping rule, and only at the end
    assert (df["smooth_loss"].iloc[:-1] <= 4 * df["smooth_loss"].iloc[:-1].cummin()).all()
    with pytest.raises(ValueError, match="start_lr < end_lr"):
        lr_range_test(tiny_model(), data, start_lr=1.0, end_lr=0.1, progress=False)


# ---------------------------------------------------------------------------- the recipe in one call


def test_fit_promoters_learns_a_gc_signal_and_reports_val_correlations():
    train_df, val_df = toy_promoters(256, seed=1), toy_promoters(64, seed=2)
    model = tiny_model()
    history = fit_promoters(model, train_df, val_df, plasmid=toy_plasmid(), epochs=6, batch_size=32,
                            max_lr=5e-2, progress=False)
    assert list(history.epoch) == [1, 2, 3, 4, 5, 6]
    assert {"val_pearson", "val_spearman"} <= set(history.columns)
    # expression = 17 * GC content + noise: a conv model must find it
    assert history["val_pearson"].iloc[-1] > 0.5
    # the reported correlation is that of predict_expression on the validation rows
    scores = evaluate_promoters(model, val_df, plasmid=toy_plasmid())
    assert scores.subset.tolist() == ["all"] and scores.n.tolist() == [64]
    best = history.attrs["best_epoch"]
    assert scores.pearson[0] == pytest.approx(history.val_pearson[best - 1], abs=1e-5)


def test_fit_promoters_keep_last_keeps_the_last_epoch_as_legnet_does():
    train_df, val_df = toy_promoters(64, seed=1), toy_promoters(32, seed=2)
    states = []
    model = tiny_model()
    history = fit_promoters(model, train_df, val_df, plasmid=toy_plasmid(), epochs=3, batch_size=32,
                            max_lr=5e-2, progress=False, keep="last",
                            on_epoch_end=lambda row: states.append(copy.deepcopy(model.state_dict())))
    assert history.attrs["kept"] == "last" and len(states) == 3
    assert all(torch.equal(v, states[-1][k]) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="keep must be"):
        fit_promoters(tiny_model(), train_df, val_df, plasmid=toy_plasmid(), keep="first")


def test_one_cycle_three_phase_is_the_student_teams_schedule():
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    schedule = one_cycle(1e-5, three_phase=True)(opt, 2000)
    lrs = []
    for _ in range(2000):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    assert lrs[0] == pytest.approx(4e-7) and max(lrs) == pytest.approx(1e-5)
    assert int(np.argmax(lrs)) == 599                  # peak after 30 % of the steps
    assert lrs[1198] == pytest.approx(4e-7)            # back at the start after another 30 %
    assert lrs[-1] < 1e-9


def test_fit_promoters_rejects_unknown_loss_and_schedule():
    df = toy_promoters(8)
    with pytest.raises(ValueError, match="loss must be one of"):
        fit_promoters(tiny_model(), df, df, plasmid=toy_plasmid(), loss="huber")
    with pytest.raises(ValueError, match="schedule must be"):
        fit_promoters(tiny_model(), df, df, plasmid=toy_plasmid(), schedule="step")


def test_evaluate_promoters_scores_subsets_by_test_index():
    df = toy_promoters(40, seed=3)
    df.index = np.arange(1000, 1040)                       # test indices, as load_dream("test") gives
    scores = evaluate_promoters(tiny_model(), df, plasmid=toy_plasmid(),
                                subsets={"first": np.arange(1000, 1020), "absent": np.array([5, 6])})
    assert scores.subset.tolist() == ["all", "first", "absent"]
    assert scores.n.tolist() == [40, 20, 0]
    assert math.isnan(scores.pearson[2])
    pred = np.asarray(scores.attrs["predictions"])
    manual = np.corrcoef(df.expression.to_numpy()[:20], pred[:20])[0, 1]
    assert scores.pearson[1] == pytest.approx(manual, abs=1e-6)


def test_soft_label_expectation_recovers_y_plus_half_away_from_the_edges():
    y = torch.linspace(3.0, 13.0, 41)
    p = promoters.soft_labels(y)
    midpoints = torch.arange(18, dtype=torch.float32) + 0.5          # bin i = [i, i + 1)
    # binning a Normal(sd 0.5) into unit bins shifts the mean by at most ~0.0023 (periodic in y)
    assert torch.allclose((p * midpoints).sum(dim=1), y + 0.5, atol=5e-3)
    # hence LegNet's soft-argmax (sum of i * p_i) of a perfect prediction gives back y itself
    assert torch.allclose(soft_argmax(torch.log(p)), y, atol=5e-3)


def test_strand_averaging_is_symmetric_when_the_model_ignores_the_strand_flag():
    codes = promoter_data(toy_promoters(n=12), toy_plasmid(), length=40,
                                        reverse_complement=False).idx
    model = tiny_model().eval()
    with torch.no_grad():
        model.conv.weight[:, 4] = 0.0                                 # is_reverse plane ignored
    rc = reverse_complement_index(codes)
    both, both_rc = predict_expression(model, codes), predict_expression(model, rc)
    np.testing.assert_allclose(both, both_rc, rtol=1e-5, atol=1e-5)  # a read and its RC: same answer
    one, one_rc = (predict_expression(model, c, average_rc=False) for c in (codes, rc))
    assert not np.allclose(one, one_rc, atol=1e-3)                    # one strand alone is not symmetric


def test_dream_sample_labels_its_rows_and_samples_the_test_set(mirror):
    sample = promoters.dream_sample(256, n_val=64, n_test=500, seed=2, verbose=False)
    assert (len(sample.train), len(sample.val), len(sample.test)) == (256, 64, 500)
    assert not set(sample.train.index) & set(sample.val.index)
    assert sample.test.index.is_monotonic_increasing                    # kept in test order
    assert sample.data == "dream_train 256 + 64 val"
    assert sample.test_data == "dream_test 500 (seeded sample of 71,103)"
    assert set(sample.subsets) == set(dcdata.dream_test_subsets())
    again = promoters.dream_sample(256, n_val=64, n_test=500, seed=2, verbose=False)
    assert again.train.index.equals(sample.train.index) and again.test.index.equals(sample.test.index)
    whole = promoters.dream_sample(16, n_val=8, verbose=False)
    assert len(whole.test) == 71_103 and whole.test_data == "dream_test 71,103"
    assert "train 256 rows, val 64 rows, test 500 rows" in sample.describe()
