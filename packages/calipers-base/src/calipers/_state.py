"""Metric states: reduction specs and the rules that fold two states into one.

A state is a tensor (fixed shape) or a list of tensors (grown by ``append``). Its reduction says how states from two
batches, two metric objects or two processes combine:

* ``"sum"``, ``"mean"``, ``"max"``, ``"min"``: elementwise over fixed-shape tensors;
* ``"cat"``: concatenation along the first dimension (list states);
* a callable: applied to the states stacked along a new first dimension (tensors) or to the flat list (lists);
* ``None``: no reduction; after a sync the state holds every rank's value stacked (or listed).

The same rules serve ``forward`` (fold a batch into the running state), ``merge_state`` and the sync engine.
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
    "fold_states",
    "normalize_reduction",
    "reduce_stacked",
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


def reduce_stacked(stacked: Tensor, reduction: Reduction, dtype: torch.dtype) -> Any:
    """Reduce states stacked along dim 0 (one row per batch, object or rank) with an elementwise or custom reduction."""
    if reduction == "sum":
        return stacked.sum(0).to(dtype)
    if reduction == "mean":
        out = stacked.mean(0) if stacked.is_floating_point() else stacked.double().mean(0)
        return out.to(dtype) if dtype.is_floating_point else out.to(torch.get_default_dtype())
    if reduction == "max":
        return stacked.amax(0)
    if reduction == "min":
        return stacked.amin(0)
    if reduction is None:
        return stacked
    if callable(reduction):
        return reduction(stacked)
    raise ValueError(f"reduce_stacked: `reduction` must be elementwise, callable or None, got {reduction!r}.")


def fold_states(
    mine: StateValue, other: StateValue, reduction: Reduction, weights: tuple[float, float] = (1.0, 1.0)
) -> StateValue:
    """Combine two values of one state, ``mine`` first. ``weights`` weigh a ``"mean"`` state (update counts).

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
        wa, wb = weights
        total = wa + wb
        if total == 0:
            return mine
        return (mine * wa + other * wb) / total
    if reduction == "cat":
        return _as_list(mine) + _as_list(other)
    if callable(reduction):
        if isinstance(mine, Tensor) and isinstance(other, Tensor):
            return reduction(torch.stack([mine, other]))  # type: ignore[no-any-return]
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
