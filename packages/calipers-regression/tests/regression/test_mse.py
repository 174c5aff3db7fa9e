from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import mean_squared_error as sk_mean_squared_error

from calipers.functional.regression import mean_squared_error
from calipers.regression import MeanSquaredError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6001)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: scikit-learn on the concatenated samples (single output: every element is one sample).
def _reference_mse(preds, target, squared=True, num_outputs=1):
    if num_outputs == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
        value = sk_mean_squared_error(target, preds)
    else:
        value = sk_mean_squared_error(target, preds, multioutput="raw_values")
    return value if squared else np.sqrt(value)


_BAD_COMMON = [
    BadInput(
        (torch.ones(3), torch.ones(4)), ValueError, r"`target` must have the same shape as `preds` \(3,\), got \(4,\)"
    ),
    BadInput(([1.0, 2.0], torch.ones(2)), TypeError, "`preds` must be a tensor, got list"),
    BadInput((torch.ones(2), None), TypeError, "`target` must be a tensor, got NoneType"),
    BadInput((torch.ones(2, dtype=torch.complex64), torch.ones(2)), TypeError, "`preds` must be a real tensor"),
    # issue 17: a primed metric took meta input, its count grew and its sum did not (compute halved)
    BadInput(
        (torch.ones(2, device="meta"), torch.ones(2, device="meta")),
        ValueError,
        r"MeanSquaredError: `preds` must be on the metric's device cpu, got a tensor on meta",
    ),
    BadInput((torch.ones(2), torch.ones(2, device="meta")), ValueError, r"`target` must be on the (metric's )?device"),
]
_BAD_OUTPUTS = BadInput(
    (torch.ones(4, 2), torch.ones(4, 2)), ValueError, r"`preds` must have shape \(N, 3\) to match `num_outputs`"
)

SPECS = [
    MetricSpec(
        MeanSquaredError,
        _reference_mse,
        _batches(_SIZES),
        functional=mean_squared_error,
        bad_inputs=_BAD_COMMON,
        id="mse",
    ),
    MetricSpec(
        MeanSquaredError,
        lambda p, t: _reference_mse(p, t, squared=False),
        _batches(_SIZES),
        metric_args={"squared": False},
        functional=mean_squared_error,
        id="rmse",
    ),
    MetricSpec(
        MeanSquaredError,
        _reference_mse,
        _batches(_SIZES, (2, 3)),
        functional=mean_squared_error,
        id="mse-3d-flat",
    ),
    MetricSpec(
        MeanSquaredError,
        lambda p, t: _reference_mse(p, t, num_outputs=3),
        _batches(_SIZES, (3,)),
        metric_args={"num_outputs": 3},
        functional=mean_squared_error,
        bad_inputs=[_BAD_OUTPUTS],
        id="mse-3-outputs",
    ),
    MetricSpec(
        MeanSquaredError,
        lambda p, t: _reference_mse(p, t, squared=False, num_outputs=3),
        _batches(_SIZES, (3,)),
        metric_args={"squared": False, "num_outputs": 3},
        functional=mean_squared_error,
        id="rmse-3-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_mse_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"squared": 1}, TypeError, "`squared` must be a bool, got 1"),
        ({"num_outputs": 0}, ValueError, "`num_outputs` must be an int >= 1, got 0"),
        ({"num_outputs": 2.0}, TypeError, "`num_outputs` must be an int >= 1, got 2.0"),
        ({"num_outputs": True}, TypeError, "`num_outputs` must be an int >= 1, got True"),
    ],
)
def test_mse_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"MeanSquaredError: {match}"):
        MeanSquaredError(**kwargs)
    with pytest.raises(error, match=f"mean_squared_error: {match}"):
        mean_squared_error(torch.ones(2), torch.ones(2), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (50,)),
        ({"squared": False}, (50,)),
        ({}, (20, 4)),
        ({"num_outputs": 4}, (20, 4)),
        ({"squared": False, "num_outputs": 4}, (20, 4)),
    ],
)
def test_mse_matches_torchmetrics(kwargs, shape):
    ours, theirs = MeanSquaredError(**kwargs), torchmetrics.MeanSquaredError(**kwargs)
    for _ in range(3):
        preds, target = torch.randn(shape, generator=_gen), torch.randn(shape, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            mean_squared_error(preds, target, **kwargs), tmf.mean_squared_error(preds, target, **kwargs)
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_mse_dtypes_and_empty_input():
    preds, target = torch.tensor([1, 2, 3]), torch.tensor([1, 2, 5])
    assert mean_squared_error(preds, target).dtype == torch.get_default_dtype()
    assert mean_squared_error(preds.double(), target.double()).dtype == torch.float64
    half = mean_squared_error(preds.half() * 200, target.half() * 200)  # squares overflow float16, sums are float32
    assert half.dtype == torch.float16 and torch.isfinite(half)
    assert torch.isnan(mean_squared_error(torch.ones(0), torch.ones(0)))
