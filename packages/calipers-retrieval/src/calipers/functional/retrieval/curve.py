"""The precision-recall curve of one query over the cut-offs ``k = 1..max_k``."""

from __future__ import annotations

import torch
from torch import Tensor

from calipers.functional.retrieval._args import check_retrieval_args
from calipers.functional.retrieval._ranking import rank_query, result_dtype
from calipers.functional.retrieval._rows import rows_format, rows_tensor_validation
from calipers.functional.retrieval._values import precision_recall_curve_values

__all__ = ["retrieval_precision_recall_curve"]


def curve_top_k(max_k: int, size: int, adaptive_k: bool, device: torch.device) -> Tensor:
    """The cut-offs ``1..max_k``; with ``adaptive_k`` those past the query's ``size`` are ``size``."""
    top_k = torch.arange(1, max_k + 1, device=device)
    return top_k.clamp(max=max(size, 1)) if adaptive_k else top_k


def retrieval_precision_recall_curve(
    preds: Tensor, target: Tensor, max_k: int | None = None, adaptive_k: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """Precision and recall of one query at every cut-off ``k = 1..max_k``.

    Precision at ``k`` divides by ``k`` (with ``adaptive_k``, by ``min(k, number of documents)``); recall by the
    number of relevant documents. A query without a relevant document gives zeros.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        max_k: the largest cut-off (``None``: the number of documents).
        adaptive_k: see above; the returned cut-offs are then capped at the number of documents too.

    Returns:
        ``(precision, recall, top_k)``, each of length ``max_k``.

    Raises:
        TypeError: for a non-tensor, a wrong dtype or a non-bool ``adaptive_k``.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a ``max_k`` that is not an int >= 1.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_precision_recall_curve
        >>> precision, recall, top_k = retrieval_precision_recall_curve(
        ...     torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]), max_k=2)
        >>> precision, recall, top_k
        (tensor([1.0000, 0.5000]), tensor([0.5000, 0.5000]), tensor([1, 2]))
    """
    name = "retrieval_precision_recall_curve"
    check_retrieval_args(name, max_k=max_k, adaptive_k=adaptive_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    size = int(preds.numel())
    k = size if max_k is None else max_k
    top_k = curve_top_k(max(k, 1), size, adaptive_k, preds.device)
    ranking = rank_query(preds, target)
    if ranking is None:
        zeros = torch.zeros(max(k, 1), dtype=result_dtype(preds), device=preds.device)
        return zeros, zeros.clone(), top_k
    precision, recall, _ = precision_recall_curve_values(ranking, k, adaptive_k)
    return precision[0].to(ranking.dtype), recall[0].to(ranking.dtype), top_k
