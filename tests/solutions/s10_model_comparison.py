"""Notebook 10, exercise 3: a threshold sweep."""

import pandas as pd

import dnacourse as dc


def threshold_sweep(y, prob, thresholds):
    """One row per threshold with the columns of dc.metrics.thresholded_metrics."""
    return pd.DataFrame([{"threshold": t, **dc.metrics.thresholded_metrics(y, prob, threshold=t)}
                         for t in thresholds])
