from __future__ import annotations

import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf
from sklearn.metrics import r2_score as sk_r2_score

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression import r2_score
from calipers.regression import ExplainedVariance, R2Score
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6012)
_SIZES = [7, 3, 2, 10, 4]  # R2 needs 2 samples per forward


def _batches(sizes, shape=()):
    out = []
    for n in sizes:
        target = torch.randn(n, *shape, generator=_gen)
        out.append((target + 0.6 * torch.randn(n, *shape, generator=_gen), target))
    return out


# Reference: scikit-learn's r2_score, then the adjusted formula (standard score when adjusted >= N - 1).
def _reference(adjusted=0, multioutput="uniform_average"):
    def reference(preds, target):
        value = sk_r2_score(target, preds, multioutput=multioutput)
        n = target.shape[0]
        if adjusted and adjusted < n - 1:
            value = 1 - (1 - value) * (n - 1) / (n - adjusted - 1)
        return value

    return reference


_BAD = [
    BadInput((torch.ones(3), torch.ones(4)), ValueError, "`target` must have the same shape"),
    BadInput(
        (torch.ones(3, 2, 2), torch.ones(3, 2, 2)),
        ValueError,
        r"must be a 1- or 2-dimensional tensor, got shape \(3, 2, 2\)",
    ),
    BadInput(
        (torch.ones(3, 2), torch.ones(3, 2)),
        ValueError,
        r"R2Score: `preds` must have shape \(N,\) or \(N, 1\) like the earlier batches",
    ),
]
_BAD_3 = [
    BadInput(
        (torch.ones(3, 2), torch.ones(3, 2)), ValueError, r"`preds` must have shape \(N, 3\) like the earlier batches"
    ),
    BadInput((torch.ones(3), torch.ones(3)), ValueError, r"`preds` must have shape \(N, 3\) like the earlier batches"),
]

SPECS = [
    MetricSpec(R2Score, _reference(), _batches(_SIZES), functional=r2_score, bad_inputs=_BAD, id="r2"),
    MetricSpec(R2Score, _reference(), _batches(_SIZES, (1,)), functional=r2_score, id="r2-n-by-1"),
    MetricSpec(
        R2Score,
        _reference(adjusted=2),
        _batches(_SIZES),
        metric_args={"adjusted": 2},
        functional=r2_score,
        id="r2-adjusted",
    ),
    *[
        MetricSpec(
            R2Score,
            _reference(multioutput=mo),
            _batches(_SIZES, (3,)),
            metric_args={"multioutput": mo, "num_outputs": 3},
            functional=r2_score,
            functional_args={"multioutput": mo},
            bad_inputs=[
                BadInput(
                    (torch.ones(3, 2), torch.ones(3, 2)), ValueError, r"must have shape \(N, 3\) to match `num_outputs`"
                )
            ],
            id=f"r2-3-outputs-{mo}",
        )
        for mo in ("raw_values", "uniform_average", "variance_weighted")
    ],
    MetricSpec(
        R2Score,
        _reference(adjusted=1, multioutput="raw_values"),
        _batches(_SIZES, (3,)),
        metric_args={"multioutput": "raw_values", "adjusted": 1},
        functional=r2_score,
        bad_inputs=_BAD_3,
        id="r2-inferred-outputs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_r2_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"adjusted": -1}, ValueError, "`adjusted` must be an int >= 0, got -1"),
        ({"adjusted": 1.5}, TypeError, "`adjusted` must be an int >= 0, got 1.5"),
        (
            {"multioutput": "mean"},
            ValueError,
            r"`multioutput` must be one of \['raw_values', 'uniform_average', 'variance_weighted'\], got 'mean'",
        ),
    ],
)
def test_r2_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"R2Score: {match}"):
        R2Score(**kwargs)
    with pytest.raises(error, match=f"r2_score: {match}"):
        r2_score(torch.ones(3), torch.ones(3), **kwargs)
    with pytest.raises(ValueError, match="R2Score: `num_outputs` must be an int >= 1, got 0"):
        R2Score(num_outputs=0)


