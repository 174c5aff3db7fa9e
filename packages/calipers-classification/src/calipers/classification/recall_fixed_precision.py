"""Recall at a fixed minimum precision, and precision at a fixed minimum recall.

Classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`).
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds, check_probability
from calipers.functional.classification._curve_points import at_fixed_compute

__all__ = [
    "BinaryPrecisionAtFixedRecall",
    "BinaryRecallAtFixedPrecision",
    "MulticlassPrecisionAtFixedRecall",
    "MulticlassRecallAtFixedPrecision",
    "MultilabelPrecisionAtFixedRecall",
    "MultilabelRecallAtFixedPrecision",
    "PrecisionAtFixedRecall",
    "RecallAtFixedPrecision",
]


class BinaryRecallAtFixedPrecision(BinaryCurveState):
    """Highest recall of binary scores with precision at least ``min_precision``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.binary_recall_at_fixed_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryRecallAtFixedPrecision
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = BinaryRecallAtFixedPrecision(min_precision=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.3500))
    """

    higher_is_better = True

    def __init__(
        self,
        min_precision: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_precision", min_precision)
        self._declare(thresholds, ignore_index, validate_args)
        self.min_precision = min_precision

    def compute(self) -> tuple[Tensor, Tensor]:
        """The value over every batch seen."""
        return at_fixed_compute(
            "recall@precision",
            self._final_state(),
            self.thresholds,
            "binary",
            self.min_precision,
            dtype=self._compute_dtype(),
        )


class MulticlassRecallAtFixedPrecision(MulticlassCurveState):
    """Highest recall of each class (one-vs-rest) with precision at least ``min_precision``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_recall_at_fixed_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassRecallAtFixedPrecision
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> metric = MulticlassRecallAtFixedPrecision(num_classes=3, min_precision=0.5)
        >>> metric(preds, target)
        (tensor([1., 1., 1.]), tensor([0.1000, 0.6000, 0.4000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        min_precision: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_precision", min_precision)
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.min_precision = min_precision

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "recall@precision",
            self._final_state(),
            self.thresholds,
            "multiclass",
            self.min_precision,
            self._size,
            dtype=self._compute_dtype(),
        )


class MultilabelRecallAtFixedPrecision(MultilabelCurveState):
    """Highest recall of each label with precision at least ``min_precision``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_recall_at_fixed_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelRecallAtFixedPrecision
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> metric = MultilabelRecallAtFixedPrecision(num_labels=2, min_precision=0.5)
        >>> metric(preds, target)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        min_precision: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_precision", min_precision)
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.min_precision = min_precision

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "recall@precision",
            self._final_state(),
            self.thresholds,
            "multilabel",
            self.min_precision,
            self._size,
            self.ignore_index,
            self._compute_dtype(),
        )


class RecallAtFixedPrecision(TaskFacade):
    """Recall at a minimum precision for the given ``task`` (a task facade).

    The object is also a ``BinaryRecallAtFixedPrecision``, ``MulticlassRecallAtFixedPrecision``
    or ``MultilabelRecallAtFixedPrecision`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import RecallAtFixedPrecision
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = RecallAtFixedPrecision(task="binary", min_precision=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.3500))
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        min_precision: float,
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    RecallAtFixedPrecision,
    {
        "binary": BinaryRecallAtFixedPrecision,
        "multiclass": MulticlassRecallAtFixedPrecision,
        "multilabel": MultilabelRecallAtFixedPrecision,
    },
    globals(),
)


class BinaryPrecisionAtFixedRecall(BinaryCurveState):
    """Highest precision of binary scores with recall at least ``min_recall``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.binary_precision_at_fixed_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryPrecisionAtFixedRecall
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = BinaryPrecisionAtFixedRecall(min_recall=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.8000))
    """

    higher_is_better = True

    def __init__(
        self,
        min_recall: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_recall", min_recall)
        self._declare(thresholds, ignore_index, validate_args)
        self.min_recall = min_recall

    def compute(self) -> tuple[Tensor, Tensor]:
        """The value over every batch seen."""
        return at_fixed_compute(
            "precision@recall",
            self._final_state(),
            self.thresholds,
            "binary",
            self.min_recall,
            dtype=self._compute_dtype(),
        )


class MulticlassPrecisionAtFixedRecall(MulticlassCurveState):
    """Highest precision of each class (one-vs-rest) with recall at least ``min_recall``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_precision_at_fixed_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassPrecisionAtFixedRecall
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> metric = MulticlassPrecisionAtFixedRecall(num_classes=3, min_recall=0.5)
        >>> metric(preds, target)
        (tensor([1.0000, 1.0000, 0.5000]), tensor([0.7000, 0.6000, 0.4000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        min_recall: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_recall", min_recall)
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.min_recall = min_recall

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "precision@recall",
            self._final_state(),
            self.thresholds,
            "multiclass",
            self.min_recall,
            self._size,
            dtype=self._compute_dtype(),
        )


class MultilabelPrecisionAtFixedRecall(MultilabelCurveState):
    """Highest precision of each label with recall at least ``min_recall``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_precision_at_fixed_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelPrecisionAtFixedRecall
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> metric = MultilabelPrecisionAtFixedRecall(num_labels=2, min_recall=0.5)
        >>> metric(preds, target)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        min_recall: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_recall", min_recall)
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.min_recall = min_recall

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "precision@recall",
            self._final_state(),
            self.thresholds,
            "multilabel",
            self.min_recall,
            self._size,
            self.ignore_index,
            self._compute_dtype(),
        )


class PrecisionAtFixedRecall(TaskFacade):
    """Precision at a minimum recall for the given ``task`` (a task facade).

    The object is also a ``BinaryPrecisionAtFixedRecall``, ``MulticlassPrecisionAtFixedRecall``
    or ``MultilabelPrecisionAtFixedRecall`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import PrecisionAtFixedRecall
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = PrecisionAtFixedRecall(task="binary", min_recall=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.8000))
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        min_recall: float,
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    PrecisionAtFixedRecall,
    {
        "binary": BinaryPrecisionAtFixedRecall,
        "multiclass": MulticlassPrecisionAtFixedRecall,
        "multilabel": MultilabelPrecisionAtFixedRecall,
    },
    globals(),
)
