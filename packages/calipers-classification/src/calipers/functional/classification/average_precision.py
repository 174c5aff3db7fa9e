"""Average precision (AP): ``sum_k (R_k - R_{k-1}) P_k`` over the points of the precision-recall curve.

The exact value (``thresholds=None``) equals scikit-learn's ``average_precision_score`` (tied scores are one point).
Without positives: binary and multilabel columns get recall 1 (AP 0, with a warning), a multiclass class absent from
the target gets NaN and is left out of the averages (with a warning), as in TorchMetrics. Binned: undefined precision
or recall values count as 0.
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor

from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_scores import average_precision_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_average, check_task

__all__ = [
    "average_precision",
    "binary_average_precision",
    "multiclass_average_precision",
    "multilabel_average_precision",
]


def binary_average_precision(
    preds: Tensor,
    target: Tensor,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Average precision of binary scores.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        A scalar tensor.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_average_precision
        >>> binary_average_precision(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.8333)
    """
    name = "binary_average_precision"
    check_args(name, thresholds, ignore_index)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return average_precision_compute(state, t, "binary")


def multiclass_average_precision(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Literal["macro", "weighted", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """One-vs-rest Average precision of multiclass scores.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        average: ``"macro"`` (mean over classes), ``"weighted"`` (by support), ``"none"``/``None`` (per class).
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        A scalar, or ``(C,)`` without averaging.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_average_precision
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> multiclass_average_precision(preds, torch.tensor([0, 1, 2, 0]), num_classes=3, average=None)
        tensor([0.7500, 1.0000, 0.5000])
    """
    name = "multiclass_average_precision"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_average(name, average, ("macro", "none", "weighted", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return average_precision_compute(state, t, "multiclass", num_classes, average=average)


def multilabel_average_precision(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    average: Literal["micro", "macro", "weighted", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Average precision of each label of multilabel scores, averaged.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        average: ``"micro"`` (every entry pooled), ``"macro"``, ``"weighted"`` (by support), ``"none"``/``None``.
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        A scalar, or ``(L,)`` without averaging.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_average_precision
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> multilabel_average_precision(preds, target, num_labels=2, average=None)
        tensor([1., 1.])
    """
    name = "multilabel_average_precision"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_average(name, average, ("macro", "micro", "none", "weighted", None))
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return average_precision_compute(state, t, "multilabel", num_labels, ignore_index, average)


def average_precision(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Literal["macro", "weighted", "none"] | None = "macro",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Average precision of the given ``task`` (see the ``binary_``/``multiclass_``/``multilabel_`` twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import average_precision
        >>> average_precision(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), task="binary")
        tensor(0.8333)
    """
    check_task("average_precision", task)
    if task == "binary":
        return binary_average_precision(preds, target, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_average_precision(
            preds,
            target,
            require_int("average_precision", "num_classes", num_classes),
            average,
            thresholds,
            ignore_index,
            validate_args,
        )
    return multilabel_average_precision(
        preds,
        target,
        require_int("average_precision", "num_labels", num_labels),
        average,
        thresholds,
        ignore_index,
        validate_args,
    )
