"""`RelativeSquaredError`: relative squared error accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.r2 import (
    R2_STATES,
    _r2_score_format,
    _r2_score_tensor_validation,
    _r2_score_update,
)
from calipers.functional.regression.rse import _relative_squared_error_arg_validation, _relative_squared_error_compute
from calipers.metric import Metric
from calipers.regression._error_states import add_statistic_states, fold_r2_batch, fold_statistics, statistics_dtype

__all__ = ["RelativeSquaredError"]

_REDUCTIONS = dict(zip(R2_STATES, ("sum", "sum", "sum", "min", "max")))


class RelativeSquaredError(Metric):
    """Relative squared error (or its root): residual over total sum of squares, averaged over outputs.

    See :func:`calipers.functional.regression.relative_squared_error` for the formula and the constant-target
    convention. The states are those of :class:`calipers.regression.R2Score` (float64 sums, minimum and maximum
    target), one value per output.

    Args:
        num_outputs: number of outputs; inputs are then ``(N, num_outputs)`` (``(N,)`` or ``(N, 1)`` for one).
        squared: return the RSE; ``False`` returns its root per output, averaged.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import RelativeSquaredError
        >>> metric = RelativeSquaredError()
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 7.0]))
        >>> metric.compute()
        tensor(0.0514)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    total: Tensor

    def __init__(self, num_outputs: int = 1, squared: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _relative_squared_error_arg_validation(type(self).__name__, squared, num_outputs)
        self.num_outputs = num_outputs
        self.squared = squared
        add_statistic_states(self, _REDUCTIONS, (num_outputs,))
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the statistics of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _r2_score_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        preds, target = _r2_score_format(preds, target)
        if not fold_r2_batch(self, preds, target, R2_STATES):
            stats, num_obs = _r2_score_update(preds, target, statistics_dtype(self, "total"))
            fold_statistics(self, _REDUCTIONS, zip(R2_STATES, stats))
            self.total.add_(num_obs)

    def compute(self) -> Tensor:
        """The RSE over every sample seen, in the metric's dtype."""
        stats = tuple(getattr(self, name) for name in R2_STATES)
        return _relative_squared_error_compute(stats, self.total, self.squared).to(self.dtype)
