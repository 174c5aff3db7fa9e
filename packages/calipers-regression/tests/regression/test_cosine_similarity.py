from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy.spatial import distance

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression.cosine_similarity import cosine_similarity
from calipers.regression.cosine_similarity import CosineSimilarity
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(31)
_SIZES = [7, 3, 1, 10, 4]


def _rows(sizes, dim=5):
    out = []
    for n in sizes:
        x = torch.randn(n, dim, generator=_gen, dtype=torch.float64)
        y = x + torch.randn(n, dim, generator=_gen, dtype=torch.float64)
        out.append((x.float(), y.float()))
    return out


# Reference: 1 - SciPy's cosine distance, row by row.
def _reference(reduction):
    def reference(preds, target):
        values = np.array([1.0 - distance.cosine(a, b) for a, b in zip(preds, target)])
        if reduction == "sum":
            return values.sum()
        if reduction == "mean":
            return values.mean()
        return values

    return reference


_OK = torch.ones(3, 4)
_BAD = [
    BadInput(
        (_OK, _OK[:2]),
        ValueError,
        r"CosineSimilarity: `target` must have the same shape as `preds` \(3, 4\), got \(2, 4\)",
    ),
    BadInput((_OK[0], _OK[0]), ValueError, r"`preds` must have 2 dimension\(s\), got shape \(4,\)"),
    BadInput(((_OK - 1).log(), _OK), ValueError, r"`preds` must hold only finite values, got 12 NaN or inf value\(s\)"),
    BadInput((_OK, _OK * float("nan")), ValueError, r"`target` must hold only finite values"),
    BadInput((_OK.tolist(), _OK), TypeError, r"`preds` must be a tensor, got list"),
    BadInput((_OK, _OK.to(torch.complex64)), TypeError, r"`target` must be a real floating or integer tensor"),
]


def _spec(reduction, **kwargs):
    return MetricSpec(
        CosineSimilarity, _reference(reduction), kwargs.pop("batches", None) or _rows(_SIZES),
        metric_args={"reduction": reduction}, functional=cosine_similarity, id=f"cosine-{reduction}",
        order_invariant=reduction in ("sum", "mean"), **kwargs,
    )  # fmt: skip


SPECS = [
    _spec("sum", bad_inputs=_BAD, dtypes=(torch.float32, torch.float64, torch.float16)),
    _spec("mean", batches=_rows(_SIZES, dim=1)),
    _spec("none", bad_inputs=_BAD[:2]),
    _spec(None),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_cosine_similarity_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("reduction", ["sum", "mean", "none", None])
def test_cosine_similarity_parity_with_torchmetrics(reduction):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _rows(_SIZES)
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.CosineSimilarity(reduction=reduction)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.cosine_similarity(preds, target, reduction)
    metric = CosineSimilarity(reduction=reduction)
    for batch in batches:
        metric.update(*batch)
    torch.testing.assert_close(metric.compute(), expected_class, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cosine_similarity(preds, target, reduction), expected_functional, atol=1e-5, rtol=1e-5)


def test_cosine_similarity_of_a_zero_row_is_nan():
    preds = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    target = torch.tensor([[1.0, 2.0], [2.0, 2.0]])
    value = cosine_similarity(preds, target, reduction="none")
    assert torch.isnan(value[0]) and value[1].item() == pytest.approx(1.0)
    assert torch.isnan(cosine_similarity(preds, target))


def test_cosine_similarity_integer_inputs_and_bounds():
    # TorchMetrics returns NaN for integer inputs; calipers promotes them to the default float dtype.
    preds, target = torch.tensor([[1, 2, 3], [4, 0, 0]]), torch.tensor([[2, 4, 6], [-1, 0, 0]])
    value = cosine_similarity(preds, target, reduction="none")
    assert value.dtype == torch.float32
    torch.testing.assert_close(value, torch.tensor([1.0, -1.0]))
    big = torch.full((1, 1000), 0.1)
    assert cosine_similarity(big, big).item() <= 1.0


def test_cosine_similarity_empty_compute():
    metric = CosineSimilarity(reduction="none")
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert metric.compute().shape == (0,)


def test_cosine_similarity_argument_errors():
    with pytest.raises(
        ValueError, match=r"CosineSimilarity: `reduction` must be one of \['mean', 'none', 'sum'\] or None, got 'max'\."
    ):
        CosineSimilarity(reduction="max")
    with pytest.raises(TypeError, match=r"CosineSimilarity: `validate_args` must be a bool, got 'y'\."):
        CosineSimilarity(validate_args="y")
    with pytest.raises(ValueError, match=r"cosine_similarity: `reduction` must be one of .* got 'elementwise'\."):
        cosine_similarity(_OK, _OK, reduction="elementwise")
    with pytest.raises(TypeError, match=r"cosine_similarity: `validate_args` must be a bool"):
        cosine_similarity(_OK, _OK, validate_args=1)
