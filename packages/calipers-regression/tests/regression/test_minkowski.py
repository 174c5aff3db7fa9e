from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from scipy.spatial.distance import minkowski

from calipers.functional.regression import minkowski_distance
from calipers.regression import MinkowskiDistance
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6008)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in sizes]


# Reference: SciPy's Minkowski distance between the flattened arrays.
def _reference(p):
    return lambda preds, targets: minkowski(preds.reshape(-1), targets.reshape(-1), p)


SPECS = [
    MetricSpec(
        MinkowskiDistance,
        _reference(p),
        _batches(_SIZES, shape),
        metric_args={"p": p},
        functional=minkowski_distance,
        bad_inputs=[BadInput((torch.ones(2), torch.ones(3)), ValueError, "`targets` must have the same shape")],
        id=f"minkowski-p{p}-{len(shape) + 1}d",
    )
    for p, shape in [(1, ()), (2, ()), (3, (2,)), (1.5, (3, 2))]
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_minkowski_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("p", "error", "match"),
    [
        (0.5, ValueError, "`p` must be a finite real number >= 1, got 0.5"),
        (float("inf"), ValueError, "`p` must be a finite real number >= 1, got inf"),
        (float("nan"), ValueError, "`p` must be a float, got nan"),
        ("2", TypeError, "`p` must be a float, got '2'"),
        (True, TypeError, "`p` must be a float, got True"),
    ],
)
def test_minkowski_rejects_bad_p(p, error, match):
    with pytest.raises(error, match=f"MinkowskiDistance: {match}"):
        MinkowskiDistance(p=p)
    with pytest.raises(error, match=f"minkowski_distance: {match}"):
        minkowski_distance(torch.ones(2), torch.ones(2), p=p)


@pytest.mark.parametrize("p", [1, 2, 2.5, 4])
def test_minkowski_matches_torchmetrics(p):
    ours, theirs = MinkowskiDistance(p), torchmetrics.MinkowskiDistance(p)
    for _ in range(3):
        preds, targets = torch.randn(20, 3, generator=_gen), torch.randn(20, 3, generator=_gen)
        torch.testing.assert_close(ours(preds, targets), theirs(preds, targets))
        torch.testing.assert_close(minkowski_distance(preds, targets, p), tmf.minkowski_distance(preds, targets, p))
    torch.testing.assert_close(ours.compute(), theirs.compute())
