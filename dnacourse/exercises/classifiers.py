"""Exercise checks of notebooks 05-11, the gene-family track's classifiers: the CNN, LSTM and GRU
cells, padding for a BiLSTM, hybrids, model comparison and interpretability.

Every check prints its verdict and returns True or False; it never raises (see ``feedback``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .. import encoding, metrics, models
from .feedback import (
    _as_array,
    _brief,
    _call,
    _Feedback,
    _is_int,
    _is_number,
    _never_raises,
    _ready,
)

__all__ = [
    # 05 CNN
    "check_conv_one_filter",
    "check_flatten_head",
    # 06 LSTM
    "check_cell_update",
    "check_lstm_parameters",
    # 07 GRU
    "check_gru_parameters",
    "check_swapped_step",
    # 08 BiLSTM
    "check_to_5prime",
    # 09 hybrids
    "check_rnn_steps",
    "check_rnn_then_cnn",
    # 10 model comparison
    "check_threshold_sweep",
    # 11 interpretability
    "check_gradient_x_input",
]


# ----------------------------------------------------------------------------------------------
# 05 CNN


@_never_raises
def check_conv_one_filter(conv_one_filter) -> bool:
    """Exercise 05.3: ``conv_one_filter(x, w, b)`` -> ReLU(eq. 5), ``(L - k + 1,)``, NumPy only.

    ``x``: one-hot ``(4, L)``, ``w``: ``(4, k)``, ``b``: a float. Compared with
    ``F.relu(F.conv1d(x, w, b))`` (no padding) for several widths and biases, to 1e-5.

    >>> check_conv_one_filter(None)
    Exercise 05.3 (eq. 5 in NumPy): not answered yet. Write conv_one_filter(x, w, b), then run this cell again.
    False
    """
    fb = _Feedback("05.3 eq. 5 in NumPy")
    if not _ready(fb, conv_one_filter, "conv_one_filter", "write conv_one_filter(x, w, b)"):
        return False
    rng = np.random.default_rng(5)
    seq = "".join(rng.choice(list("ACGT"), 30))
    x = encoding.one_hot(seq)
    cases = [(9, 0.1), (5, -0.5), (1, 0.0), (30, 0.3), (3, 2.0)]
    for n_case, (k, b) in enumerate(cases):
        w = rng.normal(size=(4, k)).astype(np.float32)
        call = f"conv_one_filter(x, w, {b}) with x of shape {x.shape}, w of shape {w.shape}"
        ok, got = _call(conv_one_filter, x.copy(), w.copy(), b)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function conv_one_filter still returns None: write its body")
            return fb.wrong("it returned None.", tried=call)
        raw = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w)[None], torch.tensor([b], dtype=torch.float32))
        expected = F.relu(raw)[0, 0].numpy()
        arr = _as_array(got)
        if arr is None:
            return fb.wrong("the result must be an array.", tried=call, got=_brief(got))
        arr = arr.reshape(-1) if arr.size == expected.size else arr
        if arr.shape != expected.shape:
            problem = ("one value per position of x: that is a padded ('same') convolution."
                       if arr.size == x.shape[1] else "wrong number of values.")
            return fb.wrong(problem, tried=call, got=f"shape {arr.shape}",
                            expected=f"shape {expected.shape}: L - k + 1 = {x.shape[1]} - {k} + 1 windows")
        if np.allclose(arr, expected, atol=1e-5):
            continue
        flipped = F.relu(F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w[:, ::-1].copy())[None],
                                  torch.tensor([b], dtype=torch.float32)))[0, 0].numpy()
        if np.allclose(arr, raw[0, 0].numpy(), atol=1e-5):
            problem, hint = "negative responses are still there.", "apply the ReLU: np.maximum(y, 0)"
        elif np.allclose(arr, np.maximum(raw[0, 0].numpy() - b, 0), atol=1e-5):
            problem, hint = "the bias is missing.", "add b before the ReLU"
        elif np.allclose(arr, flipped, atol=1e-5):
            problem, hint = "the filter is flipped (a mathematician's convolution).", "eq. 5 uses W[c, j] * x[c, i + j]"
        else:
            problem, hint = "the responses differ.", "y_i = max(0, sum(w * x[:, i:i + k]) + b)"
        return fb.wrong(problem, tried=call, got=_brief(arr), expected=_brief(expected), hint=hint)
    return fb.correct("equal to F.relu(F.conv1d(...)) (no padding) for widths from 1 to L and for positive "
                      "and negative biases.")


def _flatten_head_parameters(pool: int, length: int, hidden: int) -> int:
    """Trusted: a Linear layer on the flattened output of the CNN's last block, counted by PyTorch."""
    model = models.build("cnn", pool=pool)
    with torch.no_grad():
        h, _ = model.features(torch.zeros(1, 4, length), torch.tensor([length]))
    return models.count_parameters(nn.Linear(h.shape[1] * h.shape[2], hidden))


