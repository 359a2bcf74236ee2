"""Exercise checks of notebooks 12-18, the promoter track (promoter data, LegNet, dilation, embedding,
transformer and LSTM necks, the summary's seed count).

Every check prints its verdict and returns True or False; it never raises (see ``feedback``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from .. import encoding, legnet, models
from ..promoters import soft_labels
from .feedback import _brief, _call, _Feedback, _is_int, _is_number, _never_raises, _ready

__all__ = [
    # 12 promoter data
    "check_expected_bins",
    "check_n_pad",
    # 13 LegNet
    "check_se_parameters",
    # 14 LegNet with dilation
    "check_dilation_fields",
    # 15 LegNet with an embedding
    "check_linear_embedding",
    # 16 LegNet with a transformer
    "check_no_position_neck",
    # 17 LegNet with an LSTM
    "check_reversed_neck",
    # 18 summary
    "check_seeds_needed",
]


# ----------------------------------------------------------------------------------------------
# 12 promoter data

_EXPECTED_BIN_LABELS = (0.0, 0.5, 8.0, 16.5, 17.0)


@_never_raises
def check_expected_bins(answer, sd: float = 0.5) -> bool:
    """Exercise 12.1: ``answer = {y: expected bin of soft_labels(y, sd=0.5)}`` for y = 0, 0.5, 8, 16.5
    and 17, the expected bin being ``sum_i i * P(bin i)`` with bins numbered 0..17."""
    fb = _Feedback("12.1 the expected bin")
    if answer is None:
        return fb.unanswered("set answer = {y: expected bin} for y = 0, 0.5, 8, 16.5 and 17")
    labels = list(_EXPECTED_BIN_LABELS)
    if not isinstance(answer, Mapping):
        return fb.wrong("answer must be a dict {y: expected bin}.", got=_brief(answer),
                        hint="answer = {y: float(...) for y in (0, 0.5, 8, 16.5, 17)}")
    missing = [y for y in labels if not any(_is_number(k) and float(k) == y for k in answer)]
    if missing:
        return fb.wrong(f"labels missing from the keys: {missing}.", got=sorted(answer, key=str),
                        hint="the keys are the labels y themselves")
    got = {}
    for k, v in answer.items():
        if _is_number(k) and float(k) in labels:
            value = v.item() if isinstance(v, (torch.Tensor, np.ndarray)) and np.size(v) == 1 else v
            if not _is_number(value):
                return fb.wrong(f"the value for y = {k} must be one number.", got=_brief(v))
            got[float(k)] = float(value)
    p = soft_labels(labels, sd=sd).double()
    bins = torch.arange(p.shape[1], dtype=torch.float64)
    expected = dict(zip(labels, (p * bins).sum(dim=1).tolist(), strict=True))
    g = np.array([got[y] for y in labels])
    e = np.array([expected[y] for y in labels])
    if np.allclose(g, e, atol=1e-3):
        return fb.correct("these are the expected bins of dc.promoters.soft_labels with sd = 0.5, bins "
                          "numbered 0 to 17.")
    if np.allclose(g, labels, atol=1e-3):
        return fb.wrong("these are the labels y themselves, not the expected bins of their soft labels.",
                        got=got, hint="sum(i * P(bin i)) over the 18 bins of soft_labels(y)")
    if np.allclose(g, e + 1, atol=1e-3):
        return fb.wrong("every value is 1 too high: the bins are numbered from 1 instead of from 0.",
                        got=got, hint="torch.arange(18), not torch.arange(1, 19)")
    if np.allclose(g, p.argmax(dim=1).numpy(), atol=1e-3):
        return fb.wrong("these are the most likely bins (argmax), not the expected bins.", got=got,
                        hint="weight every bin number by its probability and add up")
    other = {s: (soft_labels(labels, sd=s).double() * bins).sum(dim=1).numpy() for s in (0.25, 1.0)}
    for s, values in other.items():
        if np.allclose(g, values, atol=1e-3):
            return fb.wrong(f"these are the expected bins for sd = {s}, not 0.5.", got=got)
    bad = [y for y in labels if abs(got[y] - expected[y]) > 1e-3]
    return fb.wrong(f"the expected bin is off for y = {bad}.", got={y: got[y] for y in bad},
                    expected={y: round(expected[y], 4) for y in bad},
                    hint="p = dc.promoters.soft_labels([y], sd=0.5)[0]; (p * torch.arange(18)).sum()")


@_never_raises
def check_n_pad(n_pad) -> bool:
    """Exercise 12.2: ``n_pad(read, length=150)`` -> the read with ``N`` in front, exactly ``length`` nt
    (a longer read loses bases on its 5' side). Compared with ``dc.encoding.pad_or_truncate`` on the
    reversed read."""
    fb = _Feedback("12.2 padding with N")
    if not _ready(fb, n_pad, "n_pad", "write n_pad(read, length=150)"):
        return False
    rng = np.random.default_rng(12)
    cases = [("".join(rng.choice(list("ACGT"), n)), length)
             for n, length in [(110, 150), (104, 150), (150, 150), (7, 12), (15, 12)]]
    for read, length in cases:
        call = f"n_pad({read[:8] + '...' if len(read) > 12 else read!r}, length={length})  # {len(read)} nt"
        if len(read) <= 12:
            call = f"n_pad({read!r}, length={length})"
        ok, got = _call(n_pad, read, length)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            return fb.unanswered("your function n_pad still returns None: write its body")
        expected = encoding.pad_or_truncate(read[::-1], length)[::-1]
        if not isinstance(got, str):
            return fb.wrong("n_pad must return a string.", tried=call, got=_brief(got))
        if got == expected:
            continue
        if got == encoding.pad_or_truncate(read, length):
            return fb.wrong("the Ns went on the 3' end (after the read); LegNet's padding goes in front, on "
                            "the 5' side.", tried=call, got=got[-20:], hint='"N" * (length - len(read)) + read')
        if len(got) != length:
            return fb.wrong(f"the result has {len(got)} nt, not length = {length}.", tried=call,
                            hint="a read longer than length must lose bases on its 5' side: read[-length:]")
        if len(read) > length and got == read[:length]:
            return fb.wrong("a long read lost bases at its 3' end; cut on the 5' side instead, the end next "
                            "to the padding.", tried=call, got=got, expected=expected)
        return fb.wrong("the padded read differs.", tried=call, got=got, expected=expected)
    return fb.correct("short reads get Ns in front, reads of exactly 150 nt are unchanged and longer ones "
                      "lose bases on the 5' side.")


# ----------------------------------------------------------------------------------------------
# 13 LegNet


@_never_raises
def check_se_parameters(answer, widths: Mapping | None = None) -> bool:
    """Exercise 13.1: ``answer = {"legnet": parameters, "plain": parameters}`` of
    ``dc.models.build("legnet", se=..., **widths)`` for both squeeze-excite kinds (``widths``: the
    notebook's ``WIDTHS``; default ``{}``, the DREAM widths)."""
    fb = _Feedback("13.1 the cost of the bilinear term")
    if answer is None:
        return fb.unanswered('set answer = {"legnet": parameters, "plain": parameters}')
    widths = dict(widths or {})
    if _is_int(answer):
        return fb.wrong("answer must be a dict with both counts, not one number.", got=answer,
                        hint='answer = {"legnet": ..., "plain": ...}')
    if not isinstance(answer, Mapping) or set(answer) != {"legnet", "plain"}:
        return fb.wrong('answer must be a dict with the keys "legnet" and "plain".', got=_brief(answer))
    if not all(_is_int(v) for v in answer.values()):
        return fb.wrong("both counts must be whole numbers.", got=_brief(dict(answer)),
                        hint="dc.models.count_parameters(model)")
    expected = {se: models.count_parameters(models.build("legnet", se=se, **widths)) for se in ("legnet", "plain")}
    got = {k: int(v) for k, v in answer.items()}
    if got == expected:
        return fb.correct(f"the bilinear term costs {expected['legnet'] - expected['plain']:,} parameters "
                          f"({(expected['legnet'] - expected['plain']) / expected['legnet']:.1%} of LegNet) "
                          "at these widths.")
    if got == {"legnet": expected["plain"], "plain": expected["legnet"]}:
        return fb.wrong("the two counts are swapped: the bilinear (original) squeeze-excite is the larger.",
                        got=got)
    if widths:
        dream = {se: models.count_parameters(models.build("legnet", se=se)) for se in ("legnet", "plain")}
        if got == dream:
            return fb.wrong("these are the counts at the DREAM widths; this notebook builds its models with "
                            "WIDTHS.", got=got, hint='dc.models.build("legnet", se="plain", **WIDTHS)')
    bad = [k for k in ("legnet", "plain") if got[k] != expected[k]]
    return fb.wrong(f"the count for se={bad[0]!r} is off.", got=got[bad[0]], expected=expected[bad[0]],
                    hint=f'dc.models.count_parameters(dc.models.build("legnet", se={bad[0]!r}, **WIDTHS))')


# ----------------------------------------------------------------------------------------------
# 14 LegNet with dilation

_DILATION_CHOICES = ((1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1))


def _span(conv: nn.Conv1d) -> int:
    return conv.dilation[0] * (conv.kernel_size[0] - 1)


def _conv_path_field(dilations, only_dilated: bool = False, no_minus_one: bool = False) -> int:
    """Receptive field of the conv path of ``legnet_dilated(dilations=...)``, read off a built model."""
    model = models.build("legnet_dilated", alpha=0.2, dilations=tuple(dilations), stem_channels=8,
                         stage_channels=(8,) * len(dilations))
    extra = 1 if no_minus_one else 0
    steps = [step for step in legnet.conv_path(model) if len(step) > 1 or not only_dilated]
    return 1 + sum(max(_span(c) + extra * c.dilation[0] for c in step) for step in steps)


@_never_raises
def check_dilation_fields(answer) -> bool:
    """Exercise 14.2: ``answer = {dilations: receptive field}`` for ``dilations`` (1, 1, 2, 2, 3, 4) and
    (8, 4, 2, 1, 1, 1): the field, in positions, of the convolutional path of
    ``dc.models.build("legnet_dilated", dilations=...)`` (every k-wide conv of ``dc.legnet.conv_path``;
    r += d (k - 1))."""
    fb = _Feedback("14.2 other rates")
    if answer is None:
        return fb.unanswered("set answer = {(1, 1, 2, 2, 3, 4): field, (8, 4, 2, 1, 1, 1): field}")
    if not isinstance(answer, Mapping):
        return fb.wrong("answer must be a dict {dilations tuple: receptive field}.", got=_brief(answer))
    try:
        got = {tuple(int(d) for d in k): v for k, v in answer.items()}
    except TypeError:
        return fb.wrong("the keys must be the dilation tuples.", got=list(answer),
                        hint="answer = {(1, 1, 2, 2, 3, 4): ..., (8, 4, 2, 1, 1, 1): ...}")
    missing = [d for d in _DILATION_CHOICES if d not in got]
    if missing:
        return fb.wrong(f"dilations missing from the keys: {missing}.", got=list(answer))
    if not all(_is_int(got[d]) for d in _DILATION_CHOICES):
        return fb.wrong("every receptive field must be a whole number of positions.",
                        got={d: got[d] for d in _DILATION_CHOICES})
    g = {d: int(got[d]) for d in _DILATION_CHOICES}
    expected = {d: _conv_path_field(d) for d in _DILATION_CHOICES}
    if g == expected:
        widest = max(expected, key=expected.get)
        return fb.correct(f"these are the fields read off the built models; {widest} is the wider one.")
    if g == {d: _conv_path_field(d, no_minus_one=True) for d in _DILATION_CHOICES}:
        return fb.wrong("each conv added d * k positions; it adds d * (k - 1).", got=g,
                        hint="a k-tap kernel with dilation d spans d (k - 1) + 1 positions")
    if g == {d: _conv_path_field(d, only_dilated=True) for d in _DILATION_CHOICES}:
        return fb.wrong("only the dilated convs were counted: the stem and the other k-wide convs widen "
                        "the field too.", got=g,
                        hint="r = 1 + sum over every conv on the path of d (k - 1)")
    bad = [d for d in _DILATION_CHOICES if g[d] != expected[d]]
    return fb.wrong(f"the field for dilations={bad[0]} is off.", got=g[bad[0]],
                    hint="use receptive_field(model) from above on "
                         f'dc.models.build("legnet_dilated", dilations={bad[0]})')


# ----------------------------------------------------------------------------------------------
# 15 LegNet with an embedding


@_never_raises
def check_linear_embedding(LinearEmbedding) -> bool:  # noqa: N803 - the answer is a class
    """Exercise 15.2: ``LinearEmbedding(in_channels, dim)``, an ``nn.Module`` that is only a 1x1 convolution.

    ``(B, in_channels, L) -> (B, dim, L)``: the same linear map ``W x`` (``W`` of shape
    ``(dim, in_channels)``, no bias, no BatchNorm, no activation) at every position. The check builds
    ``LinearEmbedding(6, 70)`` and ``LinearEmbedding(6, 8)`` and tests zero input, additivity, that a
    position's output reads only that position, and the parameter count.

    >>> check_linear_embedding(None)
    Exercise 15.2 (a linear embedding): not answered yet. Write the class LinearEmbedding(nn.Module), then run this cell again.
    False
    """
    fb = _Feedback("15.2 a linear embedding")
    if not _ready(fb, LinearEmbedding, "LinearEmbedding", "write the class LinearEmbedding(nn.Module)"):
        return False
    gen = torch.Generator().manual_seed(0)
    for in_channels, dim in ((6, 70), (6, 8)):
        call = f"LinearEmbedding({in_channels}, {dim})"
        torch.manual_seed(0)
        ok, module = _call(LinearEmbedding, in_channels, dim)
        if not ok:
            return fb.raised(module, call)
        if module is None:
            return fb.unanswered("LinearEmbedding(...) gave None: write the class")
        if not isinstance(module, nn.Module):
            return fb.wrong(f"{call} must be an nn.Module, got {type(module).__name__}.",
                            hint="class LinearEmbedding(nn.Module): ... with __init__ and forward")
        module.eval()
        x = torch.randn(3, in_channels, 40, generator=gen)
        y = torch.randn(3, in_channels, 40, generator=gen)
        with torch.no_grad():
            ok, out = _call(module, x)
            if not ok:
                return fb.raised(out, f"{call}(x) with x of shape {tuple(x.shape)}")
            if out is None:
                return fb.unanswered("forward still returns None: write it")
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, dim, 40):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape (3, {in_channels}, 40)",
                                got=shape, expected=(3, dim, 40),
                                hint="nn.Conv1d(in_channels, dim, kernel_size=1) keeps the length")
            zero = module(torch.zeros_like(x))
            if zero.abs().max() > 1e-6:
                return fb.wrong("an all-zero input gives a nonzero output: the convolution has a bias.",
                                tried=f"{call} on zeros", got=_brief(zero[0, :4, :4]),
                                hint="nn.Conv1d(..., bias=False); a bias would only add a constant the stem's "
                                     "BatchNorm removes anyway")
            norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
            if norms:
                return fb.wrong(f"the module contains a BatchNorm ({type(norms[0]).__name__}); the exercise asks "
                                "for the 1x1 convolution alone.", hint="drop the BatchNorm and the SiLU")
            sum_of = module(x) + module(y)
            of_sum = module(x + y)
            if not torch.allclose(sum_of, of_sum, atol=1e-4) or not torch.allclose(module(2 * x), 2 * out, atol=1e-4):
                return fb.wrong("f(x + y) differs from f(x) + f(y): the module is nonlinear (an activation such "
                                "as SiLU or ReLU?).", tried=call,
                                got=f"largest difference {float((sum_of - of_sum).abs().max()):.4g}",
                                hint="only the convolution: return self.conv(x)")
            poked = x.clone()
            poked[:, :, 20] += 1.0
            changed = (module(poked) - out).abs().amax(dim=(0, 1)) > 1e-6
            others = [int(j) for j in torch.nonzero(changed).flatten() if j != 20]
            if others:
                return fb.wrong("changing the input at one position changes the output at other positions too: "
                                "the kernel is wider than one position.", tried=f"{call}, input changed at position 20",
                                got=f"output changed at positions {others[:6]}", expected="only position 20",
                                hint="kernel_size=1: each position's embedding reads only its own 6 numbers")
            weight = module(torch.eye(in_channels).unsqueeze(-1))[:, :, 0].T  # (dim, in)
            if not torch.allclose(out, torch.einsum("dc,bcl->bdl", weight, x), atol=1e-4):
                return fb.wrong("the output is not the same linear map W x at every position.", tried=call,
                                hint="one nn.Conv1d(in_channels, dim, 1, bias=False) applied to x")
            n_params = sum(p.numel() for p in module.parameters())
            if n_params != in_channels * dim:
                return fb.wrong(f"{call} has {n_params} parameters; a bias-free 1x1 convolution has exactly "
                                "in_channels x dim.", got=n_params, expected=in_channels * dim,
                                hint="no extra layers or unused parameters")
    return fb.correct("every position's 6 numbers go through the same matrix W (dim x 6), with nothing after "
                      "it; so the stem can absorb W, as the merged kernel above shows.")


