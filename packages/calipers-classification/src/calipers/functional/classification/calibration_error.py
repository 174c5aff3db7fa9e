r"""Calibration error: how far predicted confidences are from observed accuracies, over uniform confidence bins.

The confidences are cut into ``n_bins`` uniform bins ``[k / n_bins, (k + 1) / n_bins)`` (a confidence of exactly 1
falls in a bin of its own, as in TorchMetrics). With :math:`b_i` the fraction of samples in bin :math:`i`,
:math:`a_i` their accuracy and :math:`c_i` their mean confidence (Naeini et al., 2015; Guo et al., 2017):

.. math::
    \text{ECE (l1)} = \sum_i b_i |a_i - c_i| \qquad
    \text{MCE (max)} = \max_i |a_i - c_i| \qquad
    \text{RMSCE (l2)} = \sqrt{\sum_i b_i (a_i - c_i)^2}

Binary: the confidence is the probability of the positive class and the "accuracy" is the 0/1 target. Multiclass
(top-label): the confidence is the highest class probability and the accuracy whether that class is the target.
Logits are recognised per call: binary ``preds`` holding a value outside [0, 1] go through a sigmoid, multiclass
scores through a softmax over the class dimension (positions with ``target == ignore_index`` do not count).

The sufficient statistics are three tensors of ``n_bins + 1`` bins (counts, sums of confidences, sums of
accuracies), summed across batches and processes. With no sample at all the value is NaN.
Other arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_int, check_same_device, check_tensor
from calipers.functional.classification._inputs import (
    check_binary_tensors,
    check_choice,
    check_ignore_index,
    check_multiclass_tensors,
    check_num_classes,
    check_task,
    count_bins,
)
from calipers.functional.classification._probabilities import probabilities, top_label

__all__ = ["binary_calibration_error", "calibration_error", "multiclass_calibration_error"]

Norm = Literal["l1", "l2", "max"]
_NORMS = ("l1", "l2", "max")


def _calibration_error_arg_validation(name: str, n_bins: Any, norm: Any, ignore_index: Any) -> None:
    """Check ``n_bins`` (an int >= 1), ``norm`` and ``ignore_index``."""
    check_int(name, "n_bins", n_bins, 1)
    check_choice(name, "norm", norm, _NORMS)
    check_ignore_index(name, ignore_index)


def _calibration_error_tensor_validation(
    name: str, preds: Any, target: Any, num_classes: int | None, ignore_index: int | None
) -> None:
    """Binary (``num_classes=None``): same shapes; multiclass: ``(N, C, ...)`` scores and ``(N, ...)`` labels.

    Types and devices first (no host sync), then the values (NaN in ``preds`` raises).
    """
    check_tensor(name, "preds", preds, "floating")
    check_tensor(name, "target", target, "any")
    check_same_device(name, preds, target)
    if num_classes is None:
        check_binary_tensors(name, preds, target, ignore_index=ignore_index)
        return
    if preds.ndim != target.ndim + 1:
        raise ValueError(
            f"{name}: `preds` must have shape (N, C, ...) for `target` of shape (N, ...), "
            f"got {tuple(preds.shape)} and {tuple(target.shape)}."
        )
    check_multiclass_tensors(name, preds, target, num_classes, ignore_index=ignore_index)


def _work_dtype(preds: Tensor) -> torch.dtype:
    return preds.dtype if preds.dtype in (torch.float32, torch.float64) else torch.float32


def _calibration_error_format(
    preds: Tensor, target: Tensor, multiclass: bool, ignore_index: int | None
) -> tuple[Tensor, Tensor, Tensor | None]:
    """``(confidences, accuracies, valid)`` as flat tensors; logits normalised (see the module docstring)."""
    dtype = _work_dtype(preds)
    if multiclass:
        scores = preds.movedim(1, -1).reshape(-1, preds.shape[1]).to(dtype)
        target = target.reshape(-1)
        valid = None if ignore_index is None else target != ignore_index
        confidences, labels = top_label(scores, valid)
        return confidences, (labels == target).to(dtype), valid
    probs = preds.reshape(-1).to(dtype)
    target = target.reshape(-1)
    valid = None if ignore_index is None else target != ignore_index
    return probabilities(probs, valid), (target == 1).to(dtype), valid


def _calibration_error_update(
    confidences: Tensor, accuracies: Tensor, valid: Tensor | None, n_bins: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-bin ``(counts, confidence sums, accuracy sums)``, each ``(n_bins + 1,)``; no host synchronisation."""
    boundaries = torch.linspace(0, 1, n_bins + 1, dtype=confidences.dtype, device=confidences.device)
    index = torch.bucketize(confidences, boundaries, right=True) - 1
    index = index.clamp(0, n_bins)  # NaN confidences land in the last bin and make the value NaN
    if valid is not None:  # ignored positions go to a discard bin (their values may be anything, even NaN)
        index = torch.where(valid, index, n_bins + 1)
    zeros = torch.zeros(n_bins + 2, dtype=confidences.dtype, device=confidences.device)
    conf_sums = zeros.scatter_add(0, index, confidences)[: n_bins + 1]
    acc_sums = zeros.scatter_add(0, index, accuracies)[: n_bins + 1]
    return count_bins(index, n_bins + 1), conf_sums, acc_sums


