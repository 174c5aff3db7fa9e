"""`WrapperMetric`: the base class of metrics that wrap other metrics."""

from __future__ import annotations

from calipers.metric import Metric

__all__ = ["WrapperMetric"]


class WrapperMetric(Metric):
    """Base class of wrappers: a metric whose behaviour comes from one or more wrapped metrics."""
