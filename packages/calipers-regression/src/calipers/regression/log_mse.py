"""`MeanSquaredLogError`: mean squared logarithmic error accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.log_mse import (
    _mean_squared_log_error_compute,
    _mean_squared_log_error_format,
    _mean_squared_log_error_tensor_validation,
    _mean_squared_log_error_update,
)
from calipers.metric import Metric

__all__ = ["MeanSquaredLogError"]


class MeanSquaredLogError(Metric):
    """Mean squared logarithmic error.

    See :func:`calipers.functional.regression.mean_squared_log_error` for the inputs and the
    formula. States: the sum of the per-element errors and the number of elements, both summed across processes.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import MeanSquaredLogError
        >>> metric = MeanSquaredLogError()
        >>> metric.update(torch.tensor([1.0, 10.0]), torch.tensor([0.9, 15.0]))
        >>> metric.update(torch.tensor([1e6]), torch.tensor([1.2e6]))
        >>> metric.compute()
        tensor(0.0588)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    sum_squared_log_error: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("sum_squared_log_error", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the errors of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _mean_squared_log_error_tensor_validation(type(self).__name__, preds, target)
        dtype = _update_dtype(self.sum_squared_log_error.dtype, preds, target)
        sum_squared_log_error, num_obs = _mean_squared_log_error_update(
            *_mean_squared_log_error_format(preds, target, dtype)
        )
        self.sum_squared_log_error += sum_squared_log_error
        self.total += num_obs

    def compute(self) -> Tensor:
        """The value over every element seen."""
        return _mean_squared_log_error_compute(self.sum_squared_log_error, self.total)
