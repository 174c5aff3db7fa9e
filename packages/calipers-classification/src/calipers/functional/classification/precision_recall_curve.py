"""Precision-recall curves: binary, multiclass (one-vs-rest) and multilabel.

The curve is ``(precision, recall, thresholds)`` with thresholds ascending and the point (precision 1, recall 0)
appended after the last threshold: the exact curve (``thresholds=None``) has one point per distinct score; a binned
curve one point per threshold (a precision or recall with a zero denominator is NaN there).
Arguments: see :mod:`calipers.functional.classification._curve`.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from calipers.functional.classification._curve import (
    Thresholds,
    binned_pr,
    compact,
    exact_pr,
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

__all__ = [
    "binary_precision_recall_curve",
    "multiclass_precision_recall_curve",
    "multilabel_precision_recall_curve",
    "precision_recall_curve",
]

Curve = tuple[Tensor, Tensor, Tensor]
Curves = tuple[list[Tensor], list[Tensor], list[Tensor]]


def _pr_arrays(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    micro: bool = False,
    dtype: torch.dtype | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """``(precision, recall, thresholds, end)`` per column ``(K, M)``.

    Binned: ascending thresholds, ``M = T + 1`` with (1, 0) appended, ``end`` ``None``. Exact: descending thresholds,
    one point per sorted position (repeated within tie groups), nothing appended, ``end`` marks the distinct points.
    """
    dtype = dtype or state_dtype(state)
    if isinstance(state, Tensor):
        assert thresholds is not None
        confmat = as_columns(state)
        p, r, thr = binned_pr(micro_confmat(confmat) if micro else confmat, thresholds, dtype)
        return p, r, thr.to(dtype).expand(p.shape[0], -1), None
    stats = stats_of(state, task, num_classes, ignore_index, micro)
    no_positive = float("nan") if task == "multiclass" and not micro else 1.0
    p, r, thr = exact_pr(stats, dtype, no_positive)
    return p, r, thr, stats[3]


def _pr_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = None,
    dtype: torch.dtype | None = None,
) -> Curve | Curves:
    """The precision-recall curve(s) of a state, in TorchMetrics' output layout."""
    micro = average == "micro"
    p, r, thr, end = _pr_arrays(state, thresholds, task, num_classes, ignore_index, micro, dtype)
    if end is None:
        out: Curve | Curves = (p[0], r[0], thr[0]) if task == "binary" or micro else (p, r, thr[0])
    else:
        points = []
        for pk, rk, tk in compact((p, r, thr), end, origin=False):
            one = torch.ones_like(pk[:1])
            points.append((torch.cat([pk.flip(0), one]), torch.cat([rk.flip(0), one * 0]), tk.flip(0)))
        if task == "binary" or micro:
            out = points[0]
        else:
            out = ([c[0] for c in points], [c[1] for c in points], [c[2] for c in points])
    if average == "macro":
        return _macro_pr(out)
    return out


def _macro_pr(curves: Curve | Curves) -> Curve:
    """TorchMetrics' macro-averaged curve: every class's precision as the grid, the mean interpolated recall on it."""
    precision, recall, thr = curves
    all_p = torch.cat(list(precision)) if isinstance(precision, list) else precision.flatten()
    all_thr = torch.cat(list(thr)) if isinstance(thr, list) else thr.repeat(len(precision))
    grid = all_p.sort().values
    mean_recall = torch.stack([interp(grid, p, r) for p, r in zip(precision, recall)]).mean(0)
    return grid, mean_recall, all_thr.sort().values


