from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import mean_absolute_percentage_error as sk_mean_absolute_percentage_error

from calipers.functional.regression import mean_absolute_percentage_error
from calipers.regression import MeanAbsolutePercentageError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6003)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    # targets away from 0: the reference (scikit-learn) and TorchMetrics floor |target| at different epsilons
    out = []
    for n in sizes:
        target = (torch.rand(n, *shape, generator=_gen) + 0.5) * torch.sign(torch.randn(n, *shape, generator=_gen))
        out.append((target + 0.3 * torch.randn(n, *shape, generator=_gen), target))
    return out


# Reference: scikit-learn on the concatenated samples.
def _reference_mape(preds, target):
    return sk_mean_absolute_percentage_error(target.reshape(-1), preds.reshape(-1))


SPECS = [
    MetricSpec(
        MeanAbsolutePercentageError,
        _reference_mape,
        _batches(_SIZES),
        functional=mean_absolute_percentage_error,
        bad_inputs=[
            BadInput((torch.ones(2), torch.ones(3)), ValueError, "`target` must have the same shape as `preds`"),
            BadInput((1.0, torch.ones(1)), TypeError, "MeanAbsolutePercentageError: `preds` must be a tensor"),
        ],
        id="mape",
    ),
    MetricSpec(
        MeanAbsolutePercentageError,
        _reference_mape,
        _batches(_SIZES, (3,)),
        functional=mean_absolute_percentage_error,
        id="mape-2d",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_mape_harness(spec):
    run_metric_tests(spec)


def test_mape_matches_torchmetrics_including_zero_targets():
    ours, theirs = MeanAbsolutePercentageError(), torchmetrics.MeanAbsolutePercentageError()
    for _ in range(3):
        preds, target = torch.randn(30, generator=_gen), torch.randn(30, generator=_gen)
        target[:3] = 0.0  # floored at 1.17e-6 like TorchMetrics: large but finite
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            mean_absolute_percentage_error(preds, target), tmf.mean_absolute_percentage_error(preds, target)
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())
    assert torch.isfinite(ours.compute())
