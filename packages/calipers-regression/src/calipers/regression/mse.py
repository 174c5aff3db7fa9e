"""`MeanSquaredError`: mean squared error (or its root) accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.mse import (
    _mean_squared_error_arg_validation,
    _mean_squared_error_compute,
    _mean_squared_error_format,
    _mean_squared_error_tensor_validation,
    _mean_squared_error_update,
)
from calipers.metric import Metric

__all__ = ["MeanSquaredError"]


class MeanSquaredError(Metric):
    """Mean squared error, or root mean squared error with ``squared=False``.

    See :func:`calipers.functional.regression.mean_squared_error` for the inputs. States: the sum of squared
    errors (one per output, in the metric's dtype) and the number of samples, both summed across processes.

    Args:
        squared: return the MSE; ``False`` returns the RMSE.
        num_outputs: number of outputs; inputs are then ``(N, num_outputs)`` and a value per output is returned.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import MeanSquaredError
        >>> metric = MeanSquaredError()
        >>> metric.update(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 2.0]))
        >>> metric.update(torch.tensor([2.0, 3.0]), torch.tensor([2.0, 2.0]))
        >>> metric.compute()
        tensor(0.5000)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    sum_squared_error: Tensor
    total: Tensor

    def __init__(self, squared: bool = True, num_outputs: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _mean_squared_error_arg_validation(type(self).__name__, squared, num_outputs)
        self.squared = squared
        self.num_outputs = num_outputs
        self.add_state("sum_squared_error", torch.zeros(num_outputs), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the squared errors of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _mean_squared_error_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        dtype = _update_dtype(self.sum_squared_error.dtype, preds, target)
        preds, target = _mean_squared_error_format(preds, target, self.num_outputs, dtype)
        sum_squared_error, num_obs = _mean_squared_error_update(preds, target)
        self.sum_squared_error += sum_squared_error
        self.total += num_obs

    def compute(self) -> Tensor:
        """The MSE (or RMSE) over every sample seen."""
        return _mean_squared_error_compute(self.sum_squared_error, self.total, self.squared)
