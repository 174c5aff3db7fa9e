r"""Accuracy: the fraction of correct predictions, from the stat scores.

.. math:: \text{binary, multilabel: } \frac{TP + TN}{TP + TN + FP + FN} \qquad \text{multiclass: } \frac{TP}{TP + FN}

Arguments are described in [the classification argument glossary][classification-arguments].
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

__all__ = ["accuracy", "binary_accuracy", "multiclass_accuracy", "multilabel_accuracy"]


def _accuracy_compute(
    counts: Tensor,
    average: Any,
    task: str,
    top_k: int = 1,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Accuracy from the stacked stat scores ``(4, ...)`` (class dimension last; ``"binary"`` for binary counts)."""
    multilabel = task == "multilabel"
    formula = _correct if multilabel or average == "binary" else _hits
    return _scores(formula, counts, average, multilabel, top_k, dtype=dtype)


def _correct(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tp + tn, tp + fp + tn + fn


def _hits(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tp, tp + fn


def binary_accuracy(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Accuracy of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_accuracy
        >>> binary_accuracy(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5000)
    """
    counts = _binary_counts("binary_accuracy", preds, target, threshold, multidim_average, ignore_index, validate_args)
    return _accuracy_compute(counts, "binary", "binary")


def multiclass_accuracy(
    preds: Tensor,
    target: Tensor,
    num_classes: int | None = None,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Accuracy of multiclass predictions (per-class recall, averaged by ``average``).

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        average: see [the argument glossary][classification-average].
        top_k: see [the argument glossary][classification-top_k].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, ``(C,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_accuracy
        >>> multiclass_accuracy(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3)
        tensor(0.8333)
    """
    counts = _multiclass_counts(
        "multiclass_accuracy",
        preds,
        target,
        num_classes,  # type: ignore[arg-type]
        top_k,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
    return _accuracy_compute(counts, average, "multiclass", top_k)


def multilabel_accuracy(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Accuracy of multilabel predictions (per label, averaged by ``average``).

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        average: see [the argument glossary][classification-average].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, ``(L,)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_accuracy
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_accuracy(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2)
        tensor(0.7500)
    """
    counts = _multilabel_counts(
        "multilabel_accuracy",
        preds,
        target,
        num_labels,
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
    return _accuracy_compute(counts, average, "multilabel")


def accuracy(
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
) -> Tensor:
    """Accuracy of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import accuracy
        >>> accuracy(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.7500)
    """
    check_task("accuracy", task)
    if task == "binary":
        return binary_accuracy(preds, target, threshold, multidim_average, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_accuracy(
            preds,
            target,
            num_classes,
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
        )
    return multilabel_accuracy(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
