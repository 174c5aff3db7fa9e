"""The shared machinery of the curve family (ROC, precision-recall, AUROC, average precision and friends).

Every task is reduced to *columns*: ``K`` binary problems over the same ``N`` samples (binary: ``K = 1``; multiclass:
one-vs-rest, ``K = C``; multilabel: ``K = L``), given as ``preds (K, N)``, ``pos (K, N)`` (is the sample a positive of
that column) and ``valid (K, N)`` or ``None`` (is the entry counted at all, for ``ignore_index``).

**Binned** (``thresholds`` an int, a list or a tensor): each batch is counted into a confusion matrix per threshold,
``confmat (T, K, 2, 2)`` indexed ``[threshold, column, target, prediction]`` (the layout of TorchMetrics' ``confmat``
state, so checkpoints load across both), where a prediction is positive when ``pred >= threshold``. It is built from
one histogram: every score is bucketed by ``searchsorted`` into the sorted thresholds and counted with one
``bincount``, and suffix sums give the counts at each threshold: O(N log T + K T) time, O(K T) memory, no host
synchronisation.

**Exact** (``thresholds=None``): the samples are kept and sorted once per call of compute: one batched ``sort`` of
the ``(K, N)`` scores. Tied scores form one point of the curve (as in scikit-learn's ``roc_curve`` with
``drop_intermediate=False``). Instead of compacting the curves (ragged), every sorted position carries the values of
the last position of its tie group, so each column is the exact curve with repeated points: areas, maxima and
arg-maxima are then computed for all columns at once, and only the curve outputs are compacted.

Argument glossary (public docstrings point here):

* ``thresholds``: ``None`` (exact curve from every sample, memory grows with the data), an int ``T >= 2`` (``T``
  evenly spaced thresholds in [0, 1]), a list of floats in [0, 1] or a 1-D tensor of them (binned, fixed memory).
* ``ignore_index``: a target value whose samples (multilabel: entries) are left out.
* ``validate_args``: check arguments and tensors; ``False`` skips the checks (no host synchronisation in binned
  updates).

Scores outside [0, 1] anywhere in a batch mean the batch holds logits: a sigmoid (binary, multilabel) or a softmax
over the classes (multiclass) is applied to it, decided on the device.

Inputs that are not ordinary (the policy every curve metric follows, tested in each family's test file):

* NaN in ``preds``: a ``ValueError`` naming ``preds`` under ``validate_args=True`` (one pass and one host sync per
  update); with ``validate_args=False`` it is not checked: a NaN score sorts above every number in the exact curves
  and counts as below every threshold in the binned ones.
* ``+inf``/``-inf`` in ``preds``: extreme scores, ranked as such. In a multiclass softmax a ``+inf`` logit takes the
  whole probability of its row (shared between the row's ``+inf`` entries), ``-inf`` none (see
  :func:`~calipers.functional.classification._probabilities.finite_logits`).
* An empty batch leaves every state as it was; without any sample the exact curve is its origin alone, so the scores
  read off it are their "no point" values (AUROC 0, EER 0.5, recall at a precision ``(0, NaN)``, ...), the values of
  the binned curves.
* Inputs on another device than the metric's states (or, in a functional, ``target`` on another device than
  ``preds``): a ``ValueError`` naming both devices, before any check that reads values (always checked: it needs
  no host sync).
"""

from __future__ import annotations

import warnings
from typing import Any, TypeAlias

import torch
from torch import Tensor

from calipers._checks import check_float, check_tensor
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification._inputs import count_bins
from calipers.functional.classification._probabilities import finite_logits
from calipers.utilities.sorting import sort_rows, sortable_keys, values_from_keys

__all__ = [
    "Thresholds",
    "adjust_thresholds",
    "binned_counts",
    "binned_pr",
    "binned_roc",
    "check_thresholds",
    "exact_pr",
    "exact_roc",
    "exact_stats",
    "reduce_scores",
]

Thresholds: TypeAlias = "int | list[float] | Tensor | None"