def binary_precision_recall_curve(
    preds: Tensor,
    target: Tensor,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> tuple[Tensor, Tensor, Tensor]:
    """Precision-recall curve of binary scores: ``(precision, recall, thresholds)``, thresholds ascending.

    Args:
        preds: probabilities or logits ``(N, ...)`` (logits get a sigmoid).
        target: labels in {0, 1} ``(N, ...)``.
        thresholds: ``None`` (exact) or the binning (see :mod:`calipers.functional.classification._curve`).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        1-D ``precision`` and ``recall`` (one point more than ``thresholds``: precision 1 at recall 0).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_precision_recall_curve
        >>> precision, recall, thresholds = binary_precision_recall_curve(
        ...     torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        ... )
        >>> precision, recall
        (tensor([0.5000, 0.6667, 0.5000, 1.0000, 1.0000]), tensor([1.0000, 1.0000, 0.5000, 0.5000, 0.0000]))
    """
    name = "binary_precision_recall_curve"
    check_args(name, thresholds, ignore_index)
    t = functional_thresholds(thresholds, preds)
    state = binary_update(name, preds, target, t, ignore_index, validate_args)
    return _pr_compute(state, t, "binary")  # type: ignore[return-value]


def multiclass_precision_recall_curve(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    thresholds: Thresholds = None,
    average: Literal["micro", "macro"] | None = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Curve | Curves:
    """One-vs-rest precision-recall curves of multiclass scores.

    Args:
        preds: scores ``(N, C, ...)`` (a softmax is applied when they are not probabilities).
        target: labels ``(N, ...)``.
        num_classes: the number of classes ``C``.
        thresholds: ``None`` (exact) or the binning.
        average: ``None`` (one curve per class), ``"micro"`` (one curve of every one-vs-rest decision) or
            ``"macro"`` (the mean recall of the class curves interpolated on all their precisions).
        ignore_index: target value of samples to leave out.
        validate_args: check arguments and tensors.

    Returns:
        Per class: lists of 1-D tensors (exact) or ``(C, T + 1)`` tensors and the ``(T,)`` thresholds (binned); one
        curve of 1-D tensors with ``average``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_precision_recall_curve
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> p, r, t = multiclass_precision_recall_curve(preds, torch.tensor([0, 1, 2, 2]), num_classes=3, thresholds=3)
        >>> r
        tensor([[1.0000, 1.0000, 0.0000, 0.0000],
                [1.0000, 1.0000, 0.0000, 0.0000],
                [1.0000, 0.5000, 0.0000, 0.0000]])
    """
    name = "multiclass_precision_recall_curve"
    check_args(name, thresholds, ignore_index, num_classes, "num_classes")
    check_average(name, average, ("macro", "micro", None))
    t = functional_thresholds(thresholds, preds)
    state = multiclass_update(name, preds, target, num_classes, t, ignore_index, validate_args)
    return _pr_compute(state, t, "multiclass", num_classes, average=average)


def multilabel_precision_recall_curve(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    thresholds: Thresholds = None,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Curve | Curves:
    """Precision-recall curve of each label of multilabel scores.

    Args:
        preds: probabilities or logits ``(N, L, ...)``.
        target: labels in {0, 1} ``(N, L, ...)``.
        num_labels: the number of labels ``L``.
        thresholds: ``None`` (exact) or the binning.
        ignore_index: target value of entries to leave out.
        validate_args: check arguments and tensors.

    Returns:
        Lists of 1-D tensors (exact) or ``(L, T + 1)`` tensors and the ``(T,)`` thresholds (binned).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_precision_recall_curve
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9]])
        >>> p, r, t = multilabel_precision_recall_curve(preds, torch.tensor([[1, 0], [0, 1], [1, 1]]), num_labels=2)
        >>> p[0], r[0]
        (tensor([0.6667, 1.0000, 1.0000, 1.0000]), tensor([1.0000, 1.0000, 0.5000, 0.0000]))
    """
    name = "multilabel_precision_recall_curve"
    check_args(name, thresholds, ignore_index, num_labels, "num_labels")
    t = functional_thresholds(thresholds, preds)
    state = multilabel_update(name, preds, target, num_labels, t, ignore_index, validate_args)
    return _pr_compute(state, t, "multilabel", num_labels, ignore_index)


def precision_recall_curve(
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
    """Precision-recall curve(s) of the given ``task`` (see the ``binary_``/``multiclass_``/``multilabel_`` twins).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import precision_recall_curve
        >>> p, r, t = precision_recall_curve(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]), "binary")
        >>> r
        tensor([1.0000, 1.0000, 0.5000, 0.5000, 0.0000])
    """
    check_task("precision_recall_curve", task)
    if task == "binary":
        return binary_precision_recall_curve(preds, target, thresholds, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_precision_recall_curve(
            preds,
            target,
            require_int("precision_recall_curve", "num_classes", num_classes),
            thresholds,
            average,
            ignore_index,
            validate_args,
        )
    return multilabel_precision_recall_curve(
        preds,
        target,
        require_int("precision_recall_curve", "num_labels", num_labels),
        thresholds,
        ignore_index,
        validate_args,
    )
