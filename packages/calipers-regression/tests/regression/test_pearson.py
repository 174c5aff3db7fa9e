from __future__ import annotations

import itertools
import warnings
from unittest import mock

import numpy as np
import pytest
import torch
from scipy import stats

import calipers.regression.pearson as pearson_module
from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression._correlation import (
    batch_comoments,
    comoments,
    empty_comoments,
    merge_comoments,
    merge_pair,
)
from calipers.functional.regression.pearson import pearson_corrcoef
from calipers.regression.concordance import ConcordanceCorrCoef
from calipers.regression.kendall import KendallRankCorrCoef
from calipers.regression.pearson import PearsonCorrCoef
from calipers.regression.spearman import SpearmanCorrCoef
from calipers_testing import ALL_CHECKS, BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(1234)
_SIZES = [7, 3, 1, 10, 4]


def _pairs(sizes, shape=(), offset=0.0, scale=1.0, dtype=torch.float32):
    out = []
    for n in sizes:
        x = torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        y = 0.6 * x + 0.8 * torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        out.append(((offset + scale * x).to(dtype), (offset + scale * y).to(dtype)))
    return out


def _int_pairs(sizes):
    return [(torch.randint(-5, 6, (n,), generator=_gen), torch.randint(0, 9, (n,), generator=_gen)) for n in sizes]


# Reference: SciPy's pearsonr per output column; NaN where SciPy deems the correlation undefined.
def _pearson_column(a, b):
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return stats.pearsonr(a, b).statistic


def _reference_pearson(preds, target):
    x, y = preds.reshape(len(preds), -1), target.reshape(len(target), -1)
    values = [_pearson_column(x[:, j], y[:, j]) for j in range(x.shape[1])]
    return values[0] if len(values) == 1 else np.array(values)


def _bad_inputs(num_outputs):
    ok = torch.ones(4) if num_outputs == 1 else torch.ones(4, num_outputs)
    wrong_outputs = torch.ones(4, 2) if num_outputs == 1 else torch.ones(4, num_outputs + 1)
    nan = ok.clone()
    nan[1] = float("nan")
    return [
        BadInput((ok, ok[:3]), ValueError, r"`target` must have the shape of `preds`"),
        BadInput((torch.ones(2, 2, 2), torch.ones(2, 2, 2)), ValueError, r"must be a 1-d \(N,\) or 2-d \(N, d\)"),
        BadInput(
            (wrong_outputs, wrong_outputs), ValueError, rf"`preds` must have shape .* for num_outputs={num_outputs}"
        ),
        BadInput((nan, ok), ValueError, r"`preds` must hold only finite values, got \d+ NaN or inf"),
        BadInput((ok, nan * float("inf")), ValueError, r"`target` must hold only finite values"),
        BadInput(([1.0, 2.0], ok), TypeError, r"`preds` must be a tensor, got list"),
        BadInput(
            (ok.bool(), ok),
            TypeError,
            r"`preds` must be a real floating or integer tensor, got a tensor of dtype torch.bool",
        ),
    ]


