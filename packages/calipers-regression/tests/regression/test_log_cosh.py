from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import log_cosh_error
from calipers.regression import LogCoshError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6007)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(3 * torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: NumPy from the definition, log(cosh(d)) = logaddexp(d, -d) - log(2), averaged per output.
def _reference_log_cosh(preds, target):
    d = preds - target
    return np.mean(np.logaddexp(d, -d) - np.log(2.0), axis=0)


_BAD_NDIM = BadInput((torch.ones(2, 2, 2), torch.ones(2, 2, 2)), ValueError, "`preds` must be a 1- or 2-dimensional")

SPECS = [
    MetricSpec(
        LogCoshError,
        _reference_log_cosh,
        _batches(_SIZES),
        functional=log_cosh_error,
        bad_inputs=[
            _BAD_NDIM,
            BadInput(
                (torch.ones(4, 2), torch.ones(4, 2)),
                ValueError,
                r"LogCoshError: `preds` must have shape \(N,\) or \(N, 1\) when `num_outputs` is 1, got \(4, 2\)",
            ),
            BadInput((torch.ones(2), torch.ones(3)), ValueError, "`target` must have the same shape"),
        ],
        id="log-cosh",
    ),
    MetricSpec(
        LogCoshError,
        lambda p, t: _reference_log_cosh(p, t)[0],
        _batches(_SIZES, (1,)),
        functional=log_cosh_error,
        id="log-cosh-n-by-1",
    ),
    MetricSpec(
        LogCoshError,
        _reference_log_cosh,
        _batches(_SIZES, (3,)),
        metric_args={"num_outputs": 3},
        functional=log_cosh_error,
        functional_args={},
        bad_inputs=[_BAD_NDIM, BadInput((torch.ones(4), torch.ones(4)), ValueError, r"must have shape \(N, 3\)")],
        id="log-cosh-3-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_log_cosh_harness(spec):
    run_metric_tests(spec)


def test_log_cosh_rejects_bad_arguments():
    with pytest.raises(ValueError, match="LogCoshError: `num_outputs` must be an int >= 1, got 0"):
        LogCoshError(num_outputs=0)
    with pytest.raises(TypeError, match="LogCoshError: `num_outputs` must be an int >= 1, got None"):
        LogCoshError(num_outputs=None)


@pytest.mark.parametrize(("kwargs", "shape"), [({}, (40,)), ({}, (40, 1)), ({"num_outputs": 3}, (40, 3))])
def test_log_cosh_matches_torchmetrics(kwargs, shape):
    ours, theirs = LogCoshError(**kwargs), torchmetrics.LogCoshError(**kwargs)
    for _ in range(3):
        preds, target = torch.randn(shape, generator=_gen), torch.randn(shape, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(log_cosh_error(preds, target), tmf.log_cosh_error(preds, target))
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_log_cosh_is_finite_for_large_errors():
    # TorchMetrics overflows to inf here (exp(200) in float32); the value is |d| - log 2 to float precision.
    value = log_cosh_error(torch.tensor([200.0, -300.0]), torch.tensor([0.0, 0.0]))
    torch.testing.assert_close(value, torch.tensor(250.0 - np.log(2.0), dtype=torch.float32))
