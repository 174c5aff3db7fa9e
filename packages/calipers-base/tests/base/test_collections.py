"""MetricCollection in one process: construction, keys, errors, routing, state_dict, copies (TorchMetrics as oracle)."""

from __future__ import annotations

import io
import pickle

import pytest
import torch
import torchmetrics
import torchmetrics.aggregation as tma
import torchmetrics.wrappers as tmw

from calipers import CatMetric, MaxMetric, MeanMetric, MetricCollection, SumMetric
from calipers.wrappers import BootStrapper, ClasswiseWrapper, MinMaxMetric
from calipers_testing import assert_close
from calipers_testing.toy_metrics import MeanAbsDiff, SumAbsDiff

X = torch.tensor([1.0, 2.0, 6.0])
_TM_WARNING = "ignore:The ``compute`` method of metric"  # TorchMetrics warns on compute after load / in copies


def _both(build):
    """The same structure built from calipers and from TorchMetrics classes."""
    import calipers
    import calipers.wrappers as cw

    ours = build(calipers, cw, calipers.MetricCollection)
    theirs = build(tma, tmw, torchmetrics.MetricCollection)
    return ours, theirs


_STRUCTURES = {
    "list": lambda m, w, C: C([m.SumMetric(), m.MeanMetric()], prefix="p_", postfix="_q"),
    "args": lambda m, w, C: C(m.SumMetric(), m.MaxMetric(), m.MinMetric()),
    "dict-sorted": lambda m, w, C: C({"z": m.SumMetric(), "a": m.MeanMetric()}, postfix="/x"),
    "nested-list": lambda m, w, C: C([C([m.MaxMetric(), m.MeanMetric()], postfix="_in"), m.SumMetric()], prefix="v/"),
    "nested-dict": lambda m, w, C: C({"b": m.SumMetric(), "a": C([m.MaxMetric(), m.MeanMetric()], prefix="in_")}),
    "collection": lambda m, w, C: C(C([m.SumMetric(), m.MaxMetric()], prefix="x_")),
    "dict-outputs": lambda m, w, C: C({"x": w.BootStrapper(m.SumMetric(), 3), "y": w.MinMaxMetric(m.SumMetric())}),
    "dict-collide": lambda m, w, C: C(
        {"x": w.BootStrapper(m.SumMetric(), 3), "y": w.BootStrapper(m.MaxMetric(), 3)}, prefix="P"
    ),
    "classwise": lambda m, w, C: C([w.ClasswiseWrapper(m.CatMetric(), labels=["a", "b", "c"]), m.SumMetric()]),
}


@pytest.mark.filterwarnings(_TM_WARNING)
@pytest.mark.parametrize("structure", list(_STRUCTURES))
def test_keys_values_and_state_dict_keys_match_torchmetrics(structure):
    ours, theirs = _both(_STRUCTURES[structure])
    assert list(ours.keys()) == list(theirs.keys())
    assert list(ours.keys(keep_base=True)) == list(theirs.keys(keep_base=True))
    assert len(ours) == len(theirs)
    ours.update(X)
    theirs.update(X)
    assert list(ours.compute()) == list(theirs.compute())
    assert_close(
        ours.compute(),
        {k: v for k, v in theirs.compute().items() if "std" not in k and "mean" not in k}
        | {k: ours.compute()[k] for k in theirs.compute() if "std" in k or "mean" in k},
        1e-6,
        1e-6,
    )
    ours.persistent(True)
    theirs.persistent(True)
    # TorchMetrics' wrappers never persist their inner metrics (calipers does), and its ClasswiseWrapper saves the
    # inner states twice (also at its own level; calipers loads such checkpoints and skips the copies).
    ours_keys, theirs_keys = set(ours.state_dict()), set(theirs.state_dict())
    twice = {
        k for k in theirs_keys if k.startswith("ClasswiseWrapper.") and not k.startswith("ClasswiseWrapper.metric")
    }
    assert theirs_keys - twice <= ours_keys
    assert {k for k in ours_keys if k.split(".")[0] not in ("x", "y")} <= theirs_keys
    assert list(ours(X)) == list(theirs(X))


@pytest.mark.filterwarnings(_TM_WARNING)
def test_checkpoints_load_both_ways_with_torchmetrics():
    ours, theirs = _both(_STRUCTURES["nested-dict"])
    for m in (ours, theirs):
        m.persistent(True)
    theirs.update(X)
    buffer = io.BytesIO()
    torch.save(theirs.state_dict(), buffer)
    buffer.seek(0)
    ours.load_state_dict(torch.load(buffer))
    assert_close(ours.compute(), theirs.compute(), 1e-6, 1e-6)
    ours.update(torch.tensor([10.0]))
    fresh = _STRUCTURES["nested-dict"](tma, tmw, torchmetrics.MetricCollection)
    fresh.persistent(True)
    fresh.load_state_dict(ours.state_dict())
    assert_close(fresh.compute(), ours.compute(), 1e-6, 1e-6)


