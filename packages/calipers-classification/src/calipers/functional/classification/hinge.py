r"""Hinge loss (as used for support vector machines), on probabilities.

As in TorchMetrics, ``preds`` holding a value outside [0, 1] are taken as logits and normalised first (a sigmoid for
binary, a softmax over the classes for multiclass; positions with ``target == ignore_index`` do not count), and the
loss is computed on the resulting probabilities :math:`p`:

.. math::
    \text{binary: } \max(0, 1 - y p) \text{ with } y = \pm 1 \qquad
    \text{Crammer-Singer: } \max(0, 1 - p_{y} + \max_{c \neq y} p_c)

averaged over the samples; ``squared=True`` squares each term first. ``multiclass_mode="one-vs-all"`` scores every
class as a binary problem and returns one loss per class. The sufficient statistics are the sum of the per-sample
losses and the number of samples, summed across batches and processes (the value is NaN without any sample).
Other arguments are described in [the classification argument glossary][classification-arguments].
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_flag, check_same_device, check_tensor
from calipers.functional.classification._inputs import (
    check_binary_tensors,
    check_choice,
    check_ignore_index,
    check_multiclass_tensors,
    check_num_classes,
    check_task,
)
from calipers.functional.classification._probabilities import probabilities

__all__ = ["binary_hinge_loss", "hinge_loss", "multiclass_hinge_loss"]

MulticlassMode = Literal["crammer-singer", "one-vs-all"]
_MODES = ("crammer-singer", "one-vs-all")


def _hinge_loss_arg_validation(name: str, squared: Any, ignore_index: Any, multiclass_mode: Any = None) -> None:
    """Check ``squared`` (a bool), ``ignore_index`` and, for multiclass, ``multiclass_mode``."""
    check_flag(name, "squared", squared)
    check_ignore_index(name, ignore_index)
    if multiclass_mode is not None:
        check_choice(name, "multiclass_mode", multiclass_mode, _MODES)


def _hinge_loss_tensor_validation(
    name: str, preds: Any, target: Any, num_classes: int | None, ignore_index: int | None
) -> None:
    """Binary (``num_classes=None``): same shapes; multiclass: ``(N, C, ...)`` scores and ``(N, ...)`` labels.

    Types and devices first (no host sync), then the values (NaN in ``preds`` raises).
    """
    check_tensor(name, "preds", preds, "floating")
    check_tensor(name, "target", target, "any")
    check_same_device(name, preds, target)
    if num_classes is None:
        check_binary_tensors(name, preds, target, ignore_index=ignore_index)
        return
    if preds.ndim != target.ndim + 1:
        raise ValueError(
            f"{name}: `preds` must have shape (N, C, ...) for `target` of shape (N, ...), "
            f"got {tuple(preds.shape)} and {tuple(target.shape)}."
        )
    check_multiclass_tensors(name, preds, target, num_classes, ignore_index=ignore_index)


def _hinge_loss_format(
    preds: Tensor, target: Tensor, multiclass: bool, ignore_index: int | None
) -> tuple[Tensor, Tensor, Tensor | None]:
    """``(probabilities, target, valid)``: ``(M,)`` or ``(M, C)`` probabilities, ``(M,)`` targets (ignored set to 0)."""
    scores = preds.movedim(1, -1).reshape(-1, preds.shape[1]) if multiclass else preds.reshape(-1)
    target = target.reshape(-1)
    valid = None if ignore_index is None else target != ignore_index
    probs = probabilities(scores, valid)
    target = target.long() if valid is None else torch.where(valid, target, 0).long()
    return probs, target, valid


def _hinge_loss_update(
    probs: Tensor, target: Tensor, valid: Tensor | None, squared: bool, multiclass_mode: str | None = None
) -> tuple[Tensor, Tensor]:
    """``(sum of the per-sample losses, number of samples)``; the sum is ``(C,)`` for one-vs-all."""
    if probs.ndim == 1:  # binary
        margin = torch.where(target == 1, probs, -probs)
    elif multiclass_mode == "crammer-singer":
        hot = torch.nn.functional.one_hot(target, probs.shape[1]).bool()
        own = probs.gather(1, target.unsqueeze(1)).squeeze(1)
        margin = own - probs.masked_fill(hot, -torch.inf).amax(1)
    else:
        hot = torch.nn.functional.one_hot(target, probs.shape[1]).bool()
        margin = torch.where(hot, probs, -probs)
    losses = (1 - margin).clamp(min=0)
    if squared:
        losses = losses.square()
    if valid is None:
        return losses.sum(0), torch.full((), target.shape[0], device=target.device)
    keep = valid.unsqueeze(1) if losses.ndim == 2 else valid
    return torch.where(keep, losses, 0).sum(0), valid.sum()


def _hinge_loss_compute(measures: Tensor, total: Tensor) -> Tensor:
    """The mean loss (NaN without any sample)."""
    return measures / total


def binary_hinge_loss(
    preds: Tensor,
    target: Tensor,
    squared: bool = False,
    ignore_index: int | None = None,
    validate_args: bool = False,
) -> Tensor:
    """Mean hinge loss of binary probabilities (``validate_args`` is off by default, as in TorchMetrics).

    Args:
        preds: ``(N, ...)`` probabilities or logits of the positive class.
        target: ``(N, ...)`` 0/1 labels.
        squared: square each sample's loss.
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar.

    Raises:
        ValueError: for bad shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_hinge_loss
        >>> binary_hinge_loss(torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75]), torch.tensor([0, 0, 1, 1, 1]))
        tensor(0.6900)
    """
    _hinge_loss_arg_validation("binary_hinge_loss", squared, ignore_index)  # whatever validate_args says
    if validate_args:
        _hinge_loss_tensor_validation("binary_hinge_loss", preds, target, None, ignore_index)
    return _hinge_loss_compute(*_hinge_loss_update(*_hinge_loss_format(preds, target, False, ignore_index), squared))


def multiclass_hinge_loss(
    preds: Tensor,
    target: Tensor,
    num_classes: int,
    squared: bool = False,
    multiclass_mode: MulticlassMode = "crammer-singer",
    ignore_index: int | None = None,
    validate_args: bool = False,
) -> Tensor:
    """Mean hinge loss of multiclass probabilities (``validate_args`` is off by default, as in TorchMetrics).

    Args:
        preds: ``(N, C, ...)`` probabilities or logits.
        target: ``(N, ...)`` labels.
        num_classes: the number of classes ``C``.
        squared: square each sample's loss.
        multiclass_mode: ``"crammer-singer"`` (one loss) or ``"one-vs-all"`` (one loss per class).
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        A scalar, or ``(C,)`` with ``multiclass_mode="one-vs-all"``.

    Raises:
        ValueError: for bad argument values, shapes or target values.
        TypeError: for arguments of the wrong type, or integer ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import multiclass_hinge_loss
        >>> preds = torch.tensor([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
        >>> multiclass_hinge_loss(preds, torch.tensor([0, 1, 2, 0]), num_classes=3)
        tensor(0.9125)
    """
    check_num_classes("multiclass_hinge_loss", num_classes)  # the arguments whatever validate_args says
    _hinge_loss_arg_validation("multiclass_hinge_loss", squared, ignore_index, multiclass_mode)
    if validate_args:
        _hinge_loss_tensor_validation("multiclass_hinge_loss", preds, target, num_classes, ignore_index)
    formatted = _hinge_loss_format(preds, target, True, ignore_index)
    return _hinge_loss_compute(*_hinge_loss_update(*formatted, squared, multiclass_mode))


def hinge_loss(
    preds: Tensor,
    target: Tensor,
    task: Literal["binary", "multiclass"],
    num_classes: int | None = None,
    squared: bool = False,
    multiclass_mode: MulticlassMode = "crammer-singer",
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> Tensor:
    """Mean hinge loss of the given ``task`` (dispatches to the binary or multiclass function).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import hinge_loss
        >>> hinge_loss(torch.tensor([0.25, 0.55, 0.75]), torch.tensor([0, 1, 1]), task="binary", squared=True)
        tensor(0.6092)
    """
    check_task("hinge_loss", task, ("binary", "multiclass"))
    if task == "binary":
        return binary_hinge_loss(preds, target, squared, ignore_index, validate_args)
    check_num_classes("hinge_loss", num_classes)
    return multiclass_hinge_loss(
        preds,
        target,
        num_classes,  # type: ignore[arg-type]
        squared,
        multiclass_mode,
        ignore_index,
        validate_args,
    )
