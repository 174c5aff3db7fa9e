"""Bad inputs the wrappers used to accept silently: mismatched row counts (BootStrapper), labels of the wrong length
(ClasswiseWrapper). Each raises a clear ``ValueError`` and leaves every state as it was."""

from __future__ import annotations

import pytest
import torch

from calipers import CatMetric, SumMetric
from calipers.wrappers import BootStrapper, ClasswiseWrapper
from calipers_testing.states import snapshot, snapshots_equal


class _PerClass(CatMetric):
    """A CatMetric that declares its number of classes, as classification metrics do."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes


@pytest.mark.parametrize("call", ["update", "forward"])
def test_bootstrapper_rejects_inputs_with_different_row_counts(call):
    from calipers_testing.toy_metrics import MeanAbsDiff

    boot = BootStrapper(MeanAbsDiff(), num_bootstraps=3, generator=torch.Generator().manual_seed(0))
    boot.update(torch.ones(4), torch.zeros(4))
    before = snapshot(boot)
    with pytest.raises(ValueError, match=r"must all have the same number of rows \(dim 0\), got \[5, 6\]"):
        (boot.update if call == "update" else boot)(torch.ones(5), torch.zeros(6))
    assert snapshots_equal(before, snapshot(boot)) is None
    assert boot.update_count == 1


def test_classwise_labels_of_the_wrong_length_fail_at_construction_when_the_class_count_is_known():
    with pytest.raises(ValueError, match=r"`labels` must have one entry per class of the wrapped metric \(3\), got 1"):
        ClasswiseWrapper(_PerClass(3), labels=["a"])
    assert list(ClasswiseWrapper(_PerClass(2), labels=["a", "b"]).labels) == ["a", "b"]


@pytest.mark.parametrize("call", ["update", "forward"])
def test_classwise_labels_of_the_wrong_length_fail_on_the_first_update_before_any_state_changes(call):
    wrapper = ClasswiseWrapper(CatMetric(), labels=["a"])
    with pytest.raises(ValueError, match=r"one entry per class of the wrapped metric \(3\), got 1: \['a'\]"):
        (wrapper.update if call == "update" else wrapper)(torch.tensor([1.0, 2.0, 3.0]))
    assert wrapper.metric.value == [] and wrapper.update_count == 0 and wrapper.metric.update_count == 0
    (wrapper.update if call == "update" else wrapper)(torch.tensor([4.0]))
    assert wrapper.compute() == {"catmetric_a": torch.tensor(4.0)}


def test_classwise_first_update_check_never_syncs_and_runs_once():
    wrapper = ClasswiseWrapper(SumMetric(), labels=["total"])  # a 0-d value counts as one class
    wrapper.update(torch.tensor([1.0, 2.0]))
    wrapper.update(torch.tensor([3.0]))
    assert wrapper.compute() == {"summetric_total": torch.tensor(6.0)}
    assert wrapper.metric.update_count == 2
