r"""Jaccard index (intersection over union), from the confusion matrix.

.. math:: J = \frac{TP}{TP + FP + FN}

``average``: ``"micro"`` pools the counts of every class, ``"macro"`` averages the classes that occur (multiclass) or
every label (multilabel), ``"weighted"`` weights by support, ``"none"``/``None`` returns one value per class. With a
multiclass ``ignore_index`` that is a real class, that class is left out of the averages too. A zero denominator gives
``zero_division``. Other arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.classification._inputs import check_average, check_task, check_zero_division, safe_divide
from calipers.functional.classification.confusion_matrix import (
    _binary_confmat,
    _binary_confusion_matrix_arg_validation,
    _multiclass_confmat,
    _multiclass_confusion_matrix_arg_validation,
    _multilabel_confmat,
    _multilabel_confusion_matrix_arg_validation,
)

__all__ = ["binary_jaccard_index", "jaccard_index", "multiclass_jaccard_index", "multilabel_jaccard_index"]

Average = Literal["micro", "macro", "weighted", "none"] | None


def _jaccard_index_compute(
    confmat: Tensor,
    average: Any,
    ignore_index: int | None = None,
    zero_division: float = 0.0,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Jaccard index from a ``(2, 2)`` (``average="binary"``), ``(C, C)`` or ``(L, 2, 2)`` confusion matrix."""
    cm = confmat.to(dtype or torch.get_default_dtype())
    if average == "binary":
        return safe_divide(cm[1, 1], cm[0, 1] + cm[1, 0] + cm[1, 1], zero_division)
    multilabel = cm.ndim == 3
    ignored = not multilabel and ignore_index is not None and 0 <= ignore_index < cm.shape[0]
    if multilabel:
        num = cm[:, 1, 1]
        denom = cm[:, 1, 1] + cm[:, 0, 1] + cm[:, 1, 0]
    else:
        num = cm.diagonal()
        denom = cm.sum(0) + cm.sum(1) - num
    if average == "micro":
        if ignored:
            keep = torch.arange(num.shape[0], device=num.device) != ignore_index
            num, denom = num * keep, denom * keep
        return safe_divide(num.sum(), denom.sum(), zero_division)
    score = safe_divide(num, denom, zero_division)
    if average is None or average == "none":
        return score
    if average == "weighted":
        weights = cm[:, 1, 1] + cm[:, 1, 0] if multilabel else cm.sum(1)
    else:
        weights = torch.ones_like(score)
        if not multilabel:
            weights = weights * ((cm.sum(0) + cm.sum(1)) > 0)
    if ignored:
        weights = weights * (torch.arange(num.shape[0], device=num.device) != ignore_index)
    return safe_divide((weights * score).sum(), weights.sum())


def binary_jaccard_index(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0.0,
) -> Tensor:
    """Jaccard index of binary predictions (of the positive class).

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_jaccard_index
        >>> binary_jaccard_index(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor(0.3333)
    """
    if validate_args:
        _binary_confusion_matrix_arg_validation("binary_jaccard_index", threshold, ignore_index)
        check_zero_division("binary_jaccard_index", zero_division)
    confmat = _binary_confmat("binary_jaccard_index", preds, target, threshold, ignore_index, validate_args)
    return _jaccard_index_compute(confmat, "binary", zero_division=zero_division)


def multiclass_jaccard_index(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0.0,
) -> Tensor:
    """Jaccard index of multiclass predictions, per class and averaged by ``average``.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        average: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, or ``(C,)`` with ``average=None``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_jaccard_index
        >>> multiclass_jaccard_index(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3)
        tensor(0.6667)
    """
    name = "multiclass_jaccard_index"
    if validate_args:
        _multiclass_confusion_matrix_arg_validation(name, num_classes, ignore_index)
        check_average(name, average)
        check_zero_division(name, zero_division)
    confmat = _multiclass_confmat(name, preds, target, num_classes, ignore_index, validate_args)
    return _jaccard_index_compute(confmat, average, ignore_index, zero_division)


def multilabel_jaccard_index(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0.0,
) -> Tensor:
    """Jaccard index of multilabel predictions, per label and averaged by ``average``.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        average: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, or ``(L,)`` with ``average=None``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_jaccard_index
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_jaccard_index(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2)
        tensor(0.7500)
    """
    name = "multilabel_jaccard_index"
    if validate_args:
        _multilabel_confusion_matrix_arg_validation(name, num_labels, threshold, ignore_index)
        check_average(name, average)
        check_zero_division(name, zero_division)
    confmat = _multilabel_confmat(name, preds, target, num_labels, threshold, ignore_index, validate_args)
    return _jaccard_index_compute(confmat, average, ignore_index, zero_division)


def jaccard_index(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Average = "macro",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0.0,
) -> Tensor:
    """Jaccard index of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import jaccard_index
        >>> jaccard_index(torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]), task="binary")
        tensor(0.6667)
    """
    check_task("jaccard_index", task)
    if task == "binary":
        return binary_jaccard_index(preds, target, threshold, ignore_index, validate_args, zero_division)
    if task == "multiclass":
        return multiclass_jaccard_index(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            ignore_index,
            validate_args,
            zero_division,
        )
    return multilabel_jaccard_index(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        ignore_index,
        validate_args,
        zero_division,
    )
