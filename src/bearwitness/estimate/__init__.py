"""Multiple systems estimation: how many people were never recorded on any list.

Data in, data out: capture histories (or linked records with match
probabilities) go in; estimates with intervals, diagnostics and charts come
out. Nothing here touches a database or a key.
"""

from bearwitness.estimate.dga import DgaResult, estimate_dga
from bearwitness.estimate.estimation import METHODS, Options, estimate
from bearwitness.estimate.histories import (
    CaptureHistories,
    histories_from_clusters,
    histories_from_patterns,
    histories_from_table,
    read_histories_csv,
)
from bearwitness.estimate.lcmcr import LcmcrSettings, estimate_lcmcr
from bearwitness.estimate.linkage_uncertainty import estimate_with_linkage, sample_clusters
from bearwitness.estimate.loglinear import LoglinearResult, fit_model, select_model
from bearwitness.estimate.posterior import Interval, Posterior
from bearwitness.estimate.result import EstimateResult, StratumResult

__all__ = [
    "METHODS",
    "CaptureHistories",
    "DgaResult",
    "EstimateResult",
    "Interval",
    "LcmcrSettings",
    "LoglinearResult",
    "Options",
    "Posterior",
    "StratumResult",
    "estimate",
    "estimate_dga",
    "estimate_lcmcr",
    "estimate_with_linkage",
    "fit_model",
    "histories_from_clusters",
    "histories_from_patterns",
    "histories_from_table",
    "read_histories_csv",
    "sample_clusters",
    "select_model",
]
