"""Sensitivity at a fixed minimum specificity, and specificity at a fixed minimum sensitivity.

Both are read off the ROC curve (specificity = 1 - fpr, sensitivity = tpr): the highest value among its points
whose other coordinate is at least the given minimum (the first such point in the curve's order of descending
thresholds), with its threshold; ``(0, 1e6)`` when no point qualifies (TorchMetrics' convention).
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor

from calipers.functional.classification._curve import Thresholds, check_probability
from calipers.functional.classification._curve_points import at_fixed_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_task

__all__ = [
    "binary_sensitivity_at_specificity",
    "binary_specificity_at_sensitivity",
    "multiclass_sensitivity_at_specificity",
    "multiclass_specificity_at_sensitivity",
    "multilabel_sensitivity_at_specificity",
    "multilabel_specificity_at_sensitivity",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
]


def binary_sensitivity_at_specificity(
    preds: Tensor,
    target: Tensor,
    min_specificity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest sensitivity of binary scores with specificity at least ``min_specificity``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        min_specificity: the minimum specificity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(sensitivity, threshold)``, two scalars.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_sensitivity_at_specificity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> binary_sensitivity_at_specificity(preds, target, min_specificity=0.5)
        (tensor(1.), tensor(0.3500))
    """
    name = "binary_sensitivity_at_specificity"
    check_args(name, thresholds, ignore_index)
    check_probability(name, "min_specificity", min_specificity)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return at_fixed_compute("sensitivity@specificity", state, t, "binary", min_specificity)


def multiclass_sensitivity_at_specificity(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    min_specificity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest sensitivity of each class (one-vs-rest) with specificity at least ``min_specificity``, and its threshold.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        min_specificity: the minimum specificity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(sensitivity, thresholds)``, each ``(C,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_sensitivity_at_specificity
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> multiclass_sensitivity_at_specificity(preds, target, num_classes=3, min_specificity=0.5)
        (tensor([0.5000, 1.0000, 1.0000]), tensor([0.7000, 0.6000, 0.4000]))
    """
    name = "multiclass_sensitivity_at_specificity"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_probability(name, "min_specificity", min_specificity)
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return at_fixed_compute("sensitivity@specificity", state, t, "multiclass", min_specificity, num_classes)


def multilabel_sensitivity_at_specificity(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    min_specificity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest sensitivity of each label with specificity at least ``min_specificity``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        min_specificity: the minimum specificity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(sensitivity, thresholds)``, each ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_sensitivity_at_specificity
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> multilabel_sensitivity_at_specificity(preds, target, num_labels=2, min_specificity=0.5)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """
    name = "multilabel_sensitivity_at_specificity"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_probability(name, "min_specificity", min_specificity)
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return at_fixed_compute(
        "sensitivity@specificity", state, t, "multilabel", min_specificity, num_labels, ignore_index
    )


def sensitivity_at_specificity(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    min_specificity: float,
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Sensitivity at a minimum specificity for the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import sensitivity_at_specificity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> sensitivity_at_specificity(preds, target, task="binary", min_specificity=0.5)
        (tensor(1.), tensor(0.3500))
    """
    check_task("sensitivity_at_specificity", task)
    if task == "binary":
        return binary_sensitivity_at_specificity(
            preds, target, min_specificity, thresholds, ignore_index, validate_args
        )
    if task == "multiclass":
        n = require_int("sensitivity_at_specificity", "num_classes", num_classes)
        return multiclass_sensitivity_at_specificity(
            preds, target, n, min_specificity, thresholds, ignore_index, validate_args
        )
    n = require_int("sensitivity_at_specificity", "num_labels", num_labels)
    return multilabel_sensitivity_at_specificity(
        preds, target, n, min_specificity, thresholds, ignore_index, validate_args
    )


def binary_specificity_at_sensitivity(
    preds: Tensor,
    target: Tensor,
    min_sensitivity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest specificity of binary scores with sensitivity at least ``min_sensitivity``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        min_sensitivity: the minimum sensitivity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(specificity, threshold)``, two scalars.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_specificity_at_sensitivity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> binary_specificity_at_sensitivity(preds, target, min_sensitivity=0.5)
        (tensor(1.), tensor(0.8000))
    """
    name = "binary_specificity_at_sensitivity"
    check_args(name, thresholds, ignore_index)
    check_probability(name, "min_sensitivity", min_sensitivity)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return at_fixed_compute("specificity@sensitivity", state, t, "binary", min_sensitivity)


def multiclass_specificity_at_sensitivity(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    min_sensitivity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest specificity of each class (one-vs-rest) with sensitivity at least ``min_sensitivity``, and its threshold.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        min_sensitivity: the minimum sensitivity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(specificity, thresholds)``, each ``(C,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_specificity_at_sensitivity
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> multiclass_specificity_at_sensitivity(preds, target, num_classes=3, min_sensitivity=0.5)
        (tensor([1.0000, 1.0000, 0.6667]), tensor([0.7000, 0.6000, 0.4000]))
    """
    name = "multiclass_specificity_at_sensitivity"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_probability(name, "min_sensitivity", min_sensitivity)
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return at_fixed_compute("specificity@sensitivity", state, t, "multiclass", min_sensitivity, num_classes)


def multilabel_specificity_at_sensitivity(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    min_sensitivity: float,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Highest specificity of each label with sensitivity at least ``min_sensitivity``, and its threshold.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        min_sensitivity: the minimum sensitivity, a float in [0, 1].
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(specificity, thresholds)``, each ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_specificity_at_sensitivity
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> multilabel_specificity_at_sensitivity(preds, target, num_labels=2, min_sensitivity=0.5)
        (tensor([1., 1.]), tensor([0.8000, 0.9000]))
    """
    name = "multilabel_specificity_at_sensitivity"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_probability(name, "min_sensitivity", min_sensitivity)
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return at_fixed_compute(
        "specificity@sensitivity", state, t, "multilabel", min_sensitivity, num_labels, ignore_index
    )


def specificity_at_sensitivity(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    min_sensitivity: float,
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor]:
    """Specificity at a minimum sensitivity for the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import specificity_at_sensitivity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> specificity_at_sensitivity(preds, target, task="binary", min_sensitivity=0.5)
        (tensor(1.), tensor(0.8000))
    """
    check_task("specificity_at_sensitivity", task)
    if task == "binary":
        return binary_specificity_at_sensitivity(
            preds, target, min_sensitivity, thresholds, ignore_index, validate_args
        )
    if task == "multiclass":
        n = require_int("specificity_at_sensitivity", "num_classes", num_classes)
        return multiclass_specificity_at_sensitivity(
            preds, target, n, min_sensitivity, thresholds, ignore_index, validate_args
        )
    n = require_int("specificity_at_sensitivity", "num_labels", num_labels)
    return multilabel_specificity_at_sensitivity(
        preds, target, n, min_sensitivity, thresholds, ignore_index, validate_args
    )
