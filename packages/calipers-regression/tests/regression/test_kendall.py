from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy import stats

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression._ranks import count_inversions
from calipers.functional.regression.kendall import kendall_rank_corrcoef
from calipers.regression.kendall import KendallRankCorrCoef
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(99)
_SIZES = [7, 3, 1, 10, 4]


def _pairs(sizes, shape=(), ties=True, dtype=torch.float32):
    out = []
    for n in sizes:
        x = torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        y = 0.6 * x + 0.8 * torch.randn(n, *shape, generator=_gen, dtype=torch.float64)
        if ties:
            x, y = (1.5 * x).round(), (1.5 * y).round()
        out.append((x.to(dtype), y.to(dtype)))
    return out


def _int_pairs(sizes):
    return [(torch.randint(0, 5, (n,), generator=_gen), torch.randint(0, 3, (n,), generator=_gen)) for n in sizes]


# References: SciPy's kendalltau (method="asymptotic") for variants b and c. Variant a follows TorchMetrics'
# definition (C - D) / (C + D) and its no-ties test: NumPy over all pairs, p-value from scipy.stats.norm.
def _p_value(z, alternative):
    if alternative == "less":
        return stats.norm.cdf(z)
    if alternative == "greater":
        return stats.norm.sf(z)
    return 2 * stats.norm.sf(abs(z))


def _tau_a(a, b, alternative):
    n = len(a)
    i, j = np.triu_indices(n, 1)
    sign = np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
    concordant, discordant = (sign > 0).sum(), (sign < 0).sum()
    tau = (concordant - discordant) / (concordant + discordant) if concordant + discordant else np.nan
    z = (concordant - discordant) / np.sqrt(n * (n - 1) * (2 * n + 5) / 18) if n > 1 else np.nan
    return tau, _p_value(z, alternative)


def _kendall_column(a, b, variant, alternative):
    if variant == "a":
        tau, p = _tau_a(a, b, alternative)
    elif len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        tau, p = np.nan, np.nan
    else:
        method = "asymptotic" if len(a) > 2 else "auto"  # SciPy's asymptotic variance divides by n - 2
        res = stats.kendalltau(a, b, variant=variant, alternative=alternative, method=method)
        tau, p = res.statistic, res.pvalue
    return tau, (p if len(a) > 2 else np.nan)


def _reference(variant="b", t_test=False, alternative="two-sided"):
    def reference(preds, target):
        x, y = preds.reshape(len(preds), -1), target.reshape(len(target), -1)
        cols = [_kendall_column(x[:, j], y[:, j], variant, alternative or "two-sided") for j in range(x.shape[1])]
        tau, p = (np.array(v) for v in zip(*cols))
        if len(cols) == 1:
            tau, p = tau[0], p[0]
        return (tau, p) if t_test else tau

    return reference


_OK = torch.ones(4)
_BAD = [
    BadInput(
        (_OK, _OK[:1]), ValueError, r"KendallRankCorrCoef: `target` must have the shape of `preds` \(4,\), got \(1,\)"
    ),
    BadInput((torch.ones(3, 1, 1), torch.ones(3, 1, 1)), ValueError, r"must be a 1-d \(N,\) or 2-d \(N, d\)"),
    BadInput((torch.ones(4, 2), torch.ones(4, 2)), ValueError, r"must have shape \(N,\) or \(N, 1\) for num_outputs=1"),
    BadInput((torch.tensor([1.0, float("nan")]), _OK[:2]), ValueError, r"`preds` must hold only finite values"),
    BadInput((_OK, torch.tensor([1.0, 2, 3, -float("inf")])), ValueError, r"`target` must hold only finite values"),
    BadInput((_OK, None), TypeError, r"`target` must be a tensor, got NoneType"),
]


def _spec(variant="b", t_test=False, alternative="two-sided", shape=(), bad=(), batches=None, **kwargs):
    args = {"variant": variant, "t_test": t_test, "alternative": alternative}
    if shape:
        args["num_outputs"] = shape[0]
    functional_args = {k: v for k, v in args.items() if k != "num_outputs"}
    return MetricSpec(
        KendallRankCorrCoef, _reference(variant, t_test, alternative), batches or _pairs(_SIZES, shape),
        metric_args=args, functional=kendall_rank_corrcoef, functional_args=functional_args, bad_inputs=bad,
        id=f"kendall-{variant}-{'test-' + str(alternative) if t_test else 'tau'}-{shape[0] if shape else 1}",
        **kwargs,
    )  # fmt: skip


