"""Scores computed from curve arrays for all columns at once: AUROC (with McClish's ``max_fpr``), average precision.

See :mod:`calipers.functional.classification._curve` for the padded curve layout that makes this vectorisable.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers.functional.classification._curve import reduce_scores, trapezoid
from calipers.functional.classification._curve_tasks import CurveState
from calipers.functional.classification.precision_recall_curve import _pr_arrays
from calipers.functional.classification.roc import _roc_arrays

__all__ = ["auroc_compute", "average_precision_compute", "support"]


def support(state: CurveState, task: str, num_classes: int) -> Tensor:
    """The number of positives of each column (the weights of ``average="weighted"``)."""
    if isinstance(state, Tensor):
        return state[0, :, 1, :].sum(-1) if state.ndim == 4 else state[0, 1, :].sum(-1, keepdim=True)
    target = state[1]
    if task == "multiclass":
        keep = (target >= 0) & (target < num_classes)
        return torch.bincount(torch.where(keep, target, num_classes), minlength=num_classes + 1)[:num_classes]
    if task == "multilabel":
        return (target == 1).sum(0)
    return (target == 1).sum().reshape(1)


def _mcclish(fpr: Tensor, tpr: Tensor, max_fpr: float) -> Tensor:
    """Standardised partial AUC over ``fpr <= max_fpr`` (McClish correction) of one curve."""
    if bool(fpr.sum() == 0) or bool(tpr.sum() == 0):
        return trapezoid(fpr, tpr)
    max_area = torch.tensor(max_fpr, dtype=fpr.dtype, device=fpr.device)
    stop = int(torch.bucketize(max_area, fpr, right=True))
    weight = (max_area - fpr[stop - 1]) / (fpr[stop] - fpr[stop - 1])
    tpr_at = torch.lerp(tpr[stop - 1], tpr[stop], weight)
    partial = trapezoid(torch.cat([fpr[:stop], max_area.view(1)]), torch.cat([tpr[:stop], tpr_at.view(1)]))
    min_area = 0.5 * max_area**2
    return 0.5 * (1 + (partial - min_area) / (max_area - min_area))


def auroc_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = "macro",
    max_fpr: float | None = None,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """AUROC of a state: binary (optionally partial, ``max_fpr``), or per column reduced by ``average``."""
    micro = average == "micro"
    fpr, tpr, _, _ = _roc_arrays(state, thresholds, task, num_classes, ignore_index, micro, dtype)
    if task == "binary":
        if max_fpr is not None and max_fpr != 1:
            return _mcclish(fpr[0], tpr[0], max_fpr)
        return trapezoid(fpr[0], tpr[0])
    scores = trapezoid(fpr, tpr)
    if micro:
        return scores[0]
    return reduce_scores(scores, average, support(state, task, num_classes), "AUROC")


def average_precision_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = "macro",
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Average precision ``sum_k (R_k - R_{k-1}) P_k`` of a state, per column reduced by ``average``."""
    micro = average == "micro"
    p, r, _, end = _pr_arrays(state, thresholds, task, num_classes, ignore_index, micro, dtype)
    if end is None:  # binned, ascending thresholds, undefined values count as 0
        p, r = p.nan_to_num(0.0), r.nan_to_num(0.0)
        scores = ((r[..., :-1] - r[..., 1:]) * p[..., :-1]).sum(-1)
    else:
        previous = torch.cat([torch.zeros_like(r[..., :1]), r[..., :-1]], -1)
        scores = ((r - previous) * p).sum(-1)
    if task == "binary" or micro:
        return scores[0]
    return reduce_scores(scores, average, support(state, task, num_classes), "Average precision")
