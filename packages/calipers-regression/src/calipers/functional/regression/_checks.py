"""Input checks shared by the regression families (messages: ``name: `arg` must be ..., got ....``).

``check_flag`` and ``check_finite`` are those of :mod:`calipers._checks` (re-exported for the families' imports).
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import check_finite, check_flag

__all__ = ["check_finite", "check_flag", "check_real_tensor", "check_same_2d", "result_dtype"]


def check_real_tensor(name: str, arg: str, value: object) -> Tensor:
    """Return ``value`` if it is a real (floating or integer, not bool) tensor, else raise a ``TypeError``."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: `{arg}` must be a tensor, got {type(value).__name__}.")
    if value.is_complex() or value.dtype == torch.bool:
        raise TypeError(f"{name}: `{arg}` must be a real floating or integer tensor, got {value.dtype}.")
    return value


def check_same_2d(name: str, a: object, b: object, args: tuple[str, str]) -> tuple[Tensor, Tensor]:
    """Check two real tensors of one 2-d ``(N, D)`` shape (``TypeError``/``ValueError``) and return them."""
    x = check_real_tensor(name, args[0], a)
    y = check_real_tensor(name, args[1], b)
    if x.shape != y.shape:
        raise ValueError(
            f"{name}: `{args[1]}` must have the shape of `{args[0]}` {tuple(x.shape)}, got {tuple(y.shape)}."
        )
    if x.ndim != 2:
        raise ValueError(f"{name}: `{args[0]}` must be a 2-d (N, D) tensor, got shape {tuple(x.shape)}.")
    return x, y


def result_dtype(a: Tensor, b: Tensor) -> torch.dtype:
    """The dtype of a functional result: the promoted floating dtype of the inputs (default dtype for integers)."""
    dtype = torch.promote_types(a.dtype, b.dtype)
    return dtype if dtype.is_floating_point else torch.get_default_dtype()
