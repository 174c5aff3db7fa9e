"""The shared calipers test harness: check a metric against a reference written by someone else.

from calipers_testing import MetricSpec, BadInput, run_metric_tests

SPECS = [MetricSpec(MeanMetric, reference=lambda x: x.mean(), batches=[(torch.rand(8),) for _ in range(5)])]

@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_mean(spec):
    run_metric_tests(spec)
"""

from __future__ import annotations

from calipers_testing.checks import ALL_CHECKS, MAX_COLLECTIVES, run_metric_tests
from calipers_testing.compare import HarnessFailure, assert_close
from calipers_testing.registry import (
    NAN_POLICIES,
    check_batch_split_invariance,
    check_empty_update,
    check_nan_policy,
    check_order_invariance,
    collect_specs,
)
from calipers_testing.spec import BadInput, MetricSpec, cat_batches, to_numpy

__all__ = [
    "ALL_CHECKS",
    "MAX_COLLECTIVES",
    "NAN_POLICIES",
    "BadInput",
    "HarnessFailure",
    "MetricSpec",
    "assert_close",
    "cat_batches",
    "check_batch_split_invariance",
    "check_empty_update",
    "check_nan_policy",
    "check_order_invariance",
    "collect_specs",
    "run_metric_tests",
    "to_numpy",
]