@_never_raises
def check_flatten_head(answer, length: int = 1000, hidden: int = 128) -> bool:
    """Exercise 05.2: ``answer = {4: ..., 1: ...}``, the parameters of a Keras-style head
    ``Linear(channels x positions, 128)`` after the course CNN's last block, with pool 4 and pool 1.
    """
    fb = _Feedback("05.2 no max-pooling")
    if answer is None:
        return fb.unanswered("set answer = {4: parameters with pool 4, 1: parameters with pool 1}")
    if not isinstance(answer, Mapping) or not {1, 4} <= set(answer):
        return fb.wrong("answer must be a dict with the keys 4 and 1 (the pooling factors).", got=_brief(answer))
    lines = []
    for pool in (4, 1):
        got = answer[pool]
        want = _flatten_head_parameters(pool, length, hidden)
        model = models.build("cnn", pool=pool)
        channels = model.features.out_channels
        positions = (want - hidden) // (channels * hidden)
        if not _is_int(got):
            return fb.wrong(f"answer[{pool}] must be a whole number.", got=_brief(got))
        if got != want:
            if got == want - hidden:
                problem, hint = "the bias of the Linear layer is missing.", f"+ {hidden} biases"
            elif got == channels * positions:
                problem, hint = "that is the number of inputs, not of weights.", f"each input has {hidden} weights"
            else:
                problem = f"with pool {pool} the last block has {channels} channels x {positions} positions."
                hint = "parameters = inputs x outputs + outputs"
            return fb.wrong(problem, tried=f"pool={pool}, length {length}", got=got, expected=want, hint=hint)
        lines.append(f"pool {pool}: {channels} x {positions} -> {want:,}")
    return fb.correct("; ".join(lines) + " parameters. Compare them with the whole course CNN's count.")


# ----------------------------------------------------------------------------------------------
# 06 LSTM and 07 GRU


@_never_raises
def check_cell_update(cell_update) -> bool:
    """Exercise 06.1: ``cell_update(f, i, g, c_prev)`` -> ``c_t`` (eq. 10), all ``(B, H)`` tensors.

    Compared with the cell state of ``dc.models.LSTMCell`` on random inputs and weights.
    """
    fb = _Feedback("06.1 eq. 10 yourself")
    if not _ready(fb, cell_update, "cell_update", "write cell_update(f, i, g, c_prev)"):
        return False
    gen = torch.Generator().manual_seed(6)
    cell = models.LSTMCell(4, 8)
    for n_case, batch in enumerate((3, 1)):
        x = torch.randn(batch, 4, generator=gen)
        h, c = torch.randn(batch, 8, generator=gen), 2 * torch.randn(batch, 8, generator=gen)
        with torch.no_grad():
            hx = torch.cat([h, x], dim=1)
            f, i = torch.sigmoid(cell.W_f(hx)), torch.sigmoid(cell.W_i(hx))
            g = torch.tanh(cell.W_g(hx))
            expected = cell(x, (h, c))[1]
            call = f"cell_update(f, i, g, c_prev) with random ({batch}, 8) tensors"
            ok, got = _call(cell_update, f.clone(), i.clone(), g.clone(), c.clone())
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered("your function cell_update still returns None: write eq. 10 in it")
            return fb.wrong("it returned None.", tried=call)
        got = torch.as_tensor(_as_array(got)) if not isinstance(got, torch.Tensor) else got.detach()
        if got.shape != expected.shape:
            return fb.wrong("wrong shape.", tried=call, got=tuple(got.shape), expected=tuple(expected.shape),
                            hint="all four tensors are (B, H): multiply element-wise with *, not @")
        if torch.allclose(got.float(), expected, atol=1e-6):
            continue
        known = {
            "the input gate must scale the candidate: i * g, not g alone.": f * c + g,
            "the forget and input gates are swapped.": i * c + f * g,
            "no tanh in eq. 10: tanh(C_t) only comes in eq. 12.": torch.tanh(f * c + i * g),
            "the old cell state must be scaled by the forget gate.": c + i * g,
        }
        problem = next((p for p, v in known.items() if torch.allclose(got.float(), v, atol=1e-6)),
                       "the new cell state differs from LSTMCell's.")
        return fb.wrong(problem, tried=call, got=_brief(got[0]), expected=_brief(expected[0]),
                        hint="C_t = f_t * C_{t-1} + i_t * C~_t (element-wise)")
    return fb.correct("the same C_t as dc.models.LSTMCell. It is a sum, not a product through a squashing "
                      "function: with f near 1 the gradient flows back along C almost unchanged.")


