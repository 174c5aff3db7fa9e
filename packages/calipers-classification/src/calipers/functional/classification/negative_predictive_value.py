r"""Negative predictive value, from the stat scores.

.. math:: \text{NPV} = \frac{TN}{TN + FN}

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
    "binary_negative_predictive_value",
    "multiclass_negative_predictive_value",
    "multilabel_negative_predictive_value",
    "negative_predictive_value",
]


def _negative_predictive_value_compute(
    counts: Tensor,
    average: Any,
    task: str,
    top_k: int = 1,
    zero_division: float = 0,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Negative predictive value from the stacked stat scores ``(4, ...)``: tn / (tn + fn)."""
    return _scores(_npv, counts, average, task == "multilabel", top_k, zero_division, dtype)


def _npv(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
    return tn, tn + fn


def binary_negative_predictive_value(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """Negative predictive value (tn / (tn + fn)) of binary predictions.

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
        >>> from calipers.functional.classification import binary_negative_predictive_value
        >>> binary_negative_predictive_value(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.5000)
    """
    counts = _binary_counts(
        "binary_negative_predictive_value",
        preds,
        target,
        threshold,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )
    return _negative_predictive_value_compute(counts, "binary", "binary", zero_division=zero_division)


def multiclass_negative_predictive_value(
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
    """Negative predictive value (tn / (tn + fn)) of multiclass predictions, per class and averaged by ``average``.

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
        >>> from calipers.functional.classification import multiclass_negative_predictive_value
        >>> preds, target = torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2])
        >>> multiclass_negative_predictive_value(preds, target, num_classes=3)
        tensor(0.8333)
    """
    counts = _multiclass_counts(
        "multiclass_negative_predictive_value",
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
    return _negative_predictive_value_compute(counts, average, "multiclass", top_k=top_k, zero_division=zero_division)


def multilabel_negative_predictive_value(
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
    """Negative predictive value (tn / (tn + fn)) of multilabel predictions, per label and averaged by ``average``.

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
        >>> from calipers.functional.classification import multilabel_negative_predictive_value
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_negative_predictive_value(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(1.)
    """
    counts = _multilabel_counts(
        "multilabel_negative_predictive_value",
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
    return _negative_predictive_value_compute(counts, average, "multilabel", zero_division=zero_division)


def negative_predictive_value(
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
    """Negative predictive value (tn / (tn + fn)) of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import negative_predictive_value
        >>> preds, target = torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0])
        >>> negative_predictive_value(preds, target, task="multiclass", num_classes=3)
        tensor(0.8750)
    """
    check_task("negative_predictive_value", task)
    if task == "binary":
        return binary_negative_predictive_value(
            preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division
        )
    if task == "multiclass":
        return multiclass_negative_predictive_value(
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
    return multilabel_negative_predictive_value(
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
