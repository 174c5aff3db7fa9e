"""LogAUC classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_points import logauc_compute
from calipers.functional.classification._inputs import check_average
from calipers.functional.classification.logauc import check_fpr_range

__all__ = ["LogAUC", "BinaryLogAUC", "MulticlassLogAUC", "MultilabelLogAUC"]


class BinaryLogAUC(BinaryCurveState):
    """LogAUC of binary scores.

    Arguments and value as :func:`~calipers.functional.classification.binary_logauc`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryLogAUC
        >>> metric = BinaryLogAUC()
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """

    higher_is_better = True

    def __init__(
        self,
        fpr_range: tuple[float, float] = (0.001, 0.1),
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_fpr_range(self._get_name(), fpr_range)
        self._declare(thresholds, ignore_index, validate_args)
        self.fpr_range = fpr_range

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return logauc_compute(
            self._final_state(), self.thresholds, "binary", self.fpr_range, dtype=self._compute_dtype()
        )


class MulticlassLogAUC(MulticlassCurveState):
    """LogAUC of each class (one-vs-rest), averaged.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_logauc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassLogAUC
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassLogAUC(num_classes=3)
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor([0.5000, 1.0000, 0.0000])
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        fpr_range: tuple[float, float] = (0.001, 0.1),
        average: Literal["macro", "none"] | None = None,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_fpr_range(self._get_name(), fpr_range)
        check_average(self._get_name(), average, ("macro", "none", None))
        self.fpr_range = fpr_range
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.average = average

    def compute(self) -> Tensor:
        """The values over every batch seen."""
        return logauc_compute(
            self._final_state(),
            self.thresholds,
            "multiclass",
            self.fpr_range,
            self._size,
            None,
            self.average,
            self._compute_dtype(),
        )


class MultilabelLogAUC(MultilabelCurveState):
    """LogAUC of each label of multilabel scores, averaged.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_logauc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelLogAUC
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> metric = MultilabelLogAUC(num_labels=2)
        >>> metric(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]))
        tensor([0., 0.])
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        fpr_range: tuple[float, float] = (0.001, 0.1),
        average: Literal["macro", "none"] | None = None,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_fpr_range(self._get_name(), fpr_range)
        check_average(self._get_name(), average, ("macro", "none", None))
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.fpr_range = fpr_range
        self.average = average

    def compute(self) -> Tensor:
        """The values over every batch seen."""
        return logauc_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self.fpr_range,
            self._size,
            self.ignore_index,
            self.average,
            self._compute_dtype(),
        )


class LogAUC(TaskFacade):
    """LogAUC of the given ``task`` (a task facade).

    The object is also a ``BinaryLogAUC``, ``MulticlassLogAUC`` or ``MultilabelLogAUC``
    (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import LogAUC
        >>> metric = LogAUC(task="binary")
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        thresholds: Thresholds = None,
        fpr_range: tuple[float, float] = (0.001, 0.1),
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    LogAUC,
    {"binary": BinaryLogAUC, "multiclass": MulticlassLogAUC, "multilabel": MultilabelLogAUC},
    globals(),
)
