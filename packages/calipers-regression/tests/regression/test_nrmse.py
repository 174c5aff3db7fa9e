from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import normalized_root_mean_squared_error
from calipers.regression import NormalizedRootMeanSquaredError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6015)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    out = []
    for n in sizes:
        target = torch.randn(n, *shape, generator=_gen) + 2.0
        out.append((target + 0.5 * torch.randn(n, *shape, generator=_gen), target))
    return out


# Reference: NumPy from the formula, RMSE / (mean | max - min | population std | sqrt(sum of squares)) of the target.
def _reference(normalization, num_outputs=1):
    def reference(preds, target):
        if num_outputs == 1:
            preds, target = preds.reshape(-1), target.reshape(-1)
        rmse = np.sqrt(np.mean((preds - target) ** 2, axis=0))
        denom = {
            "mean": lambda t: t.mean(axis=0),
            "range": lambda t: t.max(axis=0) - t.min(axis=0),
            "std": lambda t: t.std(axis=0),
            "l2": lambda t: np.sqrt(np.sum(t**2, axis=0)),
        }[normalization](target)
        return rmse / denom

    return reference


_NORMALIZATIONS = ("mean", "range", "std", "l2")
SPECS = [
    *[
        MetricSpec(
            NormalizedRootMeanSquaredError,
            _reference(norm),
            _batches(_SIZES),
            metric_args={"normalization": norm},
            functional=normalized_root_mean_squared_error,
            bad_inputs=[BadInput((torch.ones(3), torch.ones(2)), ValueError, "`target` must have the same shape")],
            forward_is_batch_value=norm not in ("range", "std"),  # one-sample batches have no spread
            id=f"nrmse-{norm}",
        )
        for norm in _NORMALIZATIONS
    ],
    *[
        MetricSpec(
            NormalizedRootMeanSquaredError,
            _reference(norm, 2),
            _batches(_SIZES, (2,)),
            metric_args={"normalization": norm, "num_outputs": 2},
            functional=normalized_root_mean_squared_error,
            bad_inputs=[
                BadInput((torch.ones(3, 3), torch.ones(3, 3)), ValueError, r"`preds` must have shape \(N, 2\)")
            ],
            forward_is_batch_value=norm not in ("range", "std"),
            id=f"nrmse-{norm}-2-outputs",
        )
        for norm in _NORMALIZATIONS
    ],
    MetricSpec(
        NormalizedRootMeanSquaredError,
        _reference("std"),
        _batches(_SIZES, (3, 2)),
        metric_args={"normalization": "std"},
        functional=normalized_root_mean_squared_error,
        forward_is_batch_value=False,
        id="nrmse-std-3d-flat",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_nrmse_harness(spec):
    run_metric_tests(spec)


def test_nrmse_rejects_bad_arguments():
    match = r"`normalization` must be one of \['l2', 'mean', 'range', 'std'\], got 'max'"
    with pytest.raises(ValueError, match=f"NormalizedRootMeanSquaredError: {match}"):
        NormalizedRootMeanSquaredError(normalization="max")
    with pytest.raises(ValueError, match=f"normalized_root_mean_squared_error: {match}"):
        normalized_root_mean_squared_error(torch.ones(2), torch.ones(2), normalization="max")
    with pytest.raises(ValueError, match="NormalizedRootMeanSquaredError: `num_outputs` must be an int >= 1, got 0"):
        NormalizedRootMeanSquaredError(num_outputs=0)


def test_nrmse_constant_target_std_is_exactly_zero():
    value = normalized_root_mean_squared_error(torch.tensor([0.1, 0.2, 0.4]), torch.full((3,), 0.1), "std")
    assert value.item() == float("inf")


@pytest.mark.parametrize("normalization", _NORMALIZATIONS)
@pytest.mark.parametrize("shape", [(30,), (30, 3)])
def test_nrmse_matches_torchmetrics(normalization, shape):
    kwargs = {"normalization": normalization, "num_outputs": 1 if len(shape) == 1 else shape[1]}
    ours, theirs = NormalizedRootMeanSquaredError(**kwargs), torchmetrics.NormalizedRootMeanSquaredError(**kwargs)
    for batch in _batches([20, 30, 11], shape[1:]):
        torch.testing.assert_close(ours(*batch), theirs(*batch))
        torch.testing.assert_close(
            normalized_root_mean_squared_error(*batch, **kwargs),
            tmf.normalized_root_mean_squared_error(*batch, **kwargs),
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())
