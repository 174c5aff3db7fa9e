r"""Levenshtein edit distance between strings, with a weighted substitution.

The distance of a pair is the cheapest number of character insertions and deletions (cost 1 each) and
substitutions (cost ``substitution_cost``) turning the prediction into the reference; it comes from ``rapidfuzz``
(compiled). Reductions over the pairs: ``"mean"`` and ``"sum"`` keep the int64 sum of distances and the number of
pairs (summed across processes); ``"none"``/``None`` keep every distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_choice, check_int
from calipers.functional.text._inputs import _levenshtein, _text_pairs_validation

__all__ = ["edit_distance"]

_REDUCTIONS = ("mean", "sum", "none", None)


def _edit_distance_arg_validation(name: str, substitution_cost: Any, reduction: Any) -> None:
    """``substitution_cost`` an int >= 0; ``reduction`` one of ``"mean"``, ``"sum"``, ``"none"``, ``None``."""
    check_int(name, "substitution_cost", substitution_cost, 0)
    check_choice(name, "reduction", reduction, _REDUCTIONS)


def _edit_distance_update(preds: list[str], target: list[str], substitution_cost: int = 1) -> Tensor:
    """The distance of every pair, int32 (validated, paired inputs)."""
    distance = _levenshtein().distance
    weights = (1, 1, substitution_cost)
    return torch.tensor([distance(p, t, weights=weights) for p, t in zip(preds, target)], dtype=torch.int32)


def _edit_distance_compute(
    total: Tensor, count: Tensor, reduction: str | None, dtype: torch.dtype | None = None
) -> Tensor:
    """The mean (float) or sum (int64) of the distances; NaN for the mean of no pair."""
    if reduction == "sum":
        return total
    return (total.double() / count.double()).to(dtype or torch.get_default_dtype())


def edit_distance(
    preds: str | Sequence[str],
    target: str | Sequence[str],
    substitution_cost: int = 1,
    reduction: Literal["mean", "sum", "none"] | None = "mean",
) -> Tensor:
    """Levenshtein edit distance between each prediction and its reference, reduced over the pairs.

    Args:
        preds: predicted text(s), a string or a sequence of strings.
        target: the reference(s), one per prediction.
        substitution_cost: the cost of substituting one character for another (an int >= 0; insertions and
            deletions cost 1).
        reduction: ``"mean"`` (float), ``"sum"`` (int64) or ``"none"``/``None`` (the int32 distance of every pair).

    Returns:
        A scalar, or a tensor of shape ``(N,)`` without reduction. TorchMetrics' convention for no pair at all:
        ``tensor(0, dtype=torch.int32)`` whatever the reduction.

    Raises:
        TypeError: if an input is not a string or a sequence of strings, or ``substitution_cost`` not an int.
        ValueError: if the inputs hold different numbers of items, ``substitution_cost < 0`` or ``reduction`` is
            unknown.

    Example:
        >>> from calipers.functional.text import edit_distance
        >>> edit_distance(["rain", "lnaguaeg"], ["shine", "language"])
        tensor(3.5000)
    """
    name = "edit_distance"
    _edit_distance_arg_validation(name, substitution_cost, reduction)
    preds, target = _text_pairs_validation(name, preds, target)
    distances = _edit_distance_update(preds, target, substitution_cost)
    if distances.numel() == 0:
        return torch.tensor(0, dtype=torch.int32)
    if reduction in ("none", None):
        return distances
    return _edit_distance_compute(distances.sum(), torch.tensor(distances.numel()), reduction)
