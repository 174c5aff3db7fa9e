"""`ContinuousRankedProbabilityScore`: CRPS of ensemble forecasts accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._error_common import (
    _update_dtype,
)
from calipers.functional.regression.crps import (
    _continuous_ranked_probability_score_compute,
    _continuous_ranked_probability_score_format,
    _continuous_ranked_probability_score_tensor_validation,
    _continuous_ranked_probability_score_update,
)
from calipers.metric import Metric

__all__ = ["ContinuousRankedProbabilityScore"]


class ContinuousRankedProbabilityScore(Metric):
    """Continuous ranked probability score of ensemble forecasts ``(N, M)`` against observations ``(N,)``.

    See :func:`calipers.functional.regression.continuous_ranked_probability_score`. States: the sum of the
    per-sample scores and the number of samples, both summed across processes.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import ContinuousRankedProbabilityScore
        >>> metric = ContinuousRankedProbabilityScore()
        >>> metric.update(torch.tensor([[0.0, 1.0, 2.0]]), torch.tensor([1.0]))
        >>> metric.update(torch.tensor([[1.0, 1.5, 3.0]]), torch.tensor([2.0]))
        >>> metric.compute()
        tensor(0.3056)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    score: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("score", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the scores of a batch of ensembles."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _continuous_ranked_probability_score_tensor_validation(type(self).__name__, preds, target)
        dtype = _update_dtype(self.score.dtype, preds, target)
        preds, target = _continuous_ranked_probability_score_format(preds, target, dtype)
        score, total = _continuous_ranked_probability_score_update(preds, target)
        self.score += score
        self.total += total

    def compute(self) -> Tensor:
        """The mean CRPS over every sample seen."""
        return _continuous_ranked_probability_score_compute(self.score, self.total)
