r"""Hamming distance (1 - accuracy), from the stat scores.

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
from calipers.functional.classification.accuracy import _correct, _hits

__all__ = ["binary_hamming_distance", "hamming_distance", "multiclass_hamming_distance", "multilabel_hamming_distance"]


def _hamming_distance_compute(
    counts: Tensor,
    average: Any,
    task: str,
    top_k: int = 1,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Hamming distance of stacked stat scores ``(4, ...)``: 1 - accuracy (per class, multiclass: 1 - tp/(tp + fn))."""
    multilabel = task == "multilabel"
    formula = _correct if multilabel or average == "binary" else _hits
    # TorchMetrics applies the top_k=1 rule of "macro" here whatever top_k is.
    return _scores(formula, counts, average, multilabel, dtype=dtype, complement=True)


def binary_hamming_distance(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Hamming distance (the fraction of wrong labels) of binary predictions.

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
        >>> from calipers.functional.classification import binary_hamming_distance
        >>> binary_hamming_distance(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.4000)
    """
    counts = _binary_counts(
        "binary_hamming_distance", preds, target, threshold, multidim_average, ignore_index, validate_args, 0
    )
    return _hamming_distance_compute(counts, "binary", "binary")


def multiclass_hamming_distance(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Hamming distance (the fraction of wrong labels) of multiclass predictions, per class and averaged by ``average``.

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
        >>> from calipers.functional.classification import multiclass_hamming_distance
        >>> multiclass_hamming_distance(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]), num_classes=3)
        tensor(0.3333)
    """
    counts = _multiclass_counts(
        "multiclass_hamming_distance",
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
    return _hamming_distance_compute(counts, average, "multiclass", top_k=top_k)


def multilabel_hamming_distance(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Hamming distance (the fraction of wrong labels) of multilabel predictions, per label and averaged by ``average``.

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
        >>> from calipers.functional.classification import multilabel_hamming_distance
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_hamming_distance(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(0.3333)
    """
    counts = _multilabel_counts(
        "multilabel_hamming_distance",
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
    return _hamming_distance_compute(counts, average, "multilabel")


def hamming_distance(
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
    """Hamming distance (the fraction of wrong labels) of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import hamming_distance
        >>> hamming_distance(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.2500)
    """
    check_task("hamming_distance", task)
    if task == "binary":
        return binary_hamming_distance(preds, target, threshold, multidim_average, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_hamming_distance(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
        )
    return multilabel_hamming_distance(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
