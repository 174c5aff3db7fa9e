"""Group fairness classes; see :mod:`calipers.functional.classification.group_fairness`.

States as in TorchMetrics: ``tp``, ``fp``, ``tn``, ``fn``, int64 counts of shape ``(num_groups,)`` summed across
batches and processes. Each batch's counts go to the groups named by their ids, so a group absent from a batch does
not shift the others (TorchMetrics numbers the groups present in each batch instead).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import state_signature
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification.group_fairness import (
    FairnessTask,
    _fairness_arg_validation,
    _fairness_compute,
    _fairness_format,
    _fairness_tensor_validation,
    _fairness_update,
    _group_stat_rates_compute,
)
from calipers.metric import Metric

__all__ = ["BinaryFairness", "BinaryGroupStatRates"]


class _GroupStatScores(Metric):
    """The per-group ``tp``/``fp``/``tn``/``fn`` states and their update."""

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    tp: Tensor
    fp: Tensor
    tn: Tensor
    fn: Tensor

    def _setup(
        self, num_groups: int, threshold: float, ignore_index: int | None, validate_args: bool, task: str
    ) -> None:
        _fairness_arg_validation(self._get_name(), num_groups, threshold, ignore_index, task)
        self.num_groups = num_groups
        self.threshold = threshold
        self.ignore_index = ignore_index
        check_flag(self._get_name(), "validate_args", validate_args)
        self.validate_args = validate_args
        for name in ("tp", "fp", "tn", "fn"):
            self.add_state(name, torch.zeros(num_groups, dtype=torch.long), dist_reduce_fx="sum")

    def _count(self, preds: Tensor, target: Tensor | None, groups: Tensor) -> None:
        name = self._get_name()
        check_devices(name, self.device, preds=preds, target=target, groups=groups)
        if self.validate_args:
            needs_target = getattr(self, "task", "all") != "demographic_parity"
            _fairness_tensor_validation(name, preds, target, groups, self.num_groups, self.ignore_index, needs_target)
        formatted = _fairness_format(preds, target, groups, self.threshold, self.ignore_index)
        tp, fp, tn, fn = _fairness_update(*formatted, self.num_groups)
        self.tp += tp
        self.fp += fp
        self.tn += tn
        self.fn += fn

    def _state_signature(self) -> Hashable:
        uses_target = getattr(self, "task", "all") != "demographic_parity"
        return state_signature(_fairness_update, self.num_groups, self.threshold, self.ignore_index, uses_target)


class BinaryGroupStatRates(_GroupStatScores):
    """Per-group stat rates; see :func:`~calipers.functional.classification.binary_groups_stat_rates`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryGroupStatRates
        >>> metric = BinaryGroupStatRates(num_groups=2)
        >>> preds, target = torch.tensor([0.9, 0.2, 0.7, 0.4]), torch.tensor([1, 0, 0, 1])
        >>> metric(preds, target, torch.tensor([0, 0, 1, 1]))
        {'group_0': tensor([0.5000, 0.0000, 0.5000, 0.0000]), 'group_1': tensor([0.0000, 0.5000, 0.0000, 0.5000])}
    """

    def __init__(
        self,
        num_groups: int,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._setup(num_groups, threshold, ignore_index, validate_args, "all")

    def update(self, preds: Tensor, target: Tensor, groups: Tensor) -> None:
        """Count the batch's stat scores per group."""
        self._count(preds, target, groups)

    def compute(self) -> dict[str, Tensor]:
        """``{"group_g": [tp, fp, tn, fn] / n_g}`` over every sample seen."""
        return _group_stat_rates_compute(self.tp, self.fp, self.tn, self.fn, self.dtype)


class BinaryFairness(_GroupStatScores):
    """Demographic parity and/or equal opportunity; see :func:`~calipers.functional.classification.binary_fairness`.

    With ``task="demographic_parity"`` the ``target`` is not used: pass ``None`` (a tensor is ignored, with a
    :class:`~calipers.exceptions.CalipersUserWarning`, as in TorchMetrics).

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryFairness
        >>> metric = BinaryFairness(num_groups=2)
        >>> preds, target = torch.tensor([0.9, 0.2, 0.7, 0.8]), torch.tensor([1, 1, 0, 1])
        >>> metric(preds, target, torch.tensor([0, 0, 1, 1]))
        {'DP_0_1': tensor(0.5000), 'EO_0_1': tensor(0.5000)}
    """

    def __init__(
        self,
        num_groups: int,
        task: FairnessTask = "all",
        threshold: float = 0.5,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._setup(num_groups, threshold, ignore_index, validate_args, task)
        self.task = task

    def update(self, preds: Tensor, target: Tensor | None, groups: Tensor) -> None:
        """Count the batch's stat scores per group."""
        if self.task == "demographic_parity":
            if target is not None:
                msg = f"{self._get_name()}: the task demographic_parity does not use `target`."
                warnings.warn(msg, CalipersUserWarning, stacklevel=3)
            target = None
        self._count(preds, target, groups)

    def compute(self) -> dict[str, Tensor]:
        """The fairness ratios over every sample seen (see the module docstring of the functional)."""
        return _fairness_compute(self.tp, self.fp, self.tn, self.fn, self.task, self.dtype)
