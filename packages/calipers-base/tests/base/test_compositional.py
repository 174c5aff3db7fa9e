from __future__ import annotations

import operator
import pickle

import numpy as np
import pytest
import torch

from calipers import CompositionalMetric, MaxMetric, MeanMetric, Metric, SumMetric
from calipers.wrappers import Running
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(7)
_BATCHES = [(torch.rand(n, generator=_gen) + 0.5,) for n in (6, 2, 9, 3, 5)]

SPECS = [
    MetricSpec(
        CompositionalMetric,
        lambda x: np.sum(x) + np.mean(x),
        _BATCHES,
        metric_args={"operator": torch.add, "metric_a": SumMetric(), "metric_b": MeanMetric()},
        bad_inputs=[BadInput(("x",), TypeError, "`value` must be a tensor")],
        id="sum+mean",
    ),
    MetricSpec(
        CompositionalMetric,
        lambda x: np.max(x) / 2.0,
        _BATCHES,
        metric_args={"operator": torch.true_divide, "metric_a": MaxMetric(), "metric_b": 2.0},
        id="max/2",
    ),
    MetricSpec(
        Running,
        np.sum,
        _BATCHES,
        metric_args={"base_metric": SumMetric(), "window": 6},
        batch_invariant=False,
        id="running(sum)",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_compositional_harness(spec):
    run_metric_tests(spec)


def _filled(metric, values):
    metric.update(torch.tensor(values))
    return metric


_BINARY = [
    (operator.add, np.add),
    (operator.sub, np.subtract),
    (operator.mul, np.multiply),
    (operator.truediv, np.true_divide),
    (operator.floordiv, np.floor_divide),
    (operator.mod, np.fmod),
    (operator.pow, np.power),
    (operator.lt, np.less),
    (operator.le, np.less_equal),
    (operator.gt, np.greater),
    (operator.ge, np.greater_equal),
    (operator.eq, np.equal),
    (operator.ne, np.not_equal),
]


@pytest.mark.parametrize(("op", "ref"), _BINARY, ids=lambda x: getattr(x, "__name__", str(x)))
@pytest.mark.parametrize("other", [3.0, "metric", "tensor"])
def test_binary_operators_and_reflected_forms(op, ref, other):
    a_val, b_val = 7.5, 3.0
    b = {"metric": _filled(SumMetric(), [b_val]), "tensor": torch.tensor(b_val), 3.0: 3.0}[other]
    composed = op(_filled(SumMetric(), [a_val]), b)
    assert isinstance(composed, CompositionalMetric)
    np.testing.assert_allclose(composed.compute().numpy(), ref(a_val, b_val))
    if other != "metric":  # reflected: number/tensor on the left
        reflected = op(b, _filled(SumMetric(), [a_val]))
        assert isinstance(reflected, CompositionalMetric)
        np.testing.assert_allclose(reflected.compute().numpy(), ref(b_val, a_val))


@pytest.mark.parametrize(
    ("op", "ref"),
    [(operator.and_, np.bitwise_and), (operator.or_, np.bitwise_or), (operator.xor, np.bitwise_xor)],
)
def test_bitwise_operators(op, ref):
    a, b = _filled(_Int(SumMetric()), [6.0]), _filled(_Int(SumMetric()), [3.0])
    assert op(a, 3).compute().item() == ref(6, 3)
    assert op(3, b).compute().item() == ref(3, 3)


class _Int(Metric):
    """Integer view of another metric, for bitwise operators."""

    full_state_update = False

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def update(self, *args):
        self.inner.update(*args)

    def compute(self):
        return self.inner.compute().long()


def test_unary_operators_are_correct():
    m = _filled(SumMetric(), [-3.0])
    assert (-m).compute().item() == 3.0  # true negation (TorchMetrics gives -abs)
    assert (+m).compute().item() == -3.0  # identity (TorchMetrics gives abs)
    assert abs(m).compute().item() == 3.0
    assert (~_filled(_Int(SumMetric()), [5.0])).compute().item() == ~5
    cat = SumMetric()
    cat.update(torch.tensor([1.0]))
    vec = _Vec()
    vec.update(torch.tensor([4.0, 5.0, 6.0]))
    assert vec[1].compute().item() == 5.0
    assert (vec @ torch.tensor([1.0, 0.0, 1.0])).compute().item() == 10.0
    assert (torch.tensor([1.0, 1.0, 0.0]) @ vec).compute().item() == 9.0


class _Vec(Metric):
    full_state_update = False

    def __init__(self):
        super().__init__()
        self.add_state("v", torch.zeros(3), dist_reduce_fx="sum")

    def update(self, x):
        self.v += x

    def compute(self):
        return self.v


def test_update_forwards_to_both_operands_once_with_filtered_kwargs():
    mean, total = MeanMetric(), SumMetric()
    composed = mean + total
    composed.update(torch.tensor([1.0, 3.0]), weight=torch.tensor([1.0, 0.0]))
    assert mean.update_count == 1 and total.update_count == 1
    assert composed.compute().item() == pytest.approx(1.0 + 4.0)  # weight went to MeanMetric only


def test_compositional_pickles_clones_and_resets():
    composed = SumMetric() * 2
    composed.update(torch.tensor([1.0, 2.0]))
    restored = pickle.loads(pickle.dumps(composed))
    assert restored.compute().item() == 6.0
    clone = composed.clone()
    clone.update(torch.tensor([10.0]))
    assert composed.compute().item() == 6.0 and clone.compute().item() == 26.0
    composed.reset()
    composed.update(torch.tensor([1.0]))
    assert composed.compute().item() == 2.0


def test_compositional_never_serves_a_stale_value():
    total = SumMetric()
    composed = total + 1
    total.update(torch.tensor(1.0))
    assert composed.compute().item() == 2.0
    total.update(torch.tensor(1.0))  # updated directly, not through the composition
    assert composed.compute().item() == 3.0


def test_bad_operand_type():
    with pytest.raises(TypeError, match="an operand must be a Metric, a Tensor, a number or None"):
        SumMetric() + "x"


def test_a_metric_used_twice_sees_each_batch_once():
    a = SumMetric()
    twice = a + a
    nested = a / (a + MaxMetric())
    twice.update(torch.tensor([1.0, 2.0]))
    assert a.update_count == 1 and twice.compute().item() == 6.0
    assert twice(torch.tensor([4.0])).item() == 8.0  # batch value: 4 + 4
    assert a.update_count == 2 and twice.compute().item() == 14.0
    nested.update(torch.tensor([3.0]))
    assert a.update_count == 3
    assert nested.compute().item() == pytest.approx(10.0 / (10.0 + 3.0))


def test_forward_does_not_keep_the_autograd_graph_in_states():
    m = MeanMetric()
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        value = m(x * 2)
        assert value.requires_grad
    assert not m.mean_value.requires_grad and not m.weight.requires_grad
