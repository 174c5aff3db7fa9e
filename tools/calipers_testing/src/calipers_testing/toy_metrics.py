"""Small metrics for testing collections and wrappers (importable, so DDP workers can rebuild them).

* ``MeanAbsDiff`` / ``SumAbsDiff``: the same states (sum of ``|preds - target|``, count) and update, declared by
  one state signature: a collection groups them. ``ScaledAbsDiff(scale)`` has the same state names but its update
  depends on ``scale``, which is part of its signature.
* ``PerClassMean`` / ``PerClassTotal``: per-class sums and counts of ``values`` by integer ``labels`` (a
  ``[num_classes]`` vector value, for ``ClasswiseWrapper``), sharing one signature.
* ``PositiveSum`` / ``AbsSum``: same state name ``total``, different updates, no signature. On non-negative data
  their states are equal, which fools TorchMetrics' value-based grouping; a calipers collection never groups them.
* ``FeatureSum``: a metric with a ``feature_network`` (a ``CountingNet`` that counts its calls), for ``FeatureShare``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import torch
from torch import Tensor

from calipers import Metric

__all__ = [
    "AbsSum",
    "CountingNet",
    "FeatureSum",
    "MeanAbsDiff",
    "PerClassMean",
    "PerClassTotal",
    "PositiveSum",
    "ScaledAbsDiff",
    "SumAbsDiff",
]


def _check_pair(owner: str, preds: Any, target: Any) -> None:
    if not isinstance(preds, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{owner}: `preds` and `target` must be tensors, got {type(preds).__name__}.")
    if preds.shape != target.shape:
        raise ValueError(f"{owner}: `preds` and `target` must have the same shape, got {tuple(preds.shape)}.")


class _AbsDiffBase(Metric):
    full_state_update = False
    is_differentiable = True
    higher_is_better = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("abs_sum", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0), dist_reduce_fx="sum")
        self.update_calls = 0

    def _state_signature(self) -> Hashable | None:
        return ("toy.abs_diff",)

    def update(self, preds: Tensor, target: Tensor) -> None:
        _check_pair(type(self).__name__, preds, target)
        self.update_calls += 1
        self.abs_sum = self.abs_sum + (preds - target).abs().sum().to(self.abs_sum.dtype)
        self.count += target.numel()


class MeanAbsDiff(_AbsDiffBase):
    def compute(self) -> Tensor:
        return self.abs_sum / self.count


class SumAbsDiff(_AbsDiffBase):
    higher_is_better = False

    def compute(self) -> Tensor:
        return self.abs_sum.clone()


class ScaledAbsDiff(_AbsDiffBase):
    """Mean of ``scale * |preds - target|``: same states as ``MeanAbsDiff``, but ``scale`` changes them."""

    def __init__(self, scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def _state_signature(self) -> Hashable | None:
        return ("toy.abs_diff.scaled", self.scale)

    def update(self, preds: Tensor, target: Tensor) -> None:
        super().update(preds * self.scale, target * self.scale)

    def compute(self) -> Tensor:
        return self.abs_sum / self.count


class _PerClassBase(Metric):
    full_state_update = False
    higher_is_better = True

    def __init__(self, num_classes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.add_state("sums", torch.zeros(num_classes), dist_reduce_fx="sum")
        self.add_state("counts", torch.zeros(num_classes), dist_reduce_fx="sum")

    def _state_signature(self) -> Hashable | None:
        return ("toy.per_class", self.num_classes)

    def update(self, values: Tensor, labels: Tensor) -> None:
        if not isinstance(values, Tensor) or not isinstance(labels, Tensor):
            raise TypeError(f"{type(self).__name__}: `values` must be a tensor, got {type(values).__name__}.")
        labels = labels.long()
        self.sums = self.sums + torch.bincount(labels, weights=values.to(self.sums.dtype), minlength=self.num_classes)
        self.counts = self.counts + torch.bincount(labels, minlength=self.num_classes).to(self.counts.dtype)


class PerClassMean(_PerClassBase):
    def compute(self) -> Tensor:
        return self.sums / self.counts


class PerClassTotal(_PerClassBase):
    def compute(self) -> Tensor:
        return self.sums.clone()


class PositiveSum(Metric):
    """Sum of the positive parts of ``x`` (no state signature)."""

    full_state_update = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x: Tensor) -> None:
        self.total = self.total + x.clamp(min=0).sum()

    def compute(self) -> Tensor:
        return self.total.clone()


class AbsSum(PositiveSum):
    """Sum of ``|x|``: equal to ``PositiveSum`` until a negative value comes."""

    def update(self, x: Tensor) -> None:
        self.total = self.total + x.abs().sum()


class CountingNet(torch.nn.Module):
    """``x -> 2 * x`` that counts its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: Tensor) -> Tensor:
        self.calls += 1
        return 2 * x


class FeatureSum(Metric):
    """Sum of ``power``-th powers of the features ``net(x)``; its network is named by ``feature_network``."""

    full_state_update = False
    feature_network = "net"

    def __init__(self, power: int = 1, net: torch.nn.Module | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.power = power
        self.net = net if net is not None else CountingNet()
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, x: Tensor) -> None:
        self.total = self.total + self.net(x).pow(self.power).sum()

    def compute(self) -> Tensor:
        return self.total.clone()
