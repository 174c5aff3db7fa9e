"""Rank-sensitive retrieval metrics of one query: average precision, reciprocal rank, nDCG, AUROC.

Each takes the scores ``preds`` and targets ``target`` of one query's documents (same shape, flattened). Ranking
is by score alone, with the tie rule of :mod:`calipers.functional.retrieval._ranking`; the shared arguments are
described in :mod:`calipers.functional.retrieval._args`. A query without a relevant document scores 0.
"""

from __future__ import annotations

from torch import Tensor

from calipers.functional.retrieval._args import check_retrieval_args
from calipers.functional.retrieval._rows import rows_format, rows_tensor_validation
from calipers.functional.retrieval._values import (
    auroc_values,
    average_precision_values,
    ndcg_values,
    query_value,
    reciprocal_rank_values,
)

__all__ = [
    "retrieval_auroc",
    "retrieval_average_precision",
    "retrieval_normalized_dcg",
    "retrieval_reciprocal_rank",
]


def retrieval_average_precision(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Average precision of one query: the mean of the precisions at the ranks of its relevant documents.

    With ``top_k``, only the relevant documents ranked in the top ``top_k`` count, and the mean is over them (as
    TorchMetrics). Unlike TorchMetrics, a relevant document with a score <= 0 still counts as relevant.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance (bool, or integer/float 0/1), the shape of ``preds``.
        top_k: consider only the ``top_k`` best-scored documents (``None``: all).

    Returns:
        A scalar tensor (float64 for float64 scores, else float32).

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a ``top_k`` that is not an int >= 1.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_average_precision
        >>> retrieval_average_precision(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]))
        tensor(0.8333)
    """
    name = "retrieval_average_precision"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: average_precision_values(r, top_k))


def retrieval_reciprocal_rank(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Reciprocal rank of one query: ``1 / rank`` of its best-ranked relevant document (0 if none in ``top_k``).

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: consider only the ``top_k`` best-scored documents (``None``: all).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_reciprocal_rank
        >>> retrieval_reciprocal_rank(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([False, True, False]))
        tensor(0.5000)
    """
    name = "retrieval_reciprocal_rank"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: reciprocal_rank_values(r, top_k))


def retrieval_normalized_dcg(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Normalised discounted cumulative gain of one query, with linear gains.

    ``DCG@k = sum_{rank i <= k} target_i / log2(i + 1)``, divided by the DCG of the ideal order. Documents with
    equal scores share the mean of their gains (each keeps its own discount), so ties never depend on row order
    (TorchMetrics' and scikit-learn's tie handling). 0 when every target is 0.

    Args:
        preds: scores, floating, any shape.
        target: graded relevance: non-negative integers or floats (or bools), the shape of ``preds``.
        top_k: consider only the ``top_k`` best-scored documents (``None``: all).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, negative or NaN targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_normalized_dcg
        >>> retrieval_normalized_dcg(torch.tensor([0.1, 0.2, 0.3, 4.0, 70.0]), torch.tensor([10, 0, 0, 1, 5]))
        tensor(0.6957)
    """
    name = "retrieval_normalized_dcg"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=True)
    preds, target, _ = rows_format(preds, target, None, graded=True)
    return query_value(name, preds, target, lambda r: ndcg_values(r, top_k))


def retrieval_auroc(preds: Tensor, target: Tensor, top_k: int | None = None, max_fpr: float | None = None) -> Tensor:
    """Area under the ROC curve of one query's ``top_k`` best-scored documents.

    A tied (relevant, non-relevant) pair counts half (scikit-learn's ``roc_auc_score``). With ``max_fpr`` the
    partial area up to that false positive rate, McClish-standardised. 0 when the retained documents are all
    relevant or all non-relevant (as TorchMetrics).

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: consider only the ``top_k`` best-scored documents (``None``: all).
        max_fpr: a float in (0, 1], or ``None`` for the whole area.

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores, a bad ``top_k`` or ``max_fpr``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_auroc
        >>> retrieval_auroc(torch.tensor([0.2, 0.3, 0.5, 0.1]), torch.tensor([False, True, True, False]))
        tensor(1.)
    """
    name = "retrieval_auroc"
    check_retrieval_args(name, top_k=top_k, max_fpr=max_fpr)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: auroc_values(r, top_k, max_fpr))