def test_r2_needs_two_samples():
    with pytest.raises(ValueError, match="r2_score: the R2 score needs at least 2 samples, got 1"):
        r2_score(torch.ones(1), torch.ones(1))
    metric = R2Score()
    metric.update(torch.ones(1), torch.ones(1))
    with pytest.raises(ValueError, match="R2Score: the R2 score needs at least 2 samples, got 1"):
        metric.compute()
    metric.update(torch.tensor([2.0]), torch.tensor([3.0]))
    torch.testing.assert_close(metric.compute(), torch.tensor(0.5))


def test_r2_adjusted_falls_back_with_a_warning():
    preds, target = torch.tensor([1.0, 2.0, 2.5]), torch.tensor([1.0, 2.5, 2.0])
    with pytest.warns(CalipersUserWarning, match="gives a division by zero"):
        assert r2_score(preds, target, adjusted=2) == r2_score(preds, target)
    with pytest.warns(CalipersUserWarning, match="more regressors than samples"):
        assert r2_score(preds, target, adjusted=5) == r2_score(preds, target)


@pytest.mark.parametrize(
    ("preds", "target", "expected"),
    [
        ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0], 0.0),  # constant target, imperfect predictions
        ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0], 1.0),  # constant target, perfect predictions
        ([0.1, 0.1, 0.1], [0.1, 0.1, 0.1], 1.0),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1.0),
    ],
)
def test_r2_constant_target_follows_scikit_learn(preds, target, expected):
    assert sk_r2_score(target, preds) == expected
    assert r2_score(torch.tensor(preds), torch.tensor(target)).item() == expected


def test_r2_is_exact_at_small_scales_and_large_offsets():
    # TorchMetrics treats sums of squares below 1e-4 as zero and sums squares in float32; ours are float64.
    target = torch.randn(50, generator=_gen) * 1e-3
    preds = target + torch.randn(50, generator=_gen) * 1e-4
    expected = sk_r2_score(target.double().numpy(), preds.double().numpy())
    assert r2_score(preds, target).item() == pytest.approx(expected, rel=1e-5)
    target = 1e4 + torch.randn(1000, generator=_gen)
    preds = target + 0.3 * torch.randn(1000, generator=_gen)
    metric = R2Score()
    for i in range(0, 1000, 100):
        metric.update(preds[i : i + 100], target[i : i + 100])
    expected = sk_r2_score(target.double().numpy(), preds.double().numpy())
    assert metric.compute().item() == pytest.approx(expected, rel=1e-5)


def test_r2_variance_weighted_with_constant_targets_is_the_plain_mean():
    preds, target = torch.tensor([[1.0, 3.0], [2.0, 3.0], [3.0, 4.0]]), torch.full((3, 2), 2.0)
    expected = sk_r2_score(target.numpy(), preds.numpy(), multioutput="variance_weighted")
    assert r2_score(preds, target, multioutput="variance_weighted").item() == expected


def test_r2_inferred_outputs_reset_and_merge():
    metric = R2Score(multioutput="raw_values")
    metric.update(torch.randn(4, 3, generator=_gen), torch.randn(4, 3, generator=_gen))
    metric.reset()
    metric.update(torch.randn(4, 2, generator=_gen), torch.randn(4, 2, generator=_gen))  # a reset forgets the outputs
    assert metric.compute().shape == (2,)
    fresh = R2Score(multioutput="raw_values")
    fresh.merge_state(metric)
    with pytest.raises(ValueError, match=r"must have shape \(N, 2\) like the earlier batches"):
        fresh(torch.ones(3, 4), torch.ones(3, 4))


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (30,)),
        ({"adjusted": 3}, (30,)),
        ({"multioutput": "raw_values"}, (30, 3)),
        ({"multioutput": "variance_weighted"}, (30, 3)),
        ({"multioutput": "uniform_average"}, (30, 3)),
    ],
)
def test_r2_matches_torchmetrics(kwargs, shape):
    ours, theirs = R2Score(**kwargs), torchmetrics.R2Score(**kwargs)
    for batch in _batches([20, 30, 11], shape[1:]):
        torch.testing.assert_close(ours(*batch), theirs(*batch))
        torch.testing.assert_close(r2_score(*batch, **kwargs), tmf.r2_score(*batch, **kwargs))
    torch.testing.assert_close(ours.compute(), theirs.compute())


