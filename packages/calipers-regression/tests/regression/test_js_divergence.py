from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from scipy.spatial import distance

from calipers.functional.regression.js_divergence import jensen_shannon_divergence
from calipers.regression.js_divergence import JensenShannonDivergence
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(15)
_SIZES = [7, 3, 1, 10, 4]


def _weights(sizes, dim=5):
    out = []
    for n in sizes:
        p = torch.rand(n, dim, generator=_gen, dtype=torch.float64)
        q = torch.rand(n, dim, generator=_gen, dtype=torch.float64)
        p = torch.where(p < 0.2, 0.0, p)  # zero probabilities on both sides, sometimes facing each other
        q = torch.where(q < 0.2, 0.0, q)
        p[:, 0] += 0.1
        q[:, 1] += 0.1
        out.append((p.float(), q.float()))
    return out


def _log_probs(sizes, dim=5):
    out = []
    for n in sizes:
        p = torch.log_softmax(2 * torch.randn(n, dim, generator=_gen, dtype=torch.float64), dim=1)
        p[:, 0] = -float("inf")
        q = torch.log_softmax(torch.randn(n, dim, generator=_gen, dtype=torch.float64), dim=1)
        q[:, -1] = -float("inf")
        out.append((p.log_softmax(1).float(), q.log_softmax(1).float()))
    return out


# Reference: the square of SciPy's Jensen-Shannon distance (natural logarithm; rows normalised by SciPy).
def _reference(log_prob, reduction):
    def reference(p, q):
        if log_prob:
            p, q = np.exp(p), np.exp(q)
        values = distance.jensenshannon(p, q, axis=1) ** 2
        if reduction == "sum":
            return values.sum()
        if reduction == "mean":
            return values.mean()
        return values

    return reference


_P = torch.full((2, 3), 1 / 3)
_BAD = [
    BadInput(
        (_P, _P[:, :2]),
        ValueError,
        r"JensenShannonDivergence: `q` must have the same shape as `p` \(2, 3\), got \(2, 2\)",
    ),
    BadInput(
        (_P.reshape(1, 2, 3), _P.reshape(1, 2, 3)),
        ValueError,
        r"`p` must have 2 dimension\(s\), got shape \(1, 2, 3\)",
    ),
    BadInput((_P, -_P), ValueError, r"JensenShannonDivergence: `q` must be non-negative, got 6 negative value\(s\)"),
    BadInput((_P + float("inf"), _P), ValueError, r"`p` must hold only finite values, got 6 NaN or inf value\(s\)"),
    BadInput(
        (_P, torch.zeros(2, 3)), ValueError, r"`q` must have a positive sum in every row, got 2 all-zero row\(s\)"
    ),
    BadInput((_P, _P.numpy()), TypeError, r"`q` must be a tensor, got ndarray"),
]
_BAD_LOG = [
    BadInput((_P.log() - 1, _P.log()), ValueError, r"`p` must hold normalised log-probabilities .* e.g. logsumexp -1"),
    BadInput((_P.log(), _P.log() * float("nan")), ValueError, r"`q` must hold log-probabilities, got 6 NaN or \+inf"),
]


def _spec(log_prob, reduction, **kwargs):
    batches = _log_probs(_SIZES) if log_prob else _weights(_SIZES)
    return MetricSpec(
        JensenShannonDivergence, _reference(log_prob, reduction), batches,
        metric_args={"log_prob": log_prob, "reduction": reduction}, functional=jensen_shannon_divergence,
        id=f"js-{'log' if log_prob else 'weights'}-{reduction}", order_invariant=reduction in ("sum", "mean"), **kwargs,
    )  # fmt: skip


SPECS = [
    _spec(False, "mean", bad_inputs=_BAD, dtypes=(torch.float32, torch.float64, torch.float16)),
    _spec(False, "sum"),
    _spec(False, None, bad_inputs=_BAD[:2]),
    _spec(True, "mean", bad_inputs=_BAD_LOG),
    _spec(True, "none"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_js_divergence_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("log_prob", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", None])
def test_js_divergence_parity_with_torchmetrics(log_prob, reduction):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _log_probs(_SIZES) if log_prob else _weights(_SIZES)
    if log_prob:  # TorchMetrics turns 0 * (-inf) into NaN: compare on strictly positive probabilities
        batches = [(p.clamp(min=-30).log_softmax(1), q.clamp(min=-30).log_softmax(1)) for p, q in batches]
    p, q = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.JensenShannonDivergence(log_prob=log_prob, reduction=reduction)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.jensen_shannon_divergence(p, q, log_prob, reduction)
    metric = JensenShannonDivergence(log_prob=log_prob, reduction=reduction)
    for batch in batches:
        metric.update(*batch)
    torch.testing.assert_close(metric.compute(), expected_class, atol=1e-5, rtol=1e-5)
    actual_functional = jensen_shannon_divergence(p, q, log_prob, reduction)
    torch.testing.assert_close(actual_functional, expected_functional, atol=1e-5, rtol=1e-5)


def test_js_divergence_bounds_and_symmetry():
    p = torch.tensor([[1.0, 0.0], [0.2, 0.8], [0.5, 0.5]])
    q = torch.tensor([[0.0, 1.0], [0.6, 0.4], [0.5, 0.5]])
    forward, backward = (jensen_shannon_divergence(a, b, reduction="none") for a, b in ((p, q), (q, p)))
    torch.testing.assert_close(forward, backward)
    assert forward[0].item() == pytest.approx(math.log(2.0)) and forward[2].item() == 0.0
    log_value = jensen_shannon_divergence(p.log(), q.log(), log_prob=True, reduction="none")
    torch.testing.assert_close(log_value, forward)


def test_js_divergence_gradients_stay_finite_at_zero_probabilities():
    p = torch.tensor([[0.0, 0.3, 0.7]], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([[0.0, 0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    jensen_shannon_divergence(p, q).backward()
    assert torch.isfinite(p.grad).all() and torch.isfinite(q.grad).all()
    log_p = torch.tensor([[-float("inf"), 0.0, 0.0]], dtype=torch.float64).log_softmax(1).requires_grad_(True)
    log_q = torch.tensor([[-float("inf"), 1.0, 0.0]], dtype=torch.float64).log_softmax(1).requires_grad_(True)
    jensen_shannon_divergence(log_p, log_q, log_prob=True).backward()
    assert torch.isfinite(log_p.grad).all() and torch.isfinite(log_q.grad).all()


def test_js_divergence_argument_errors():
    with pytest.raises(TypeError, match=r"JensenShannonDivergence: `log_prob` must be a bool, got None\."):
        JensenShannonDivergence(log_prob=None)
    with pytest.raises(ValueError, match=r"JensenShannonDivergence: `reduction` must be one of .* got 'avg'\."):
        JensenShannonDivergence(reduction="avg")
    with pytest.raises(TypeError, match=r"JensenShannonDivergence: `validate_args` must be a bool"):
        JensenShannonDivergence(validate_args="no")
    with pytest.raises(ValueError, match=r"jensen_shannon_divergence: `p` must be non-negative"):
        jensen_shannon_divergence(-_P, _P)
    with pytest.raises(ValueError, match=r"jensen_shannon_divergence: `reduction` must be one of"):
        jensen_shannon_divergence(_P, _P, reduction="batchmean")
