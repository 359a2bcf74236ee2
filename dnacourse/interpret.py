"""Looking inside a trained model: saliency, in-silico mutagenesis, first-layer filters as PWMs.

    import dnacourse as dc
    idx = data.idx[:50]                                          # (N, L) uint8 codes, A0 C1 G2 T3 N4 PAD5
    sal = dc.interpret.saliency(model, idx, target=data.y[:50])  # (N, 4, L) gradient x input
    ism = dc.interpret.mutagenesis(model, idx)                   # (N, 4, L) effect of every substitution
    pwms, n_sites = dc.interpret.filter_pwms(model, data.idx)    # (F, 4, w) one PWM per first-layer filter
    dc.plots.sequence_logo(pwms[0])                              # information content, letters scaled

Three questions, three methods (all plain functions; every batch runs on the model's device):

* **saliency** -- how much does the output move if one input value moves a little? The gradient
  ``d f_t / d x`` (a first-order Taylor view), usually multiplied by the input ("gradient x input"),
  so that only the base that is really there gets a score.
* **in-silico mutagenesis (ISM)** -- what happens if we really change one base? Every single-base
  substitution is scored: ``f_t(mutant) - f_t(reference)``; ``(N, 4, L)``, zero at the reference base.
  Exact (no linear approximation), but it costs ``3 L`` forward passes per sequence.
* **first-layer filters -> PWMs** -- which input windows make a filter fire? Windows whose filter
  activation exceeds ``threshold`` times the filter's maximum over the data are stacked and their
  bases counted: one position weight matrix (PWM) per filter, plus the number of windows behind it.

And measurements against ground truth (``dc.data.make_motif_dataset`` plants known motifs):
``position_scores`` / ``top_positions`` / ``motif_hit_rate`` (is the top-attributed position inside
the planted motif, compared with chance?) and ``pwm_match`` / ``match_matrix`` (how similar is a
learned PWM to a planted one?).

Inputs: index codes or one-hot
------------------------------
``saliency`` and ``mutagenesis`` take either

* **codes** -- an integer ``(N, L)`` tensor/array of ``dnacourse.encoding`` codes (what
  ``SequenceData.idx`` holds), turned into model input by ``to_input`` (default
  ``dc.encoding.index_to_one_hot``; LegNet: ``dc.promoters.legnet_one_hot``). ISM mutates the *codes*
  and calls ``to_input`` on the mutants, so it works for any input format (4 channels, LegNet's 6);
  its effects are always in ACGT row order. ``to_input`` must encode every row on its own (extra
  channels such as LegNet's flags must not depend on the row's position in the batch).
* **one-hot** -- a float ``(N, C, L)`` tensor/array fed to the model as is. ISM then sets the first
  ``n_bases`` channels of one column to each base in turn and leaves the other channels alone (LegNet's
  reverse/singleton planes); effects come in the input's channel order.

Padding and N: which method is valid where
------------------------------------------
Sequences shorter than ``L`` are 3'-padded (code ``PAD_CODE``, an all-zero one-hot column), and an
unknown base ``N`` is an all-zero column too (``unknown=0``; LegNet uses 0.25 in each channel).

* **gradient x input** is exactly 0 wherever the input is 0 -- at every padding and ``N`` column --
  by construction, whatever the model does there. So it cannot tell you whether an ``N`` mattered; it
  only says that the (absent) base contributed nothing relative to the all-zero baseline. That
  implicit baseline (an all-zero column, "no base at all") is itself off the data distribution; a
  fairer reference for integrated-gradient style methods is the background frequency, 0.25 per base.
* the plain **gradient** is defined everywhere, also at padding, but it is only a local slope.
* **ISM** at a padding position does not perturb the sequence, it *lengthens* it: the course's models
  infer each row's length from its last non-zero column, so a base written into the padding makes a
  different, longer input. Such effects mean something else and must not be ranked next to real ones.
  Substituting an ``N`` by each base is meaningful (it fills the unknown in); its four effects are all
  non-zero, since there is no reference base.

Hence the ``mask`` argument, ``(N, L)`` bool (True = a real position) or ``(N,)`` integer lengths of
3'-padded rows. Positions outside the mask are not mutated (ISM skips them: faster too), their
attributions are set to 0, and ``top_positions``/``motif_hit_rate`` never rank them. For codes the
default mask is "every position that is not ``PAD_CODE``"; for one-hot input the default is all
positions (pass ``mask=dc.models.sequence_lengths(x)`` for 3'-padded one-hot rows).

Which output is explained (``target``): the model's raw output, before any softmax -- the logit of
a class (gradients of probabilities saturate and mix in the other classes). ``None`` explains each
row's predicted class (for a single-output regression model: that output); an ``int`` the same class
for every row; an ``(N,)`` array one class per row, e.g. the true labels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import encoding
from ._checks import check_int

__all__ = [
    "first_conv", "saliency", "mutagenesis", "filter_pwms", "position_scores", "top_positions",
    "motif_hit_rate", "pwm_match", "match_matrix", "Match", "information_content",
    "reverse_complement_pwm", "consensus",
]

_METHODS = ("gradient_x_input", "gradient")
_REDUCTIONS = ("sum", "abs_sum", "max_abs")


# ----------------------------------------------------------------------------------------------
# shared helpers


def _model_device(model: nn.Module, device) -> torch.device:
    if device is not None:
        return torch.device(device)
    for tensor in model.parameters():
        return tensor.device
    return torch.device("cpu")


def _as_tensor(x, what: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.require(x, requirements=("C", "W")))  # copies read-only arrays
    if isinstance(x, torch.Tensor):
        return x
    raise TypeError(f"{what} must be a torch tensor or a NumPy array, got {type(x).__name__}")


def _inputs(inputs, n_bases: int) -> tuple[torch.Tensor, bool]:
    """Return ``(tensor, is_codes)``: integer ``(N, L)`` codes or float ``(N, C, L)`` model input."""
    x = _as_tensor(inputs, "inputs")
    if x.is_floating_point():
        if x.ndim != 3:
            raise ValueError(f"one-hot inputs must be shaped (N, C, L), got {tuple(x.shape)} "
                             "(integer codes are shaped (N, L))")
        if x.shape[1] < n_bases:
            raise ValueError(f"the input has {x.shape[1]} channels, fewer than n_bases={n_bases}")
        return x.float(), False
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"inputs must be integer codes or float one-hot, got {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"codes must be shaped (N, L), got {tuple(x.shape)} (one-hot is (N, C, L))")
    if x.numel() and (x.min() < 0 or x.max() > encoding.PAD_CODE):
        raise ValueError(f"codes must be in 0..{encoding.PAD_CODE}, got {int(x.min())}..{int(x.max())}")
    return x.to(torch.uint8), True


def _real_mask(mask, x: torch.Tensor, is_codes: bool) -> torch.Tensor:
    """``(N, L)`` bool CPU tensor, True at positions that may be explained and ranked."""
    n, length = x.shape[0], x.shape[-1]
    if mask is None:
        if is_codes:
            return x.cpu() != encoding.PAD_CODE
        return torch.ones(n, length, dtype=torch.bool)
    return _mask_from(mask, n, length)


def _mask_from(mask, n: int, length: int) -> torch.Tensor:
    m = _as_tensor(mask, "mask").cpu()
    if m.dtype == torch.bool:
        if tuple(m.shape) != (n, length):
            raise ValueError(f"a bool mask must be shaped (N, L) = ({n}, {length}), got {tuple(m.shape)}")
        return m
    if m.is_floating_point() or m.ndim != 1:
        raise ValueError("mask must be an (N, L) bool array (True = real position) or (N,) integer "
                         f"lengths, got {m.dtype} {tuple(m.shape)}")
    if len(m) != n:
        raise ValueError(f"lengths has {len(m)} entries for {n} sequences")
    if m.numel() and (m.min() < 0 or m.max() > length):
        bad = int(torch.nonzero((m < 0) | (m > length))[0, 0])
        raise ValueError(f"lengths must be in 0..{length}, got {int(m[bad])} for sequence {bad}")
    return torch.arange(length) < m.long()[:, None]


def _targets(target, n: int) -> torch.Tensor | None:
    """None (explain the predicted class) or an ``(N,)`` int64 CPU tensor of output columns."""
    if target is None:
        return None
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return torch.full((n,), int(target), dtype=torch.long)
    t = _as_tensor(np.asarray(target) if isinstance(target, (list, tuple)) else target, "target").cpu()
    if t.is_floating_point() or t.dtype == torch.bool or t.ndim != 1 or len(t) != n:
        raise ValueError(f"target must be None, an int or {n} integer class numbers (one per sequence), "
                         f"got {t.dtype} {tuple(t.shape)}")
    return t.long()


def _select(out: torch.Tensor, cols: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The explained output of each row, ``(B,)``; also the columns used (predicted if ``cols`` is None)."""
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        if cols is not None and bool((cols != 0).any()):
            raise ValueError(f"the model has a single output, so target must be None or 0, got "
                             f"{int(cols[cols != 0][0])}")
        return out.reshape(-1), cols
    if out.ndim != 2:
        raise ValueError(f"expected model outputs shaped (B,) or (B, K), got {tuple(out.shape)}")
    if cols is None:
        cols = out.detach().argmax(dim=1)
    elif bool(((cols < 0) | (cols >= out.shape[1])).any()):
        bad = cols[(cols < 0) | (cols >= out.shape[1])][0]
        raise ValueError(f"target {int(bad)} is not an output of the model (it has {out.shape[1]}: 0..{out.shape[1] - 1})")
    return out.gather(1, cols.to(out.device)[:, None])[:, 0], cols


