"""`EditDistance`: Levenshtein distance between strings, reduced over every pair seen."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.text._inputs import _text_pairs_validation
from calipers.functional.text.edit_distance import (
    _edit_distance_arg_validation,
    _edit_distance_compute,
    _edit_distance_update,
)
from calipers.metric import Metric

__all__ = ["EditDistance"]


class EditDistance(Metric):
    """Levenshtein edit distance between predictions and references (lower is better).

    See :func:`calipers.functional.text.edit_distance` for the inputs. States: with ``reduction`` ``"mean"`` or
    ``"sum"``, the int64 sum of distances and the number of pairs (summed across processes); without reduction, the
    distance of every pair (concatenated). ``compute`` before any pair: NaN for the mean, 0 for the sum, an empty
    tensor without reduction.

    Args:
        substitution_cost: the cost of substituting one character for another (an int >= 0).
        reduction: ``"mean"``, ``"sum"``, or ``"none"``/``None`` for the distance of every pair.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import EditDistance
        >>> metric = EditDistance(substitution_cost=2)
        >>> metric.update(["rain"], ["shine"])
        >>> metric.compute()
        tensor(5.)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    total: Tensor
    count: Tensor
    distances: list[Tensor]

    def __init__(
        self,
        substitution_cost: int = 1,
        reduction: Literal["mean", "sum", "none"] | None = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _edit_distance_arg_validation(type(self).__name__, substitution_cost, reduction)
        self.substitution_cost = substitution_cost
        self.reduction = reduction
        if reduction in ("none", None):
            self.add_state("distances", [], dist_reduce_fx="cat")
        else:
            self.add_state("total", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
            self.add_state("count", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: str | Sequence[str], target: str | Sequence[str]) -> None:
        """Add the distances of a batch."""
        preds, target = _text_pairs_validation(type(self).__name__, preds, target)
        distances = _edit_distance_update(preds, target, self.substitution_cost)
        if self.reduction in ("none", None):
            if distances.numel():
                self.distances.append(distances.to(self.device))
        else:
            self.total += distances.sum()
            self.count += distances.numel()

    def compute(self) -> Tensor:
        """The reduced distance, or the distance of every pair seen."""
        if self.reduction in ("none", None):
            values = self.distances
            if isinstance(values, Tensor):  # already concatenated by a sync
                return values
            return torch.cat(values) if values else torch.zeros(0, dtype=torch.int32, device=self.device)
        return _edit_distance_compute(self.total, self.count, self.reduction, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.edit_distance", self.substitution_cost, self.reduction in ("none", None))
