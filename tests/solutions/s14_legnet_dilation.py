"""Notebook 14: receptive fields of LegNet's conv path for other dilation rates."""

import dnacourse as dc


def receptive_field(model):
    """1 + sum of d (k - 1) over every k-wide conv of the path, the wider one where a dilated twin runs in parallel."""
    return 1 + sum(max(c.dilation[0] * (c.kernel_size[0] - 1) for c in step) for step in dc.legnet.conv_path(model))


def dilation_fields():
    """{dilations: receptive field} for the two rate schedules of exercise 14.2."""
    return {d: receptive_field(dc.models.build("legnet_dilated", alpha=0.2, dilations=d))
            for d in [(1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1)]}
