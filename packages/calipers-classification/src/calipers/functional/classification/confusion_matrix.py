"""Confusion matrices: the sufficient statistics of Jaccard index, Cohen's kappa and Matthews' correlation.

Rows are targets, columns predictions: ``(2, 2)`` ``[[tn, fp], [fn, tp]]`` (binary), ``(C, C)`` (multiclass) or
``(L, 2, 2)`` (multilabel). Each is counted with one ``bincount``; positions whose target equals ``ignore_index`` are
left out. ``normalize``: ``None``/``"none"`` (counts), ``"true"`` (rows sum to 1), ``"pred"`` (columns sum to 1) or
``"all"`` (the matrix sums to 1); a row or column without samples normalises to zeros. Other arguments are described
in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_same_device
from calipers.functional.classification._inputs import (
    binary_format,
    check_binary_tensors,
    check_choice,
    check_ignore_index,
    check_multiclass_tensors,
    check_multilabel_tensors,
    check_num_classes,
    check_num_labels,
    check_task,
    check_threshold,
    count_bins,
    multiclass_format,
    multilabel_format,
)

__all__ = ["binary_confusion_matrix", "confusion_matrix", "multiclass_confusion_matrix", "multilabel_confusion_matrix"]

Normalize = Literal["true", "pred", "all", "none"] | None
NORMALIZE: tuple[str | None, ...] = ("all", "none", "pred", "true", None)


def _check_normalize(name: str, normalize: Any) -> None:
    check_choice(name, "normalize", normalize, NORMALIZE)


def _binary_confusion_matrix_arg_validation(
    name: str, threshold: Any, ignore_index: Any, normalize: Any = None
) -> None:
    """Check the arguments of a binary confusion-matrix metric."""
    check_threshold(name, threshold)
    check_ignore_index(name, ignore_index)
    _check_normalize(name, normalize)


def _multiclass_confusion_matrix_arg_validation(
    name: str, num_classes: Any, ignore_index: Any, normalize: Any = None
) -> None:
    """Check the arguments of a multiclass confusion-matrix metric."""
    check_num_classes(name, num_classes)
    check_ignore_index(name, ignore_index)
    _check_normalize(name, normalize)


def _multilabel_confusion_matrix_arg_validation(
    name: str, num_labels: Any, threshold: Any, ignore_index: Any, normalize: Any = None
) -> None:
    """Check the arguments of a multilabel confusion-matrix metric."""
    check_num_labels(name, num_labels)
    check_threshold(name, threshold)
    check_ignore_index(name, ignore_index)
    _check_normalize(name, normalize)


def _binary_confusion_matrix_update(preds: Tensor, target: Tensor, valid: Tensor | None) -> Tensor:
    """``(2, 2)`` counts of formatted 0/1 inputs."""
    code = 2 * target + preds
    if valid is not None:
        code = torch.where(valid, code, 4)
    return count_bins(code, 4).reshape(2, 2)


def _multiclass_confusion_matrix_update(
    preds: Tensor, target: Tensor, num_classes: int, ignore_index: int | None
) -> Tensor:
    """``(C, C)`` counts of formatted labels."""
    code = target * num_classes + preds
    if ignore_index is not None:
        code = torch.where(target != ignore_index, code, num_classes * num_classes)
    return count_bins(code, num_classes * num_classes).reshape(num_classes, num_classes)


def _multilabel_confusion_matrix_update(preds: Tensor, target: Tensor, valid: Tensor | None) -> Tensor:
    """``(L, 2, 2)`` counts of formatted ``(1, L, M)`` 0/1 inputs."""
    num_labels = target.shape[1]
    code = (2 * target + preds) * num_labels + torch.arange(num_labels, device=target.device).reshape(1, -1, 1)
    if valid is not None:
        code = torch.where(valid, code, 4 * num_labels)
    return count_bins(code, 4 * num_labels).reshape(4, num_labels).T.reshape(num_labels, 2, 2)


def _check_same_device(name: str, preds: Any, target: Any) -> None:
    """Two input tensors on different devices raise (naming both) before any check reads a value."""
    if isinstance(preds, Tensor) and isinstance(target, Tensor):
        check_same_device(name, preds, target)


def _binary_confmat(
    name: str, preds: Tensor, target: Tensor, threshold: float, ignore_index: int | None, validate_args: bool
) -> Tensor:
    """Validate the tensors, format and count one batch of binary inputs."""
    if validate_args:
        _check_same_device(name, preds, target)
        check_binary_tensors(name, preds, target, "global", ignore_index)
    p, t, valid = binary_format(preds, target, threshold, ignore_index, False)
    return _binary_confusion_matrix_update(p, t, valid)


def _multiclass_confmat(
    name: str, preds: Tensor, target: Tensor, num_classes: int, ignore_index: int | None, validate_args: bool
) -> Tensor:
    """Validate the tensors, format and count one batch of multiclass inputs."""
    if validate_args:
        _check_same_device(name, preds, target)
        check_multiclass_tensors(name, preds, target, num_classes, "global", ignore_index)
    p, t = multiclass_format(preds, target, 1, False)
    return _multiclass_confusion_matrix_update(p, t, num_classes, ignore_index)


def _multilabel_confmat(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float,
    ignore_index: int | None,
    validate_args: bool,
) -> Tensor:
    """Validate the tensors, format and count one batch of multilabel inputs."""
    if validate_args:
        _check_same_device(name, preds, target)
        check_multilabel_tensors(name, preds, target, num_labels, "global", ignore_index)
    p, t, valid = multilabel_format(preds, target, num_labels, threshold, ignore_index, False)
    return _multilabel_confusion_matrix_update(p, t, valid)


def _confusion_matrix_compute(confmat: Tensor, normalize: Any = None, dtype: torch.dtype | None = None) -> Tensor:
    """Normalise the counts (see the module docstring); ``None``/``"none"`` returns them unchanged."""
    if normalize is None or normalize == "none":
        return confmat
    confmat = confmat.to(dtype or torch.get_default_dtype())
    dims = {"true": (-1,), "pred": (-2,), "all": (-2, -1)}[normalize]
    total = confmat.sum(dim=dims, keepdim=True)
    return torch.where(total == 0, torch.zeros_like(confmat), confmat / torch.where(total == 0, 1, total))


def binary_confusion_matrix(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    normalize: Normalize = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``(2, 2)`` confusion matrix ``[[tn, fp], [fn, tp]]`` of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        normalize: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        Integer counts, or floats when normalised.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_confusion_matrix
        >>> binary_confusion_matrix(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor([[1, 1],
                [1, 1]])
    """
    _binary_confusion_matrix_arg_validation("binary_confusion_matrix", threshold, ignore_index, normalize)
    confmat = _binary_confmat("binary_confusion_matrix", preds, target, threshold, ignore_index, validate_args)
    return _confusion_matrix_compute(confmat, normalize)


