from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import mean_absolute_error as sk_mean_absolute_error

from calipers.functional.regression import mean_absolute_error
from calipers.regression import MeanAbsoluteError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6002)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: scikit-learn on the concatenated samples (single output: every element is one sample).
def _reference_mae(preds, target, num_outputs=1):
    if num_outputs == 1:
        return sk_mean_absolute_error(target.reshape(-1), preds.reshape(-1))
    return sk_mean_absolute_error(target, preds, multioutput="raw_values")


_BAD = [
    BadInput((torch.ones(3), torch.ones(3, 1)), ValueError, r"`target` must have the same shape as `preds` \(3,\)"),
    BadInput((torch.ones(2), "t"), TypeError, "`target` must be a tensor, got str"),
]

SPECS = [
    MetricSpec(
        MeanAbsoluteError,
        _reference_mae,
        _batches(_SIZES),
        functional=mean_absolute_error,
        bad_inputs=_BAD,
        id="mae",
    ),
    MetricSpec(
        MeanAbsoluteError, _reference_mae, _batches(_SIZES, (4, 2)), functional=mean_absolute_error, id="mae-3d"
    ),
    MetricSpec(
        MeanAbsoluteError,
        lambda p, t: _reference_mae(p, t, num_outputs=2),
        _batches(_SIZES, (2,)),
        metric_args={"num_outputs": 2},
        functional=mean_absolute_error,
        bad_inputs=[BadInput((torch.ones(5), torch.ones(5)), ValueError, r"must have shape \(N, 2\)")],
        id="mae-2-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_mae_harness(spec):
    run_metric_tests(spec)


def test_mae_rejects_bad_arguments():
    with pytest.raises(ValueError, match="MeanAbsoluteError: `num_outputs` must be an int >= 1, got -1"):
        MeanAbsoluteError(num_outputs=-1)
    with pytest.raises(TypeError, match="mean_absolute_error: `num_outputs` must be an int >= 1, got '2'"):
        mean_absolute_error(torch.ones(2), torch.ones(2), num_outputs="2")


@pytest.mark.parametrize(("kwargs", "shape"), [({}, (40,)), ({}, (10, 3, 2)), ({"num_outputs": 3}, (30, 3))])
def test_mae_matches_torchmetrics(kwargs, shape):
    ours, theirs = MeanAbsoluteError(**kwargs), torchmetrics.MeanAbsoluteError(**kwargs)
    for _ in range(3):
        preds, target = torch.randn(shape, generator=_gen), torch.randn(shape, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            mean_absolute_error(preds, target, **kwargs), tmf.mean_absolute_error(preds, target, **kwargs)
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())
