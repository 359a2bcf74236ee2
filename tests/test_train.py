"""Tests for dnacourse.train (the one training loop) and the training benchmark in dnacourse.tools.bench.

Tiny models and data only (a planted-motif set, length 40), so the whole file runs in seconds on a CPU.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from dnacourse import encoding, models
from dnacourse.classify import evaluate
from dnacourse.data import SequenceData, make_motif_dataset
from dnacourse.tools import bench
from dnacourse.train import fit, load_checkpoint, predict_proba

LENGTH = 40
TIMING = ["seconds", "samples_per_s"]


class TinyCNN(nn.Module):
    """Conv -> ReLU -> dropout -> global max pool -> linear; dropout makes the global RNG matter."""

    def __init__(self, n_classes=3, channels=16, dropout=0.2):
        super().__init__()
        self.conv = nn.Conv1d(4, channels, 7, padding=3)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(channels, n_classes)

    def forward(self, x):
        return self.head(self.drop(torch.relu(self.conv(x))).amax(dim=-1))


class TinyMLP(nn.Module):
    """Big enough to memorise random labels (so the validation loss rises and early stopping fires)."""

    def __init__(self, n_classes=3, length=LENGTH):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4 * length, 64), nn.ReLU(), nn.Linear(64, n_classes))

    def forward(self, x):
        return self.net(x)


def tiny_model(cls=TinyCNN, seed=0, **kw):
    torch.manual_seed(seed)
    return cls(**kw)


pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py


@pytest.fixture(scope="module")
def motif():
    df = make_motif_dataset(n_per_class=40, n_classes=3, length=LENGTH, motif_length=6, seed=1)
    data = SequenceData.from_frame(df, length=LENGTH)
    return data.subset(np.arange(96)), data.subset(np.arange(96, 120))


def random_data(n=64, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, LENGTH)).astype(np.uint8)
    return SequenceData(idx, rng.integers(0, n_classes, size=n))


def quiet_fit(model, train, val, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("device", "cpu")
    kw.setdefault("batch_size", 16)
    return fit(model, train, val, **kw)


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def without_timing(history: pd.DataFrame) -> pd.DataFrame:
    return history.drop(columns=TIMING)


def cross_entropy(model, data):
    prob = predict_proba(model, data, device="cpu")
    return float(-np.mean(np.log(prob[np.arange(len(data)), data.y.numpy()])))


# ---------------------------------------------------------------------------- SequenceData


def test_sequence_data_from_frame_subset_and_to():
    df = pd.DataFrame({"sequence": ["ACGTN", "GG", "TTTTTTT"], "label": [2, 0, 1]})
    data = SequenceData.from_frame(df, length=6)
    assert data.idx.dtype == torch.uint8 and data.y.dtype == torch.int64
    assert data.idx.tolist() == [[0, 1, 2, 3, 4, 5], [2, 2, 5, 5, 5, 5], [3] * 6]
    assert len(data) == 3 and "n=3" in repr(data) and "length=6" in repr(data)
    part = data.subset(np.array([2, 0]))
    assert part.y.tolist() == [1, 2] and part.idx[1].tolist() == data.idx[0].tolist()
    assert data.subset(data.y > 0).y.tolist() == [2, 1]
    assert data.to("cpu").idx.device.type == "cpu"
    floats = SequenceData(data.idx, [0.5, 1.5, 2.0])
    assert floats.y.dtype == torch.float32


def test_sequence_data_errors_name_the_problem():
    with pytest.raises(ValueError, match="idx has 3 rows .* y has 2 labels"):
        SequenceData(np.zeros((3, 5), dtype=np.uint8), [0, 1])
    with pytest.raises(ValueError, match=r"shaped \(N, L\)"):
        SequenceData(np.zeros(5, dtype=np.uint8), [0])
    with pytest.raises(ValueError, match="codes must be in 0..5"):
        SequenceData(np.full((1, 5), 9, dtype=np.uint8), [0])
    with pytest.raises(KeyError, match="'label'"):
        SequenceData.from_frame(pd.DataFrame({"sequence": ["AC"]}))
    with pytest.raises(TypeError, match="map class names to integers"):
        SequenceData.from_frame(pd.DataFrame({"sequence": ["AC"], "label": ["kinase"]}))


# ---------------------------------------------------------------------------- fit


def test_loss_falls_and_history_is_well_formed(motif):
    train, val = motif
    history = quiet_fit(tiny_model(), train, val, epochs=10, lr=1e-2, patience=None, name="tiny")
    assert list(history.columns) == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr",
                                     "seconds", "samples_per_s"]
    assert history["epoch"].tolist() == list(range(1, 11))
    assert history["train_loss"].iloc[-1] < 0.7 * history["train_loss"].iloc[0]
    assert history["val_loss"].min() < history["val_loss"].iloc[0]
    assert history["val_acc"].max() > 0.6  # 3 classes: chance is 1/3
    assert (history["lr"] == 1e-2).all() and (history["samples_per_s"] > 0).all()
    attrs = history.attrs
    assert attrs["name"] == "tiny" and attrs["device"] == "cpu" and attrs["stopped_early"] is False
    assert attrs["best_epoch"] == int(history["val_loss"].idxmin()) + 1
    assert attrs["total_seconds"] == pytest.approx(history["seconds"].sum())


def test_early_stopping_stops_and_restores_the_best_weights():
    train, val = random_data(64, seed=1), random_data(32, seed=2)  # random labels: val loss rises
    model = tiny_model(TinyMLP)
    history = quiet_fit(model, train, val, epochs=40, lr=1e-2, patience=3)
    assert history.attrs["stopped_early"] is True and len(history) < 40
    best = history.attrs["best_epoch"]
    assert len(history) == best + 3  # eq. 22: `patience` epochs without improvement
    assert history["val_loss"].iloc[best - 1] == history["val_loss"].min()
    # the returned model is the best epoch's, not the last one's
    assert cross_entropy(model, val) == pytest.approx(history["val_loss"].iloc[best - 1], rel=1e-5)
    assert cross_entropy(model, val) < history["val_loss"].iloc[-1] - 1e-3


def test_same_seed_same_result_on_cpu(motif):
    train, val = motif
    runs = []
    for _ in range(2):
        model = tiny_model()
        history = quiet_fit(model, train, val, epochs=3, seed=5,
                            augment={"substitution_rate": 0.05, "indel_prob": 0.5, "rc_prob": 0.5})
        runs.append((model, history))
    (m1, h1), (m2, h2) = runs
    assert same_weights(m1, m2)
    pd.testing.assert_frame_equal(without_timing(h1), without_timing(h2))
    m3 = tiny_model()
    h3 = quiet_fit(m3, train, val, epochs=3, seed=6,
                   augment={"substitution_rate": 0.05, "indel_prob": 0.5, "rc_prob": 0.5})
    assert not same_weights(m1, m3) and not h3["train_loss"].equals(h1["train_loss"])


def test_augmentation_changes_the_training_inputs_only(motif):
    train, val = motif
    known = {bytes(row) for row in train.idx.numpy()} | {bytes(row) for row in val.idx.numpy()}
    seen = []

    def recording_one_hot(idx):
        seen.append(idx.clone())
        return encoding.index_to_one_hot(idx)

    quiet_fit(tiny_model(), train, val, epochs=1, to_input=recording_one_hot)
    assert all(bytes(row) in known for batch in seen for row in batch.numpy())

    seen.clear()
    augment = {"substitution_rate": 0.05, "indel_prob": 0.5}
    quiet_fit(tiny_model(), train, val, epochs=1, to_input=recording_one_hot, augment=augment)
    n_train_batches = 6  # 96 rows / 16; validation batches come after them
    train_rows = [bytes(r) for b in seen[:n_train_batches] for r in b.numpy()]
    val_rows = [bytes(r) for b in seen[n_train_batches:] for r in b.numpy()]
    assert len(train_rows) == 96 and len(val_rows) == 24
    assert sum(r not in known for r in train_rows) > 48  # most training rows were edited
    assert all(r in known for r in val_rows)  # validation is never augmented

    calls = []

    def my_augment(idx, generator):
        calls.append(generator)
        return idx.flip(-1)

    quiet_fit(tiny_model(), train, val, epochs=1, augment=my_augment)
    assert len(calls) == 6 and all(isinstance(g, torch.Generator) for g in calls)


def test_hooks_loss_fn_optimizer_and_scheduler_with_float_targets(tmp_path):
    data = random_data(48, seed=3)
    target = data.idx.float().mean(dim=1)  # a regression target
    train = SequenceData(data.idx[:40], target[:40])
    val = SequenceData(data.idx[40:], target[40:])

    def mse(out, y):
        return nn.functional.mse_loss(out.squeeze(-1), y)

    def one_cycle(opt, total_steps):
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=total_steps)

    kw = dict(epochs=4, patience=None, loss_fn=mse, optimizer=torch.optim.AdamW, weight_decay=0.01,
              scheduler=one_cycle)
    model = tiny_model(n_classes=1)
    history = quiet_fit(model, train, val, checkpoint=tmp_path / "a.pt", **kw)
    assert history["val_acc"].isna().all() and history["train_acc"].isna().all()
    assert history["lr"].nunique() == 4  # the schedule moved the learning rate
    state = load_checkpoint(tmp_path / "a.pt")
    assert isinstance(state["scheduler"], dict) and state["optimizer"]["param_groups"][0]["weight_decay"] == 0.01

    # the scheduler's state survives an interruption too
    with pytest.raises(KeyboardInterrupt):
        quiet_fit(tiny_model(n_classes=1), train, val, checkpoint=tmp_path / "b.pt", on_epoch_end=_stop_after(2), **kw)
    history_b = quiet_fit(tiny_model(n_classes=1, seed=9), train, val, checkpoint=tmp_path / "b.pt",
                          resume=True, **kw)
    pd.testing.assert_frame_equal(without_timing(history), without_timing(history_b))


def _stop_after(k):
    def callback(row):
        if row["epoch"] == k:
            raise KeyboardInterrupt  # what the stop button of a notebook does
    return callback


# ---------------------------------------------------------------------------- checkpoint / resume


AUG = {"substitution_rate": 0.02, "indel_prob": 0.5, "rc_prob": 0.5}


def test_resume_after_a_shorter_run_matches_an_uninterrupted_run(motif, tmp_path, capsys):
    train, val = motif
    kw = dict(epochs=6, patience=None, augment=AUG, seed=3)
    model_a = tiny_model()
    history_a = quiet_fit(model_a, train, val, checkpoint=tmp_path / "a.pt", **kw)

    model_b = tiny_model()
    quiet_fit(model_b, train, val, checkpoint=tmp_path / "b.pt", **{**kw, "epochs": 2})
    model_b = tiny_model(seed=123)  # a fresh process would rebuild the model: weights come from the file
    history_b = quiet_fit(model_b, train, val, checkpoint=tmp_path / "b.pt", resume=True, **kw)
    assert "holds 2 epoch(s)" in capsys.readouterr().out
    assert same_weights(model_a, model_b)
    pd.testing.assert_frame_equal(without_timing(history_a), without_timing(history_b))
    assert history_a.attrs["best_epoch"] == history_b.attrs["best_epoch"]


def test_resume_after_an_interruption_matches_and_finished_runs_are_not_retrained(motif, tmp_path, capsys):
    train, val = motif
    kw = dict(epochs=20, patience=2, lr=2e-2, augment=AUG, seed=5)
    model_a = tiny_model()
    history_a = quiet_fit(model_a, train, val, **kw)
    assert history_a.attrs["stopped_early"] and len(history_a) > 8  # early stopping is part of the state

    path = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        quiet_fit(tiny_model(), train, val, checkpoint=path, on_epoch_end=_stop_after(5), **kw)
    assert not path.with_name("run.pt.tmp").exists()  # written atomically
    state = load_checkpoint(path)
    assert state["epoch"] == 5 and state["finished"] is False

    model_b = tiny_model(seed=99)
    history_b = quiet_fit(model_b, train, val, checkpoint=path, resume=True, **kw)
    assert same_weights(model_a, model_b)
    pd.testing.assert_frame_equal(without_timing(history_a), without_timing(history_b))
    assert history_b.attrs["stopped_early"] == history_a.attrs["stopped_early"]
    capsys.readouterr()

    # the run is finished: resuming returns the stored result, untouched, without training
    model_c = tiny_model(seed=7)
    history_c = quiet_fit(model_c, train, val, checkpoint=path, resume=True,
                          on_epoch_end=_stop_after(1), **kw)
    assert "finished" in capsys.readouterr().out
    pd.testing.assert_frame_equal(history_b, history_c)
    assert same_weights(model_b, model_c)


def test_checkpoint_dir_names_the_file_by_model_and_settings_and_reuses_a_finished_run(motif, tmp_path, capsys):
    train, val = motif
    first = quiet_fit(tiny_model(), train, val, epochs=2, checkpoint_dir=tmp_path)
    path = Path(first.attrs["checkpoint"])
    assert path.parent == tmp_path and path.name.startswith("tinycnn-") and path.exists()
    model = tiny_model()
    again = quiet_fit(model, train, val, epochs=2, checkpoint_dir=tmp_path)   # same run: nothing to train
    assert again.attrs["checkpoint"] == str(path) and "returning the stored result" in capsys.readouterr().out
    pd.testing.assert_frame_equal(again, first)
    other = {"lr": 3e-3}, {"epochs": 3}, {"seed": 1}, {"batch_size": 8}
    names = {Path(quiet_fit(tiny_model(), train, val, **{"epochs": 2, **kw}, checkpoint_dir=tmp_path)
                  .attrs["checkpoint"]).name for kw in other}
    names.add(Path(quiet_fit(tiny_model(), train.subset(np.arange(90)), val, epochs=2,
                             checkpoint_dir=tmp_path).attrs["checkpoint"]).name)   # other rows
    names.add(Path(quiet_fit(tiny_model(channels=8), train, val, epochs=2,
                             checkpoint_dir=tmp_path).attrs["checkpoint"]).name)   # another model
    assert len(names) == 6 and path.name not in names
    with pytest.raises(ValueError, match="not both"):
        quiet_fit(tiny_model(), train, val, checkpoint=tmp_path / "a.pt", checkpoint_dir=tmp_path)


def test_resume_without_a_checkpoint_starts_fresh(motif, tmp_path, capsys):
    train, val = motif
    path = tmp_path / "sub" / "new.pt"
    history = quiet_fit(tiny_model(), train, val, epochs=1, checkpoint=path, resume=True)
    assert "starting fresh" in capsys.readouterr().out and len(history) == 1 and path.exists()


def test_resume_with_other_settings_warns(motif, tmp_path):
    train, val = motif
    path = tmp_path / "w.pt"
    quiet_fit(tiny_model(), train, val, epochs=1, checkpoint=path)
    with pytest.warns(UserWarning, match=r"different settings .*'lr'"):
        quiet_fit(tiny_model(), train, val, epochs=2, lr=0.5, checkpoint=path, resume=True)


def test_resume_refuses_a_checkpoint_of_another_model(motif, tmp_path):
    """Same weight shapes, other hyperparameter (dropout): resuming would silently mix two models."""
    from dnacourse.train import model_fingerprint

    train, val = motif
    assert model_fingerprint(tiny_model()) == model_fingerprint(tiny_model(seed=1))   # weights don't count
    assert model_fingerprint(tiny_model()) != model_fingerprint(tiny_model(dropout=0.5))
    assert model_fingerprint(tiny_model()) != model_fingerprint(tiny_model(channels=8))
    with_lambda = tiny_model()
    with_lambda.act = nn.Module()
    with_lambda.act.extra_repr = lambda: repr(lambda x: x)          # "<function <lambda> at 0x...>"
    assert "0x" in repr(with_lambda)
    other = tiny_model()
    other.act = nn.Module()
    other.act.extra_repr = lambda: repr(lambda x: x)
    assert model_fingerprint(with_lambda) == model_fingerprint(other)   # addresses do not count
    path = tmp_path / "m.pt"
    quiet_fit(tiny_model(), train, val, epochs=1, checkpoint=path)
    with pytest.raises(ValueError, match=r"m\.pt was written by a different model"):
        quiet_fit(tiny_model(dropout=0.5), train, val, epochs=2, checkpoint=path, resume=True)
    assert len(quiet_fit(tiny_model(), train, val, epochs=2, checkpoint=path, resume=True)) == 2


def test_checkpoint_loads_with_weights_only(motif, tmp_path):
    train, val = motif
    path = tmp_path / "c.pt"
    history = quiet_fit(tiny_model(), train, val, epochs=2, checkpoint=path, augment=AUG)
    state = torch.load(path, weights_only=True)
    for key in ("model", "optimizer", "scaler", "epoch", "best_state", "best_loss", "bad_epochs",
                "history", "rng"):
        assert key in state
    assert state["epoch"] == 2 and state["finished"] is True
    assert state["history"]["val_loss"] == history["val_loss"].tolist()
    assert all(isinstance(state["rng"][k], torch.Tensor) for k in ("torch", "shuffle", "augment"))
    model = tiny_model()
    model.load_state_dict(state["best_state"])


# ---------------------------------------------------------------------------- errors


def test_clear_errors(motif):
    train, val = motif
    bad = SequenceData(train.idx, torch.where(train.y == 2, 5, train.y))
    with pytest.raises(ValueError, match=r"train label 5 .*n_classes=3"):
        quiet_fit(tiny_model(), bad, val, epochs=1)
    bad_val = SequenceData(val.idx, -val.y - 1)
    with pytest.raises(ValueError, match=r"val label -\d .*n_classes=3"):
        quiet_fit(tiny_model(), train, bad_val, epochs=1)
    with pytest.raises(ValueError, match="train is empty"):
        quiet_fit(tiny_model(), train.subset([]), val, epochs=1)
    with pytest.raises(ValueError, match="val is empty"):
        quiet_fit(tiny_model(), train, val.subset([]), epochs=1)
    with pytest.raises(TypeError, match="SequenceData.from_frame"):
        quiet_fit(tiny_model(), pd.DataFrame({"sequence": ["A"], "label": [0]}), val, epochs=1)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        quiet_fit(tiny_model(), train, val, epochs=1, resume=True)
    with pytest.raises(ValueError, match="batch_size"):
        quiet_fit(tiny_model(), train, val, epochs=1, batch_size=0)


def test_out_of_memory_names_the_batch_size(motif):
    class Greedy(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9 GiB")

    train, val = motif
    with pytest.raises(RuntimeError, match=r"batch_size=16\. Lower batch_size \(e\.g\. batch_size=8\)"):
        quiet_fit(Greedy(), train, val, epochs=1)


# ---------------------------------------------------------------------------- prediction


def test_predict_proba_shapes_rows_and_modes(motif):
    train, val = motif
    model = tiny_model()
    model.train()
    prob = predict_proba(model, val)
    assert prob.shape == (24, 3) and prob.dtype == np.float32
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, atol=1e-6)
    assert model.training  # mode restored
    np.testing.assert_allclose(predict_proba(model, val.idx.numpy(), batch_size=5), prob, atol=1e-6)
    np.testing.assert_allclose(predict_proba(model, val.idx), prob, atol=1e-6)
    with pytest.raises(TypeError, match=r"\(N, L\)"):
        predict_proba(model, val.idx[0])


def test_evaluate_returns_the_paper_metrics(motif):
    train, val = motif
    model = tiny_model()
    quiet_fit(model, train, val, epochs=3, lr=1e-2)
    result = evaluate(model, val)
    assert {"accuracy", "precision", "recall", "f1", "auc", "n"} <= set(result)
    assert result["n"] == 24 and 0 <= result["accuracy"] <= 1 and not math.isnan(result["auc"])
    acc = float((predict_proba(model, val).argmax(1) == val.y.numpy()).mean())
    assert result["accuracy"] == pytest.approx(acc)


# ---------------------------------------------------------------------------- benchmark


def test_training_benchmark_tiny_rows():
    rows = bench.training_benchmark(["a", "b"], n=24, length=LENGTH, batch_size=8, repeats=1,
                                    device="cpu", n_classes=3, build=lambda name: TinyCNN())
    assert [r["model"] for r in rows] == ["a", "b"]
    for r in rows:
        assert r["device"] == "cpu" and r["amp"] is False and r["peak_mib"] is None
        assert r["train_seq_s"] > 0 and r["infer_seq_s"] > 0 and r["params"] > 0
        assert 0 <= r["input_share"] <= 1 and r["model_share"] == pytest.approx(1 - r["input_share"])
    assert bench.training_benchmark(["a"], n=16, length=LENGTH, batch_size=8, repeats=1, device="cpu",
                                    amp=True, n_classes=3, build=lambda name: TinyCNN())[0]["amp"] is False


def test_bench_command_line_training_option(capsys):
    pytest.importorskip("dnacourse.models")
    from dnacourse import models

    if not hasattr(models, "available"):
        pytest.skip("dnacourse.models is not written yet")
    result = bench.main(["--models", "cnn", "--n", "16", "--length", "64", "--batch-size", "8",
                         "--repeats", "1", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "train seq/s" in out and "cnn" in out
    assert [r["model"] for r in result["training"]] == ["cnn"]
    with pytest.raises(SystemExit):
        bench.main(["--models", "nope"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback on a machine without a GPU")
def test_asking_for_cuda_without_a_gpu_falls_back_to_the_cpu_with_a_notice(motif):
    train, val = motif
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * train.idx.shape[1], 3))
    with pytest.warns(UserWarning, match="no CUDA GPU is available: using the CPU"):
        history = fit(net, train, val, epochs=1, device="cuda", progress=False)
    assert history.attrs["device"] == "cpu"
    with pytest.warns(UserWarning, match="no CUDA GPU"):
        assert predict_proba(net, val, device="cuda").shape == (len(val), 3)


def test_use_drive_moves_checkpoints_and_a_run_cut_by_a_disconnect_resumes_there(motif, tmp_path, monkeypatch,
                                                                                   capsys):
    """A stand-in for Google Drive: the work goes there, and a new session finds it and goes on."""
    from dnacourse import results, runtime

    for env in (runtime.BUILD_DIR_ENV, runtime.DATA_DIR_ENV, results.RESULTS_DIR_ENV):
        monkeypatch.delenv(env, raising=False)
    train, val = motif
    drive = tmp_path / "drive"
    assert runtime.use_drive(drive) == drive
    assert runtime.build_dir() == drive / "build" and runtime.data_dir() == drive / "data"
    assert results.results_dir() == drive / "build" / "results"
    assert "checkpoints and results:" in capsys.readouterr().out
    with pytest.raises(KeyboardInterrupt):              # the runtime disconnects after epoch 2
        quiet_fit(tiny_model(), train, val, epochs=4, checkpoint_dir=runtime.build_dir() / "checkpoints",
                  on_epoch_end=_stop_after(2))
    [saved] = (drive / "build" / "checkpoints").glob("*.pt")
    assert load_checkpoint(saved)["epoch"] == 2

    monkeypatch.delenv(runtime.BUILD_DIR_ENV)             # a fresh runtime: nothing set ...
    monkeypatch.delenv(runtime.DATA_DIR_ENV)
    assert runtime.build_dir() != drive / "build"
    runtime.use_drive(drive)                              # ... until the notebook calls use_drive again
    resumed = quiet_fit(tiny_model(seed=5), train, val, epochs=4, checkpoint_dir=runtime.build_dir() / "checkpoints")
    assert list(resumed["epoch"]) == [1, 2, 3, 4] and resumed.attrs["checkpoint"] == str(saved)
    assert "resum" in capsys.readouterr().out.lower()
    plain = quiet_fit(tiny_model(), train, val, epochs=4)
    pd.testing.assert_frame_equal(without_timing(resumed), without_timing(plain))


def test_use_drive_without_a_folder_needs_colab(monkeypatch):
    from dnacourse import runtime

    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    with pytest.raises(RuntimeError, match="only works on Colab.*use_drive\\('~/dnacourse-work'\\)"):
        runtime.use_drive()


def test_recompute_batchnorm_gives_the_exact_statistics_of_the_data(motif):
    train, _ = motif
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(4, 6, 5), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5),
                        nn.Conv1d(6, 3, 3), nn.BatchNorm1d(3))
    net[1].running_mean.fill_(7.0)                       # stale averages, as after training
    x = encoding.index_to_one_hot(train.idx)                            # (N, 4, L)
    assert models.recompute_batchnorm(net, [x]) == 2
    features = net[0](x)                                                 # (N, 6, L')
    torch.testing.assert_close(net[1].running_mean, features.mean(dim=(0, 2)))
    torch.testing.assert_close(net[1].running_var, features.var(dim=(0, 2)), rtol=1e-4, atol=1e-5)  # unbiased
    assert not net.training and net[1].momentum == 0.1               # eval mode, momentum restored
    # several batches: the plain mean of the batch means, and the masked BatchNorm of the course's CNN
    cnn = models.build("cnn", n_classes=3, channels=(8, 8))
    for m in cnn.modules():
        if isinstance(m, models.MaskedBatchNorm1d):
            m.running_mean.fill_(5.0)
    assert models.recompute_batchnorm(cnn, x.split(32)) == 2
    first = cnn.features.blocks[0].norm
    batch_means = []
    for rows in torch.arange(len(train)).split(32):
        conv = cnn.features.blocks[0].conv(x[rows])                       # (32, 8, L)
        mask = models.length_mask(models.sequence_lengths(x[rows]), x.shape[-1]).unsqueeze(1)
        batch_means.append((conv * mask).sum(dim=(0, 2)) / mask.sum())
    torch.testing.assert_close(first.running_mean, torch.stack(batch_means).mean(0), rtol=1e-4, atol=1e-5)
    kept = first.running_mean.clone()
    with pytest.raises(ValueError, match="no batches"):
        models.recompute_batchnorm(cnn, [])
    torch.testing.assert_close(first.running_mean, kept)                 # nothing lost


def test_fit_recompute_bn_makes_eval_mode_independent_of_the_running_averages(motif):
    train, val = motif
    runs = {}
    for flag in (False, True):
        torch.manual_seed(0)
        net = models.build("cnn", n_classes=3, channels=(8, 8), dropout=0.0)
        h = quiet_fit(net, train, val, epochs=2, patience=None, recompute_bn=flag)
        runs[flag] = (net, h)
    net, h = runs[True]
    before = [m.running_mean.clone() for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
    models.recompute_batchnorm(net, [encoding.index_to_one_hot(train.idx)])   # what fit did after the last epoch
    after = [m.running_mean for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(before, after, strict=True))
    plain = [m.running_mean for m in runs[False][0].modules() if isinstance(m, nn.BatchNorm1d)]
    assert not all(torch.allclose(a, b, atol=1e-3) for a, b in zip(before, plain, strict=True))
    # the same training steps: only the statistics differ, so the training losses agree
    assert np.allclose(h["train_loss"], runs[False][1]["train_loss"])
