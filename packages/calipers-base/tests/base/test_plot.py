"""Plotting (Agg backend): every value form, collections, wrappers, confusion matrices, curves; the missing extra."""

from __future__ import annotations

import sys

import pytest
import torch

from calipers import MaxMetric, MeanMetric, MetricCollection, SumMetric
from calipers.utilities.plot import plot_confusion_matrix, plot_curve, plot_single_or_multi_val
from calipers.wrappers import BootStrapper, MinMaxMetric, MultitaskWrapper
from calipers_testing.toy_metrics import PerClassMean

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def test_value_forms():
    _, ax = plot_single_or_multi_val(torch.tensor(0.5), name="Acc", higher_is_better=True, lower_bound=0, upper_bound=1)
    assert ax.get_title() == "Acc (higher is better)" and ax.get_ylim()[1] > 1.0
    _, ax = plot_single_or_multi_val(torch.tensor([0.1, 0.2]), legend_name="Class")
    assert _labels(ax) == ["Class 0", "Class 1"]
    _, ax = plot_single_or_multi_val([torch.tensor(0.1), torch.tensor(0.3), torch.tensor(0.2)], name="Loss")
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([0.1, 0.3, 0.2]) and ax.get_xlabel() == "Step"
    _, ax = plot_single_or_multi_val([torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.4])])
    assert _labels(ax) == ["0", "1"]
    _, ax = plot_single_or_multi_val({"a": torch.tensor(1.0), "b": torch.tensor(2.0)})
    assert _labels(ax) == ["a", "b"]
    _, ax = plot_single_or_multi_val([{"a": torch.tensor(1.0)}, {"a": torch.tensor(3.0)}])
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 3.0]
    fig, axes = plt.subplots()
    assert plot_single_or_multi_val(torch.tensor(1.0), ax=axes) == (fig, axes)
    with pytest.raises(ValueError, match="`val` must be a tensor, a dict of tensors or a non-empty sequence"):
        plot_single_or_multi_val([])


def test_metric_and_wrapper_plots():
    m = PerClassMean(3)
    m.update(torch.tensor([1.0, 2.0, 3.0]), torch.arange(3))
    _, ax = m.plot()
    assert len(ax.get_lines()) == 3
    steps = [MeanMetric()(torch.tensor([float(i)])) for i in range(3)]
    _, ax = MeanMetric().plot(steps)
    assert len(ax.get_lines()[0].get_ydata()) == 3
    boot = BootStrapper(SumMetric(), num_bootstraps=3)
    boot.update(torch.ones(4))
    _, ax = boot.plot()
    assert _labels(ax) == ["mean", "std"]
    minmax = MinMaxMetric(SumMetric())
    values = [minmax(torch.tensor([float(i)])) for i in range(3)]
    _, ax = minmax.plot(values)
    assert _labels(ax) == ["raw", "max", "min"]
    task = MultitaskWrapper({"a": SumMetric(), "b": MaxMetric()})
    task.update({"a": torch.ones(2), "b": torch.ones(2)}, {"a": None, "b": None})
    assert len(task.plot()) == 2
    with pytest.raises(ValueError, match="`axes` must hold 2 axes, got 1"):
        task.plot(axes=[ax])


def test_collection_plot_separate_and_together():
    mc = MetricCollection([SumMetric(), MaxMetric()], prefix="v_")
    values = [mc(torch.tensor([float(i), 2.0 * i])) for i in range(3)]
    separate = mc.plot(values)
    assert len(separate) == 2 and all(len(a.get_lines()[0].get_ydata()) == 3 for _, a in separate)
    _, ax = mc.plot(together=True)
    assert _labels(ax) == ["v_SumMetric", "v_MaxMetric"]
    _, axes = plt.subplots(1, 2)
    assert [a for _, a in mc.plot(ax=list(axes))] == list(axes)
    with pytest.raises(ValueError, match="`ax` must be a sequence of 2 axes when `together` is False"):
        mc.plot(ax=axes[0])
    with pytest.raises(ValueError, match="`ax` must be a single axes when `together` is True"):
        mc.plot(ax=list(axes), together=True)


def test_confusion_matrix_and_curves():
    _, ax = plot_confusion_matrix(torch.tensor([[3, 1, 0], [0, 2, 1], [1, 0, 4]]), labels=["a", "b", "c"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"] and len(ax.texts) == 9
    _, axes = plot_confusion_matrix(torch.randint(0, 5, (3, 2, 2)), add_text=False)
    assert [a.get_title() for a in axes.flat if a.get_figure() is not None][:3] == ["Label 0", "Label 1", "Label 2"]
    with pytest.raises(ValueError, match=r"`confmat` must be \[C, C\] or \[L, 2, 2\], got shape \(2, 3\)"):
        plot_confusion_matrix(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="`labels` must have 2 entries, got 1"):
        plot_confusion_matrix(torch.zeros(2, 2), labels=["a"])
    x = [torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 1.0])]
    y = [torch.tensor([0.0, 0.7, 1.0]), torch.tensor([0.0, 1.0])]
    _, ax = plot_curve((x, y, None), score=torch.tensor([0.6, 0.5]), labels=["cat", "dog"], name="ROC")
    assert _labels(ax) == ["cat AUC=0.600", "dog AUC=0.500"] and ax.get_title() == "ROC"
    with pytest.raises(ValueError, match=r"`curve` must hold \(x, y\)"):
        plot_curve((torch.ones(2),))
    with pytest.raises(ValueError, match="`x` and `y` must both be 1-D tensors"):
        plot_curve((torch.ones(2), [torch.ones(2)]))


def test_a_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    mc = MetricCollection([SumMetric()])
    mc.update(torch.ones(1))
    with pytest.raises(ImportError, match=r"pip install 'calipers-base\[plot\]'"):
        mc.plot(together=True)
    with pytest.raises(ImportError, match=r"calipers-base\[plot\]"):
        plot_confusion_matrix(torch.eye(2))
