from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy import stats

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression.spearman import spearman_corrcoef
from calipers.regression.spearman import SpearmanCorrCoef
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(77)
_SIZES = [7, 3, 1, 10, 4]


def _pairs(sizes, shape=(), ties=False, dtype=torch.float32):
    out = []
    for n in sizes:
        x = torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        y = 0.7 * x + 0.7 * torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        if ties:  # few distinct values: many exact ties on both sides
            x, y = (2 * x).round(), (2 * y).round()
        out.append((x.to(dtype), y.to(dtype)))
    return out


def _int_pairs(sizes):
    return [(torch.randint(0, 4, (n,), generator=_gen), torch.randint(-2, 2, (n,), generator=_gen)) for n in sizes]


# Reference: SciPy's spearmanr (average ranks for ties) per column; NaN where SciPy deems it undefined.
def _spearman_column(a, b):
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return stats.spearmanr(a, b).statistic


def _reference_spearman(preds, target):
    x, y = preds.reshape(len(preds), -1), target.reshape(len(target), -1)
    values = [_spearman_column(x[:, j], y[:, j]) for j in range(x.shape[1])]
    return values[0] if len(values) == 1 else np.array(values)


_OK = torch.ones(4)
_BAD = [
    BadInput(
        (_OK, _OK[:2]), ValueError, r"SpearmanCorrCoef: `target` must have the shape of `preds` \(4,\), got \(2,\)"
    ),
    BadInput((torch.ones(1, 2, 2), torch.ones(1, 2, 2)), ValueError, r"must be a 1-d \(N,\) or 2-d \(N, d\)"),
    BadInput((torch.ones(4, 3), torch.ones(4, 3)), ValueError, r"must have shape \(N,\) or \(N, 1\) for num_outputs=1"),
    BadInput((torch.tensor([0.0, float("inf")]), _OK[:2]), ValueError, r"`preds` must hold only finite values"),
    BadInput((_OK, torch.tensor([0.0, 1, 2, float("nan")])), ValueError, r"`target` must hold only finite values"),
    BadInput((_OK.numpy(), _OK), TypeError, r"`preds` must be a tensor, got ndarray"),
]