# ----------------------------------------------------------------------------------------------
# 16 LegNet with a transformer


@_never_raises
def check_no_position_neck(NoPositionNeck, channels: int = 64, length: int = 30) -> bool:  # noqa: N803
    """Exercise 16.2: ``class NoPositionNeck(dc.legnet.TransformerNeck)`` whose ``forward`` adds no position codes.

    ``NoPositionNeck(channels)`` maps ``(B, C, L) -> (B, C, L)`` like ``TransformerNeck`` but feeds the
    ``(B, L, C)`` features to its own ``self.encoder`` without ``sinusoidal_positions``. The check compares
    it, in eval mode, with that encoder applied directly, and names what differs: position codes still
    added, the encoder skipped, attention over the batch, a shuffled-position test that fails.

    >>> check_no_position_neck(None)
    Exercise 16.2 (without position codes): not answered yet. Write the class NoPositionNeck(dc.legnet.TransformerNeck), then run this cell again.
    False
    """
    fb = _Feedback("16.2 without position codes")
    if not _ready(fb, NoPositionNeck, "NoPositionNeck", "write the class NoPositionNeck(dc.legnet.TransformerNeck)"):
        return False
    call = f"NoPositionNeck({channels})"
    torch.manual_seed(0)
    ok, neck = _call(NoPositionNeck, channels)
    if not ok:
        return fb.raised(neck, call)
    if neck is None:
        return fb.unanswered("NoPositionNeck(...) gave None: write the class")
    if not isinstance(neck, legnet.TransformerNeck):
        return fb.wrong(f"{call} must be a subclass of dc.legnet.TransformerNeck, got {type(neck).__name__}.",
                        hint="class NoPositionNeck(dc.legnet.TransformerNeck): and override only forward")
    neck.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, channels, length, generator=gen)
    with torch.no_grad():
        ok, out = _call(neck, x)
        if not ok:
            return fb.raised(out, f"{call}(x) with x of shape {tuple(x.shape)}")
        if out is None:
            return fb.unanswered("forward still returns None: write it")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(x.shape):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape {tuple(x.shape)}",
                            got=shape, expected=tuple(x.shape),
                            hint="transpose to (B, L, C) for the encoder and back to (B, C, L) at the end")
        expected = neck.encoder(x.transpose(1, 2)).transpose(1, 2)
        if torch.allclose(out, expected, atol=1e-5):
            return fb.correct("the encoder sees the features without position codes, so shuffling the positions "
                              "only shuffles its outputs.")
        if torch.allclose(out, legnet.TransformerNeck.forward(neck, x), atol=1e-5):
            return fb.wrong("this is still TransformerNeck's forward: it adds the position codes.", tried=call,
                            hint="leave out the line with sinusoidal_positions")
        if torch.allclose(out, x, atol=1e-6):
            return fb.wrong("the output equals the input: the encoder is never applied.", tried=call,
                            hint="h = self.encoder(x.transpose(1, 2))")
        other = x.clone()
        other[0] = torch.randn(channels, length, generator=gen)
        moved = (neck(other)[1:] - out[1:]).abs().max()
        if moved > 1e-5:
            return fb.wrong("changing sequence 0 of the batch changes the outputs of sequences 1 and 2: attention "
                            "runs over the batch, not over the positions.", tried=f"{call}, batch of 3",
                            got=f"outputs of the unchanged sequences moved by up to {float(moved):.3g}",
                            hint="the encoder is batch_first=True: give it x.transpose(1, 2), shape (B, L, C)")
        perm = torch.randperm(length, generator=gen)
        if not torch.allclose(neck(x[:, :, perm]), out[:, :, perm], atol=1e-5):
            return fb.wrong("shuffling the positions does not just shuffle the outputs: the neck still uses the "
                            "order of the positions.", tried=f"{call} on x and on x[:, :, perm]",
                            hint="without position codes, attention treats the positions as a set")
        return fb.wrong("the output differs from the encoder applied to the features.", tried=call,
                        got=_brief(out[0, :3, :4]), expected=_brief(expected[0, :3, :4]),
                        hint="return self.encoder(x.transpose(1, 2)).transpose(1, 2)")


