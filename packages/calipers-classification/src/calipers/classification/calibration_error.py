"""Calibration error classes; see :mod:`calipers.functional.classification.calibration_error`.

The states are fixed-size histograms of ``n_bins + 1`` bins (``bin_counts``, ``bin_confidences``,
``bin_accuracies``), summed across batches and processes, instead of TorchMetrics' concatenated lists of every
confidence: memory and sync cost do not grow with the data.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import TaskFacade, register_tasks, state_signature
from calipers.functional.classification._inputs import check_num_classes
from calipers.functional.classification.calibration_error import (
    Norm,
    _calibration_error_arg_validation,
    _calibration_error_compute,
    _calibration_error_format,
    _calibration_error_tensor_validation,
    _calibration_error_update,
)
from calipers.metric import Metric

__all__ = ["BinaryCalibrationError", "CalibrationError", "MulticlassCalibrationError"]


class _CalibrationErrorState(Metric):
    """The binned states and their fold; subclasses set ``_num_classes`` (``None`` for binary)."""

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    bin_counts: Tensor
    bin_confidences: Tensor
    bin_accuracies: Tensor
    _num_classes: int | None

    def _setup(self, n_bins: int, norm: Norm, ignore_index: int | None, validate_args: bool) -> None:
        _calibration_error_arg_validation(self._get_name(), n_bins, norm, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.n_bins = n_bins
        self.norm = norm
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.add_state("bin_counts", torch.zeros(n_bins + 1, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("bin_confidences", torch.zeros(n_bins + 1), dist_reduce_fx="sum")
        self.add_state("bin_accuracies", torch.zeros(n_bins + 1), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the batch's samples to the confidence bins."""
        multiclass = self._num_classes is not None
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        if self.validate_args:
            _calibration_error_tensor_validation(self._get_name(), preds, target, self._num_classes, self.ignore_index)
        formatted = _calibration_error_format(preds, target, multiclass, self.ignore_index)
        counts, conf_sums, acc_sums = _calibration_error_update(*formatted, self.n_bins)
        self.bin_counts += counts
        self.bin_confidences += conf_sums.to(self.bin_confidences.dtype)
        self.bin_accuracies += acc_sums.to(self.bin_accuracies.dtype)

    def compute(self) -> Tensor:
        """The calibration error over every sample seen (NaN without any)."""
        return _calibration_error_compute(self.bin_counts, self.bin_confidences, self.bin_accuracies, self.norm)

    def _state_signature(self) -> Hashable:
        return state_signature(_calibration_error_update, self._num_classes, self.n_bins, self.ignore_index)


class BinaryCalibrationError(_CalibrationErrorState):
    """Calibration error of binary probabilities.

    See :func:`~calipers.functional.classification.binary_calibration_error`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryCalibrationError
        >>> metric = BinaryCalibrationError(n_bins=2, norm="l2")
        >>> metric(torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75]), torch.tensor([0, 0, 1, 1, 1]))
        tensor(0.2918)
    """

    def __init__(
        self,
        n_bins: int = 15,
        norm: Norm = "l1",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._num_classes = None
        self._setup(n_bins, norm, ignore_index, validate_args)


class MulticlassCalibrationError(_CalibrationErrorState):
    """Top-label calibration error; see :func:`~calipers.functional.classification.multiclass_calibration_error`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassCalibrationError
        >>> metric = MulticlassCalibrationError(num_classes=3, n_bins=3, norm="max")
        >>> preds = torch.tensor([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor(0.2333)
    """

    def __init__(
        self,
        num_classes: int,
        n_bins: int = 15,
        norm: Norm = "l1",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_num_classes(self._get_name(), num_classes)
        self.num_classes = num_classes
        self._num_classes = num_classes
        self._setup(n_bins, norm, ignore_index, validate_args)


class CalibrationError(TaskFacade):
    """Calibration error of the given ``task``.

    A :class:`BinaryCalibrationError` or :class:`MulticlassCalibrationError` that is also a ``CalibrationError``
    (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import CalibrationError
        >>> metric = CalibrationError(task="binary", n_bins=2)
        >>> metric(torch.tensor([0.25, 0.25, 0.55, 0.75, 0.75]), torch.tensor([0, 0, 1, 1, 1]))
        tensor(0.2900)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass"],
        n_bins: int = 15,
        norm: Norm = "l1",
        num_classes: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    CalibrationError, {"binary": BinaryCalibrationError, "multiclass": MulticlassCalibrationError}, globals()
)
