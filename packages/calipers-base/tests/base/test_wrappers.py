"""Wrappers in one process: TorchMetrics as oracle for behaviour and keys, NumPy references, errors."""

from __future__ import annotations

import importlib.util
import io
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.aggregation as tma
import torchmetrics.wrappers as tmw

from calipers import CatMetric, MeanMetric, MetricCollection, SumMetric
from calipers._collection_groups import flatten_values
from calipers.exceptions import CalipersUserWarning
from calipers.wrappers import (
    BinaryTargetTransformer,
    ClasswiseWrapper,
    FeatureShare,
    LambdaInputTransformer,
    MetricInputTransformer,
    MinMaxMetric,
    MultioutputWrapper,
    MultitaskWrapper,
)
from calipers_testing import assert_close
from calipers_testing.toy_metrics import CountingNet, FeatureSum, MeanAbsDiff, PerClassMean

_gen = torch.Generator().manual_seed(21)
_TM_WARNING = "ignore:The ``compute`` method of metric"


# ------------------------------------------------------------------ ClasswiseWrapper
def test_classwise_matches_torchmetrics_and_forwards_attributes():
    x = torch.tensor([0.5, 0.25, 1.0])
    for kwargs in ({}, {"labels": ["a", "b", "c"]}, {"prefix": "p-"}, {"postfix": "-q", "labels": ["a", "b", "c"]}):
        ours, theirs = ClasswiseWrapper(CatMetric(), **kwargs), tmw.ClasswiseWrapper(tma.CatMetric(), **kwargs)
        assert_close(ours(x), theirs(x), 0, 0)
        assert_close(ours.compute(), theirs.compute(), 0, 0)
    wrapped = ClasswiseWrapper(PerClassMean(3))
    assert wrapped.num_classes == 3 and wrapped.higher_is_better is True
    assert pickle.loads(pickle.dumps(wrapped)).num_classes == 3


@pytest.mark.filterwarnings(_TM_WARNING)
def test_classwise_loads_torchmetrics_checkpoints():
    theirs = tmw.ClasswiseWrapper(tma.SumMetric())
    theirs.update(torch.tensor([1.0, 2.0]))
    theirs.persistent(True)
    ours = ClasswiseWrapper(SumMetric())
    ours.persistent(True)
    ours.load_state_dict(theirs.state_dict())  # holds the state twice: "metric.sum_value" and "sum_value"
    assert float(ours.metric.compute()) == 3.0


def test_classwise_errors():
    with pytest.raises(TypeError, match="`metric` must be a calipers Metric, got str"):
        ClasswiseWrapper("acc")
    with pytest.raises(TypeError, match="`labels` must be a list of strings or None"):
        ClasswiseWrapper(CatMetric(), labels=[1, 2])
    with pytest.raises(TypeError, match="`prefix` must be a string or None"):
        ClasswiseWrapper(CatMetric(), prefix=1)


# ------------------------------------------------------------------ MinMaxMetric
def test_minmax_tracks_every_value_handed_out():
    metric = MinMaxMetric(MeanMetric())
    seen, handed_out = [], []
    for step in range(6):
        x = torch.randn(4, generator=_gen) + step % 3
        seen.append(x.numpy())
        if step % 2:
            out, raw = metric(x), np.mean(x.numpy())  # forward: the batch value
        else:
            metric.update(x)
            out, raw = metric.compute(), np.mean(np.concatenate(seen))
        handed_out.append(raw)
        assert_close(out, {"raw": raw, "max": max(handed_out), "min": min(handed_out)}, 1e-6, 1e-6, f"step {step}")


@pytest.mark.filterwarnings(_TM_WARNING)
def test_torchmetrics_minmax_forward_drops_the_accumulated_state_calipers_keeps_it():
    ours, theirs = MinMaxMetric(SumMetric()), tmw.MinMaxMetric(tma.SumMetric())
    for m in (ours, theirs):
        m.update(torch.tensor([1.0]))
        assert float(m(torch.tensor([2.0]))["raw"]) == 2.0
    assert float(theirs.compute()["raw"]) == 2.0  # TorchMetrics' forward reset the base metric: 1.0 is lost
    assert float(ours.compute()["raw"]) == 3.0


def test_minmax_bounds_persist_merge_and_reset():
    metric = MinMaxMetric(SumMetric())
    metric(torch.tensor([5.0]))
    metric(torch.tensor([-2.0]))
    metric.persistent(True)
    state = metric.state_dict()
    assert sorted(state) == ["_base_metric.sum_value", "max_val", "min_val"]
    fresh = MinMaxMetric(SumMetric())
    fresh.load_state_dict(state)
    assert_close(fresh.compute(), {"raw": 3.0, "max": 5.0, "min": -2.0}, 0, 0)
    other = MinMaxMetric(SumMetric())
    other(torch.tensor([10.0]))
    fresh.merge_state(other)
    assert_close(fresh.compute(), {"raw": 13.0, "max": 13.0, "min": -2.0}, 0, 0)
    fresh.reset()
    assert float(fresh.min_val) == float("inf") and float(fresh.max_val) == -float("inf")
    with pytest.raises(ValueError, match="the value of `base_metric` must be a scalar, got"):
        MinMaxMetric(CatMetric())(torch.ones(2))
    with pytest.raises(TypeError, match="`base_metric` must be a calipers Metric"):
        MinMaxMetric(None)


