r"""Mean squared logarithmic error: the functional form and the pipeline shared with the class.

.. math:: \text{MSLE} = \frac{1}{N} \sum_{i=1}^{N} \left(\log(1 + \hat y_i) - \log(1 + y_i)\right)^2

Defined for values greater than -1; other values are rejected (TorchMetrics returns NaN, scikit-learn raises).
The sufficient statistics are the sum of squared log errors and the count.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _float_dtype,
)

__all__ = ["mean_squared_log_error"]


def _mean_squared_log_error_tensor_validation(name: str, preds: Any, target: Any) -> None:
    """Real tensors of the same shape whose values are all greater than -1 (one device-to-host sync)."""
    check_tensor_pair(name, preds, target)
    bad_preds, bad_target = (preds <= -1).any(), (target <= -1).any()
    if bool(bad_preds | bad_target):
        arg, value = ("preds", preds) if bool(bad_preds) else ("target", target)
        minimum = value.min().item()
        raise ValueError(
            f"{name}: `{arg}` must hold values greater than -1 (log1p is taken), got a minimum of {minimum!r}."
        )


def _mean_squared_log_error_format(preds: Tensor, target: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Flatten and cast to the accumulation dtype."""
    preds, target = _cast(dtype, preds.reshape(-1), target.reshape(-1))
    return preds, target


def _mean_squared_log_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of squared differences of ``log1p`` and the number of elements."""
    diff = torch.log1p(preds) - torch.log1p(target)
    return torch.dot(diff, diff), preds.numel()


def _mean_squared_log_error_compute(sum_squared_log_error: Tensor, num_obs: Tensor | int) -> Tensor:
    """MSLE from the summed statistics; NaN without samples."""
    return sum_squared_log_error / num_obs


def mean_squared_log_error(preds: Tensor, target: Tensor) -> Tensor:
    """Mean squared logarithmic error.

    Args:
        preds: predictions, any shape, values greater than -1.
        target: ground truth, the shape of ``preds``, values greater than -1.

    Returns:
        A scalar in the floating dtype of the inputs; NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ or a value is -1 or less.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import mean_squared_log_error
        >>> mean_squared_log_error(torch.tensor([0.0, 1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 2.0, 2.0]))
        tensor(0.0207)
    """
    name = "mean_squared_log_error"
    _mean_squared_log_error_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    preds, target = _mean_squared_log_error_format(preds, target, _accumulation_dtype(out_dtype))
    total, num_obs = _mean_squared_log_error_update(preds, target)
    return _mean_squared_log_error_compute(total, num_obs).to(out_dtype)
