"""Exact-match classes; see :mod:`calipers.functional.classification.exact_match`.

States (TorchMetrics' names): ``correct`` and ``total``. With ``multidim_average="global"`` both are ``(1,)`` int64
counts summed across batches and processes; with ``"samplewise"``, ``correct`` is a list of per-sample counts
(``"cat"``) and ``total`` the number of positions per sample (the same on every batch and process: ``"max"``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import TaskFacade, register_tasks, state_signature
from calipers.functional.classification.exact_match import (
    MultidimAverage,
    _exact_match_compute,
    _multiclass_exact_match_arg_validation,
    _multiclass_exact_match_update,
    _multilabel_exact_match_arg_validation,
    _multilabel_exact_match_update,
)
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["ExactMatch", "MulticlassExactMatch", "MultilabelExactMatch"]


class _ExactMatchState(Metric):
    """The ``correct``/``total`` states (see the module docstring)."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    multidim_average: str
    correct: Tensor | list[Tensor]
    total: Tensor

    def _declare(self, multidim_average: str) -> None:
        samplewise = multidim_average == "samplewise"
        self.add_state(
            "correct", [] if samplewise else torch.zeros(1, dtype=torch.long), "cat" if samplewise else "sum"
        )
        self.add_state("total", torch.zeros(1, dtype=torch.long), "max" if samplewise else "sum")

    def _fold(self, correct: Tensor, total: Tensor) -> None:
        d = self.__dict__
        if self.multidim_average == "samplewise":
            if not correct.shape[0]:  # an empty batch leaves the states as they were
                return
            d["correct"].append(correct)
            d["total"] = torch.maximum(d["total"], total)
        else:
            d["correct"] += correct
            d["total"] += total

    def compute(self) -> Tensor:
        """The exact match over every batch seen."""
        correct = self.correct
        if isinstance(correct, list):
            correct = dim_zero_cat(correct) if correct else torch.zeros(0, dtype=torch.long, device=self.device)
        return _exact_match_compute(correct, self.total, self.dtype)


class MulticlassExactMatch(_ExactMatchState):
    """Exact match of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_exact_match`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassExactMatch
        >>> metric = MulticlassExactMatch(3)
        >>> metric(torch.tensor([[0, 1], [2, 1]]), torch.tensor([[0, 1], [2, 2]]))
        tensor(0.5000)
    """

    plot_legend_name = "Class"

    def __init__(
        self,
        num_classes: int,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _multiclass_exact_match_arg_validation(self._get_name(), num_classes, multidim_average, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.num_classes = num_classes
        self.multidim_average = multidim_average
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self._declare(multidim_average)

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch's exactly matched samples."""
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        self._fold(
            *_multiclass_exact_match_update(
                self._get_name(),
                preds,
                target,
                self.num_classes,
                self.multidim_average,
                self.ignore_index,
                self.validate_args,
            )
        )

    def _state_signature(self) -> Hashable:
        return state_signature(
            _multiclass_exact_match_update, self.num_classes, self.multidim_average, self.ignore_index
        )


class MultilabelExactMatch(_ExactMatchState):
    """Exact match of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_exact_match`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelExactMatch
        >>> metric = MultilabelExactMatch(2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor(0.5000)
    """

    plot_legend_name = "Label"

    def __init__(
        self,
        num_labels: int,
        threshold: float = 0.5,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        name = self._get_name()
        _multilabel_exact_match_arg_validation(name, num_labels, threshold, multidim_average, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.num_labels = num_labels
        self.threshold = threshold
        self.multidim_average = multidim_average
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self._declare(multidim_average)

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch's exactly matched positions."""
        check_devices(self._get_name(), self.device, preds=preds, target=target)
        self._fold(
            *_multilabel_exact_match_update(
                self._get_name(),
                preds,
                target,
                self.num_labels,
                self.threshold,
                self.multidim_average,
                self.ignore_index,
                self.validate_args,
            )
        )

    def _state_signature(self) -> Hashable:
        return state_signature(
            _multilabel_exact_match_update, self.num_labels, self.threshold, self.multidim_average, self.ignore_index
        )


class ExactMatch(TaskFacade):
    """Exact match of the given ``task`` (a task facade, ``"multiclass"`` or ``"multilabel"``).

    It is a :class:`MulticlassExactMatch` or :class:`MultilabelExactMatch` that is also an ``ExactMatch`` (see
    :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import ExactMatch
        >>> metric = ExactMatch(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([[0, 1], [2, 1]]), torch.tensor([[0, 1], [2, 2]]))
        tensor(0.5000)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(ExactMatch, {"multiclass": MulticlassExactMatch, "multilabel": MultilabelExactMatch}, globals())