def check_thresholds(name: str, thresholds: Any) -> None:
    """Check ``thresholds``: ``None``, an int >= 2, a list of floats in [0, 1] or a 1-D tensor of them."""
    expectation = "None, an int >= 2, a list of floats in [0, 1] or a 1-D tensor of them"
    if thresholds is None:
        return
    if isinstance(thresholds, bool) or not isinstance(thresholds, (int, list, Tensor)):
        raise TypeError(f"{name}: `thresholds` must be {expectation}, got {thresholds!r}.")
    if isinstance(thresholds, int) and thresholds < 2:
        raise ValueError(f"{name}: `thresholds` must be {expectation}, got {thresholds!r}.")
    if isinstance(thresholds, list):
        if not all(isinstance(t, (float, int)) and not isinstance(t, bool) for t in thresholds):
            raise TypeError(f"{name}: `thresholds` must be {expectation}, got {thresholds!r}.")
        if not thresholds or not all(0.0 <= t <= 1.0 for t in thresholds):
            raise ValueError(f"{name}: `thresholds` must be {expectation}, got {thresholds!r}.")
    if isinstance(thresholds, Tensor):
        if thresholds.ndim != 1 or thresholds.numel() == 0:
            raise ValueError(
                f"{name}: `thresholds` must be {expectation}, got a tensor of shape {tuple(thresholds.shape)}."
            )
        if not thresholds.is_floating_point() or bool(((thresholds < 0) | (thresholds > 1)).any()):
            raise ValueError(f"{name}: `thresholds` must be {expectation}, got {thresholds!r}.")


def adjust_thresholds(thresholds: Thresholds, device: torch.device | None = None) -> Tensor | None:
    """The thresholds as a sorted (ascending) 1-D float tensor, or ``None`` for the exact curve."""
    if thresholds is None:
        return None
    if isinstance(thresholds, int):
        return torch.linspace(0, 1, thresholds, device=device)
    t = torch.as_tensor(thresholds, dtype=torch.get_default_dtype()) if isinstance(thresholds, list) else thresholds
    return t.detach().to(device).sort().values


def check_probability(name: str, arg: str, value: Any) -> None:
    """Check a float in [0, 1] such as ``min_precision`` (:func:`calipers._checks.check_float`)."""
    check_float(name, arg, value, 0, 1)


def check_float_preds(name: str, preds: Any) -> None:
    """Curves rank scores: ``preds`` must be a floating-point tensor (``TypeError`` for anything else)."""
    check_tensor(name, "preds", preds, "floating")


def normalize(preds: Tensor, valid: Tensor | None, how: str | None) -> Tensor:
    """Apply ``how`` (``"sigmoid"``, ``"softmax"`` over dim 1, ``None``) when a counted score is outside [0, 1].

    On the CPU the decision is read in Python (a CPU "sync" costs nothing), so probabilities skip the normalisation;
    on other devices both candidates are computed and one is chosen by ``torch.where`` (no host synchronisation).
    """
    if how is None:
        return preds
    outside = (preds < 0) | (preds > 1)
    if valid is not None:
        outside = outside & valid
    logits = outside.any()
    if preds.is_cpu:
        return _normalized(preds, how) if bool(logits) else preds
    return torch.where(logits, _normalized(preds, how), preds)


def _normalized(preds: Tensor, how: str) -> Tensor:
    return preds.sigmoid() if how == "sigmoid" else finite_logits(preds).softmax(1)


# ---------------------------------------------------------------------------------------------- binned
def binned_counts(preds: Tensor, pos: Tensor, valid: Tensor | None, thresholds: Tensor) -> Tensor:
    """The ``(T, K, 2, 2)`` confusion matrices ``[threshold, column, target, pred >= threshold]`` of one batch."""
    k, t = preds.shape[0], thresholds.shape[0]
    dtype = torch.promote_types(preds.dtype, thresholds.dtype)
    bucket = torch.searchsorted(thresholds.to(dtype), preds.to(dtype).contiguous(), right=True)  # #thresholds <= p
    bucket = torch.where(preds.isnan(), 0, bucket)
    column = torch.arange(k, device=preds.device).unsqueeze(1)
    index = bucket + (t + 1) * (column + k * pos.long())
    size = 2 * k * (t + 1)
    if valid is not None:
        index = torch.where(valid, index, size)
    hist = count_bins(index, size).reshape(2, k, t + 1)
    suffix = hist.flip(-1).cumsum(-1).flip(-1)  # suffix[..., j]: scores in buckets >= j
    pred_pos = suffix[..., 1:]  # (2, K, T): scores >= thresholds[j]
    pred_neg = suffix[..., :1] - pred_pos
    confmat = torch.stack([pred_neg, pred_pos], dim=-1)  # (2, K, T, 2)
    return confmat.permute(2, 1, 0, 3)


