from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import weighted_mean_absolute_percentage_error
from calipers.regression import WeightedMeanAbsolutePercentageError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6005)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: NumPy from the published formula, sum |p - t| / sum |t|.
def _reference_wmape(preds, target):
    return np.sum(np.abs(preds - target)) / max(np.sum(np.abs(target)), 1.17e-6)


SPECS = [
    MetricSpec(
        WeightedMeanAbsolutePercentageError,
        _reference_wmape,
        _batches(_SIZES),
        functional=weighted_mean_absolute_percentage_error,
        bad_inputs=[BadInput((torch.ones(2), torch.ones(1)), ValueError, r"`target` must have the same shape")],
        id="wmape",
    ),
    MetricSpec(
        WeightedMeanAbsolutePercentageError,
        _reference_wmape,
        _batches(_SIZES, (3,)),
        functional=weighted_mean_absolute_percentage_error,
        id="wmape-2d",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_wmape_harness(spec):
    run_metric_tests(spec)


def test_wmape_matches_torchmetrics():
    ours, theirs = WeightedMeanAbsolutePercentageError(), torchmetrics.WeightedMeanAbsolutePercentageError()
    for _ in range(3):
        preds, target = torch.randn(30, 2, generator=_gen), torch.randn(30, 2, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            weighted_mean_absolute_percentage_error(preds, target),
            tmf.weighted_mean_absolute_percentage_error(preds, target),
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_wmape_zero_targets_are_floored():
    value = weighted_mean_absolute_percentage_error(torch.tensor([1e-7]), torch.tensor([0.0]))
    torch.testing.assert_close(value, torch.tensor(1e-7 / 1.17e-6))
