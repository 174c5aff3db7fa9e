"""Shared input handling of the classification metrics: argument checks, tensor checks, formatting, counting.

Every classification family validates and formats its inputs through these helpers, so that one rule holds everywhere
and every error message has the house shape ``"{name}: `{arg}` must be {expectation}, got {value!r}."`` (``name`` is
the public function or class that was called). ``ValueError`` is raised for bad values, ``TypeError`` for bad types.

Argument glossary (the public docstrings of the family point here instead of repeating it):

* ``task``: ``"binary"``, ``"multiclass"`` or ``"multilabel"`` (task facades only).
* ``threshold``: a float in [0, 1]; a probability strictly above it is a positive prediction.
* ``num_classes``: the number of classes (an int >= 2); ``num_labels``: the number of labels (an int >= 2).
* ``average``: ``"micro"`` (sum the statistics over classes, then score), ``"macro"`` (score per class, then the
  unweighted mean), ``"weighted"`` (mean weighted by the support ``tp + fn``), ``"none"`` or ``None`` (one score per
  class).
* ``multidim_average``: ``"global"`` (every extra dimension pooled with the samples) or ``"samplewise"`` (one value
  per sample, computed over its extra dimensions).
* ``top_k``: the number of highest scores that count as a hit (multiclass, with scores as ``preds``): a sample is
  correct when its target is among its ``top_k`` scores, and otherwise predicts its highest-scoring class.
* ``ignore_index``: a target value whose positions are left out of every statistic (it may equal a real class).
* ``zero_division``: the value (0 or 1) of a score whose denominator is zero.
* ``validate_args``: check the arguments and tensors (``False``: no checks, and no host-device synchronisation).

Tensors: ``target`` holds labels, as an integer or bool tensor or as floats whose values are whole numbers (``0.``,
``1.``, class ids: the tensor that feeds a BCE loss); a non-integral value raises ``ValueError`` naming ``target``.
NaN policy: with ``validate_args=True`` a NaN in floating ``preds`` raises ``ValueError`` naming ``preds`` (the valid
case costs one ``sum`` of the scores and one host synchronisation, beside the target check); with
``validate_args=False`` nothing is checked: a NaN probability or logit is a negative prediction (``NaN > threshold``
is false) and a NaN multiclass score counts as that row's largest (``torch.argmax``). An empty batch adds nothing.

The logits rule (:func:`binary_probability_mask`): a floating-point ``preds`` of a binary or multilabel task holding
any value outside [0, 1] is taken as logits and passed through a sigmoid before thresholding; otherwise it is taken
as probabilities. The decision is made per call (per batch), on the device (no host synchronisation), as TorchMetrics
does. Multiclass scores need no rule: ``argmax``/``topk`` do not change under a softmax.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch
from torch import Tensor

from calipers._checks import (
    check_choice,
    check_finite,
    check_float,
    check_int,
    check_labels,
    check_tensor,
    value_range_ok,
)

__all__ = [
    "AVERAGES",
    "MULTIDIM_AVERAGES",
    "TASKS",
    "KEY_ARGMAX_MIN_CLASSES",
    "KEY_ARGMAX_MIN_NUMEL",
    "argmax_classes",
    "binary_format",
    "binary_probability_mask",
    "check_average",
    "check_binary_tensors",
    "check_choice",
    "check_ignore_index",
    "check_multiclass_tensors",
    "check_multidim_average",
    "check_multilabel_tensors",
    "check_no_nan",
    "check_num_classes",
    "check_num_labels",
    "check_task",
    "check_threshold",
    "check_top_k",
    "check_zero_division",
    "count_bins",
    "key_argmax_applies",
    "multiclass_format",
    "multilabel_format",
    "remember_valid",
    "safe_divide",
    "scores_and_labels",
]

TASKS: tuple[str, ...] = ("binary", "multiclass", "multilabel")
AVERAGES: tuple[str | None, ...] = ("macro", "micro", "none", "weighted", None)
MULTIDIM_AVERAGES: tuple[str, ...] = ("global", "samplewise")


# ---------------------------------------------------------------------------------------------- argument checks
_F = TypeVar("_F", bound=Callable[..., None])


def remember_valid(check: _F) -> _F:
    """Make an argument check remember the argument tuples it accepted, so a repeated call costs one lookup.

    Arguments are told apart by type as well as value (``True`` is not ``1``); a check that raises remembers nothing;
    unhashable or keyword arguments are checked every time.
    """
    accepted = functools.lru_cache(maxsize=512, typed=True)(check)

    @functools.wraps(check)
    def checked(*args: Any, **kwargs: Any) -> None:
        try:
            hash(args)
        except TypeError:
            return check(*args, **kwargs)
        if kwargs:  # keyword calls are rare: not remembered
            return check(*args, **kwargs)
        accepted(*args)
        return None

    return checked  # type: ignore[return-value]


# The arguments of the family, each checked by the base checks module (calipers._checks) in the house message shape.
def check_task(name: str, task: Any, allowed: Sequence[str] = TASKS) -> None:
    """Check the ``task`` argument of a task facade."""
    check_choice(name, "task", task, allowed)


def check_threshold(name: str, threshold: Any) -> None:
    """Check that ``threshold`` is a float (or int) in [0, 1]."""
    check_float(name, "threshold", threshold, 0, 1)


def check_num_classes(name: str, num_classes: Any, arg: str = "num_classes") -> None:
    """Check that ``num_classes`` (or ``num_labels`` via ``arg``) is an int >= 2."""
    check_int(name, arg, num_classes, 2)


def check_num_labels(name: str, num_labels: Any) -> None:
    """Check that ``num_labels`` is an int >= 2."""
    check_int(name, "num_labels", num_labels, 2)


def check_top_k(name: str, top_k: Any, num_classes: int) -> None:
    """Check that ``top_k`` is an int in [1, num_classes]."""
    check_int(name, "top_k", top_k, 1, num_classes, expectation=f"an int in [1, num_classes={num_classes}]")


def check_average(name: str, average: Any, allowed: Sequence[str | None] = AVERAGES) -> None:
    """Check ``average`` against the allowed reductions."""
    check_choice(name, "average", average, allowed)


def check_multidim_average(name: str, multidim_average: Any) -> None:
    """Check that ``multidim_average`` is ``"global"`` or ``"samplewise"``."""
    check_choice(name, "multidim_average", multidim_average, MULTIDIM_AVERAGES)


def check_ignore_index(name: str, ignore_index: Any) -> None:
    """Check that ``ignore_index`` is ``None`` or an int."""
    check_int(name, "ignore_index", ignore_index, optional=True)


def check_zero_division(name: str, zero_division: Any) -> None:
    """Check that ``zero_division`` is 0 or 1."""
    check_choice(name, "zero_division", zero_division, (0, 1), expectation="0 or 1")


# ---------------------------------------------------------------------------------------------- tensor checks
def _check_tensors(name: str, preds: Any, target: Any) -> None:
    """Both tensors; ``preds`` real; ``target`` labels (integer, bool, or floats holding whole numbers)."""
    check_tensor(name, "preds", preds, "any")
    check_tensor(name, "target", target, "any")
    check_tensor(name, "preds", preds, "real")
    check_tensor(name, "target", target, "label")


def check_no_nan(name: str, arg: str, value: Tensor) -> None:
    """Raise ``ValueError`` naming ``arg`` if the floating ``value`` holds a NaN.

    The valid case costs one ``sum`` and one host synchronisation: the sum is NaN whenever a value is (and also when
    ``inf`` meets ``-inf``, which the exact count then clears).
    """
    if value.is_floating_point() and value.numel() and math.isnan(value.sum().item()):
        check_finite(name, arg, value, allow_inf=True)


def _check_samplewise(name: str, multidim_average: str, ndim: int, needed: int, arg: str = "preds") -> None:
    if multidim_average == "samplewise" and ndim < needed:
        raise ValueError(
            f"{name}: `{arg}` must have at least {needed} dimensions with multidim_average='samplewise', got {ndim}."
        )


def check_binary_tensors(
    name: str,
    preds: Any,
    target: Any,
    multidim_average: str = "global",
    ignore_index: int | None = None,
    nan: bool = True,
) -> None:
    """Check binary inputs: same shape; target labels in {0, 1} (or ``ignore_index``); integer preds in {0, 1}.

    Float preds must not hold NaN; ``nan=False`` leaves that check to a caller that folds it into another pass.
    """
    _check_tensors(name, preds, target)
    if preds.shape != target.shape:
        raise ValueError(
            f"{name}: `preds` must have the shape of `target` {tuple(target.shape)}, got {tuple(preds.shape)}."
        )
    _check_samplewise(name, multidim_average, preds.ndim, 2)
    check_labels(name, "target", target, 2, ignore_index)
    if not preds.is_floating_point():
        check_labels(name, "preds", preds, 2)
    elif nan:
        check_no_nan(name, "preds", preds)


def scores_and_labels(preds: Any, target: Any, num_classes: int) -> bool:
    """Whether the inputs are ``(N, C)`` float scores and ``(N,)`` integer labels (plain tensors).

    The common multiclass input: valid but for the values, which the caller checks.
    """
    if type(preds) is not Tensor or type(target) is not Tensor:
        return False
    shape, target_shape = preds.shape, target.shape
    return (
        len(shape) == 2
        and len(target_shape) == 1
        and shape[1] == num_classes
        and shape[0] == target_shape[0]
        and preds.is_floating_point()
        and not (target.is_floating_point() or target.is_complex() or target.dtype == torch.bool)
    )


def check_multiclass_tensors(
    name: str,
    preds: Any,
    target: Any,
    num_classes: int,
    multidim_average: str = "global",
    ignore_index: int | None = None,
    top_k: int = 1,
    nan: bool = True,
) -> None:
    """Check multiclass inputs: labels ``(N, ...)`` like ``target``, or float scores ``(N, C, ...)``.

    Target labels in ``[0, C)`` (or ``ignore_index``), label preds in ``[0, C)``, scores without NaN (``nan=False``
    leaves that check to a caller that folds it into another pass).
    """
    if scores_and_labels(preds, target, num_classes):  # the common case needs no shape checks
        if not nan and value_range_ok(target, 0, num_classes):  # and its valid targets one reduction
            return
    else:
        _check_multiclass_shapes(name, preds, target, num_classes, multidim_average, top_k)
    if not preds.is_floating_point():
        check_labels(name, "preds", preds, num_classes)
    elif nan:
        check_no_nan(name, "preds", preds)
    check_labels(name, "target", target, num_classes, ignore_index)


def _check_multiclass_shapes(
    name: str, preds: Any, target: Any, num_classes: int, multidim_average: str, top_k: int
) -> None:
    _check_tensors(name, preds, target)
    if target.ndim == 0:
        raise ValueError(f"{name}: `target` must have at least one dimension (N, ...), got a scalar.")
    if preds.ndim == target.ndim + 1:
        if not preds.is_floating_point():
            raise TypeError(
                f"{name}: `preds` must be a float tensor of scores when it has one more dimension than `target`, "
                f"got a tensor of dtype {preds.dtype}."
            )
        if preds.shape[1] != num_classes:
            raise ValueError(f"{name}: `preds.shape[1]` must be num_classes={num_classes}, got {preds.shape[1]}.")
        if preds.shape[:1] + preds.shape[2:] != target.shape:
            raise ValueError(
                f"{name}: `preds` must have shape (N, C, ...) for `target` of shape (N, ...) "
                f"{tuple(target.shape)}, got {tuple(preds.shape)}."
            )
        _check_samplewise(name, multidim_average, preds.ndim, 3)
    elif preds.ndim == target.ndim:
        if preds.shape != target.shape:
            raise ValueError(
                f"{name}: `preds` must have the shape of `target` {tuple(target.shape)}, got {tuple(preds.shape)}."
            )
        if preds.is_floating_point():
            raise TypeError(
                f"{name}: `preds` must be an integer tensor of labels when it has the shape of `target`, "
                f"got a tensor of dtype {preds.dtype}."
            )
        if top_k != 1:
            raise ValueError(f"{name}: `preds` must be float scores of shape (N, C, ...) when top_k > 1, got labels.")
        _check_samplewise(name, multidim_average, preds.ndim, 2)
    else:
        raise ValueError(
            f"{name}: `preds` must have the shape of `target` or one more dimension (N, C, ...), "
            f"got shapes {tuple(preds.shape)} and {tuple(target.shape)}."
        )


def check_multilabel_tensors(
    name: str,
    preds: Any,
    target: Any,
    num_labels: int,
    multidim_average: str = "global",
    ignore_index: int | None = None,
    nan: bool = True,
) -> None:
    """Check multilabel inputs: ``(N, L, ...)`` both, target labels in {0, 1} (or ``ignore_index``), no NaN preds."""
    _check_tensors(name, preds, target)
    if preds.shape != target.shape:
        raise ValueError(
            f"{name}: `preds` must have the shape of `target` {tuple(target.shape)}, got {tuple(preds.shape)}."
        )
    if preds.ndim < 2 or preds.shape[1] != num_labels:
        raise ValueError(
            f"{name}: `preds` must have shape (N, num_labels={num_labels}, ...), got {tuple(preds.shape)}."
        )
    _check_samplewise(name, multidim_average, preds.ndim, 3)
    check_labels(name, "target", target, 2, ignore_index)
    if not preds.is_floating_point():
        check_labels(name, "preds", preds, 2)
    elif nan:
        check_no_nan(name, "preds", preds)


# ---------------------------------------------------------------------------------------------- formatting
def binary_probability_mask(preds: Tensor, threshold: float, nan_name: str | None = None) -> Tensor:
    """Positive predictions of float scores, applying the logits rule (see the module docstring); no host sync.

    ``sigmoid(x) > t`` is evaluated as ``x > logit(t)``, which needs no sigmoid over the whole tensor. The rule reads
    the extrema of ``preds`` (one ``aminmax``, NaN if any value is); with ``nan_name`` (the caller validates) a NaN
    raises ``ValueError`` naming ``preds``, for one host synchronisation and no extra pass.
    """
    if not preds.is_floating_point():
        return preds.bool()
    if preds.numel() == 0:
        return torch.zeros(preds.shape, dtype=torch.bool, device=preds.device)
    low, high = preds.aminmax()
    if nan_name is not None and math.isnan(low.item()):
        check_finite(nan_name, "preds", preds, allow_inf=True)
    logits = torch.logical_or(low < 0, high > 1)
    if threshold <= 0.0:
        logit_threshold = -math.inf
    elif threshold >= 1.0:
        logit_threshold = math.inf
    else:
        logit_threshold = math.log(threshold / (1.0 - threshold))
    return torch.where(logits, preds > logit_threshold, preds > threshold)


def binary_format(
    preds: Tensor,
    target: Tensor,
    threshold: float,
    ignore_index: int | None,
    samplewise: bool,
    nan_name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Binary inputs as ``(pred_labels, target, valid)``, each ``(N, M)`` (``(1, numel)`` when not samplewise).

    ``pred_labels`` and ``target`` are 0/1 int64; ``valid`` is ``None`` without ``ignore_index``, else the boolean mask
    of the positions to count.
    """
    p = binary_probability_mask(preds, threshold, nan_name)
    shape = (preds.shape[0], math.prod(preds.shape[1:])) if samplewise else (1, -1)  # (0, M) when empty too
    p = p.reshape(shape).long()
    t = target.reshape(shape)
    valid = None if ignore_index is None else t != ignore_index
    return p, (t == 1).long() if valid is not None else t.long(), valid


