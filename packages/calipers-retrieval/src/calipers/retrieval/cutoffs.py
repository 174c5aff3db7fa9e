"""Cut-off retrieval metrics over many queries: precision, recall, R-precision, hit rate, fall-out.

Each keeps the rows of every query (:mod:`calipers.retrieval._base`) and computes its functional twin on every
query at once, then aggregates. ``empty_target_action``, ``ignore_index``, ``aggregation`` and ``top_k`` are
described in :mod:`calipers.functional.retrieval._args`.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.functional.retrieval._args import Aggregation, EmptyTargetAction, check_retrieval_args
from calipers.functional.retrieval._ranking import Ranking
from calipers.functional.retrieval._values import (
    fall_out_values,
    hit_rate_values,
    precision_values,
    r_precision_values,
    recall_values,
)
from calipers.retrieval._base import RetrievalMetric

__all__ = ["RetrievalFallOut", "RetrievalHitRate", "RetrievalPrecision", "RetrievalRPrecision", "RetrievalRecall"]


class _TopK(RetrievalMetric):
    """A retrieval metric with a ``top_k`` cut-off."""

    def __init__(
        self,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        top_k: int | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, aggregation, **kwargs)
        check_retrieval_args(type(self).__name__, top_k=top_k)
        self.top_k = top_k


class RetrievalPrecision(RetrievalMetric):
    """Mean precision at ``top_k`` over queries. See :func:`calipers.functional.retrieval.retrieval_precision`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: the cut-off (``None``: every document of the query).
        adaptive_k: divide by ``min(top_k, number of documents)``.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalPrecision
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalPrecision(top_k=2)(preds, target, indexes=indexes)
        tensor(0.5000)
    """

    def __init__(
        self,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        top_k: int | None = None,
        adaptive_k: bool = False,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, aggregation, **kwargs)
        check_retrieval_args(type(self).__name__, top_k=top_k, adaptive_k=adaptive_k)
        self.top_k = top_k
        self.adaptive_k = adaptive_k

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return precision_values(ranking, self.top_k, self.adaptive_k)


class RetrievalRecall(_TopK):
    """Mean recall at ``top_k`` over queries. See :func:`calipers.functional.retrieval.retrieval_recall`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: the cut-off (``None``: every document of the query).
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalRecall
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalRecall(top_k=2)(preds, target, indexes=indexes)
        tensor(0.7500)
    """

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return recall_values(ranking, self.top_k)


class RetrievalRPrecision(RetrievalMetric):
    """Mean R-precision over queries. See :func:`calipers.functional.retrieval.retrieval_r_precision`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalRPrecision
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalRPrecision()(preds, target, indexes=indexes)
        tensor(0.7500)
    """

    def __init__(
        self,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, aggregation, **kwargs)

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return r_precision_values(ranking)


class RetrievalHitRate(_TopK):
    """Mean hit rate at ``top_k`` over queries. See :func:`calipers.functional.retrieval.retrieval_hit_rate`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: the cut-off (``None``: every document of the query).
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalHitRate
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalHitRate(top_k=1)(preds, target, indexes=indexes)
        tensor(0.5000)
    """

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return hit_rate_values(ranking, self.top_k)


class RetrievalFallOut(_TopK):
    """Mean fall-out at ``top_k`` over queries; lower is better.

    See :func:`calipers.functional.retrieval.retrieval_fall_out`. A query is empty when it has no non-relevant
    document; such queries count as 1.0 by default (``"pos"``).

    Args:
        empty_target_action: ``"pos"`` (default), ``"neg"``, ``"skip"`` or ``"error"`` for queries without a
            non-relevant document.
        ignore_index: drop rows whose target equals it.
        top_k: the cut-off (``None``: every document of the query).
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalFallOut
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalFallOut(top_k=2)(preds, target, indexes=indexes)
        tensor(0.5000)
    """

    higher_is_better = False
    _missing = "a non-relevant document"

    def __init__(
        self,
        empty_target_action: EmptyTargetAction = "pos",
        ignore_index: int | None = None,
        top_k: int | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, top_k, aggregation, **kwargs)

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return fall_out_values(ranking, self.top_k)
