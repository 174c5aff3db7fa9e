"""The logits rule for metrics that need probabilities themselves (calibration error, hinge loss), not thresholds.

:func:`calipers.functional.classification._inputs.binary_probability_mask` thresholds scores without a sigmoid; the
metrics here need the values. As in TorchMetrics, a call whose (not ignored) scores hold a value outside [0, 1] is
taken as logits: a sigmoid (binary) or a softmax over the classes (multiclass) turns them into probabilities.

Infinite logits are extreme scores, not errors: a softmax over a row holding ``+inf`` gives the row's ``+inf`` entries
all the probability (see :func:`finite_logits`), where a plain softmax gives NaN.

On the CPU the decision is taken in Python, so the normalisation runs only when needed. On any other device it is a
``torch.where`` over both candidates: no host synchronisation.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["finite_logits", "probabilities", "top_label"]


def finite_logits(scores: Tensor) -> Tensor:
    """``scores`` with ``+inf``/``-inf`` replaced by the largest/smallest finite value of the dtype (NaN kept).

    A softmax over a row holding ``+inf`` is NaN (``inf - inf``); over the clamped row it is the limit the infinite
    logit defines: all the mass on the row's ``+inf`` entries (shared equally), none elsewhere.
    """
    big = torch.finfo(scores.dtype).max
    return scores.nan_to_num(nan=math.nan, posinf=big, neginf=-big)


def _logits(scores: Tensor, valid: Tensor | None) -> Tensor:
    """0-d bool: whether the scores (rows of ``(M, C)`` scores when 2-D) at ``valid`` positions leave [0, 1]."""
    outside = (scores < 0) | (scores > 1)
    if outside.ndim == 2:
        outside = outside.any(1)
    return (outside if valid is None else outside & valid).any()


def probabilities(scores: Tensor, valid: Tensor | None) -> Tensor:
    """``(M,)`` binary scores or ``(M, C)`` class scores as probabilities (sigmoid / softmax when they are logits)."""
    logits = _logits(scores, valid)
    normalise = torch.sigmoid if scores.ndim == 1 else (lambda x: finite_logits(x).softmax(1))
    if scores.is_cpu:
        return normalise(scores) if bool(logits) else scores
    return torch.where(logits, normalise(scores), scores)


def top_label(scores: Tensor, valid: Tensor | None) -> tuple[Tensor, Tensor]:
    """``(confidence, label)`` of the most probable class of each row of ``(M, C)`` scores."""
    logits = _logits(scores, valid)
    if scores.is_cpu:
        return (finite_logits(scores).softmax(1) if bool(logits) else scores).max(1)
    return _top_label_without_sync(finite_logits(scores), logits)


def _top_label_without_sync(scores: Tensor, logits: Tensor) -> tuple[Tensor, Tensor]:
    """:func:`top_label` off the CPU: no full softmax, no host synchronisation."""
    top, labels = scores.max(1)  # the softmax keeps the order: its largest value is exp(top - logsumexp)
    return torch.where(logits, (top - scores.logsumexp(1)).exp(), top), labels