def _check_parameter_formula(fb: _Feedback, formula, name: str, layer, gates: int) -> bool:
    if not _ready(fb, formula, name, f"write {name}(input_size, hidden_size)"):
        return False
    for n_case, (n_in, hidden) in enumerate([(4, 64), (4, 16), (1, 1), (128, 32), (10, 3)]):
        call = f"{name}({n_in}, {hidden})"
        ok, got = _call(formula, n_in, hidden)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            if n_case == 0:
                return fb.unanswered(f"your function {name} still returns None: write the formula")
            return fb.wrong("it returned None.", tried=call)
        want = models.count_parameters(layer(n_in, hidden))
        if not _is_number(got) or got != want:
            H, In = hidden, n_in
            known = {
                gates * (H * In + H * H + H): "PyTorch keeps *two* bias vectors per gate (b_ih and b_hh).",
                gates * (H * In + H * H): "the biases are missing.",
                H * In + H * H + 2 * H: f"that is one gate; a layer has {gates}.",
                (4 if gates == 3 else 3) * (H * In + H * H + 2 * H):
                    f"wrong number of gate blocks: this layer has {gates}.",
            }
            return fb.wrong(known.get(got, "the count differs from PyTorch's."), tried=call, got=got,
                            expected=f"{want:,} (dc.models.count_parameters of the layer)",
                            hint="per gate: an H x I input matrix, an H x H recurrent matrix, two biases of H")
    return fb.correct(f"your formula matches PyTorch's count for every size tried, e.g. {name}(4, 64) = "
                      f"{models.count_parameters(layer(4, 64)):,}.")


@_never_raises
def check_lstm_parameters(lstm_parameters) -> bool:
    """Exercise 06.3: ``lstm_parameters(input_size, hidden_size)`` = parameters of ``nn.LSTM(I, H)``."""
    return _check_parameter_formula(_Feedback("06.3 hidden size"), lstm_parameters, "lstm_parameters",
                                    nn.LSTM, gates=4)


@_never_raises
def check_gru_parameters(gru_parameters) -> bool:
    """Exercise 07.1: ``gru_parameters(input_size, hidden_size)`` = parameters of ``nn.GRU(I, H)``."""
    return _check_parameter_formula(_Feedback("07.1 the parameter formula"), gru_parameters, "gru_parameters",
                                    nn.GRU, gates=3)


def _run_steps(step, cell, x: torch.Tensor):
    """Loop ``step(cell, x_t, h)`` over ``x`` ``(B, T, I)`` from ``h = 0`` -> ``(B, T, H)``."""
    h, outputs = torch.zeros(x.shape[0], cell.hidden_size), []
    for x_t in x.transpose(0, 1):
        h = step(cell, x_t, h)
        if h is None:
            return None
        outputs.append(torch.as_tensor(h))
    return torch.stack(outputs, dim=1)


def _negate_update_gate(gru: nn.GRU) -> nn.GRU:
    """A copy of a one-layer ``nn.GRU`` with the update gate's weights and biases negated."""
    out = copy.deepcopy(gru)
    H = gru.hidden_size
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(out, name)[H:2 * H].neg_()  # PyTorch's gate order: reset, update, candidate
    return out


