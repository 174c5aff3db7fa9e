"""Metric states: reduction specs and the rules that fold two states into one.

A state is a tensor (fixed shape) or a list of tensors (grown by ``append``). Its reduction says how states from two
batches, two metric objects or two processes combine:

* ``"sum"``, ``"mean"``, ``"max"``, ``"min"``: elementwise over fixed-shape tensors;
* ``"cat"``: concatenation along the first dimension (list states);
* a callable: applied to the states stacked along a new first dimension (tensors) or to the flat list (lists);
* ``None``: no reduction; after a sync the state holds every rank's value stacked (or listed).

The same rules serve ``forward`` (fold a batch into the running state), ``merge_state`` and the sync engine.

**One semantics for ``"mean"``.** Values are weighted by the update counts of what they come from: the batches
folded by ``forward``, the two metrics of ``merge_state`` (a merged dict counts as one update) and the ranks of a
sync. A rank or metric that never updated weighs nothing; when nothing was updated at all, it is the plain mean. The
arithmetic runs in a wide dtype (float64, complex128, or int64 for integer and bool states) and the result is cast
back to the state's dtype, integers rounded to the nearest (halves up), so a state keeps its dtype and does not
overflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

__all__ = [
    "ELEMENTWISE",
    "Reduction",
    "StateValue",
    "cat_state",
    "finish_mean",
    "fold_states",
    "keep_kind",
    "normalize_reduction",
    "reduce_stacked",
    "weighted_mean",
    "wide_dtype",
]

ReductionName = Literal["sum", "mean", "max", "min", "cat"]
Reduction = ReductionName | Callable[..., Any] | None
StateValue = Tensor | list[Tensor]

ELEMENTWISE: frozenset[str] = frozenset({"sum", "mean", "max", "min"})
_NAMES: tuple[str, ...] = ("cat", "max", "mean", "min", "sum")


def normalize_reduction(fx: Any, owner: str = "add_state") -> Reduction:
    """Return the canonical form of a ``dist_reduce_fx`` argument.

    Strings are kept, the ``calipers.utilities`` helpers (``dim_zero_sum`` and friends) map to their names so that
    they take the fast, batched path, and any other callable is kept as a custom reduction.

    Raises:
        ValueError: for an unknown string.
        TypeError: for anything that is neither a string, a callable nor ``None``.
    """
    if fx is None:
        return None
    if isinstance(fx, str):
        if fx not in _NAMES:
            raise ValueError(
                f"{owner}: `dist_reduce_fx` must be one of {list(_NAMES)}, a callable or None, got {fx!r}."
            )
        return fx  # type: ignore[return-value]
    if callable(fx):
        alias = getattr(fx, "__calipers_reduction__", None)
        return alias if alias is not None else fx  # type: ignore[no-any-return]
    raise TypeError(f"{owner}: `dist_reduce_fx` must be a string, a callable or None, got {type(fx).__name__}.")


def cat_state(value: StateValue) -> Tensor | None:
    """Concatenate a list state along dim 0 (0-d elements become 1-d); ``None`` for an empty list."""
    if isinstance(value, Tensor):
        return value.reshape(1) if value.ndim == 0 else value
    if len(value) == 0:
        return None
    if len(value) == 1:
        v = value[0]
        return v.reshape(1) if v.ndim == 0 else v
    return torch.cat([v.reshape(1) if v.ndim == 0 else v for v in value])


def wide_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a ``"mean"`` is computed in: complex128, float64, or int64 (integers and bools)."""
    if dtype.is_complex:
        return torch.complex128
    return torch.float64 if dtype.is_floating_point else torch.int64


def finish_mean(sum_wv: Tensor, sum_v: Tensor, total_weight: int, count: int, dtype: torch.dtype) -> Tensor:
    """``sum_wv / total_weight`` (or ``sum_v / count`` when nothing weighs), in the wide dtype, cast to ``dtype``.

    Integer means are rounded to the nearest integer, halves up (exactly, in int64).
    """
    num, den = (sum_wv, total_weight) if total_weight > 0 else (sum_v, count)
    if den <= 0:
        return sum_v.to(dtype)
    if num.is_floating_point() or num.is_complex():
        return (num / den).to(dtype)
    quotient = torch.div(num, den, rounding_mode="floor")
    remainder = num - quotient * den
    return (quotient + (2 * remainder >= den).to(quotient.dtype)).to(dtype)


