r"""Mean squared error (and its root): the functional form and the pipeline shared with the class.

.. math:: \text{MSE} = \frac{1}{N} \sum_{i=1}^{N} (\hat y_i - y_i)^2, \qquad \text{RMSE} = \sqrt{\text{MSE}}

The sufficient statistics of a batch are the sum of squared errors (one per output) and the number of samples;
both add up across batches and processes.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_flag, check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _check_num_outputs,
    _check_outputs,
    _float_dtype,
)

__all__ = ["mean_squared_error"]


def _mean_squared_error_arg_validation(name: str, squared: Any, num_outputs: Any) -> None:
    """Check ``squared`` (a bool) and ``num_outputs`` (an int >= 1)."""
    check_flag(name, "squared", squared)
    _check_num_outputs(name, num_outputs)


def _mean_squared_error_tensor_validation(name: str, preds: Any, target: Any, num_outputs: int) -> None:
    """Same shapes; ``(N, num_outputs)`` inputs when ``num_outputs > 1`` (any shape, flattened, otherwise)."""
    check_tensor_pair(name, preds, target)
    _check_outputs(name, preds, num_outputs, flatten_single=True)


def _mean_squared_error_format(
    preds: Tensor, target: Tensor, num_outputs: int, dtype: torch.dtype
) -> tuple[Tensor, Tensor]:
    """Flatten single-output inputs and cast them to the accumulation dtype."""
    if num_outputs == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
    preds, target = _cast(dtype, preds, target)
    return preds, target


def _squared_error_sum(preds: Tensor, target: Tensor) -> Tensor:
    diff = preds - target
    return torch.dot(diff, diff) if diff.ndim == 1 else (diff * diff).sum(dim=0)


def _mean_squared_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of squared errors along dim 0 and the number of samples (formatted inputs)."""
    return _squared_error_sum(preds, target), preds.shape[0]


def _mean_squared_error_compute(sum_squared_error: Tensor, num_obs: Tensor | int, squared: bool = True) -> Tensor:
    """MSE (or RMSE when ``squared`` is False) from the summed statistics; NaN without samples."""
    mse = sum_squared_error / num_obs
    return mse if squared else mse.sqrt()


def mean_squared_error(preds: Tensor, target: Tensor, squared: bool = True, num_outputs: int = 1) -> Tensor:
    """Mean squared error, or its root.

    Args:
        preds: predictions, any shape with ``num_outputs == 1`` (flattened), else ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        squared: return the MSE; ``False`` returns the root mean squared error (RMSE).
        num_outputs: number of outputs; with more than one, a value per output is returned.

    Returns:
        A scalar, or a tensor of shape ``(num_outputs,)``, in the floating dtype of the inputs. NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor, ``squared`` is not a bool or ``num_outputs`` not an int.
        ValueError: if the shapes differ or do not match ``num_outputs``, or ``num_outputs < 1``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import mean_squared_error
        >>> mean_squared_error(torch.tensor([0.0, 1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 2.0, 2.0]))
        tensor(0.2500)
    """
    name = "mean_squared_error"
    _mean_squared_error_arg_validation(name, squared, num_outputs)
    _mean_squared_error_tensor_validation(name, preds, target, num_outputs)
    out_dtype = _float_dtype(preds, target)
    preds, target = _mean_squared_error_format(preds, target, num_outputs, _accumulation_dtype(out_dtype))
    sum_squared_error, num_obs = _mean_squared_error_update(preds, target)
    return _mean_squared_error_compute(sum_squared_error, num_obs, squared).to(out_dtype)
