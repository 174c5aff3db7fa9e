r"""Log-cosh error: the functional form and the pipeline shared with the class.

.. math:: \text{LogCosh} = \frac{1}{N} \sum_{i=1}^{N} \log\cosh(\hat y_i - y_i)

computed as :math:`|d| + \log(1 + e^{-2|d|}) - \log 2`, which stays finite for large errors (the textbook
:math:`\log((e^d + e^{-d}) / 2)`, used by TorchMetrics, overflows to ``inf`` once :math:`|d|` passes about 89 in
float32). The sufficient statistics are the sum per output and the number of samples.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from calipers._checks import check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _check_one_or_two_dims,
    _check_outputs,
    _float_dtype,
)

__all__ = ["log_cosh_error"]

_LOG_2 = math.log(2.0)


def _log_cosh_error_tensor_validation(name: str, preds: Any, target: Any, num_outputs: int | None = None) -> None:
    """Same shapes, ``(N,)`` or ``(N, k)``; with ``num_outputs``, ``k`` must equal it."""
    check_tensor_pair(name, preds, target)
    _check_one_or_two_dims(name, preds)
    if num_outputs is not None:
        _check_outputs(name, preds, num_outputs, flatten_single=False)


def _log_cosh_error_format(preds: Tensor, target: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """``(N, 1)`` inputs become ``(N,)``; cast to the accumulation dtype."""
    if preds.ndim == 2 and preds.shape[1] == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
    preds, target = _cast(dtype, preds, target)
    return preds, target


def _log_cosh_error_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of ``log(cosh(preds - target))`` along dim 0 and the number of samples."""
    magnitude = (preds - target).abs()
    log_cosh = magnitude + F.softplus(-2.0 * magnitude) - _LOG_2
    return log_cosh.sum(dim=0), preds.shape[0]


def _log_cosh_error_compute(sum_log_cosh_error: Tensor, num_obs: Tensor | int) -> Tensor:
    """Log-cosh error from the summed statistics; NaN without samples."""
    return sum_log_cosh_error / num_obs


def log_cosh_error(preds: Tensor, target: Tensor) -> Tensor:
    """Log-cosh error: mean of the logarithm of the hyperbolic cosine of the errors.

    Args:
        preds: predictions of shape ``(N,)`` or ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.

    Returns:
        A scalar, or one value per output for ``(N, num_outputs)`` inputs with ``num_outputs > 1``, in the floating
        dtype of the inputs; NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ or the inputs have more than 2 dimensions.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import log_cosh_error
        >>> log_cosh_error(torch.tensor([3.0, 5.0, 2.5, 7.0]), torch.tensor([2.5, 5.0, 4.0, 8.0]))
        tensor(0.3523)
    """
    name = "log_cosh_error"
    _log_cosh_error_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    preds, target = _log_cosh_error_format(preds, target, _accumulation_dtype(out_dtype))
    total, num_obs = _log_cosh_error_update(preds, target)
    return _log_cosh_error_compute(total, num_obs).to(out_dtype)