@_never_raises
def check_swapped_step(swapped_step) -> bool:
    """Exercise 07.2: ``swapped_step(cell, x_t, h)`` = one GRU step with the paper's eq. 16,
    ``h_t = (1 - z) * h_{t-1} + z * candidate``, PyTorch's reset placement, ``cell`` a ``dc.models.GRUCell``.

    Trusted reference: ``nn.GRU`` with the update gate negated (``1 - sigmoid(a) = sigmoid(-a)``).
    """
    fb = _Feedback("07.2 swap the update-gate convention")
    if not _ready(fb, swapped_step, "swapped_step", "write swapped_step(cell, x_t, h)"):
        return False
    torch.manual_seed(7)
    gru = nn.GRU(4, 6, batch_first=True)
    cell = models.GRUCell(4, 6).copy_weights_from(gru)
    x = torch.randn(3, 5, 4)
    call = "swapped_step over a random (3, 5, 4) batch, from h = 0"
    with torch.no_grad():
        ok, got = _call(_run_steps, swapped_step, cell, x)
        if not ok:
            return fb.raised(got, call, hint="use the cell's layers: cell.W_z, cell.W_r, cell.W_xn, cell.W_hn")
        if got is None:
            return fb.unanswered("your function swapped_step still returns None: write the paper's eq. 16 in it")
        expected = _negate_update_gate(gru)(x)[0]
        pytorch = gru(x)[0]

        def textbook(cell_, x_t, h):
            hx = torch.cat([h, x_t], dim=1)
            z, r = torch.sigmoid(cell_.W_z(hx)), torch.sigmoid(cell_.W_r(hx))
            return (1 - z) * h + z * torch.tanh(cell_.W_xn(x_t) + cell_.W_hn(r * h))

        reset_before = _run_steps(textbook, cell, x)
    if got.shape != expected.shape:
        return fb.wrong("wrong shape of the states.", tried=call, got=tuple(got.shape),
                        expected=tuple(expected.shape))
    if torch.allclose(got.float(), expected, atol=1e-5):
        return fb.correct("over a random batch it gives exactly the states of nn.GRU with the update gate's "
                          "weights and bias negated. The next cell shows both comparisons for you to explain.")
    if torch.allclose(got.float(), pytorch, atol=1e-5):
        problem = "this is PyTorch's own convention, (1 - z) * candidate + z * h: nothing was swapped."
    elif torch.allclose(got.float(), reset_before, atol=1e-5):
        problem = "the update gate is swapped, but the reset gate acts before W_hn (the paper's eq. 15 candidate)."
    else:
        problem = "the states differ."
    return fb.wrong(problem, tried=call, got=_brief(got[0, -1]), expected=_brief(expected[0, -1]),
                    hint="candidate = tanh(W_xn(x_t) + r * W_hn(h)); h_t = (1 - z) * h + z * candidate")


# ----------------------------------------------------------------------------------------------
# 08 BiLSTM


@_never_raises
def check_to_5prime(to_5prime) -> bool:
    """Exercise 08.2: ``to_5prime(x)`` moves the padding of a 3'-padded one-hot batch ``(B, 4, L)``
    to the front of each row (same shape; the bases keep their order)."""
    fb = _Feedback("08.2 padding on the 5' side")
    if not _ready(fb, to_5prime, "to_5prime", "write to_5prime(x)"):
        return False
    seqs, length = ["ATGGCCTTAC", "GATTACA", "CCNGA", "ACGTACGTACGT", "T"], 12
    x = torch.from_numpy(encoding.one_hot(seqs, length=length))
    # trusted: eq. 1 on each reversed string puts the padding last; flipping the columns puts it first
    expected = torch.from_numpy(encoding.one_hot([s[::-1] for s in seqs], length=length)).flip(-1)
    call = f"to_5prime(x) with x = one_hot({seqs}, length={length})"
    ok, got = _call(to_5prime, x.clone())
    if not ok:
        return fb.raised(got, call, hint="dc.models.sequence_lengths(x) gives each row's real length")
    if got is None:
        return fb.unanswered("your function to_5prime still returns None: write its body")
    got = torch.as_tensor(_as_array(got)) if not isinstance(got, torch.Tensor) else got.detach()
    if got.shape != expected.shape:
        return fb.wrong("the shape must stay (B, 4, L).", tried=call, got=tuple(got.shape),
                        expected=tuple(expected.shape))
    if torch.equal(got.float(), expected):
        return fb.correct("every row now ends at the last column with its bases in order, and the N inside "
                          "CCNGA stayed where it was.")
    bad = [b for b in range(len(seqs)) if not torch.equal(got[b].float(), expected[b])]
    if torch.equal(got.float(), x.flip(-1)):
        problem = "flipping the positions also reverses each sequence; the bases must keep their order."
    elif 2 in bad and all(torch.equal(got[b].float(), expected[b]) for b in range(len(seqs)) if b != 2):
        problem = ("row 2 (CCNGA) is wrong: its N is an all-zero column inside the sequence, not padding. "
                   "Count only the zero columns after the last base.")
    else:
        problem = f"rows {bad} are wrong."
    return fb.wrong(problem, tried=call, got=_brief(got[bad[0]]), expected=_brief(expected[bad[0]]),
                    hint="roll row b right by L - length_b: torch.roll(x[b], int(L - lengths[b]), dims=-1)")


