"""Reductions over the first dimension, usable as ``dist_reduce_fx`` or inside ``compute``.

Passing one of these to ``add_state`` is the same as passing its name (``dim_zero_sum`` is ``"sum"``): the state
then takes the batched sync path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import Tensor

__all__ = ["dim_zero_cat", "dim_zero_max", "dim_zero_mean", "dim_zero_min", "dim_zero_sum"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _alias(name: str) -> Callable[[_F], _F]:
    def mark(fn: _F) -> _F:
        fn.__calipers_reduction__ = name  # type: ignore[attr-defined]
        return fn

    return mark


@_alias("cat")
def dim_zero_cat(x: Tensor | list[Tensor] | tuple[Tensor, ...]) -> Tensor:
    """Concatenate a tensor or a list of tensors along dim 0; 0-d tensors count as one row.

    Raises:
        ValueError: if ``x`` is an empty list (there is nothing to concatenate).

    Example:
        >>> import torch
        >>> dim_zero_cat([torch.tensor([1, 2]), torch.tensor(3)])
        tensor([1, 2, 3])
    """
    if isinstance(x, Tensor):
        return x
    if len(x) == 0:
        raise ValueError("dim_zero_cat: `x` must hold at least one tensor, got an empty list.")
    parts = [y.reshape(1) if y.ndim == 0 else y for y in x]
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=0)


@_alias("sum")
def dim_zero_sum(x: Tensor) -> Tensor:
    """Sum along dim 0.

    Example:
        >>> import torch
        >>> dim_zero_sum(torch.tensor([[1, 2], [3, 4]]))
        tensor([4, 6])
    """
    return torch.sum(x, dim=0)


@_alias("mean")
def dim_zero_mean(x: Tensor) -> Tensor:
    """Mean along dim 0.

    Example:
        >>> import torch
        >>> dim_zero_mean(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([2., 3.])
    """
    return torch.mean(x, dim=0)


@_alias("max")
def dim_zero_max(x: Tensor) -> Tensor:
    """Maximum along dim 0.

    Example:
        >>> import torch
        >>> dim_zero_max(torch.tensor([[1, 5], [3, 4]]))
        tensor([3, 5])
    """
    return torch.amax(x, dim=0)


@_alias("min")
def dim_zero_min(x: Tensor) -> Tensor:
    """Minimum along dim 0.

    Example:
        >>> import torch
        >>> dim_zero_min(torch.tensor([[1, 5], [3, 4]]))
        tensor([1, 4])
    """
    return torch.amin(x, dim=0)
