from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression.concordance import concordance_corrcoef
from calipers.regression.concordance import ConcordanceCorrCoef
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(2024)
_SIZES = [7, 3, 1, 10, 4]


def _pairs(sizes, shape=(), offset=0.0, dtype=torch.float32):
    out = []
    for n in sizes:
        x = torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        y = 0.9 * x + 0.3 + 0.5 * torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        out.append(((offset + x).to(dtype), (offset + y).to(dtype)))
    return out


# Reference: NumPy from Lin's formula with sample (n - 1) moments, the convention of TorchMetrics.
def _concordance_column(a, b):
    if len(a) < 2:
        return np.nan
    denominator = a.var(ddof=1) + b.var(ddof=1) + (a.mean() - b.mean()) ** 2
    return np.nan if denominator == 0 else 2 * np.cov(a, b, ddof=1)[0, 1] / denominator


def _reference_concordance(preds, target):
    x, y = preds.reshape(len(preds), -1), target.reshape(len(target), -1)
    values = [_concordance_column(x[:, j], y[:, j]) for j in range(x.shape[1])]
    return values[0] if len(values) == 1 else np.array(values)


_OK = torch.ones(4)
_NAN = torch.tensor([0.0, float("nan"), 1.0, 2.0])
_BAD = [
    BadInput(
        (_OK, _OK[:3]), ValueError, r"ConcordanceCorrCoef: `target` must have the shape of `preds` \(4,\), got \(3,\)"
    ),
    BadInput((torch.ones(2, 2, 2), torch.ones(2, 2, 2)), ValueError, r"must be a 1-d \(N,\) or 2-d \(N, d\)"),
    BadInput((torch.ones(4, 2), torch.ones(4, 2)), ValueError, r"must have shape \(N,\) or \(N, 1\) for num_outputs=1"),
    BadInput((_NAN, _OK), ValueError, r"`preds` must hold only finite values, got 1 NaN or inf value\(s\)"),
    BadInput((_OK, _NAN.neg().exp()), ValueError, r"`target` must hold only finite values"),
    BadInput((_OK, "target"), TypeError, r"`target` must be a tensor, got str"),
]

SPECS = [
    MetricSpec(
        ConcordanceCorrCoef,
        _reference_concordance,
        _pairs(_SIZES),
        functional=concordance_corrcoef,
        functional_args={},
        bad_inputs=_BAD,
        dtypes=(torch.float32, torch.float64, torch.float16),
        id="concordance",
    ),
    MetricSpec(
        ConcordanceCorrCoef,
        _reference_concordance,
        _pairs(_SIZES, (2,)),
        metric_args={"num_outputs": 2},
        functional=concordance_corrcoef,
        functional_args={},
        bad_inputs=[
            BadInput((torch.ones(4), torch.ones(4)), ValueError, r"must have shape \(N, 2\) for num_outputs=2")
        ],
        id="concordance-2-outputs",
    ),
    MetricSpec(
        ConcordanceCorrCoef,
        _reference_concordance,
        _pairs(_SIZES, offset=1e6, dtype=torch.float64),
        functional=concordance_corrcoef,
        functional_args={},
        dtypes=(torch.float64,),
        id="concordance-offset",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_concordance_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("shape", [(), (1,), (3,)])
def test_concordance_parity_with_torchmetrics(shape):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _pairs(_SIZES, shape)
    num_outputs = shape[0] if shape else 1
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.ConcordanceCorrCoef(num_outputs=num_outputs)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.concordance_corrcoef(preds, target)
    metric = ConcordanceCorrCoef(num_outputs=num_outputs)
    for batch in batches:
        metric.update(*batch)
    actual_class = metric.compute()
    assert actual_class.shape == expected_class.shape
    torch.testing.assert_close(actual_class, expected_class, atol=1e-5, rtol=1e-4)
    # TorchMetrics' functional returns shape (1,) for 1-d inputs (its class a scalar); calipers a scalar in both.
    actual_functional = concordance_corrcoef(preds, target)
    torch.testing.assert_close(actual_functional.reshape(-1), expected_functional.reshape(-1), atol=1e-5, rtol=1e-4)


def test_concordance_of_a_constant_prediction_is_zero():
    # Lin's formula stays defined when only one side is constant: 2 * 0 / (0 + var + (mean difference)^2) = 0.
    # TorchMetrics computes it through Pearson's r and returns NaN here (a deliberate difference).
    preds, target = torch.full((6,), 0.1), torch.arange(6.0)
    assert concordance_corrcoef(preds, target).item() == 0.0
    assert concordance_corrcoef(torch.full((4,), 2.0), torch.full((4,), 3.0)).item() == 0.0
    metric = ConcordanceCorrCoef()
    metric.update(preds[:2], target[:2])
    metric.update(preds[2:], target[2:])
    assert metric.compute().item() == 0.0


@pytest.mark.parametrize(
    ("preds", "target"),
    [
        (torch.full((5,), 0.1), torch.full((5,), 0.1)),
        (torch.tensor([1.0]), torch.tensor([2.0])),
        (torch.zeros(0), torch.zeros(0)),
    ],
)
def test_concordance_undefined_is_nan_with_a_warning(preds, target):
    with pytest.warns(CalipersUserWarning, match=r"concordance_corrcoef: the correlation is undefined \(NaN\)"):
        assert torch.isnan(concordance_corrcoef(preds, target))


def test_concordance_merge_state_of_uneven_objects():
    batches = _pairs([9, 0, 1, 2, 25])
    metrics = [ConcordanceCorrCoef() for _ in batches]
    for metric, batch in zip(metrics, batches):
        metric.update(*batch)
    for other in metrics[1:]:
        metrics[0].merge_state(other.metric_state)
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    expected = _reference_concordance(preds.double().numpy(), target.double().numpy())
    np.testing.assert_allclose(metrics[0].compute().item(), expected, rtol=1e-6)


def test_concordance_argument_errors():
    with pytest.raises(ValueError, match=r"ConcordanceCorrCoef: `num_outputs` must be a positive int, got -1\."):
        ConcordanceCorrCoef(num_outputs=-1)
    with pytest.raises(TypeError, match=r"ConcordanceCorrCoef: `num_outputs` must be a positive int, got '2'\."):
        ConcordanceCorrCoef(num_outputs="2")
    with pytest.raises(TypeError, match=r"ConcordanceCorrCoef: `validate_args` must be a bool, got None\."):
        ConcordanceCorrCoef(validate_args=None)
    with pytest.raises(TypeError, match=r"concordance_corrcoef: `validate_args` must be a bool, got 'no'\."):
        concordance_corrcoef(torch.ones(3), torch.ones(3), validate_args="no")
    with pytest.raises(
        ValueError, match=r"concordance_corrcoef: `target` must have the shape of `preds` \(3, 2\), got \(3,\)\."
    ):
        concordance_corrcoef(torch.ones(3, 2), torch.ones(3))