@pytest.mark.parametrize("offset", [0.0, 1e3, -5e4])
def test_r2_one_dimensional_path_keeps_float64_accuracy(offset):
    # 1-D float32 batches take the shifted five-pass path: large offsets must not cost precision.
    from sklearn.metrics import r2_score as sk_r2

    gen = torch.Generator().manual_seed(7)
    target = offset + torch.randn(40_000, generator=gen, dtype=torch.float64)
    preds = target + 0.5 * torch.randn(40_000, generator=gen, dtype=torch.float64)
    metric = R2Score()
    for p, t in zip(preds.float().chunk(7), target.float().chunk(7)):
        metric.update(p, t)
    expected = sk_r2(target.float().double().numpy(), preds.float().double().numpy())
    assert abs(metric.compute().item() - expected) < 1e-6


def test_r2_constant_targets_across_batches_on_the_fast_path():
    metric = R2Score()
    metric.update(torch.full((5,), 0.1), torch.full((5,), 0.1))
    metric.update(torch.full((3,), 0.1), torch.full((3,), 0.1))
    assert metric.compute().item() == 1.0  # constant target, perfect predictions (scikit-learn's rule)
    metric.update(torch.full((2,), 0.3), torch.full((2,), 0.1))
    assert metric.compute().item() == 0.0  # constant target, imperfect predictions
    other = R2Score()
    other.update(torch.full((4,), 0.1), torch.full((4,), 0.1))
    other.update(torch.full((4,), 0.2), torch.full((4,), 0.2))  # two different constants: not constant
    assert other.compute().item() == 1.0 and other.min_target.item() < other.max_target.item()


def test_r2_extremes_fold_like_torch_minimum_and_maximum():
    metric = R2Score()
    metric.update(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 5.0]))
    metric.update(torch.tensor([1.0, 2.0]), torch.tensor([4.0, 4.5]))  # inside the range: nothing moves
    assert (metric.min_target.item(), metric.max_target.item()) == (3.0, 5.0)
    metric.update(torch.tensor([1.0]), torch.tensor([-2.0]))
    assert (metric.min_target.item(), metric.max_target.item()) == (-2.0, 5.0)
    metric.update(torch.tensor([1.0]), torch.tensor([float("nan")]))  # NaN wins, as torch.minimum/maximum
    assert metric.min_target.isnan() and metric.max_target.isnan()


@pytest.mark.parametrize("cls", [R2Score, ExplainedVariance])
def test_inferred_outputs_that_differ_between_ranks_raise_the_same_error_on_every_rank(cls):
    """Issue 11: ranks agree on the number of outputs before the sync (an empty rank takes it: see the specs)."""
    from calipers_testing._ddp_tasks import run_case
    from calipers_testing.pool import DDPWorkerError, get_pool

    gen = torch.Generator().manual_seed(5)
    per_rank = [[(torch.randn(4, k, generator=gen), torch.randn(4, k, generator=gen))] for k in (3, 2)]
    with pytest.raises(DDPWorkerError) as info:
        get_pool().run(run_case, [(cls, {}, batches, "update") for batches in per_rank])
    message = f"{cls.__name__}: every process must see inputs with the same number of outputs to sync"
    assert str(info.value).count(message) == 2, str(info.value)  # rank 0 and rank 1
    assert "['(N, 3)', '(N, 2)'] by rank" in str(info.value)
