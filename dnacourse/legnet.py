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

    legnet_dilated      every stage's LocalBlock -> DilatedLocalBlock (plain k7 conv mixed with a
                        dilated k7 conv: (1 - alpha) * plain + alpha * dilated)
    legnet_embedding    stem -> InputEmbedding (1x1 conv 6->70, BN, SiLU) + stem 70->256
    legnet_transformer  neck -> TransformerNeck (attention over positions, never over the batch)
    legnet_lstm         neck -> LSTMNeck (an LSTM over positions; the head's input width follows it)

The squeeze-excite of the original code is not the textbook one: inside its small MLP it adds a
low-rank bilinear (pairwise-product) term; see ``SqueezeExcite`` and ``LowRankBilinear``. With
``se="plain"`` the textbook SE gives 1,725,122 parameters instead of 1,852,846.

LegNet's input, loss, prediction and training recipe are in ``dnacourse.promoters``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "sinusoidal_positions", "LowRankBilinear", "SqueezeExcite", "ConvBNSiLU", "EffBlock",
    "LocalBlock", "DilatedLocalBlock", "LegNetStage", "LegNetStem", "InputEmbedding",
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
    extended to the flags). This is our reading of the student report's "embedding layer (hidden
    size 70)"; the report does not say more.

    >>> InputEmbedding(6, 70)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 70, 150])
    """

    def __init__(self, in_channels: int = 6, dim: int = 70):
        super().__init__(in_channels, dim, kernel_size=1)


class TransformerNeck(nn.Module):
    """Self-attention over sequence positions: ``(B, C, L)`` -> ``(B, C, L)``.

    ``(B, C, L) -> (B, L, C)`` + sinusoidal position codes -> ``nn.TransformerEncoder`` built with
    ``batch_first=True`` on that ``(batch, length, channels)`` tensor -> back to ``(B, C, L)``.
    Attention mixes the ``L`` positions of one sequence, never different sequences. (The student
    report fed a ``(length, batch, channels)`` tensor to a ``batch_first=True`` layer, so its
    "sequence" axis was the batch: each position attended over the other sequences in the batch.)

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


def legnet(n_classes: int = 18, in_channels: int = 6, stem_channels: int = 256,
           stage_channels=DREAM_STAGE_CHANNELS, kernel_size: int = 7, expansion: int = 4,
           filters_per_group: int = 2, se: str = "legnet", se_reduction: int = 4) -> LegNet:
    """LegNet; the defaults are the DREAM 2022 configuration (1,852,846 parameters).

    ``(B, in_channels, L)`` -> ``(B, n_classes)`` bin logits. Stage ``i`` maps
    ``stage_channels[i-1]`` (``stem_channels`` for the first) to ``stage_channels[i]`` channels;
    ``expansion`` sets the EffBlock's inner width (``expansion * stage_channels[i]``),
    ``se="plain"`` uses a textbook squeeze-excite (1,725,122 parameters). Smaller widths make a
    model a CPU can train, e.g. ``legnet(stem_channels=64, stage_channels=(32, 32, 16))``.

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
    return LegNet(LegNetStem(in_channels, stem_channels, kernel_size), stages, None,
                  LegNetHead(stage_channels[-1], n_classes))


def legnet_dilated(n_classes: int = 18, alpha: float = 0.2, dilations=(4, 3, 2, 2, 1, 1),
                   **widths) -> LegNet:
    """LegNet whose stages' local convs each mix in a dilated conv (``DilatedLocalBlock``).

    In stage ``i`` the k7 conv ``2p -> s`` after the concatenation becomes
    ``(1 - alpha) * conv(x) + alpha * dilated_conv(x)`` (before its BN + SiLU), with dilation
    ``dilations[i]`` (one rate per stage; a rate of 1 gives a second plain conv). ``widths`` go to
    ``legnet``. ``alpha=0`` computes exactly the baseline's function.

    >>> legnet_dilated(alpha=0.4)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    dilations = tuple(dilations)
    if len(dilations) != len(model.stages):
        raise ValueError(f"dilations has {len(dilations)} rates {dilations} but the model has "
                         f"{len(model.stages)} stages")
    for stage, rate in zip(model.stages, dilations, strict=True):
        conv = stage.local.conv
        stage.local = DilatedLocalBlock(conv.in_channels, conv.out_channels, conv.kernel_size[0], rate, alpha)
    return model


def legnet_embedding(n_classes: int = 18, embedding_dim: int = 70, **widths) -> LegNet:
    """LegNet with a learned input embedding in front of the stem: ``InputEmbedding`` (1x1 conv
    ``6 -> embedding_dim``, BN, SiLU), then the stem conv ``embedding_dim -> 256``.

    Our reading of the student report's "embedding layer (hidden size 70)". ``widths`` go to ``legnet``.

    >>> legnet_embedding()(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    stem = model.stem
    model.stem = nn.Sequential(InputEmbedding(stem.in_channels, embedding_dim),
                               LegNetStem(embedding_dim, stem.out_channels, stem.conv.kernel_size[0]))
    return model


def legnet_transformer(n_classes: int = 18, n_heads: int = 4, n_layers: int = 1, ff_dim: int = 128,
                       dropout: float = 0.1, **widths) -> LegNet:
    """LegNet with a transformer encoder between the conv stages and the head (``TransformerNeck``).

    Attention runs over the 150 positions of each sequence (``(batch, length, channels)``,
    ``batch_first=True``). ``widths`` go to ``legnet``.

    >>> legnet_transformer()(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    model.neck = TransformerNeck(model.stages[-1].out_channels, n_heads, n_layers, ff_dim, dropout)
    return model


def legnet_lstm(n_classes: int = 18, hidden_size: int = 128, bidirectional: bool = True,
                dropout: float = 0.2, num_layers: int = 1, **widths) -> LegNet:
    """LegNet with an LSTM over positions between the conv stages and the head (``LSTMNeck``).

    The head's 1x1 conv then maps ``hidden_size * directions`` channels (256 by default) to the
    bins. ``widths`` go to ``legnet``.

    >>> legnet_lstm(hidden_size=64, bidirectional=False)(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    model = legnet(n_classes, **widths)
    model.neck = LSTMNeck(model.stages[-1].out_channels, hidden_size, bidirectional, dropout, num_layers)
    model.head = LegNetHead(model.neck.out_channels, n_classes)
    return model


# every LegNet by name, for ``dnacourse.models.build``
BUILDERS = {
    "legnet": legnet,
    "legnet_dilated": legnet_dilated,
    "legnet_embedding": legnet_embedding,
    "legnet_transformer": legnet_transformer,
    "legnet_lstm": legnet_lstm,
}
