"""Rank-sensitive retrieval metrics over many queries: MAP, MRR, nDCG, AUROC.

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
    auroc_values,
    average_precision_values,
    ndcg_values,
    reciprocal_rank_values,
)
from calipers.retrieval._base import RetrievalMetric

__all__ = ["RetrievalAUROC", "RetrievalMAP", "RetrievalMRR", "RetrievalNormalizedDCG"]


class RetrievalMAP(RetrievalMetric):
    """Mean average precision over queries. See :func:`calipers.functional.retrieval.retrieval_average_precision`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: consider only the ``top_k`` best-scored documents of each query.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalMAP
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> metric = RetrievalMAP()
        >>> metric(preds, target, indexes=indexes)
        tensor(0.7917)
    """

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

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return average_precision_values(ranking, self.top_k)


class RetrievalMRR(RetrievalMetric):
    """Mean reciprocal rank over queries. See :func:`calipers.functional.retrieval.retrieval_reciprocal_rank`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: consider only the ``top_k`` best-scored documents of each query.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalMRR
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalMRR()(preds, target, indexes=indexes)
        tensor(0.7500)
    """

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

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return reciprocal_rank_values(ranking, self.top_k)


class RetrievalNormalizedDCG(RetrievalMetric):
    """Mean nDCG over queries, graded targets. See :func:`calipers.functional.retrieval.retrieval_normalized_dcg`.

    A query is empty when all its targets are 0.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries whose targets are all 0.
        ignore_index: drop rows whose target equals it.
        top_k: consider only the ``top_k`` best-scored documents of each query.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalNormalizedDCG
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([0, 1, 3, 0, 2, 0, 1])
        >>> RetrievalNormalizedDCG()(preds, target, indexes=indexes)
        tensor(0.8348)
    """

    _graded = True
    _missing = "a document with a positive target"

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

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return ndcg_values(ranking, self.top_k)


class RetrievalAUROC(RetrievalMetric):
    """Mean AUROC over queries. See :func:`calipers.functional.retrieval.retrieval_auroc`.

    Args:
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        top_k: consider only the ``top_k`` best-scored documents of each query.
        max_fpr: a float in (0, 1] for the standardised partial area, or ``None``.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable over the per-query values.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalAUROC
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalAUROC()(preds, target, indexes=indexes)
        tensor(0.7500)
    """

    def __init__(
        self,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        top_k: int | None = None,
        max_fpr: float | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, aggregation, **kwargs)
        check_retrieval_args(type(self).__name__, top_k=top_k, max_fpr=max_fpr)
        self.top_k = top_k
        self.max_fpr = max_fpr

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:
        return auroc_values(ranking, self.top_k, self.max_fpr)
