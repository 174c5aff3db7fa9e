"""Recall at a fixed minimum precision, and precision at a fixed minimum recall.

Both are read off the precision-recall curve: the highest value among its points whose other coordinate is at
least the given minimum (ties broken by the other coordinate, then the threshold), with the threshold of that point;
the threshold is NaN when the value is 0 (no point qualifies).
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor

from calipers.functional.classification._curve import Thresholds, check_probability
from calipers.functional.classification._curve_points import at_fixed_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_task

__all__ = [
    "binary_precision_at_fixed_recall",
    "binary_recall_at_fixed_precision",
    "multiclass_precision_at_fixed_recall",
    "multiclass_recall_at_fixed_precision",
    "multilabel_precision_at_fixed_recall",
    "multilabel_recall_at_fixed_precision",
    "precision_at_fixed_recall",
    "recall_at_fixed_precision",
]


def binary_recall_at_fixed_precision(
    preds: Tensor,
    target: Tensor,
    min_precision: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest recall of binary scores with precision at least ``min_precision``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        min_precision: the minimum precision, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(recall, threshold)``, two scalars.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_recall_at_fixed_precision
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> binary_recall_at_fixed_precision(preds, target, min_precision=0.5)
        (tensor(1.), tensor(0.3500))
    """
    name = "binary_recall_at_fixed_precision"
    check_args(name, thresholds, ignore_index)
    check_probability(name, "min_precision", min_precision)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return at_fixed_compute("recall@precision", state, t, "binary", min_precision)


def multiclass_recall_at_fixed_precision(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    min_precision: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest recall of each class (one-vs-rest) with precision at least ``min_precision``, and its threshold.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        min_precision: the minimum precision, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(recall, thresholds)``, each ``(C,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_recall_at_fixed_precision
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> multiclass_recall_at_fixed_precision(preds, target, num_classes=3, min_precision=0.5)
        (tensor([1., 1., 1.]), tensor([0.1000, 0.6000, 0.4000]))
    """
    name = "multiclass_recall_at_fixed_precision"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_probability(name, "min_precision", min_precision)
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return at_fixed_compute("recall@precision", state, t, "multiclass", min_precision, num_classes)


def multilabel_recall_at_fixed_precision(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    min_precision: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest recall of each label with precision at least ``min_precision``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        min_precision: the minimum precision, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(recall, thresholds)``, each ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_recall_at_fixed_precision
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> multilabel_recall_at_fixed_precision(preds, target, num_labels=2, min_precision=0.5)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """
    name = "multilabel_recall_at_fixed_precision"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_probability(name, "min_precision", min_precision)
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return at_fixed_compute("recall@precision", state, t, "multilabel", min_precision, num_labels, ignore_index)


def recall_at_fixed_precision(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    min_precision: float,
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Recall at a minimum precision for the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import recall_at_fixed_precision
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> recall_at_fixed_precision(preds, target, task="binary", min_precision=0.5)
        (tensor(1.), tensor(0.3500))
    """
    check_task("recall_at_fixed_precision", task)
    if task == "binary":
        return binary_recall_at_fixed_precision(preds, target, min_precision, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        n = require_int("recall_at_fixed_precision", "num_classes", num_classes)
        return multiclass_recall_at_fixed_precision(
            preds, target, n, min_precision, thresholds, ignore_index, validate_args
        )
    n = require_int("recall_at_fixed_precision", "num_labels", num_labels)
    return multilabel_recall_at_fixed_precision(
        preds, target, n, min_precision, thresholds, ignore_index, validate_args
    )


def binary_precision_at_fixed_recall(
    preds: Tensor,
    target: Tensor,
    min_recall: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest precision of binary scores with recall at least ``min_recall``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        min_recall: the minimum recall, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(precision, threshold)``, two scalars.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_precision_at_fixed_recall
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> binary_precision_at_fixed_recall(preds, target, min_recall=0.5)
        (tensor(1.), tensor(0.8000))
    """
    name = "binary_precision_at_fixed_recall"
    check_args(name, thresholds, ignore_index)
    check_probability(name, "min_recall", min_recall)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return at_fixed_compute("precision@recall", state, t, "binary", min_recall)


def multiclass_precision_at_fixed_recall(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    min_recall: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest precision of each class (one-vs-rest) with recall at least ``min_recall``, and its threshold.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        min_recall: the minimum recall, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(precision, thresholds)``, each ``(C,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_precision_at_fixed_recall
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> multiclass_precision_at_fixed_recall(preds, target, num_classes=3, min_recall=0.5)
        (tensor([1.0000, 1.0000, 0.5000]), tensor([0.7000, 0.6000, 0.4000]))
    """
    name = "multiclass_precision_at_fixed_recall"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_probability(name, "min_recall", min_recall)
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return at_fixed_compute("precision@recall", state, t, "multiclass", min_recall, num_classes)


def multilabel_precision_at_fixed_recall(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    min_recall: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest precision of each label with recall at least ``min_recall``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        min_recall: the minimum recall, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(precision, thresholds)``, each ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_precision_at_fixed_recall
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> multilabel_precision_at_fixed_recall(preds, target, num_labels=2, min_recall=0.5)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """
    name = "multilabel_precision_at_fixed_recall"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_probability(name, "min_recall", min_recall)
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return at_fixed_compute("precision@recall", state, t, "multilabel", min_recall, num_labels, ignore_index)


def precision_at_fixed_recall(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    min_recall: float,
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Precision at a minimum recall for the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import precision_at_fixed_recall
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> precision_at_fixed_recall(preds, target, task="binary", min_recall=0.5)
        (tensor(1.), tensor(0.8000))
    """
    check_task("precision_at_fixed_recall", task)
    if task == "binary":
        return binary_precision_at_fixed_recall(preds, target, min_recall, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        n = require_int("precision_at_fixed_recall", "num_classes", num_classes)
        return multiclass_precision_at_fixed_recall(
            preds, target, n, min_recall, thresholds, ignore_index, validate_args
        )
    n = require_int("precision_at_fixed_recall", "num_labels", num_labels)
    return multilabel_precision_at_fixed_recall(preds, target, n, min_recall, thresholds, ignore_index, validate_args)
