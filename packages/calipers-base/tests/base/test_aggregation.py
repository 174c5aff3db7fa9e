from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers.aggregation import CatMetric, MaxMetric, MeanMetric, MinMetric, RunningMean, RunningSum, SumMetric
from calipers.exceptions import CalipersUserWarning
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(42)


def _values(sizes, shape=()):
    return [(torch.randn(n, *shape, generator=_gen, dtype=torch.float64).float(),) for n in sizes]


def _weighted(sizes):
    return [(torch.randn(n, generator=_gen), torch.rand(n, generator=_gen) + 0.1) for n in sizes]


# References: NumPy on the concatenated samples.
def _reference_sum(x):
    return np.sum(x)


def _reference_mean(x, w=None):
    return np.average(x, weights=w)


def _reference_max(x):
    return np.max(x)


def _reference_min(x):
    return np.min(x)


def _reference_cat(x):
    return x


_SIZES = [7, 3, 1, 10, 4]
_HALF_TOO = (torch.float32, torch.float64, torch.float16)
_BAD_TYPE = BadInput(("not a number",), TypeError, "`value` must be a tensor")
_BAD_NAN = BadInput((torch.tensor([1.0, float("nan")]),), ValueError, "NaN")
# Complex values: casting them to the real state dtype would silently drop the imaginary part.
_BAD_COMPLEX = BadInput(
    (torch.tensor([1 + 5j, 3 + 5j]),), TypeError, "`value` must be a real tensor, got a tensor of dtype"
)
_BAD_COMPLEX_NUMBER = BadInput((1 + 5j,), TypeError, "`value` must be a tensor or a real number")
_BAD = [_BAD_TYPE, _BAD_COMPLEX, _BAD_COMPLEX_NUMBER]

