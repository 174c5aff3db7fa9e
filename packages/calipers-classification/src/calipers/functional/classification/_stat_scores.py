"""Stat scores: true/false positives and negatives per class, the sufficient statistics of the whole family.

(The module is private so that the public function :func:`~calipers.functional.classification.stat_scores` does not
shadow it: import the functions from :mod:`calipers.functional.classification`.)

Accuracy, precision, recall, F-beta, specificity, negative predictive value and Hamming distance are all functions of
``(tp, fp, tn, fn)``. Each task counts them with one vectorised ``bincount`` (no loop over classes or samples, no host
synchronisation): shapes are ``()`` (binary), ``(C,)`` (multiclass) or ``(L,)`` (multilabel) with
``multidim_average="global"``, and one more leading sample dimension with ``"samplewise"``. Positions whose target
equals ``ignore_index`` are left out of every count. Arguments are described in
[the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

import functools
import math
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_labels
from calipers.functional.classification._inputs import (
    argmax_classes,
    binary_format,
    check_average,
    check_binary_tensors,
    check_ignore_index,
    check_multiclass_tensors,
    check_multidim_average,
    check_multilabel_tensors,
    check_no_nan,
    check_num_classes,
    check_num_labels,
    check_task,
    check_threshold,
    check_top_k,
    check_zero_division,
    count_bins,
    multiclass_format,
    multilabel_format,
    remember_valid,
    safe_divide,
)
from calipers.functional.classification._reduce import _split

__all__ = [
    "TABLE_MAX_CLASSES",
    "TABLE_MAX_ENTRIES",
    "binary_stat_scores",
    "multiclass_path",
    "multiclass_stat_scores",
    "multilabel_stat_scores",
    "stat_scores",
    "table_fits",
    "table_scores",
    "checked_table_scores_counts",
]

Average = Literal["micro", "macro", "weighted", "none"] | None
MultidimAverage = Literal["global", "samplewise"]
_TP_FP_TN_FN = [3, 1, 0, 2]  # rows of 2 * target + pred (tn, fp, fn, tp) in the order tp, fp, tn, fn
# [tp, fp, tn, fn] = _MIX @ [in_target, in_preds, hits] (+ the sample count on the tn row).
_MIX = torch.tensor([[0, 0, 1], [0, 1, -1], [-1, -1, 1], [1, 0, -1]])
_TN_ROW = torch.tensor([[0], [0], [1], [0]])


# ---------------------------------------------------------------------------------------------- binary
@remember_valid
def _binary_stat_scores_arg_validation(
    name: str, threshold: Any, multidim_average: Any, ignore_index: Any, zero_division: Any = 0
) -> None:
    """Check the arguments of a binary stat-scores metric."""
    check_threshold(name, threshold)
    check_multidim_average(name, multidim_average)
    check_ignore_index(name, ignore_index)
    check_zero_division(name, zero_division)


def _four_counts(code: Tensor, valid: Tensor | None) -> Tensor:
    """Stacked ``[tp, fp, tn, fn]`` ``(4, G...)`` of ``code = 2 * target + pred`` ``(G..., M)`` per group.

    The bins are laid out code-major (``code * groups + group``), so each row of the result is contiguous. An empty
    batch (``M == 0``, or no group) counts zeros.
    """
    lead = code.shape[:-1]
    groups = math.prod(lead)
    if groups > 1:
        code = code * groups + torch.arange(groups, device=code.device).reshape(*lead, 1)
    if valid is not None:
        code = torch.where(valid, code, 4 * groups)
    return count_bins(code, 4 * groups).reshape(4, *lead)[_TP_FP_TN_FN]


def _binary_stat_scores_update(preds: Tensor, target: Tensor, valid: Tensor | None, multidim_average: str) -> Tensor:
    """Stacked ``[tp, fp, tn, fn]`` of formatted binary inputs: ``(4,)``, or ``(4, N)`` with ``"samplewise"``."""
    stats = _four_counts(2 * target + preds, valid)
    return stats if multidim_average == "samplewise" else stats.reshape(4)


def _binary_counts(
    name: str,
    preds: Tensor,
    target: Tensor,
    threshold: float,
    multidim_average: str,
    ignore_index: int | None,
    validate_args: bool,
    zero_division: float = 0,
    check_args: bool = True,
) -> Tensor:
    """Validate (arguments too unless ``check_args`` is False), format and count one batch of binary inputs.

    Returns the stacked ``[tp, fp, tn, fn]`` (unpack with ``*stats``).
    """
    if validate_args:
        if check_args:
            _binary_stat_scores_arg_validation(name, threshold, multidim_average, ignore_index, zero_division)
        check_binary_tensors(name, preds, target, multidim_average, ignore_index, nan=False)  # NaN: in the format
    samplewise = multidim_average == "samplewise"
    p, t, valid = binary_format(preds, target, threshold, ignore_index, samplewise, name if validate_args else None)
    return _binary_stat_scores_update(p, t, valid, multidim_average)


# ---------------------------------------------------------------------------------------------- multiclass
@remember_valid
def _multiclass_stat_scores_arg_validation(
    name: str,
    num_classes: Any,
    top_k: Any = 1,
    average: Any = "macro",
    multidim_average: Any = "global",
    ignore_index: Any = None,
    zero_division: Any = 0,
) -> None:
    """Check the arguments of a multiclass stat-scores metric."""
    check_num_classes(name, num_classes)
    check_top_k(name, top_k, num_classes)
    check_average(name, average)
    check_multidim_average(name, multidim_average)
    check_ignore_index(name, ignore_index)
    check_zero_division(name, zero_division)


# The table path (see `multiclass_path`). Bench workload `classification.stat_scores_paths` (rows `count/table/...` and
# `count/general/...`; CPU time, one thread): on 32 samples of 10 classes the table gather takes ~0.2x the time of the
# general bincount (dispatch-bound: 3 operations instead of 11); the gathered rows grow as samples x 4C and the two
# cost the same from about 80,000 entries (2000 samples of 10 classes), so batches of up to 65,536 entries (0.5x to
# 0.65x there) take the table. Up to 16 classes the cached tables stay small (at most 256 x 64 int64).
TABLE_MAX_CLASSES = 16
TABLE_MAX_ENTRIES = 1 << 16
Path = Literal["general", "table"]


def multiclass_path(num_classes: Any, top_k: Any, multidim_average: Any, ignore_index: Any) -> Path:
    """The counting path of a multiclass stat-scores metric, chosen once (at construction, or once per functional call).

    ``"table"`` for global top-1 counts over at most :data:`TABLE_MAX_CLASSES` classes without ``ignore_index``: its
    batches of at most :data:`TABLE_MAX_ENTRIES` gathered entries on the CPU (:func:`table_fits`) sum rows of
    :func:`_small_table`; every other batch, and every metric on the ``"general"`` path, counts with one ``bincount``
    (:func:`_multiclass_stat_scores_update`).
    """
    if (
        type(num_classes) is int
        and 2 <= num_classes <= TABLE_MAX_CLASSES
        and top_k == 1
        and multidim_average == "global"
        and ignore_index is None
    ):
        return "table"
    return "general"


def table_fits(target: Tensor, num_classes: int, top_k: int) -> bool:
    """Whether a batch of a metric on the ``"table"`` path is counted by table lookup.

    Integer target labels on the CPU, at most :data:`TABLE_MAX_ENTRIES` gathered entries (and top-1: a metric whose
    ``_path`` is forced to ``"table"`` still counts top-k batches on the general path).
    """
    return (
        top_k == 1
        and target.is_cpu
        and not target.is_floating_point()
        and target.numel() * 4 * num_classes <= TABLE_MAX_ENTRIES
    )


@functools.lru_cache(maxsize=TABLE_MAX_CLASSES)
def _small_table(num_classes: int) -> Tensor:
    """``(C * C, 4, C)`` int64 on the CPU: row ``t * C + p`` is the ``[tp, fp, tn, fn]`` of one sample.

    A sample of target ``t`` predicted ``p`` adds a true positive of ``t`` if ``t == p``, else a false positive of
    ``p`` and a false negative of ``t``; it is a true negative of every other class.
    """
    c = num_classes
    t = torch.arange(c).repeat_interleave(c)
    p = torch.arange(c).repeat(c)
    row = torch.arange(c * c)
    hit = t == p
    table = torch.zeros(c * c, 4 * c, dtype=torch.long)
    table[:, 2 * c : 3 * c] = 1
    table[row[hit], t[hit]] = 1
    table[row[~hit], c + p[~hit]] = 1
    table[row[~hit], 3 * c + t[~hit]] = 1
    table[row, 2 * c + t] = 0
    table[row, 2 * c + p] = 0
    return table.reshape(c * c, 4, c)


# The integer label dtypes a table-scores batch may have (``aminmax`` on the CPU covers them).
_TABLE_LABEL_DTYPES = frozenset({torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8})


def table_scores(preds: Any, target: Any, num_classes: int, top_k: int) -> bool:
    """Whether a batch of a metric on the ``"table"`` path is counted by :func:`checked_table_scores_counts`.

    The common batch: top-1, ``N >= 1`` float scores ``(N, C)`` and integer labels ``(N,)`` on the CPU within
    :data:`TABLE_MAX_ENTRIES` (its values unchecked). It is :func:`table_fits` for
    :func:`~calipers.functional.classification._inputs.scores_and_labels` inputs, with the checks, argmax and lookup of
    :func:`_multiclass_counts` in one function: on ``classification.mc_accuracy`` (32 x 10) that saves about 2 us of
    calls per update.
    """
    if top_k != 1 or type(preds) is not Tensor or type(target) is not Tensor:
        return False
    shape, target_shape = preds.shape, target.shape
    return (
        len(shape) == 2
        and len(target_shape) == 1
        and shape[1] == num_classes
        and 0 < shape[0] == target_shape[0]
        and shape[0] * 4 * num_classes <= TABLE_MAX_ENTRIES
        and target.dtype in _TABLE_LABEL_DTYPES
        and preds.is_floating_point()
        and preds.is_cpu
        and target.is_cpu
    )


def checked_table_scores_counts(name: str, preds: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """:func:`_table_counts` of a :func:`table_scores` batch, its target labels and NaN scores checked first.

    The same checks as every other batch, in the same order: target labels in ``[0, C)`` (one ``aminmax``), then no
    NaN score (``torch.equal(preds, preds)``, false exactly when a score is NaN), each raising the other paths'
    ``ValueError`` naming the argument.
    """
    lo, hi = target.aminmax()
    if lo.item() < 0 or hi.item() >= num_classes:
        check_labels(name, "target", target, num_classes)  # raises, naming the offending label
    if not torch.equal(preds, preds):  # NaN != NaN: one comparison pass, answered as a bool (no sum, no item)
        check_no_nan(name, "preds", preds)  # raises, counting the NaN
    return _small_table(num_classes).index_select(0, preds.argmax(1).add_(target, alpha=num_classes)).sum(0)


def _table_counts(preds: Tensor, target: Tensor, num_classes: int, nan_name: str | None = None) -> Tensor:
    """Global top-1 stats ``(4, C)`` of valid inputs: the :func:`_small_table` rows of the codes ``t * C + p``, summed.

    ``preds`` are labels shaped as ``target`` or scores ``(N, C, ...)`` (their argmax is the format step here;
    ``nan_name``: see :func:`~calipers.functional.classification._inputs.argmax_classes`).
    """
    if preds.ndim != target.ndim:
        index = argmax_classes(preds, nan_name).add_(target, alpha=num_classes)  # a fresh tensor: added in place
    else:
        index = torch.add(preds, target, alpha=num_classes)
    if index.ndim != 1:
        index = index.reshape(-1)
    return _small_table(num_classes).index_select(0, index).sum(0)


def _multiclass_stat_scores_update(
    preds: Tensor, target: Tensor, num_classes: int, multidim_average: str, ignore_index: int | None
) -> Tensor:
    """Stacked ``[tp, fp, tn, fn]`` of formatted ``(N, M)`` labels: ``(4, C)``, or ``(4, N, C)`` (samplewise).

    The general path: one ``bincount`` gives, per group and class, the target count, the prediction count and the
    hits; one matrix product turns them into the four statistics.
    """
    n = target.shape[0]
    bins = n * num_classes
    if n > 1:
        offset = torch.arange(0, bins, num_classes, device=target.device).unsqueeze(1)
        t, p = target + offset, preds + offset
    else:
        t, p = target, preds
    hit = preds == target
    if ignore_index is None:
        index = torch.cat([t, p + bins, torch.where(hit, t + 2 * bins, 3 * bins)], dim=-1)
    else:
        valid = target != ignore_index
        index = torch.cat([t, p + bins, t + 2 * bins], dim=-1)
        index = torch.where(torch.cat([valid, valid, valid & hit], dim=-1), index, 3 * bins)
    counts = count_bins(index, 3 * bins).reshape(3, bins)
    mix, tn_row = _MIX.to(counts.device), _TN_ROW.to(counts.device)
    if n == 1 and ignore_index is None:  # every position counts: the tn row adds the number of positions
        stats = torch.addmm(tn_row, mix, counts, beta=target.numel())
    else:
        stats = (mix @ counts).reshape(4, n, num_classes)
        stats[2] += counts[0].reshape(n, num_classes).sum(-1, keepdim=True)  # tn: + valid positions of the group
    stats = stats.reshape(4, n, num_classes)
    return stats if multidim_average == "samplewise" else stats[:, 0]


def _multiclass_counts(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    top_k: int,
    average: Any,
    multidim_average: str,
    ignore_index: int | None,
    validate_args: bool,
    zero_division: float = 0,
    check_args: bool = True,
    path: Path | None = None,
) -> Tensor:
    """Validate (arguments too unless ``check_args`` is False), format and count one batch of multiclass inputs.

    ``path`` is the metric's :func:`multiclass_path` (chosen here when ``None``). Returns the stacked
    ``[tp, fp, tn, fn]`` (unpack with ``*stats``).
    """
    if validate_args:
        if check_args:
            _multiclass_stat_scores_arg_validation(
                name, num_classes, top_k, average, multidim_average, ignore_index, zero_division
            )
        # NaN scores are looked for by the argmax (the format step), which often knows them for free.
        check_multiclass_tensors(name, preds, target, num_classes, multidim_average, ignore_index, top_k, nan=False)
    nan_name = name if validate_args else None
    if path is None:
        path = multiclass_path(num_classes, top_k, multidim_average, ignore_index)
    if path == "table" and table_fits(target, num_classes, top_k):
        return _table_counts(preds, target, num_classes, nan_name)
    p, t = multiclass_format(preds, target, top_k, multidim_average == "samplewise", nan_name)
    return _multiclass_stat_scores_update(p, t, num_classes, multidim_average, ignore_index)


# ---------------------------------------------------------------------------------------------- multilabel
@remember_valid
def _multilabel_stat_scores_arg_validation(
    name: str,
    num_labels: Any,
    threshold: Any = 0.5,
    average: Any = "macro",
    multidim_average: Any = "global",
    ignore_index: Any = None,
    zero_division: Any = 0,
) -> None:
    """Check the arguments of a multilabel stat-scores metric."""
    check_num_labels(name, num_labels)
    check_threshold(name, threshold)
    check_average(name, average)
    check_multidim_average(name, multidim_average)
    check_ignore_index(name, ignore_index)
    check_zero_division(name, zero_division)


def _multilabel_stat_scores_update(
    preds: Tensor, target: Tensor, valid: Tensor | None, multidim_average: str
) -> Tensor:
    """Stacked ``[tp, fp, tn, fn]`` of formatted ``(N, L, M)`` inputs: ``(4, L)``, or ``(4, N, L)`` (samplewise)."""
    stats = _four_counts(2 * target + preds, valid)
    return stats if multidim_average == "samplewise" else stats[:, 0]


def _multilabel_counts(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float,
    average: Any,
    multidim_average: str,
    ignore_index: int | None,
    validate_args: bool,
    zero_division: float = 0,
    check_args: bool = True,
) -> Tensor:
    """Validate (arguments too unless ``check_args`` is False), format and count one batch of multilabel inputs.

    Returns the stacked ``[tp, fp, tn, fn]`` (unpack with ``*stats``).
    """
    if validate_args:
        if check_args:
            _multilabel_stat_scores_arg_validation(
                name, num_labels, threshold, average, multidim_average, ignore_index, zero_division
            )
        check_multilabel_tensors(name, preds, target, num_labels, multidim_average, ignore_index, nan=False)
    samplewise = multidim_average == "samplewise"
    nan_name = name if validate_args else None
    p, t, valid = multilabel_format(preds, target, num_labels, threshold, ignore_index, samplewise, nan_name)
    return _multilabel_stat_scores_update(p, t, valid, multidim_average)


# ---------------------------------------------------------------------------------------------- reductions
def _stat_scores_compute(counts: Tensor, average: Any = "micro", multidim_average: str = "global") -> Tensor:
    """``[tp, fp, tn, fn, support]`` of stacked counts ``(4, ...)`` on a last dimension, reduced by ``average``.

    ``average="binary"`` keeps the stack as it is (binary statistics have no class dimension).
    """
    tp, fp, tn, fn = _split(counts)
    res = torch.stack([tp, fp, tn, fn, tp + fn], dim=-1)
    if average == "binary":
        return res
    if average == "micro":
        return res.sum(-2)
    if average == "macro":
        return res.float().mean(-2)
    if average == "weighted":
        weight = (tp + fn).float()
        return (res * safe_divide(weight, weight.sum(-1, keepdim=True)).unsqueeze(-1)).sum(-2)
    return res


# ---------------------------------------------------------------------------------------------- public
def binary_stat_scores(
    preds: Tensor,
    target: Tensor,
    threshold: float = 0.5,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``[tp, fp, tn, fn, support]`` of binary predictions.

    Args:
        preds: ``(N, ...)`` probabilities, logits (see the logits rule) or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        threshold: see [the argument glossary][classification-threshold].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        ``(5,)``, or ``(N, 5)`` with ``multidim_average="samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_stat_scores
        >>> binary_stat_scores(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor([1, 1, 1, 1, 2])
    """
    counts = _binary_counts(
        "binary_stat_scores", preds, target, threshold, multidim_average, ignore_index, validate_args
    )
    return _stat_scores_compute(counts, average="binary", multidim_average=multidim_average)


