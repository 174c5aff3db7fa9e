"""`NormalizedRootMeanSquaredError`: RMSE divided by a statistic of the target, accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.nrmse import (
    NORMALIZATION_STATES,
    Normalization,
    _normalized_root_mean_squared_error_arg_validation,
    _normalized_root_mean_squared_error_compute,
    _normalized_root_mean_squared_error_format,
    _normalized_root_mean_squared_error_tensor_validation,
    _normalized_root_mean_squared_error_update,
)
from calipers.metric import Metric
from calipers.regression._error_states import add_statistic_states, fold_statistics, statistics_dtype

__all__ = ["NormalizedRootMeanSquaredError"]


class NormalizedRootMeanSquaredError(Metric):
    """Root mean squared error normalized by the mean, range, standard deviation or L2 norm of the target.

    See :func:`calipers.functional.regression.normalized_root_mean_squared_error`. The states are float64 sums
    (squared errors, count and, depending on ``normalization``, target sums and sums of squares) plus the minimum
    and maximum target for ``"range"`` and ``"std"``: every one reduces elementwise, so ``forward`` costs one
    update and processes sync with a few ``all_reduce`` calls (TorchMetrics needs full-state updates here).

    Args:
        normalization: ``"mean"``, ``"range"``, ``"std"`` or ``"l2"``.
        num_outputs: number of outputs; inputs are then ``(N, num_outputs)`` and a value per output is returned.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import NormalizedRootMeanSquaredError
        >>> metric = NormalizedRootMeanSquaredError(normalization="range")
        >>> metric.update(torch.tensor([3.0, 5.0]), torch.tensor([2.5, 5.0]))
        >>> metric.update(torch.tensor([2.5, 7.0]), torch.tensor([4.0, 8.0]))
        >>> metric.compute()
        tensor(0.1701)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    total: Tensor

    def __init__(self, normalization: Normalization = "mean", num_outputs: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _normalized_root_mean_squared_error_arg_validation(type(self).__name__, normalization, num_outputs)
        self.normalization = normalization
        self.num_outputs = num_outputs
        self._statistics = {"sum_squared_error": "sum", **NORMALIZATION_STATES[normalization]}
        add_statistic_states(self, self._statistics, (num_outputs,))
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the statistics of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _normalized_root_mean_squared_error_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        preds, target = _normalized_root_mean_squared_error_format(preds, target, self.num_outputs)
        stats_dtype = statistics_dtype(self, "total")
        stats, num_obs = _normalized_root_mean_squared_error_update(preds, target, self.normalization, stats_dtype)
        fold_statistics(self, self._statistics, stats.items())
        self.total += num_obs

    def compute(self) -> Tensor:
        """The NRMSE over every sample seen, in the metric's dtype."""
        stats = {name: getattr(self, name) for name in self._statistics}
        return _normalized_root_mean_squared_error_compute(stats, self.total, self.normalization).to(self.dtype)