def test_getitem_contains_iter_repr():
    mc = MetricCollection([SumMetric(), MeanMetric()], prefix="p_", postfix="_q")
    assert mc["SumMetric"] is mc["p_SumMetric_q"]
    assert "SumMetric" in mc and "p_SumMetric_q" in mc and "MaxMetric" not in mc
    assert list(mc) == ["p_SumMetric_q", "p_MeanMetric_q"]
    assert [k for k, _ in mc.items(keep_base=True)] == ["SumMetric", "MeanMetric"]
    assert repr(mc).endswith("prefix=p_,\n  postfix=_q\n)")
    with pytest.raises(KeyError):
        mc["nope"]


def test_keyword_inputs_go_to_the_metrics_that_accept_them():
    mc = MetricCollection({"sum": SumMetric(), "mean": MeanMetric()})
    mc.update(torch.tensor([1.0, 3.0]), weight=torch.tensor([3.0, 1.0]))  # SumMetric.update has no `weight`
    assert_close(mc.compute(), {"sum": 4.0, "mean": 1.5}, 1e-6, 1e-6)
    mc = MetricCollection({"sum": SumMetric(), "mad": MeanAbsDiff()})
    mc.update(value=torch.tensor([1.0, 2.0]), preds=torch.tensor([1.0, 2.0]), target=torch.tensor([0.0, 0.0]))
    assert_close(mc.compute(), {"sum": 3.0, "mad": 1.5}, 1e-6, 1e-6)


def test_errors():
    with pytest.raises(ValueError, match="metric names must be unique, got 'SumMetric' twice"):
        MetricCollection([SumMetric(), SumMetric()])
    with pytest.raises(TypeError, match="every member must be a calipers Metric or MetricCollection, got int"):
        MetricCollection([SumMetric(), 3])
    with pytest.raises(TypeError, match="got Tensor under key 'a'"):
        MetricCollection({"a": torch.ones(1)})
    with pytest.raises(TypeError, match="must be a calipers Metric or MetricCollection, got SumMetric"):
        MetricCollection([tma.SumMetric()])  # a TorchMetrics metric is not a calipers metric
    with pytest.raises(ValueError, match="`additional_metrics` must be empty when `metrics` is a dict"):
        MetricCollection({"a": SumMetric()}, MaxMetric())
    with pytest.raises(TypeError, match="`metrics` must be a Metric, a MetricCollection"):
        MetricCollection(3)
    with pytest.raises(TypeError, match="`prefix` must be a string or None, got 1"):
        MetricCollection([SumMetric()], prefix=1)
    with pytest.raises(TypeError, match="`postfix` must be a string or None"):
        MetricCollection([SumMetric()], postfix=b"x")
    with pytest.raises(TypeError, match="`compute_groups` must be a bool or a list of lists"):
        MetricCollection([SumMetric()], compute_groups="yes")
    with pytest.raises(TypeError, match="`compute_groups` must be a bool or a list of lists"):
        MetricCollection([SumMetric()], compute_groups=[["SumMetric", 3]])
    with pytest.raises(ValueError, match=r"must name metrics of the collection \['SumMetric'\], got 'Max'"):
        MetricCollection([SumMetric()], compute_groups=[["Max"]])
    with pytest.raises(ValueError, match="must name each metric once, got 'SumMetric' twice"):
        MetricCollection([SumMetric(), MaxMetric()], compute_groups=[["SumMetric"], ["SumMetric", "MaxMetric"]])
    with pytest.raises(ValueError, match="must not hold an empty group"):
        MetricCollection([SumMetric()], compute_groups=[[]])
    with pytest.raises(ValueError, match="must group metrics with the same states"):
        MetricCollection([SumMetric(), MeanMetric()], compute_groups=[["SumMetric", "MeanMetric"]])
    with pytest.raises(ValueError, match="must group metrics that hold their own states"):
        MetricCollection({"a": MinMaxMetric(SumMetric()), "b": MinMaxMetric(SumMetric())}, compute_groups=[["a", "b"]])
    with pytest.raises(TypeError, match="must be a calipers Metric, got int"):
        MetricCollection([SumMetric()])["x"] = 3
    with pytest.raises(ValueError, match="not an attribute of the collection, got 'double'"):
        MetricCollection({"double": SumMetric()})
    with pytest.raises(ValueError, match=r"without '\.', and not an attribute of the collection, got 'a\.b'"):
        MetricCollection({"a.b": SumMetric()})
    with pytest.raises(TypeError, match="`together` must be a bool"):
        MetricCollection([SumMetric()]).plot(val={"SumMetric": torch.tensor(1.0)}, together=1)


