"""`WeightedMeanAbsolutePercentageError`: weighted mean absolute percentage error accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.wmape import (
    _weighted_mean_absolute_percentage_error_compute,
    _weighted_mean_absolute_percentage_error_format,
    _weighted_mean_absolute_percentage_error_tensor_validation,
    _weighted_mean_absolute_percentage_error_update,
)
from calipers.metric import Metric

__all__ = ["WeightedMeanAbsolutePercentageError"]


class WeightedMeanAbsolutePercentageError(Metric):
    """Weighted mean absolute percentage error: total absolute error over total absolute target.

    See :func:`calipers.functional.regression.weighted_mean_absolute_percentage_error` for the inputs. States: the
    sum of absolute errors and the sum of absolute targets, both summed across processes.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import WeightedMeanAbsolutePercentageError
        >>> metric = WeightedMeanAbsolutePercentageError()
        >>> metric.update(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))
        >>> metric.update(torch.tensor([4.0]), torch.tensor([4.0]))
        >>> metric.compute()
        tensor(0.1250)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    sum_abs_error: Tensor
    sum_scale: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("sum_abs_error", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("sum_scale", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the absolute errors and absolute targets of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _weighted_mean_absolute_percentage_error_tensor_validation(type(self).__name__, preds, target)
        dtype = _update_dtype(self.sum_abs_error.dtype, preds, target)
        preds, target = _weighted_mean_absolute_percentage_error_format(preds, target, dtype)
        sum_abs_error, sum_scale = _weighted_mean_absolute_percentage_error_update(preds, target)
        self.sum_abs_error += sum_abs_error
        self.sum_scale += sum_scale

    def compute(self) -> Tensor:
        """The WMAPE over every element seen."""
        return _weighted_mean_absolute_percentage_error_compute(self.sum_abs_error, self.sum_scale)
