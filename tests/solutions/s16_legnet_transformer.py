"""Notebook 16: a transformer neck without position codes."""

import dnacourse as dc


class NoPositionNeck(dc.legnet.TransformerNeck):
    """TransformerNeck without the sinusoidal position codes: (B, C, L) -> (B, C, L)."""

    def forward(self, x):
        h = self.encoder(x.transpose(1, 2))  # (B, L, C): attention over the positions
        return h.transpose(1, 2)
