"""Property tests over every registered spec of every package, and the meta-test that every metric has one."""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import pytest

from calipers import Metric
from calipers_testing import check_batch_split_invariance, check_order_invariance, collect_specs

SPECS = collect_specs()

# Base classes meant for subclassing, not metrics to test on their own.
_ABSTRACT = {"Metric", "BaseAggregator", "WrapperMetric"}
_NAMESPACES = {
    "calipers-base": ["calipers", "calipers.aggregation", "calipers.wrappers"],
    "calipers-classification": ["calipers.classification"],
    "calipers-regression": ["calipers.regression"],
    "calipers-retrieval": ["calipers.retrieval"],
    "calipers-audio": ["calipers.audio"],
    "calipers-text": ["calipers.text"],
}


def _public_metrics():
    found = {}
    for dist, modules in _NAMESPACES.items():
        for module_name in modules:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            for name in getattr(module, "__all__", []):
                obj = getattr(module, name)
                if inspect.isclass(obj) and issubclass(obj, Metric) and name not in _ABSTRACT:
                    found[obj] = dist
    return found


def test_specs_are_registered():
    assert len(SPECS) >= 10


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_batch_split_invariance(spec):
    check_batch_split_invariance(spec)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_order_invariance(spec):
    check_order_invariance(spec)


def test_every_public_metric_has_a_harness_spec():
    covered = {spec.metric_class for spec in SPECS}
    missing = sorted(
        f"{dist}: {cls.__module__}.{cls.__qualname__}" for cls, dist in _public_metrics().items() if cls not in covered
    )
    assert not missing, "public metrics without a MetricSpec in any package's tests:\n" + "\n".join(missing)
