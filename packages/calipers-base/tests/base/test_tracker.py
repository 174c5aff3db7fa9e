"""MetricTracker against TorchMetrics' tracker on the same data, and its errors."""

from __future__ import annotations

import warnings

import pytest
import torch
import torchmetrics
import torchmetrics.aggregation as tma
import torchmetrics.wrappers as tmw

from calipers import MaxMetric, MeanMetric, MetricCollection, SumMetric
from calipers.exceptions import CalipersUserWarning, MetricStateError
from calipers.wrappers import ClasswiseWrapper, MetricTracker
from calipers_testing import assert_close
from calipers_testing.toy_metrics import MeanAbsDiff, PerClassMean

_gen = torch.Generator().manual_seed(9)
_STEPS = [[torch.randn(5, generator=_gen) for _ in range(3)] for _ in range(4)]


def _run(tracker):
    for step in _STEPS:
        tracker.increment()
        for i, x in enumerate(step):
            if i % 2:
                tracker(x)
            else:
                tracker.update(x)
    return tracker


@pytest.mark.parametrize("maximize", [True, False])
def test_single_metric_matches_torchmetrics(maximize):
    ours = _run(MetricTracker(MeanMetric(), maximize=maximize))
    theirs = _run(tmw.MetricTracker(tma.MeanMetric(), maximize=maximize))
    assert ours.n_steps == theirs.n_steps == 4
    assert_close(ours.compute_all(), theirs.compute_all(), 1e-6, 1e-6)
    assert_close(ours.compute(), theirs.compute(), 1e-6, 1e-6)
    assert ours.best_metric() == pytest.approx(theirs.best_metric())
    assert ours.best_metric(return_step=True) == pytest.approx(theirs.best_metric(return_step=True))
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_collection_matches_torchmetrics():
    ours = _run(MetricTracker(MetricCollection([SumMetric(), MaxMetric()]), maximize=[False, True]))
    theirs = _run(
        tmw.MetricTracker(torchmetrics.MetricCollection([tma.SumMetric(), tma.MaxMetric()]), maximize=[False, True])
    )
    assert_close(ours.compute_all(), theirs.compute_all(), 1e-6, 1e-6)
    assert ours.best_metric(return_step=True) == theirs.best_metric(return_step=True)


def test_maximize_from_higher_is_better():
    tracker = MetricTracker(MeanAbsDiff())
    assert tracker.maximize is False
    tracker = MetricTracker(
        MetricCollection({"mad": MeanAbsDiff(), "cw": ClasswiseWrapper(PerClassMean(3))}), maximize=None
    )
    assert tracker.maximize == [True, True, True, False]  # the classwise wrapper counts once per class
    tracker.increment()
    tracker.update(
        preds=torch.ones(3), target=torch.zeros(3), values=torch.tensor([1.0, 2.0, 3.0]), labels=torch.arange(3)
    )
    best = tracker.best_metric()
    assert best["mad"] == 1.0 and best["perclassmean_2"] == 3.0


def test_reset_reset_all_and_vector_values():
    tracker = MetricTracker(MeanMetric(), maximize=True)
    _run(tracker)
    tracker.reset()
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert torch.isnan(tracker.compute())
    tracker.reset_all()
    vector = MetricTracker(PerClassMean(2), maximize=True)
    vector.increment()
    vector.update(torch.tensor([1.0, 2.0]), torch.tensor([0, 1]))
    with pytest.warns(CalipersUserWarning, match="not a scalar per step"):
        assert vector.best_metric(return_step=True) == (None, None)


def test_errors():
    with pytest.raises(TypeError, match="`metric` must be a calipers Metric or MetricCollection, got int"):
        MetricTracker(3)
    with pytest.raises(ValueError, match="`maximize` must be given when a metric has no `higher_is_better`"):
        MetricTracker(MeanMetric())
    with pytest.raises(ValueError, match="`maximize` must be a bool, a list of bools or None"):
        MetricTracker(MeanMetric(), maximize="max")
    with pytest.raises(ValueError, match="`maximize` must be a single bool for a single metric"):
        MetricTracker(MeanMetric(), maximize=[True])
    with pytest.raises(ValueError, match=r"one bool per metric of the collection \(2\), got 1"):
        MetricTracker(MetricCollection([SumMetric(), MaxMetric()]), maximize=[True])
    tracker = MetricTracker(MeanMetric(), maximize=True)
    for call in (tracker.compute, tracker.compute_all, lambda: tracker.update(torch.ones(1))):
        with pytest.raises(MetricStateError, match=r"call `increment\(\)` before"):
            call()


def test_plot_of_every_step():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = _run(MetricTracker(MeanMetric(), maximize=True)).plot()
    assert len(ax.get_lines()[0].get_xdata()) == 4
    plt.close(fig)