# ----------------------------------------------------------------------------------------------
# 17 LegNet with an LSTM


@_never_raises
def check_reversed_neck(ReversedNeck) -> bool:  # noqa: N803 - the answer is a class
    """Exercise 17.3: ``ReversedNeck(neck)``, an ``nn.Module`` that runs ``neck`` on the positions in reverse.

    ``forward(x)`` with ``x`` of shape ``(B, C, L)`` returns ``flip(neck(flip(x)))``, flipping the position
    axis (``dims=[2]``) before and after, so the output is again in 5'->3' order. The check wraps a small
    forward-only ``dc.legnet.LSTMNeck`` and compares with that formula.

    >>> check_reversed_neck(None)
    Exercise 17.3 (an LSTM in reverse): not answered yet. Write the class ReversedNeck(nn.Module), then run this cell again.
    False
    """
    fb = _Feedback("17.3 an LSTM in reverse")
    if not _ready(fb, ReversedNeck, "ReversedNeck", "write the class ReversedNeck(nn.Module)"):
        return False
    torch.manual_seed(0)
    neck = legnet.LSTMNeck(8, hidden_size=6, bidirectional=False, dropout=0.0).eval()
    call = "ReversedNeck(dc.legnet.LSTMNeck(8, hidden_size=6, bidirectional=False))"
    ok, wrapped = _call(ReversedNeck, neck)
    if not ok:
        return fb.raised(wrapped, call)
    if wrapped is None:
        return fb.unanswered("ReversedNeck(...) gave None: write the class")
    if not isinstance(wrapped, nn.Module):
        return fb.wrong(f"ReversedNeck(neck) must be an nn.Module, got {type(wrapped).__name__}.",
                        hint="class ReversedNeck(nn.Module): keep the neck as self.neck in __init__")
    wrapped.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 8, 12, generator=gen)
    with torch.no_grad():
        ok, out = _call(wrapped, x)
        if not ok:
            return fb.raised(out, f"wrapped(x) with x of shape {tuple(x.shape)}")
        if out is None:
            return fb.unanswered("forward still returns None: write it")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 6, 12):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return fb.wrong("the output has the wrong shape.", tried=f"{call}(x), x of shape (3, 8, 12)",
                            got=shape, expected=(3, 6, 12), hint="return the neck's output, flipped: (B, H, L)")
        expected = torch.flip(neck(torch.flip(x, dims=[2])), dims=[2])
        if torch.allclose(out, expected, atol=1e-5):
            return fb.correct("the LSTM reads 3' -> 5', and the flip back puts its outputs at their own positions, "
                              "so position t now sees positions >= t.")
        plain = neck(x)
        mistakes = [
            (plain, "the output equals the plain neck's: the positions are never reversed.",
             "flip x along the positions before the neck: torch.flip(x, dims=[2])"),
            (neck(torch.flip(x, dims=[2])), "the input is flipped but the output is not flipped back: output "
             "position t belongs to input position L-1-t.", "flip the neck's output along dims=[2] too"),
            (torch.flip(plain, dims=[2]), "only the output is flipped: the LSTM still reads 5' -> 3'.",
             "flip the input before the neck as well"),
            (torch.flip(neck(torch.flip(x, dims=[1])), dims=[1]), "the flips act on the channel axis (dims=[1]), "
             "not on the positions.", "the position axis of (B, C, L) is dims=[2]"),
        ]
        for variant, problem, hint in mistakes:
            if variant.shape == out.shape and torch.allclose(out, variant, atol=1e-5):
                return fb.wrong(problem, tried=call, hint=hint)
        return fb.wrong("the output differs from flip(neck(flip(x))) along the positions.", tried=call,
                        got=_brief(out[0, :2, :5]), expected=_brief(expected[0, :2, :5]),
                        hint="torch.flip(self.neck(torch.flip(x, dims=[2])), dims=[2])")


