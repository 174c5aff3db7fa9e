"""Hamming distance classes: thin holders of the stat-scores states."""

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
from calipers.functional.classification.hamming import _hamming_distance_compute

__all__ = ["BinaryHammingDistance", "HammingDistance", "MulticlassHammingDistance", "MultilabelHammingDistance"]


class BinaryHammingDistance(BinaryStatScoresBase):
    """Hamming distance (the fraction of wrong labels) of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_hamming_distance`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryHammingDistance
        >>> metric = BinaryHammingDistance()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.4000)
    """

    higher_is_better = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _hamming_distance_compute(counts, "binary", "binary", dtype=self.dtype)


class MulticlassHammingDistance(MulticlassStatScoresBase):
    """Hamming distance (the fraction of wrong labels) of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_hamming_distance`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassHammingDistance
        >>> metric = MulticlassHammingDistance(num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.3333)
    """

    higher_is_better = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _hamming_distance_compute(counts, self.average, "multiclass", top_k=self.top_k, dtype=self.dtype)


class MultilabelHammingDistance(MultilabelStatScoresBase):
    """Hamming distance (the fraction of wrong labels) of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_hamming_distance`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelHammingDistance
        >>> metric = MultilabelHammingDistance(num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(0.3333)
    """

    higher_is_better = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _hamming_distance_compute(counts, self.average, "multilabel", dtype=self.dtype)


class HammingDistance(TaskFacade):
    """Hamming distance (the fraction of wrong labels) of the given ``task`` (a task facade).

    It is a :class:`BinaryHammingDistance`, :class:`MulticlassHammingDistance` or :class:`MultilabelHammingDistance`
    that is also an ``HammingDistance`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import HammingDistance
        >>> metric = HammingDistance(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.2500)
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
    HammingDistance,
    {"binary": BinaryHammingDistance, "multiclass": MulticlassHammingDistance, "multilabel": MultilabelHammingDistance},
    globals(),
)
