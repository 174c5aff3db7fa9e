"""LogAUC: the area under the ROC curve against ``log10(fpr)`` over a false positive rate range, normalised.

``LogAUC = (1 / (log10 b - log10 a)) * integral_{log10 a}^{log10 b} tpr d(log10 fpr)`` for ``fpr_range = (a, b)``,
the curve being interpolated linearly at ``a`` and ``b``; it focuses on the low false positive rates that matter in
screening. A curve of fewer than 2 points scores 0 (with a warning).
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_points import logauc_compute
from calipers.functional.classification._curve_tasks import (
    binary_update,
    check_args,
    functional_thresholds,
    multiclass_update,
    multilabel_update,
    require_int,
)
from calipers.functional.classification._inputs import check_average, check_task

__all__ = ["binary_logauc", "logauc", "multiclass_logauc", "multilabel_logauc"]


def check_fpr_range(name: str, fpr_range: Any) -> None:
    """``fpr_range`` is a tuple ``(a, b)`` of floats with ``0 <= a < b <= 1``."""
    expectation = "a tuple (a, b) of floats with 0 <= a < b <= 1"
    if not isinstance(fpr_range, tuple) or len(fpr_range) != 2:
        raise TypeError(f"{name}: `fpr_range` must be {expectation}, got {fpr_range!r}.")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in fpr_range):
        raise TypeError(f"{name}: `fpr_range` must be {expectation}, got {fpr_range!r}.")
    if not 0 <= fpr_range[0] < fpr_range[1] <= 1:
        raise ValueError(f"{name}: `fpr_range` must be {expectation}, got {fpr_range!r}.")


def binary_logauc(
    preds: Tensor,
    target: Tensor,
    fpr_range: tuple[float, float] = (0.001, 0.1),
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """LogAUC of binary scores.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        fpr_range: the false positive rate range ``(a, b)``, ``0 <= a < b <= 1``.
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        A scalar tensor.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_logauc
        >>> binary_logauc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """
    name = "binary_logauc"
    check_args(name, thresholds, ignore_index)
    check_fpr_range(name, fpr_range)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return logauc_compute(state, t, "binary", fpr_range)


def multiclass_logauc(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    fpr_range: tuple[float, float] = (0.001, 0.1),
    average: Literal["macro", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """LogAUC of each class (one-vs-rest), averaged.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        thresholds: ``None`` (exact) or the binning.
        fpr_range: the false positive rate range ``(a, b)``, ``0 <= a < b <= 1``.
        average: ``"macro"`` (mean over classes, NaN scores left out) or ``"none"``/``None`` (per class).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(C,)``, or a scalar with ``average``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_logauc
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> multiclass_logauc(preds, torch.tensor([0, 1, 2, 0]), num_classes=3)
        tensor(0.5000)
    """
    name = "multiclass_logauc"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_fpr_range(name, fpr_range)
    check_average(name, average, ("macro", "none", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return logauc_compute(state, t, "multiclass", fpr_range, num_classes, average=average)


def multilabel_logauc(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    fpr_range: tuple[float, float] = (0.001, 0.1),
    average: Literal["macro", "none"] | None = "macro",
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """LogAUC of each label of multilabel scores, averaged.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        fpr_range: the false positive rate range ``(a, b)``, ``0 <= a < b <= 1``.
        average: ``"macro"`` (mean over labels, NaN scores left out) or ``"none"``/``None`` (per label).
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        ``(L,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_logauc
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> multilabel_logauc(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), num_labels=2)
        tensor(1.)
    """
    name = "multilabel_logauc"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    check_fpr_range(name, fpr_range)
    check_average(name, average, ("macro", "none", None))
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return logauc_compute(state, t, "multilabel", fpr_range, num_labels, ignore_index, average)


def logauc(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    fpr_range: tuple[float, float] = (0.001, 0.1),
    average: Literal["macro", "none"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """LogAUC of the given ``task`` (see the task-specific twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import logauc
        >>> logauc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), task="binary")
        tensor(0.5000)
    """
    check_task("logauc", task)
    if task == "binary":
        return binary_logauc(preds, target, fpr_range, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        n = require_int("logauc", "num_classes", num_classes)
        return multiclass_logauc(preds, target, n, fpr_range, average, thresholds, ignore_index, validate_args)
    n = require_int("logauc", "num_labels", num_labels)
    return multilabel_logauc(preds, target, n, fpr_range, average, thresholds, ignore_index, validate_args)
