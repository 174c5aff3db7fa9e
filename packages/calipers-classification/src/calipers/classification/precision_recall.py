"""Precision and recall classes: thin holders of the stat-scores states."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification.stat_scores import (
    BinaryStatScoresBase,
    MulticlassStatScoresBase,
    MultilabelStatScoresBase,
)
from calipers.functional.classification._stat_scores import Average, MultidimAverage
from calipers.functional.classification.precision_recall import _precision_compute, _recall_compute

__all__ = [
    "BinaryPrecision",
    "BinaryRecall",
    "MulticlassPrecision",
    "MulticlassRecall",
    "MultilabelPrecision",
    "MultilabelRecall",
    "Precision",
    "Recall",
]


class BinaryPrecision(BinaryStatScoresBase):
    """Precision (tp / (tp + fp)) of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryPrecision
        >>> metric = BinaryPrecision()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _precision_compute(counts, "binary", "binary", zero_division=self.zero_division, dtype=self.dtype)


class MulticlassPrecision(MulticlassStatScoresBase):
    """Precision (tp / (tp + fp)) of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassPrecision
        >>> metric = MulticlassPrecision(num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.7778)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _precision_compute(
            counts,
            self.average,
            "multiclass",
            top_k=self.top_k,
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class MultilabelPrecision(MultilabelStatScoresBase):
    """Precision (tp / (tp + fp)) of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_precision`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelPrecision
        >>> metric = MultilabelPrecision(num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(0.5000)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _precision_compute(
            counts,
            self.average,
            "multilabel",
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class Precision(TaskFacade):
    """Precision (tp / (tp + fp)) of the given ``task`` (a task facade).

    It is a :class:`BinaryPrecision`, :class:`MulticlassPrecision` or :class:`MultilabelPrecision` that is also an
    ``Precision`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import Precision
        >>> metric = Precision(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.7500)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Average = "micro",
        multidim_average: MultidimAverage = "global",
        top_k: int | None = 1,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    Precision,
    {"binary": BinaryPrecision, "multiclass": MulticlassPrecision, "multilabel": MultilabelPrecision},
    globals(),
)


class BinaryRecall(BinaryStatScoresBase):
    """Recall (tp / (tp + fn)) of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryRecall
        >>> metric = BinaryRecall()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _recall_compute(counts, "binary", "binary", zero_division=self.zero_division, dtype=self.dtype)


class MulticlassRecall(MulticlassStatScoresBase):
    """Recall (tp / (tp + fn)) of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassRecall
        >>> metric = MulticlassRecall(num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _recall_compute(
            counts,
            self.average,
            "multiclass",
            top_k=self.top_k,
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class MultilabelRecall(MultilabelStatScoresBase):
    """Recall (tp / (tp + fn)) of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_recall`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelRecall
        >>> metric = MultilabelRecall(num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(1.)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _recall_compute(
            counts,
            self.average,
            "multilabel",
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class Recall(TaskFacade):
    """Recall (tp / (tp + fn)) of the given ``task`` (a task facade).

    It is a :class:`BinaryRecall`, :class:`MulticlassRecall` or :class:`MultilabelRecall` that is also an ``Recall``
    (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import Recall
        >>> metric = Recall(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.7500)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Average = "micro",
        multidim_average: MultidimAverage = "global",
        top_k: int | None = 1,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    Recall, {"binary": BinaryRecall, "multiclass": MulticlassRecall, "multilabel": MultilabelRecall}, globals()
)