SPECS = [
    MetricSpec(SumMetric, _reference_sum, _values(_SIZES), bad_inputs=_BAD, dtypes=_HALF_TOO, id="sum"),
    MetricSpec(SumMetric, _reference_sum, _values(_SIZES, (3, 2)), id="sum-3d"),
    MetricSpec(
        SumMetric,
        _reference_sum,
        _values(_SIZES),
        metric_args={"nan_strategy": "error"},
        bad_inputs=[_BAD_NAN, _BAD_TYPE],
        id="sum-nan-error",
    ),
    MetricSpec(MeanMetric, _reference_mean, _values(_SIZES), bad_inputs=_BAD, dtypes=_HALF_TOO, id="mean"),
    MetricSpec(
        MeanMetric,
        _reference_mean,
        _weighted(_SIZES),
        bad_inputs=[
            BadInput((torch.ones(3), torch.ones(2)), ValueError, "`weight` must be broadcastable"),
            BadInput((torch.ones(3), "w"), TypeError, "`weight` must be a tensor"),
            BadInput((torch.ones(2), torch.tensor([1 + 1j, 1j])), TypeError, "`weight` must be a real tensor"),
        ],
        id="mean-weighted",
    ),
    MetricSpec(MeanMetric, _reference_mean, _values(_SIZES, (2,)), id="mean-2d"),
    MetricSpec(MaxMetric, _reference_max, _values(_SIZES), bad_inputs=_BAD, id="max"),
    MetricSpec(MinMetric, _reference_min, _values(_SIZES), bad_inputs=_BAD, id="min"),
    MetricSpec(CatMetric, _reference_cat, _values(_SIZES), bad_inputs=_BAD, order_invariant=False, id="cat"),
    MetricSpec(CatMetric, _reference_cat, _values(_SIZES, (3,)), order_invariant=False, id="cat-2d"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_aggregation_harness(spec):
    run_metric_tests(spec)


# Running metrics keep the last `window` updates: the reference is NumPy over those batches.
def _window_batches():
    return [(torch.randn(4, generator=_gen),) for _ in range(6)]


@pytest.mark.parametrize(("cls", "ref"), [(RunningSum, np.sum), (RunningMean, np.mean)])
@pytest.mark.parametrize("window", [1, 3, 10])
def test_running_window(cls, ref, window):
    batches = _window_batches()
    metric = cls(window=window)
    for i, (x,) in enumerate(batches):
        batch_value = metric(x)
        np.testing.assert_allclose(batch_value.item(), ref(x.numpy()), rtol=1e-5, atol=1e-6)
        kept = np.concatenate([b[0].numpy() for b in batches[max(0, i + 1 - window) : i + 1]])
        np.testing.assert_allclose(metric.compute().item(), ref(kept), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [RunningSum, RunningMean])
def test_running_rejects_complex_values(cls):
    metric = cls(window=2)
    metric.update(torch.tensor([1.0]))
    with pytest.raises(TypeError, match=r"`value` must be a real tensor, got a tensor of dtype torch\.complex64"):
        metric.update(torch.tensor([1 + 5j, 3 + 5j]))
    assert metric.compute().item() == 1.0


def test_running_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`window` must be a positive integer"):
        RunningMean(window=0)
    with pytest.raises(ValueError, match="`nan_strategy` must be a float or one of"):
        RunningSum(nan_strategy="drop")


@pytest.mark.parametrize("cls", [SumMetric, MeanMetric, MaxMetric, MinMetric, CatMetric])
def test_nan_strategy_validation(cls):
    with pytest.raises(ValueError, match=r"`nan_strategy` must be a float or one of \['disable', 'error'"):
        cls(nan_strategy="nope")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        cls(foo=1)


def test_nan_strategies_do_not_mutate_the_input():
    x = torch.tensor([1.0, float("nan"), 3.0])
    w = torch.tensor([1.0, 2.0, float("nan")])
    keep = x.clone(), w.clone()
    metric = MeanMetric(nan_strategy=0.5)
    metric.update(x, w)
    # NaN positions (1 in x, 2 in w) are imputed: value 0.5 with weight 1 (values [1, .5, .5], weights [1, 1, 1])
    np.testing.assert_allclose(metric.compute().item(), np.average([1, 0.5, 0.5], weights=[1, 1, 1]))
    assert torch.equal(x.nan_to_num(7), keep[0].nan_to_num(7)) and torch.equal(w.nan_to_num(7), keep[1].nan_to_num(7))


@pytest.mark.parametrize(
    ("value", "weight", "imputed_value", "imputed_weight"),
    [
        ([float("nan"), 0.0], [1.0, 1.0], [2.0, 0.0], [1.0, 1.0]),  # the example: 1.0, not 1.333
        ([float("nan"), 0.0], [3.0, 1.0], [2.0, 0.0], [1.0, 1.0]),
        ([1.0, 0.0], [float("nan"), 3.0], [2.0, 0.0], [1.0, 3.0]),
        ([float("nan"), 4.0], 2.0, [2.0, 4.0], [1.0, 2.0]),  # broadcast weight: only the NaN element's becomes 1
    ],
)
def test_float_nan_strategy_imputes_the_value_with_weight_one(value, weight, imputed_value, imputed_weight):
    """An element whose value or weight is NaN becomes (fill, weight 1), as in TorchMetrics (oracle: np.average)."""
    metric = MeanMetric(nan_strategy=2.0)
    metric.update(torch.tensor(value), weight=torch.tensor(weight))
    expected = np.average(imputed_value, weights=imputed_weight)
    np.testing.assert_allclose(metric.compute().item(), expected, rtol=1e-6)
    if isinstance(weight, list):  # TorchMetrics agrees on per-element weights (a broadcast one aliases, see CHANGELOG)
        import torchmetrics

        peer = torchmetrics.MeanMetric(nan_strategy=2.0)
        peer.update(torch.tensor(value), weight=torch.tensor(weight))
        np.testing.assert_allclose(peer.compute().item(), expected, rtol=1e-6)


def test_nan_ignore_and_warn_drop_pairs():
    x = torch.tensor([1.0, float("nan"), 3.0])
    w = torch.tensor([1.0, 2.0, float("nan")])
    ignore = MeanMetric(nan_strategy="ignore")
    ignore.update(x, w)
    assert ignore.compute().item() == 1.0
    warn = SumMetric(nan_strategy="warn")
    with pytest.warns(CalipersUserWarning, match="NaN values in the input were dropped"):
        warn.update(x)
    assert warn.compute().item() == 4.0
    disabled = SumMetric(nan_strategy="disable")
    disabled.update(x)
    assert torch.isnan(disabled.compute())


def test_python_scalars_and_empty_inputs():
    metric = MeanMetric()
    metric.update(2)
    metric.update(4.0, weight=3)
    metric.update(torch.tensor([]))
    assert metric.compute().item() == pytest.approx((2 + 12) / 4)
    cat = CatMetric()
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert cat.compute().shape == (0,)
    mx = MaxMetric()
    mx.update(torch.tensor([]))
    assert mx.compute().item() == -float("inf")


def test_cat_metric_copies_a_reused_buffer():
    buf = torch.zeros(2)
    metric = CatMetric()
    for i in range(3):
        buf.fill_(i)
        metric.update(buf)
    assert metric.compute().tolist() == [0, 0, 1, 1, 2, 2]


# With a window longer than the number of batches a running metric covers every batch, so the plain NumPy
# reference applies; test_running_window checks shorter windows.
SPECS += [
    MetricSpec(
        RunningSum,
        _reference_sum,
        _values(_SIZES),
        metric_args={"window": 8},
        batch_invariant=False,
        bad_inputs=[_BAD_TYPE],
        id="running-sum",
    ),
    MetricSpec(
        RunningMean,
        _reference_mean,
        _values(_SIZES),
        metric_args={"window": 8},
        batch_invariant=False,
        bad_inputs=[_BAD_TYPE],
        id="running-mean",
    ),
]


@pytest.mark.parametrize("spec", SPECS[-2:], ids=lambda s: s.name)
def test_running_harness(spec):
    run_metric_tests(spec)
