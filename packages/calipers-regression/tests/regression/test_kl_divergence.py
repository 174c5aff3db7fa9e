from __future__ import annotations

import warnings
from unittest import mock

import numpy as np
import pytest
import torch
from scipy import special, stats

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression.kl_divergence import kl_divergence
from calipers.regression.cosine_similarity import CosineSimilarity
from calipers.regression.js_divergence import JensenShannonDivergence
from calipers.regression.kl_divergence import KLDivergence
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(8)
_SIZES = [7, 3, 1, 10, 4]


def _weights(sizes, dim=4):
    out = []
    for n in sizes:
        p = torch.rand(n, dim, generator=_gen, dtype=torch.float64)
        p = torch.where(p < 0.15, 0.0, p)  # some zero probabilities in p (q > 0 there: finite divergence)
        p[:, 0] += 0.1  # every row keeps a positive sum
        q = torch.rand(n, dim, generator=_gen, dtype=torch.float64) + 0.05
        out.append((p.float(), q.float()))
    return out


def _log_probs(sizes, dim=4):
    out = []
    for n in sizes:
        p = torch.log_softmax(2 * torch.randn(n, dim, generator=_gen, dtype=torch.float64), dim=1)
        p[:, -1] = -float("inf")  # a zero probability, then renormalise the rest
        p = torch.log_softmax(p, dim=1)
        q = torch.log_softmax(torch.randn(n, dim, generator=_gen, dtype=torch.float64), dim=1)
        out.append((p.float(), q.float()))
    return out


# Reference: scipy.stats.entropy(p, q) (rows normalised) for weights; scipy.special.rel_entr for log-probabilities.
def _reference(log_prob, reduction):
    def reference(p, q):
        values = special.rel_entr(np.exp(p), np.exp(q)).sum(axis=1) if log_prob else stats.entropy(p, q, axis=1)
        if reduction == "sum":
            return values.sum()
        if reduction == "mean":
            return values.mean()
        return values

    return reference


_P = torch.full((2, 3), 1 / 3)
_BAD = [
    BadInput((_P, _P[:1]), ValueError, r"KLDivergence: `q` must have the same shape as `p` \(2, 3\), got \(1, 3\)"),
    BadInput((_P[0], _P[0]), ValueError, r"KLDivergence: `p` must have 2 dimension\(s\), got shape \(3,\)"),
    BadInput((_P - 0.5, _P), ValueError, r"KLDivergence: `p` must be non-negative, got 6 negative value\(s\)"),
    BadInput((_P, _P * float("nan")), ValueError, r"KLDivergence: `q` must hold only finite values"),
    BadInput((_P * torch.tensor([[1.0], [0.0]]), _P), ValueError, r"`p` must have a positive sum in every row, got 1"),
    BadInput(("p", _P), TypeError, r"KLDivergence: `p` must be a tensor, got str"),
]
_BAD_LOG = [
    BadInput((_P, _P.log()), ValueError, r"`p` must hold normalised log-probabilities .* got 2 row\(s\) off"),
    BadInput(
        (_P.log(), _P.log() + torch.tensor([0.0, float("inf"), 0.0])),
        ValueError,
        r"`q` must hold log-probabilities, got 2 NaN or \+inf",
    ),
]


def _spec(log_prob, reduction, **kwargs):
    batches = _log_probs(_SIZES) if log_prob else _weights(_SIZES)
    return MetricSpec(
        KLDivergence, _reference(log_prob, reduction), batches,
        metric_args={"log_prob": log_prob, "reduction": reduction}, functional=kl_divergence,
        id=f"kl-{'log' if log_prob else 'weights'}-{reduction}", order_invariant=reduction in ("sum", "mean"), **kwargs,
    )  # fmt: skip