def _rates(confmat: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``tp, fp, fn, tn`` of a ``(T, K, 2, 2)`` confmat as ``(K, T)`` float tensors."""
    c = confmat.to(dtype).movedim(0, 1)
    return c[..., 1, 1], c[..., 0, 1], c[..., 1, 0], c[..., 0, 0]


def _divide(num: Tensor, denom: Tensor, zero: float) -> Tensor:
    return torch.where(denom == 0, torch.full_like(num, zero), num / torch.where(denom == 0, 1, denom))


def binned_roc(confmat: Tensor, thresholds: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    """``(fpr, tpr, thresholds)``, each ``(K, T)`` (thresholds ``(T,)``), thresholds descending."""
    tp, fp, fn, tn = _rates(confmat, dtype)
    return _divide(fp, fp + tn, 0.0).flip(-1), _divide(tp, tp + fn, 0.0).flip(-1), thresholds.flip(0)


def binned_pr(confmat: Tensor, thresholds: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    """``(precision, recall, thresholds)``: ``(K, T + 1)`` with (1, 0) appended, thresholds ``(T,)`` ascending.

    A precision or recall whose denominator is zero is NaN (as in TorchMetrics).
    """
    tp, fp, fn, _ = _rates(confmat, dtype)
    nan = float("nan")
    one = torch.ones_like(tp[..., :1])
    precision = torch.cat([_divide(tp, tp + fp, nan), one], -1)
    recall = torch.cat([_divide(tp, tp + fn, nan), one * 0], -1)
    return precision, recall, thresholds


# ---------------------------------------------------------------------------------------------- exact
def sort_descending(x: Tensor) -> tuple[Tensor, Tensor]:
    """``x.sort(dim=-1, descending=True)`` (tie order unspecified), through order-preserving integer keys.

    Integer sorts are several times faster than float sorts on the CPU (see :mod:`calipers.utilities.sorting`); the
    keys are complemented (``~k`` orders the other way round), so an ascending sort gives the descending order, and
    the rows of long inputs are sorted side by side.
    """
    if not x.is_cpu or x.dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64) or x.numel() == 0:
        return x.sort(dim=-1, descending=True)
    keys = sortable_keys(x).bitwise_not_()
    rows = sort_rows(keys.reshape(-1, keys.shape[-1]))
    ordered = torch.stack([r[0] for r in rows]).reshape(keys.shape)
    order = torch.stack([r[1] for r in rows]).reshape(keys.shape)
    return values_from_keys(ordered.bitwise_not_(), x.dtype), order


def exact_stats(preds: Tensor, pos: Tensor, valid: Tensor | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Sorted scores and cumulative counts per column: ``(scores, tps, fps, end)``, each ``(K, N)``.

    ``scores`` are descending; ``tps``/``fps`` count the positives/negatives scored at least ``scores[i]``, the value
    of every position being that of the last position of its tie group; ``end`` marks the last position of each tie
    group (of counted entries): the points of the compacted curve.
    """
    if valid is not None:
        preds = torch.where(valid, preds, -torch.inf)
    scores, order = sort_descending(preds)
    p = pos.gather(-1, order)
    if valid is not None:
        v = valid.gather(-1, order)
        tps, fps = (p & v).cumsum(-1), (~p & v).cumsum(-1)
    else:
        tps = p.long().cumsum(-1)
        fps = torch.arange(1, p.shape[-1] + 1, device=p.device) - tps
    n = scores.shape[-1]
    end = torch.ones_like(scores, dtype=torch.bool)
    end[..., :-1] = scores[..., 1:] != scores[..., :-1]
    positions = torch.arange(n, device=scores.device).expand_as(scores)
    group_end = torch.where(end, positions, n).flip(-1).cummin(-1).values.flip(-1)
    if valid is not None:  # ignored entries (sorted last) repeat the last counted point
        last = (v.sum(-1, keepdim=True) - 1).clamp(min=0)
        ignored = scores == -torch.inf
        group_end = torch.where(ignored, last, group_end)
        end &= ~ignored
    gather = group_end if n else positions
    return scores.gather(-1, gather), tps.gather(-1, gather), fps.gather(-1, gather), end


def _warn(message: str) -> None:
    warnings.warn(message, CalipersUserWarning, stacklevel=3)


def exact_roc(stats: tuple[Tensor, Tensor, Tensor, Tensor], dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    """``(fpr, tpr, thresholds)``, each ``(K, N + 1)``: the origin (threshold 1) then one point per position.

    A column without negatives (positives) has an all-zero ``fpr`` (``tpr``), with a warning, as in TorchMetrics.
    """
    scores, tps, fps, _ = stats
    zero = tps.new_zeros((*tps.shape[:-1], 1))  # the origin, also without any sample
    tps, fps = torch.cat([zero, tps], -1).to(dtype), torch.cat([zero, fps], -1).to(dtype)
    thresholds = torch.cat([scores.new_ones((*scores.shape[:-1], 1)), scores], -1)
    n_pos, n_neg = tps[..., -1:], fps[..., -1:]
    if bool((n_neg <= 0).any()):
        _warn("No negative samples in targets: the false positive rate is meaningless and set to zero.")
    if bool((n_pos <= 0).any()):
        _warn("No positive samples in targets: the true positive rate is meaningless and set to zero.")
    return _divide(fps, n_neg, 0.0), _divide(tps, n_pos, 0.0), thresholds


def exact_pr(
    stats: tuple[Tensor, Tensor, Tensor, Tensor], dtype: torch.dtype, no_positive_recall: float = 1.0
) -> tuple[Tensor, Tensor, Tensor]:
    """``(precision, recall, thresholds)`` in descending threshold order, each ``(K, N)`` (nothing appended).

    A column without positives gets ``recall = no_positive_recall`` everywhere (1 with a warning for binary and
    multilabel, NaN for a multiclass class absent from the target, as TorchMetrics).
    """
    scores, tps, fps, _ = stats
    tps, fps = tps.to(dtype), fps.to(dtype)
    precision = tps / (tps + fps)
    n_pos = tps[..., -1:]
    if no_positive_recall == 1.0 and bool((n_pos <= 0).any()):
        _warn("No positive samples found in target: recall is undefined and set to one for all thresholds.")
    recall = torch.where(n_pos > 0, tps / n_pos.clamp(min=1), no_positive_recall)
    return precision, recall, scores


def compact(values: tuple[Tensor, ...], end: Tensor, origin: bool) -> list[tuple[Tensor, ...]]:
    """Per column, the curve points at ``end`` positions (``origin``: the first point is kept too)."""
    if origin:
        end = torch.cat([end.new_ones((*end.shape[:-1], 1)), end], -1)
    return [tuple(v[k][end[k]] for v in values) for k in range(end.shape[0])]


# ---------------------------------------------------------------------------------------------- reductions
def trapezoid(x: Tensor, y: Tensor) -> Tensor:
    """Area under ``y(x)`` along the last dimension (0 for fewer than 2 points)."""
    if x.shape[-1] < 2:
        return torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)
    return ((x[..., 1:] - x[..., :-1]) * (y[..., 1:] + y[..., :-1])).sum(-1) / 2


def reduce_scores(scores: Tensor, average: str | None, weights: Tensor | None, what: str) -> Tensor:
    """``average`` of per-column ``scores``: ``"macro"``, ``"weighted"`` (by ``weights``), ``"none"``/``None``.

    NaN scores are left out of the averages, with a warning.
    """
    if average is None or average == "none":
        return scores
    nan = scores.isnan()
    if bool(nan.any()):
        _warn(f"{what} for one or more classes was NaN: these classes are ignored in the {average} average.")
    if average == "weighted" and weights is not None:
        w = torch.where(nan, 0, weights.to(scores.dtype))
        w = _divide(w, w.sum().expand_as(w), 0.0)
        return torch.where(nan, 0, scores * w).sum()
    return scores[~nan].mean()


def interp(x: Tensor, xp: Tensor, fp: Tensor) -> Tensor:
    """Piecewise-linear ``fp(xp)`` at ``x``, extended linearly beyond the ends (vertical segments have slope 0)."""
    dx, dy = xp[1:] - xp[:-1], fp[1:] - fp[:-1]
    slope = _divide(dy, dx, 0.0)
    intercept = fp[:-1] - slope * xp[:-1]
    idx = ((x.unsqueeze(-1) >= xp).sum(-1) - 1).clamp(0, max(slope.numel() - 1, 0))
    return slope[idx] * x + intercept[idx]
