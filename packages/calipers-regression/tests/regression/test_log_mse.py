from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import mean_squared_log_error as sk_mean_squared_log_error

from calipers.functional.regression import mean_squared_log_error
from calipers.regression import MeanSquaredLogError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6006)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    # values in (-0.9, 4): log1p is defined, negative values included
    return [
        (torch.rand(n, *shape, generator=_gen) * 4.9 - 0.9, torch.rand(n, *shape, generator=_gen) * 4.9 - 0.9)
        for n in sizes
    ]


# Reference: scikit-learn on the concatenated samples.
def _reference_msle(preds, target):
    return sk_mean_squared_log_error(target.reshape(-1), preds.reshape(-1))


SPECS = [
    MetricSpec(
        MeanSquaredLogError,
        _reference_msle,
        _batches(_SIZES),
        functional=mean_squared_log_error,
        bad_inputs=[
            BadInput(
                (torch.tensor([0.5, -1.0]), torch.ones(2)),
                ValueError,
                r"MeanSquaredLogError: `preds` must hold values greater than -1 \(log1p is taken\), "
                r"got a minimum of -1",
            ),
            BadInput(
                (torch.ones(2), torch.tensor([-3.0, 1.0])), ValueError, "`target` must hold values greater than -1"
            ),
            BadInput((torch.ones(2), torch.ones(3)), ValueError, "`target` must have the same shape"),
        ],
        id="msle",
    ),
    MetricSpec(
        MeanSquaredLogError, _reference_msle, _batches(_SIZES, (2, 2)), functional=mean_squared_log_error, id="msle-3d"
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_msle_harness(spec):
    run_metric_tests(spec)


def test_msle_functional_rejects_values_at_or_below_minus_one():
    with pytest.raises(ValueError, match="mean_squared_log_error: `target` must hold values greater than -1"):
        mean_squared_log_error(torch.zeros(2), torch.tensor([0.0, -1.0]))


def test_msle_matches_torchmetrics():
    ours, theirs = MeanSquaredLogError(), torchmetrics.MeanSquaredLogError()
    for _ in range(3):
        preds, target = torch.rand(30, generator=_gen) * 5, torch.rand(30, generator=_gen) * 5
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(mean_squared_log_error(preds, target), tmf.mean_squared_log_error(preds, target))
    torch.testing.assert_close(ours.compute(), theirs.compute())
