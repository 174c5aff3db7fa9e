__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__doc__ = """calipers: PyTorch metrics in installable domain packages.

``calipers`` (this distribution, ``calipers-base``) holds :class:`Metric`, metric arithmetic, the aggregation
metrics and the wrappers (the six TorchMetrics exports at its top level are here too: ``calipers.BootStrapper``...).
The domain distributions add ``calipers.classification``, ``calipers.regression``, ``calipers.retrieval``,
``calipers.audio`` and ``calipers.text``; their metrics are also reachable here (``calipers.Accuracy``...), imported
on first use.
"""

from calipers._lazy import make_lazy_namespace

# `X as X`: explicit re-exports (mypy --strict); `__all__` is computed, to list the installed domains' names too.
from calipers.aggregation import CatMetric as CatMetric
from calipers.aggregation import MaxMetric as MaxMetric
from calipers.aggregation import MeanMetric as MeanMetric
from calipers.aggregation import MinMetric as MinMetric
from calipers.aggregation import RunningMean as RunningMean
from calipers.aggregation import RunningSum as RunningSum
from calipers.aggregation import SumMetric as SumMetric
from calipers.collections import MetricCollection as MetricCollection
from calipers.compositional import CompositionalMetric as CompositionalMetric
from calipers.metric import Metric as Metric
from calipers.wrappers import BootStrapper as BootStrapper
from calipers.wrappers import ClasswiseWrapper as ClasswiseWrapper
from calipers.wrappers import MetricTracker as MetricTracker
from calipers.wrappers import MinMaxMetric as MinMaxMetric
from calipers.wrappers import MultioutputWrapper as MultioutputWrapper
from calipers.wrappers import MultitaskWrapper as MultitaskWrapper

__version__ = "0.1.0"

_EAGER = [
    "BootStrapper",
    "CatMetric",
    "ClasswiseWrapper",
    "CompositionalMetric",
    "MaxMetric",
    "MeanMetric",
    "Metric",
    "MetricCollection",
    "MetricTracker",
    "MinMaxMetric",
    "MinMetric",
    "MultioutputWrapper",
    "MultitaskWrapper",
    "RunningMean",
    "RunningSum",
    "SumMetric",
]
_SUBMODULES = (
    "aggregation",
    "collections",
    "compositional",
    "exceptions",
    "functional",
    "metric",
    "utilities",
    "wrappers",
)
__getattr__, __dir__ = make_lazy_namespace(__name__, [*_EAGER, "functional"], _SUBMODULES)
