"""Hinge loss classes; see :mod:`calipers.functional.classification.hinge`.

States as in TorchMetrics: ``measures`` (the summed losses, ``(C,)`` for one-vs-all) and ``total`` (the number of
samples), summed across batches and processes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import TaskFacade, register_tasks, state_signature
from calipers.functional.classification._inputs import check_num_classes
from calipers.functional.classification.hinge import (
    MulticlassMode,
    _hinge_loss_arg_validation,
    _hinge_loss_compute,
    _hinge_loss_format,
    _hinge_loss_tensor_validation,
    _hinge_loss_update,
)
from calipers.metric import Metric

__all__ = ["BinaryHingeLoss", "HingeLoss", "MulticlassHingeLoss"]


class BinaryHingeLoss(Metric):
    """Mean hinge loss of binary probabilities; see :func:`~calipers.functional.classification.binary_hinge_loss`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryHingeLoss
        >>> metric = BinaryHingeLoss()
        >>> metric(torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75]), torch.tensor([0, 0, 1, 1, 1]))
        tensor(0.6900)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    measures: Tensor
    total: Tensor

    def __init__(
        self,
        squared: bool = False,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _hinge_loss_arg_validation(self._get_name(), squared, ignore_index)
        self.squared = squared
        self.ignore_index = ignore_index
        check_flag(self._get_name(), "validate_args", validate_args)
        self.validate_args = validate_args
        self.add_state("measures", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the batch's losses."""
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        if self.validate_args:
            _hinge_loss_tensor_validation(self._get_name(), preds, target, None, self.ignore_index)
        formatted = _hinge_loss_format(preds, target, False, self.ignore_index)
        measures, total = _hinge_loss_update(*formatted, self.squared)
        self.measures = self.measures + measures.to(self.measures.dtype)
        self.total += total

    def compute(self) -> Tensor:
        """The mean loss over every sample seen."""
        return _hinge_loss_compute(self.measures, self.total)

    def _state_signature(self) -> Hashable:
        return state_signature(_hinge_loss_update, None, self.squared, self.ignore_index)


class MulticlassHingeLoss(Metric):
    """Mean hinge loss of multiclass probabilities.

    See :func:`~calipers.functional.classification.multiclass_hinge_loss`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassHingeLoss
        >>> metric = MulticlassHingeLoss(3, multiclass_mode="one-vs-all")
        >>> preds = torch.tensor([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor([0.8750, 1.1250, 1.1000])
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_legend_name = "Class"

    measures: Tensor
    total: Tensor

    def __init__(
        self,
        num_classes: int,
        squared: bool = False,
        multiclass_mode: MulticlassMode = "crammer-singer",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        name = self._get_name()
        check_num_classes(name, num_classes)
        _hinge_loss_arg_validation(name, squared, ignore_index, multiclass_mode)
        self.num_classes = num_classes
        self.squared = squared
        self.multiclass_mode = multiclass_mode
        self.ignore_index = ignore_index
        check_flag(self._get_name(), "validate_args", validate_args)
        self.validate_args = validate_args
        shape = () if multiclass_mode == "crammer-singer" else (num_classes,)
        self.add_state("measures", torch.zeros(shape), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the batch's losses."""
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        if self.validate_args:
            _hinge_loss_tensor_validation(self._get_name(), preds, target, self.num_classes, self.ignore_index)
        formatted = _hinge_loss_format(preds, target, True, self.ignore_index)
        measures, total = _hinge_loss_update(*formatted, self.squared, self.multiclass_mode)
        self.measures = self.measures + measures.to(self.measures.dtype)
        self.total += total

    def compute(self) -> Tensor:
        """The mean loss (per class for one-vs-all) over every sample seen."""
        return _hinge_loss_compute(self.measures, self.total)

    def _state_signature(self) -> Hashable:
        return state_signature(
            _hinge_loss_update, self.num_classes, self.squared, self.multiclass_mode, self.ignore_index
        )


class HingeLoss(TaskFacade):
    """Mean hinge loss of the given ``task``.

    A :class:`BinaryHingeLoss` or :class:`MulticlassHingeLoss` that is also a ``HingeLoss`` (see
    :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import HingeLoss
        >>> metric = HingeLoss(task="multiclass", num_classes=3)
        >>> preds = torch.tensor([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor(0.9125)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass"],
        num_classes: int | None = None,
        squared: bool = False,
        multiclass_mode: MulticlassMode | None = "crammer-singer",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(HingeLoss, {"binary": BinaryHingeLoss, "multiclass": MulticlassHingeLoss}, globals())
