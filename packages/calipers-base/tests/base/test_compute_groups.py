"""Compute groups: formed statically from state signatures, and each member computes what it computes alone."""

from __future__ import annotations

import io

import pytest
import torch
import torchmetrics

from calipers import MeanMetric, Metric, MetricCollection, SumMetric
from calipers_testing import assert_close
from calipers_testing.states import snapshot, snapshots_equal
from calipers_testing.toy_metrics import AbsSum, MeanAbsDiff, PositiveSum, ScaledAbsDiff, SumAbsDiff

_gen = torch.Generator().manual_seed(3)


def _batch(n=6, grad=False):
    p, t = torch.randn(n, generator=_gen), torch.randn(n, generator=_gen)
    return p.requires_grad_(grad), t


def _members():
    return {"mean": MeanAbsDiff(), "sum": SumAbsDiff(), "scaled2": ScaledAbsDiff(2.0), "scaled3": ScaledAbsDiff(3.0)}


def test_groups_come_from_signatures_never_from_values():
    mc = MetricCollection(_members())
    assert mc.compute_groups == {0: ["mean", "sum"], 1: ["scaled2"], 2: ["scaled3"]}
    assert MetricCollection(_members(), compute_groups=False).compute_groups == {}  # as TorchMetrics
    explicit = MetricCollection(_members(), compute_groups=[["scaled3", "scaled2"]])
    assert explicit.compute_groups == {0: ["scaled3", "scaled2"], 1: ["mean"], 2: ["sum"]}
    # Same state names and equal states on the first batch, but no signature: never merged.
    assert MetricCollection([PositiveSum(), AbsSum()]).compute_groups == {0: ["PositiveSum"], 1: ["AbsSum"]}


def test_options_that_change_states_or_sync_keep_metrics_apart():
    mc = MetricCollection(
        {
            "a": MeanAbsDiff(),
            "on_cpu": MeanAbsDiff(compute_on_cpu=True),
            "step": MeanAbsDiff(dist_sync_on_step=True),
            "f64": MeanAbsDiff().set_dtype(torch.float64),
            "b": SumAbsDiff(),
        }
    )
    assert mc.compute_groups == {0: ["a", "b"], 1: ["f64"], 2: ["on_cpu"], 3: ["step"]}


class _TMPositiveSum(torchmetrics.Metric):
    full_state_update = False

    def __init__(self):
        super().__init__()
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x):
        self.total += x.clamp(min=0).sum()

    def compute(self):
        return self.total


class _TMAbsSum(_TMPositiveSum):
    def update(self, x):
        self.total += x.abs().sum()


def test_torchmetrics_merges_by_value_and_goes_wrong_calipers_does_not():
    first, second = torch.tensor([1.0, 2.0]), torch.tensor([-4.0])
    theirs = torchmetrics.MetricCollection({"pos": _TMPositiveSum(), "abs": _TMAbsSum()})
    ours = MetricCollection({"pos": PositiveSum(), "abs": AbsSum()})
    for batch in (first, second):
        theirs.update(batch)
        ours.update(batch)
    assert theirs.compute_groups == {0: ["abs", "pos"]}  # merged because the states were equal after batch 1
    assert float(theirs.compute()["pos"]) == 7.0  # wrong: only "abs" saw batch 2; the positive part is 1 + 2 = 3
    assert_close(ours.compute(), {"pos": 3.0, "abs": 7.0}, 0, 0)


def _alone_and_grouped():
    return _members(), MetricCollection(_members())


def _assert_same(collection, alone, what):
    got = collection.compute()
    assert_close(got, {k: m.compute() for k, m in alone.items()}, 1e-6, 1e-6, what)


def test_each_member_computes_what_it_computes_alone_through_update_forward_reset_and_load():
    alone, mc = _alone_and_grouped()
    for step in range(6):
        p, t = _batch(4 + step)
        if step % 2:
            batch_values = mc(p, t)
            assert_close(batch_values, {k: m(p, t) for k, m in alone.items()}, 1e-6, 1e-6, f"forward {step}")
        else:
            mc.update(p, t)
            for m in alone.values():
                m.update(p, t)
        _assert_same(mc, alone, f"step {step}")
    mc.persistent(True)
    buffer = io.BytesIO()
    torch.save(mc.state_dict(), buffer)
    buffer.seek(0)
    loaded = MetricCollection(_members())
    loaded.persistent(True)
    loaded.load_state_dict(torch.load(buffer))
    _assert_same(loaded, alone, "after load_state_dict")
    p, t = _batch()
    loaded.update(p, t)
    for m in alone.values():
        m.update(p, t)
    _assert_same(loaded, alone, "update after load_state_dict")
    mc.reset()
    for m in alone.values():
        m.reset()
    p, t = _batch()
    mc(p, t)
    for m in alone.values():
        m(p, t)
    _assert_same(mc, alone, "after reset")


def test_only_one_metric_per_group_runs_update_in_update_and_forward():
    mc = MetricCollection(_members())
    p, t = _batch()
    mc.update(p, t)
    mc(p, t)
    calls = {k: m.update_calls for k, m in mc.items(keep_base=True, copy_state=False)}
    assert calls == {"mean": 2, "sum": 0, "scaled2": 2, "scaled3": 2}


