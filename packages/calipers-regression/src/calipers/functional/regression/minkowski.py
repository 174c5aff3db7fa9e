r"""Minkowski distance: the functional form and the pipeline shared with the class.

.. math:: d_p(\hat y, y) = \left(\sum_i |\hat y_i - y_i|^p\right)^{1/p}, \qquad p \ge 1

over all elements (the inputs are flattened). The sufficient statistic is the sum of the ``p``-th powers.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_float, check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _float_dtype,
)

__all__ = ["minkowski_distance"]


def _minkowski_distance_arg_validation(name: str, p: Any) -> None:
    """``p`` must be a finite real number >= 1."""
    value = check_float(name, "p", p)
    if not (math.isfinite(value) and value >= 1):
        raise ValueError(f"{name}: `p` must be a finite real number >= 1, got {p!r}.")


def _minkowski_distance_tensor_validation(name: str, preds: Any, targets: Any) -> None:
    """Real tensors of the same shape."""
    check_tensor_pair(name, preds, targets, args=("preds", "targets"))


def _minkowski_distance_format(preds: Tensor, targets: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Flatten and cast to the accumulation dtype."""
    preds, targets = _cast(dtype, preds.reshape(-1), targets.reshape(-1))
    return preds, targets


def _minkowski_distance_update(preds: Tensor, targets: Tensor, p: float) -> Tensor:
    """Sum of ``|preds - targets| ** p``."""
    return (preds - targets).abs().pow(p).sum()


def _minkowski_distance_compute(distance: Tensor, p: float) -> Tensor:
    """The ``p``-th root of the summed powers."""
    return distance.pow(1.0 / p)


def minkowski_distance(preds: Tensor, targets: Tensor, p: float) -> Tensor:
    """Minkowski distance of order ``p`` between two tensors (taken as flat vectors).

    Args:
        preds: predictions, any shape.
        targets: ground truth, the shape of ``preds``.
        p: the order, a finite real number >= 1 (1: Manhattan, 2: Euclidean).

    Returns:
        A scalar in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``p`` is not a real number.
        ValueError: if the shapes differ or ``p`` is below 1 or infinite.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import minkowski_distance
        >>> minkowski_distance(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0.0, 2.0, 3.0, 1.0]), p=3)
        tensor(3.0366)
    """
    name = "minkowski_distance"
    _minkowski_distance_arg_validation(name, p)
    _minkowski_distance_tensor_validation(name, preds, targets)
    out_dtype = _float_dtype(preds, targets)
    preds, targets = _minkowski_distance_format(preds, targets, _accumulation_dtype(out_dtype))
    return _minkowski_distance_compute(_minkowski_distance_update(preds, targets, p), p).to(out_dtype)
