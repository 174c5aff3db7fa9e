"""The Metric contract, single process: states, caching, forward, merge, persistence, dtypes, copies, errors."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import pytest
import torch
import torchmetrics

from calipers import CatMetric, MaxMetric, MeanMetric, Metric, RunningMean, SumMetric
from calipers.exceptions import CalipersUserWarning, ClassConstantError, MetricStateError
from calipers_testing._sync_scenarios import ManyStates


class Counting(Metric):
    """A sum and a list of every batch, counting how often update and compute run."""

    full_state_update = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("seen", [], dist_reduce_fx="cat")
        self.calls = {"update": 0, "compute": 0}

    def update(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Counting: `x` must be a tensor, got {type(x).__name__}.")
        self.calls["update"] += 1
        self.total += x.sum()
        self.seen.append(x)

    def compute(self):
        self.calls["compute"] += 1
        return self.total


class FullState(Counting):
    full_state_update = True


class Drift(Metric):
    """Its update reads the state (full_state_update=True): the value is the last batch mean minus the previous."""

    full_state_update = True

    def __init__(self):
        super().__init__()
        self.add_state("last", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("delta", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x):
        mean = x.mean()
        self.delta = mean - self.last
        self.last = mean

    def compute(self):
        return self.delta


def test_unknown_and_badly_typed_options():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['colour'\]"):
        SumMetric(colour="red")
    with pytest.raises(TypeError, match="`compute_on_cpu` must be a bool, got 'yes'"):
        SumMetric(compute_on_cpu="yes")
    with pytest.raises(TypeError, match="`dist_sync_fn` must be callable or None"):
        SumMetric(dist_sync_fn=3)


def test_add_state_validation():
    m = Counting()
    with pytest.raises(ValueError, match="`default` of state 'x' must be a tensor or an empty list"):
        m.add_state("x", 3)
    with pytest.raises(ValueError, match=r"`dist_reduce_fx` must be one of \['cat', 'max', 'mean', 'min', 'sum'\]"):
        m.add_state("y", torch.tensor(0), dist_reduce_fx="avg")
    with pytest.raises(TypeError, match="`dist_reduce_fx` must be a string, a callable or None"):
        m.add_state("z", torch.tensor(0), dist_reduce_fx=3)
    with pytest.raises(ValueError, match="already an attribute or state"):
        m.add_state("total", torch.tensor(0))
    with pytest.raises(TypeError, match="`name` must be a valid identifier"):
        m.add_state("not valid", torch.tensor(0))


@pytest.mark.parametrize("name", ["higher_is_better", "is_differentiable", "full_state_update"])
@pytest.mark.parametrize("caught", [AttributeError, RuntimeError, ClassConstantError])
def test_class_constants_cannot_be_set_on_objects(name, caught):
    """TorchMetrics code catches RuntimeError, Python code AttributeError: one error type is both."""
    m = SumMetric()
    with pytest.raises(caught, match=f"`{name}` is a class constant and cannot be set on an object"):
        setattr(m, name, True)
    assert getattr(type(m), name) is getattr(m, name)


def test_compute_warns_before_update_and_caches():
    m = Counting()
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        m.compute()
    m.update(torch.tensor([1.0]))
    first = m.compute()
    assert m.compute() is first and m.calls["compute"] == 2
    m.update(torch.tensor([2.0]))
    assert m.compute().item() == 3.0
    uncached = Counting(compute_with_cache=False)
    uncached.update(torch.tensor([1.0]))
    uncached.compute()
    uncached.compute()
    assert uncached.calls["compute"] == 2


def test_update_count_and_reset():
    m = Counting()
    assert not m.update_called and m.update_count == 0
    m.update(torch.tensor([1.0]))
    m(torch.tensor([2.0]))
    assert m.update_called and m.update_count == 2
    m.reset()
    assert m.update_count == 0 and m.total.item() == 0 and m.seen == []


@pytest.mark.parametrize(("cls", "updates"), [(Counting, 1), (FullState, 2)])
def test_forward_costs_one_update_and_one_compute(cls, updates):
    m = cls()
    m.update(torch.ones(3))
    m.calls.update(update=0, compute=0)
    value = m(torch.tensor([5.0, 6.0]))
    assert value.item() == 11.0
    assert m.calls == {"update": updates, "compute": 1}
    assert m.compute().item() == 14.0 and m.update_count == 2


def test_forward_never_copies_the_accumulated_list_state():
    m = Counting()
    for _ in range(3):
        m(torch.ones(2))
    seen, first = m.seen, m.seen[0]
    for _ in range(50):
        m(torch.ones(2))
    assert m.seen is seen and m.seen[0] is first and len(m.seen) == 53


def test_full_state_update_metrics_stay_correct_in_forward():
    m = Drift()
    assert m(torch.tensor([1.0, 3.0])).item() == 2.0  # batch alone: 2 - 0
    assert m(torch.tensor([5.0])).item() == 5.0  # batch alone: 5 - 0
    assert m.compute().item() == 3.0  # accumulated: 5 - 2


@pytest.mark.parametrize("cls", [Counting, FullState])
def test_a_bad_batch_in_forward_leaves_the_state_alone(cls):
    m = cls()
    m(torch.tensor([1.0, 2.0]))
    total, seen, count = m.total.clone(), list(m.seen), m.update_count
    with pytest.raises(TypeError, match="`x` must be a tensor"):
        m("bad")
    assert torch.equal(m.total, total) and m.seen == seen and m.update_count == count


def test_merge_state_errors():
    m = MeanMetric()
    with pytest.raises(TypeError, match="`incoming_state` must be a MeanMetric or a dict"):
        m.merge_state(SumMetric())
    with pytest.raises(TypeError, match="`incoming_state` must be a dict or a metric"):
        m.merge_state(3)
    with pytest.raises(ValueError, match=r"must have the states \['mean_value', 'weight'\]"):
        m.merge_state({"mean_value": torch.tensor(1.0)})

    class NoReduce(Counting):
        def __init__(self):
            super().__init__()
            self.add_state("raw", torch.tensor(0.0), dist_reduce_fx=None)

    with pytest.raises(ValueError, match="state 'raw' has no reduction"):
        NoReduce().merge_state(NoReduce())


def test_merge_state_weighs_mean_states_by_update_count():
    class Avg(Metric):
        full_state_update = False

        def __init__(self):
            super().__init__()
            self.add_state("avg", torch.tensor(0.0), dist_reduce_fx="mean")

        def update(self, x):
            self.avg = x

        def compute(self):
            return self.avg

    a, b = Avg(), Avg()
    a.update(torch.tensor(1.0))
    for v in (4.0, 4.0):
        b.update(torch.tensor(v))
    b.__dict__["_update_count"] = 2
    a.merge_state(b)
    assert a.compute().item() == pytest.approx(3.0)


def test_sync_and_unsync_without_a_process_group():
    m = SumMetric()
    m.update(torch.tensor(1.0))
    m.sync()  # no process group: nothing happens
    with pytest.raises(MetricStateError, match="has not been synced"):
        m.unsync()
    m.sync(distributed_available=lambda: True, dist_sync_fn=lambda t, group=None: [t, t])
    assert m.sum_value.item() == 2.0
    with pytest.raises(MetricStateError, match="already synced"):
        m.sync(distributed_available=lambda: True)
    with pytest.raises(MetricStateError, match="call `unsync\\(\\)` before updating"):
        m.update(torch.tensor(1.0))
    m.unsync()
    assert m.sum_value.item() == 1.0
    with m.sync_context(distributed_available=lambda: True, dist_sync_fn=lambda t, group=None: [t, t, t]):
        assert m.sum_value.item() == 3.0
    assert m.sum_value.item() == 1.0


def test_state_dict_is_empty_unless_persistent():
    m = MeanMetric()
    m.update(torch.tensor([1.0, 2.0]))
    assert dict(m.state_dict()) == {}
    m.persistent(True)
    assert set(m.state_dict()) == {"mean_value", "weight"}


@pytest.mark.parametrize(
    ("ours", "theirs", "batches"),
    [
        (MeanMetric, torchmetrics.MeanMetric, [torch.tensor([1.0, 2.0]), torch.tensor([4.0])]),
        (SumMetric, torchmetrics.SumMetric, [torch.tensor([1.0, 2.0]), torch.tensor([4.0])]),
        (MaxMetric, torchmetrics.MaxMetric, [torch.tensor([1.0, 2.0]), torch.tensor([4.0])]),
        (CatMetric, torchmetrics.CatMetric, [torch.tensor([1.0, 2.0]), torch.tensor([4.0])]),
        (RunningMean, torchmetrics.RunningMean, [torch.tensor([1.0, 2.0]), torch.tensor([4.0])]),
    ],
)
def test_checkpoints_load_across_calipers_and_torchmetrics(ours, theirs, batches):
    a, b = ours(), theirs()
    for x in batches:
        a.update(x)
        b.update(x)
    a.persistent(True)
    b.persistent(True)
    assert set(a.state_dict()) == set(b.state_dict())
    from_tm, to_tm = ours(), theirs()
    from_tm.persistent(True)
    to_tm.persistent(True)
    from_tm.load_state_dict(b.state_dict())
    to_tm.load_state_dict(a.state_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = b.compute()
        assert torch.allclose(from_tm.compute(), expected)
        assert torch.allclose(to_tm.compute(), expected)


def test_set_dtype_casts_floats_but_never_counters():
    m = ManyStates()
    m.update(torch.randn(6), torch.randn(2, 3))
    m.set_dtype(torch.float16)
    assert m.s0.dtype == torch.float16 and m.flat[0].dtype == torch.float16 and m.dtype == torch.float16
    assert m.count.dtype == torch.int64
    m.reset()
    assert m.s0.dtype == torch.float16 and m.count.dtype == torch.int64
    with pytest.raises(TypeError, match="`dst_type` must be a floating dtype"):
        m.set_dtype(torch.int32)


def test_module_dtype_casts_leave_states_alone():
    m = SumMetric()
    for cast in (m.half, m.double, m.float, m.bfloat16):
        assert cast() is m
    assert m.sum_value.dtype == torch.float32 and m.dtype == torch.float32
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    model.metric = SumMetric()
    model.half()
    assert model[0].weight.dtype == torch.float16 and model.metric.sum_value.dtype == torch.float32


def test_device_moves_follow_the_module():
    m = CatMetric()
    m.update(torch.tensor([1.0]))
    moved = m.to("cpu")
    assert moved is m and m.device == torch.device("cpu")
    m.to(torch.float64)
    assert m.value[0].dtype == torch.float64 and m.dtype == torch.float64


def test_clone_pickle_and_hash():
    m = MeanMetric()
    m.update(torch.tensor([1.0, 3.0]))
    h = hash(m)
    c = m.clone()
    c.update(torch.tensor([8.0]))
    assert m.compute().item() == 2.0 and c.compute().item() == 4.0
    assert pickle.loads(pickle.dumps(m)).compute().item() == 2.0
    m.update(torch.tensor([2.0]))
    assert hash(m) == h and len({m, c}) == 2


class Squares(Metric):
    """A differentiable sum of squares (the state), for the gradient tests."""

    is_differentiable = True
    full_state_update = False

    def __init__(self):
        super().__init__()
        self.add_state("acc", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x):
        self.acc = self.acc + (x**2).sum()

    def compute(self):
        return self.acc


def test_differentiable_forward_carries_gradients_but_update_does_not():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    m = Squares()
    value = m(x)
    value.backward()
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0]))
    m.update(x)
    assert not m.acc.requires_grad


def test_compute_on_cpu_keeps_list_states_on_cpu():
    m = CatMetric(compute_on_cpu=True)
    m.update(torch.tensor([1.0]))
    m(torch.tensor([2.0]))
    assert all(v.device.type == "cpu" for v in m.value) and m.compute().tolist() == [1.0, 2.0]


def test_metrics_are_not_iterable():
    with pytest.raises(TypeError, match="is not iterable"):
        iter(SumMetric())


def test_plot_renders_with_agg(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    m = MeanMetric()
    m.update(torch.tensor([1.0]))
    fig, ax = m.plot()
    assert ax.get_title() == "MeanMetric"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    m = SumMetric()
    m.update(torch.tensor(1.0))
    with pytest.raises(ImportError, match=r"calipers-base\[plot\]"):
        m.plot()


def test_import_calipers_is_light():
    code = (
        "import sys, calipers; calipers.MeanMetric; "
        "bad = [m for m in ('scipy', 'matplotlib', 'sklearn', 'calipers.classification', 'calipers.regression', "
        "'calipers.retrieval', 'calipers.audio', 'calipers.text', 'torchmetrics') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_computed_value_never_aliases_a_state():
    m = SumMetric()
    m.update(torch.tensor(1.0))
    value = m.compute()
    m.update(torch.tensor(5.0))  # states are updated in place
    m(torch.tensor(2.0))  # forward folds in place
    assert value.item() == 1.0 and m.compute().item() == 8.0


def test_a_callable_marked_foldable_takes_the_cheap_forward_path():
    def stacked_sum(x):
        return x.sum(0)

    class Custom(Counting):
        def __init__(self, mark):
            super().__init__()
            self._reductions["total"] = stacked_sum if not mark else _marked(stacked_sum)

    for mark, updates in ((False, 2), (True, 1)):
        m = Custom(mark)
        m.update(torch.ones(2))
        m.calls.update(update=0, compute=0)
        assert m(torch.tensor([3.0])).item() == 3.0 and m.calls["update"] == updates
        assert m.compute().item() == 5.0


def _marked(fn):
    def wrapper(x):
        return fn(x)

    wrapper.__calipers_foldable__ = True
    return wrapper


def test_a_fold_that_fails_in_forward_leaves_the_state_intact():
    class Shapes(Metric):
        full_state_update = False

        def __init__(self):
            super().__init__()
            self.add_state("n", torch.tensor(0.0), dist_reduce_fx="sum")
            self.add_state("a", torch.zeros(3), dist_reduce_fx="max")

        def update(self, x):
            self.n += x.numel()
            self.a = torch.maximum(self.a.expand_as(x) if x.numel() == 3 else self.a.new_zeros(x.shape), x)

        def compute(self):
            return self.n

    m = Shapes()
    m.update(torch.ones(3))
    with pytest.raises(RuntimeError):
        m(torch.ones(2))  # the "max" fold of a (2,) batch state into a (3,) state fails
    assert m.n.item() == 3.0 and m.a.shape == (3,) and m.update_count == 1


def test_the_batch_update_in_forward_sees_a_fresh_metric():
    seen = []

    class Peek(Counting):
        def update(self, x):
            seen.append(self.update_count)
            super().update(x)

    m = Peek()
    m.update(torch.ones(1))
    m.update(torch.ones(1))
    m(torch.ones(1))
    assert seen == [0, 1, 0] and m.update_count == 3


def test_forward_hooks_still_run():
    m = MeanMetric()
    seen = []
    handle = m.register_forward_hook(lambda module, inputs, output: seen.append(output))
    m(torch.tensor([1.0, 3.0]))
    handle.remove()
    m(torch.tensor([5.0]))
    assert len(seen) == 1 and seen[0].item() == 2.0 and m.compute().item() == 3.0


class Additive(Metric):
    """Declares the additive protocol of ``calipers._forward``: a sum and a count, the mean of squares as value."""

    full_state_update = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0.0), dist_reduce_fx="sum")
        self.calls = {"contribution": 0, "compute": 0}

    def update(self, x):
        self._add_contribution(self._contribution(x))

    def _contribution(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Additive: `x` must be a tensor, got {type(x).__name__}.")
        self.calls["contribution"] += 1
        return (x**2).sum(), torch.tensor(float(x.numel()))

    def _contribution_states(self, contribution):
        return {"total": contribution[0], "count": contribution[1]}

    def _add_contribution(self, contribution):
        self.total.add_(contribution[0])
        self.count.add_(contribution[1])

    def compute(self):
        self.calls["compute"] += 1
        return self.total / self.count


def test_an_additive_metric_forwards_without_fresh_states():
    from calipers._forward import is_additive

    m = Additive()
    m.update(torch.tensor([1.0, 1.0]))
    total = m.total
    assert is_additive(Additive)
    assert m(torch.tensor([2.0, 4.0])).item() == 10.0  # the batch alone
    assert m.calls == {"contribution": 2, "compute": 1}
    assert m.total is total  # folded in place, never replaced or copied
    assert m.update_count == 2 and m.compute().item() == 5.5  # (1 + 1 + 4 + 16) / 4
    with pytest.raises(TypeError, match="`x` must be a tensor"):
        m("bad")
    assert m.total.item() == 22.0 and m.count.item() == 4.0 and m.update_count == 2


def test_a_subclass_overriding_update_leaves_the_additive_path():
    from calipers._forward import is_additive

    class Doubled(Additive):
        def update(self, x):
            super().update(2 * x)

    m = Doubled()
    assert not is_additive(Doubled)
    assert m(torch.tensor([1.0])).item() == 4.0  # its own update ran on the batch
    assert m.compute().item() == 4.0


class DirectValue(Additive):
    """Declares ``_contribution_value`` beside its own ``compute``: the batch value comes straight from it."""

    def _contribution_value(self, contribution):
        self.calls["value"] = self.calls.get("value", 0) + 1
        return contribution[0] / contribution[1]

    def compute(self):
        self.calls["compute"] += 1
        return self.total / self.count


def test_an_additive_metric_with_a_contribution_value_swaps_no_state():
    m = DirectValue()
    m.update(torch.tensor([1.0]))
    m._contribution_states = None  # never called on this path
    assert m(torch.tensor([2.0, 4.0])).item() == 10.0
    assert m.calls == {"contribution": 2, "compute": 0, "value": 1}
    assert m.compute().item() == 7.0 and m.update_count == 2  # (1 + 4 + 16) / 3


def test_a_subclass_overriding_compute_ignores_the_inherited_contribution_value():
    class Halved(DirectValue):
        def compute(self):
            return self.total / self.count / 2

    m = Halved()
    assert m(torch.tensor([2.0, 4.0])).item() == 5.0  # its own compute, on the swapped-in batch states
    assert "value" not in m.calls

    class Redefined(Halved):  # declares a value again, below the compute it matches
        def _contribution_value(self, contribution):
            return contribution[0] / contribution[1] / 2

    r = Redefined()
    r._contribution_states = None
    assert r(torch.tensor([2.0, 4.0])).item() == 5.0


def test_additive_forward_carries_gradients_but_the_state_does_not():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    m = Additive()
    with torch.no_grad():
        value = m(x)  # an input that needs gradients turns them on for the batch value
    value.backward()
    assert torch.allclose(x.grad, torch.tensor([1.0, 2.0]))  # d/dx mean(x^2) = x
    assert not m.total.requires_grad and m.total.item() == 5.0


def test_additive_forward_with_dist_sync_on_step_or_compute_on_cpu_takes_the_general_path():
    for kwargs in ({"compute_on_cpu": True}, {"dist_sync_on_step": True}):
        m = Additive(**kwargs)
        assert m(torch.tensor([3.0])).item() == 9.0
        assert m(torch.tensor([1.0])).item() == 1.0 and m.compute().item() == 5.0


@pytest.mark.parametrize("cls", [MeanMetric, SumMetric])
def test_aggregation_forward_on_an_empty_batch(cls):
    m = cls()
    m(torch.tensor([2.0]))
    empty = m(torch.zeros(0))
    assert (empty.isnan() if cls is MeanMetric else empty == 0).item()
    assert m.compute().item() == 2.0 and m.update_count == 2


def test_a_batch_value_carries_gradients_even_under_no_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        value = Squares()(x)
    value.backward()
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0]))


def test_mean_metric_reuses_count_tensors_safely():
    m = MeanMetric()
    values = [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0]), torch.tensor([7.0, 8.0])]
    assert m(values[0]).item() == 2.0 and m(values[1]).item() == 5.0  # the same size twice: one count tensor
    m.update(values[2])
    assert m.compute().item() == 4.5 and m.weight.item() == 8.0
    count = m._count_cache[1]
    assert count.item() == 2.0  # the count tensor is never accumulated into
    m.set_dtype(torch.float64)
    m.update(torch.tensor([9.0, 9.0], dtype=torch.float64))
    assert m.compute().dtype == torch.float64 and m.compute().item() == pytest.approx(5.4)
    assert count.item() == 2.0
