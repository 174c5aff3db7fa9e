"""Receiver operating characteristic (ROC) curves: binary, multiclass (one-vs-rest) and multilabel.

The curve is ``(fpr, tpr, thresholds)`` with thresholds descending: the exact curve (``thresholds=None``) starts at
the origin with threshold 1 and has one point per distinct score; a binned curve has one point per threshold.
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from calipers.functional.classification._curve import (
    Thresholds,
    binned_roc,
    compact,
    exact_roc,
    interp,
)
from calipers.functional.classification._curve_tasks import (
    CurveState,
    as_columns,
    binary_update,
    check_args,
    functional_thresholds,
    micro_confmat,
    multiclass_update,
    multilabel_update,
    require_int,
    state_dtype,
    stats_of,
)
from calipers.functional.classification._inputs import check_average, check_task

__all__ = ["binary_roc", "multiclass_roc", "multilabel_roc", "roc"]

Curve = tuple[Tensor, Tensor, Tensor]
Curves = tuple[list[Tensor], list[Tensor], list[Tensor]]


def _roc_arrays(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    micro: bool = False,
    dtype: torch.dtype | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """``(fpr, tpr, thresholds, end)`` per column ``(K, M)``; ``end`` (exact only) marks the compacted points."""
    dtype = dtype or state_dtype(state)
    if isinstance(state, Tensor):
        assert thresholds is not None
        confmat = as_columns(state)
        fpr, tpr, thr = binned_roc(micro_confmat(confmat) if micro else confmat, thresholds, dtype)
        return fpr, tpr, thr.to(dtype).expand_as(fpr), None
    stats = stats_of(state, task, num_classes, ignore_index, micro)
    fpr, tpr, thr = exact_roc(stats, dtype)
    return fpr, tpr, thr, stats[3]


def _roc_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = None,
    dtype: torch.dtype | None = None,
) -> Curve | Curves:
    """The ROC curve(s) of a state, in TorchMetrics' output layout."""
    micro = average == "micro"
    fpr, tpr, thr, end = _roc_arrays(state, thresholds, task, num_classes, ignore_index, micro, dtype)
    if end is None:
        out: Curve | Curves = (fpr[0], tpr[0], thr[0]) if task == "binary" or micro else (fpr, tpr, thr[0])
    else:
        points = compact((fpr, tpr, thr), end, origin=True)
        if task == "binary" or micro:
            out = (points[0][0], points[0][1], points[0][2])
        else:
            out = ([p[0] for p in points], [p[1] for p in points], [p[2] for p in points])
    if average == "macro":
        return _macro_roc(out)
    return out


def _macro_roc(curves: Curve | Curves) -> Curve:
    """TorchMetrics' macro-averaged ROC: every class's fpr as the grid, the mean interpolated tpr on it."""
    fpr, tpr, thr = curves
    all_fpr = torch.cat(list(fpr)) if isinstance(fpr, list) else fpr.flatten()
    all_thr = torch.cat(list(thr)) if isinstance(thr, list) else thr.repeat(len(fpr))
    grid = all_fpr.sort().values
    mean_tpr = torch.stack([interp(grid, f, t) for f, t in zip(fpr, tpr)]).mean(0)
    return grid, mean_tpr, all_thr.sort(descending=True).values


def binary_roc(
    preds: Tensor,
    target: Tensor,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor, Tensor]:
    """ROC curve of binary scores: ``(fpr, tpr, thresholds)``, thresholds descending.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        1-D tensors ``fpr``, ``tpr`` and ``thresholds`` of equal length.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_roc
        >>> fpr, tpr, thresholds = binary_roc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> fpr, tpr
        (tensor([0.0000, 0.0000, 0.5000, 0.5000, 1.0000]), tensor([0.0000, 0.5000, 0.5000, 1.0000, 1.0000]))
    """
    name = "binary_roc"
    check_args(name, thresholds, ignore_index)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return _roc_compute(state, t, "binary")  # type: ignore[return-value]


def multiclass_roc(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    thresholds: Thresholds = None,
    average: Literal["micro", "macro"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Curve | Curves:
    """One-vs-rest ROC curves of multiclass scores.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        thresholds: ``None`` (exact) or the binning.
        average: ``None`` (one curve per class), ``"micro"`` (one curve of every one-vs-rest decision) or
            ``"macro"`` (the mean of the class curves interpolated on all their false positive rates).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        Per class: lists of 1-D tensors (exact) or ``(C, T)`` tensors and the ``(T,)`` thresholds (binned); one curve
        of 1-D tensors with ``average``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_roc
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> fpr, tpr, thr = multiclass_roc(preds, torch.tensor([0, 1, 2, 2]), num_classes=3, thresholds=3)
        >>> tpr
        tensor([[1., 1., 0.],
                [1., 1., 0.],
                [1., 0., 0.]])
    """
    name = "multiclass_roc"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_average(name, average, ("macro", "micro", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return _roc_compute(state, t, "multiclass", num_classes, average=average)


def multilabel_roc(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Curve | Curves:
    """ROC curve of each label of multilabel scores.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        Lists of 1-D tensors (exact) or ``(L, T)`` tensors and the ``(T,)`` thresholds (binned).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_roc
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9]])
        >>> fpr, tpr, thr = multilabel_roc(preds, torch.tensor([[1, 0], [0, 1], [1, 1]]), num_labels=2)
        >>> fpr[0], tpr[0]
        (tensor([0., 0., 0., 1.]), tensor([0.0000, 0.5000, 1.0000, 1.0000]))
    """
    name = "multilabel_roc"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return _roc_compute(state, t, "multilabel", num_labels, ignore_index)


def roc(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    thresholds: Thresholds = None,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Literal["micro", "macro"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Curve | Curves:
    """ROC curve(s) of the given ``task``: :func:`binary_roc`, :func:`multiclass_roc` or :func:`multilabel_roc`.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import roc
        >>> fpr, tpr, thr = roc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), task="binary")
        >>> tpr
        tensor([0.0000, 0.5000, 0.5000, 1.0000, 1.0000])
    """
    check_task("roc", task)
    if task == "binary":
        return binary_roc(preds, target, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_roc(
            preds,
            target,
            require_int("roc", "num_classes", num_classes),
            thresholds,
            average,
            ignore_index,
            validate_args,
        )
    return multilabel_roc(
        preds, target, require_int("roc", "num_labels", num_labels), thresholds, ignore_index, validate_args
    )
