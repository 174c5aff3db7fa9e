"""Operating points read off the curves for all columns at once: EER, LogAUC and the at-fixed-X metrics.

The padded exact curves (:mod:`calipers.functional.classification._curve`) repeat each point within its tie group but
keep the order of the distinct points, so maxima, first arg-maxima and lexicographic maxima over them equal those
over the compacted curves.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import Tensor

from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification._curve import compact, reduce_scores, trapezoid
from calipers.functional.classification._curve_tasks import CurveState
from calipers.functional.classification.precision_recall_curve import _pr_arrays
from calipers.functional.classification.roc import _roc_arrays, _roc_compute

__all__ = ["at_fixed_compute", "eer_compute", "logauc_compute"]


def _squeeze(values: tuple[Tensor, Tensor], task: str) -> tuple[Tensor, Tensor]:
    return (values[0][0], values[1][0]) if task == "binary" else values


def _lexmax(keys: list[Tensor], mask: Tensor) -> list[Tensor]:
    """Per row, the lexicographic maximum of ``keys`` over the entries of ``mask`` (-inf where none)."""
    out = []
    if mask.shape[-1] == 0:  # a curve without points (no sample): nothing qualifies
        return [key.new_full(key.shape[:-1], -torch.inf) for key in keys]
    for key in keys:
        best = torch.where(mask, key, -torch.inf).amax(-1, keepdim=True)
        mask = mask & (key == best)
        out.append(best.squeeze(-1))
    return out


def at_fixed_compute(
    kind: str,
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    minimum: float,
    num_classes: int = 1,
    ignore_index: int | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[Tensor, Tensor]:
    """``(value, threshold)`` per column of ``kind``.

    ``"recall@precision"``, ``"precision@recall"``: the highest value with the other at least ``minimum`` (the
    threshold is NaN when the value is 0); ``"sensitivity@specificity"``, ``"specificity@sensitivity"``: the first
    best point in ROC order (``(0, 1e6)`` when no point qualifies).
    """
    if kind in ("recall@precision", "precision@recall"):
        p, r, thr, end = _pr_arrays(state, thresholds, task, num_classes, ignore_index, dtype=dtype)
        if end is None:  # binned: the appended (1, 0) point has no threshold
            p, r = p[..., :-1], r[..., :-1]
        first, second = (r, p) if kind == "recall@precision" else (p, r)
        mask = (second >= minimum) & ~first.isnan()
        best, _, best_thr = _lexmax([first, second, thr.to(first.dtype)], mask)
        found = mask.any(-1)
        value = torch.where(found, best, 0.0)
        return _squeeze((value, torch.where(value == 0, math.nan, best_thr)), task)
    fpr, tpr, thr, _ = _roc_arrays(state, thresholds, task, num_classes, ignore_index, dtype=dtype)
    spec = 1 - fpr
    value, constraint = (tpr, spec) if kind == "sensitivity@specificity" else (spec, tpr)
    mask = constraint >= minimum
    idx = torch.where(mask, value, -torch.inf).argmax(-1, keepdim=True)
    found = mask.any(-1)
    best = torch.where(found, value.gather(-1, idx).squeeze(-1), 0.0)
    best_thr = torch.where(found, thr.to(best.dtype).gather(-1, idx).squeeze(-1), 1e6)
    return _squeeze((best, best_thr), task)


def eer_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = None,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Equal error rate: ``(FPR + FNR) / 2`` at the first ROC point where ``|FPR - FNR|`` is smallest (to 1e-6)."""
    if average == "macro":
        fpr, tpr, _ = _roc_compute(state, thresholds, task, num_classes, ignore_index, "macro", dtype)
        assert isinstance(fpr, Tensor) and isinstance(tpr, Tensor)
        fpr, tpr = fpr.unsqueeze(0), tpr.unsqueeze(0)
    else:
        fpr, tpr, _, _ = _roc_arrays(state, thresholds, task, num_classes, ignore_index, average == "micro", dtype)
    fnr = 1 - tpr
    gap = (fpr - fnr).abs()
    # the first point whose gap is smallest, up to rounding: exact ties (|+x| vs |-x|) do not depend on float noise
    close = gap <= gap.amin(-1, keepdim=True) + 1e-6
    idx = close.to(torch.uint8).argmax(-1, keepdim=True)
    eer = ((fpr.gather(-1, idx) + fnr.gather(-1, idx)) / 2).squeeze(-1)
    return eer[0] if task == "binary" or average in ("micro", "macro") else eer


def _interp_left(x: Tensor, xp: Tensor, fp: Tensor) -> Tensor:
    """Linear interpolation on the segment ending at the first ``xp >= x`` (``xp`` ascending).

    As TorchMetrics' LogAUC: at an ``x`` where the curve is vertical the lowest point of the vertical run is taken,
    and beyond the ends the end segments are extended.
    """
    idx = (torch.searchsorted(xp.contiguous(), x) - 1).clamp(0, max(xp.numel() - 2, 0))
    slope = (fp[idx + 1] - fp[idx]) / (xp[idx + 1] - xp[idx])
    return fp[idx] + slope * (x - xp[idx])


def _logauc_one(fpr: Tensor, tpr: Tensor, fpr_range: tuple[float, float]) -> Tensor:
    """Area under ``tpr`` against ``log10(fpr)`` over ``fpr_range``, divided by the width of the log range."""
    if fpr.numel() < 2:
        warnings.warn(
            "At least two points of the ROC curve are needed for LogAUC: the score is 0.", CalipersUserWarning, 3
        )
        return torch.zeros((), dtype=fpr.dtype, device=fpr.device)
    bounds = torch.tensor(fpr_range, dtype=fpr.dtype, device=fpr.device)
    tpr = torch.cat([tpr, _interp_left(bounds, fpr, tpr)]).sort().values
    fpr = torch.cat([fpr, bounds]).sort().values
    log_fpr, log_bounds = fpr.log10(), bounds.log10()
    positions = torch.arange(len(fpr), device=fpr.device)
    lo = int(torch.where(log_fpr == log_bounds[0], positions, -1).max())
    hi = int(torch.where(log_fpr == log_bounds[1], positions, -1).max())
    return trapezoid(log_fpr[lo : hi + 1], tpr[lo : hi + 1]) / (log_bounds[1] - log_bounds[0])


def logauc_compute(
    state: CurveState,
    thresholds: Tensor | None,
    task: str,
    fpr_range: tuple[float, float],
    num_classes: int = 1,
    ignore_index: int | None = None,
    average: str | None = "macro",
    dtype: torch.dtype | None = None,
) -> Tensor:
    """LogAUC of each column (the compacted ROC curves), reduced by ``average`` (``"macro"``, ``"none"``/``None``)."""
    fpr, tpr, _, end = _roc_arrays(state, thresholds, task, num_classes, ignore_index, dtype=dtype)
    curves = compact((fpr, tpr), end, origin=True) if end is not None else list(zip(fpr, tpr))
    scores = torch.stack([_logauc_one(f, t, fpr_range) for f, t in curves])
    if task == "binary":
        return scores[0]
    return reduce_scores(scores, average, None, "LogAUC")
