from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import relative_squared_error
from calipers.regression import RelativeSquaredError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6013)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    out = []
    for n in sizes:
        target = torch.randn(n, *shape, generator=_gen)
        out.append((target + 0.7 * torch.randn(n, *shape, generator=_gen), target))
    return out


# Reference: NumPy from the formula, per output sum((t - p)^2) / sum((t - mean(t))^2), root if asked, then the mean.
def _reference(squared=True):
    def reference(preds, target):
        rse = np.sum((target - preds) ** 2, axis=0) / np.sum((target - target.mean(axis=0)) ** 2, axis=0)
        return np.mean(rse if squared else np.sqrt(rse))

    return reference


SPECS = [
    MetricSpec(
        RelativeSquaredError,
        _reference(),
        _batches(_SIZES),
        functional=relative_squared_error,
        bad_inputs=[
            BadInput(
                (torch.ones(3, 2), torch.ones(3, 2)),
                ValueError,
                r"RelativeSquaredError: `preds` must have shape \(N,\) or \(N, 1\) when `num_outputs` is 1",
            ),
            BadInput((torch.ones(3), torch.ones(2)), ValueError, "`target` must have the same shape"),
        ],
        forward_is_batch_value=False,  # a batch of one sample has no variance
        id="rse",
    ),
    MetricSpec(
        RelativeSquaredError,
        _reference(squared=False),
        _batches(_SIZES),
        metric_args={"squared": False},
        functional=relative_squared_error,
        forward_is_batch_value=False,
        id="rrse",
    ),
    MetricSpec(
        RelativeSquaredError,
        _reference(),
        _batches(_SIZES, (2,)),
        metric_args={"num_outputs": 2},
        functional=relative_squared_error,
        functional_args={},
        forward_is_batch_value=False,
        bad_inputs=[
            BadInput((torch.ones(3), torch.ones(3)), ValueError, r"must have shape \(N, 2\) to match `num_outputs`")
        ],
        id="rse-2-outputs",
    ),
    MetricSpec(
        RelativeSquaredError,
        _reference(squared=False),
        _batches(_SIZES, (2,)),
        metric_args={"num_outputs": 2, "squared": False},
        functional=relative_squared_error,
        functional_args={"squared": False},
        forward_is_batch_value=False,
        id="rrse-2-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_rse_harness(spec):
    run_metric_tests(spec)


def test_rse_rejects_bad_arguments():
    with pytest.raises(TypeError, match="RelativeSquaredError: `squared` must be a bool, got 'no'"):
        RelativeSquaredError(squared="no")
    with pytest.raises(TypeError, match="relative_squared_error: `squared` must be a bool, got None"):
        relative_squared_error(torch.ones(2), torch.ones(2), squared=None)
    with pytest.raises(ValueError, match="RelativeSquaredError: `num_outputs` must be an int >= 1, got 0"):
        RelativeSquaredError(num_outputs=0)


def test_rse_constant_target():
    # TorchMetrics divides by the float epsilon here (a large finite number); the ratio is infinite, or 0 if perfect.
    assert relative_squared_error(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0])).item() == float("inf")
    assert relative_squared_error(torch.tensor([2.0, 2.0]), torch.tensor([2.0, 2.0])).item() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (30,)),
        ({"squared": False}, (30,)),
        ({"num_outputs": 3}, (30, 3)),
        ({"num_outputs": 3, "squared": False}, (30, 3)),
    ],
)
def test_rse_matches_torchmetrics(kwargs, shape):
    ours, theirs = RelativeSquaredError(**kwargs), torchmetrics.RelativeSquaredError(**kwargs)
    functional_kwargs = {k: v for k, v in kwargs.items() if k != "num_outputs"}
    for batch in _batches([20, 30, 11], shape[1:]):
        torch.testing.assert_close(ours(*batch), theirs(*batch))
        torch.testing.assert_close(
            relative_squared_error(*batch, **functional_kwargs), tmf.relative_squared_error(*batch, **functional_kwargs)
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())
