"""Notebook 13: parameters of LegNet with the bilinear and the plain squeeze-excite."""

import dnacourse as dc


def se_parameters(widths=None):
    """{"legnet": parameters, "plain": parameters} of LegNet at `widths` (default: DREAM widths)."""
    widths = widths or {}
    return {se: dc.models.count_parameters(dc.models.build("legnet", se=se, **widths))
            for se in ("legnet", "plain")}
