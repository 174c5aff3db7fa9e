r"""Mean absolute percentage error: the functional form and the pipeline shared with the class.

.. math:: \text{MAPE} = \frac{1}{N} \sum_{i=1}^{N} \frac{|\hat y_i - y_i|}{\max(|y_i|, \epsilon)}

with :math:`\epsilon = 1.17 \cdot 10^{-6}` (as in TorchMetrics), so a zero target gives a large but finite error.
The result is a fraction (0.1 is 10%). The sufficient statistics are the sum of relative errors and the count.
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

__all__ = ["mean_absolute_percentage_error"]


def _mean_absolute_percentage_error_tensor_validation(name: str, preds: Any, target: Any) -> None:
    """Real tensors of the same shape."""
    check_tensor_pair(name, preds, target)


def _mean_absolute_percentage_error_format(preds: Tensor, target: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Flatten and cast to the accumulation dtype."""
    preds, target = _cast(dtype, preds.reshape(-1), target.reshape(-1))
    return preds, target


def _mean_absolute_percentage_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of relative absolute errors and the number of elements."""
    relative = (preds - target).abs() / target.abs().clamp(min=PERCENTAGE_EPSILON)
    return relative.sum(), preds.numel()


def _mean_absolute_percentage_error_compute(sum_relative_error: Tensor, num_obs: Tensor | int) -> Tensor:
    """MAPE from the summed statistics; NaN without samples."""
    return sum_relative_error / num_obs


def mean_absolute_percentage_error(preds: Tensor, target: Tensor) -> Tensor:
    """Mean absolute percentage error, as a fraction.

    Args:
        preds: predictions, any shape.
        target: ground truth, the shape of ``preds``.

    Returns:
        A scalar in the floating dtype of the inputs; NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import mean_absolute_percentage_error
        >>> mean_absolute_percentage_error(torch.tensor([1.0, 10.0, 1e6]), torch.tensor([0.9, 15.0, 1.2e6]))
        tensor(0.2037)
    """
    name = "mean_absolute_percentage_error"
    _mean_absolute_percentage_error_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    preds, target = _mean_absolute_percentage_error_format(preds, target, _accumulation_dtype(out_dtype))
    total, num_obs = _mean_absolute_percentage_error_update(preds, target)
    return _mean_absolute_percentage_error_compute(total, num_obs).to(out_dtype)