def test_add_metrics_setitem_delitem_regroup():
    mc = MetricCollection([MeanAbsDiff()])
    mc.add_metrics(SumAbsDiff(), SumMetric())
    assert mc.compute_groups == {0: ["MeanAbsDiff", "SumAbsDiff"], 1: ["SumMetric"]}
    mc["other"] = MeanAbsDiff()
    assert mc.compute_groups[0] == ["MeanAbsDiff", "SumAbsDiff", "other"]
    mc.update(value=torch.ones(2), preds=torch.ones(2), target=torch.zeros(2))
    del mc["MeanAbsDiff"]
    assert mc.compute_groups == {0: ["SumAbsDiff", "other"], 1: ["SumMetric"]}
    mc.update(value=torch.ones(2), preds=torch.ones(2), target=torch.zeros(2))
    assert_close(mc.compute(), {"SumAbsDiff": 4.0, "other": 1.0, "SumMetric": 4.0}, 1e-6, 1e-6)


def test_pickle_clone_reset_set_dtype_and_device_moves():
    mc = MetricCollection([MeanAbsDiff(), SumAbsDiff(), CatMetric()], prefix="a_")
    mc.update(value=X, preds=X, target=torch.zeros(3))
    restored = pickle.loads(pickle.dumps(mc))
    clone = mc.clone(prefix="b_", postfix="_c")
    assert list(clone.compute()) == ["b_MeanAbsDiff_c", "b_SumAbsDiff_c", "b_CatMetric_c"]
    for other in (restored, clone):
        other.update(value=X, preds=X, target=torch.zeros(3))
        assert_close(other["SumAbsDiff"].compute(), 18.0, 0, 0)
    assert_close(mc.compute(), {"a_MeanAbsDiff": 3.0, "a_SumAbsDiff": 9.0, "a_CatMetric": X}, 0, 0)
    mc.set_dtype(torch.float64)
    mc.to("cpu")
    mc.update(value=X, preds=X, target=torch.zeros(3))
    leader, follower = mc.__getitem__("MeanAbsDiff", copy_state=False), mc.__getitem__("SumAbsDiff", copy_state=False)
    assert follower.abs_sum is leader.abs_sum and leader.abs_sum.dtype == torch.float64
    mc.reset()
    assert (
        mc.__getitem__("SumAbsDiff", copy_state=False).abs_sum
        is mc.__getitem__("MeanAbsDiff", copy_state=False).abs_sum
    )
    assert float(mc["SumAbsDiff"].abs_sum) == 0.0


def test_metric_state_and_merge_state():
    a = MetricCollection([SumMetric(), MeanAbsDiff(), SumAbsDiff()])
    b = a.clone()
    a.update(value=X, preds=X, target=torch.zeros(3))
    b.update(value=X * 2, preds=X * 2, target=torch.zeros(3))
    assert set(a.metric_state) == {"SumMetric", "MeanAbsDiff", "SumAbsDiff"}
    c = a.clone()
    a.merge_state(b)
    c.merge_state(b.metric_state)
    for merged in (a, c):
        assert_close(merged.compute(), {"SumMetric": 27.0, "MeanAbsDiff": 4.5, "SumAbsDiff": 27.0}, 1e-6, 1e-6)
    with pytest.raises(ValueError, match="must have the members"):
        a.merge_state({"SumMetric": {}})
    with pytest.raises(TypeError, match="must be a MetricCollection or a dict"):
        a.merge_state(3)


def test_wrappers_inside_a_collection_flatten_like_torchmetrics():
    mc = MetricCollection(
        {"cw": ClasswiseWrapper(CatMetric(), labels=["a", "b", "c"]), "mm": MinMaxMetric(MaxMetric())}, prefix="t/"
    )
    mc.update(X)
    assert list(mc.compute()) == ["t/catmetric_a", "t/catmetric_b", "t/catmetric_c", "t/raw", "t/max", "t/min"]
    boot = MetricCollection([BootStrapper(SumMetric(), 3), MaxMetric()])
    boot.update(X)
    assert list(boot.compute()) == ["mean", "std", "MaxMetric"]


def test_compositional_metric_inside_a_collection():
    total = SumMetric()
    ratio = total / MeanMetric()
    mc = MetricCollection({"ratio": ratio, "max": MaxMetric()})
    mc.update(X)
    assert total.update_count == 1  # its update forwarded the batch to each operand once
    assert_close(mc.compute(), {"ratio": 3.0, "max": 6.0}, 1e-6, 1e-6)
    assert_close(mc(torch.tensor([2.0])), {"ratio": 1.0, "max": 2.0}, 1e-6, 1e-6)
    restored = pickle.loads(pickle.dumps(mc))
    assert_close(restored.compute(), mc.compute(), 0, 0)