def multiclass_confusion_matrix(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    normalize: Normalize = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``(C, C)`` confusion matrix of multiclass predictions (rows: targets, columns: predictions).

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        normalize: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        Integer counts, or floats when normalised.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_confusion_matrix
        >>> multiclass_confusion_matrix(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3)
        tensor([[1, 1, 0],
                [0, 1, 0],
                [0, 0, 1]])
    """
    _multiclass_confusion_matrix_arg_validation("multiclass_confusion_matrix", num_classes, ignore_index, normalize)
    confmat = _multiclass_confmat(
        "multiclass_confusion_matrix", preds, target, num_classes, ignore_index, validate_args
    )
    return _confusion_matrix_compute(confmat, normalize)


def multilabel_confusion_matrix(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    normalize: Normalize = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``(L, 2, 2)`` confusion matrices, one ``[[tn, fp], [fn, tp]]`` per label.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        normalize: see the module docstring.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        Integer counts, or floats when normalised.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_confusion_matrix
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_confusion_matrix(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2)
        tensor([[[0, 1],
                 [0, 1]],
        <BLANKLINE>
                [[1, 0],
                 [0, 1]]])
    """
    _multilabel_confusion_matrix_arg_validation(
        "multilabel_confusion_matrix", num_labels, threshold, ignore_index, normalize
    )
    confmat = _multilabel_confmat(
        "multilabel_confusion_matrix", preds, target, num_labels, threshold, ignore_index, validate_args
    )
    return _confusion_matrix_compute(confmat, normalize)


def confusion_matrix(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    normalize: Normalize = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Confusion matrix of the given ``task`` (dispatches on ``task``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import confusion_matrix
        >>> confusion_matrix(torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]), task="binary")
        tensor([[0, 0],
                [1, 2]])
    """
    check_task("confusion_matrix", task)
    if task == "binary":
        return binary_confusion_matrix(preds, target, threshold, normalize, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_confusion_matrix(preds, target, num_classes, normalize, ignore_index, validate_args)  # type: ignore[arg-type]
    return multilabel_confusion_matrix(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        normalize,
        ignore_index,
        validate_args,
    )
