r"""Precision and recall, from the stat scores.

.. math:: \text{Precision} = \frac{TP}{TP + FP} \qquad \text{Recall} = \frac{TP}{TP + FN}

Arguments are described in [the classification argument glossary][classification-arguments]; a zero denominator gives
``zero_division``.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.classification._inputs import check_task
from calipers.functional.classification._reduce import _scores
from calipers.functional.classification._stat_scores import (
    Average,
    MultidimAverage,
    _binary_counts,
    _multiclass_counts,
    _multilabel_counts,
)

__all__ = [
    "binary_precision",
    "binary_recall",
    "multiclass_precision",
    "multiclass_recall",
    "multilabel_precision",
    "multilabel_recall",
    "precision",
    "recall",
]


def _precision_recall_compute(
    stat: str,
    counts: Tensor,
    average: Any,
    task: str,
    top_k: int = 1,
    zero_division: float = 0,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Precision (``stat="precision"``: tp / (tp + fp)) or recall (tp / (tp + fn)) of stacked stat scores (4, ...)."""
    formula = _precision if stat == "precision" else _recall
    return _scores(formula, counts, average, task == "multilabel", top_k, zero_division, dtype)


def _precision(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tp, tp + fp


def _recall(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tp, tp + fn


def _precision_compute(counts: Tensor, average: Any, task: str, **kwargs: Any) -> Tensor:
    """Precision from the stat scores (see :func:`_precision_recall_compute`)."""
    return _precision_recall_compute("precision", counts, average, task, **kwargs)


def _recall_compute(counts: Tensor, average: Any, task: str, **kwargs: Any) -> Tensor:
    """Recall from the stat scores (see :func:`_precision_recall_compute`)."""
    return _precision_recall_compute("recall", counts, average, task, **kwargs)


def binary_precision(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Precision (tp / (tp + fp)) of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_precision
        >>> binary_precision(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """
    counts = _binary_counts(
        "binary_precision", preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division
    )
    return _precision_compute(counts, "binary", "binary", zero_division=zero_division)


def multiclass_precision(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Precision (tp / (tp + fp)) of multiclass predictions, per class and averaged by ``average``.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        average: see [the argument glossary][classification-average].
        top_k: see [the argument glossary][classification-top_k].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, ``(C,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_precision
        >>> multiclass_precision(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]), num_classes=3)
        tensor(0.7778)
    """
    counts = _multiclass_counts(
        "multiclass_precision",
        preds,
        target,
        num_classes,
        top_k,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
    return _precision_compute(counts, average, "multiclass", top_k=top_k, zero_division=zero_division)


def multilabel_precision(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Precision (tp / (tp + fp)) of multilabel predictions, per label and averaged by ``average``.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        average: see [the argument glossary][classification-average].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, ``(L,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_precision
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_precision(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(0.5000)
    """
    counts = _multilabel_counts(
        "multilabel_precision",
        preds,
        target,
        num_labels,
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
    return _precision_compute(counts, average, "multilabel", zero_division=zero_division)


def precision(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Average = "micro",
    multidim_average: MultidimAverage = "global",
    top_k: int | None = 1,
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Precision (tp / (tp + fp)) of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import precision
        >>> precision(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.7500)
    """
    check_task("precision", task)
    if task == "binary":
        return binary_precision(preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division)
    if task == "multiclass":
        return multiclass_precision(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
            zero_division,
        )
    return multilabel_precision(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )


def binary_recall(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Recall (tp / (tp + fn)) of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_recall
        >>> binary_recall(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """
    counts = _binary_counts(
        "binary_recall", preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division
    )
    return _recall_compute(counts, "binary", "binary", zero_division=zero_division)


def multiclass_recall(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Recall (tp / (tp + fn)) of multiclass predictions, per class and averaged by ``average``.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        average: see [the argument glossary][classification-average].
        top_k: see [the argument glossary][classification-top_k].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, ``(C,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_recall
        >>> multiclass_recall(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]), num_classes=3)
        tensor(0.6667)
    """
    counts = _multiclass_counts(
        "multiclass_recall",
        preds,
        target,
        num_classes,
        top_k,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
    return _recall_compute(counts, average, "multiclass", top_k=top_k, zero_division=zero_division)


def multilabel_recall(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Recall (tp / (tp + fn)) of multilabel predictions, per label and averaged by ``average``.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        average: see [the argument glossary][classification-average].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, ``(L,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_recall
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_recall(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(1.)
    """
    counts = _multilabel_counts(
        "multilabel_recall",
        preds,
        target,
        num_labels,
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
    return _recall_compute(counts, average, "multilabel", zero_division=zero_division)


def recall(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Average = "micro",
    multidim_average: MultidimAverage = "global",
    top_k: int | None = 1,
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Recall (tp / (tp + fn)) of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import recall
        >>> recall(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.7500)
    """
    check_task("recall", task)
    if task == "binary":
        return binary_recall(preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division)
    if task == "multiclass":
        return multiclass_recall(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
            zero_division,
        )
    return multilabel_recall(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
