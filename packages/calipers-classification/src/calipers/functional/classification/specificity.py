r"""Specificity (true negative rate), from the stat scores.

.. math:: \text{Specificity} = \frac{TN}{TN + FP}

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

__all__ = ["binary_specificity", "multiclass_specificity", "multilabel_specificity", "specificity"]


def _specificity_compute(
    counts: Tensor,
    average: Any,
    task: str,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Specificity from the stacked stat scores ``(4, ...)``: tn / (tn + fp)."""
    return _scores(_specificity, counts, average, task == "multilabel", dtype=dtype)


def _specificity(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tn, tn + fp


def binary_specificity(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Specificity (tn / (tn + fp)) of binary predictions.

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
        >>> from calipers.functional.classification import binary_specificity
        >>> binary_specificity(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.5000)
    """
    counts = _binary_counts(
        "binary_specificity", preds, target, threshold, multidim_average, ignore_index, validate_args, 0
    )
    return _specificity_compute(counts, "binary", "binary")


def multiclass_specificity(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Specificity (tn / (tn + fp)) of multiclass predictions, per class and averaged by ``average``.

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
        >>> from calipers.functional.classification import multiclass_specificity
        >>> multiclass_specificity(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]), num_classes=3)
        tensor(0.8333)
    """
    counts = _multiclass_counts(
        "multiclass_specificity",
        preds,
        target,
        num_classes,
        top_k,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        0,
    )
    return _specificity_compute(counts, average, "multiclass")


def multilabel_specificity(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Specificity (tn / (tn + fp)) of multilabel predictions, per label and averaged by ``average``.

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
        >>> from calipers.functional.classification import multilabel_specificity
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_specificity(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(0.5000)
    """
    counts = _multilabel_counts(
        "multilabel_specificity",
        preds,
        target,
        num_labels,
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        0,
    )
    return _specificity_compute(counts, average, "multilabel")


def specificity(
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
    """Specificity (tn / (tn + fp)) of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import specificity
        >>> specificity(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.8750)
    """
    check_task("specificity", task)
    if task == "binary":
        return binary_specificity(preds, target, threshold, multidim_average, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_specificity(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
        )
    return multilabel_specificity(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