def _calibration_error_compute(counts: Tensor, conf_sums: Tensor, acc_sums: Tensor, norm: str) -> Tensor:
    """The calibration error of the binned statistics (NaN when no sample was seen)."""
    dtype = conf_sums.dtype
    n = counts.to(dtype)
    safe = torch.where(counts > 0, n, 1)
    gap = (acc_sums - conf_sums) / safe
    total = n.sum()
    prop = n / torch.where(total > 0, total, 1)
    if norm == "l1":
        value = (gap.abs() * prop).sum()
    elif norm == "l2":
        value = (gap.square() * prop).sum().sqrt()
    else:
        value = gap.abs().max()
    return torch.where(total > 0, value, torch.full_like(value, float("nan")))


def binary_calibration_error(
    preds: Tensor,
    target: Tensor,
    n_bins: int = 15,
    norm: Norm = "l1",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Calibration error of the positive-class probabilities of a binary task.

    Args:
        preds: ``(N, ...)`` probabilities or logits of the positive class.
        target: ``(N, ...)`` 0/1 labels.
        n_bins: the number of uniform confidence bins (an int >= 1).
        norm: ``"l1"`` (expected calibration error), ``"l2"`` (root mean square) or ``"max"`` (maximum).
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar (NaN without any sample).

    Raises:
        ValueError: for a bad ``n_bins`` or ``norm`` value, or bad shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_calibration_error
        >>> preds = torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75])
        >>> binary_calibration_error(preds, torch.tensor([0, 0, 1, 1, 1]), n_bins=2)
        tensor(0.2900)
    """
    name = "binary_calibration_error"
    _calibration_error_arg_validation(name, n_bins, norm, ignore_index)
    if validate_args:
        _calibration_error_tensor_validation(name, preds, target, None, ignore_index)
    stats = _calibration_error_update(*_calibration_error_format(preds, target, False, ignore_index), n_bins)
    return _calibration_error_compute(*stats, norm)


def multiclass_calibration_error(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    n_bins: int = 15,
    norm: Norm = "l1",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Top-label calibration error of a multiclass task.

    Args:
        preds: ``(N, C, ...)`` probabilities or logits.
        target: ``(N, ...)`` labels.
        num_classes: the number of classes ``C``.
        n_bins: see :func:`binary_calibration_error`.
        norm: see :func:`binary_calibration_error`.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar (NaN without any sample).

    Raises:
        ValueError: for bad argument values, shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_calibration_error
        >>> preds = torch.tensor([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
        >>> multiclass_calibration_error(preds, torch.tensor([0, 1, 2, 0]), num_classes=3, n_bins=3)
        tensor(0.2000)
    """
    name = "multiclass_calibration_error"
    check_num_classes(name, num_classes)
    _calibration_error_arg_validation(name, n_bins, norm, ignore_index)
    if validate_args:
        _calibration_error_tensor_validation(name, preds, target, num_classes, ignore_index)
    stats = _calibration_error_update(*_calibration_error_format(preds, target, True, ignore_index), n_bins)
    return _calibration_error_compute(*stats, norm)


def calibration_error(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass"],
    n_bins: int = 15,
    norm: Norm = "l1",
    num_classes: int | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Calibration error of the given ``task`` (dispatches to the binary or multiclass function).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import calibration_error
        >>> preds = torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75])
        >>> calibration_error(preds, torch.tensor([0, 0, 1, 1, 1]), task="binary", n_bins=2, norm="max")
        tensor(0.3167)
    """
    check_task("calibration_error", task, ("binary", "multiclass"))
    if task == "binary":
        return binary_calibration_error(preds, target, n_bins, norm, ignore_index, validate_args)
    check_num_classes("calibration_error", num_classes)
    return multiclass_calibration_error(
        preds,
        target,
        num_classes,  # type: ignore[arg-type]
        n_bins,
        norm,
        ignore_index,
        validate_args,
    )
