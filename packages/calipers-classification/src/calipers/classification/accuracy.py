"""Accuracy classes: thin holders of the stat-scores states; see :mod:`calipers.functional.classification.accuracy`."""

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
from calipers.functional.classification.accuracy import _accuracy_compute

__all__ = ["Accuracy", "BinaryAccuracy", "MulticlassAccuracy", "MultilabelAccuracy"]


class BinaryAccuracy(BinaryStatScoresBase):
    """Accuracy of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_accuracy`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryAccuracy
        >>> metric = BinaryAccuracy()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5000)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """Accuracy of the counts."""
        return _accuracy_compute(counts, "binary", "binary", dtype=self.dtype)


class MulticlassAccuracy(MulticlassStatScoresBase):
    """Accuracy of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_accuracy`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassAccuracy
        >>> metric = MulticlassAccuracy(3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.8333)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """Accuracy of the counts."""
        return _accuracy_compute(counts, self.average, "multiclass", self.top_k, dtype=self.dtype)


class MultilabelAccuracy(MultilabelStatScoresBase):
    """Accuracy of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_accuracy`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelAccuracy
        >>> metric = MultilabelAccuracy(2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor(0.7500)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """Accuracy of the counts."""
        return _accuracy_compute(counts, self.average, "multilabel", dtype=self.dtype)


class Accuracy(TaskFacade):
    """Accuracy of the given ``task`` (a task facade).

    It is a :class:`BinaryAccuracy`, :class:`MulticlassAccuracy` or :class:`MultilabelAccuracy` that is also an
    ``Accuracy`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import Accuracy, MulticlassAccuracy
        >>> metric = Accuracy(task="multiclass", num_classes=3)
        >>> isinstance(metric, Accuracy), isinstance(metric, MulticlassAccuracy)
        (True, True)
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
    Accuracy, {"binary": BinaryAccuracy, "multiclass": MulticlassAccuracy, "multilabel": MultilabelAccuracy}, globals()
)
