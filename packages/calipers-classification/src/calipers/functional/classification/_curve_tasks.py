"""Input handling of the curve family per task: checks, formatting into states, states into columns.

A *state* is what the metric classes keep (TorchMetrics' layout): ``confmat (T, K, 2, 2)`` when binned (binary:
``(T, 2, 2)``), else ``(preds, target)``: binary ``(N,), (N,)``; multiclass ``(N, C), (N,)``; multilabel ``(N, L),
(N, L)`` (multilabel keeps ignored entries, marked by ``ignore_index`` in ``target``). See
:mod:`calipers.functional.classification._curve` for the columns.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import torch
from torch import Tensor

from calipers._checks import check_devices, check_same_device, check_tensor
from calipers.functional.classification._curve import (
    Thresholds,
    adjust_thresholds,
    binned_counts,
    check_float_preds,
    check_thresholds,
    exact_stats,
    normalize,
)
from calipers.functional.classification._inputs import (
    check_binary_tensors,
    check_ignore_index,
    check_multiclass_tensors,
    check_multilabel_tensors,
    check_num_classes,
)

__all__ = [
    "CurveState",
    "binary_update",
    "check_inputs",
    "columns",
    "functional_thresholds",
    "multiclass_update",
    "multilabel_update",
    "stats_of",
]

CurveState: TypeAlias = "Tensor | tuple[Tensor, Tensor]"


def check_args(name: str, thresholds: Any, ignore_index: Any, num_classes: Any = None, arg: str = "") -> None:
    """Check the arguments every curve metric takes (``num_classes``/``num_labels`` when ``arg`` names it)."""
    if arg:
        check_num_classes(name, num_classes, arg)
    check_thresholds(name, thresholds)
    check_ignore_index(name, ignore_index)


def functional_thresholds(thresholds: Thresholds, preds: Any) -> Tensor | None:
    """The thresholds of a functional call, on the device of ``preds`` (the update checks that it is a tensor)."""
    return adjust_thresholds(thresholds, preds.device if isinstance(preds, Tensor) else None)


def check_inputs(name: str, preds: Any, target: Any, device: torch.device | None, validate_args: bool) -> None:
    """The checks every curve update makes first, before any that reads values (which needs a host sync).

    With ``validate_args``: ``preds`` a floating tensor and ``target`` a tensor (the task's tensor checks then read
    the values, NaN in ``preds`` included). Always (no host sync): both on ``device`` (a class: its states' device),
    or, in a functional (``device=None``), ``target`` on the device of ``preds``.
    """
    if validate_args:
        check_float_preds(name, preds)
        check_tensor(name, "target", target, "any")
    if device is None:
        check_same_device(name, preds, target)
    else:
        check_devices(name, device, preds=preds, target=target)


def binary_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    thresholds: Tensor | None,
    ignore_index: int | None,
    validate_args: bool,
    normalization: str | None = "sigmoid",
    device: torch.device | None = None,
) -> CurveState:
    """One batch of binary inputs as a state: its confmat (binned), or its kept ``(preds, target)`` (exact)."""
    check_inputs(name, preds, target, device, validate_args)
    if validate_args:
        check_binary_tensors(name, preds, target, ignore_index=ignore_index)
    preds, target = preds.reshape(-1), target.reshape(-1)
    if thresholds is None:
        if ignore_index is not None:
            keep = target != ignore_index
            preds, target = preds[keep], target[keep]
        return normalize(preds, None, normalization), target.long()
    valid = None if ignore_index is None else (target != ignore_index).unsqueeze(0)
    p = normalize(preds, valid, normalization).unsqueeze(0)
    return binned_counts(p, (target == 1).unsqueeze(0), valid, thresholds)[:, 0]


def multiclass_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    thresholds: Tensor | None,
    ignore_index: int | None,
    validate_args: bool,
    device: torch.device | None = None,
) -> CurveState:
    """One batch of multiclass scores ``(N, C, ...)`` and labels ``(N, ...)`` as a state."""
    check_inputs(name, preds, target, device, validate_args)
    if validate_args:
        if preds.ndim != target.ndim + 1:
            raise ValueError(
                f"{name}: `preds` must be scores of shape (N, C, ...) for `target` of shape (N, ...), "
                f"got shapes {tuple(preds.shape)} and {tuple(target.shape)}."
            )
        check_multiclass_tensors(name, preds, target, num_classes, ignore_index=ignore_index)
    preds = preds.movedim(1, -1).reshape(-1, num_classes)
    target = target.reshape(-1)
    if thresholds is None:
        if ignore_index is not None:
            keep = target != ignore_index
            preds, target = preds[keep], target[keep]
        return normalize(preds, None, "softmax"), target.long()
    valid = None if ignore_index is None else (target != ignore_index).unsqueeze(1)
    p = normalize(preds, valid, "softmax").T
    classes = torch.arange(num_classes, device=target.device).unsqueeze(1)
    return binned_counts(p, target.unsqueeze(0) == classes, None if valid is None else valid.T, thresholds)


def multilabel_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    num_labels: int,
    thresholds: Tensor | None,
    ignore_index: int | None,
    validate_args: bool,
    device: torch.device | None = None,
) -> CurveState:
    """One batch of multilabel scores and targets ``(N, L, ...)`` as a state."""
    check_inputs(name, preds, target, device, validate_args)
    if validate_args:
        check_multilabel_tensors(name, preds, target, num_labels, ignore_index=ignore_index)
    preds = normalize(preds.movedim(1, -1).reshape(-1, num_labels), None, "sigmoid")
    target = target.movedim(1, -1).reshape(-1, num_labels).long()
    if thresholds is None:
        return preds, target
    valid = None if ignore_index is None else (target != ignore_index).T
    return binned_counts(preds.T, (target == 1).T, valid, thresholds)


def columns(
    state: tuple[Tensor, Tensor], task: str, num_classes: int = 1, ignore_index: int | None = None, micro: bool = False
) -> tuple[Tensor, Tensor, Tensor | None]:
    """The ``(preds, pos, valid)`` columns ``(K, N)`` of an exact state (``micro``: one column of every entry)."""
    preds, target = state
    if task == "binary":
        return preds.unsqueeze(0), (target == 1).unsqueeze(0), None
    if task == "multiclass":
        classes = torch.arange(num_classes, device=target.device)
        pos = target.unsqueeze(0) == classes.unsqueeze(1)
        if micro:
            return preds.T.reshape(1, -1), pos.reshape(1, -1), None
        return preds.T, pos, None
    valid = None if ignore_index is None else (target != ignore_index).T
    p, t = preds.T, (target == 1).T
    if micro:
        return p.reshape(1, -1), t.reshape(1, -1), None if valid is None else valid.reshape(1, -1)
    return p, t, valid


def stats_of(
    state: tuple[Tensor, Tensor], task: str, num_classes: int = 1, ignore_index: int | None = None, micro: bool = False
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """:func:`~calipers.functional.classification._curve.exact_stats` of an exact state."""
    return exact_stats(*columns(state, task, num_classes, ignore_index, micro))


def state_dtype(state: CurveState) -> torch.dtype:
    """The floating dtype results are computed in: that of the scores, or the default one for counts."""
    if isinstance(state, Tensor):
        return torch.get_default_dtype()
    return state[0].dtype if state[0].is_floating_point() else torch.get_default_dtype()


def micro_confmat(confmat: Tensor) -> Tensor:
    """The ``(T, 1, 2, 2)`` confmat of every entry pooled (micro average) from ``(T, K, 2, 2)``."""
    return confmat.sum(1, keepdim=True)


def as_columns(confmat: Tensor) -> Tensor:
    """A binary ``(T, 2, 2)`` confmat as ``(T, 1, 2, 2)``."""
    return confmat.unsqueeze(1) if confmat.ndim == 3 else confmat


def require_int(name: str, arg: str, value: Any) -> int:
    """The ``num_classes``/``num_labels`` a task facade needs for its task (an int >= 2)."""
    check_num_classes(name, value, arg)
    return int(value)