# ----------------------------------------------------------------------------------------------
# 18 the summary


def _seeds_needed(s: float, gain: float, sds: float = 2.0, factor: float = 2.0) -> int:
    """Smallest n with gain > sds * s * sqrt(factor / n), by counting up (the check's trusted answer)."""
    n = 1
    while not gain > sds * s * np.sqrt(factor / n):
        n += 1
    return n


@_never_raises
def check_seeds_needed(seeds_needed) -> bool:
    """Exercise 18.2: ``seeds_needed(s, gain=0.01)``, the fewest seeds ``n`` with ``gain > 2 s sqrt(2 / n)``.

    ``s`` is the pooled seed standard deviation of validation r; ``s sqrt(2/n)`` is the standard error of
    the difference of two means over ``n`` seeds each. Must return a whole number. The check tries
    several ``s`` and ``gain`` (none on the boundary) and counts up ``n`` itself.

    >>> check_seeds_needed(None)
    Exercise 18.2 (how many seeds): not answered yet. Write seeds_needed(s, gain=0.01), then run this cell again.
    False
    """
    fb = _Feedback("18.2 how many seeds")
    if not _ready(fb, seeds_needed, "seeds_needed", "write seeds_needed(s, gain=0.01)"):
        return False
    for s, gain in ((0.0073, 0.01), (0.012, 0.01), (0.004, 0.01), (0.011, 0.02), (0.027, 0.01)):
        call = f"seeds_needed({s}, gain={gain})"
        ok, got = _call(seeds_needed, s, gain)
        if not ok:
            return fb.raised(got, call)
        if got is None:
            return fb.unanswered("your seeds_needed still returns None: write its body")
        expected = _seeds_needed(s, gain)
        if not _is_number(got):
            return fb.wrong("seeds_needed must return a number of seeds.", tried=call, got=_brief(got),
                            expected=expected)
        if got == expected:
            continue
        exact = 8 * s**2 / gain**2
        mistakes = [
            (_seeds_needed(s, gain, factor=1.0), "that is the count for a standard error of s / sqrt(n), one mean; "
             "the difference of two means has s * sqrt(2/n)."),
            (_seeds_needed(s, gain, sds=1.0), "that count clears one standard error; the question asks for two "
             "standard errors."),
            (exact, "that is the exact solution of gain = 2 s sqrt(2/n), not a whole number of seeds."),
            (int(np.floor(exact)), "that is 8 s^2 / gain^2 rounded down: with that many seeds two standard errors "
             "are still larger than the gain."),
        ]
        why = next((text for value, text in mistakes if got == value), "")
        return fb.wrong(f"the number of seeds is off{': ' + why if why else '.'}", tried=call, got=got,
                        expected=expected,
                        hint="solve gain > 2 * s * sqrt(2 / n) for n and round up to a whole seed")
    return fb.correct("two standard errors of the difference, 2 s sqrt(2/n), fall below the gain from that n on, "
                      "and they shrink only as 1/sqrt(n).")