SPECS = [
    MetricSpec(
        PearsonCorrCoef,
        _reference_pearson,
        _pairs(_SIZES),
        functional=pearson_corrcoef,
        functional_args={},
        bad_inputs=_bad_inputs(1),
        dtypes=(torch.float32, torch.float64, torch.float16),
        id="pearson",
    ),
    MetricSpec(
        PearsonCorrCoef,
        _reference_pearson,
        _pairs(_SIZES, (3,)),
        metric_args={"num_outputs": 3},
        functional=pearson_corrcoef,
        functional_args={},
        bad_inputs=_bad_inputs(3),
        id="pearson-3-outputs",
    ),
    MetricSpec(
        PearsonCorrCoef,
        _reference_pearson,
        _pairs(_SIZES, (1,)),
        functional=pearson_corrcoef,
        functional_args={},
        id="pearson-(N,1)",
    ),
    MetricSpec(  # far from the origin: raw power sums would cancel catastrophically here
        PearsonCorrCoef,
        _reference_pearson,
        _pairs(_SIZES, offset=1e7, scale=1e-2, dtype=torch.float64),
        functional=pearson_corrcoef,
        functional_args={},
        dtypes=(torch.float64,),
        id="pearson-offset",
    ),
    MetricSpec(
        PearsonCorrCoef,
        _reference_pearson,
        _int_pairs(_SIZES),
        functional=pearson_corrcoef,
        functional_args={},
        metric_args={"validate_args": False},
        id="pearson-int-no-validation",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_pearson_harness(spec):
    integer_inputs = not any(x.is_floating_point() for x in spec.batches[0])
    # The harness's differentiability check makes the float inputs require grad; integer inputs cannot.
    run_metric_tests(spec, [c for c in ALL_CHECKS if not (integer_inputs and c == "differentiable")])


def _run_class(metric, batches):
    for batch in batches:
        metric.update(*batch)
    return metric.compute()


@pytest.mark.parametrize("shape", [(), (1,), (3,)])
def test_pearson_parity_with_torchmetrics(shape):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _pairs(_SIZES, shape)
    num_outputs = shape[0] if shape else 1
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_class = _run_class(tm_regression.PearsonCorrCoef(num_outputs=num_outputs), batches)
        expected_functional = tm_functional.pearson_corrcoef(preds, target)
    actual_class = _run_class(PearsonCorrCoef(num_outputs=num_outputs), batches)
    actual_functional = pearson_corrcoef(preds, target)
    assert actual_class.shape == expected_class.shape and actual_class.dtype == expected_class.dtype
    assert actual_functional.shape == expected_functional.shape
    torch.testing.assert_close(actual_class, expected_class, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(actual_functional, expected_functional, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    ("preds", "target"),
    [
        (torch.ones(5), torch.arange(5.0)),  # constant preds
        (torch.arange(5.0), torch.full((5,), 0.1)),  # constant target whose float mean is inexact
        (torch.tensor([2.0]), torch.tensor([3.0])),  # a single sample
        (torch.zeros(0), torch.zeros(0)),  # no sample
    ],
)
def test_pearson_undefined_is_nan_with_a_warning(preds, target):
    with pytest.warns(CalipersUserWarning, match=r"pearson_corrcoef: the correlation is undefined \(NaN\)"):
        assert torch.isnan(pearson_corrcoef(preds, target))
    metric = PearsonCorrCoef()
    for i in range(len(preds)):
        metric.update(preds[i : i + 1], target[i : i + 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # compute before update (no sample) warns too
        with pytest.warns(CalipersUserWarning, match="PearsonCorrCoef: the correlation is undefined"):
            assert torch.isnan(metric.compute())


def test_pearson_constant_column_among_others():
    preds = torch.stack([torch.arange(6.0), torch.full((6,), 3.0)], dim=1)
    target = torch.stack([torch.arange(6.0) ** 2, torch.arange(6.0)], dim=1)
    with pytest.warns(CalipersUserWarning):
        value = pearson_corrcoef(preds, target)
    assert torch.isnan(value[1])
    np.testing.assert_allclose(value[0].item(), stats.pearsonr(np.arange(6.0), np.arange(6.0) ** 2).statistic, 1e-6)


def test_pearson_precision_far_from_the_origin():
    # 1e8 + N(0, 1) in float64: a one-pass sum of squares loses every significant digit of the variance here.
    gen = torch.Generator().manual_seed(0)
    x = 1e8 + torch.randn(10_000, generator=gen, dtype=torch.float64)
    y = x + torch.randn(10_000, generator=gen, dtype=torch.float64)
    metric = PearsonCorrCoef()
    for chunk_x, chunk_y in zip(x.split(333), y.split(333)):
        metric.update(chunk_x, chunk_y)
    expected = stats.pearsonr(x.numpy(), y.numpy()).statistic
    metric.set_dtype(torch.float64)
    np.testing.assert_allclose(metric.compute().item(), expected, rtol=1e-10)


def test_pearson_merge_is_split_independent():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(1000, 2, generator=gen, dtype=torch.float64) * 10 + 5
    y = x * torch.tensor([1.0, -2.0], dtype=torch.float64) + torch.randn(1000, 2, generator=gen, dtype=torch.float64)
    one_pass = comoments(x, y)
    cuts = [0, 1, 1, 17, 400, 401, 999, 1000]  # includes empty and single-sample parts
    parts = [comoments(x[a:b], y[a:b]) for a, b in itertools.pairwise(cuts)]
    n_way = merge_comoments(torch.stack(parts))
    pairwise = empty_comoments(2)
    for part in reversed(parts):
        pairwise = merge_comoments(torch.stack([part, pairwise]))
    for merged in (n_way, pairwise):
        torch.testing.assert_close(merged, one_pass, rtol=1e-12, atol=1e-9)


def test_pearson_merge_state_of_uneven_objects():
    batches = _pairs([5, 0, 1, 12, 2, 30])
    metrics = [PearsonCorrCoef() for _ in batches]
    for metric, batch in zip(metrics, batches):
        metric.update(*batch)
    total = metrics[0]
    for other in metrics[1:]:
        total.merge_state(other)
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    np.testing.assert_allclose(
        total.compute().item(), _reference_pearson(preds.double().numpy(), target.double().numpy()), rtol=1e-6
    )


def test_pearson_forward_costs_one_update():
    batches = _pairs([4, 6, 5])
    metric = PearsonCorrCoef()
    with mock.patch.object(pearson_module, "batch_comoments", wraps=pearson_module.batch_comoments) as update:
        for batch in batches:
            metric(*batch)
    assert update.call_count == len(batches)
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    np.testing.assert_allclose(
        metric.compute().item(), _reference_pearson(preds.double().numpy(), target.double().numpy()), rtol=1e-5
    )


def test_pearson_states_are_float64_and_value_follows_the_metric_dtype():
    metric = PearsonCorrCoef(num_outputs=2)
    assert metric.comoments.dtype == torch.float64 and metric.comoments.shape == (10, 2)
    metric.update(torch.randn(5, 2, generator=_gen), torch.randn(5, 2, generator=_gen))
    assert metric.compute().dtype == torch.float32
    assert (
        pearson_corrcoef(torch.arange(4.0).double(), torch.tensor([1.0, 3.0, 2.0, 4.0]).double()).dtype == torch.float64
    )
    assert pearson_corrcoef(torch.arange(4), torch.tensor([1, 3, 2, 4])).dtype == torch.float32


def test_pearson_validate_args_false_lets_nan_through():
    preds = torch.tensor([1.0, float("nan"), 3.0])
    with pytest.warns(CalipersUserWarning):
        assert torch.isnan(pearson_corrcoef(preds, torch.arange(3.0), validate_args=False))


def test_pearson_argument_errors():
    with pytest.raises(ValueError, match=r"PearsonCorrCoef: `num_outputs` must be a positive int, got 0\."):
        PearsonCorrCoef(num_outputs=0)
    with pytest.raises(TypeError, match=r"PearsonCorrCoef: `num_outputs` must be a positive int, got 1\.5\."):
        PearsonCorrCoef(num_outputs=1.5)
    with pytest.raises(TypeError, match=r"`num_outputs` must be a positive int, got True\."):
        PearsonCorrCoef(num_outputs=True)
    with pytest.raises(TypeError, match=r"PearsonCorrCoef: `validate_args` must be a bool, got 'yes'\."):
        PearsonCorrCoef(validate_args="yes")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        PearsonCorrCoef(foo=1)
    with pytest.raises(TypeError, match=r"pearson_corrcoef: `validate_args` must be a bool, got 1\."):
        pearson_corrcoef(torch.ones(3), torch.ones(3), validate_args=1)
    with pytest.raises(
        ValueError, match=r"pearson_corrcoef: `target` must have the shape of `preds` \(3,\), got \(2,\)\."
    ):
        pearson_corrcoef(torch.ones(3), torch.ones(2))
    with pytest.raises(
        ValueError, match=r"pearson_corrcoef: `preds` must be a 1-d \(N,\) or 2-d \(N, d\) tensor, got shape \(\)\."
    ):
        pearson_corrcoef(torch.tensor(1.0), torch.tensor(1.0))
    with pytest.raises(
        TypeError,
        match=r"pearson_corrcoef: `target` must be a real floating or integer tensor, got a tensor of dtype "
        r"torch.complex64\.",
    ):
        pearson_corrcoef(torch.ones(3), torch.ones(3, dtype=torch.complex64))


def _forbid_host_sync():
    def sync(*args, **kwargs):
        raise AssertionError("update synchronised with the host")

    patches = [mock.patch.object(torch.Tensor, name, sync) for name in ("item", "__bool__", "__int__", "__float__")]
    for patch in patches:
        patch.start()
    return patches


@pytest.mark.parametrize("cls", [PearsonCorrCoef, ConcordanceCorrCoef, SpearmanCorrCoef, KendallRankCorrCoef])
def test_correlation_update_without_validation_never_synchronises(cls):
    # DESIGN §8: with validate_args=False, update has no host-device synchronisation (compute may have one).
    metric = cls(num_outputs=2, validate_args=False)
    batches = _pairs([5, 0, 3], (2,))
    patches = _forbid_host_sync()
    try:
        for batch in batches:
            metric.update(*batch)
    finally:
        for patch in patches:
            patch.stop()
    assert metric.compute().shape == (2,)


@pytest.mark.parametrize("outputs", [1, 3, 12])
def test_merge_pair_matches_the_n_way_merge(outputs):
    # Python floats for up to 8 columns on the CPU, tensors beyond: both give the n-way merge.
    x = 50.0 + torch.randn(300, outputs, generator=_gen, dtype=torch.float64)
    y = -20.0 + x + torch.randn(300, outputs, generator=_gen, dtype=torch.float64)
    cuts = [0, 0, 1, 120, 300]
    state = empty_comoments(outputs)
    for a, b in itertools.pairwise(cuts):
        state = merge_pair(state, comoments(x[a:b], y[a:b]))
    torch.testing.assert_close(state, comoments(x, y), rtol=1e-12, atol=1e-9)
    float32 = merge_pair(empty_comoments(outputs, torch.float32), comoments(x, y, torch.float32))
    assert float32.dtype == torch.float32 and float32.shape == (10, outputs)
    nan = comoments(x, y)
    nan[6] = float("nan")  # validate_args=False lets NaN in: the merged extremes stay NaN, as torch.minimum does
    assert merge_pair(state, nan)[6].isnan().all() and merge_pair(nan, state)[6].isnan().all()


@pytest.mark.parametrize(("bad", "count"), [(float("nan"), 2), (float("inf"), 1), (-float("inf"), 1)])
def test_nonfinite_values_are_found_through_the_extremes(bad, count):
    preds, target = torch.randn(20, 2, generator=_gen), torch.randn(20, 2, generator=_gen)
    preds[3, 1] = bad
    if count == 2:
        preds[7, 0] = bad
    with pytest.raises(ValueError, match=rf"`preds` must hold only finite values, got {count} NaN or inf"):
        batch_comoments("m", preds, target, 2, validate_args=True)
    assert batch_comoments("m", preds, target, 2, validate_args=False).shape == (10, 2)
    with pytest.raises(ValueError, match="`target` must hold only finite values"):
        batch_comoments("m", target, preds, None, validate_args=True)
