"""Property tests over every registered spec of every package, and the meta-test that every metric has one."""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import pytest

from calipers import Metric
from calipers_testing import check_batch_split_invariance, check_order_invariance, collect_specs
from calipers_testing.registry import check_empty_update, check_nan_policy

SPECS = collect_specs()

# Specs that fail a property on code owned elsewhere, with the issue that fixes them (strict: fixed means remove).
_KNOWN: dict[tuple[str, str], str] = {}


def _params(prop):
    return [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=_KNOWN[(prop, s.name)]))
        if (prop, s.name) in _KNOWN
        else s
        for s in SPECS
    ]


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


@pytest.mark.parametrize("spec", _params("empty_update"), ids=lambda s: s.name)
def test_an_empty_batch_is_a_no_op_update(spec):
    """Issue 11: an update with no samples leaves every state of every metric of every installed domain unchanged."""
    check_empty_update(spec)


@pytest.mark.parametrize("spec", _params("nan_policy"), ids=lambda s: s.name)
def test_nan_inputs_follow_the_family_policy(spec):
    """Issue 11: a NaN score does what the family's documented policy says (NAN_POLICIES; the docs pages)."""
    check_nan_policy(spec)


def test_every_public_metric_has_a_harness_spec():
    covered = {spec.metric_class for spec in SPECS}
    missing = sorted(
        f"{dist}: {cls.__module__}.{cls.__qualname__}" for cls, dist in _public_metrics().items() if cls not in covered
    )
    assert not missing, "public metrics without a MetricSpec in any package's tests:\n" + "\n".join(missing)
