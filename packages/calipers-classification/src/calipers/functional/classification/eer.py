"""Equal error rate (EER): where the false positive rate meets the false negative rate on the ROC curve.

``EER = (FPR + FNR) / 2`` at the first ROC point (descending thresholds) where ``|FPR - FNR|`` is smallest.
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor

from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_points import eer_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_average, check_task

__all__ = ["binary_eer", "eer", "multiclass_eer", "multilabel_eer"]


def binary_eer(
    preds: Tensor,
    target: Tensor,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Equal error rate of binary scores.

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
        >>> from calipers.functional.classification import binary_eer
        >>> binary_eer(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """
    name = "binary_eer"
    check_args(name, thresholds, ignore_index)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return eer_compute(state, t, "binary")


def multiclass_eer(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    thresholds: Thresholds = None,
    average: Literal["micro", "macro"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Equal error rate of each class (one-vs-rest), or of the micro/macro-averaged ROC curve.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        thresholds: ``None`` (exact) or the binning.
        average: ``None`` (per class), ``"micro"`` or ``"macro"`` (the averaged curves of
            :func:`~calipers.functional.classification.multiclass_roc`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(C,)``, or a scalar with ``average``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_eer
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> multiclass_eer(preds, torch.tensor([0, 1, 2, 0]), num_classes=3)
        tensor([0.5000, 0.0000, 0.1667])
    """
    name = "multiclass_eer"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_average(name, average, ("macro", "micro", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return eer_compute(state, t, "multiclass", num_classes, average=average)


def multilabel_eer(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Equal error rate of each label of multilabel scores.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_eer
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> multilabel_eer(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), num_labels=2)
        tensor([0., 0.])
    """
    name = "multilabel_eer"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return eer_compute(state, t, "multilabel", num_labels, ignore_index)


def eer(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Literal["micro", "macro"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Equal error rate of the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import eer
        >>> eer(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), task="binary")
        tensor(0.5000)
    """
    check_task("eer", task)
    if task == "binary":
        return binary_eer(preds, target, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        n = require_int("eer", "num_classes", num_classes)
        return multiclass_eer(preds, target, n, thresholds, average, ignore_index, validate_args)
    n = require_int("eer", "num_labels", num_labels)
    return multilabel_eer(preds, target, n, thresholds, ignore_index, validate_args)
