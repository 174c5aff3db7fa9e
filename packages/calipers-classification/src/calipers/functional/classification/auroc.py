"""Area under the ROC curve (AUROC): binary (optionally partial, ``max_fpr``), multiclass one-vs-rest, multilabel.

Computed by the trapezoidal rule on the ROC curve (:mod:`calipers.functional.classification.roc`); tied scores are
one point, so the exact value equals scikit-learn's ``roc_auc_score``. A class without positives (negatives) has an
all-zero tpr (fpr) and an AUROC of 0, with a warning (TorchMetrics' behaviour; scikit-learn raises).
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers._checks import check_float
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_scores import auroc_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_average, check_task

__all__ = ["auroc", "binary_auroc", "multiclass_auroc", "multilabel_auroc"]


def check_max_fpr(name: str, max_fpr: Any) -> None:
    """``max_fpr`` is ``None`` or a float in (0, 1]."""
    check_float(name, "max_fpr", max_fpr, 0, 1, low_open=True, optional=True)


def binary_auroc(
    preds: Tensor,
    target: Tensor,
    max_fpr: float | None = None,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """AUROC of binary scores.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        max_fpr: ``None`` (the whole curve) or the upper false positive rate of a partial AUROC, standardised with
            McClish's correction (0.5 for a random ranking, 1 for a perfect one).
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        A scalar tensor.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_auroc
        >>> binary_auroc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.7500)
    """
    name = "binary_auroc"
    check_args(name, thresholds, ignore_index)
    check_max_fpr(name, max_fpr)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return auroc_compute(state, t, "binary", max_fpr=max_fpr)


def multiclass_auroc(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Literal["macro", "weighted", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """One-vs-rest AUROC of multiclass scores.

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
        >>> from calipers.functional.classification import multiclass_auroc
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> multiclass_auroc(preds, torch.tensor([0, 1, 2, 0]), num_classes=3, average=None)
        tensor([0.5000, 1.0000, 0.6667])
    """
    name = "multiclass_auroc"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_average(name, average, ("macro", "none", "weighted", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return auroc_compute(state, t, "multiclass", num_classes, average=average)


def multilabel_auroc(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    average: Literal["micro", "macro", "weighted", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """AUROC of each label of multilabel scores, averaged.

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
        >>> from calipers.functional.classification import multilabel_auroc
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> multilabel_auroc(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), num_labels=2, average=None)
        tensor([1., 1.])
    """
    name = "multilabel_auroc"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_average(name, average, ("macro", "micro", "none", "weighted", None))
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return auroc_compute(state, t, "multilabel", num_labels, ignore_index, average)


def auroc(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Literal["macro", "weighted", "none"] | None = "macro",
    max_fpr: float | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """AUROC of the given ``task``: :func:`binary_auroc`, :func:`multiclass_auroc` or :func:`multilabel_auroc`.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import auroc
        >>> auroc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), task="binary")
        tensor(0.7500)
    """
    check_task("auroc", task)
    if task == "binary":
        return binary_auroc(preds, target, max_fpr, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_auroc(
            preds,
            target,
            require_int("auroc", "num_classes", num_classes),
            average,
            thresholds,
            ignore_index,
            validate_args,
        )
    return multilabel_auroc(
        preds, target, require_int("auroc", "num_labels", num_labels), average, thresholds, ignore_index, validate_args
    )
