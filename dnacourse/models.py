"""The seven gene-family classifiers of Airlangga (2024), LSTM/GRU cells written from scratch, and
``build(name)`` for every model of the course.

Two families of models, one ``build(name)``: ``available("classifier")`` lists the seven classifiers
(4-channel one-hot in, 7 class logits out by default), ``available("legnet")`` lists LegNet and its
extensions (6-channel DREAM input ``(batch, 6, 150)`` in, 18 bin logits out by default), which live
in ``dnacourse.legnet``.

Every classifier maps a one-hot batch to class scores (logits)::

    x: (batch, 4, length) float, 3'-padded with all-zero columns  ->  logits: (batch, n_classes)

    model = build("cnn_lstm", n_classes=7)        # or "cnn", "lstm", "gru", "bilstm", "cnn_gru", "cnn_bilstm"
    x = torch.from_numpy(dc.encoding.one_hot(["ACGT", "ACGTTTGA"], length=1000))  # (2, 4, 1000)
    logits = model(x)                                                             # -> (2, 7)

Three ideas, three classes (``build`` picks the cell type and direction):

* ``CNN`` (paper eq. 5-6): convolution blocks (Conv1d -> BatchNorm -> ReLU -> max-pool), then a
  global max + mean pool over positions and a small dense head.
* ``RecurrentNet`` ("lstm", "gru", "bilstm"; eq. 7-16): an ``nn.LSTM``/``nn.GRU`` reads the one-hot
  sequence one base at a time, all ``length`` steps; its outputs are summarised, standardised
  (BatchNorm, see ``Head``) and fed to the dense head.
* ``ConvRecurrentNet`` ("cnn_lstm", "cnn_gru", "cnn_bilstm"; eq. 17-19): convolution blocks first
  (each max-pool divides the length by ``pool``: 1000 -> 250 -> 63 steps), then the recurrent layer
  reads the shorter sequence of convolution features, then the head.

Padding: masking, and a per-row reversal for the backward direction
--------------------------------------------------------------------
Sequences shorter than ``length`` are padded at the 3' end with all-zero columns. How long a row
really is comes from the data itself: ``sequence_lengths(x)`` = index of the last non-zero column
+ 1 (0 for a row that is all padding). Every model then ignores the padding:

* a forward recurrent direction reads each row from its first base; the padding comes after the
  real bases, so it cannot change an output at a real position -- we only have to leave the padded
  steps out of the summary (a mask);
* a backward direction (BiLSTM) must start at the row's *last real base*, not at the end of 700
  padding columns: it reads ``reverse_padded(x, lengths)`` (each row's real part reversed, padding
  left at the end) and its outputs are flipped back the same way;
* the convolution blocks multiply their features by a 0/1 mask of real positions before pooling,
  so the next layer sees exactly the zeros that its own "same" padding would give; lengths are
  carried through each max-pool as ``ceil(length / pool)`` (pooling uses ``ceil_mode=True``);
* summaries over time (mean, max, last state) use real positions only.

This computes the same thing as PyTorch's usual tool, ``pack_padded_sequence(...,
enforce_sorted=False)``, which we measured to be far too slow on a CPU: the backward pass through a
packed LSTM with rows of different lengths took ~30 s for a 64 x 1,000 batch, against ~0.3 s for
the plain padded batch. The masked version is one code path for CPU and GPU (cuDNN) alike.

So a sequence padded to 1,000 or to 2,000 columns gets the same logits (in eval mode), and one item's
output never depends on the other items in its batch. Two documented consequences: an ``N``
*inside* a sequence (an all-zero column when ``unknown=0``) is kept as a real, all-zero input, while
trailing ``N``s are indistinguishable from padding and are dropped; a row with no real base at all
(length 0) is treated as one all-zero step, so it still gets (bias-only) logits and nothing crashes.

Summarising a recurrent layer over 1,000 steps
----------------------------------------------
A classic recurrent classifier keeps only the final hidden state. After 1,000 steps that state
remembers mostly the 3' end of the sequence, so our default summary is ``"meanmax"``: the mean and
the maximum of the outputs over the real positions (for a BiLSTM, of both directions' outputs),
which lets a motif anywhere in the gene contribute, and gives every step a direct gradient.
``summary="last"`` is the classic choice: the final hidden state(s) (at each row's last real base;
for a BiLSTM, the forward final state and the backward direction's final state, reached at the
first base, concatenated). Both are cheap; compare them as an exercise.

From scratch, for teaching
--------------------------
``LSTMCell`` (eq. 7-12) and ``GRUCell`` (eq. 13-16) compute one time step with one linear map per
gate, exactly as the equations read; ``ScratchLSTM``/``ScratchGRU`` loop them over time (the
classifiers use the fast ``nn.LSTM``/``nn.GRU``). ``copy_weights_from(torch_module)`` loads the weights of an
``nn.LSTM``/``nn.GRU`` (or ``nn.LSTMCell``/``nn.GRUCell``) so the two can be compared number by number;
the tests check they agree to 1e-5. They are slow Python loops: train with the ``nn`` versions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import legnet as _legnet
from ._checks import check_int

__all__ = [
    "build", "available", "count_parameters",
    "sequence_lengths", "length_mask", "masked_mean_max", "reverse_padded",
    "MaskedBatchNorm1d", "recompute_batchnorm",
    "ConvBlock", "ConvStack", "RecurrentEncoder", "Head", "CNN", "RecurrentNet", "ConvRecurrentNet",
    "LSTMCell", "GRUCell", "ScratchLSTM", "ScratchGRU",
]


# ----------------------------------------------------------------------------------------------
# padding helpers


def sequence_lengths(x: torch.Tensor) -> torch.Tensor:
    """Real length of each 3'-padded row: index of its last non-zero column + 1 (0 if none).

    ``x``: ``(B, C, L)`` one-hot (padding = all-zero columns) -> ``(B,)`` int64 on ``x``'s device.

    >>> x = torch.zeros(2, 4, 5); x[0, 0, :3] = 1; x[1, 2, 1] = 1   # rows "AAA.." and "NG..."
    >>> sequence_lengths(x)
    tensor([3, 2])
    """
    real = x.ne(0).any(dim=1)  # (B, L) True where a column is not all zero
    positions = torch.arange(1, x.shape[-1] + 1, device=x.device)  # (L,) 1..L
    return (real * positions).amax(dim=1)  # (B,)


def length_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """``(B,)`` lengths -> ``(B, steps)`` bool mask, True at real positions.

    >>> length_mask(torch.tensor([1, 3]), 4)
    tensor([[ True, False, False, False],
            [ True,  True,  True, False]])
    """
    return torch.arange(steps, device=lengths.device) < lengths[:, None]


def masked_mean_max(h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean and max over the real time steps: ``(B, T, F)``, lengths ``(B,)`` >= 1 -> ``(B, 2F)``."""
    mask = length_mask(lengths, h.shape[1]).unsqueeze(-1)  # (B, T, 1)
    mean = (h * mask).sum(dim=1) / lengths[:, None].to(h.dtype)  # (B, F)
    largest = h.masked_fill(~mask, torch.finfo(h.dtype).min).amax(dim=1)  # (B, F)
    return torch.cat([mean, largest], dim=-1)


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` steps, leave its padding in place: ``(B, T, F)``.

    Its own inverse. What a backward RNN direction should read for 3'-padded rows.

    >>> reverse_padded(torch.tensor([[1, 2, 3, 0], [1, 2, 0, 0]])[..., None], torch.tensor([3, 2]))[..., 0]
    tensor([[3, 2, 1, 0],
            [2, 1, 0, 0]])
    """
    t = torch.arange(x.shape[1], device=x.device)  # (T,)
    source = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # (B, T)
    return x.gather(1, source.unsqueeze(-1).expand_as(x))


# ----------------------------------------------------------------------------------------------
# building blocks


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm whose statistics come from the real positions only: ``(B, C, L)``, mask ``(B, L)``.

    A plain ``BatchNorm1d`` averages over every position of the batch, padding included. How much
    of a batch is padding depends on which genes it holds (most genes are shorter than 1,000 bp, a
    few are much longer), so its mean and variance jump from batch to batch; the running averages
    used in eval mode then describe no batch in particular, and a model's eval-mode accuracy swings
    from epoch to epoch (notebook 05 measures it). Here, in training, each channel's mean and
    variance are taken over the real positions of the batch (``mask`` True) and the running
    averages are updated with those; in eval mode it is a plain BatchNorm with the running
    statistics. Same parameters and buffers as ``BatchNorm1d`` (saved weights load either way).

    >>> bn = MaskedBatchNorm1d(2)
    >>> x = torch.tensor([[[1.0, 3.0, 0.0], [2.0, 2.0, 0.0]]])    # one row, 2 real positions + 1 pad
    >>> y = bn(x, torch.tensor([[True, True, False]]))
    >>> [round(v, 3) for v in y[0, 0, :2].tolist()], [round(v, 2) for v in bn.running_mean.tolist()]
    ([-1.0, 1.0], [0.2, 0.2])
    """

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training or mask is None:
            return super().forward(x)
        weights = mask.unsqueeze(1).to(x.dtype)  # (B, 1, L): 1 at real positions
        n = weights.sum().clamp(min=2)
        mean = (x * weights).sum(dim=(0, 2)) / n  # (C,)
        var = ((x - mean[:, None]) ** 2 * weights).sum(dim=(0, 2)) / n  # (C,) biased, as BN uses
        with torch.no_grad():
            self.num_batches_tracked += 1
            # momentum=None: a plain average over all batches so far, as in BatchNorm1d
            step = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
            self.running_mean.lerp_(mean, step)
            self.running_var.lerp_(var * n / (n - 1), step)  # unbiased, as BN stores
        x_hat = (x - mean[:, None]) / torch.sqrt(var[:, None] + self.eps)
        return x_hat * self.weight[:, None] + self.bias[:, None]  # (B, C, L)


def recompute_batchnorm(model: nn.Module, batches) -> int:
    """Give every BatchNorm layer of ``model`` the exact statistics of ``batches``; return how many.

    In training a BatchNorm keeps *running* averages of each batch's mean and variance (each batch
    moves them by ``momentum``, 10 %), and eval mode uses those. Adam moves the weights by about
    ``lr`` per step even when the loss is nearly zero, so the averages describe the weights of a
    few batches ago, and eval-mode predictions change from epoch to epoch more than the weights do
    (notebook 05 measures it). This resets the averages, runs ``batches`` (an iterable of model
    inputs, e.g. the one-hot training rows in chunks) through the model once without gradients,
    with the BatchNorm layers in training mode and everything else (dropout) in eval mode, and
    keeps the plain mean over the batches. ``fit(recompute_bn=True)`` calls it after every epoch.
    Leaves the model in eval mode.

    >>> net = nn.Sequential(nn.Conv1d(4, 3, 5), nn.BatchNorm1d(3))
    >>> recompute_batchnorm(net, [torch.randn(8, 4, 20), torch.randn(8, 4, 20)])
    1
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    saved = [{k: v.clone() for k, v in m.state_dict().items()} for m in norms]
    model.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # None: running statistics = plain average over the batches below
        m.train()
    try:
        seen = 0
        with torch.no_grad():
            for x in batches:
                model(x)
                seen += 1
        if seen == 0:
            for m, state in zip(norms, saved, strict=True):
                m.load_state_dict(state)  # nothing lost
            raise ValueError("recompute_batchnorm got no batches: pass at least one model input")
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        model.eval()
    return len(norms)


class ConvBlock(nn.Module):
    """Eq. 5-6: ``y = ReLU(BN(conv(x)))`` (with "same" padding), zero the padding, max-pool, dropout.

    ``(B, C_in, L)``, lengths ``(B,)`` -> ``(B, C_out, ceil(L / pool))``, lengths ``ceil(l / pool)``.
    The BatchNorm's statistics come from real positions only (``MaskedBatchNorm1d``). The mask keeps
    padded positions at exactly zero, so the next convolution sees the same zeros whether a row has
    0 or 1,000 padding columns; with ReLU features >= 0, a pooling window that straddles the end of a
    row returns the max of its real part. ``dropout`` (default 0) acts on the block's output, i.e.
    on the next block's BatchNorm input: it makes the statistics seen in training differ from those
    at test time, so the classifiers keep their dropout in the dense head instead (notebook 05).
    ``norm="batch"`` takes the statistics over every position, padding included (plain
    ``BatchNorm1d``; the course's CNN before notebook 05's experiment), for comparison.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 9, pool: int = 4,
                 dropout: float = 0.0, norm: str = "masked"):
        super().__init__()
        if norm not in ("masked", "batch"):
            raise ValueError(f"norm must be 'masked' or 'batch', got {norm!r}")
        self.pool, self.masked = pool, norm == "masked"
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same")
        self.norm = MaskedBatchNorm1d(out_channels)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = length_mask(lengths, x.shape[-1])  # (B, L) True at real positions
        y = F.relu(self.norm(self.conv(x), mask if self.masked else None))  # (B, C_out, L)   eq. 5
        y = y * mask.unsqueeze(1)  # padding -> 0
        if self.pool > 1:
            y = F.max_pool1d(y, self.pool, ceil_mode=True)  # (B, C_out, ceil(L/pool))   eq. 6
            lengths = torch.div(lengths + self.pool - 1, self.pool, rounding_mode="floor")
        return self.drop(y), lengths


class ConvStack(nn.Module):
    """Convolution blocks in a row: ``(B, 4, L)`` -> ``(B, channels[-1], ~L / pool**n)`` and lengths."""

    def __init__(self, in_channels: int = 4, channels=(64, 128), kernel_size: int = 9, pool: int = 4,
                 dropout: float = 0.0, norm: str = "masked"):
        super().__init__()
        sizes = [in_channels, *channels]
        self.blocks = nn.ModuleList(ConvBlock(c_in, c_out, kernel_size, pool, dropout, norm)
                                    for c_in, c_out in zip(sizes[:-1], sizes[1:], strict=True))
        self.out_channels = sizes[-1]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for block in self.blocks:
            x, lengths = block(x, lengths)
        return x, lengths


_RNN_TYPES = {"lstm": nn.LSTM, "gru": nn.GRU}
_SUMMARIES = ("meanmax", "last")


class RecurrentEncoder(nn.Module):
    """``nn.LSTM``/``nn.GRU`` layers over the real steps of each row, summarised into one vector.

    ``(B, T, F)``, lengths ``(B,)`` -> ``(B, out_features)``.

    Padding: the forward direction reads every row from its first base; the padding comes *after*
    the real bases, so it cannot change any output at a real position, and we simply mask it in the
    summary. The backward direction (BiLSTM) reads ``reverse_padded(x, lengths)``: each row's real
    bases in reverse order, padding left at the end; its outputs are flipped back the same way.
    So a bidirectional layer is two one-way layers, and neither direction ever reads padding
    before a real base. (This is exactly what ``pack_padded_sequence`` computes; we do it by hand
    because autograd through a packed, variable-length batch is ~100x slower on a CPU.)
    Lengths of 0 are treated as 1 (one all-zero step).

    ``summary="meanmax"``: mean and max of the last layer's outputs over real steps (``2H`` features,
    ``4H`` for a BiLSTM). ``summary="last"``: the final hidden state(s) -- the forward output at the
    last real base (and the backward output at the first base) -- ``H`` or ``2H`` features.
    For an LSTM the forget-gate bias starts at 1 (keep the memory by default), which helps over
    long sequences (Jozefowicz et al. 2015).
    """

    def __init__(self, input_size: int, cell: str = "lstm", hidden_size: int = 128, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, summary: str = "meanmax"):
        super().__init__()
        if cell not in _RNN_TYPES:
            raise ValueError(f"cell must be one of {sorted(_RNN_TYPES)}, got {cell!r}")
        if summary not in _SUMMARIES:
            raise ValueError(f"summary must be one of {_SUMMARIES}, got {summary!r}")
        self.summary, self.bidirectional = summary, bidirectional
        directions = 2 if bidirectional else 1
        sizes = [input_size] + [hidden_size * directions] * (num_layers - 1)

        def layer(size):
            rnn = _RNN_TYPES[cell](size, hidden_size, batch_first=True)
            if cell == "lstm":  # PyTorch's gate order: input, forget, candidate, output
                with torch.no_grad():
                    rnn.bias_ih_l0[hidden_size:2 * hidden_size].fill_(1.0)
                    rnn.bias_hh_l0[hidden_size:2 * hidden_size].fill_(0.0)
            return rnn

        self.forward_layers = nn.ModuleList(layer(size) for size in sizes)
        self.backward_layers = nn.ModuleList(layer(size) for size in sizes) if bidirectional else None
        self.drop = nn.Dropout(dropout)
        self.out_features = hidden_size * directions * (2 if summary == "meanmax" else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.clamp(min=1)  # an all-padding row: one zero step
        h = x  # (B, T, F)
        for k, forward_rnn in enumerate(self.forward_layers):
            if k > 0:
                h = self.drop(h)  # dropout between layers
            out = forward_rnn(h)[0]  # (B, T, H)
            if self.bidirectional:
                back = self.backward_layers[k](reverse_padded(h, lengths))[0]  # (B, T, H), reversed
                out = torch.cat([out, reverse_padded(back, lengths)], dim=-1)  # (B, T, 2H)
            h = out
        if self.summary == "meanmax":
            return masked_mean_max(h, lengths)  # (B, 2H * directions)
        rows = torch.arange(h.shape[0], device=h.device)
        H = self.forward_layers[-1].hidden_size
        last = h[rows, lengths - 1, :H]  # (B, H) forward state at the last real base
        if self.bidirectional:
            last = torch.cat([last, h[:, 0, H:]], dim=-1)  # + backward state after reading base 0
        return last


class Head(nn.Module):
    """Dense layers ``[BatchNorm ->] Linear -> ReLU -> Dropout -> Linear``: ``(B, F)`` -> ``(B, n_classes)``.

    ``norm=True`` first standardises each input feature (``BatchNorm1d``; running statistics in
    eval mode, so items stay independent). The recurrent models need it: a mean over 1,000 steps of
    ``tanh`` outputs differs very little from one sequence to the next, and without the
    standardisation our LSTM and GRU stayed at the majority class for 12 epochs on the chimp data,
    while with it they learned from the first epochs (CNN_LSTM also did much better).
    """

    def __init__(self, in_features: int, n_classes: int, hidden: int = 128, dropout: float = 0.3,
                 norm: bool = False):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm1d(in_features) if norm else nn.Identity(),
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_classes),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


# ----------------------------------------------------------------------------------------------
# the three kinds of classifier


class CNN(nn.Module):
    """Convolutional classifier (paper eq. 5-6).

    ``(B, 4, L)`` -> conv blocks, each ``max_pool(ReLU(BN(conv(x))))`` -> ``(B, C, T)`` with
    ``T = ceil(L / pool**n)`` -> a summary -> dense head -> ``(B, n_classes)``. Two summaries:

    * ``head="meanmax"`` (ours, the default): mean and max of each channel over the real positions,
      ``(B, 2C)``: where a motif sits does not matter, and padding is never seen;
    * ``head="flatten"`` (the paper's "flattening layer" before "several dense layers"): all ``C * T``
      values in a row, ``(B, C * T)``: every position has its own weights, so ``length`` (the
      input length, eq. 1) must be given and every input must have it.

    Defaults: 3 blocks of 64, 128, 128 filters of width 9, pool 4 (1000 -> 250 -> 63 -> 16 positions).
    Padding is masked (see the module docstring).
    """

    def __init__(self, n_classes: int = 7, in_channels: int = 4, channels=(64, 128, 128),
                 kernel_size: int = 9, pool: int = 4, conv_dropout: float = 0.0, head_hidden: int = 128,
                 dropout: float = 0.3, head: str = "meanmax", length: int = 1000, norm: str = "masked"):
        super().__init__()
        if head not in ("meanmax", "flatten"):
            raise ValueError(f"head must be 'meanmax' or 'flatten', got {head!r}")
        self.summary, self.length = head, length
        self.features = ConvStack(in_channels, channels, kernel_size, pool, conv_dropout, norm)
        steps = length
        for _ in self.features.blocks:
            steps = -(-steps // pool) if pool > 1 else steps  # ceil: the pooling keeps a partial window
        width = 2 * self.features.out_channels if head == "meanmax" else self.features.out_channels * steps
        self.head = Head(width, n_classes, head_hidden, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.summary == "flatten" and x.shape[-1] != self.length:
            raise ValueError(f"head='flatten' was built for inputs of length {self.length}, got "
                             f"{x.shape[-1]}: build the CNN with length={x.shape[-1]}")
        lengths = sequence_lengths(x)  # (B,)
        h, lengths = self.features(x, lengths)  # (B, C, T)
        if self.summary == "flatten":
            return self.head(h.flatten(1))  # (B, C * T) -> (B, n_classes)
        z = masked_mean_max(h.transpose(1, 2), lengths.clamp(min=1))  # (B, 2C)
        return self.head(z)  # (B, n_classes)


class RecurrentNet(nn.Module):
    """Recurrent classifier over the raw one-hot sequence: "lstm", "gru" and "bilstm".

    ``(B, 4, L)`` -> ``(B, L, 4)`` (one step per base) -> ``nn.LSTM``/``nn.GRU`` (padding masked) ->
    summary (mean + max of the outputs over real steps by default) -> dense head (with a BatchNorm
    on its input, ``head_norm``; see ``Head``) -> ``(B, n_classes)``.
    The recurrence is sequential over all ``L`` steps (1,000 in the paper), which makes these the
    slowest models here; hidden size 64 keeps a CPU epoch bearable and cuDNN makes it fast on a GPU.
    """

    def __init__(self, n_classes: int = 7, cell: str = "lstm", bidirectional: bool = False,
                 in_channels: int = 4, hidden_size: int = 64, num_layers: int = 1,
                 rnn_dropout: float = 0.0, summary: str = "meanmax", head_hidden: int = 128,
                 dropout: float = 0.3, head_norm: bool = True):
        super().__init__()
        self.encoder = RecurrentEncoder(in_channels, cell, hidden_size, num_layers, bidirectional,
                                        rnn_dropout, summary)
        self.head = Head(self.encoder.out_features, n_classes, head_hidden, dropout, norm=head_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lengths = sequence_lengths(x)  # (B,)
        z = self.encoder(x.transpose(1, 2), lengths)  # (B, L, 4) -> (B, F)
        return self.head(z)  # (B, n_classes)


class ConvRecurrentNet(nn.Module):
    """CNN + recurrent hybrid (paper eq. 17-19): "cnn_lstm", "cnn_gru" and "cnn_bilstm".

    The paper's eq. 17 is the whole model, ``y_t = RNN(CNN(x_t))``; eq. 18 is its convolution (the same
    operation as eq. 5) and eq. 19 its recurrent step, ``h_t = RNN(h_{t-1}, c_t)`` with ``c_t`` the CNN's
    features. Here: ``(B, 4, L)`` -> conv blocks ``(B, C, ~L/pool**n)`` (eq. 18, then max-pooling) ->
    ``(B, T', C)`` -> ``nn.LSTM``/``nn.GRU`` (eq. 19) -> summary -> dense head (BatchNorm on its input,
    ``head_norm``) -> ``(B, n_classes)``. The summary and the head are the course's choice: the paper
    gives no equation after eq. 19.
    Defaults: 2 blocks of 64 and 128 filters, pool 4, so the recurrent layer reads 63 steps instead
    of 1,000. Lengths go through each pooling as ``ceil(l / pool)``, so padding stays masked.
    """

    def __init__(self, n_classes: int = 7, cell: str = "lstm", bidirectional: bool = False,
                 in_channels: int = 4, channels=(64, 128), kernel_size: int = 9, pool: int = 4,
                 conv_dropout: float = 0.0, hidden_size: int = 128, num_layers: int = 1,
                 rnn_dropout: float = 0.0, summary: str = "meanmax", head_hidden: int = 128,
                 dropout: float = 0.3, head_norm: bool = True, norm: str = "masked"):
        super().__init__()
        self.features = ConvStack(in_channels, channels, kernel_size, pool, conv_dropout, norm)
        self.encoder = RecurrentEncoder(self.features.out_channels, cell, hidden_size, num_layers,
                                        bidirectional, rnn_dropout, summary)
        self.head = Head(self.encoder.out_features, n_classes, head_hidden, dropout, norm=head_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lengths = sequence_lengths(x)  # (B,)
        h, lengths = self.features(x, lengths)  # (B, C, T')
        z = self.encoder(h.transpose(1, 2), lengths)  # (B, T', C) -> (B, F)
        return self.head(z)  # (B, n_classes)


# ----------------------------------------------------------------------------------------------
# build by name

_MODELS = {
    "cnn": (CNN, {}),
    "lstm": (RecurrentNet, {"cell": "lstm"}),
    "gru": (RecurrentNet, {"cell": "gru"}),
    "bilstm": (RecurrentNet, {"cell": "lstm", "bidirectional": True}),
    "cnn_lstm": (ConvRecurrentNet, {"cell": "lstm"}),
    "cnn_gru": (ConvRecurrentNet, {"cell": "gru"}),
    "cnn_bilstm": (ConvRecurrentNet, {"cell": "lstm", "bidirectional": True}),
    # LegNet and its extensions (dnacourse.legnet): builder functions, no preset arguments
    **{name: (builder, {}) for name, builder in _legnet.BUILDERS.items()},
}

# family of each name, and the default number of outputs of each family
_FAMILY = {name: "legnet" if name in _legnet.BUILDERS else "classifier" for name in _MODELS}
_DEFAULT_N_CLASSES = {"classifier": 7, "legnet": 18}


def available(family: str | None = None) -> list[str]:
    """The names ``build`` accepts: all of them, or one family's.

    ``family=None``: every name; ``"classifier"``: the seven classifiers in the paper's Table 1 order;
    ``"legnet"``: LegNet and its four extensions.

    >>> available("legnet")
    ['legnet', 'legnet_dilated', 'legnet_embedding', 'legnet_transformer', 'legnet_lstm']
    """
    if family is None:
        return list(_MODELS)
    if family not in _DEFAULT_N_CLASSES:
        raise ValueError(f"unknown model family {family!r}; valid families: None, "
                         f"{', '.join(map(repr, _DEFAULT_N_CLASSES))}")
    return [name for name in _MODELS if _FAMILY[name] == family]


def build(name: str, n_classes: int | None = None, **hyperparameters) -> nn.Module:
    """A fresh model by name (case-insensitive; ``-`` may stand for ``_``).

    ``n_classes``: number of outputs; ``None`` = the family's default, 7 gene families for a
    classifier, 18 expression bins for a LegNet (``build("legnet")`` is the DREAM model).
    ``hyperparameters`` go to the class's constructor (or the LegNet builder function), e.g.
    ``build("lstm", hidden_size=128)``, ``build("cnn", channels=(32, 64), kernel_size=7)``,
    ``build("bilstm", summary="last")``, ``build("legnet_dilated", alpha=0.4)``.

    >>> build("cnn_gru", n_classes=3)(torch.zeros(2, 4, 100)).shape
    torch.Size([2, 3])
    >>> build("legnet", stem_channels=32, stage_channels=(16, 16))(torch.zeros(2, 6, 150)).shape
    torch.Size([2, 18])
    """
    key = str(name).lower().replace("-", "_")
    if key not in _MODELS:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(_MODELS)}")
    if n_classes is None:
        n_classes = _DEFAULT_N_CLASSES[_FAMILY[key]]
    check_int(n_classes, "n_classes")
    cls, preset = _MODELS[key]
    return cls(n_classes=n_classes, **{**preset, **hyperparameters})


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters, e.g. ``count_parameters(build("cnn"))``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# ----------------------------------------------------------------------------------------------
# from scratch, for teaching


def _torch_weights(module: nn.Module) -> tuple[torch.Tensor, ...]:
    """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of an nn.LSTM/GRU (layer 0, forward) or a cell."""
    if isinstance(module, (nn.LSTM, nn.GRU)):
        if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0):
            raise ValueError("copy_weights_from expects one layer, one direction (and no proj_size)")
        suffix = "_l0"
    else:
        suffix = ""
    if not getattr(module, "bias", True):
        raise ValueError("copy_weights_from expects a module with biases (bias=True)")
    return tuple(getattr(module, f"{n}{suffix}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


class LSTMCell(nn.Module):
    """One LSTM step (paper eq. 7-12), one linear map per gate on the concatenation ``[h, x]``::

        f_t = sigmoid(W_f [h_{t-1}, x_t] + b_f)        forget gate        (7)
        i_t = sigmoid(W_i [h_{t-1}, x_t] + b_i)        input gate         (8)
        g_t = tanh(W_g [h_{t-1}, x_t] + b_g)           candidate C~_t     (9)
        C_t = f_t * C_{t-1} + i_t * g_t                cell update        (10)
        o_t = sigmoid(W_o [h_{t-1}, x_t] + b_o)        output gate        (11)
        h_t = o_t * tanh(C_t)                          hidden state       (12)

    ``x``: ``(B, input_size)``, state ``(h, c)`` each ``(B, hidden_size)`` -> new ``(h, c)``.
    ``nn.LSTM`` stores the same numbers differently (``W_ih x + b_ih + W_hh h + b_hh``, gates stacked
    in the order i, f, g, o); ``copy_weights_from`` converts.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        both = hidden_size + input_size
        self.W_f = nn.Linear(both, hidden_size)
        self.W_i = nn.Linear(both, hidden_size)
        self.W_g = nn.Linear(both, hidden_size)
        self.W_o = nn.Linear(both, hidden_size)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        h, c = state  # (B, H), (B, H)
        hx = torch.cat([h, x], dim=1)  # (B, H + I)   [h_{t-1}, x_t]
        f = torch.sigmoid(self.W_f(hx))  # (7)
        i = torch.sigmoid(self.W_i(hx))  # (8)
        g = torch.tanh(self.W_g(hx))  # (9)
        c = f * c + i * g  # (10)
        o = torch.sigmoid(self.W_o(hx))  # (11)
        h = o * torch.tanh(c)  # (12)
        return h, c

    @torch.no_grad()
    def copy_weights_from(self, module: nn.Module) -> LSTMCell:
        """Load the weights of an ``nn.LSTMCell`` or a one-layer, one-direction ``nn.LSTM``."""
        w_ih, w_hh, b_ih, b_hh = _torch_weights(module)
        for k, gate in enumerate([self.W_i, self.W_f, self.W_g, self.W_o]):  # torch order i, f, g, o
            rows = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
            gate.weight.copy_(torch.cat([w_hh[rows], w_ih[rows]], dim=1))  # acts on [h, x]
            gate.bias.copy_(b_ih[rows] + b_hh[rows])
        return self


class GRUCell(nn.Module):
    """One GRU step (paper eq. 13-16), in PyTorch's form so it can match ``nn.GRU`` exactly::

        z_t = sigmoid(W_z [h_{t-1}, x_t] + b_z)                     update gate    (13)
        r_t = sigmoid(W_r [h_{t-1}, x_t] + b_r)                     reset gate     (14)
        n_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn))   candidate h~_t (15, PyTorch's form)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}                       hidden state   (16, PyTorch's form)

    Two details differ from the paper's equations; both are PyTorch's (and cuDNN's) conventions.
    (a) The update gate: the paper's eq. 16 is ``h_t = (1 - z_t) * h_{t-1} + z_t * h~_t`` (``z`` weighs
    the candidate); here ``z`` weighs the old state. The same family of models with ``z`` and ``1 - z``
    swapped: since ``1 - sigmoid(a) = sigmoid(-a)``, a step with the paper's eq. 16 equals this cell's
    step with ``W_z`` and ``b_z`` negated. (b) The reset gate: the paper's eq. 15 resets the state
    *before* the matmul, ``tanh(W [r_t * h_{t-1}, x_t] + b)``; PyTorch resets *after* it,
    ``r_t * (W_hn h_{t-1} + b_hn)`` -- a slightly different model, not a rewriting, so the candidate
    needs its own input and hidden maps here.
    ``x``: ``(B, input_size)``, ``h``: ``(B, hidden_size)`` -> new ``h``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        both = hidden_size + input_size
        self.W_z = nn.Linear(both, hidden_size)
        self.W_r = nn.Linear(both, hidden_size)
        self.W_xn = nn.Linear(input_size, hidden_size)
        self.W_hn = nn.Linear(hidden_size, hidden_size)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        hx = torch.cat([h, x], dim=1)  # (B, H + I)   [h_{t-1}, x_t]
        z = torch.sigmoid(self.W_z(hx))  # (13)
        r = torch.sigmoid(self.W_r(hx))  # (14)
        n = torch.tanh(self.W_xn(x) + r * self.W_hn(h))  # (15)
        return (1 - z) * n + z * h  # (16)

    @torch.no_grad()
    def copy_weights_from(self, module: nn.Module) -> GRUCell:
        """Load the weights of an ``nn.GRUCell`` or a one-layer, one-direction ``nn.GRU``."""
        w_ih, w_hh, b_ih, b_hh = _torch_weights(module)
        H = self.hidden_size
        r_rows, z_rows, n_rows = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)  # torch order r, z, n
        for gate, rows in [(self.W_r, r_rows), (self.W_z, z_rows)]:
            gate.weight.copy_(torch.cat([w_hh[rows], w_ih[rows]], dim=1))
            gate.bias.copy_(b_ih[rows] + b_hh[rows])
        self.W_xn.weight.copy_(w_ih[n_rows])
        self.W_xn.bias.copy_(b_ih[n_rows])
        self.W_hn.weight.copy_(w_hh[n_rows])
        self.W_hn.bias.copy_(b_hh[n_rows])
        return self


class _ScratchRNN(nn.Module):
    """Runs a cell over time; shapes as ``nn.LSTM``/``nn.GRU`` with one layer, one direction."""

    cell_type: type = nn.Module

    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.cell = self.cell_type(input_size, hidden_size)
        self.hidden_size, self.batch_first = hidden_size, batch_first

    def copy_weights_from(self, module: nn.Module):
        """Load the weights of a one-layer, one-direction ``nn.LSTM``/``nn.GRU`` (or its cell)."""
        self.cell.copy_weights_from(module)
        return self

    @classmethod
    def from_torch(cls, module: nn.Module):
        """A scratch layer with ``module``'s sizes, ``batch_first`` and weights."""
        return cls(module.input_size, module.hidden_size,
                   getattr(module, "batch_first", True)).copy_weights_from(module)

    def _time_major(self, x: torch.Tensor) -> torch.Tensor:
        return x.transpose(0, 1) if self.batch_first else x  # -> (T, B, I)


class ScratchLSTM(_ScratchRNN):
    """``LSTMCell`` looped over time, a slow but readable ``nn.LSTM`` (one layer, one direction).

    ``x``: ``(B, T, I)`` if ``batch_first`` (the default, like our classifiers) else ``(T, B, I)``;
    optional ``state = (h_0, c_0)``, each ``(1, B, H)``. Returns ``output`` (``(B, T, H)`` or
    ``(T, B, H)``: ``h_t`` at every step) and ``(h_n, c_n)``, each ``(1, B, H)`` -- as ``nn.LSTM``.
    """

    cell_type = LSTMCell

    def forward(self, x: torch.Tensor, state=None):
        x = self._time_major(x)  # (T, B, I)
        if state is None:
            h = c = x.new_zeros(x.shape[1], self.hidden_size)  # (B, H)
        else:
            h, c = state[0][0], state[1][0]
        outputs = []
        for x_t in x:  # x_t: (B, I)
            h, c = self.cell(x_t, (h, c))
            outputs.append(h)
        output = torch.stack(outputs, dim=1 if self.batch_first else 0)
        return output, (h[None], c[None])


class ScratchGRU(_ScratchRNN):
    """``GRUCell`` looped over time, a slow but readable ``nn.GRU`` (one layer, one direction).

    ``x``: ``(B, T, I)`` if ``batch_first`` (the default) else ``(T, B, I)``; optional ``h_0``
    ``(1, B, H)``. Returns ``output`` (``h_t`` at every step) and ``h_n`` ``(1, B, H)`` -- as ``nn.GRU``.
    """

    cell_type = GRUCell

    def forward(self, x: torch.Tensor, h_0=None):
        x = self._time_major(x)  # (T, B, I)
        h = x.new_zeros(x.shape[1], self.hidden_size) if h_0 is None else h_0[0]  # (B, H)
        outputs = []
        for x_t in x:  # x_t: (B, I)
            h = self.cell(x_t, h)
            outputs.append(h)
        output = torch.stack(outputs, dim=1 if self.batch_first else 0)
        return output, h[None]