class _EvalMode:
    """``with _EvalMode(model):`` -- evaluation mode inside, the previous mode restored afterwards."""

    def __init__(self, model: nn.Module):
        self.model, self.was_training = model, model.training

    def __enter__(self):
        self.model.eval()

    def __exit__(self, *exc):
        self.model.train(self.was_training)


# ----------------------------------------------------------------------------------------------
# saliency


def saliency(model: nn.Module, inputs, target=None, *, method: str = "gradient_x_input", mask=None,
             to_input=None, batch_size: int = 128, device=None) -> np.ndarray:
    """Gradient (x input) of one model output with respect to the input: ``(N, C, L)`` float32 NumPy.

    ``inputs``: codes ``(N, L)`` (made into model input by ``to_input``, default one-hot) or a float
    model input ``(N, C, L)``. ``target``: which output to explain (None = each row's predicted class,
    an int, or ``(N,)`` class numbers; see the module docstring). ``method``:

    * ``"gradient_x_input"`` (default): ``x * d f_t / d x``. For one-hot input only the base that is
      there gets a value: its first-order contribution relative to an all-zero column. Zero at padding
      and ``N`` columns by construction.
    * ``"gradient"``: ``d f_t / d x``, the plain slope, defined for all four bases everywhere.

    ``mask``: ``(N, L)`` bool or ``(N,)`` lengths; positions outside it are set to 0 (default for codes:
    every non-padding position). ``C`` is the model's input width (4, or 6 for LegNet: the first four
    channels are the bases, in ``to_input``'s alphabet order). The model runs in eval mode.

    >>> net = nn.Sequential(nn.Conv1d(4, 1, 3), nn.Flatten(), nn.LazyLinear(2))
    >>> s = saliency(net, encoding.encode_index(["ACGTAC", "GGA"]), target=1)
    >>> s.shape, bool((s[1, :, 3:] == 0).all())    # the padding of the short row gets nothing
    ((2, 4, 6), True)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    batch_size = check_int(batch_size, "batch_size")
    x_all, is_codes = _inputs(inputs, 0)
    mask = _real_mask(mask, x_all, is_codes)
    cols = _targets(target, len(x_all))
    to_input = encoding.index_to_one_hot if to_input is None else to_input
    device = _model_device(model, device)
    out = []
    with _EvalMode(model):
        for start in range(0, len(x_all), batch_size):
            chunk = x_all[start:start + batch_size].to(device)
            x = (to_input(chunk) if is_codes else chunk).detach().float().requires_grad_(True)
            score, _ = _select(model(x), None if cols is None else cols[start:start + batch_size])
            (grad,) = torch.autograd.grad(score.sum(), x)
            attr = grad * x if method == "gradient_x_input" else grad
            attr = attr * mask[start:start + batch_size, None, :].to(device)
            out.append(attr.detach().cpu())
    if not out:
        raise ValueError("no sequences to explain")
    return torch.cat(out).numpy()


# ----------------------------------------------------------------------------------------------
# in-silico mutagenesis


@torch.no_grad()
def mutagenesis(model: nn.Module, inputs, target=None, *, mask=None, n_bases: int = 4, to_input=None,
                batch_size: int = 512, device=None) -> np.ndarray:
    """In-silico mutagenesis: the effect of every single-base substitution, ``(N, n_bases, L)`` float32.

    ``effects[n, b, i] = f_t(row n with base b at position i) - f_t(row n)`` for the explained output
    ``f_t`` (``target``: None = each row's predicted class of the *reference* sequence, an int, or
    ``(N,)`` class numbers). The entry of the reference base is 0. All mutants of all rows are made on
    the device and scored ``batch_size`` at a time (``3 L`` forward passes per sequence).

    ``inputs``: codes ``(N, L)`` -- the codes are mutated and ``to_input`` (default one-hot) turns each
    batch of mutants into model input; rows are A, C, G, T -- or a float one-hot input ``(N, C, L)``
    whose first ``n_bases`` channels are the bases (the other channels, e.g. LegNet's flag planes, are
    left as they are); rows follow the channel order. An ``N`` position has no reference base: all
    ``n_bases`` substitutions are scored.

    ``mask``: ``(N, L)`` bool or ``(N,)`` lengths. Positions outside are not mutated and get 0 (default
    for codes: every non-padding position; see the module docstring for why padding must be left out).

    >>> net = nn.Sequential(nn.Conv1d(4, 1, 3), nn.Flatten(), nn.LazyLinear(1))
    >>> e = mutagenesis(net, encoding.encode_index(["ACGTAC"]))
    >>> e.shape, bool(e[0, 0, 0] == 0)              # position 0 is an A: no change
    ((1, 4, 6), True)
    """
    n_bases = check_int(n_bases, "n_bases")
    batch_size = check_int(batch_size, "batch_size")
    x_all, is_codes = _inputs(inputs, n_bases)
    if is_codes and n_bases != 4:
        raise ValueError(f"codes have 4 bases (A, C, G, T); n_bases={n_bases} only applies to one-hot input")
    mask = _real_mask(mask, x_all, is_codes)
    cols = _targets(target, len(x_all))
    to_input = encoding.index_to_one_hot if to_input is None else to_input
    device = _model_device(model, device)
    x_all = x_all.to(device)
    n, length = x_all.shape[0], x_all.shape[-1]
    if n == 0:
        raise ValueError("no sequences to explain")

    def forward(batch):
        return model(to_input(batch) if is_codes else batch)

    with _EvalMode(model):
        # reference outputs, and the output column each row is explained by
        ref_scores, ref_cols = [], []
        for start in range(0, n, batch_size):
            part = None if cols is None else cols[start:start + batch_size]
            score, used = _select(forward(x_all[start:start + batch_size]), part)
            ref_scores.append(score.float())
            ref_cols.append(None if used is None else used.cpu())
        ref_score = torch.cat(ref_scores)                                     # (N,)
        cols = None if ref_cols[0] is None else torch.cat(ref_cols)           # (N,) or None

        # the reference base of every position (-1: none, i.e. N or a not-one-hot column)
        if is_codes:
            ref_base = x_all.long().where(x_all < 4, torch.full_like(x_all, -1, dtype=torch.long))
        else:
            bases = x_all[:, :n_bases]
            is_one_hot = (bases.sum(dim=1) == 1) & (bases.amax(dim=1) == 1)
            ref_base = torch.where(is_one_hot, bases.argmax(dim=1), torch.full_like(is_one_hot, -1, dtype=torch.long))

        # every (row, position, base) to score: unmasked positions, bases other than the reference
        rows, positions = torch.nonzero(mask.to(device), as_tuple=True)
        rows = rows.repeat_interleave(n_bases)
        positions = positions.repeat_interleave(n_bases)
        new_base = torch.arange(n_bases, device=device).repeat(len(rows) // n_bases)
        keep = new_base != ref_base[rows, positions]
        rows, positions, new_base = rows[keep], positions[keep], new_base[keep]

        effects = torch.zeros(n, n_bases, length, device=device)
        for start in range(0, len(rows), batch_size):
            r = rows[start:start + batch_size]
            p = positions[start:start + batch_size]
            b = new_base[start:start + batch_size]
            mutant = x_all[r].clone()
            k = torch.arange(len(r), device=device)
            if is_codes:
                mutant[k, p] = b.to(mutant.dtype)
            else:
                mutant[k, :n_bases, p] = 0.0
                mutant[k, b, p] = 1.0
            score, _ = _select(forward(mutant), None if cols is None else cols[r.cpu()])
            effects[r, b, p] = score.float() - ref_score[r]
    return effects.cpu().numpy()


# ----------------------------------------------------------------------------------------------
# ranking positions, and the fraction that falls inside a planted motif


def position_scores(attributions, reduce: str = "sum") -> np.ndarray:
    """One importance score per position: ``(N, C, L)`` -> ``(N, L)``.

    * ``"sum"``: the signed sum over channels. For gradient x input on one-hot data this is the
      contribution of the base that is there (positive = supports the explained output).
    * ``"abs_sum"``: the sum of absolute values over channels.
    * ``"max_abs"``: the largest absolute value over channels -- for ISM, "how much can one
      substitution here change the output?".

    >>> position_scores(np.array([[[1.0, -2.0], [0.5, 0.0]]]), "max_abs")
    array([[1., 2.]])
    """
    a = np.asarray(attributions)
    if a.ndim != 3:
        raise ValueError(f"attributions must be shaped (N, C, L), got {a.shape}")
    if reduce == "sum":
        return a.sum(axis=1)
    if reduce == "abs_sum":
        return np.abs(a).sum(axis=1)
    if reduce == "max_abs":
        return np.abs(a).max(axis=1)
    raise ValueError(f"reduce must be one of {_REDUCTIONS}, got {reduce!r}")


def top_positions(scores, k: int, mask=None) -> np.ndarray:
    """The ``k`` highest-scoring positions of each row, best first: ``(N, L)`` -> ``(N, k)`` int64.

    Positions outside ``mask`` (``(N, L)`` bool or ``(N,)`` lengths) are never chosen; if a row has
    fewer than ``k`` real positions the rest of its row is -1. Ties go to the leftmost position.

    >>> top_positions(np.array([[0.1, 0.9, 0.5, 3.0]]), 2, mask=np.array([3]))
    array([[1, 2]])
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(f"scores must be shaped (N, L), got {s.shape}")
    k = check_int(k, "k")
    real = np.ones(s.shape, dtype=bool) if mask is None else _mask_from(mask, *s.shape).numpy()
    ranked = np.where(real, s, -np.inf)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
    order = np.where(np.take_along_axis(real, order, axis=1), order, -1)
    if order.shape[1] < k:  # k > L
        order = np.pad(order, ((0, 0), (0, k - order.shape[1])), constant_values=-1)
    return order


