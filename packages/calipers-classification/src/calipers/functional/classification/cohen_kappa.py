r"""Cohen's kappa (agreement between predictions and targets beyond chance), from the confusion matrix.

.. math:: \kappa = 1 - \frac{\sum_{ij} w_{ij} O_{ij}}{\sum_{ij} w_{ij} E_{ij}}

with ``O`` the confusion matrix, ``E`` the outer product of its marginals divided by the total, and ``w`` the
disagreement weights: ``None``/``"none"`` (0 on the diagonal, 1 elsewhere), ``"linear"`` (``|i - j|``) or
``"quadratic"`` (``(i - j)^2``). Without any sample the value is NaN. Other arguments are described in
[the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.classification._inputs import check_choice, check_task
from calipers.functional.classification.confusion_matrix import (
    _binary_confmat,
    _binary_confusion_matrix_arg_validation,
    _multiclass_confmat,
    _multiclass_confusion_matrix_arg_validation,
)

__all__ = ["binary_cohen_kappa", "cohen_kappa", "multiclass_cohen_kappa"]

Weights = Literal["linear", "quadratic", "none"] | None
WEIGHTS: tuple[str | None, ...] = ("linear", "none", "quadratic", None)


def _check_weights(name: str, weights: Any) -> None:
    """Check ``weights``: ``None``, ``"none"``, ``"linear"`` or ``"quadratic"``."""
    check_choice(name, "weights", weights, WEIGHTS)


def _cohen_kappa_compute(confmat: Tensor, weights: Any = None, dtype: torch.dtype | None = None) -> Tensor:
    """Cohen's kappa from a ``(C, C)`` confusion matrix (see the module docstring)."""
    cm = confmat.to(dtype or torch.get_default_dtype())
    n = cm.shape[0]
    expected = torch.outer(cm.sum(1), cm.sum(0)) / cm.sum()
    idx = torch.arange(n, device=cm.device, dtype=cm.dtype)
    diff = idx.unsqueeze(1) - idx.unsqueeze(0)
    if weights == "linear":
        w = diff.abs()
    elif weights == "quadratic":
        w = diff**2
    else:
        w = (diff != 0).to(cm.dtype)
    return 1 - (w * cm).sum() / (w * expected).sum()


def binary_cohen_kappa(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    weights: Weights = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Cohen's kappa of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        weights: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_cohen_kappa
        >>> binary_cohen_kappa(torch.tensor([0.8, 0.2, 0.6, 0.9]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5000)
    """
    _binary_confusion_matrix_arg_validation("binary_cohen_kappa", threshold, ignore_index)
    _check_weights("binary_cohen_kappa", weights)
    confmat = _binary_confmat("binary_cohen_kappa", preds, target, threshold, ignore_index, validate_args)
    return _cohen_kappa_compute(confmat, weights)


def multiclass_cohen_kappa(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    weights: Weights = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Cohen's kappa of multiclass predictions.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        weights: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_cohen_kappa
        >>> multiclass_cohen_kappa(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3)
        tensor(0.6364)
    """
    _multiclass_confusion_matrix_arg_validation("multiclass_cohen_kappa", num_classes, ignore_index)
    _check_weights("multiclass_cohen_kappa", weights)
    confmat = _multiclass_confmat("multiclass_cohen_kappa", preds, target, num_classes, ignore_index, validate_args)
    return _cohen_kappa_compute(confmat, weights)


def cohen_kappa(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    weights: Weights = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Cohen's kappa of the given ``task`` (``"binary"`` or ``"multiclass"``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import cohen_kappa
        >>> cohen_kappa(torch.tensor([1, 0, 1, 0]), torch.tensor([1, 0, 1, 1]), task="binary")
        tensor(0.5000)
    """
    check_task("cohen_kappa", task, ("binary", "multiclass"))
    if task == "binary":
        return binary_cohen_kappa(preds, target, threshold, weights, ignore_index, validate_args)
    return multiclass_cohen_kappa(preds, target, num_classes, weights, ignore_index, validate_args)  # type: ignore[arg-type]
