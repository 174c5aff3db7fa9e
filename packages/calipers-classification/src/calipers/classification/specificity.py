"""Specificity classes: thin holders of the stat-scores states."""

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
from calipers.functional.classification.specificity import _specificity_compute

__all__ = ["BinarySpecificity", "MulticlassSpecificity", "MultilabelSpecificity", "Specificity"]


class BinarySpecificity(BinaryStatScoresBase):
    """Specificity (tn / (tn + fp)) of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinarySpecificity
        >>> metric = BinarySpecificity()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.5000)
    """

    higher_is_better = None
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _specificity_compute(counts, "binary", "binary", dtype=self.dtype)


class MulticlassSpecificity(MulticlassStatScoresBase):
    """Specificity (tn / (tn + fp)) of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassSpecificity
        >>> metric = MulticlassSpecificity(num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.8333)
    """

    higher_is_better = None
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _specificity_compute(counts, self.average, "multiclass", dtype=self.dtype)


class MultilabelSpecificity(MultilabelStatScoresBase):
    """Specificity (tn / (tn + fp)) of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelSpecificity
        >>> metric = MultilabelSpecificity(num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(0.5000)
    """

    higher_is_better = None
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _specificity_compute(counts, self.average, "multilabel", dtype=self.dtype)


class Specificity(TaskFacade):
    """Specificity (tn / (tn + fp)) of the given ``task`` (a task facade).

    It is a :class:`BinarySpecificity`, :class:`MulticlassSpecificity` or :class:`MultilabelSpecificity` that is
    also an ``Specificity`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import Specificity
        >>> metric = Specificity(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.8750)
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
    Specificity,
    {"binary": BinarySpecificity, "multiclass": MulticlassSpecificity, "multilabel": MultilabelSpecificity},
    globals(),
)
