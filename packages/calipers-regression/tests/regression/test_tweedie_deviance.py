from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import mean_tweedie_deviance

from calipers.functional.regression import tweedie_deviance_score
from calipers.regression import TweedieDevianceScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6009)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, power, shape=()):
    out = []
    for n in sizes:
        preds = torch.rand(n, *shape, generator=_gen) * 3 + 0.1  # strictly positive means
        if power == 0 or power < 0:
            targets = torch.randn(n, *shape, generator=_gen) * 2  # any real value
        elif power < 2:
            targets = torch.poisson(torch.rand(n, *shape, generator=_gen) * 3, generator=_gen)  # zeros included
        else:
            targets = torch.rand(n, *shape, generator=_gen) * 3 + 0.05
        out.append((preds, targets))
    return out


# Reference: scikit-learn's mean Tweedie deviance on the flattened samples.
def _reference(power):
    return lambda preds, targets: mean_tweedie_deviance(targets.reshape(-1), preds.reshape(-1), power=power)


_BAD_SHAPE = BadInput((torch.ones(2), torch.ones(3)), ValueError, "`targets` must have the same shape")
_BAD_DOMAIN = {
    -1.0: [
        BadInput(
            (torch.tensor([1.0, 0.0]), torch.ones(2)),
            ValueError,
            r"`preds` must be strictly positive for power=-1.0, got a minimum of 0.0",
        )
    ],
    0: [_BAD_SHAPE],
    1: [
        BadInput(
            (torch.tensor([-1.0, 2.0]), torch.ones(2)), ValueError, "`preds` must be strictly positive for power=1"
        ),
        BadInput(
            (torch.ones(2), torch.tensor([0.0, -2.0])),
            ValueError,
            r"`targets` must be non-negative for power=1, got a minimum of -2.0",
        ),
    ],
    1.5: [
        BadInput((torch.ones(2), torch.tensor([-0.5, 1.0])), ValueError, "`targets` must be non-negative for power=1.5")
    ],
    2: [
        BadInput(
            (torch.ones(2), torch.tensor([0.0, 1.0])), ValueError, "`targets` must be strictly positive for power=2"
        ),
        BadInput((torch.zeros(2), torch.ones(2)), ValueError, "`preds` must be strictly positive for power=2"),
    ],
    3: [
        BadInput(
            (torch.ones(2), torch.tensor([1.0, 0.0])), ValueError, "`targets` must be strictly positive for power=3"
        )
    ],
}

SPECS = [
    MetricSpec(
        TweedieDevianceScore,
        _reference(power),
        _batches(_SIZES, power, shape),
        metric_args={"power": power},
        functional=tweedie_deviance_score,
        bad_inputs=_BAD_DOMAIN[power],
        id=f"tweedie-p{power}",
    )
    for power, shape in [(0, ()), (1, ()), (1.5, (2,)), (2, ()), (3, ()), (-1.0, ())]
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_tweedie_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("power", "error", "match"),
    [
        (0.5, ValueError, "`power` must be a finite number <= 0 or >= 1, got 0.5"),
        (float("inf"), ValueError, "`power` must be a finite number <= 0 or >= 1, got inf"),
        (None, TypeError, "`power` must be a float, got None"),
    ],
)
def test_tweedie_rejects_bad_power(power, error, match):
    with pytest.raises(error, match=f"TweedieDevianceScore: {match}"):
        TweedieDevianceScore(power=power)
    with pytest.raises(error, match=f"tweedie_deviance_score: {match}"):
        tweedie_deviance_score(torch.ones(2), torch.ones(2), power=power)


def test_tweedie_functional_checks_the_domain():
    with pytest.raises(ValueError, match="tweedie_deviance_score: `targets` must be strictly positive for power=2"):
        tweedie_deviance_score(torch.ones(2), torch.tensor([1.0, 0.0]), power=2)


@pytest.mark.parametrize("power", [0, 1, 1.5, 2, 3, -0.5])
def test_tweedie_matches_torchmetrics(power):
    ours, theirs = TweedieDevianceScore(power), torchmetrics.TweedieDevianceScore(power)
    for batch in _batches([20, 15, 9], power, (2,)):
        torch.testing.assert_close(ours(*batch), theirs(*batch))
        torch.testing.assert_close(tweedie_deviance_score(*batch, power), tmf.tweedie_deviance_score(*batch, power))
    torch.testing.assert_close(ours.compute(), theirs.compute())
