"""`TweedieDevianceScore`: mean Tweedie deviance accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.tweedie_deviance import (
    _tweedie_deviance_score_arg_validation,
    _tweedie_deviance_score_compute,
    _tweedie_deviance_score_format,
    _tweedie_deviance_score_tensor_validation,
    _tweedie_deviance_score_update,
)
from calipers.metric import Metric

__all__ = ["TweedieDevianceScore"]


class TweedieDevianceScore(Metric):
    """Mean Tweedie deviance for a given ``power`` (0 normal, 1 Poisson, 2 gamma...).

    See :func:`calipers.functional.regression.tweedie_deviance_score` for the formulas and the domain of each
    power (values outside it are rejected before any state changes). States: the sum of deviances and the count.

    Args:
        power: the Tweedie power, a finite number <= 0 or >= 1.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import TweedieDevianceScore
        >>> metric = TweedieDevianceScore(power=2)
        >>> metric.update(torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.0]))
        >>> metric.update(torch.tensor([1.0, 4.0]), torch.tensor([1.0, 3.0]))
        >>> metric.compute()
        tensor(0.2688)
    """

    is_differentiable = True
    higher_is_better = None
    full_state_update = False
    plot_lower_bound = 0.0

    sum_deviance_score: Tensor
    num_observations: Tensor

    def __init__(self, power: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _tweedie_deviance_score_arg_validation(type(self).__name__, power)
        self.power = power
        self.add_state("sum_deviance_score", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("num_observations", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, targets: Tensor) -> None:
        """Add the deviances of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, targets=targets)
        _tweedie_deviance_score_tensor_validation(type(self).__name__, preds, targets, self.power)
        dtype = _update_dtype(self.sum_deviance_score.dtype, preds, targets)
        preds, targets = _tweedie_deviance_score_format(preds, targets, dtype)
        sum_deviance_score, num_observations = _tweedie_deviance_score_update(preds, targets, self.power)
        self.sum_deviance_score += sum_deviance_score
        self.num_observations += num_observations

    def compute(self) -> Tensor:
        """The mean deviance over every element seen."""
        return _tweedie_deviance_score_compute(self.sum_deviance_score, self.num_observations)