# ----------------------------------------------------------------------------------------------
# 09 hybrids


def _rnn_steps(pool: int, length: int) -> int:
    """Trusted: the number of steps the LSTM of cnn_lstm(pool=...) reads, measured on a zero input."""
    model = models.build("cnn_lstm", pool=pool)
    with torch.no_grad():
        h, _ = model.features(torch.zeros(1, 4, length), torch.tensor([length]))
    return h.shape[-1]


@_never_raises
def check_rnn_steps(answer, length: int = 1000) -> bool:
    """Exercise 09.1: ``answer = {2: steps, 8: steps}``, the steps the LSTM of ``cnn_lstm`` reads for a
    ``length``-base input with pooling factor 2 and 8 (measured by the check on the built models)."""
    fb = _Feedback("09.1 change the pooling factor")
    if answer is None:
        return fb.unanswered("set answer = {2: steps with pool 2, 8: steps with pool 8}")
    if not isinstance(answer, Mapping) or not {2, 8} <= set(answer):
        return fb.wrong("answer must be a dict with the keys 2 and 8.", got=_brief(answer))
    for pool in sorted(answer):
        got, want = answer[pool], _rnn_steps(pool, length)
        if not _is_number(got) or got != want:
            if _is_number(got) and np.isclose(got, length / pool**2):
                problem = "each pooling rounds *up* (ceil_mode): a last, shorter window still counts."
            elif _is_number(got) and got in (length // pool, -(-length // pool)):
                problem = "that is after one pooling; the hybrid has two convolution blocks, each pools."
            else:
                problem = "the number of steps differs."
            return fb.wrong(problem, tried=f"pool={pool}, {length} bases", got=got, expected=want,
                            hint="steps = ceil(ceil(L / p) / p)")
    summary = ", ".join(f"pool {p}: {_rnn_steps(p, length)}" for p in sorted(answer))
    return fb.correct(f"{summary} steps for {length:,} bases: the sequential work falls like 1/p^2.")


@_never_raises
def check_rnn_then_cnn(model_class) -> bool:
    """Exercise 09.2: the class ``RNNThenCNN``: ``(B, 4, L)`` -> ``(B, 7)`` with the LSTM reading every base
    first, gradients reaching both the LSTM and the convolutions."""
    fb = _Feedback("09.2 RNN first, CNN second")
    if model_class is None:
        return fb.unanswered("complete RNNThenCNN")
    ok, model = _call(model_class)
    if not ok:
        return fb.raised(model, f"{getattr(model_class, '__name__', 'the class')}()")
    if not isinstance(model, nn.Module):
        return fb.wrong("pass the class itself; calling it must build an nn.Module.", got=_brief(model))
    seqs, length = ["ATGGCCTTACGATTACA", "GATTACA", "CCGGATTTACGA"], 40
    x = torch.from_numpy(encoding.one_hot(seqs, length=length))
    seen = []
    rnns = [m for m in model.modules() if isinstance(m, nn.RNNBase)]
    hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(tuple(inp[0].shape))) for m in rnns]
    torch.manual_seed(9)
    model.train()
    call = f"RNNThenCNN()(x) with x of shape {tuple(x.shape)}"
    ok, out = _call(model, x)
    for hook in hooks:
        hook.remove()
    if not ok and isinstance(out, NotImplementedError):
        return fb.unanswered("complete the forward method of RNNThenCNN")
    if not ok:
        hints = {"input.size(-1)": "nn.LSTM(batch_first=True) wants (B, L, 4): x.transpose(1, 2)",
                 "expected input": "the convolutions want (B, H, L): transpose the LSTM output back"}
        hint = next((h for key, h in hints.items() if key in str(out)), None)
        return fb.raised(out, call, hint=hint)
    if not isinstance(out, torch.Tensor) or out.shape != (len(seqs), 7):
        return fb.wrong("the output must be (B, 7) class scores.", tried=call,
                        got=_brief(tuple(out.shape) if isinstance(out, torch.Tensor) else out),
                        expected=(len(seqs), 7), hint="end with self.head(masked_mean_max(...))")
    if not rnns or not seen:
        return fb.wrong("no recurrent layer ran in forward.", tried=call, hint="call self.rnn first")
    if seen[0] != (len(seqs), length, 4):
        return fb.wrong("the LSTM must read one step per base.", tried=call, got=f"LSTM input {seen[0]}",
                        expected=f"{(len(seqs), length, 4)} = (B, L, 4)")
    if not torch.isfinite(out).all():
        return fb.wrong("the scores contain NaN or inf.", tried=call, hint="lengths must be >= 1 for the mean")
    out.sum().backward()
    learning = {part: any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())
                for part, module in model.named_children() if part in ("rnn", "features")}
    dead = [part for part, ok in learning.items() if not ok]
    if dead:
        return fb.wrong(f"no gradient reaches self.{dead[0]}, so it would never learn.", tried=call,
                        hint="feed the LSTM's output (not x) to the convolutions, and their output to the head")
    return fb.correct(f"(B, 4, {length}) -> {tuple(out.shape)}, the LSTM reads one step per base, and the "
                      "gradients reach both the LSTM and the convolutions.")


