"""Wrappers that add behaviour around other metrics: bootstrapping, per-class and per-output values, tracking..."""

from __future__ import annotations

from calipers.wrappers.abstract import WrapperMetric
from calipers.wrappers.bootstrapping import BootStrapper
from calipers.wrappers.classwise import ClasswiseWrapper
from calipers.wrappers.feature_share import FeatureShare
from calipers.wrappers.minmax import MinMaxMetric
from calipers.wrappers.multioutput import MultioutputWrapper
from calipers.wrappers.multitask import MultitaskWrapper
from calipers.wrappers.running import Running
from calipers.wrappers.tracker import MetricTracker
from calipers.wrappers.transformations import BinaryTargetTransformer, LambdaInputTransformer, MetricInputTransformer

__all__ = [
    "BinaryTargetTransformer",
    "BootStrapper",
    "ClasswiseWrapper",
    "FeatureShare",
    "LambdaInputTransformer",
    "MetricInputTransformer",
    "MetricTracker",
    "MinMaxMetric",
    "MultioutputWrapper",
    "MultitaskWrapper",
    "Running",
    "WrapperMetric",
]
