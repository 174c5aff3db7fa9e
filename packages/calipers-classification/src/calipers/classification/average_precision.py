"""AveragePrecision classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_scores import average_precision_compute
from calipers.functional.classification._inputs import check_average

__all__ = ["AveragePrecision", "BinaryAveragePrecision", "MulticlassAveragePrecision", "MultilabelAveragePrecision"]


class BinaryAveragePrecision(BinaryCurveState):
    """Average precision of binary scores.

    Arguments and value as :func:`~calipers.functional.classification.binary_average_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryAveragePrecision
        >>> metric = BinaryAveragePrecision()
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.8333)
    """

    higher_is_better = True

    def __init__(
        self,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        normalization: Literal["sigmoid", "softmax"] | None = "sigmoid",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._declare(thresholds, ignore_index, validate_args)
        self._normalization = normalization

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return average_precision_compute(self._final_state(), self.thresholds, "binary", dtype=self._compute_dtype())


class MulticlassAveragePrecision(MulticlassCurveState):
    """One-vs-rest average precision of multiclass scores.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_average_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassAveragePrecision
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassAveragePrecision(num_classes=3, average=None)
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor([0.7500, 1.0000, 0.5000])
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        average: Literal["macro", "weighted", "none"] | None = "macro",
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_average(self._get_name(), average, ("macro", "none", "weighted", None))
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.average = average

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return average_precision_compute(
            self._final_state(), self.thresholds, "multiclass", self._size, None, self.average, self._compute_dtype()
        )


class MultilabelAveragePrecision(MultilabelCurveState):
    """Average precision of each label of multilabel scores, averaged.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_average_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelAveragePrecision
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> metric = MultilabelAveragePrecision(num_labels=2, average=None)
        >>> metric(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]))
        tensor([1., 1.])
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        average: Literal["micro", "macro", "weighted", "none"] | None = "macro",
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_average(self._get_name(), average, ("macro", "micro", "none", "weighted", None))
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.average = average

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return average_precision_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self._size,
            self.ignore_index,
            self.average,
            self._compute_dtype(),
        )


class AveragePrecision(TaskFacade):
    """Average precision of the given ``task`` (a task facade).

    The object is also a ``BinaryAveragePrecision``, ``MulticlassAveragePrecision`` or ``MultilabelAveragePrecision``
    (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import AveragePrecision
        >>> metric = AveragePrecision(task="binary")
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.8333)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Literal["macro", "weighted", "none"] | None = "macro",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    AveragePrecision,
    {
        "binary": BinaryAveragePrecision,
        "multiclass": MulticlassAveragePrecision,
        "multilabel": MultilabelAveragePrecision,
    },
    globals(),
)