def multilabel_format(
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    threshold: float,
    ignore_index: int | None,
    samplewise: bool,
    nan_name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Multilabel inputs as ``(pred_labels, target, valid)``, each ``(N, L, M)`` (``(1, L, N*M)`` if not samplewise)."""
    p = binary_probability_mask(preds, threshold, nan_name).long()
    t = target
    if not samplewise:
        p = p.movedim(0, 1).reshape(1, num_labels, -1)
        t = t.movedim(0, 1).reshape(1, num_labels, -1)
    else:
        rest = math.prod(p.shape[2:])  # explicit: an empty batch has no -1 to infer
        p = p.reshape(p.shape[0], num_labels, rest)
        t = t.reshape(t.shape[0], num_labels, rest)
    valid = None if ignore_index is None else t != ignore_index
    return p, (t == 1).long() if valid is not None else t.long(), valid


# The argmax of large CPU scores by integer keys (see argmax_classes). Bench workload
# `classification.stat_scores_paths` (rows `argmax/...`; CPU time, one thread): on (10000, 100) float32 scores the key
# path takes ~0.35x the time of `torch.argmax`, on (10000, 10) ~2.9x: it pays from about 32 classes, and from 8192
# scores on. (`max(1).indices`, 10-30% faster than `argmax` on large inputs, is not worth a third variant.)
KEY_ARGMAX_MIN_CLASSES = 32
KEY_ARGMAX_MIN_NUMEL = 8192
# Integer view of the scores' float dtype, and the most classes the keys tell apart: a non-maximum's key is at most
# the bits of -inf read as a signed integer (-2**23 for float32, -2**52 for float64), so adding a weight of at most
# the class count must keep it below every maximum's key (>= 1).
_KEY_DTYPES = {torch.float32: torch.int32, torch.float64: torch.int64}
_KEY_MAX_CLASSES = {torch.float32: 1 << 23, torch.float64: 1 << 52}


@functools.lru_cache(maxsize=32)
def _first_max_weights(num_classes: int, dtype: torch.dtype) -> Tensor:
    """``[C, C - 1, ..., 1]`` in the integer ``dtype`` (CPU): the earlier the class, the larger its weight."""
    return torch.arange(num_classes, 0, -1, dtype=dtype)


def key_argmax_applies(preds: Tensor) -> bool:
    """Whether :func:`argmax_classes` takes the integer-key path for ``preds`` (the named predicate of that path).

    2-D float32/float64 CPU scores without gradient, at least :data:`KEY_ARGMAX_MIN_CLASSES` classes and
    :data:`KEY_ARGMAX_MIN_NUMEL` scores, and few enough classes for the keys (``2**23`` for float32).
    """
    if preds.numel() < KEY_ARGMAX_MIN_NUMEL or preds.ndim != 2 or not preds.is_cpu or preds.requires_grad:
        return False
    limit = _KEY_MAX_CLASSES.get(preds.dtype)
    return limit is not None and KEY_ARGMAX_MIN_CLASSES <= preds.shape[1] <= limit


def argmax_classes(preds: Tensor, nan_name: str | None = None) -> Tensor:
    """The highest-scoring class along dimension 1 (the first one on ties, NaN the largest: ``torch.argmax``).

    ``torch.argmax``, except for inputs :func:`key_argmax_applies` to, which take value-only reductions, faster than
    ``argmax`` there: with ``m`` each row's maximum, ``preds - m`` is exactly ``+0`` at the row's maxima and negative
    elsewhere, so read as integers of the same width it is ``0`` at the maxima and negative elsewhere (at most the
    bits of ``-inf``); adding the weights ``C - j`` and taking the row maximum gives ``C`` minus the first maximum's
    index. That needs every ``m`` finite and nonzero (no NaN or infinity, no ``-0.0`` beside a ``+0.0`` maximum),
    which is checked: otherwise ``argmax`` answers.

    With ``nan_name`` (the caller validates) a NaN score raises ``ValueError`` naming ``preds``: on the key path the
    maxima tell it for free (a row holding NaN has a NaN maximum), elsewhere :func:`check_no_nan` looks.
    """
    if not key_argmax_applies(preds):
        if nan_name is not None:
            check_no_nan(nan_name, "preds", preds)
        return preds.argmax(1)
    num_classes = preds.shape[1]
    peak = preds.amax(1, keepdim=True)
    if not bool(torch.logical_and(peak.isfinite(), peak != 0).all()):
        if nan_name is not None:
            check_no_nan(nan_name, "preds", preds)
        return preds.argmax(1)
    key_dtype = _KEY_DTYPES[preds.dtype]
    key = torch.sub(preds, peak).view(key_dtype)
    key.add_(_first_max_weights(num_classes, key_dtype))
    return key.amax(1).neg_().add_(num_classes).long()


def multiclass_format(
    preds: Tensor, target: Tensor, top_k: int, samplewise: bool, nan_name: str | None = None
) -> tuple[Tensor, Tensor]:
    """Multiclass inputs as ``(pred_labels, target)``, each ``(N, M)`` (``(1, numel)`` when not samplewise).

    Scores ``(N, C, ...)`` become labels: the highest-scoring class, or with ``top_k > 1`` the target when it is among
    the ``top_k`` highest scores and the highest-scoring class otherwise. ``nan_name``: see :func:`argmax_classes`.
    """
    if preds.ndim == target.ndim + 1:
        if top_k == 1:
            preds = argmax_classes(preds, nan_name)
        else:
            if nan_name is not None:
                check_no_nan(nan_name, "preds", preds)
            top = preds.topk(top_k, dim=1).indices
            hit = (top == target.unsqueeze(1)).any(1)
            preds = torch.where(hit, target, top[:, 0])
    shape = (target.shape[0], math.prod(target.shape[1:])) if samplewise and target.ndim else (1, -1)
    preds, target = preds.reshape(shape), target.reshape(shape)
    return (
        preds if preds.dtype == torch.long else preds.long(),
        target if target.dtype == torch.long else target.long(),
    )


# ---------------------------------------------------------------------------------------------- arithmetic
def count_bins(index: Tensor, size: int) -> Tensor:
    """``bincount`` of ``index`` (values in [0, size]) into ``size`` bins; the value ``size`` is a discard bin.

    On CUDA a scatter into a fixed-size buffer is used, which needs no host synchronisation.
    """
    index = index.reshape(-1)
    if index.is_cpu:
        return torch.bincount(index, minlength=size + 1)[:size]
    out = torch.zeros(size + 1, dtype=torch.long, device=index.device)
    return out.scatter_add_(0, index, torch.ones_like(index))[:size]


def safe_divide(num: Tensor, denom: Tensor, zero_division: float = 0.0, dtype: torch.dtype | None = None) -> Tensor:
    """``num / denom`` in a floating dtype (``dtype``, else the default), ``zero_division`` where ``denom`` is 0."""
    dtype = dtype or (num.dtype if num.is_floating_point() else torch.get_default_dtype())
    if num.dtype != dtype:
        num = num.to(dtype)
    return torch.where(denom == 0, zero_division, num / denom)
