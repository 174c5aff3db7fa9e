"""Cross-family checks of the error metrics: TorchMetrics API parity, namespaces, empty batches and NaN."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
import torchmetrics.functional.regression as tm_functional
import torchmetrics.regression as tm_regression

import calipers
import calipers.functional
import calipers.functional.regression as functional
import calipers.regression as regression

_CLASSES = [
    "ContinuousRankedProbabilityScore", "CriticalSuccessIndex", "ExplainedVariance", "LogCoshError",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogError",
    "MinkowskiDistance", "NormalizedRootMeanSquaredError", "R2Score", "RelativeSquaredError",
    "SymmetricMeanAbsolutePercentageError", "TweedieDevianceScore", "WeightedMeanAbsolutePercentageError",
]  # fmt: skip
_FUNCTIONS = [
    "continuous_ranked_probability_score", "critical_success_index", "explained_variance", "log_cosh_error",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_log_error",
    "minkowski_distance", "normalized_root_mean_squared_error", "r2_score", "relative_squared_error",
    "symmetric_mean_absolute_percentage_error", "tweedie_deviance_score", "weighted_mean_absolute_percentage_error",
]  # fmt: skip
# Keyword-only options calipers adds after the TorchMetrics parameters.
_ADDED = {"R2Score": {"num_outputs"}, "ExplainedVariance": {"num_outputs"}}


def _parameters(fn, added=frozenset()):
    params = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("self", "kwargs")]
    return [(p.name, p.kind, p.default) for p in params if p.name not in added]


@pytest.mark.parametrize("name", _CLASSES)
def test_class_signature_and_flags_match_torchmetrics(name):
    ours, theirs = getattr(regression, name), getattr(tm_regression, name)
    assert _parameters(ours.__init__, _ADDED.get(name, set())) == _parameters(theirs.__init__)
    assert _parameters(ours.update) == _parameters(theirs.update)
    for added in _ADDED.get(name, ()):
        assert inspect.signature(ours.__init__).parameters[added].kind is inspect.Parameter.KEYWORD_ONLY
    assert ours.is_differentiable == theirs.is_differentiable
    assert ours.higher_is_better == theirs.higher_is_better
    assert ours.full_state_update is False  # forward costs one update (TorchMetrics: NRMSE needs full updates)


@pytest.mark.parametrize("name", _FUNCTIONS)
def test_function_signature_matches_torchmetrics(name):
    assert _parameters(getattr(functional, name)) == _parameters(getattr(tm_functional, name))


def test_namespaces_export_the_error_metrics():
    assert set(_CLASSES) <= set(regression.__all__)
    assert set(_FUNCTIONS) <= set(functional.__all__)
    assert regression.__all__ == sorted(regression.__all__)
    assert functional.__all__ == sorted(functional.__all__)
    # top-level re-exports follow TorchMetrics: CRPS is only in the regression namespaces there too
    assert calipers.MeanSquaredError is regression.MeanSquaredError
    assert calipers.functional.r2_score is functional.r2_score


def _batch(name, n):
    g = torch.Generator().manual_seed(n)
    if name == "ContinuousRankedProbabilityScore":
        return torch.randn(n, 4, generator=g), torch.randn(n, generator=g)
    return torch.rand(n, generator=g) + 0.1, torch.rand(n, generator=g) + 0.1


_ARGS = {
    "CriticalSuccessIndex": {"threshold": 0.5},
    "MinkowskiDistance": {"p": 2},
    "TweedieDevianceScore": {"power": 1.5},
}


@pytest.mark.parametrize("name", _CLASSES)
def test_an_empty_batch_changes_nothing(name):
    cls = getattr(regression, name)
    with_empty, without = cls(**_ARGS.get(name, {})), cls(**_ARGS.get(name, {}))
    batch = _batch(name, 6)
    with_empty.update(*_batch(name, 0))
    with_empty.update(*batch)
    without.update(*batch)
    torch.testing.assert_close(with_empty.compute(), without.compute())


@pytest.mark.parametrize("name", [n for n in _CLASSES if n != "CriticalSuccessIndex"])
def test_nan_inputs_give_nan(name):
    metric = getattr(regression, name)(**_ARGS.get(name, {}))
    preds, target = _batch(name, 6)
    preds[2] = math.nan
    metric.update(preds, target)
    assert torch.isnan(metric.compute()).all()


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in _FUNCTIONS
        if n not in ("r2_score", "critical_success_index", "weighted_mean_absolute_percentage_error")
    ],
)
def test_empty_inputs_give_nan(name):
    args = {"minkowski_distance": {"p": 2}}.get(name, {})
    preds, target = (torch.ones(0, 3), torch.ones(0)) if "probability" in name else (torch.ones(0), torch.ones(0))
    value = getattr(functional, name)(preds, target, **args)
    assert torch.isnan(value) or (name == "minkowski_distance" and value == 0)


_EVERY_CLASS = sorted(regression.__all__)


def _device_batch(name):
    """A valid batch for the class ``name`` (2-D for the pairwise/distribution metrics)."""
    if name in ("CosineSimilarity", "KLDivergence", "JensenShannonDivergence"):
        return torch.tensor([[0.2, 0.8], [0.6, 0.4]]), torch.tensor([[0.3, 0.7], [0.5, 0.5]])
    if name == "ContinuousRankedProbabilityScore":
        return torch.tensor([[0.1, 0.4, 0.3], [0.5, 0.9, 0.6]]), torch.tensor([0.2, 0.7])
    return torch.tensor([0.2, 0.7, 0.5, 0.9]), torch.tensor([0.3, 0.6, 0.4, 1.0])


def _device_metric(name):
    cls = getattr(regression, name)
    return cls(0.5) if name == "CriticalSuccessIndex" else cls(2.0) if name == "MinkowskiDistance" else cls()


@pytest.mark.parametrize("name", _EVERY_CLASS)
def test_inputs_on_another_device_raise_before_any_state_changes(name):
    """Issue 17: a primed MeanSquaredError took meta input (its count grew, its sum did not); CSI moved to meta."""
    from calipers_testing.states import snapshot, snapshots_equal

    metric = _device_metric(name)
    preds, target = _device_batch(name)
    metric.update(preds, target)
    before = snapshot(metric)
    match = rf"{name}: `\w+` must be on the metric's device cpu, got a tensor on meta"
    for bad in ((preds.to("meta"), target), (preds, target.to("meta"))):
        with pytest.raises(ValueError, match=match):
            metric.update(*bad)
    assert snapshots_equal(before, snapshot(metric)) is None
