r"""Mean absolute error: the functional form and the pipeline shared with the class.

.. math:: \text{MAE} = \frac{1}{N} \sum_{i=1}^{N} |\hat y_i - y_i|

The sufficient statistics of a batch are the sum of absolute errors (one per output) and the number of samples.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _check_num_outputs,
    _check_outputs,
    _float_dtype,
)

__all__ = ["mean_absolute_error"]


def _mean_absolute_error_arg_validation(name: str, num_outputs: Any) -> None:
    """Check ``num_outputs`` (an int >= 1)."""
    _check_num_outputs(name, num_outputs)


def _mean_absolute_error_tensor_validation(name: str, preds: Any, target: Any, num_outputs: int) -> None:
    """Same shapes; ``(N, num_outputs)`` inputs when ``num_outputs > 1`` (any shape, flattened, otherwise)."""
    check_tensor_pair(name, preds, target)
    _check_outputs(name, preds, num_outputs, flatten_single=True)


def _mean_absolute_error_format(
    preds: Tensor, target: Tensor, num_outputs: int, dtype: torch.dtype
) -> tuple[Tensor, Tensor]:
    """Flatten single-output inputs and cast them to the accumulation dtype."""
    if num_outputs == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
    preds, target = _cast(dtype, preds, target)
    return preds, target


def _mean_absolute_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of absolute errors along dim 0 and the number of samples (formatted inputs)."""
    return (preds - target).abs().sum(dim=0), preds.shape[0]


def _mean_absolute_error_compute(sum_abs_error: Tensor, num_obs: Tensor | int) -> Tensor:
    """MAE from the summed statistics; NaN without samples."""
    return sum_abs_error / num_obs


def mean_absolute_error(preds: Tensor, target: Tensor, num_outputs: int = 1) -> Tensor:
    """Mean absolute error.

    Args:
        preds: predictions, any shape with ``num_outputs == 1`` (flattened), else ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        num_outputs: number of outputs; with more than one, a value per output is returned.

    Returns:
        A scalar, or a tensor of shape ``(num_outputs,)``, in the floating dtype of the inputs. NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``num_outputs`` is not an int.
        ValueError: if the shapes differ or do not match ``num_outputs``, or ``num_outputs < 1``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import mean_absolute_error
        >>> mean_absolute_error(torch.tensor([0.0, 1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 2.0, 1.0]))
        tensor(0.5000)
    """
    name = "mean_absolute_error"
    _mean_absolute_error_arg_validation(name, num_outputs)
    _mean_absolute_error_tensor_validation(name, preds, target, num_outputs)
    out_dtype = _float_dtype(preds, target)
    preds, target = _mean_absolute_error_format(preds, target, num_outputs, _accumulation_dtype(out_dtype))
    sum_abs_error, num_obs = _mean_absolute_error_update(preds, target)
    return _mean_absolute_error_compute(sum_abs_error, num_obs).to(out_dtype)
