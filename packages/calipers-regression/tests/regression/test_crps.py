from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics.functional.regression as tmf
import torchmetrics.regression

from calipers.functional.regression import continuous_ranked_probability_score
from calipers.regression import ContinuousRankedProbabilityScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6010)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, members):
    return [(torch.randn(n, members, generator=_gen), torch.randn(n, generator=_gen)) for n in sizes]


# Reference: NumPy from the ensemble formula with the full pairwise matrix,
# mean_i |x_i - y| - 1 / (2 M^2) sum_ij |x_i - x_j|, averaged over the samples.
def _reference_crps(preds, target):
    to_target = np.abs(preds - target[:, None]).mean(axis=1)
    pairwise = np.abs(preds[:, :, None] - preds[:, None, :]).sum(axis=(1, 2)) / (2 * preds.shape[1] ** 2)
    return np.mean(to_target - pairwise)


_BAD = [
    BadInput(
        (torch.ones(3), torch.ones(3)),
        ValueError,
        r"`preds` must have shape \(N, M\) with M >= 2 ensemble members, got \(3,\)",
    ),
    BadInput((torch.ones(3, 1), torch.ones(3)), ValueError, r"M >= 2 ensemble members, got \(3, 1\)"),
    BadInput((torch.ones(3, 4), torch.ones(2)), ValueError, r"`target` must have shape \(3,\), got \(2,\)"),
    BadInput((torch.ones(3, 4), torch.ones(3, 4)), ValueError, r"`target` must have shape \(3,\), got \(3, 4\)"),
    BadInput((torch.ones(3, 4), 1.0), TypeError, "`target` must be a tensor, got float"),
]

SPECS = [
    MetricSpec(
        ContinuousRankedProbabilityScore,
        _reference_crps,
        _batches(_SIZES, members),
        functional=continuous_ranked_probability_score,
        bad_inputs=_BAD if members == 5 else (),
        id=f"crps-{members}",
    )
    for members in (2, 5, 16)
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_crps_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("members", [2, 3, 10, 50])
def test_crps_matches_torchmetrics(members):
    ours, theirs = ContinuousRankedProbabilityScore(), torchmetrics.regression.ContinuousRankedProbabilityScore()
    for n in (12, 5, 30):
        preds, target = torch.randn(n, members, generator=_gen), torch.randn(n, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            continuous_ranked_probability_score(preds, target),
            tmf.continuous_ranked_probability_score(preds, target),
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_crps_of_identical_members_is_the_absolute_error():
    preds = torch.tensor([[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(continuous_ranked_probability_score(preds, torch.tensor([1.0, 0.5])), torch.tensor(0.75))