def multiclass_stat_scores(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    average: Average = "macro",
    top_k: int = 1,
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``[tp, fp, tn, fn, support]`` of multiclass predictions, per class or averaged.

    Args:
        preds: ``(N, ...)`` labels or ``(N, C, ...)`` scores.
        target: ``(N, ...)`` labels.
        num_classes: see [the argument glossary][classification-num_classes].
        average: see [the argument glossary][classification-average].
        top_k: see [the argument glossary][classification-top_k].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        ``(5,)`` averaged or ``(C, 5)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_stat_scores
        >>> multiclass_stat_scores(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]), num_classes=3, average=None)
        tensor([[1, 0, 2, 1, 2],
                [1, 1, 2, 0, 1],
                [1, 0, 3, 0, 1]])
    """
    counts = _multiclass_counts(
        "multiclass_stat_scores",
        preds,
        target,
        num_classes,
        top_k,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
    return _stat_scores_compute(counts, average=average, multidim_average=multidim_average)


def multilabel_stat_scores(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float = 0.5,
    average: Average = "macro",
    multidim_average: MultidimAverage = "global",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """``[tp, fp, tn, fn, support]`` of multilabel predictions, per label or averaged.

    Args:
        preds: ``(N, L, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, L, ...)`` 0/1 labels.
        num_labels: see [the argument glossary][classification-num_labels].
        threshold: see [the argument glossary][classification-threshold].
        average: see [the argument glossary][classification-average].
        multidim_average: see [the argument glossary][classification-multidim_average].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        ``(5,)`` averaged or ``(L, 5)`` with ``average=None``; one more leading ``N`` with ``"samplewise"``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multilabel_stat_scores
        >>> preds = torch.tensor([[0.9, 0.2], [0.7, 0.6]])
        >>> multilabel_stat_scores(preds, torch.tensor([[1, 0], [0, 1]]), num_labels=2, average="micro")
        tensor([2, 1, 1, 0, 2])
    """
    counts = _multilabel_counts(
        "multilabel_stat_scores",
        preds,
        target,
        num_labels,
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
    return _stat_scores_compute(counts, average=average, multidim_average=multidim_average)


def stat_scores(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass", "multilabel"],
    threshold: float = 0.5,
    num_classes: int | None = None,
    num_labels: int | None = None,
    average: Average = "micro",
    multidim_average: MultidimAverage = "global",
    top_k: int | None = 1,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Stat scores of the given ``task``: dispatches to the binary, multiclass or multilabel function.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import stat_scores
        >>> stat_scores(torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]), task="binary")
        tensor([2, 0, 0, 1, 3])
    """
    check_task("stat_scores", task)
    if task == "binary":
        return binary_stat_scores(preds, target, threshold, multidim_average, ignore_index, validate_args)
    if task == "multiclass":
        return multiclass_stat_scores(
            preds,
            target,
            num_classes,  # type: ignore[arg-type]
            average,
            top_k,  # type: ignore[arg-type]
            multidim_average,
            ignore_index,
            validate_args,
        )
    return multilabel_stat_scores(
        preds,
        target,
        num_labels,  # type: ignore[arg-type]
        threshold,
        average,
        multidim_average,
        ignore_index,
        validate_args,
    )