def motif_hit_rate(scores, starts, ends, k: int | None = None, mask=None) -> tuple[float, float]:
    """How often the top-``k`` positions fall inside the planted motif, and what chance would give.

    ``scores``: ``(N, L)`` (``position_scores`` of an attribution); ``starts``/``ends``: ``(N,)``
    motif coordinates (0-based, end exclusive, e.g. ``df.motif_start``/``df.motif_end`` of
    ``make_motif_dataset``); ``k``: positions taken per row (default: the motif's own length, so a
    perfect method scores 1.0). Returns ``(fraction, chance)``: the mean over rows of the share of the
    top-``k`` positions inside the motif, and the same share for ``k`` positions drawn at random
    among the row's real positions (motif length / number of real positions).

    >>> motif_hit_rate(np.array([[0, 5, 4, 0, 0, 0, 0, 0]]), [1], [3])
    (1.0, 0.25)
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(f"scores must be shaped (N, L), got {s.shape}")
    n, length = s.shape
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    if starts.shape != (n,) or ends.shape != (n,):
        raise ValueError(f"starts and ends need one entry per row ({n}), got {starts.shape} and {ends.shape}")
    bad = np.flatnonzero((starts < 0) | (ends <= starts) | (ends > length))
    if bad.size:
        i = bad[0]
        raise ValueError(f"row {i}: motif [{starts[i]}, {ends[i]}) is not a non-empty interval inside 0..{length}")
    real = np.ones(s.shape, dtype=bool) if mask is None else _mask_from(mask, n, length).numpy()
    widths = ends - starts
    k_max = int(widths.max()) if k is None else check_int(k, "k")
    top = top_positions(s, k_max, mask=real)                                   # (N, k_max)
    ks = widths if k is None else np.full(n, k_max)
    taken = np.arange(k_max)[None, :] < ks[:, None]
    inside = (top >= starts[:, None]) & (top < ends[:, None]) & (top >= 0) & taken
    fraction = float(np.mean(inside.sum(axis=1) / ks))
    n_real = real.sum(axis=1)
    motif_real = np.array([real[i, starts[i]:ends[i]].sum() for i in range(n)])
    chance = float(np.mean(motif_real / np.maximum(n_real, 1)))
    return fraction, chance


# ----------------------------------------------------------------------------------------------
# first-layer filters -> PWMs


def first_conv(model: nn.Module) -> nn.Conv1d:
    """The first ``nn.Conv1d`` in ``model.modules()`` (definition order), e.g. block 1 of ``dc.models.CNN``.

    >>> first_conv(nn.Sequential(nn.Conv1d(4, 8, 9), nn.ReLU(), nn.Conv1d(8, 8, 3))).out_channels
    8
    """
    for module in model.modules():
        if isinstance(module, nn.Conv1d):
            return module
    raise ValueError(f"{type(model).__name__} has no nn.Conv1d layer: filter PWMs need a convolutional first layer")


@torch.no_grad()
def filter_pwms(model: nn.Module, inputs, threshold: float = 0.5, *, mask=None, n_bases: int = 4,
                to_input=None, conv: nn.Conv1d | None = None, batch_size: int = 256,
                device=None) -> tuple[np.ndarray, np.ndarray]:
    """One PWM per first-layer filter, from the input windows that make the filter fire.

    For every filter ``f`` of ``conv`` (default ``first_conv(model)``, which must read the model input
    directly) its activation is the raw convolution ``z_f,i = sum_c,j W_f,c,j x_c,i+j + b_f`` over the
    windows that lie fully inside the real part of a sequence (no edge zero-padding, no window touching
    a masked position). With ``m_f`` = the largest ``z_f`` over all ``inputs``, every window with
    ``z_f,i > threshold * m_f`` is collected, and its one-hot bases (the first ``n_bases`` channels) are
    added up; each column is divided by its total. A filter whose ``m_f <= 0`` never fires: no windows,
    a uniform PWM. The raw convolution is used, not the activation after BatchNorm/ReLU, so the result
    depends only on the filter itself.

    Returns ``(pwms, n_sites)``: ``(F, n_bases, w)`` float32 (rows in the input's channel order, columns
    summing to 1) and ``(F,)`` int64, the number of windows behind each PWM (few windows: a noisy PWM).
    ``inputs``, ``mask``, ``to_input``: as in ``mutagenesis`` (codes default to one-hot, padding masked).

    >>> net = nn.Sequential(nn.Conv1d(4, 2, 3), nn.Flatten())
    >>> pwms, n_sites = filter_pwms(net, encoding.encode_index(["ACGTACGTAC", "TTGACA"]))
    >>> pwms.shape, n_sites.shape, np.allclose(pwms.sum(axis=1), 1)
    ((2, 4, 3), (2,), True)
    """
    if not isinstance(threshold, (int, float, np.floating)) or not 0 <= threshold < 1:
        raise ValueError(f"threshold must be a fraction in [0, 1), got {threshold!r}")
    n_bases = check_int(n_bases, "n_bases")
    batch_size = check_int(batch_size, "batch_size")
    conv = first_conv(model) if conv is None else conv
    if conv.groups != 1 or conv.dilation[0] != 1 or conv.stride[0] != 1:
        raise ValueError(f"filter_pwms expects a plain convolution (groups=1, dilation=1, stride=1), got {conv}")
    x_all, is_codes = _inputs(inputs, n_bases)
    mask = _real_mask(mask, x_all, is_codes)
    to_input = encoding.index_to_one_hot if to_input is None else to_input
    device = _model_device(model, device)
    weight = conv.weight.detach().float().to(device)                           # (F, C, w)
    bias = None if conv.bias is None else conv.bias.detach().float().to(device)
    n_filters, width = weight.shape[0], weight.shape[-1]
    if x_all.shape[-1] < width:
        raise ValueError(f"sequences of length {x_all.shape[-1]} are shorter than the filter width {width}")

    def activations(start):
        chunk = x_all[start:start + batch_size].to(device)
        x = (to_input(chunk) if is_codes else chunk).float()
        if x.shape[1] != weight.shape[1]:
            raise ValueError(f"the first convolution reads {weight.shape[1]} channels but the input has "
                             f"{x.shape[1]}: is {type(conv).__name__} really the first layer?")
        z = F.conv1d(x, weight, bias)                                          # (B, F, P), P = L - w + 1
        valid = mask[start:start + batch_size].to(device).float().unfold(1, width, 1).amin(dim=-1) > 0
        return x, z.masked_fill(~valid[:, None, :], -torch.inf)

    largest = torch.full((n_filters,), -torch.inf, device=device)
    for start in range(0, len(x_all), batch_size):
        largest = torch.maximum(largest, activations(start)[1].amax(dim=(0, 2)))
    cutoff = torch.where(largest > 0, threshold * largest, torch.full_like(largest, torch.inf))

    counts = torch.zeros(n_filters, n_bases, width, device=device)
    n_sites = torch.zeros(n_filters, dtype=torch.long, device=device)
    for start in range(0, len(x_all), batch_size):
        x, z = activations(start)
        fires = z > cutoff[None, :, None]                                       # (B, F, P)
        windows = x[:, :n_bases].unfold(2, width, 1)                           # (B, n_bases, P, w)
        counts += torch.einsum("bfp,bcpw->fcw", fires.float(), windows)
        n_sites += fires.sum(dim=(0, 2))
    totals = counts.sum(dim=1, keepdim=True)
    pwms = torch.where(totals > 0, counts / totals.clamp(min=1e-12), torch.full_like(counts, 1.0 / n_bases))
    return pwms.cpu().numpy().astype(np.float32), n_sites.cpu().numpy()


# ----------------------------------------------------------------------------------------------
# comparing PWMs


def _check_pwm(pwm, what: str) -> np.ndarray:
    p = np.asarray(pwm, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != 4 or p.shape[1] < 1:
        raise ValueError(f"{what} must be a PWM shaped (4, width), got {p.shape}")
    if (p < 0).any() or not np.allclose(p.sum(axis=0), 1, atol=1e-3):
        raise ValueError(f"{what} must hold probabilities (>= 0, each column summing to 1)")
    return p


def reverse_complement_pwm(pwm) -> np.ndarray:
    """The PWM of the opposite strand: columns reversed, A<->T and C<->G (rows in ACGT order).

    >>> consensus(reverse_complement_pwm(np.eye(4)[:, [0, 0, 2]]))    # AAG -> CTT
    'CTT'
    """
    p = np.asarray(pwm)
    if p.ndim != 2 or p.shape[0] != 4:
        raise ValueError(f"pwm must be shaped (4, width) with rows A, C, G, T, got {p.shape}")
    return p[::-1, ::-1].copy()


def consensus(pwm, alphabet: str = "ACGT") -> str:
    """The most likely base of every column: ``(4, w)`` -> a string of length ``w``.

    >>> consensus(np.array([[0.7, 0.1], [0.1, 0.1], [0.1, 0.1], [0.1, 0.7]]))
    'AT'
    """
    p = np.asarray(pwm)
    if p.ndim != 2 or p.shape[0] != len(alphabet):
        raise ValueError(f"pwm must be shaped ({len(alphabet)}, width), got {p.shape}")
    return "".join(alphabet[i] for i in p.argmax(axis=0))


def information_content(pwm, background=None) -> np.ndarray:
    """Information content of every column in bits: ``(4, w)`` -> ``(w,)``.

    ``IC_j = sum_b p_b,j log2(p_b,j / q_b)`` with background ``q`` (default uniform 0.25, so
    ``IC_j = 2 - H_j``): 2 bits for a column with one certain base, 0 for a uniform column. A sequence
    logo draws letter ``b`` of column ``j`` with height ``p_b,j * IC_j``.

    >>> information_content(np.array([[1.0, 0.25], [0, 0.25], [0, 0.25], [0, 0.25]])).tolist()
    [2.0, 0.0]
    """
    p = np.asarray(pwm, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 2:
        raise ValueError(f"pwm must be shaped (n_bases, width), got {p.shape}")
    q = np.full(p.shape[0], 1.0 / p.shape[0]) if background is None else np.asarray(background, dtype=np.float64)
    if q.shape != (p.shape[0],) or (q <= 0).any():
        raise ValueError(f"background must hold {p.shape[0]} positive frequencies, got {q}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p / q[:, None]), 0.0)
    return terms.sum(axis=0)


class Match(NamedTuple):
    """Best alignment of two PWMs: Pearson ``r``, ``offset`` (``a[:, offset + j]`` faces column ``j``
    of ``b``, or of its reverse complement when ``strand == "-"``) and ``overlap`` (columns compared)."""

    r: float
    offset: int
    strand: str
    overlap: int


def pwm_match(a, b, min_overlap: int = 1, both_strands: bool = True) -> Match:
    """How similar two PWMs are: the best Pearson correlation over offsets (and both strands).

    ``a`` ``(4, wa)`` and ``b`` ``(4, wb)`` hold probabilities (rows A, C, G, T). At every offset where
    at least ``min_overlap`` columns overlap, both PWMs are padded with uniform columns (0.25 each: no
    preference) to their common span, flattened and correlated; with ``both_strands`` the same is
    done against the reverse complement of ``b`` (a filter may learn either strand). Equivalently
    ``r = sum_overlap (a - 1/4)(b - 1/4) / sqrt(sum_all (a - 1/4)^2 * sum_all (b - 1/4)^2)``.

    The score is in [-1, 1]: 1 = the same base preferences, ~0 = unrelated. Uniform columns cost
    nothing, so a filter is not penalised for flat flanks, but informative columns that face nothing
    (a partial overlap, an extra half-motif) lower the score; a PWM with no preference at all scores 0.
    Why Pearson and not, e.g., a KL divergence: it is bounded, symmetric and insensitive to how sharp
    a PWM is (a PWM counted from a few hundred windows is blurrier than the planted one but prefers the
    same bases).

    >>> p = np.eye(4)[:, [0, 1, 2, 3, 3, 0]] * 0.9 + 0.025          # ACGTTA, mostly
    >>> pwm_match(p, p).r
    1.0
    >>> m = pwm_match(p, reverse_complement_pwm(p)[:, 1:5])         # 4 of its 6 columns, other strand
    >>> round(m.r, 3), m.offset, m.strand, m.overlap                # r = 4 / sqrt(6 * 4)
    (0.816, 1, '-', 4)
    """
    a, b = _check_pwm(a, "a"), _check_pwm(b, "b")
    wa, wb = a.shape[1], b.shape[1]
    min_overlap = check_int(min_overlap, "min_overlap")
    if min_overlap > min(wa, wb):
        raise ValueError(f"min_overlap={min_overlap} exceeds the narrower PWM's width ({min(wa, wb)})")
    da = a - 0.25
    norm_a = (da * da).sum()
    best = Match(-np.inf, 0, "+", 0)
    candidates = [("+", b)] + ([("-", reverse_complement_pwm(b))] if both_strands else [])
    for strand, other in candidates:
        db = other - 0.25
        denominator = np.sqrt(norm_a * (db * db).sum())
        for offset in range(min_overlap - wb, wa - min_overlap + 1):
            lo, hi = max(0, offset), min(wa, offset + wb)
            numerator = (da[:, lo:hi] * db[:, lo - offset:hi - offset]).sum()
            r = float(numerator / denominator) if denominator > 1e-12 else 0.0
            if r > best.r + 1e-12:
                best = Match(round(r, 12), offset, strand, hi - lo)
    return best


def match_matrix(learned, planted, min_overlap: int = 1, both_strands: bool = True) -> np.ndarray:
    """``pwm_match(...).r`` of every learned PWM against every planted one: ``(F, P)`` float64.

    ``learned``: ``(F, 4, w)`` array or list of ``(4, w)``; ``planted``: list of ``(4, w_p)`` (widths
    may differ). Read the best filter for planted motif ``p`` as ``m[:, p].max()``.

    >>> m = match_matrix(np.stack([np.full((4, 3), 0.25), np.eye(4)[:, :3]]), [np.eye(4)[:, :3]])
    >>> m.round(3).tolist()
    [[0.0], [1.0]]
    """
    return np.array([[pwm_match(f, p, min_overlap, both_strands).r for p in planted] for f in learned])
