r"""Relative squared error: the functional form and the pipeline shared with the class.

.. math:: \text{RSE} = \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

per output, then averaged over the outputs (with ``squared=False``, the root is taken per output before the mean).
The statistics are those of the R² score (see :mod:`calipers.functional.regression.r2`). For a constant target
the ratio is ``0`` when the predictions are perfect and ``inf`` otherwise (TorchMetrics divides by the machine
epsilon instead, giving a large finite number).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.regression._error_common import (
    _centered_sum_of_squares,
    _check_num_outputs,
    _float_dtype,
)
from calipers.functional.regression.r2 import _r2_score_format, _r2_score_tensor_validation, _r2_score_update

__all__ = ["relative_squared_error"]


def _relative_squared_error_arg_validation(name: str, squared: Any, num_outputs: Any = 1) -> None:
    """``squared`` a bool, ``num_outputs`` an int >= 1."""
    check_flag(name, "squared", squared)
    _check_num_outputs(name, num_outputs)


def _relative_squared_error_compute(stats: tuple[Tensor, ...], num_obs: Tensor | int, squared: bool = True) -> Tensor:
    """RSE (or its root per output when ``squared`` is False) averaged over the outputs."""
    sum_target, sum_squared_target, rss, min_target, max_target = stats
    tss = _centered_sum_of_squares(sum_target, sum_squared_target, num_obs, min_target, max_target)
    safe = torch.where(tss != 0, tss, torch.ones_like(tss))
    constant = torch.where(rss != 0, torch.full_like(rss, float("inf")), torch.zeros_like(rss))
    rse = torch.where(tss != 0, rss / safe, constant)
    if not squared:
        rse = rse.sqrt()
    return rse.mean()


def relative_squared_error(preds: Tensor, target: Tensor, squared: bool = True) -> Tensor:
    """Relative squared error: residual sum of squares over the total sum of squares of the target.

    Args:
        preds: predictions of shape ``(N,)`` or ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        squared: return the RSE; ``False`` returns its root (the root relative squared error).

    Returns:
        A scalar (the mean over outputs) in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``squared`` is not a bool.
        ValueError: if the shapes differ or have more than 2 dimensions.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import relative_squared_error
        >>> relative_squared_error(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(0.0514)
    """
    name = "relative_squared_error"
    _relative_squared_error_arg_validation(name, squared)
    _r2_score_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    stats, num_obs = _r2_score_update(*_r2_score_format(preds, target))
    return _relative_squared_error_compute(stats, num_obs, squared).to(out_dtype)
