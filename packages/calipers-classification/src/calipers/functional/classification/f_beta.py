r"""F-beta and F1 scores, from the stat scores.

.. math:: F_\beta = \frac{(1 + \beta^2) TP}{(1 + \beta^2) TP + \beta^2 FN + FP}

Arguments are described in [the classification argument glossary][classification-arguments]; a zero denominator gives
``zero_division``.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_float
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
    "binary_f1_score",
    "binary_fbeta_score",
    "f1_score",
    "fbeta_score",
    "multiclass_f1_score",
    "multiclass_fbeta_score",
    "multilabel_f1_score",
    "multilabel_fbeta_score",
]


def _check_beta(name: str, beta: Any) -> None:
    """Check that ``beta`` is a positive float (``TypeError`` for a non-number)."""
    check_float(name, "beta", beta, 0, low_open=True)


def _fbeta_compute(
    counts: Tensor,
    average: Any,
    task: str,
    beta: float = 1.0,
    zero_division: float = 0,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """F-beta from the stacked stat scores ``(4, ...)``: (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)."""
    b2 = beta**2

    def formula(tp: Any, fp: Any, tn: Any, fn: Any) -> tuple[Any, Any]:
        return (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp

    return _scores(formula, counts, average, task == "multilabel", 1, zero_division, dtype)


def _f1_compute(counts: Tensor, average: Any, task: str, **kwargs: Any) -> Tensor:
    """F1 from the stat scores (F-beta with beta = 1)."""
    return _fbeta_compute(counts, average, task, beta=1.0, **kwargs)


def binary_fbeta_score(
    preds: Tensor,
    target: Tensor,
    beta: float,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """F-beta score of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        beta: see [the argument glossary][classification-beta].
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].
        zero_division: see [the argument glossary][classification-zero_division].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_fbeta_score
        >>> binary_fbeta_score(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]), beta=2.0)
        tensor(0.6667)
    """
    if validate_args:
        _check_beta("binary_fbeta_score", beta)
    counts = _binary_counts(
        "binary_fbeta_score", preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division
    )
    return _fbeta_compute(counts, "binary", "binary", beta=beta, zero_division=zero_division)


def multiclass_fbeta_score(
    preds: Tensor,
    target: Tensor,
    beta: float,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """F-beta score of multiclass predictions, per class and averaged by ``average``.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        beta: see [the argument glossary][classification-beta].
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
        >>> from calipers.functional.classification import multiclass_fbeta_score
        >>> preds, target = torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2])
        >>> multiclass_fbeta_score(preds, target, beta=2.0, num_classes=3)
        tensor(0.6085)
    """
    if validate_args:
        _check_beta("multiclass_fbeta_score", beta)
    counts = _multiclass_counts(
        "multiclass_fbeta_score",
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
    return _fbeta_compute(counts, average, "multiclass", beta=beta, zero_division=zero_division)


def multilabel_fbeta_score(
    preds: Tensor,
    target: Tensor,
    beta: float,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """F-beta score of multilabel predictions, per label and averaged by ``average``.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        beta: see [the argument glossary][classification-beta].
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
        >>> from calipers.functional.classification import multilabel_fbeta_score
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_fbeta_score(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), beta=2.0, num_labels=2)
        tensor(0.8333)
    """
    if validate_args:
        _check_beta("multilabel_fbeta_score", beta)
    counts = _multilabel_counts(
        "multilabel_fbeta_score",
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
    return _fbeta_compute(counts, average, "multilabel", beta=beta, zero_division=zero_division)


def fbeta_score(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    beta: float = 1.0,
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
    """F-beta score of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import fbeta_score
        >>> fbeta_score(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.7500)
    """
    check_task("fbeta_score", task)
    if task == "binary":
        return binary_fbeta_score(
            preds, target, beta, threshold, multidim_average, ignore_index, validate_args, zero_division
        )
    if task == "multiclass":
        return multiclass_fbeta_score(
            preds,
            target,
            beta,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
            zero_division,
        )
    return multilabel_fbeta_score(
        preds,
        target,
        beta,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
        zero_division,
    )


def binary_f1_score(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
    zero_division: float = 0,
) -> Tensor:
    """F1 score of binary predictions.

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
        >>> from calipers.functional.classification import binary_f1_score
        >>> binary_f1_score(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """
    counts = _binary_counts(
        "binary_f1_score", preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division
    )
    return _f1_compute(counts, "binary", "binary", zero_division=zero_division)


def multiclass_f1_score(
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
    """F1 score of multiclass predictions, per class and averaged by ``average``.

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
        >>> from calipers.functional.classification import multiclass_f1_score
        >>> multiclass_f1_score(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]), num_classes=3)
        tensor(0.6111)
    """
    counts = _multiclass_counts(
        "multiclass_f1_score",
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
    return _f1_compute(counts, average, "multiclass", zero_division=zero_division)


def multilabel_f1_score(
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
    """F1 score of multilabel predictions, per label and averaged by ``average``.

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
        >>> from calipers.functional.classification import multilabel_f1_score
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]])
        >>> multilabel_f1_score(preds, torch.tensor([[1, 0], [0, 1], [0, 0]]), num_labels=2)
        tensor(0.6667)
    """
    counts = _multilabel_counts(
        "multilabel_f1_score",
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
    return _f1_compute(counts, average, "multilabel", zero_division=zero_division)


def f1_score(
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
    """F1 score of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import f1_score
        >>> f1_score(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), task="multiclass", num_classes=3)
        tensor(0.7500)
    """
    check_task("f1_score", task)
    if task == "binary":
        return binary_f1_score(preds, target, threshold, multidim_average, ignore_index, validate_args, zero_division)
    if task == "multiclass":
        return multiclass_f1_score(
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
    return multilabel_f1_score(
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
