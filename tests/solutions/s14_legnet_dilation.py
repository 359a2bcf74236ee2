"""Notebook 14: receptive fields of LegNet's conv path for other dilation rates."""

import dnacourse as dc


def receptive_field(model):
    """1 + sum of d (k - 1) over the stem conv and, per stage, the grouped conv and the wider local conv."""
    convs = [model.stem.conv]
    for stage in model.stages:
        convs.append(stage.inverted.grouped[0])
        local = stage.local
        convs.append(max(local.conv, local.dilated, key=lambda c: c.dilation[0] * (c.kernel_size[0] - 1)))
    return 1 + sum(c.dilation[0] * (c.kernel_size[0] - 1) for c in convs)


def dilation_fields():
    """{dilations: receptive field} for the two rate schedules of exercise 14.2."""
    return {d: receptive_field(dc.models.build("legnet_dilated", alpha=0.2, dilations=d))
            for d in [(1, 1, 2, 2, 3, 4), (8, 4, 2, 1, 1, 1)]}
