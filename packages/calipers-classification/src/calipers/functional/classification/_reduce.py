"""From stat scores to a score: the per-class ratio every metric of the family is, and its ``average``.

Accuracy, precision, recall, F-beta, specificity, negative predictive value and Hamming distance are each a ratio
``num / den`` of the four counts (a :data:`Formula`), ``zero_division`` where ``den`` is 0, reduced over the classes
by ``average``. :func:`_scores` does it for all of them.

Small results on the CPU (at most :data:`_HOST_MAX` classes, global counts) are computed in Python floats: there, a
dozen tensor operations on ten numbers cost several times more in dispatch than the arithmetic itself. The two paths
implement the same rules and the tests run both; Python computes in double precision, so the host result is the
correctly rounded value where the tensor path may differ from it in the last bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

__all__: list[str] = []

Counts = tuple[Tensor, Tensor, Tensor, Tensor]
#: ``(tp, fp, tn, fn) -> (numerator, denominator)``, written with ``+`` and ``*`` only, so that it applies alike to
#: tensors and to Python numbers.
Formula = Callable[[Any, Any, Any, Any], tuple[Any, Any]]
_HOST_MAX = 32


def _sum_classes(*stats: Tensor) -> tuple[Tensor, ...]:
    """Sum each statistic over its class dimension (the last one); states loaded as ``(1,)`` sum the same way."""
    return tuple(s.sum(-1) for s in stats)


def _split(stats: Tensor, dtype: torch.dtype | None = None) -> Counts:
    """``(tp, fp, tn, fn)`` of stacked statistics, converted together to ``dtype`` when given."""
    tp, fp, tn, fn = (stats if dtype is None else stats.to(dtype)).unbind(0)
    return tp, fp, tn, fn


def _ratio(num: Tensor, denom: Tensor, zero_division: float = 0.0, dtype: torch.dtype | None = None) -> Tensor:
    """``num / denom`` of counts (``0 <= num <= denom``) as floats, ``zero_division`` where ``denom`` is 0.

    Two operations: the quotient is NaN exactly where ``denom`` is 0 (then ``num`` is 0 too), and NaNs are replaced.
    """
    if dtype is None or dtype == torch.get_default_dtype():
        quotient = torch.true_divide(num, denom)
    else:
        quotient = num.to(dtype) / denom
    return quotient.nan_to_num_(nan=float(zero_division))


def _average_scores(
    score: Tensor, tp: Tensor, fp: Tensor, fn: Tensor, average: Any, multilabel: bool, top_k: int = 1
) -> Tensor:
    """Reduce per-class scores (class dimension last) by ``average`` (``"macro"``, ``"weighted"``, ``"none"``).

    ``"weighted"`` weights by the support ``tp + fn``. ``"macro"`` leaves out, for multiclass, the classes that never
    occur (``tp + fp + fn == 0``; with ``top_k > 1``: ``tp + fn == 0``); multilabel macro averages every label. Without
    any weight the value is 0.
    """
    if average is None or average == "none":
        return score
    if average == "weighted":
        weights = (tp + fn).to(score.dtype)
        return _ratio((score * weights).sum(-1), weights.sum(-1), 0.0, score.dtype)
    if multilabel:
        return score.mean(-1)
    present = (tp + fn if top_k != 1 else tp + fn + fp) > 0
    if score.ndim == 1:  # the mean over the present classes (NaN, then 0, when there is none)
        return score.masked_select(present).mean().nan_to_num_(nan=0.0)
    weights = present.to(score.dtype)
    return _ratio((score * weights).sum(-1), weights.sum(-1), 0.0, score.dtype)


def _scores(
    formula: Formula,
    counts: Tensor,
    average: Any,
    multilabel: bool = False,
    top_k: int = 1,
    zero_division: float = 0.0,
    dtype: torch.dtype | None = None,
    complement: bool = False,
) -> Tensor:
    """``formula``'s ratio of the stacked counts ``[tp, fp, tn, fn]`` ``(4, ...)`` (class dimension last), reduced.

    ``average="binary"`` takes the counts as they are, ``"micro"`` the ratio of the counts summed over the classes,
    the others reduce the per-class ratios with :func:`_average_scores`. ``complement`` scores ``1 - ratio``.
    """
    if counts.is_cpu and counts.ndim == (1 if average == "binary" else 2) and counts.shape[-1] <= _HOST_MAX:
        return _host_scores(formula, counts, average, multilabel, top_k, zero_division, dtype, complement)
    tp, fp, tn, fn = _split(counts, dtype if dtype is not None and not counts.is_floating_point() else None)
    if average == "micro":
        tp, fp, tn, fn = _sum_classes(tp, fp, tn, fn)
    score = _ratio(*formula(tp, fp, tn, fn), zero_division, dtype)
    if complement:
        score = 1 - score
    if average in ("binary", "micro"):
        return score
    return _average_scores(score, tp, fp, fn, average, multilabel, top_k)


def _host_scores(
    formula: Formula,
    counts: Tensor,
    average: Any,
    multilabel: bool,
    top_k: int,
    zero_division: float,
    dtype: torch.dtype | None,
    complement: bool,
) -> Tensor:
    """:func:`_scores` of small CPU counts, in Python floats (same rules, see the module docstring)."""
    out_dtype = dtype or (counts.dtype if counts.is_floating_point() else torch.get_default_dtype())
    zd = float(zero_division)
    tps, fps, tns, fns = counts.tolist()
    if average == "binary" or average == "micro":
        if average == "micro":
            tps, fps, tns, fns = sum(tps), sum(fps), sum(tns), sum(fns)
        num, den = formula(tps, fps, tns, fns)
        value = num / den if den else zd
        return torch.scalar_tensor(1.0 - value if complement else value, dtype=out_dtype)
    ratios = [formula(a, b, c, d) for a, b, c, d in zip(tps, fps, tns, fns)]
    scores = [num / den if den else zd for num, den in ratios]
    if complement:
        scores = [1.0 - v for v in scores]
    if average is None or average == "none":
        return torch.tensor(scores, dtype=out_dtype)
    if average == "weighted":
        weights = [a + d for a, d in zip(tps, fns)]
        total = sum(weights)
        value = sum(s * w for s, w in zip(scores, weights)) / total if total else 0.0
    elif multilabel:
        value = sum(scores) / len(scores)
    else:
        if top_k != 1:
            kept = [s for s, a, d in zip(scores, tps, fns) if a + d > 0]
        else:
            kept = [s for s, a, b, d in zip(scores, tps, fps, fns) if a + b + d > 0]
        value = sum(kept) / len(kept) if kept else 0.0
    return torch.scalar_tensor(value, dtype=out_dtype)
