"""Notebook 09: steps of the recurrent layer, an RNN-then-CNN model."""

import math

from torch import nn

import dnacourse as dc


def rnn_steps(length=1000, pools=(2, 8), n_blocks=2):
    """{pool: steps the LSTM of cnn_lstm reads}: every block pools with ceil."""
    answer = {}
    for pool in pools:
        steps = length
        for _ in range(n_blocks):
            steps = math.ceil(steps / pool)
        answer[pool] = steps
    return answer


class RNNThenCNN(nn.Module):
    """(B, 4, L) one-hot -> LSTM over the bases -> convolution blocks -> mean + max -> head -> (B, 7)."""

    def __init__(self, n_classes=7, hidden_size=64, channels=(64, 128)):
        super().__init__()
        self.rnn = nn.LSTM(4, hidden_size, batch_first=True)
        self.features = dc.models.ConvStack(hidden_size, channels)
        self.head = dc.models.Head(2 * self.features.out_channels, n_classes)

    def forward(self, x):
        real = dc.models.sequence_lengths(x)
        states, _ = self.rnn(x.transpose(1, 2))                       # (B, L, H)
        features, real = self.features(states.transpose(1, 2), real)  # (B, C, L')
        summary = dc.models.masked_mean_max(features.transpose(1, 2), real.clamp(min=1))
        return self.head(summary)
