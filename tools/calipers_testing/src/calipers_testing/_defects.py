"""Metrics with planted defects: the harness's own tests assert that each one is caught, by the check it breaks.

Each class is a correct running sum except for one defect, named by the class (and each ``*_sum`` function a wrong
functional twin). ``DEFECTS`` maps every harness check and registry property to the defects that only it must catch.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers import Metric

__all__ = [
    "DEFECTS",
    "BatchMeanSum",
    "ChattySum",
    "CloneSharesStateSum",
    "CorrectSum",
    "DetachedDifferentiableSum",
    "DifferentiableSum",
    "DropsRankSum",
    "EmptyBatchCountsSum",
    "FirstValueSum",
    "ForwardAccumulatesUnderDDPSum",
    "ForwardReturnsGlobalSum",
    "IgnoresSetDtypeSum",
    "KeepsSyncedStateSum",
    "LastBatchOnlySum",
    "LosesStateDictKeySum",
    "MergeIgnoresIncomingSum",
    "MutatesBeforeValidateSum",
    "NanRaisingSum",
    "PickleLosesStateSum",
    "RankCountWeightedSum",
    "ResetKeepsTotalSum",
    "correct_sum",
    "lenient_sum",
    "off_by_one_sum",
]


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


# ------------------------------------------------------------------ functional twins
def correct_sum(x: Any) -> Tensor:
    """The correct functional twin of ``CorrectSum``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"correct_sum: `x` must be a tensor, got {type(x).__name__}.")
    return x.sum()


def off_by_one_sum(x: Tensor) -> Tensor:
    """A functional twin whose value is wrong."""
    return correct_sum(x) + 1


def lenient_sum(x: Any) -> Tensor:
    """A functional twin that accepts what ``update`` rejects (a non-tensor counts as 0)."""
    return x.sum() if isinstance(x, Tensor) else torch.tensor(0.0)


# ------------------------------------------------------------------ update, forward, merge, copies, dtypes, grads
class LastBatchOnlySum(CorrectSum):
    """``update`` overwrites the total with the batch's instead of adding to it."""

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        self.total = x.sum().to(self.total.dtype)
        self.count += x.numel()


class MergeIgnoresIncomingSum(CorrectSum):
    """``merge_state`` counts the incoming updates but drops their states."""

    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        self._update_count += 1
        self._computed = None


class PickleLosesStateSum(CorrectSum):
    """Unpickling (and so deep copies) restores the total to 0."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.__dict__["total"] = torch.zeros_like(self.__dict__["total"])


class CloneSharesStateSum(CorrectSum):
    """``clone`` returns the object itself, so the "copy" shares its states."""

    def clone(self) -> CloneSharesStateSum:  # type: ignore[override]
        return self


class ResetKeepsTotalSum(CorrectSum):
    """``reset`` forgets the counter but keeps the total."""

    def reset(self) -> None:
        total = self.total
        super().reset()
        self.__dict__["total"] = total


class IgnoresSetDtypeSum(CorrectSum):
    """``set_dtype`` does nothing: a float64 run accumulates (and answers) in float32."""

    def set_dtype(self, dst_type: str | torch.dtype) -> IgnoresSetDtypeSum:
        return self


class DifferentiableSum(CorrectSum):
    """A correct sum that declares ``is_differentiable`` (the control of the differentiability check)."""

    is_differentiable = True

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        self.total = self.total + x.sum()
        self.count += x.numel()


class DetachedDifferentiableSum(DifferentiableSum):
    """Declares ``is_differentiable`` but detaches the inputs."""

    def update(self, x: Tensor) -> None:
        super().update(self._check(x).detach())


# ------------------------------------------------------------------ distributed
class ChattySum(CorrectSum):
    """Its sync issues three barriers besides the reduction: over the collective budget."""

    def _sync_dist(self, dist_sync_fn: Any = None, process_group: Any = None) -> None:
        super()._sync_dist(dist_sync_fn, process_group)
        for _ in range(3):
            dist.barrier()


class KeepsSyncedStateSum(CorrectSum):
    """``unsync`` drops the local states kept aside: after ``compute`` each rank holds the global ones."""

    def unsync(self, should_unsync: bool = True) -> None:
        if should_unsync and self._is_synced:
            self._is_synced = False
            self._cache = None


class ForwardAccumulatesUnderDDPSum(CorrectSum):
    """Under ``torch.distributed``, ``forward`` returns the local running total instead of the batch's value."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if not (dist.is_available() and dist.is_initialized()):
            return super().forward(*args, **kwargs)
        self.update(*args, **kwargs)
        return self.total.clone()


def _mean_of_ranks(stacked: Tensor) -> Tensor:
    return stacked.mean(0)


class RankCountWeightedSum(CorrectSum):
    """Syncs the mean per batch of each rank and multiplies by the total batch count: right only when every rank
    holds the same number of batches."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("batches", torch.tensor(0), dist_reduce_fx="sum")
        self.add_state("per_batch", torch.tensor(0.0), dist_reduce_fx=_mean_of_ranks)

    def update(self, x: Tensor) -> None:
        super().update(x)
        self.batches += 1
        self.per_batch = self.total / self.batches

    def compute(self) -> Tensor:
        return self.per_batch * self.batches if self._is_synced else self.total


# ------------------------------------------------------------------ registry properties
class EmptyBatchCountsSum(CorrectSum):
    """An empty batch still bumps the counter by one."""

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        self.total += x.sum()
        self.count += max(x.numel(), 1)


class NanRaisingSum(CorrectSum):
    """A sum that rejects NaN (the control of the ``"raise"`` NaN policy)."""

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        if bool(torch.isnan(x).any()):
            raise ValueError(f"{type(self).__name__}: `x` must not hold NaN.")
        super().update(x)


class FirstValueSum(CorrectSum):
    """Adds the first sample of the first batch once more: depends on the order of the samples."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("first", torch.tensor(float("nan")), dist_reduce_fx="max")

    def update(self, x: Tensor) -> None:
        super().update(x)
        if torch.isnan(self.first) and x.numel():
            self.first = x.reshape(-1)[0].to(self.first.dtype)

    def compute(self) -> Tensor:
        return self.total + torch.nan_to_num(self.first)


class BatchMeanSum(CorrectSum):
    """Adds each batch's mean times the mean batch size: depends on how the samples are split into batches."""

    def update(self, x: Tensor) -> None:
        x = self._check(x)
        self.count += x.numel()
        self.total += x.mean() * 3 if x.numel() else 0.0


# check (or registry property) -> the defects that it, and nothing before it in the list, must report
DEFECTS: dict[str, list[type[Metric]]] = {
    "update": [LastBatchOnlySum],
    "forward": [ForwardReturnsGlobalSum],
    "merge_state": [MergeIgnoresIncomingSum],
    "state_dict": [LosesStateDictKeySum],
    "pickle_clone_reset": [PickleLosesStateSum, CloneSharesStateSum, ResetKeepsTotalSum],
    "dtypes": [IgnoresSetDtypeSum],
    "differentiable": [DetachedDifferentiableSum],
    "validate_before_mutate": [MutatesBeforeValidateSum],
    "ddp": [DropsRankSum, ChattySum, KeepsSyncedStateSum, ForwardAccumulatesUnderDDPSum, RankCountWeightedSum],
}
