from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import explained_variance_score

from calipers.functional.regression import explained_variance
from calipers.regression import ExplainedVariance
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6014)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    out = []
    for n in sizes:
        target = torch.randn(n, *shape, generator=_gen)
        out.append((0.8 * target + 0.5 * torch.randn(n, *shape, generator=_gen) + 0.2, target))
    return out


# Reference: scikit-learn's explained_variance_score.
def _reference(multioutput="uniform_average"):
    return lambda preds, target: explained_variance_score(target, preds, multioutput=multioutput)


SPECS = [
    MetricSpec(
        ExplainedVariance,
        _reference(),
        _batches(_SIZES),
        functional=explained_variance,
        bad_inputs=[
            BadInput((torch.ones(3), torch.ones(4)), ValueError, "`target` must have the same shape"),
            BadInput(
                (torch.ones(2, 2, 1), torch.ones(2, 2, 1)),
                ValueError,
                "ExplainedVariance: `preds` must be a 1- or 2-dimensional",
            ),
            BadInput(
                (torch.ones(3, 2), torch.ones(3, 2)),
                ValueError,
                r"`preds` must have shape \(N,\) or \(N, 1\) like the earlier batches",
            ),
        ],
        id="ev",
    ),
    *[
        MetricSpec(
            ExplainedVariance,
            _reference(mo),
            _batches(_SIZES, (3,)),
            metric_args={"multioutput": mo, "num_outputs": 3},
            functional=explained_variance,
            functional_args={"multioutput": mo},
            bad_inputs=[
                BadInput((torch.ones(3), torch.ones(3)), ValueError, r"must have shape \(N, 3\) to match `num_outputs`")
            ],
            id=f"ev-3-outputs-{mo}",
        )
        for mo in ("raw_values", "uniform_average", "variance_weighted")
    ],
    MetricSpec(
        ExplainedVariance,
        _reference("raw_values"),
        _batches(_SIZES, (2,)),
        metric_args={"multioutput": "raw_values"},
        functional=explained_variance,
        bad_inputs=[
            BadInput(
                (torch.ones(3, 3), torch.ones(3, 3)),
                ValueError,
                r"`preds` must have shape \(N, 2\) like the earlier batches",
            )
        ],
        id="ev-inferred-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_explained_variance_harness(spec):
    run_metric_tests(spec)


def test_explained_variance_rejects_bad_arguments():
    match = r"`multioutput` must be one of \['raw_values', 'uniform_average', 'variance_weighted'\], got None"
    with pytest.raises(ValueError, match=f"ExplainedVariance: {match}"):
        ExplainedVariance(multioutput=None)
    with pytest.raises(ValueError, match=f"explained_variance: {match}"):
        explained_variance(torch.ones(2), torch.ones(2), multioutput=None)
    with pytest.raises(TypeError, match="ExplainedVariance: `num_outputs` must be an int >= 1, got '3'"):
        ExplainedVariance(num_outputs="3")


@pytest.mark.parametrize(
    ("preds", "target"),
    [
        ([[1.0, 3.0], [2.0, 3.0], [3.0, 4.0]], [[2.0, 1.0], [2.0, 1.0], [2.0, 1.0]]),  # constant targets
        ([[2.0, 1.5], [2.0, 2.5], [2.0, 3.5]], [[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]]),  # constant target and error
        ([[0.1, 1.0], [0.2, 2.0], [0.3, 3.0]], [[0.1, 1.0], [0.2, 2.0], [0.3, 3.0]]),  # perfect
    ],
)
@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", "variance_weighted"])
def test_explained_variance_degenerate_cases_follow_scikit_learn(preds, target, multioutput):
    expected = explained_variance_score(target, preds, multioutput=multioutput)
    value = explained_variance(
        torch.tensor(preds, dtype=torch.float64), torch.tensor(target, dtype=torch.float64), multioutput
    )
    torch.testing.assert_close(value, torch.as_tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize(
    ("multioutput", "shape"),
    [("uniform_average", (30,)), ("raw_values", (30, 3)), ("variance_weighted", (30, 3)), ("uniform_average", (30, 3))],
)
def test_explained_variance_matches_torchmetrics(multioutput, shape):
    ours, theirs = ExplainedVariance(multioutput), torchmetrics.ExplainedVariance(multioutput)
    for batch in _batches([20, 30, 11], shape[1:]):
        torch.testing.assert_close(ours(*batch), theirs(*batch))
        torch.testing.assert_close(explained_variance(*batch, multioutput), tmf.explained_variance(*batch, multioutput))
    torch.testing.assert_close(ours.compute(), theirs.compute())