SPECS = [
    _spec(False, "mean", bad_inputs=_BAD, dtypes=(torch.float32, torch.float64, torch.float16)),
    _spec(False, "sum"),
    _spec(False, "none", bad_inputs=_BAD[:3]),
    _spec(True, "mean", bad_inputs=_BAD_LOG),
    _spec(True, None),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_kl_divergence_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("log_prob", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", None])
def test_kl_divergence_parity_with_torchmetrics(log_prob, reduction):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = [(p, q) for p, q in (_log_probs(_SIZES) if log_prob else _weights(_SIZES))]
    if log_prob:  # TorchMetrics turns 0 * (-inf - q) into NaN: compare on strictly positive probabilities
        batches = [(p.clamp(min=-30).log_softmax(1), q) for p, q in batches]
    p, q = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.KLDivergence(log_prob=log_prob, reduction=reduction)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.kl_divergence(p, q, log_prob, reduction)
    metric = KLDivergence(log_prob=log_prob, reduction=reduction)
    for batch in batches:
        metric.update(*batch)
    torch.testing.assert_close(metric.compute(), expected_class, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(kl_divergence(p, q, log_prob, reduction), expected_functional, atol=1e-5, rtol=1e-5)


def test_kl_divergence_zero_probabilities():
    p = torch.tensor([[0.0, 1.0], [0.5, 0.5], [0.0, 1.0]])
    q = torch.tensor([[0.5, 0.5], [0.0, 1.0], [0.0, 1.0]])
    value = kl_divergence(p, q, reduction="none")
    np.testing.assert_allclose(value.numpy(), [np.log(2.0), np.inf, 0.0], rtol=1e-6)
    log_value = kl_divergence(p.log(), q.log(), log_prob=True, reduction="none")
    np.testing.assert_allclose(log_value.numpy(), [np.log(2.0), np.inf, 0.0], rtol=1e-6)


def test_kl_divergence_gradients_stay_finite_at_zero_probabilities():
    p = torch.tensor([[0.0, 0.3, 0.7]], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([[0.0, 0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    kl_divergence(p, q).backward()
    assert torch.isfinite(p.grad).all() and torch.isfinite(q.grad).all()
    log_p = torch.tensor([[-float("inf"), 0.3, 0.7]], dtype=torch.float64).log_softmax(1).requires_grad_(True)
    log_q = torch.tensor([[-float("inf"), 0.5, 0.5]], dtype=torch.float64).log_softmax(1).requires_grad_(True)
    kl_divergence(log_p, log_q, log_prob=True).backward()
    assert torch.isfinite(log_p.grad).all() and torch.isfinite(log_q.grad).all()


def test_kl_divergence_rows_are_normalised_but_log_probabilities_are_checked():
    p, q = torch.tensor([[2.0, 6.0]]), torch.tensor([[1.0, 1.0]])
    np.testing.assert_allclose(kl_divergence(p, q).item(), stats.entropy([0.25, 0.75], [0.5, 0.5]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"kl_divergence: `p` must hold normalised log-probabilities"):
        kl_divergence(p.log(), q.log(), log_prob=True)
    # validate_args=False skips the value checks (TorchMetrics' behaviour: a meaningless number).
    assert torch.isfinite(kl_divergence(p.log(), q.log(), log_prob=True, validate_args=False))


def test_kl_divergence_empty_and_integer_inputs():
    metric = KLDivergence(reduction="none")
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert metric.compute().shape == (0,)
    value = kl_divergence(torch.tensor([[1, 3]]), torch.tensor([[1, 1]]))
    assert value.dtype == torch.float32
    np.testing.assert_allclose(value.item(), stats.entropy([1, 3], [1, 1]), rtol=1e-6)


def test_kl_divergence_argument_errors():
    with pytest.raises(TypeError, match=r"KLDivergence: `log_prob` must be a bool, got 'x'\."):
        KLDivergence(log_prob="x")
    with pytest.raises(
        ValueError, match=r"KLDivergence: `reduction` must be one of \['mean', 'none', 'sum'\] or None, got 'bad'\."
    ):
        KLDivergence(reduction="bad")
    with pytest.raises(TypeError, match=r"KLDivergence: `validate_args` must be a bool"):
        KLDivergence(validate_args=None)
    with pytest.raises(ValueError, match=r"kl_divergence: `reduction` must be one of"):
        kl_divergence(_P, _P, reduction="elementwise_mean")
    with pytest.raises(TypeError, match=r"kl_divergence: `log_prob` must be a bool, got 1\."):
        kl_divergence(_P, _P, log_prob=1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: KLDivergence(validate_args=False),
        lambda: KLDivergence(log_prob=True, reduction="none", validate_args=False),
        lambda: JensenShannonDivergence(reduction="sum", validate_args=False),
        lambda: CosineSimilarity(validate_args=False),
    ],
)
def test_divergence_update_without_validation_never_synchronises(make):
    # DESIGN §8: with validate_args=False, update has no host-device synchronisation (compute may have one).
    metric = make()
    batches = _log_probs([4, 0, 2]) if getattr(metric, "log_prob", False) else _weights([4, 0, 2])

    def sync(*args, **kwargs):
        raise AssertionError("update synchronised with the host")

    patches = [mock.patch.object(torch.Tensor, name, sync) for name in ("item", "__bool__", "__int__", "__float__")]
    for patch in patches:
        patch.start()
    try:
        for batch in batches:
            metric.update(*batch)
    finally:
        for patch in patches:
            patch.stop()
    assert torch.isfinite(metric.compute()).all()
