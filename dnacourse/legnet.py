"""LegNet (Penzar et al. 2023, winner of the DREAM 2022 promoter challenge) and four extensions.

    import dnacourse as dc
    model = dc.legnet.legnet()                       # the DREAM configuration, 1,852,846 parameters
    model = dc.models.build("legnet_dilated", alpha=0.4)   # build() knows every model by name
    logits = model(torch.zeros(2, 6, 150))           # (2, 18) bin logits

Promoter -> expression regression. Input: ``(B, 6, 150)`` = one-hot in LegNet's A, G, C, T order,
an is-reverse plane and an is-singleton plane (see ``dnacourse.promoters``). Output:
``(B, 18)`` logits over the 18 expression bins; the prediction is ``sum_i i * softmax_i``, and the
training loss is a KL divergence to the soft label (see ``dnacourse.promoters``).

The network, DREAM configuration (1,852,846 parameters; ``legnet()``)::

    stem    Conv k7 6->256, BN, SiLU                                           (B, 256, 150)
    stage   x: (B, p, L)  (p -> s: 256->128, 128->128, 128->64, 64->64, 64->64, 64->64)
            EffBlock:   1x1 conv p->4s, BN, SiLU            (expand)          (B, 4s, L)
                        grouped conv k7, 2 filters/group, BN, SiLU              (B, 4s, L)
                        squeeze-excite                                         (B, 4s, L)
                        1x1 conv 4s->p, BN, SiLU            (project back)    (B, p, L)
            concatenate with x                                                 (B, 2p, L)
            LocalBlock: conv k7 2p->s, BN, SiLU                                (B, s, L)
    neck    Identity for LegNet (an extension puts a transformer or LSTM here)  (B, 64, L)
    head    1x1 conv 64->18 (with bias), SiLU, mean over positions            (B, 18)

No convolution followed by a BatchNorm has a bias (the BN's shift would make it redundant).
Each extension is the baseline with ONE part swapped:

    legnet_dilated      one k7 conv per stage mixed with a dilated twin, (1 - alpha) * plain + alpha *
                        dilated: the inverted block's grouped conv (placement="first", the report's
                        reading) or the LocalBlock (placement="last", DilatedLocalBlock)
    legnet_embedding    an embedding before the stem: 150 positions -> 70 (along="length",
                        LengthEmbedding, the report's "almost halved the input size") or 6 channels -> 70
                        at every position (along="channels", InputEmbedding)
    legnet_transformer  neck -> TransformerNeck (attention over positions, never over the batch)
    legnet_lstm         neck -> LSTMNeck (an LSTM over positions; the head's input width follows it)

The squeeze-excite of the original code is not the textbook one: inside its small MLP it adds a
low-rank bilinear (pairwise-product) term; see ``SqueezeExcite`` and ``LowRankBilinear``. With
``se="plain"`` the textbook SE gives 1,725,122 parameters instead of 1,852,846.

Weights start from PyTorch's default initialisation (the course's choice). ``init="legnet"`` in every
builder (or ``legnet_init_(model)``) applies the original code's instead (autosome-ru/LegNet,
``legnet/train.py:418-430``, applied at ``:591``): every Conv1d ``N(0, sqrt(2 / (k * out_channels)))``,
every Linear ``N(0, 0.001)``, biases 0, BatchNorm weight 1 and bias 0.

LegNet's input, loss, prediction and training recipe are in ``dnacourse.promoters``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "sinusoidal_positions", "LowRankBilinear", "SqueezeExcite", "ConvBNSiLU", "EffBlock",
    "LocalBlock", "DilatedLocalBlock", "MixedDilationConv1d", "LegNetStage", "LegNetStem", "InputEmbedding",
    "LengthEmbedding", "legnet_init_", "INITS", "DILATION_PLACEMENTS", "EMBEDDING_AXES", "conv_path",
    "receptive_field",
    "TransformerNeck", "LSTMNeck", "LegNetHead", "LegNet", "DREAM_STAGE_CHANNELS", "legnet",
    "legnet_dilated", "legnet_embedding", "legnet_transformer", "legnet_lstm", "BUILDERS",
]


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """Sinusoidal position codes (Vaswani et al. 2017): ``(length, dim)``.

    Column ``2i`` holds ``sin(pos / 10000**(2i/dim))`` and column ``2i+1`` the matching cosine.

    >>> sinusoidal_positions(150, 64).shape
    torch.Size([150, 64])
    """
    if length < 1 or dim < 1:
        raise ValueError(f"length and dim must be >= 1, got length={length}, dim={dim}")
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (L, 1)
    rates = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    angles = position * rates  # (L, ceil(dim/2))
    codes = torch.zeros(length, dim)
    codes[:, 0::2] = torch.sin(angles)
    codes[:, 1::2] = torch.cos(angles[:, : dim // 2])
    return codes


class LowRankBilinear(nn.Module):
    """Pairwise products of the input features through a rank-``rank`` (CP) weight tensor.

    ``(B, n)`` -> ``(B, out_features)``::

        y_o = sum_ij W_ijo x_i x_j + b_o,     W_ijo = sum_k scale_k U_ik V_jk C_ok

    i.e. ``y = ((x @ U) * (x @ V) * scale) @ C.T + b``: ``rank * (2n + out + 1) + out`` parameters
    instead of ``n * n * out``. This is the "bilinear term" of LegNet's squeeze-excite, where the
    original used a tensor-regression layer on the outer product ``x x^T`` with a CP decomposition
    whose rank is chosen so it has half the parameters of the full tensor (``rank_fraction=0.5``;
    ``scale`` is that decomposition's per-component weight, redundant with ``C`` but kept so the
    count matches). Starts tiny (full tensor std ~7.5e-4), so the block starts as a plain SE.

    >>> LowRankBilinear(64, 32, rank=410)(torch.randn(5, 64)).shape
    torch.Size([5, 32])
    """

    def __init__(self, in_features: int, out_features: int, rank: int, init_std: float = 7.5e-4):
        super().__init__()
        if min(in_features, out_features, rank) < 1:
            raise ValueError(f"in_features, out_features and rank must be >= 1, got "
                             f"{in_features}, {out_features}, {rank}")
        factor_std = (init_std ** 2 / rank) ** (1 / 6)  # so that each W_ijo has std ~ init_std
        self.U = nn.Parameter(torch.randn(in_features, rank) * factor_std)
        self.V = nn.Parameter(torch.randn(in_features, rank) * factor_std)
        self.C = nn.Parameter(torch.randn(out_features, rank) * factor_std)
        self.scale = nn.Parameter(torch.ones(rank))
        self.bias = nn.Parameter(torch.zeros(out_features))

    @staticmethod
    def rank_for(in_features: int, out_features: int, fraction: float = 0.5) -> int:
        """CP rank with ``fraction`` of the full ``(n, n, out)`` tensor's parameters (at least 1)."""
        full = in_features * in_features * out_features
        return max(1, round(fraction * full / (2 * in_features + out_features)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pairwise = (x @ self.U) * (x @ self.V) * self.scale  # (B, rank)
        return pairwise @ self.C.T + self.bias  # (B, out)


_SE_KINDS = ("legnet", "plain")


class SqueezeExcite(nn.Module):
    """Squeeze-and-excite (Hu et al. 2018): rescale each channel by a gate computed from all positions.

    ``(B, C, L)`` -> ``(B, C, L)``. Squeeze: mean over positions ``(B, C)``; excite: a small MLP
    with ``hidden`` units, then a sigmoid gate per channel.

    * ``kind="plain"``: ``Linear(C, hidden) -> SiLU -> Linear(hidden, C) -> sigmoid``.
    * ``kind="legnet"`` (the original code's): ``Linear(C, hidden) -> SiLU -> Linear(hidden, hidden)
      -> z`` then ``[z, LowRankBilinear(z)]`` (``hidden + hidden // 2`` features) ``-> SiLU ->
      Linear(., C) -> sigmoid``; the bilinear part has ``hidden // 2`` outputs and half the
      parameters of a full bilinear map.

    In LegNet ``C`` is the expanded width ``4s`` but ``hidden`` is the stage's *input* width ``p``
    divided by the reduction 4 (so 64, 32 or 16), as in the original code.

    >>> SqueezeExcite(512, 64)(torch.randn(2, 512, 150)).shape
    torch.Size([2, 512, 150])
    """

    def __init__(self, channels: int, hidden: int, kind: str = "legnet"):
        super().__init__()
        if kind not in _SE_KINDS:
            raise ValueError(f"se kind must be one of {_SE_KINDS}, got {kind!r}")
        self.kind = kind
        self.reduce = nn.Linear(channels, hidden)
        if kind == "legnet":
            pairs = max(1, hidden // 2)
            self.mix = nn.Linear(hidden, hidden)
            self.bilinear = LowRankBilinear(hidden, pairs, LowRankBilinear.rank_for(hidden, pairs))
            hidden = hidden + pairs
        self.expand = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = F.silu(self.reduce(x.mean(dim=2)))  # (B, C) squeeze -> (B, hidden)
        if self.kind == "legnet":
            z = self.mix(z)  # (B, hidden)
            z = F.silu(torch.cat([z, self.bilinear(z)], dim=1))  # (B, hidden + hidden // 2)
        gate = torch.sigmoid(self.expand(z))  # (B, C), each in (0, 1)
        return x * gate[:, :, None]


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int, groups: int = 1) -> nn.Sequential:
    """Conv1d ('same' padding, no bias) followed by BatchNorm1d; the caller applies SiLU."""
    return nn.Sequential(
        nn.Conv1d(in_channels, out_channels, kernel_size, padding="same", groups=groups, bias=False),
        nn.BatchNorm1d(out_channels),
    )


class EffBlock(nn.Module):
    """LegNet's inverted-residual block (EfficientNet-like): ``(B, p, L)`` -> ``(B, p, L)``.

    1x1 conv ``p -> inner`` (expand), grouped conv ``k`` with ``filters_per_group`` channels per
    group (``inner / filters_per_group`` groups), squeeze-excite, 1x1 conv ``inner -> p``; every
    conv is followed by BN and SiLU. LegNet uses ``inner = 4 * s`` (4x the stage's *output* width).

    >>> EffBlock(256, 512)(torch.randn(2, 256, 150)).shape
    torch.Size([2, 256, 150])
    """

    def __init__(self, channels: int, inner: int, kernel_size: int = 7, filters_per_group: int = 2,
                 se: str = "legnet", se_reduction: int = 4):
        super().__init__()
        if inner % filters_per_group:
            raise ValueError(f"inner width {inner} is not divisible by filters_per_group={filters_per_group}")
        self.expand = _conv_bn(channels, inner, 1)
        self.grouped = _conv_bn(inner, inner, kernel_size, groups=inner // filters_per_group)
        self.se = SqueezeExcite(inner, max(1, channels // se_reduction), se)
        self.project = _conv_bn(inner, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.expand(x))  # (B, inner, L)
        h = F.silu(self.grouped(h))  # (B, inner, L)
        h = self.se(h)  # (B, inner, L)
        return F.silu(self.project(h))  # (B, p, L)


class ConvBNSiLU(nn.Module):
    """Conv ``k`` ('same' padding, no bias), BatchNorm, SiLU: ``(B, C_in, L)`` -> ``(B, C_out, L)``.

    LegNet's basic unit. ``LocalBlock``, ``LegNetStem`` and ``InputEmbedding`` are this block with
    their own names and defaults; their weights are stored as ``conv.*`` and ``norm.*``.

    >>> ConvBNSiLU(6, 32, kernel_size=7)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 32, 150])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 7):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same", bias=False)
        self.norm = nn.BatchNorm1d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.norm(self.conv(x)))  # (B, C_out, L)


class LocalBlock(ConvBNSiLU):
    """The k7 conv ``2p -> s`` (BN, SiLU) after each stage's concatenation: a ``ConvBNSiLU``."""


class DilatedLocalBlock(nn.Module):
    """``LocalBlock`` whose conv is mixed with a dilated conv: ``(B, C_in, L)`` -> ``(B, C_out, L)``.

    ``y = SiLU(BN((1 - alpha) * conv(x) + alpha * dilated(x)))``: ``conv`` is the plain ``k``-wide
    conv (same name as in ``LocalBlock``, so a baseline's weights load into it), ``dilated`` a
    ``k``-wide conv with gaps of ``dilation`` (receptive field ``dilation * (k - 1) + 1``; 'same'
    padding keeps the length). The two are mixed *before* the shared BN + SiLU. ``alpha`` is a fixed
    hyperparameter (the student report tried 0 to 0.4); ``alpha=0`` is exactly the ``LocalBlock``.
    ``legnet_dilated(placement="last")`` uses it (the alternative to the report's placement).

    >>> DilatedLocalBlock(512, 128, dilation=4, alpha=0.2)(torch.randn(2, 512, 150)).shape
    torch.Size([2, 128, 150])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 7, dilation: int = 2,
                 alpha: float = 0.2):
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if int(dilation) != dilation or dilation < 1:
            raise ValueError(f"dilation must be a positive integer, got {dilation!r}")
        self.alpha, self.dilation = float(alpha), int(dilation)
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same", bias=False)
        self.dilated = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same",
                                 dilation=self.dilation, bias=False)
        self.norm = nn.BatchNorm1d(out_channels)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, dilation={self.dilation}"   # shown by repr(model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = (1 - self.alpha) * self.conv(x) + self.alpha * self.dilated(x)  # (B, C_out, L)
        return F.silu(self.norm(mixed))


class MixedDilationConv1d(nn.Conv1d):
    """A Conv1d ('same' padding, no bias) mixed with a dilated twin: ``(B, C_in, L)`` -> ``(B, C_out, L)``.

    ``y = (1 - alpha) * conv(x) + alpha * dilated(x)``. The plain conv is this module itself (its
    ``weight`` has the plain conv's name, so a baseline's weights load into it); ``dilated`` has the
    same width, groups and channels, with gaps of ``rate``. ``alpha=0`` is exactly the plain conv.
    ``legnet_dilated(placement="first")`` puts one in every stage's inverted block.

    >>> MixedDilationConv1d(32, 32, 7, rate=4, alpha=0.4, groups=16)(torch.randn(2, 32, 150)).shape
    torch.Size([2, 32, 150])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 7, rate: int = 2,
                 alpha: float = 0.4, groups: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, padding="same", groups=groups, bias=False)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if int(rate) != rate or rate < 1:
            raise ValueError(f"rate must be a positive integer, got {rate!r}")
        self.alpha, self.rate = float(alpha), int(rate)
        self.dilated = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same", dilation=self.rate,
                                 groups=groups, bias=False)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", alpha={self.alpha}, rate={self.rate}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (1 - self.alpha) * super().forward(x) + self.alpha * self.dilated(x)  # (B, C_out, L)


class LegNetStage(nn.Module):
    """One LegNet stage ``p -> s``: ``(B, p, L)`` -> ``(B, s, L)``.

    ``x -> [x, EffBlock(x)]`` (concatenated: ``2p`` channels) ``-> LocalBlock`` (k7 conv ``2p -> s``).

    >>> LegNetStage(256, 128)(torch.randn(2, 256, 150)).shape
    torch.Size([2, 128, 150])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 7, expansion: int = 4,
                 filters_per_group: int = 2, se: str = "legnet", se_reduction: int = 4):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.inverted = EffBlock(in_channels, expansion * out_channels, kernel_size, filters_per_group,
                                 se, se_reduction)
        self.local = LocalBlock(2 * in_channels, out_channels, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.cat([x, self.inverted(x)], dim=1)  # (B, 2p, L)
        return self.local(h)  # (B, s, L)


class LegNetStem(ConvBNSiLU):
    """Conv ``k`` (no bias), BN, SiLU: ``(B, 6, L)`` -> ``(B, 256, L)`` in the DREAM configuration."""

    def __init__(self, in_channels: int = 6, out_channels: int = 256, kernel_size: int = 7):
        super().__init__(in_channels, out_channels, kernel_size)


class InputEmbedding(ConvBNSiLU):
    """A learned per-position embedding of the input channels: 1x1 conv (no bias), BN, SiLU.

    ``(B, 6, L)`` -> ``(B, dim, L)``: every position's 6 numbers (one-hot + two flags) are mapped to
    ``dim`` learned features, the same map at every position (like ``nn.Embedding`` on the base,
    extended to the flags). ``legnet_embedding(along="channels")`` uses it: the alternative to the
    report's reading, a compression along the length (``LengthEmbedding``).

    >>> InputEmbedding(6, 70)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 70, 150])
    """

    def __init__(self, in_channels: int = 6, dim: int = 70):
        super().__init__(in_channels, dim, kernel_size=1)


class LengthEmbedding(nn.Module):
    """A learned compression along the sequence: ``(B, C, length_in)`` -> ``(B, C, length_out)``.

    Every output position is a learned weighted sum (plus a bias) of all ``length_in`` input
    positions, the same map for every channel: ``y[b, c, :] = W @ x[b, c, :] + b``, ``W`` of shape
    ``(length_out, length_in)``. This is the course's reading of the student report's "embedding
    layer with hidden size 70 bp, almost halved the input size" (150 -> 70 positions); the report
    does not say how the layer is built, so the linear map, shared by the channels and without a
    nonlinearity, is the course's choice.

    >>> LengthEmbedding(150, 70)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 6, 70])
    """

    def __init__(self, length_in: int = 150, length_out: int = 70):
        super().__init__()
        if min(length_in, length_out) < 1:
            raise ValueError(f"length_in and length_out must be >= 1, got {length_in}, {length_out}")
        self.length_in, self.length_out = length_in, length_out
        self.map = nn.Linear(length_in, length_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.length_in:
            raise ValueError(f"LengthEmbedding expects {self.length_in} positions, got input of shape "
                             f"{tuple(x.shape)}; build it with length_in={x.shape[-1]}")
        return self.map(x)  # (B, C, length_out)


class TransformerNeck(nn.Module):
    """Self-attention over sequence positions: ``(B, C, L)`` -> ``(B, C, L)``.

    ``(B, C, L) -> (B, L, C)`` + sinusoidal position codes -> ``nn.TransformerEncoder`` built with
    ``batch_first=True`` on that ``(batch, length, channels)`` tensor -> back to ``(B, C, L)``.
    Attention mixes the ``L`` positions of one sequence, never different sequences. (The student
    team's code -- not its report -- fed a ``(length, batch, channels)`` tensor to a ``batch_first=True``
    layer, Rolfhuang/DL_Project_DNA_Seq ``legnet.py:227, 268``, so its "sequence" axis was the batch:
    each position attended over the other sequences in the batch.)

    >>> TransformerNeck(64)(torch.randn(2, 64, 150)).shape
    torch.Size([2, 64, 150])
    """

    def __init__(self, channels: int = 64, n_heads: int = 4, n_layers: int = 1, ff_dim: int = 128,
                 dropout: float = 0.1):
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"channels={channels} must be divisible by n_heads={n_heads}")
        self.out_channels = channels
        layer = nn.TransformerEncoderLayer(channels, n_heads, ff_dim, dropout, activation="gelu",
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.transpose(1, 2)  # (B, L, C): batch first, then positions
        h = h + sinusoidal_positions(h.shape[1], h.shape[2]).to(h)  # + (L, C) position codes
        h = self.encoder(h)  # (B, L, C), attention over L
        return h.transpose(1, 2)  # (B, C, L)


class LSTMNeck(nn.Module):
    """An ``nn.LSTM`` over sequence positions: ``(B, C, L)`` -> ``(B, H * directions, L)``.

    ``(B, C, L) -> (B, L, C)`` -> LSTM (``batch_first=True``) -> dropout -> ``(B, H * dirs, L)``.
    ``dropout`` acts on the LSTM's outputs (and also between layers when ``num_layers > 1``).
    A forward-only LSTM's output at position ``t`` sees positions ``<= t``; a bidirectional one sees
    the whole sequence. ``out_channels`` tells the head its input width.

    >>> LSTMNeck(64, hidden_size=128)(torch.randn(2, 64, 150)).shape
    torch.Size([2, 256, 150])
    """

    def __init__(self, channels: int = 64, hidden_size: int = 128, bidirectional: bool = True,
                 dropout: float = 0.2, num_layers: int = 1):
        super().__init__()
        self.lstm = nn.LSTM(channels, hidden_size, num_layers, batch_first=True,
                            bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out_channels = hidden_size * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(x.transpose(1, 2))  # (B, L, C) -> (B, L, H * dirs)
        return self.drop(h).transpose(1, 2)  # (B, H * dirs, L)


class LegNetHead(nn.Module):
    """1x1 conv ``C -> n_classes`` (with bias), SiLU, mean over positions: ``(B, C, L)`` -> ``(B, n_classes)``."""

    def __init__(self, in_channels: int = 64, n_classes: int = 18):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.conv(x)).mean(dim=2)  # (B, n_classes, L) -> (B, n_classes)


class LegNet(nn.Module):
    """LegNet from its four parts: ``(B, 6, L)`` -> stem -> stages -> neck -> head -> ``(B, n_classes)``.

    ``stem``: ``(B, 6, L) -> (B, C0, L)``; ``stages``: a sequence of ``LegNetStage`` ``-> (B, Cn, L)``;
    ``neck``: ``(B, Cn, L) -> (B, C', L)`` (``None`` = ``nn.Identity``, the baseline); ``head``:
    ``(B, C', L) -> (B, n_classes)`` logits over the expression bins. Build one with ``legnet()``
    or ``build("legnet")``; the extensions replace one part (see ``legnet_dilated`` etc.).

    >>> model = LegNet(LegNetStem(6, 32), [LegNetStage(32, 16)], None, LegNetHead(16, 18))
    >>> model(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """

    def __init__(self, stem: nn.Module, stages, neck: nn.Module | None, head: nn.Module):
        super().__init__()
        self.stem = stem
        self.stages = stages if isinstance(stages, nn.Sequential) else nn.Sequential(*stages)
        self.neck = nn.Identity() if neck is None else neck
        self.head = head

    @property
    def in_channels(self) -> int:
        """Input channels the stem's first convolution expects (6 for DREAM)."""
        return next(m for m in self.stem.modules() if isinstance(m, nn.Conv1d)).in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"LegNet expects input of shape (batch, {self.in_channels}, length), "
                             f"got {tuple(x.shape)}")
        h = self.stem(x)  # (B, C0, L)
        h = self.stages(h)  # (B, Cn, L)
        h = self.neck(h)  # (B, C', L)
        return self.head(h)  # (B, n_classes)


DREAM_STAGE_CHANNELS = (128, 128, 64, 64, 64, 64)
INITS = ("pytorch", "legnet")  # PyTorch's default initialisation (the course's default); the original's
DILATION_PLACEMENTS = ("first", "last")  # the inverted block's grouped conv (the report's); the LocalBlock
EMBEDDING_AXES = ("length", "channels")  # 150 -> 70 positions (the report's); 6 -> 70 channels per position


def legnet_init_(model: nn.Module) -> nn.Module:
    """LegNet's original weight initialisation, in place; returns ``model``.

    As the original code's ``initialize_weights`` (autosome-ru/LegNet ``legnet/train.py:418-430``,
    applied to the whole model at ``:591``): every ``Conv1d`` weight ~ ``N(0, sqrt(2 / (k * out)))``
    (``k`` the kernel width, ``out`` the output channels), every ``Linear`` weight ~ ``N(0, 0.001)``,
    their biases 0, every BatchNorm weight 1 and bias 0. Other layers (the low-rank bilinear term,
    an LSTM, layer norms, attention's input projection) keep their own initialisation.

    >>> m = legnet_init_(nn.Sequential(nn.Conv1d(4, 8, 7), nn.Linear(8, 2)))
    >>> float(m[0].bias.detach().abs().sum()), float(m[1].bias.detach().abs().sum())
    (0.0, 0.0)
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv1d):
                m.weight.normal_(0.0, math.sqrt(2.0 / (m.kernel_size[0] * m.out_channels)))
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0.0, 0.001)
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.ones_(m.weight)
            else:
                continue
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def _initialised(model: LegNet, init: str) -> LegNet:
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    return legnet_init_(model) if init == "legnet" else model


def legnet(n_classes: int = 18, in_channels: int = 6, stem_channels: int = 256,
           stage_channels=DREAM_STAGE_CHANNELS, kernel_size: int = 7, expansion: int = 4,
           filters_per_group: int = 2, se: str = "legnet", se_reduction: int = 4,
           init: str = "pytorch") -> LegNet:
    """LegNet; the defaults are the DREAM 2022 configuration (1,852,846 parameters).

    ``(B, in_channels, L)`` -> ``(B, n_classes)`` bin logits. Stage ``i`` maps
    ``stage_channels[i-1]`` (``stem_channels`` for the first) to ``stage_channels[i]`` channels;
    ``expansion`` sets the EffBlock's inner width (``expansion * stage_channels[i]``),
    ``se="plain"`` uses a textbook squeeze-excite (1,725,122 parameters). Smaller widths make a
    model a CPU can train, e.g. ``legnet(stem_channels=64, stage_channels=(32, 32, 16))``.
    ``init``: ``"pytorch"`` (default, the course's choice) or ``"legnet"`` (``legnet_init_``).

    >>> sum(p.numel() for p in legnet().parameters())
    1852846
    >>> legnet(stem_channels=32, stage_channels=(16, 16))(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    stage_channels = tuple(stage_channels)
    if not stage_channels or any(int(c) != c or c < 1 for c in stage_channels):
        raise ValueError(f"stage_channels must be a non-empty sequence of positive ints, got {stage_channels!r}")
    if se not in _SE_KINDS:
        raise ValueError(f"se must be one of {_SE_KINDS}, got {se!r}")
    sizes = (stem_channels, *stage_channels)
    stages = [LegNetStage(p, s, kernel_size, expansion, filters_per_group, se, se_reduction)
              for p, s in zip(sizes[:-1], sizes[1:], strict=True)]
    return _initialised(LegNet(LegNetStem(in_channels, stem_channels, kernel_size), stages, None,
                               LegNetHead(stage_channels[-1], n_classes)), init)


def legnet_dilated(n_classes: int = 18, alpha: float = 0.4, dilations=(4, 3, 2, 2, 1, 1),
                   placement: str = "first", init: str = "pytorch", **widths) -> LegNet:
    """LegNet with one k-wide conv per stage mixed with a dilated twin: ``(1 - alpha) * plain + alpha * dilated``.

    The report (section 2.4): "the first vanilla convolution layer in the repeated blocks was replaced
    by a modified convolution layer" holding a dilated and the original layer, rates 4, 3, 2, 2, 1, 1
    (``dilations``, one per stage), their ratio a hyperparameter (it tried 0 to 0.4; 0.4 is the default).

    * ``placement="first"`` (default, the course's reading of the report): the first conv of each
      stage that a dilation can change, the inverted block's grouped k7 conv, becomes a
      ``MixedDilationConv1d`` (the twin has the same groups, so it adds few weights). The block's
      first conv is a 1x1, on which a dilation changes nothing.
    * ``placement="last"`` (the alternative): the k7 conv ``2p -> s`` after the concatenation
      becomes a ``DilatedLocalBlock`` (the twin is a full conv: many more weights).

    ``alpha=0`` computes exactly the baseline's function. ``widths`` go to ``legnet``.

    >>> legnet_dilated(alpha=0.4)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    >>> legnet_dilated(placement="last")(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    if placement not in DILATION_PLACEMENTS:
        raise ValueError(f"placement must be one of {DILATION_PLACEMENTS}, got {placement!r}")
    model = legnet(n_classes, **widths)
    dilations = tuple(dilations)
    if len(dilations) != len(model.stages):
        raise ValueError(f"dilations has {len(dilations)} rates {dilations} but the model has "
                         f"{len(model.stages)} stages")
    for stage, rate in zip(model.stages, dilations, strict=True):
        if placement == "first":
            conv = stage.inverted.grouped[0]
            stage.inverted.grouped[0] = MixedDilationConv1d(conv.in_channels, conv.out_channels,
                                                            conv.kernel_size[0], rate, alpha, conv.groups)
        else:
            conv = stage.local.conv
            stage.local = DilatedLocalBlock(conv.in_channels, conv.out_channels, conv.kernel_size[0], rate, alpha)
    return _initialised(model, init)


def legnet_embedding(n_classes: int = 18, embedding_dim: int = 70, along: str = "length",
                     input_length: int = 150, init: str = "pytorch", **widths) -> LegNet:
    """LegNet with an embedding in front of the stem; ``embedding_dim`` is the report's "hidden size" (70).

    * ``along="length"`` (default, the report's "hidden size 70 bp, almost halved the input size"):
      ``LengthEmbedding`` maps the ``input_length`` (150) positions to ``embedding_dim`` positions,
      then the stem conv ``6 -> 256`` reads the 70 positions.
    * ``along="channels"`` (the alternative): ``InputEmbedding`` (1x1 conv ``6 -> embedding_dim``,
      BN, SiLU) at every position, then the stem conv ``embedding_dim -> 256``.

    ``widths`` go to ``legnet``.

    >>> legnet_embedding()(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    >>> legnet_embedding(along="channels").stem[0](torch.zeros(2, 6, 150)).shape
    torch.Size([2, 70, 150])
    """
    if along not in EMBEDDING_AXES:
        raise ValueError(f"along must be one of {EMBEDDING_AXES}, got {along!r}")
    model = legnet(n_classes, **widths)
    stem = model.stem
    if along == "length":
        model.stem = nn.Sequential(LengthEmbedding(input_length, embedding_dim), stem)
    else:
        model.stem = nn.Sequential(InputEmbedding(stem.in_channels, embedding_dim),
                                   LegNetStem(embedding_dim, stem.out_channels, stem.conv.kernel_size[0]))
    return _initialised(model, init)


def legnet_transformer(n_classes: int = 18, n_heads: int = 4, n_layers: int = 1, ff_dim: int = 128,
                       dropout: float = 0.1, init: str = "pytorch", **widths) -> LegNet:
    """LegNet with a transformer encoder between the conv stages and the head (``TransformerNeck``).

    Attention runs over the 150 positions of each sequence (``(batch, length, channels)``,
    ``batch_first=True``). ``widths`` go to ``legnet``. (The student team's code used 2 layers, 4
    heads, feed-forward 256, dropout 0.3 and no position codes: ``dc.reference.LEGNET_REPORT_SETTING``.)

    >>> legnet_transformer()(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    model.neck = TransformerNeck(model.stages[-1].out_channels, n_heads, n_layers, ff_dim, dropout)
    return _initialised(model, init)


def legnet_lstm(n_classes: int = 18, hidden_size: int = 128, bidirectional: bool = True,
                dropout: float = 0.2, num_layers: int = 1, init: str = "pytorch", **widths) -> LegNet:
    """LegNet with an LSTM over positions between the conv stages and the head (``LSTMNeck``).

    The head's 1x1 conv then maps ``hidden_size * directions`` channels (256 by default) to the
    bins. ``widths`` go to ``legnet``.

    >>> legnet_lstm(hidden_size=64, bidirectional=False)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    model.neck = LSTMNeck(model.stages[-1].out_channels, hidden_size, bidirectional, dropout, num_layers)
    model.head = LegNetHead(model.neck.out_channels, n_classes)
    return _initialised(model, init)


def conv_path(model: LegNet) -> list[list[nn.Conv1d]]:
    """The k-wide convolutions along a LegNet's path, in order: one list of parallel convs per step.

    Steps: the stem's conv, then per stage the inverted block's grouped conv and the local conv
    after the concatenation (1x1 convs widen nothing and are left out). A step with a dilated twin
    (``alpha > 0``) lists the plain conv and the twin. Notebook 14 measures receptive fields with it.

    >>> [len(step) for step in conv_path(legnet_dilated(dilations=(2, 1), stem_channels=8, stage_channels=(8, 8)))]
    [1, 2, 1, 2, 1]
    """
    stem = model.stem[-1] if isinstance(model.stem, nn.Sequential) else model.stem
    steps = [[stem.conv]]
    for stage in model.stages:
        for conv in (stage.inverted.grouped[0], stage.local):
            plain = conv if isinstance(conv, nn.Conv1d) else conv.conv
            twin = getattr(conv, "dilated", None)
            steps.append([plain] + ([twin] if twin is not None and conv.alpha > 0 else []))
    return steps


def receptive_field(model: LegNet) -> int:
    """Positions of the input one output position of the conv path can see: ``1 + sum of d (k - 1)``.

    Per step of ``conv_path`` the widest conv counts (a dilated twin reaches further than its plain conv).

    >>> receptive_field(legnet()), receptive_field(legnet_dilated())
    (79, 121)
    """
    return 1 + sum(max(c.dilation[0] * (c.kernel_size[0] - 1) for c in step) for step in conv_path(model))


# every LegNet by name, for ``dnacourse.models.build``
BUILDERS = {
    "legnet": legnet,
    "legnet_dilated": legnet_dilated,
    "legnet_embedding": legnet_embedding,
    "legnet_transformer": legnet_transformer,
    "legnet_lstm": legnet_lstm,
}