SPECS = [
    MetricSpec(
        SpearmanCorrCoef,
        _reference_spearman,
        _pairs(_SIZES),
        functional=spearman_corrcoef,
        functional_args={},
        bad_inputs=_BAD,
        dtypes=(torch.float32, torch.float64, torch.float16),
        id="spearman",
    ),
    MetricSpec(
        SpearmanCorrCoef,
        _reference_spearman,
        _pairs(_SIZES, ties=True),
        functional=spearman_corrcoef,
        functional_args={},
        id="spearman-ties",
    ),
    MetricSpec(
        SpearmanCorrCoef,
        _reference_spearman,
        _pairs(_SIZES, (3,), ties=True),
        metric_args={"num_outputs": 3},
        functional=spearman_corrcoef,
        functional_args={},
        bad_inputs=[BadInput((_OK, _OK), ValueError, r"must have shape \(N, 3\) for num_outputs=3")],
        id="spearman-3-outputs",
    ),
    MetricSpec(
        SpearmanCorrCoef,
        _reference_spearman,
        _int_pairs(_SIZES),
        functional=spearman_corrcoef,
        functional_args={},
        metric_args={"validate_args": False},
        id="spearman-int",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spearman_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(("shape", "ties"), [((), False), ((), True), ((1,), True), ((3,), False)])
def test_spearman_parity_with_torchmetrics(shape, ties):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _pairs(_SIZES, shape, ties=ties)
    num_outputs = shape[0] if shape else 1
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.SpearmanCorrCoef(num_outputs=num_outputs)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.spearman_corrcoef(preds, target)
    metric = SpearmanCorrCoef(num_outputs=num_outputs)
    for batch in batches:
        metric.update(*batch)
    actual_class = metric.compute()
    assert actual_class.shape == expected_class.shape
    torch.testing.assert_close(actual_class, expected_class, atol=1e-5, rtol=1e-4)
    # TorchMetrics' functional returns shape (1,) for (N, 1) inputs (its class a scalar); calipers a scalar in both.
    actual_functional = spearman_corrcoef(preds, target)
    torch.testing.assert_close(actual_functional.reshape(-1), expected_functional.reshape(-1), atol=1e-5, rtol=1e-4)


def test_spearman_ties_are_exact_on_many_samples():
    gen = torch.Generator().manual_seed(5)
    x = torch.randint(0, 50, (200_000, 2), generator=gen).double()
    y = (x + torch.randint(0, 30, (200_000, 2), generator=gen)).double()
    value = spearman_corrcoef(x, y)
    expected = [stats.spearmanr(x[:, j].numpy(), y[:, j].numpy()).statistic for j in range(2)]
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-12)


def test_spearman_is_order_invariant_across_batches():
    batches = _pairs([6, 1, 9, 4], ties=True)
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    perm = torch.randperm(len(preds), generator=_gen)
    forward_order, shuffled = SpearmanCorrCoef(), SpearmanCorrCoef()
    for batch in batches:
        forward_order.update(*batch)
    for chunk in perm.split(5):
        shuffled.update(preds[chunk], target[chunk])
    torch.testing.assert_close(shuffled.compute(), forward_order.compute(), rtol=0, atol=1e-7)


@pytest.mark.parametrize(
    ("preds", "target"),
    [
        (torch.ones(5), torch.arange(5.0)),
        (torch.arange(3.0), torch.full((3,), 7.0)),
        (torch.tensor([1.0]), torch.tensor([1.0])),
    ],
)
def test_spearman_undefined_is_nan_with_a_warning(preds, target):
    # SciPy's convention; TorchMetrics returns 0 for a constant input (an epsilon in its denominator).
    with pytest.warns(CalipersUserWarning, match=r"spearman_corrcoef: the correlation is undefined \(NaN\)"):
        assert torch.isnan(spearman_corrcoef(preds, target))
    metric = SpearmanCorrCoef()
    metric.update(preds, target)
    with pytest.warns(CalipersUserWarning, match="SpearmanCorrCoef: the correlation is undefined"):
        assert torch.isnan(metric.compute())


def test_spearman_compute_without_samples():
    metric = SpearmanCorrCoef(num_outputs=2)
    with pytest.warns(CalipersUserWarning) as record:
        value = metric.compute()
    assert value.shape == (2,) and torch.isnan(value).all()
    assert any("called before `update`" in str(w.message) for w in record)


def test_spearman_argument_errors():
    with pytest.raises(ValueError, match=r"SpearmanCorrCoef: `num_outputs` must be a positive int, got 0\."):
        SpearmanCorrCoef(num_outputs=0)
    with pytest.raises(TypeError, match=r"SpearmanCorrCoef: `num_outputs` must be a positive int, got 2\.0\."):
        SpearmanCorrCoef(num_outputs=2.0)
    with pytest.raises(TypeError, match=r"SpearmanCorrCoef: `validate_args` must be a bool, got 0\."):
        SpearmanCorrCoef(validate_args=0)
    with pytest.raises(TypeError, match=r"spearman_corrcoef: `validate_args` must be a bool, got 'x'\."):
        spearman_corrcoef(torch.ones(3), torch.ones(3), validate_args="x")
    with pytest.raises(TypeError, match=r"spearman_corrcoef: `preds` must be a real floating or integer tensor"):
        spearman_corrcoef(torch.ones(3, dtype=torch.bool), torch.ones(3))


@pytest.mark.parametrize("n", [5, 70_000])  # the longer rows are sorted in threads
def test_spearman_ranks_against_scipy_with_several_outputs(n):
    gen = torch.Generator().manual_seed(n)
    x = (torch.randn(n, 3, generator=gen) * 3).round()
    y = x * torch.tensor([1.0, -1.0, 0.0]) + (torch.randn(n, 3, generator=gen) * 2).round()
    y[:, 2] += torch.arange(n) % 4  # no link with x in the third column
    value = spearman_corrcoef(x, y)
    expected = [stats.spearmanr(x[:, j].numpy(), y[:, j].numpy()).statistic for j in range(3)]
    np.testing.assert_allclose(value.numpy(), np.asarray(expected, dtype=np.float32), rtol=1e-5, atol=1e-7)


def test_rank_dot_matches_explicit_ranks():
    from calipers.functional.regression._ranks import centred_average_ranks, rank_dot

    gen = torch.Generator().manual_seed(4)
    keys = torch.randint(0, 9, (2, 500), generator=gen)
    ranks = torch.tensor(stats.rankdata(keys.numpy(), axis=1)) - 250.5  # 1-based average ranks, centred
    got_x, squares_x = centred_average_ranks(*keys[0].sort())
    torch.testing.assert_close(got_x, ranks[0])
    cross, squares_y = rank_dot(got_x, *keys[1].sort())
    torch.testing.assert_close(cross, (ranks[0] * ranks[1]).sum())
    torch.testing.assert_close(squares_y, (ranks[1] ** 2).sum())
    torch.testing.assert_close(squares_x, (ranks[0] ** 2).sum())