# ----------------------------------------------------------------------------------------------
# 10 model comparison


@_never_raises
def check_threshold_sweep(threshold_sweep) -> bool:
    """Exercise 10.3: ``threshold_sweep(y, prob, thresholds)`` -> DataFrame, one row per threshold (in
    order) with the columns of ``dc.metrics.thresholded_metrics`` (precision, recall, f1, coverage)."""
    fb = _Feedback("10.3 a threshold sweep")
    if not _ready(fb, threshold_sweep, "threshold_sweep", "write threshold_sweep(y, prob, thresholds)"):
        return False
    rng = np.random.default_rng(10)
    logits = rng.normal(scale=2.0, size=(60, 4))
    prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 4, size=60)
    thresholds = [0.2, 0.5, 0.8, 0.999]
    call = f"threshold_sweep(y, prob, {thresholds}) on 60 random rows of 4 classes"
    ok, got = _call(threshold_sweep, y.copy(), prob.copy(), list(thresholds))
    if not ok:
        return fb.raised(got, call)
    if got is None:
        return fb.unanswered("your function threshold_sweep still returns None: write its body")
    if not isinstance(got, pd.DataFrame):
        return fb.wrong("the result must be a pandas DataFrame.", tried=call, got=type(got).__name__,
                        hint="collect one dict per threshold, then pd.DataFrame(rows)")
    expected = pd.DataFrame([metrics.thresholded_metrics(y, prob, threshold=t) for t in thresholds])
    missing = [c for c in expected.columns if c not in got.columns]
    if missing:
        return fb.wrong(f"columns missing: {missing}.", tried=call, got=list(got.columns),
                        hint="unpack the dict: {'threshold': t, **dc.metrics.thresholded_metrics(...)}")
    if len(got) != len(thresholds):
        return fb.wrong(f"{len(got)} rows for {len(thresholds)} thresholds.", tried=call,
                        hint="one row per threshold")
    values = got[expected.columns].to_numpy(dtype=float)
    if np.allclose(values, expected.to_numpy(), atol=1e-9):
        return fb.correct("every row equals dc.metrics.thresholded_metrics at its threshold, including a "
                          "threshold that no probability passes.")
    default = metrics.thresholded_metrics(y, prob)
    if np.allclose(values, np.tile([default[c] for c in expected.columns], (len(thresholds), 1))):
        return fb.wrong("every row is the same: the threshold was not passed on.", tried=call,
                        hint="thresholded_metrics(y, prob, threshold=t)")
    row = int(np.flatnonzero(~np.isclose(values, expected.to_numpy(), atol=1e-9).all(axis=1))[0])
    return fb.wrong(f"the row for threshold {thresholds[row]} differs.", tried=call,
                    got=got.iloc[row][list(expected.columns)].to_dict(),
                    expected=expected.iloc[row].to_dict())


