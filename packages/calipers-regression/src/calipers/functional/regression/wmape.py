r"""Weighted mean absolute percentage error: the functional form and the pipeline shared with the class.

.. math:: \text{WMAPE} = \frac{\sum_i |\hat y_i - y_i|}{\max(\sum_i |y_i|, \epsilon)}

with :math:`\epsilon = 1.17 \cdot 10^{-6}` (as in TorchMetrics). The sufficient statistics are the two sums.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_tensor_pair
from calipers.functional.regression._error_common import (
    PERCENTAGE_EPSILON,
    _accumulation_dtype,
    _cast,
    _float_dtype,
)

__all__ = ["weighted_mean_absolute_percentage_error"]


def _weighted_mean_absolute_percentage_error_tensor_validation(name: str, preds: Any, target: Any) -> None:
    """Real tensors of the same shape."""
    check_tensor_pair(name, preds, target)


def _weighted_mean_absolute_percentage_error_format(
    preds: Tensor, target: Tensor, dtype: torch.dtype
) -> tuple[Tensor, Tensor]:
    """Flatten and cast to the accumulation dtype."""
    preds, target = _cast(dtype, preds.reshape(-1), target.reshape(-1))
    return preds, target


def _weighted_mean_absolute_percentage_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Sum of absolute errors and sum of absolute targets."""
    return (preds - target).abs().sum(), target.abs().sum()


def _weighted_mean_absolute_percentage_error_compute(sum_abs_error: Tensor, sum_scale: Tensor) -> Tensor:
    """WMAPE from the summed statistics (0 without samples)."""
    return sum_abs_error / sum_scale.clamp(min=PERCENTAGE_EPSILON)


def weighted_mean_absolute_percentage_error(preds: Tensor, target: Tensor) -> Tensor:
    """Weighted mean absolute percentage error: total absolute error over total absolute target.

    Args:
        preds: predictions, any shape.
        target: ground truth, the shape of ``preds``.

    Returns:
        A scalar in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import weighted_mean_absolute_percentage_error
        >>> weighted_mean_absolute_percentage_error(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 3.0, 4.0]))
        tensor(0.1250)
    """
    name = "weighted_mean_absolute_percentage_error"
    _weighted_mean_absolute_percentage_error_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    preds, target = _weighted_mean_absolute_percentage_error_format(preds, target, _accumulation_dtype(out_dtype))
    sum_abs_error, sum_scale = _weighted_mean_absolute_percentage_error_update(preds, target)
    return _weighted_mean_absolute_percentage_error_compute(sum_abs_error, sum_scale).to(out_dtype)
