"""Cut-off retrieval metrics of one query: precision, recall, R-precision, hit rate, fall-out.

Each counts the relevant (or non-relevant) documents among the ``top_k`` best-scored ones of a query, with the
tie rule of :mod:`calipers.functional.retrieval._ranking` and the arguments of
:mod:`calipers.functional.retrieval._args`. A query without a relevant document (fall-out: without a non-relevant
one) scores 0.
"""

from __future__ import annotations

from torch import Tensor

from calipers.functional.retrieval._args import check_retrieval_args
from calipers.functional.retrieval._rows import rows_format, rows_tensor_validation
from calipers.functional.retrieval._values import (
    fall_out_values,
    hit_rate_values,
    precision_values,
    query_value,
    r_precision_values,
    recall_values,
)

__all__ = [
    "retrieval_fall_out",
    "retrieval_hit_rate",
    "retrieval_precision",
    "retrieval_r_precision",
    "retrieval_recall",
]


def retrieval_precision(preds: Tensor, target: Tensor, top_k: int | None = None, adaptive_k: bool = False) -> Tensor:
    """Precision at ``top_k``: relevant documents among the ``top_k`` best-scored, over ``top_k``.

    ``top_k=None`` means every document; with ``adaptive_k`` a query with fewer than ``top_k`` documents divides
    by its size instead.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: the cut-off (``None``: all documents).
        adaptive_k: divide by ``min(top_k, number of documents)``.

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor, a wrong dtype or a non-bool ``adaptive_k``.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_precision
        >>> retrieval_precision(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]), top_k=2)
        tensor(0.5000)
    """
    name = "retrieval_precision"
    check_retrieval_args(name, top_k=top_k, adaptive_k=adaptive_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: precision_values(r, top_k, adaptive_k))


def retrieval_recall(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Recall at ``top_k``: relevant documents among the ``top_k`` best-scored, over all relevant documents.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: the cut-off (``None``: all documents).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_recall
        >>> retrieval_recall(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]), top_k=2)
        tensor(0.5000)
    """
    name = "retrieval_recall"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: recall_values(r, top_k))


def retrieval_r_precision(preds: Tensor, target: Tensor) -> Tensor:
    """R-precision: relevant documents among the R best-scored, over R (the number of relevant documents).

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets or NaN scores.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_r_precision
        >>> retrieval_r_precision(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]))
        tensor(0.5000)
    """
    name = "retrieval_r_precision"
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, r_precision_values)


def retrieval_hit_rate(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Hit rate at ``top_k``: 1 when a relevant document is among the ``top_k`` best-scored, else 0.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: the cut-off (``None``: all documents).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_hit_rate
        >>> retrieval_hit_rate(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, False]), top_k=2)
        tensor(0.)
    """
    name = "retrieval_hit_rate"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: hit_rate_values(r, top_k))


def retrieval_fall_out(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Fall-out at ``top_k``: non-relevant documents among the ``top_k`` best-scored, over all non-relevant ones.

    Lower is better; 0 when every document is relevant.

    Args:
        preds: scores, floating, any shape.
        target: binary relevance, the shape of ``preds``.
        top_k: the cut-off (``None``: all documents).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: for a non-tensor or a wrong dtype.
        ValueError: for a shape mismatch, non-binary targets, NaN scores or a bad ``top_k``.

    Example:
        >>> import torch
        >>> from calipers.functional.retrieval import retrieval_fall_out
        >>> retrieval_fall_out(torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True]), top_k=2)
        tensor(1.)
    """
    name = "retrieval_fall_out"
    check_retrieval_args(name, top_k=top_k)
    rows_tensor_validation(name, preds, target, None, graded=False)
    preds, target, _ = rows_format(preds, target, None, graded=False)
    return query_value(name, preds, target, lambda r: fall_out_values(r, top_k))
