"""Exact match: the fraction of samples whose every prediction is right (subset accuracy).

Multiclass: a sample ``(M,)`` of labels matches when all ``M`` positions do. Multilabel: a position matches when all
``L`` labels do; ``multidim_average="global"`` pools every position of every sample, ``"samplewise"`` gives each
sample's fraction of matching positions. Positions whose target equals ``ignore_index`` count as matching. Other
arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_same_device
from calipers.functional.classification._inputs import (
    binary_probability_mask,
    check_ignore_index,
    check_multiclass_tensors,
    check_multidim_average,
    check_multilabel_tensors,
    check_num_classes,
    check_num_labels,
    check_task,
    check_threshold,
    multiclass_format,
    safe_divide,
)

__all__ = ["exact_match", "multiclass_exact_match", "multilabel_exact_match"]

MultidimAverage = Literal["global", "samplewise"]


def _multiclass_exact_match_arg_validation(
    name: str, num_classes: Any, multidim_average: Any, ignore_index: Any
) -> None:
    """Check the arguments of a multiclass exact-match metric."""
    check_num_classes(name, num_classes)
    check_multidim_average(name, multidim_average)
    check_ignore_index(name, ignore_index)


def _multilabel_exact_match_arg_validation(
    name: str, num_labels: Any, threshold: Any, multidim_average: Any, ignore_index: Any
) -> None:
    """Check the arguments of a multilabel exact-match metric."""
    check_num_labels(name, num_labels)
    check_threshold(name, threshold)
    check_multidim_average(name, multidim_average)
    check_ignore_index(name, ignore_index)


def _check_same_device(name: str, preds: Any, target: Any) -> None:
    """Two input tensors on different devices raise (naming both) before any check reads a value."""
    if isinstance(preds, Tensor) and isinstance(target, Tensor):
        check_same_device(name, preds, target)


def _multiclass_exact_match_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    multidim_average: str,
    ignore_index: int | None,
    validate_args: bool,
) -> tuple[Tensor, Tensor]:
    """``(correct, total)``: matching samples and samples (global), or a 0/1 per sample and 1 (samplewise)."""
    if validate_args:
        _check_same_device(name, preds, target)
        check_multiclass_tensors(name, preds, target, num_classes, multidim_average, ignore_index)
    # explicit sizes (``multiclass_format`` infers one, which an empty batch cannot give)
    n, m = (target.shape[0], math.prod(target.shape[1:])) if target.ndim else (1, 1)
    p, t = (x.reshape(n, m) for x in multiclass_format(preds, target, 1, False))
    match = p == t
    if ignore_index is not None:
        match |= t == ignore_index
    correct = match.all(1).long()
    if multidim_average == "samplewise":
        return correct, torch.ones(1, dtype=torch.long, device=correct.device)
    return correct.sum(0, keepdim=True), torch.full((1,), correct.shape[0], dtype=torch.long, device=correct.device)


def _multilabel_exact_match_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float,
    multidim_average: str,
    ignore_index: int | None,
    validate_args: bool,
) -> tuple[Tensor, Tensor]:
    """``(correct, total)``: matching positions and positions, pooled (global) or per sample (samplewise)."""
    if validate_args:
        _check_same_device(name, preds, target)
        check_multilabel_tensors(name, preds, target, num_labels, multidim_average, ignore_index)
    shape = (target.shape[0], num_labels, math.prod(target.shape[2:]))  # explicit: an empty batch infers nothing
    p = binary_probability_mask(preds, threshold).reshape(shape)
    t = target.reshape(shape)
    match = p == (t == 1)
    if ignore_index is not None:
        match |= t == ignore_index
    correct = match.all(1).sum(-1)  # (N,): matching positions per sample
    total = torch.full((1,), t.shape[-1], dtype=torch.long, device=correct.device)
    if multidim_average == "samplewise":
        return correct, total
    return correct.sum(0, keepdim=True), total * correct.shape[0]


def _exact_match_compute(correct: Tensor, total: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """``correct / total`` (0 without samples)."""
    return safe_divide(correct, total, dtype=dtype)


def multiclass_exact_match(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Exact match of multiclass predictions over the extra dimensions of each sample.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_exact_match
        >>> preds, target = torch.tensor([[0, 1], [2, 1]]), torch.tensor([[0, 1], [2, 2]])
        >>> multiclass_exact_match(preds, target, num_classes=3)
        tensor(0.5000)
    """
    name = "multiclass_exact_match"
    _multiclass_exact_match_arg_validation(name, num_classes, multidim_average, ignore_index)
    correct, total = _multiclass_exact_match_update(
        name, preds, target, num_classes, multidim_average, ignore_index, validate_args
    )
    value = _exact_match_compute(correct, total)
    return value.reshape(()) if multidim_average == "global" else value


def multilabel_exact_match(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Exact match of multilabel predictions: the fraction of positions with every label right.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, or ``(N,)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_exact_match
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_exact_match(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2)
        tensor(0.5000)
    """
    name = "multilabel_exact_match"
    _multilabel_exact_match_arg_validation(name, num_labels, threshold, multidim_average, ignore_index)
    correct, total = _multilabel_exact_match_update(
        name, preds, target, num_labels, threshold, multidim_average, ignore_index, validate_args
    )
    value = _exact_match_compute(correct, total)
    return value.reshape(()) if multidim_average == "global" else value


def exact_match(
    preds: Tensor,
    target: Tensor,
    task: Literal["multiclass", "multilabel"],
    num_classes: int | None = None,
    num_labels: int | None = None,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Exact match of the given ``task`` (``"multiclass"`` or ``"multilabel"``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import exact_match
        >>> preds, target = torch.tensor([[0, 1], [2, 1]]), torch.tensor([[0, 1], [2, 2]])
        >>> exact_match(preds, target, task="multiclass", num_classes=3)
        tensor(0.5000)
    """
    check_task("exact_match", task, ("multiclass", "multilabel"))
    if task == "multiclass":
        return multiclass_exact_match(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
        )
    return multilabel_exact_match(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        multidim_average,
        ignore_index,
        validate_args,
    )
