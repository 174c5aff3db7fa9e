r"""Matthews correlation coefficient, from the confusion matrix.

.. math:: \text{MCC} = \frac{c\,s - \sum_k t_k p_k}{\sqrt{(s^2 - \sum_k p_k^2)(s^2 - \sum_k t_k^2)}}

with ``c`` the trace, ``s`` the total, ``t_k``/``p_k`` the target/prediction counts of class ``k``. Multilabel inputs
are pooled into one binary matrix. Degenerate binary matrices follow TorchMetrics 1.x: only correct predictions
give 1, only wrong ones -1, and a zero denominator with one empty margin is resolved with a small ``eps`` (so that e.g.
all-negative targets predicted all negative give 1 rather than 0); otherwise a zero denominator gives 0. Other
arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from calipers.functional.classification._inputs import check_task
from calipers.functional.classification.confusion_matrix import (
    _binary_confmat,
    _binary_confusion_matrix_arg_validation,
    _multiclass_confmat,
    _multiclass_confusion_matrix_arg_validation,
    _multilabel_confmat,
    _multilabel_confusion_matrix_arg_validation,
)

__all__ = [
    "binary_matthews_corrcoef",
    "matthews_corrcoef",
    "multiclass_matthews_corrcoef",
    "multilabel_matthews_corrcoef",
]

_SQRT_EPS = math.sqrt(torch.finfo(torch.float32).eps)


def _binary_degenerate(tn: float, fp: float, fn: float, tp: float) -> float | None:
    """TorchMetrics' value for a binary matrix with a zero denominator, or ``None`` to use the formula."""
    eps = torch.finfo(torch.float32).eps
    if fn == 0 and tn == 0:
        num = _SQRT_EPS * (tp - fp)
    elif fp == 0 and tn == 0:
        num = _SQRT_EPS * (tp - fn)
    elif tp == 0 and fn == 0:
        num = _SQRT_EPS * (tn - fp)
    elif tp == 0 and fp == 0:
        num = _SQRT_EPS * (tn - fn)
    elif tp == 0:
        num = tn - fp * fn
    elif tn == 0:
        num = tp - fp * fn
    elif fp == 0 or fn == 0:
        num = tp * tn
    else:
        return 0.0
    denom = (tp + fp + eps) * (tp + fn + eps) * (tn + fp + eps) * (tn + fn + eps)
    return num / math.sqrt(denom)


def _matthews_corrcoef_compute(confmat: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """MCC from a ``(2, 2)``, ``(C, C)`` or ``(L, 2, 2)`` (pooled) confusion matrix."""
    dtype = dtype or torch.get_default_dtype()
    cm = (confmat.sum(0) if confmat.ndim == 3 else confmat).to(torch.float64)
    if cm.numel() == 4:
        tn, fp, fn, tp = cm.reshape(-1).tolist()
        if tp + tn != 0 and fp + fn == 0:
            return torch.tensor(1.0, dtype=dtype, device=cm.device)
        if tp + tn == 0 and fp + fn != 0:
            return torch.tensor(-1.0, dtype=dtype, device=cm.device)
    tk, pk = cm.sum(-1), cm.sum(-2)
    c, s = cm.trace(), cm.sum()
    num = c * s - (tk * pk).sum()
    denom = (s**2 - (pk * pk).sum()) * (s**2 - (tk * tk).sum())
    if float(denom) == 0:
        value = _binary_degenerate(tn, fp, fn, tp) if cm.numel() == 4 else 0.0
        return torch.tensor(value, dtype=dtype, device=cm.device)
    return (num / denom.sqrt()).to(dtype)


def binary_matthews_corrcoef(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Matthews correlation coefficient of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar in [-1, 1].

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_matthews_corrcoef
        >>> binary_matthews_corrcoef(torch.tensor([0.8, 0.2, 0.6, 0.9]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5774)
    """
    _binary_confusion_matrix_arg_validation("binary_matthews_corrcoef", threshold, ignore_index)
    confmat = _binary_confmat("binary_matthews_corrcoef", preds, target, threshold, ignore_index, validate_args)
    return _matthews_corrcoef_compute(confmat)


def multiclass_matthews_corrcoef(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Matthews correlation coefficient of multiclass predictions.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar in [-1, 1].

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_matthews_corrcoef
        >>> multiclass_matthews_corrcoef(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3)
        tensor(0.7000)
    """
    name = "multiclass_matthews_corrcoef"
    _multiclass_confusion_matrix_arg_validation(name, num_classes, ignore_index)
    confmat = _multiclass_confmat(name, preds, target, num_classes, ignore_index, validate_args)
    return _matthews_corrcoef_compute(confmat)


def multilabel_matthews_corrcoef(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Matthews correlation coefficient of multilabel predictions (every label pooled).

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar in [-1, 1].

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_matthews_corrcoef
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_matthews_corrcoef(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2)
        tensor(0.5774)
    """
    name = "multilabel_matthews_corrcoef"
    _multilabel_confusion_matrix_arg_validation(name, num_labels, threshold, ignore_index)
    confmat = _multilabel_confmat(name, preds, target, num_labels, threshold, ignore_index, validate_args)
    return _matthews_corrcoef_compute(confmat)


def matthews_corrcoef(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Matthews correlation coefficient of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import matthews_corrcoef
        >>> matthews_corrcoef(torch.tensor([1, 0, 1, 0]), torch.tensor([1, 0, 1, 1]), task="binary")
        tensor(0.5774)
    """
    check_task("matthews_corrcoef", task)
    if task == "binary":
        return binary_matthews_corrcoef(preds, target, threshold, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_matthews_corrcoef(preds, target, num_classes, ignore_index, validate_args)  # type: ignore[arg-type]
    return multilabel_matthews_corrcoef(preds, target, num_labels, threshold, ignore_index, validate_args)  # type: ignore[arg-type]