# ----------------------------------------------------------------------------------------------
# 11 interpretability


class _TinyScorer(nn.Module):
    """A small fixed CNN, (B, 4, L) -> (B, 3) class scores, for checking attribution code."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 5, 5, padding=2)
        self.drop = nn.Dropout(0.5)  # makes a forgotten model.eval() visible
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        h = self.drop(torch.relu(self.conv(x)))
        return self.head(h.amax(dim=-1))


@_never_raises
def check_gradient_x_input(gradient_x_input) -> bool:
    """Exercise 11.4: ``gradient_x_input(model, x, target)`` -> ``(N, 4, L)`` attributions: the input
    ``x`` (float one-hot, ``(N, 4, L)``) times the gradient of output ``target[n]`` of row ``n`` with
    respect to ``x``, the model in eval mode. Compared with ``dc.interpret.saliency``."""
    from .. import interpret

    fb = _Feedback("11.4 gradient x input")
    if not _ready(fb, gradient_x_input, "gradient_x_input", "write gradient_x_input(model, x, target)"):
        return False
    torch.manual_seed(11)
    model = _TinyScorer().train()  # left in training mode on purpose, as after a training loop
    codes = encoding.encode_index(["ACGTTGCAAGTCCGATAGGC", "TTTACGGATCCAGTAACGTA", "GGGCCCATATGCGCAATTCG"])
    x = encoding.index_to_one_hot(torch.as_tensor(codes)).float()
    target = torch.tensor([2, 0, 1])
    call = "gradient_x_input(model, x, target) on 3 one-hot rows of 20 bp, target [2, 0, 1]"
    ok, got = _call(gradient_x_input, model, x.clone(), target.clone())
    model.eval()
    if not ok:
        return fb.raised(got, call, hint="torch.autograd.grad(scores.sum(), x) needs x.requires_grad_(True)")
    if got is None:
        return fb.unanswered("your function gradient_x_input still returns None: write its body")
    arr = _as_array(got)
    if arr is None or arr.shape != tuple(x.shape):
        return fb.wrong(f"the result must be an array of shape {tuple(x.shape)}, like x.", tried=call,
                        got=_brief(got) if arr is None else f"shape {arr.shape}")
    arr = arr.astype(np.float64)
    expected = interpret.saliency(model, x, target=target).astype(np.float64)

    def close(a):
        return np.allclose(arr, a, rtol=1e-4, atol=1e-6)

    if close(expected):
        return fb.correct("your attributions equal dc.interpret.saliency(model, x, target) on every row: "
                          "only the base present at each position gets a value.")
    plain = interpret.saliency(model, x, target=target, method="gradient").astype(np.float64)
    if close(plain):
        return fb.wrong("this is the plain gradient: the three absent bases of every column got a value.",
                        tried=call, hint="multiply the gradient by x")
    if close(np.abs(expected)):
        return fb.wrong("the values are all >= 0: the sign (up or down for the class) was lost.",
                        tried=call, hint="do not take the absolute value")
    xt = x.clone().requires_grad_(True)
    (all_grad,) = torch.autograd.grad(model(xt).sum(), xt)
    if close((all_grad * x).numpy()):
        return fb.wrong("this explains the sum of all class scores, not the target class of each row.",
                        tried=call, hint="scores = model(x)[torch.arange(len(x)), target]")
    pred = model(x).argmax(dim=1)
    if not torch.equal(pred, target) and close(interpret.saliency(model, x, target=pred).astype(np.float64)):
        return fb.wrong("this explains each row's predicted class, not the class given by target.",
                        tried=call, hint="select the scores with target")
    return fb.wrong("the attributions differ from x * d score_target / d x.", tried=call,
                    got=_brief(arr[0]), expected=_brief(expected[0]),
                    hint="model.eval(); x.requires_grad_(True); pick model(x)[arange(N), target]; "
                         "autograd.grad of their sum; multiply by x")
