"""Metrics with planted defects: the harness's own tests assert that each one is caught.

Each class is a correct running sum except for one defect, named by the class.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers import Metric

__all__ = ["CorrectSum", "DropsRankSum", "ForwardReturnsGlobalSum", "LosesStateDictKeySum", "MutatesBeforeValidateSum"]


class CorrectSum(Metric):
    """A correct sum with a counter: the control."""

    full_state_update = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0), dist_reduce_fx="sum")

    def _check(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: `x` must be a tensor, got {type(x).__name__}.")
        return x

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        self.total += x.sum()
        self.count += x.numel()

    def compute(self) -> Tensor:
        return self.total


def _first_rank_only(stacked: Tensor) -> Tensor:
    return stacked[0]


class DropsRankSum(CorrectSum):
    """Its sync keeps rank 0's total only."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reductions["total"] = _first_rank_only


class ForwardReturnsGlobalSum(CorrectSum):
    """``forward`` returns the accumulated value instead of the batch's."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self.update(*args, **kwargs)
        return self.compute()


class LosesStateDictKeySum(CorrectSum):
    """``state_dict`` forgets the ``count`` state."""

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination.pop(prefix + "total", None)


class MutatesBeforeValidateSum(CorrectSum):
    """``update`` bumps the counter before it validates its input."""

    def update(self, x: Tensor) -> None:
        self.count += 1
        x = self._check(x)
        self.total += x.sum()
        self.count += x.numel() - 1