def test_members_taken_out_get_copies_and_the_group_recovers():
    mc = MetricCollection(_members())
    p, t = _batch()
    mc.update(p, t)
    follower = mc["sum"]  # copy_state=True: its own copy of the group's states
    leader = mc.__getitem__("mean", copy_state=False)
    assert follower.abs_sum is not leader.abs_sum
    follower.update(p, t)  # changes the copy only
    assert_close(leader.abs_sum, (p - t).abs().sum(), 1e-6, 1e-6)
    assert_close(mc.compute()["sum"], (p - t).abs().sum(), 1e-6, 1e-6)  # the group's state wins again
    mc.update(p, t)
    assert mc.__getitem__("sum", copy_state=False).abs_sum is leader.abs_sum


def test_a_bad_batch_in_a_grouped_forward_changes_nothing():
    mc = MetricCollection(_members())
    mc.update(*_batch())
    before = [snapshot(m) for m in mc.values(copy_state=False)]
    with pytest.raises(ValueError, match="must have the same shape"):
        mc(torch.ones(3), torch.ones(4))
    with pytest.raises(TypeError, match="must be tensors"):
        mc.update("x", torch.ones(4))
    assert all(snapshots_equal(b, snapshot(m)) is None for b, m in zip(before, mc.values(copy_state=False)))


def test_grouped_forward_carries_gradients_but_the_states_do_not():
    mc = MetricCollection(_members())
    p, t = _batch(grad=True)
    out = mc(p, t)
    assert out["mean"].requires_grad and out["sum"].requires_grad
    out["sum"].backward()
    assert p.grad is not None
    assert not mc.__getitem__("mean", copy_state=False).abs_sum.requires_grad


class _Centered(Metric):
    """Mean-reduced and full-state-update metric (its update reads the state), grouped by signature."""

    full_state_update = True

    def __init__(self, shift=0.0):
        super().__init__()
        self.shift = shift
        self.add_state("avg", torch.tensor(0.0), dist_reduce_fx="mean")
        self.add_state("n", torch.tensor(0), dist_reduce_fx="sum")

    def _state_signature(self):
        return ("centered",)

    def update(self, x):
        n = self.n + x.numel()
        self.avg = self.avg + (x.sum() - self.avg * x.numel()) / n
        self.n = n

    def compute(self):
        return self.avg + self.shift


def test_full_state_update_groups_forward_and_update_like_their_members():
    alone = {"a": _Centered(), "b": _Centered(1.0)}
    mc = MetricCollection({"a": _Centered(), "b": _Centered(1.0)})
    assert mc.compute_groups == {0: ["a", "b"]}
    for step in range(4):
        x = torch.randn(3 + step, generator=_gen)
        assert_close(mc(x), {k: m(x) for k, m in alone.items()}, 1e-6, 1e-6, f"forward {step}")
    _assert_same(mc, alone, "after forward")


def test_mean_states_fold_by_update_count_in_a_grouped_forward():
    class Avg(SumMetric):
        def __init__(self, scale=1.0):
            super().__init__()
            self.scale = scale
            self.add_state("m", torch.tensor(0.0), dist_reduce_fx="mean")

        def _state_signature(self):
            return ("avg",)

        def update(self, value):
            self.m = value.mean()

        def compute(self):
            return self.m * self.scale

    alone, mc = {"a": Avg(), "b": Avg(2.0)}, MetricCollection({"a": Avg(), "b": Avg(2.0)})
    for _ in range(3):
        x = torch.randn(4, generator=_gen)
        mc(x)
        for m in alone.values():
            m(x)
    _assert_same(mc, alone, "mean states")


def test_a_metric_in_a_collection_twice_under_two_names_is_not_double_counted():
    total = MeanMetric()
    mc = MetricCollection({"x": total, "y": SumMetric()})
    mc.update(torch.tensor([1.0, 3.0]))
    mc.update(torch.tensor([5.0]))
    assert total.update_count == 2
    assert_close(mc.compute(), {"x": 3.0, "y": 9.0}, 0, 0)


def test_leaders_are_told_their_followers_whenever_groups_form():
    told: dict[str, list[list[str]]] = {}

    class Told(SumAbsDiff):
        def _lead_group(self, followers):
            told.setdefault(self.label, []).append([f.label for f in followers])

    def make(label):
        metric = Told()
        metric.label = label
        return metric

    a, b, c = make("a"), make("b"), make("c")
    collection = MetricCollection({"a": a, "b": b, "c": c})
    assert told == {"a": [["b", "c"]], "b": [[]], "c": [[]]}
    told.clear()
    MetricCollection({"a": a, "b": b}, compute_groups=False)
    assert told == {"a": [[]], "b": [[]]}
    told.clear()
    MetricCollection({"c": c, "a": a, "b": b}, compute_groups=[["b", "a"]])
    assert told == {"b": [["a"]], "c": [[]], "a": [[]]}
    assert len(collection.compute_groups) == 1
