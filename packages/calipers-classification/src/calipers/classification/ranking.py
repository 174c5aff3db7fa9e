"""Multilabel ranking classes; see :mod:`calipers.functional.classification.ranking`.

States as in TorchMetrics: ``measure`` (the summed per-sample values) and ``total`` (the number of samples; an int64
count here), summed across batches and processes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import state_signature
from calipers.functional.classification.ranking import (
    _coverage_error_update,
    _ranking_arg_validation,
    _ranking_average_precision_update,
    _ranking_compute,
    _ranking_format,
    _ranking_loss_update,
    _ranking_tensor_validation,
)
from calipers.metric import Metric

__all__ = ["MultilabelCoverageError", "MultilabelRankingAveragePrecision", "MultilabelRankingLoss"]


class _RankingState(Metric):
    """The ``measure``/``total`` states; subclasses name the per-batch update."""

    is_differentiable = False
    full_state_update = False

    measure: Tensor
    total: Tensor

    def __init__(
        self,
        num_labels: int,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _ranking_arg_validation(self._get_name(), num_labels, ignore_index)
        self.num_labels = num_labels
        self.ignore_index = ignore_index
        check_flag(self._get_name(), "validate_args", validate_args)
        self.validate_args = validate_args
        self.add_state("measure", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the batch's per-sample values."""
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        if self.validate_args:
            _ranking_tensor_validation(self._get_name(), preds, target, self.num_labels, self.ignore_index)
        measure, total = self._batch_update(*_ranking_format(preds, target, self.ignore_index))
        self.measure += measure.to(self.measure.dtype)
        self.total += total

    def compute(self) -> Tensor:
        """The mean over every sample seen."""
        return _ranking_compute(self.measure, self.total)

    def _batch_update(self, scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _state_signature(self) -> Hashable:
        return state_signature(type(self)._batch_update, self.num_labels, self.ignore_index)


class MultilabelCoverageError(_RankingState):
    """Coverage error; see :func:`~calipers.functional.classification.multilabel_coverage_error`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelCoverageError
        >>> metric = MultilabelCoverageError(num_labels=3)
        >>> metric(torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]]), torch.tensor([[1, 0, 1], [1, 0, 0]]))
        tensor(2.5000)
    """

    higher_is_better = False
    plot_lower_bound = 1.0

    def _batch_update(self, scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        return _coverage_error_update(scores, relevant, valid)


class MultilabelRankingAveragePrecision(_RankingState):
    """Label ranking average precision.

    See :func:`~calipers.functional.classification.multilabel_ranking_average_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelRankingAveragePrecision
        >>> metric = MultilabelRankingAveragePrecision(num_labels=3)
        >>> metric(torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]]), torch.tensor([[1, 0, 1], [1, 0, 0]]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _batch_update(self, scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        return _ranking_average_precision_update(scores, relevant, valid)


class MultilabelRankingLoss(_RankingState):
    """Label ranking loss; see :func:`~calipers.functional.classification.multilabel_ranking_loss`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelRankingLoss
        >>> metric = MultilabelRankingLoss(num_labels=3)
        >>> metric(torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]]), torch.tensor([[1, 0, 1], [1, 0, 0]]))
        tensor(0.5000)
    """

    higher_is_better = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _batch_update(self, scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        return _ranking_loss_update(scores, relevant, valid)