SPECS = [
    _spec("b", bad=_BAD, dtypes=(torch.float32, torch.float64, torch.float16)),
    _spec("a", t_test=True),
    _spec("a", alternative=None, batches=_pairs(_SIZES, ties=False)),
    _spec("b", t_test=True, alternative="greater", shape=(2,)),
    _spec("c", t_test=True, alternative="less"),
    _spec("c", shape=(3,), batches=[(x.reshape(-1, 3), y.reshape(-1, 3)) for x, y in _int_pairs([21, 6, 3, 12])]),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_kendall_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("variant", ["a", "b", "c"])
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_kendall_every_variant_and_alternative(variant, alternative):
    preds, target = (torch.cat(t) for t in zip(*_pairs([40, 25], (2,))))
    tau, p_value = kendall_rank_corrcoef(preds, target, variant, True, alternative)
    expected_tau, expected_p = _reference(variant, True, alternative)(preds.double().numpy(), target.double().numpy())
    np.testing.assert_allclose(tau.numpy(), expected_tau, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p_value.numpy(), expected_p, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("variant", ["a", "b", "c"])
@pytest.mark.parametrize(
    ("t_test", "alternative"), [(False, "two-sided"), (True, "two-sided"), (True, "less"), (True, "greater")]
)
@pytest.mark.parametrize("shape", [(), (3,)])
def test_kendall_parity_with_torchmetrics(variant, t_test, alternative, shape):
    tm_regression = pytest.importorskip("torchmetrics.regression")
    tm_functional = pytest.importorskip("torchmetrics.functional.regression")
    batches = _pairs(_SIZES, shape)
    num_outputs = shape[0] if shape else 1
    preds, target = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm_metric = tm_regression.KendallRankCorrCoef(variant, t_test, alternative, num_outputs)
        for batch in batches:
            tm_metric.update(*batch)
        expected_class = tm_metric.compute()
        expected_functional = tm_functional.kendall_rank_corrcoef(preds, target, variant, t_test, alternative)
    metric = KendallRankCorrCoef(variant, t_test, alternative, num_outputs)
    for batch in batches:
        metric.update(*batch)
    torch.testing.assert_close(metric.compute(), expected_class, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(kendall_rank_corrcoef(preds, target, variant, t_test, alternative), expected_functional)


@pytest.mark.parametrize("variant", ["b", "c"])
def test_kendall_many_samples_with_ties_match_scipy(variant):
    gen = torch.Generator().manual_seed(11)
    x = torch.randint(0, 300, (50_000,), generator=gen).double()
    y = (x + torch.randint(0, 400, (50_000,), generator=gen)).double()
    tau, p_value = kendall_rank_corrcoef(x, y, variant=variant, t_test=True)
    expected = stats.kendalltau(x.numpy(), y.numpy(), variant=variant, method="asymptotic")
    np.testing.assert_allclose(tau.item(), expected.statistic, rtol=1e-12)
    np.testing.assert_allclose(p_value.item(), expected.pvalue, rtol=1e-9, atol=1e-300)


def test_count_inversions_matches_brute_force():
    gen = torch.Generator().manual_seed(4)
    for n in [0, 1, 2, 3, 5, 8, 33, 64, 65]:
        seq = torch.randint(0, max(n // 3, 1), (3, n), generator=gen)
        brute = [sum(int(r[i] > r[j]) for i in range(n) for j in range(i + 1, n)) for r in seq.tolist()]
        assert count_inversions(seq).tolist() == brute


@pytest.mark.parametrize("variant", ["a", "b", "c"])
def test_kendall_constant_input_is_nan_with_a_warning(variant):
    preds, target = torch.full((6,), 0.3), torch.arange(6.0)
    with pytest.warns(CalipersUserWarning, match=r"kendall_rank_corrcoef: the correlation is undefined \(NaN\)"):
        tau, p_value = kendall_rank_corrcoef(preds, target, variant=variant, t_test=True)
    assert torch.isnan(tau)
    # No association at all: S = 0, so the no-ties test of variant a gives p = 1; b and c have no variance left.
    assert p_value.item() == 1.0 if variant == "a" else torch.isnan(p_value)


def test_kendall_p_value_needs_three_samples():
    tau, p_value = kendall_rank_corrcoef(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 5.0]), t_test=True)
    assert tau.item() == 1.0 and torch.isnan(p_value)


def test_kendall_argument_errors():
    with pytest.raises(ValueError, match=r"KendallRankCorrCoef: `variant` must be one of \['a', 'b', 'c'\], got 'd'\."):
        KendallRankCorrCoef(variant="d")
    with pytest.raises(TypeError, match=r"KendallRankCorrCoef: `t_test` must be a bool, got 'yes'\."):
        KendallRankCorrCoef(t_test="yes")
    with pytest.raises(
        ValueError, match=r"`alternative` must be one of \['greater', 'less', 'two-sided'\] or None, got 'x'"
    ):
        KendallRankCorrCoef(t_test=True, alternative="x")
    with pytest.raises(ValueError, match=r"`alternative` must be one of .* when `t_test` is True, got None\."):
        KendallRankCorrCoef(t_test=True, alternative=None)
    with pytest.raises(ValueError, match=r"KendallRankCorrCoef: `num_outputs` must be a positive int, got 0\."):
        KendallRankCorrCoef(num_outputs=0)
    with pytest.raises(TypeError, match=r"KendallRankCorrCoef: `validate_args` must be a bool"):
        KendallRankCorrCoef(validate_args=None)
    with pytest.raises(
        ValueError, match=r"kendall_rank_corrcoef: `alternative` must be one of .* when `t_test` is True"
    ):
        kendall_rank_corrcoef(torch.ones(3), torch.ones(3), t_test=True, alternative=None)
    with pytest.raises(ValueError, match=r"kendall_rank_corrcoef: `variant` must be one of"):
        kendall_rank_corrcoef(torch.ones(3), torch.ones(3), variant="B")