# ------------------------------------------------------------------ MultioutputWrapper
@pytest.mark.filterwarnings(_TM_WARNING)
@pytest.mark.parametrize(
    "options", [{}, {"remove_nans": False}, {"output_dim": 0}, {"squeeze_outputs": False, "remove_nans": False}]
)
def test_multioutput_matches_torchmetrics(options):
    ours = MultioutputWrapper(MeanMetric(nan_strategy="ignore"), 2, **options)
    theirs = tmw.MultioutputWrapper(tma.MeanMetric(nan_strategy="ignore"), 2, **options)
    for _ in range(3):
        x = torch.randn(2, 2, generator=_gen) if options.get("output_dim") == 0 else torch.randn(5, 2, generator=_gen)
        x[0, 1] = float("nan")
        assert_close(ours(x), theirs(x), 1e-6, 1e-6)
        ours.update(x)
        theirs.update(x)
    assert_close(ours.compute(), theirs.compute(), 1e-6, 1e-6)


@pytest.mark.parametrize("shape", [(0, 2), (0, 3, 2)])
def test_multioutput_empty_batch_is_a_no_op(shape):
    """Issue 11: the NaN row filter read `reshape(0, -1)`, which has no answer for 0 rows."""
    wrapped = MultioutputWrapper(SumMetric(), 2)
    wrapped.update(torch.ones(3, *shape[1:]))
    before = wrapped.compute()
    wrapped.update(torch.empty(shape))
    assert_close(wrapped.compute(), before, 0, 0)


def test_multioutput_errors():
    with pytest.raises(ValueError, match="`num_outputs` must be a positive integer, got 0"):
        MultioutputWrapper(MeanMetric(), 0)
    with pytest.raises(TypeError, match="`remove_nans` must be a bool"):
        MultioutputWrapper(MeanMetric(), 2, remove_nans=1)
    with pytest.raises(TypeError, match="`base_metric` must be a calipers Metric"):
        MultioutputWrapper(tma.MeanMetric(), 2)


# ------------------------------------------------------------------ MultitaskWrapper
def _tasks(lib, collection):
    return {
        "cls": lib.MeanMetric(),
        "agg": collection({"m": lib.MeanMetric(), "n": lib.MeanMetric(nan_strategy="ignore")}),
    }


@pytest.mark.filterwarnings(_TM_WARNING)
def test_multitask_matches_torchmetrics():
    ours = MultitaskWrapper(_tasks(__import__("calipers"), MetricCollection), prefix="train_", postfix="/x")
    theirs = tmw.MultitaskWrapper(_tasks(tma, torchmetrics.MetricCollection), prefix="train_", postfix="/x")
    for flatten in (True, False):
        assert list(ours.keys(flatten)) == list(theirs.keys(flatten))
    preds = {"cls": torch.tensor([1.0, 3.0]), "agg": torch.tensor([2.0, 5.0])}
    targets = {"cls": torch.ones(2), "agg": None}  # the second positional is MeanMetric's weight
    assert_close(ours(preds, targets), theirs(preds, targets), 1e-6, 1e-6)
    ours.update(preds, targets)
    theirs.update(preds, targets)
    assert_close(ours.compute(), theirs.compute(), 1e-6, 1e-6)
    clone = ours.clone(prefix="val_")
    assert list(clone.compute()) == ["val_cls/x", "val_agg/x"]
    with pytest.raises(ValueError, match=r"`task_preds` must be a dict with the tasks \['agg', 'cls'\], got \['cls'\]"):
        ours.update({"cls": torch.ones(1)}, targets)
    with pytest.raises(TypeError, match="`task_metrics` must be a dict"):
        MultitaskWrapper([MeanMetric()])
    with pytest.raises(TypeError, match="values must be calipers Metrics or MetricCollections, got int"):
        MultitaskWrapper({"a": 1})
    with pytest.raises(TypeError, match="`postfix` must be a string or None"):
        MultitaskWrapper({"a": MeanMetric()}, postfix=2)


# ------------------------------------------------------------------ input transformers
def test_transformers_match_torchmetrics_and_validate():
    p, t = torch.randn(6, generator=_gen), torch.randn(6, generator=_gen)
    ours = LambdaInputTransformer(MeanMetric(), transform_pred=torch.exp)
    theirs = tmw.LambdaInputTransformer(tma.MeanMetric(), transform_pred=torch.exp)
    assert_close(ours(p, torch.ones(6)), theirs(p, torch.ones(6)), 1e-6, 1e-6)
    binary = BinaryTargetTransformer(MeanAbsDiff(), threshold=0.0)
    binary.update(p, t)
    assert_close(binary.compute(), np.mean(np.abs(p.numpy() - (t.numpy() > 0))), 1e-6, 1e-6)
    with pytest.raises(TypeError, match="`transform_pred` must be callable or None, got 3"):
        LambdaInputTransformer(MeanMetric(), transform_pred=3)
    with pytest.raises(TypeError, match=r"`threshold` must be an int or a float, got '0\.5'"):
        BinaryTargetTransformer(MeanMetric(), threshold="0.5")
    with pytest.raises(TypeError, match="`wrapped_metric` must be a calipers Metric or MetricCollection"):
        MetricInputTransformer(torch.nn.Linear(1, 1))


