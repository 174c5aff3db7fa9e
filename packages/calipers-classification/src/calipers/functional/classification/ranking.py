r"""Multilabel ranking metrics: coverage error, label ranking average precision and label ranking loss.

For a sample with scores :math:`s` over its labels, relevant labels :math:`R` (target 1) and irrelevant ones
:math:`\bar R` (target 0), with :math:`\operatorname{rank}(j) = |\{k : s_k \ge s_j\}|` (ties share the largest rank):

.. math::
    \text{coverage} = \max_{j \in R} \operatorname{rank}(j) \qquad
    \text{LRAP} = \frac{1}{|R|} \sum_{j \in R} \frac{|\{k \in R : s_k \ge s_j\}|}{\operatorname{rank}(j)} \qquad
    \text{loss} = \frac{|\{(j, k) \in R \times \bar R : s_k \ge s_j\}|}{|R| \, |\bar R|}

each averaged over the samples. A sample without relevant labels has coverage 0; a sample whose labels are all
relevant or all irrelevant has LRAP 1 and loss 0. Tied pairs count as wrongly ordered in the loss (as in
scikit-learn; TorchMetrics breaks ties by sort order). Labels with ``target == ignore_index`` are left out of their
sample. Scores are used as given: a ranking does not change under a sigmoid, so logits need no normalisation.
Extra dimensions ``(N, L, ...)`` are flattened into samples. The sufficient statistics are the sum of the per-sample
values and the number of samples, summed across batches and processes (the value is NaN without any sample).
Other arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_same_device, check_tensor
from calipers.functional.classification._inputs import check_ignore_index, check_multilabel_tensors, check_num_labels

__all__ = ["multilabel_coverage_error", "multilabel_ranking_average_precision", "multilabel_ranking_loss"]


def _ranking_arg_validation(name: str, num_labels: Any, ignore_index: Any) -> None:
    """Check ``num_labels`` (an int >= 2) and ``ignore_index``."""
    check_num_labels(name, num_labels)
    check_ignore_index(name, ignore_index)


def _ranking_tensor_validation(name: str, preds: Any, target: Any, num_labels: int, ignore_index: int | None) -> None:
    """Float scores ``(N, L, ...)`` without NaN (``+inf``/``-inf`` rank first/last) and 0/1 targets of that shape.

    Types and devices first (no host sync), then the values.
    """
    check_tensor(name, "preds", preds, "floating")
    check_tensor(name, "target", target, "any")
    check_same_device(name, preds, target)
    check_multilabel_tensors(name, preds, target, num_labels, ignore_index=ignore_index)


def _ranking_format(preds: Tensor, target: Tensor, ignore_index: int | None) -> tuple[Tensor, Tensor, Tensor]:
    """``(scores, relevant, valid)``, each ``(M, L)`` with the extra dimensions flattened into samples."""
    num_labels = preds.shape[1]
    scores = preds.movedim(1, -1).reshape(-1, num_labels)
    target = target.movedim(1, -1).reshape(-1, num_labels)
    valid = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    return scores, (target == 1) & valid, valid


def _count_at_least(scores: Tensor, masks: tuple[Tensor, ...]) -> list[Tensor]:
    """For each mask, how many of the row's masked labels score at least ``scores[i, j]`` (ties included)."""
    scores = scores.contiguous()  # searchsorted copies (and warns about) non-contiguous values
    values, order = scores.sort(1)
    below = torch.searchsorted(values, scores, side="left")  # labels scoring strictly less, per position
    out = []
    for mask in masks:
        sorted_mask = mask.gather(1, order).long()
        cum = torch.nn.functional.pad(sorted_mask.cumsum(1), (1, 0))
        out.append(mask.sum(1, keepdim=True) - cum.gather(1, below))
    return out


