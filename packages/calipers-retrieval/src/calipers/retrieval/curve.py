"""The retrieval precision-recall curve over many queries, and the best recall at a fixed precision."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers.functional.retrieval._args import Aggregation, EmptyTargetAction, check_retrieval_args, finish
from calipers.functional.retrieval._values import precision_recall_curve_values
from calipers.retrieval._base import RetrievalMetric

__all__ = ["RetrievalPrecisionRecallCurve", "RetrievalRecallAtFixedPrecision"]


class RetrievalPrecisionRecallCurve(RetrievalMetric):
    """Precision and recall at ``k = 1..max_k``, aggregated over queries element by element.

    See :func:`calipers.functional.retrieval.retrieval_precision_recall_curve` for one query. An empty query (no
    relevant document) gives a curve of ones (``"pos"``) or zeros (``"neg"``), or is skipped.

    Args:
        max_k: the largest cut-off (``None``: the size of the largest query).
        adaptive_k: precision at ``k`` divides by ``min(k, number of documents)``.
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        aggregation: ``"mean"``, ``"median"``, ``"min"``, ``"max"`` or a callable ``fn(values, dim=0)``.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalPrecisionRecallCurve
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> precision, recall, top_k = RetrievalPrecisionRecallCurve(max_k=3)(preds, target, indexes=indexes)
        >>> precision, recall, top_k
        (tensor([0.5000, 0.5000, 0.5000]), tensor([0.5000, 0.7500, 1.0000]), tensor([1, 2, 3]))
    """

    def __init__(
        self,
        max_k: int | None = None,
        adaptive_k: bool = False,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(empty_target_action, ignore_index, aggregation, **kwargs)
        check_retrieval_args(type(self).__name__, max_k=max_k, adaptive_k=adaptive_k)
        self.max_k = max_k
        self.adaptive_k = adaptive_k

    def compute(self) -> tuple[Tensor, Tensor, Tensor]:  # type: ignore[override]
        """``(precision, recall, top_k)``, each of length ``max_k``."""
        name = type(self).__name__
        ranking = self._ranking()
        if ranking is None:
            k = self.max_k or 0
            zeros = torch.zeros(k, dtype=self.dtype, device=self.device)
            return zeros, zeros.clone(), torch.arange(1, k + 1, device=self.device)
        ranking.binary(name)
        k = self.max_k if self.max_k is not None else int(ranking.counts.max())
        precision, recall, empty = precision_recall_curve_values(ranking, k, self.adaptive_k)
        ids, action, agg, dtype = ranking.query_ids, self.empty_target_action, self.aggregation, ranking.dtype
        return (
            finish(name, precision, empty, ids, action, agg, dtype),
            finish(name, recall, empty, ids, action, agg, dtype),
            torch.arange(1, k + 1, device=ranking.device),
        )

    def plot(self, curve: tuple[Tensor, ...] | None = None, ax: Any = None) -> Any:
        """Draw precision (y) against recall (x) over the cut-offs; needs matplotlib.

        Args:
            curve: a value of :meth:`compute` (default: ``compute()``).
            ax: the axes to draw on (default: a new figure).

        Returns:
            ``(figure, axes)``.
        """
        from calipers.utilities.plot import plot_curve

        precision, recall, top_k = curve if curve is not None else self.compute()
        return plot_curve(
            (recall, precision, top_k), ax=ax, label_names=("Recall", "Precision"), name=type(self).__name__
        )


class RetrievalRecallAtFixedPrecision(RetrievalPrecisionRecallCurve):
    """The best aggregated recall among the cut-offs whose aggregated precision is at least ``min_precision``.

    Computes :class:`RetrievalPrecisionRecallCurve` (mean over queries), then returns ``(recall, k)``: the largest
    recall with precision >= ``min_precision`` and the largest ``k`` reaching it; ``(0, max_k)`` when no cut-off
    qualifies or that recall is 0.

    Args:
        min_precision: a float in [0, 1].
        max_k: the largest cut-off (``None``: the size of the largest query).
        adaptive_k: precision at ``k`` divides by ``min(k, number of documents)``.
        empty_target_action: ``"neg"``, ``"pos"``, ``"skip"`` or ``"error"`` for queries without a relevant
            document.
        ignore_index: drop rows whose target equals it.
        kwargs: the options of :class:`~calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.retrieval import RetrievalRecallAtFixedPrecision
        >>> indexes = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        >>> preds = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.3, 0.5, 0.2])
        >>> target = torch.tensor([False, False, True, False, True, False, True])
        >>> RetrievalRecallAtFixedPrecision(min_precision=0.5, max_k=3)(preds, target, indexes=indexes)
        (tensor(1.), tensor(3))
    """

    def __init__(
        self,
        min_precision: float = 0.0,
        max_k: int | None = None,
        adaptive_k: bool = False,
        empty_target_action: EmptyTargetAction = "neg",
        ignore_index: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(max_k, adaptive_k, empty_target_action, ignore_index, **kwargs)
        check_retrieval_args(type(self).__name__, min_precision=min_precision)
        self.min_precision = float(min_precision)

    def compute(self) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        """``(recall, k)``: the best recall at precision >= ``min_precision`` and its cut-off."""
        precision, recall, top_k = super().compute()
        ok = precision >= self.min_precision
        k = torch.tensor(top_k.numel(), device=top_k.device)
        if not bool(ok.any()):
            return torch.zeros((), dtype=recall.dtype, device=recall.device), k
        best = recall[ok].max()
        if float(best) == 0.0:
            return best, k
        return best, top_k[ok & (recall == best)].max()

    def plot(self, val: Any = None, ax: Any = None) -> Any:
        """Plot the best recall (a value of :meth:`compute`, its first element, or a sequence of them)."""
        value = self.compute()[0] if val is None else val[0] if isinstance(val, tuple) else val
        return self._plot(value, ax)
