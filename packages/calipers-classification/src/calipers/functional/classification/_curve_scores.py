"""Scores computed from curve arrays for all columns at once: AUROC (with McClish's ``max_fpr``), average precision.

See :mod:`calipers.functional.classification._curve` for the padded curve layout that makes this vectorisable.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers.functional.classification._curve import reduce_scores, trapezoid
from calipers.functional.classification._curve_tasks import CurveState, columns, state_dtype
from calipers.functional.classification.precision_recall_curve import _pr_arrays
from calipers.functional.classification.roc import _roc_arrays
from calipers.utilities.sorting import sort_rows, sortable_keys

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


def rank_auroc(preds: Tensor, pos: Tensor) -> Tensor | None:
    """Exact AUROC (float64) of each column of ``(K, N)`` scores and positive flags, from ranks.

    ``None`` when a column has no positive or no negative.

    The area under the ROC curve, ties interpolated, is the Mann-Whitney statistic ``(R - P (P + 1) / 2) / (P Q)``
    with ``R`` the sum of the average ranks of the ``P`` positives among ``P + Q`` scores. One sort per column
    (integer keys, columns side by side). ``R`` is first summed as if there were no ties, over the positives only;
    the tie groups then correct it, each positive of a group counting the group's average rank instead of its own
    position: the corrections touch only the tied positions.
    """
    k, n = preds.shape
    n_pos = pos.sum(-1)
    if n == 0 or bool(((n_pos == 0) | (n_pos == n)).any()):
        return None
    rows = sort_rows(sortable_keys(preds))
    keys = torch.stack([r[0] for r in rows])
    pos_sorted = torch.stack([pos[i][r[1]] for i, r in enumerate(rows)]).reshape(-1)
    rank_sums = _positions_sum(pos_sorted, k, n)
    tie = torch.zeros(k, n + 1, dtype=torch.bool, device=keys.device)
    torch.eq(keys[:, 1:], keys[:, :-1], out=tie[:, 1:-1])  # tie[:, j]: position j ties with position j - 1
    tied = (tie[:, :-1] | tie[:, 1:]).reshape(-1).nonzero().squeeze(1)  # every position in a group of 2 or more
    if tied.numel():
        starts = ~tie[:, :-1].reshape(-1)[tied]  # first position of each tied group
        group = starts.cumsum(0) - 1
        groups = int(group[-1]) + 1
        column = (tied % n).double() + 1.0  # 1-based position in the column
        flags = pos_sorted[tied].double()
        size = torch.bincount(group, minlength=groups).double()
        positives = torch.bincount(group, weights=flags, minlength=groups)
        own = torch.bincount(group, weights=flags * column, minlength=groups)
        first = column[starts]
        correction = positives * (first + (size - 1.0) / 2.0) - own
        rank_sums.index_add_(0, tied[starts] // n, correction)
    p = n_pos.double()
    return (rank_sums - p * (p + 1.0) / 2.0) / (p * (n - p))


def _positions_sum(flags: Tensor, k: int, n: int) -> Tensor:
    """Per row of a flattened ``(k, n)`` bool tensor, the sum of the 1-based positions of its set entries (float64)."""
    where = flags.nonzero().squeeze(1)
    return torch.bincount(where // n, weights=(where % n).double() + 1.0, minlength=k)


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
    """AUROC of a state: binary (optionally partial, ``max_fpr``), or per column reduced by ``average``.

    Exact states (no ``thresholds``) take :func:`rank_auroc` unless a column lacks positives or negatives (the curve
    path then warns and scores it as TorchMetrics does) or entries are ignored; binned states and ``max_fpr`` take
    the curve.
    """
    micro = average == "micro"
    if thresholds is None and not isinstance(state, Tensor) and (max_fpr is None or max_fpr == 1):
        preds, pos, valid = columns(state, task, num_classes, ignore_index, micro)
        ranked = rank_auroc(preds, pos) if valid is None else None
        if ranked is not None:
            ranked = ranked.to(dtype or state_dtype(state))
            if task == "binary" or micro:
                return ranked[0]
            return reduce_scores(ranked, average, support(state, task, num_classes), "AUROC")
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
