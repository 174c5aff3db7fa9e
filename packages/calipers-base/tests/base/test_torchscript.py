"""TorchScript and top-level names: code written for TorchMetrics 1.9 migrates by renaming the package (issue 11).

This file uses ``from __future__ import annotations`` on purpose: the metric defined here has string annotations,
which TorchScript cannot resolve, as every calipers class has.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import torchmetrics
from torch import Tensor

import calipers
from calipers import MeanMetric, Metric, MetricCollection, SumMetric
from calipers.wrappers import (
    BootStrapper,
    ClasswiseWrapper,
    MetricTracker,
    MinMaxMetric,
    MultioutputWrapper,
    MultitaskWrapper,
    Running,
)

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

_TOP_LEVEL_WRAPPERS = [
    "BootStrapper",
    "ClasswiseWrapper",
    "MetricTracker",
    "MinMaxMetric",
    "MultioutputWrapper",
    "MultitaskWrapper",
]


class Annotated(Metric):
    """A user metric written like calipers' own: string annotations on the class and on ``update``."""

    full_state_update = False
    total: Tensor
    scale: float

    def __init__(self, scale: float = 1.0, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scale = scale
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x: Tensor) -> None:
        self.total += self.scale * x.sum()

    def compute(self) -> Tensor:
        return self.total

    @property
    def doubled(self) -> Tensor:
        return 2 * self.total


class Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)
        self.metrics = MetricCollection([MeanMetric(), SumMetric()], prefix="train_")
        self.tracker = MetricTracker(MeanMetric(), maximize=True)
        self.best = MinMaxMetric(MeanMetric())
        self.custom = Annotated()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


@pytest.mark.parametrize("name", _TOP_LEVEL_WRAPPERS)
def test_wrappers_are_top_level_names_as_in_torchmetrics(name):
    assert name in torchmetrics.__all__
    assert getattr(calipers, name) is getattr(calipers.wrappers, name)
    assert name in calipers.__all__ and name in dir(calipers)


@pytest.mark.parametrize("first", ["calipers.compositional", "calipers.metric"])
def test_compositional_metric_is_importable_from_calipers_metric_without_a_cycle(first):
    """TorchMetrics defines it in `torchmetrics.metric`; a fresh interpreter imports it whatever comes first."""
    code = (
        f"import {first}\n"
        "from calipers.metric import CompositionalMetric\n"
        "import calipers, calipers.compositional\n"
        "assert CompositionalMetric is calipers.CompositionalMetric is calipers.compositional.CompositionalMetric\n"
        "assert isinstance(calipers.SumMetric() + 1, CompositionalMetric)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _scriptable():
    return {
        "MeanMetric": MeanMetric(nan_strategy="ignore"),
        "SumMetric": SumMetric(),
        "Annotated": Annotated(scale=2.0),
        "CompositionalMetric": SumMetric() / MeanMetric() + 1,
        "BootStrapper": BootStrapper(MeanMetric(), num_bootstraps=3),
        "ClasswiseWrapper": ClasswiseWrapper(Annotated(), labels=["a"]),
        "MinMaxMetric": MinMaxMetric(MeanMetric()),
        "MultioutputWrapper": MultioutputWrapper(MeanMetric(), num_outputs=2),
        "MultitaskWrapper": MultitaskWrapper({"a": MeanMetric(), "b": SumMetric()}),
        "Running": Running(SumMetric(), window=2),
        "MetricTracker": MetricTracker(MeanMetric(), maximize=True),
        "MetricCollection": MetricCollection({"mean": MeanMetric(), "sum": SumMetric()}),
    }


@pytest.mark.parametrize("name", sorted(_scriptable()))
def test_torch_jit_script_accepts_every_kind_of_metric(name):
    """Fails on the code before issue 11 with `Unknown type annotation: 'Tensor'` (string class annotations)."""
    metric = _scriptable()[name]
    scripted = torch.jit.script(metric)
    assert isinstance(scripted, torch.jit.ScriptModule)


def test_scripted_metric_still_works_in_python():
    metric = MeanMetric()
    torch.jit.script(metric)
    metric.update(torch.tensor([1.0, 3.0]))  # scripting leaves the Python object untouched
    assert metric.compute() == torch.tensor(2.0)


def test_torch_jit_script_of_a_model_holding_metrics():
    model = Model()
    scripted = torch.jit.script(model)
    x = torch.ones(2, 3)
    torch.testing.assert_close(scripted(x), model(x))
    model.metrics.update(torch.tensor([1.0, 2.0]))  # the Python model's metrics are unchanged and usable
    assert model.metrics.compute() == {"train_MeanMetric": torch.tensor(1.5), "train_SumMetric": torch.tensor(3.0)}


def test_forward_is_hidden_from_torchscript_and_user_lists_are_kept():
    class WithLists(Annotated):
        __jit_ignored_attributes__ = ["extra"]  # noqa: RUF012
        extra: list[int]

        def forward(self, x: Tensor) -> Tensor:
            return x

    assert torch._jit_internal.is_ignored_fn(WithLists.forward)
    assert torch._jit_internal.is_ignored_fn(Metric.forward)
    assert {"extra", "total", "scale"} <= set(WithLists.__jit_ignored_attributes__)
    assert {"doubled", "metric_state", "device", "dtype"} <= set(WithLists.__jit_unused_properties__)
    torch.jit.script(WithLists())