def _coverage_error_update(scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
    """``(sum of the coverages, number of samples)``."""
    lowest = torch.where(relevant, scores, torch.inf).amin(1, keepdim=True)
    coverage = ((scores >= lowest) & valid).sum(1)
    coverage = torch.where(relevant.any(1), coverage, 0)
    return coverage.sum().to(_float(scores)), torch.full((), scores.shape[0], device=scores.device)


def _ranking_average_precision_update(scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
    """``(sum of the per-sample LRAP values, number of samples)``."""
    dtype = _float(scores)
    above_relevant, above_all = _count_at_least(scores, (relevant, valid))
    ratio = torch.where(relevant, above_relevant.to(dtype) / above_all.clamp(min=1).to(dtype), 0)
    n_rel, n_valid = relevant.sum(1), valid.sum(1)
    per_sample = ratio.sum(1) / n_rel.clamp(min=1).to(dtype)
    per_sample = torch.where((n_rel == 0) | (n_rel == n_valid), 1, per_sample)
    return per_sample.sum(), torch.full((), scores.shape[0], device=scores.device)


def _ranking_loss_update(scores: Tensor, relevant: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
    """``(sum of the per-sample ranking losses, number of samples)``."""
    dtype = _float(scores)
    irrelevant = valid & ~relevant
    (above_irrelevant,) = _count_at_least(scores, (irrelevant,))
    wrong = torch.where(relevant, above_irrelevant, 0).sum(1).to(dtype)
    pairs = (relevant.sum(1) * irrelevant.sum(1)).to(dtype)
    per_sample = torch.where(pairs > 0, wrong / pairs.clamp(min=1), 0)
    return per_sample.sum(), torch.full((), scores.shape[0], device=scores.device)


def _ranking_compute(measure: Tensor, total: Tensor) -> Tensor:
    """The mean over the samples."""
    return measure / total


def _float(scores: Tensor) -> torch.dtype:
    return scores.dtype if scores.dtype in (torch.float32, torch.float64) else torch.float32


_Update = Callable[[Tensor, Tensor, Tensor], tuple[Tensor, Tensor]]


def _run(
    name: str, update: _Update, preds: Tensor, target: Tensor, num_labels: int, ignore_index: Any, check: bool
) -> Tensor:
    _ranking_arg_validation(name, num_labels, ignore_index)  # whatever validate_args (``check``) says
    if check:
        _ranking_tensor_validation(name, preds, target, num_labels, ignore_index)
    return _ranking_compute(*update(*_ranking_format(preds, target, ignore_index)))


def multilabel_coverage_error(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Coverage error: how far down the ranking one must go, on average, to cover every relevant label.

    Args:
        preds: ``(N, L, ...)`` float scores (probabilities or logits).
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: the number of labels ``L``.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar (lower is better, at least the mean number of relevant labels).

    Raises:
        ValueError: for bad argument values, shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_coverage_error
        >>> preds = torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]])
        >>> multilabel_coverage_error(preds, torch.tensor([[1, 0, 1], [1, 0, 0]]), num_labels=3)
        tensor(2.5000)
    """
    name = "multilabel_coverage_error"
    return _run(name, _coverage_error_update, preds, target, num_labels, ignore_index, validate_args)


def multilabel_ranking_average_precision(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Label ranking average precision (LRAP): the mean precision at the rank of each relevant label.

    Args:
        preds: ``(N, L, ...)`` float scores (probabilities or logits).
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: the number of labels ``L``.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar in (0, 1] (higher is better).

    Raises:
        ValueError: for bad argument values, shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_ranking_average_precision
        >>> preds = torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]])
        >>> multilabel_ranking_average_precision(preds, torch.tensor([[1, 0, 1], [1, 0, 0]]), num_labels=3)
        tensor(0.6667)
    """
    name = "multilabel_ranking_average_precision"
    return _run(name, _ranking_average_precision_update, preds, target, num_labels, ignore_index, validate_args)


def multilabel_ranking_loss(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Label ranking loss: the fraction of (relevant, irrelevant) label pairs that are ordered wrongly.

    Args:
        preds: ``(N, L, ...)`` float scores (probabilities or logits).
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: the number of labels ``L``.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar in [0, 1] (lower is better).

    Raises:
        ValueError: for bad argument values, shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_ranking_loss
        >>> preds = torch.tensor([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]])
        >>> multilabel_ranking_loss(preds, torch.tensor([[1, 0, 1], [1, 0, 0]]), num_labels=3)
        tensor(0.5000)
    """
    name = "multilabel_ranking_loss"
    return _run(name, _ranking_loss_update, preds, target, num_labels, ignore_index, validate_args)
