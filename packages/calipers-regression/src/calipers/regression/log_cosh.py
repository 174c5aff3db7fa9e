"""`LogCoshError`: log-cosh error accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _check_num_outputs,
    _update_dtype,
)
from calipers.functional.regression.log_cosh import (
    _log_cosh_error_compute,
    _log_cosh_error_format,
    _log_cosh_error_tensor_validation,
    _log_cosh_error_update,
)
from calipers.metric import Metric

__all__ = ["LogCoshError"]


class LogCoshError(Metric):
    """Log-cosh error: mean of ``log(cosh(preds - target))``, computed without overflow.

    See :func:`calipers.functional.regression.log_cosh_error` for the formula. Inputs are ``(N,)`` or ``(N, 1)``
    with ``num_outputs=1``, else ``(N, num_outputs)``. States: the sum per output and the number of samples.

    Args:
        num_outputs: number of outputs; with more than one, a value per output is returned.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import LogCoshError
        >>> metric = LogCoshError()
        >>> metric.update(torch.tensor([3.0, 5.0]), torch.tensor([2.5, 5.0]))
        >>> metric.update(torch.tensor([2.5, 7.0]), torch.tensor([4.0, 8.0]))
        >>> metric.compute()
        tensor(0.3523)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    sum_log_cosh_error: Tensor
    total: Tensor

    def __init__(self, num_outputs: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_num_outputs(type(self).__name__, num_outputs)
        self.num_outputs = num_outputs
        self.add_state("sum_log_cosh_error", torch.zeros(num_outputs), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the log-cosh errors of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _log_cosh_error_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        dtype = _update_dtype(self.sum_log_cosh_error.dtype, preds, target)
        sum_log_cosh_error, num_obs = _log_cosh_error_update(*_log_cosh_error_format(preds, target, dtype))
        self.sum_log_cosh_error += sum_log_cosh_error
        self.total += num_obs

    def compute(self) -> Tensor:
        """The log-cosh error over every sample seen."""
        return _log_cosh_error_compute(self.sum_log_cosh_error, self.total)
