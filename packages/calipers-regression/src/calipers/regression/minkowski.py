"""`MinkowskiDistance`: Minkowski distance between all predictions and targets seen."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.minkowski import (
    _minkowski_distance_arg_validation,
    _minkowski_distance_compute,
    _minkowski_distance_format,
    _minkowski_distance_tensor_validation,
    _minkowski_distance_update,
)
from calipers.metric import Metric

__all__ = ["MinkowskiDistance"]


class MinkowskiDistance(Metric):
    """Minkowski distance of order ``p`` between the predictions and targets of every batch, as flat vectors.

    See :func:`calipers.functional.regression.minkowski_distance`. State: the sum of ``|preds - targets| ** p``,
    summed across processes.

    Args:
        p: the order, a finite real number >= 1.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import MinkowskiDistance
        >>> metric = MinkowskiDistance(p=3)
        >>> metric.update(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 2.0]))
        >>> metric.update(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 1.0]))
        >>> metric.compute()
        tensor(3.0366)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    minkowski_dist_sum: Tensor

    def __init__(self, p: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _minkowski_distance_arg_validation(type(self).__name__, p)
        self.p = p
        self.add_state("minkowski_dist_sum", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, targets: Tensor) -> None:
        """Add the ``p``-th powers of the absolute differences of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, targets=targets)
        _minkowski_distance_tensor_validation(type(self).__name__, preds, targets)
        dtype = _update_dtype(self.minkowski_dist_sum.dtype, preds, targets)
        preds, targets = _minkowski_distance_format(preds, targets, dtype)
        self.minkowski_dist_sum += _minkowski_distance_update(preds, targets, self.p)

    def compute(self) -> Tensor:
        """The distance over every element seen."""
        return _minkowski_distance_compute(self.minkowski_dist_sum, self.p)