def test_a_transformer_around_a_collection_routes_keywords_and_keeps_groups():
    wrapped = MetricInputTransformer(MetricCollection({"mad": MeanAbsDiff(), "mean": MeanMetric()}))
    wrapped.update(preds=torch.tensor([1.0, 3.0]), target=torch.zeros(2), value=torch.tensor([1.0, 2.0]))
    assert_close(wrapped.compute(), {"mad": 2.0, "mean": 1.5}, 0, 0)


# ------------------------------------------------------------------ FeatureShare
def test_feature_share_runs_the_network_once_per_batch():
    shared = FeatureShare({"p1": FeatureSum(1), "p2": FeatureSum(2), "p3": FeatureSum(3)})
    alone = [FeatureSum(k) for k in (1, 2, 3)]
    net = shared.__getitem__("p1", copy_state=False).net
    for _ in range(4):
        x = torch.randn(5, generator=_gen)
        shared.update(x)
        for m in alone:
            m.update(x)
    assert net.network.calls == 4  # one call per batch, not one per metric
    assert_close(shared.compute(), {k: m.compute() for k, m in zip(("p1", "p2", "p3"), alone)}, 1e-5, 1e-5)
    restored = pickle.loads(pickle.dumps(shared))
    restored.update(torch.ones(2))
    assert restored.compute_groups == {}  # built with compute_groups=False, as in TorchMetrics
    assert restored._groups == [["p1"], ["p2"], ["p3"]]


def test_feature_share_errors_and_warnings():
    with pytest.raises(ValueError, match="must name its network attribute in `feature_network`, got None"):
        FeatureShare([FeatureSum(1), MeanMetric()])
    with pytest.raises(TypeError, match="`max_cache_size` must be a positive integer, got 0"):
        FeatureShare([FeatureSum(1)], max_cache_size=0)
    other = FeatureSum(2, net=torch.nn.Linear(1, 1))
    with pytest.warns(CalipersUserWarning, match="differs from the first metric's"):
        FeatureShare({"a": FeatureSum(1), "b": other})


def test_network_cache_recomputes_changed_inputs():
    net = CountingNet()
    shared = FeatureShare([FeatureSum(1, net=net)])
    x = torch.ones(3)
    shared.update(x)
    shared.update(x)
    x += 1  # changed in place: not the same input any more
    shared.update(x)
    assert net.calls == 2


# ------------------------------------------------------------------ generic wrapper behaviour
def test_wrapper_metric_state_and_merge_errors():
    wrapped = MultioutputWrapper(SumMetric(), 2)
    wrapped.update(torch.ones(3, 2))
    assert set(wrapped.metric_state) == {"metrics.0", "metrics.1"}
    with pytest.raises(ValueError, match=r"must have the keys \['metrics.0', 'metrics.1'\], got \['x'\]"):
        wrapped.merge_state({"x": 1})
    with pytest.raises(TypeError, match="must be a MultioutputWrapper or a dict, got ClasswiseWrapper"):
        wrapped.merge_state(ClasswiseWrapper(SumMetric()))
    buffer = io.BytesIO()
    wrapped.persistent(True)
    torch.save(wrapped.state_dict(), buffer)
    buffer.seek(0)
    fresh = MultioutputWrapper(SumMetric(), 2)
    fresh.load_state_dict(torch.load(buffer))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_close(fresh.compute(), [3.0, 3.0], 0, 0)


def _wrapper_specs():
    """The SPECS of the wrapper harness tests (loaded from the file next to this one)."""
    path = Path(__file__).with_name("test_wrappers_harness.py")
    loader = importlib.util.spec_from_file_location("_calipers_wrapper_specs", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module.SPECS


_WRAPPER_SPECS = _wrapper_specs()


@pytest.mark.parametrize("spec", _WRAPPER_SPECS, ids=lambda s: s.name)
def test_every_wrapper_inside_a_collection_computes_what_it_computes_alone(spec):
    alone = spec.make()
    collection = MetricCollection({"w1": spec.make(), "w2": spec.make()})
    for i, batch in enumerate(spec.batches):
        if i % 2:
            got, want = collection(*batch), flatten_values({"w1": alone(*batch), "w2": alone._forward_cache}, {})
            assert_close(got, want, 1e-6, 1e-6, f"forward {i}")
        else:
            collection.update(*batch)
            alone.update(*batch)
    value = alone.compute()
    assert_close(collection.compute(), flatten_values({"w1": value, "w2": value}, {}), 1e-6, 1e-6)
