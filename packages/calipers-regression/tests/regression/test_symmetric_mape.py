from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import symmetric_mean_absolute_percentage_error
from calipers.regression import SymmetricMeanAbsolutePercentageError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6004)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: NumPy from the published formula, 2 |p - t| / max(|p| + |t|, eps), averaged.
def _reference_smape(preds, target):
    return np.mean(2 * np.abs(preds - target) / np.maximum(np.abs(preds) + np.abs(target), 1.17e-6))


SPECS = [
    MetricSpec(
        SymmetricMeanAbsolutePercentageError,
        _reference_smape,
        _batches(_SIZES),
        functional=symmetric_mean_absolute_percentage_error,
        bad_inputs=[
            BadInput((torch.ones(2, 2), torch.ones(2)), ValueError, r"must have the same shape as `preds` \(2, 2\)")
        ],
        id="smape",
    ),
    MetricSpec(
        SymmetricMeanAbsolutePercentageError,
        _reference_smape,
        _batches(_SIZES, (2, 2)),
        functional=symmetric_mean_absolute_percentage_error,
        id="smape-3d",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_smape_harness(spec):
    run_metric_tests(spec)


def test_smape_matches_torchmetrics_including_zeros():
    ours, theirs = SymmetricMeanAbsolutePercentageError(), torchmetrics.SymmetricMeanAbsolutePercentageError()
    for _ in range(3):
        preds, target = torch.randn(30, generator=_gen), torch.randn(30, generator=_gen)
        preds[:2], target[:2] = 0.0, 0.0  # 0/eps: no error
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            symmetric_mean_absolute_percentage_error(preds, target),
            tmf.symmetric_mean_absolute_percentage_error(preds, target),
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_smape_bounds():
    assert symmetric_mean_absolute_percentage_error(torch.tensor([1.0, -1.0]), torch.tensor([-1.0, 1.0])) == 2.0
    assert symmetric_mean_absolute_percentage_error(torch.zeros(3), torch.zeros(3)) == 0.0