def weighted_mean(stacked: Tensor, weights: Sequence[float], dtype: torch.dtype) -> Tensor:
    """The ``"mean"`` of values stacked along dim 0, weighted by update counts (module docstring)."""
    wide = stacked.to(wide_dtype(stacked.dtype))
    counts = [int(w) for w in weights]
    w = torch.tensor(counts, dtype=torch.int64 if wide.dtype == torch.int64 else torch.float64, device=wide.device)
    w = w.reshape(-1, *([1] * (wide.ndim - 1)))
    return finish_mean((wide * w).sum(0), wide.sum(0), sum(counts), len(counts), dtype)


def keep_kind(result: Any, dtype: torch.dtype) -> Any:
    """A custom reduction's tensor result cast back to the state's ``dtype`` when it is of the same kind.

    ``torch.sum`` turns int32 or bool into int64, for instance; the state keeps its declared dtype. A result of
    another kind (an integer state reduced to floats) is left alone: the reduction chose it.
    """
    if not isinstance(result, Tensor) or result.dtype == dtype:
        return result
    if _kind(result.dtype) == _kind(dtype):
        return result.to(dtype)
    return result


def _kind(dtype: torch.dtype) -> str:
    if dtype.is_complex:
        return "complex"
    return "floating" if dtype.is_floating_point else "integral"


def reduce_stacked(stacked: Tensor, reduction: Reduction, dtype: torch.dtype, weights: Sequence[float] = ()) -> Any:
    """Reduce states stacked along dim 0 (one row per batch, object or rank) with an elementwise or custom reduction.

    ``weights`` (one update count per row) weigh a ``"mean"``; without them every row weighs one.
    """
    if reduction == "sum":
        return stacked.sum(0).to(dtype)
    if reduction == "mean":
        return weighted_mean(stacked, weights or [1] * stacked.shape[0], dtype)
    if reduction == "max":
        return stacked.amax(0)
    if reduction == "min":
        return stacked.amin(0)
    if reduction is None:
        return stacked
    if callable(reduction):
        return keep_kind(reduction(stacked), dtype)
    raise ValueError(f"reduce_stacked: `reduction` must be elementwise, callable or None, got {reduction!r}.")


def fold_states(
    mine: StateValue, other: StateValue, reduction: Reduction, weights: tuple[float, float] = (1.0, 1.0)
) -> StateValue:
    """Combine two values of one state, ``mine`` first. ``weights`` weigh a ``"mean"`` state (update counts).

    The result keeps the dtype of the two values (a ``"mean"`` of integers stays an integer; see the module
    docstring), also for a custom reduction whose result is of the same kind.

    Lists are never mutated: a new list is returned. Tensors are combined out of place.
    """
    if reduction == "sum":
        assert isinstance(mine, Tensor) and isinstance(other, Tensor)
        return mine + other
    if reduction == "max":
        assert isinstance(mine, Tensor) and isinstance(other, Tensor)
        return torch.maximum(mine, other)
    if reduction == "min":
        assert isinstance(mine, Tensor) and isinstance(other, Tensor)
        return torch.minimum(mine, other)
    if reduction == "mean":
        assert isinstance(mine, Tensor) and isinstance(other, Tensor)
        dtype = torch.promote_types(mine.dtype, other.dtype)
        pair: list[Tensor] = torch.broadcast_tensors(mine, other)  # type: ignore[no-untyped-call]
        return weighted_mean(torch.stack(pair), weights, dtype)
    if reduction == "cat":
        return _as_list(mine) + _as_list(other)
    if callable(reduction):
        if isinstance(mine, Tensor) and isinstance(other, Tensor):
            folded: StateValue = keep_kind(
                reduction(torch.stack([mine, other])), torch.promote_types(mine.dtype, other.dtype)
            )
            return folded
        return reduction(_as_list(mine) + _as_list(other))  # type: ignore[no-any-return]
    raise ValueError("fold_states: a state whose `dist_reduce_fx` is None cannot be merged with another one.")


def _as_list(value: StateValue) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value] if value.numel() else []
    return list(value)


def check_state_default(name: str, default: Any) -> None:
    """Validate an ``add_state`` default: a tensor or an empty list."""
    if isinstance(default, Tensor):
        return
    if isinstance(default, Sequence) and not isinstance(default, (str, bytes)) and len(default) == 0:
        return
    raise ValueError(
        f"add_state: `default` of state {name!r} must be a tensor or an empty list, got {type(default).__name__}."
    )
