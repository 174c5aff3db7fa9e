"""Jaccard index classes: thin holders of the confusion-matrix state.

See :mod:`calipers.functional.classification.jaccard`.
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification.confusion_matrix import BinaryConfmatBase, MulticlassConfmatBase, MultilabelConfmatBase
from calipers.functional.classification._inputs import check_average, check_zero_division
from calipers.functional.classification.jaccard import Average, _jaccard_index_compute

__all__ = ["BinaryJaccardIndex", "JaccardIndex", "MulticlassJaccardIndex", "MultilabelJaccardIndex"]


class BinaryJaccardIndex(BinaryConfmatBase):
    """Jaccard index of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_jaccard_index`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryJaccardIndex
        >>> metric = BinaryJaccardIndex()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor(0.3333)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(threshold, ignore_index, validate_args, **kwargs)
        if validate_args:
            check_zero_division(self._get_name(), zero_division)
        self.zero_division = zero_division

    def compute(self) -> Tensor:
        """The Jaccard index over every batch seen."""
        return _jaccard_index_compute(self.confmat, "binary", zero_division=self.zero_division, dtype=self.dtype)


class MulticlassJaccardIndex(MulticlassConfmatBase):
    """Jaccard index of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_jaccard_index`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassJaccardIndex
        >>> metric = MulticlassJaccardIndex(3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def __init__(
        self,
        num_classes: int,
        average: Average = "macro",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_classes, ignore_index, validate_args, **kwargs)
        if validate_args:
            check_average(self._get_name(), average)
            check_zero_division(self._get_name(), zero_division)
        self.average = average
        self.zero_division = zero_division

    def compute(self) -> Tensor:
        """The Jaccard index over every batch seen."""
        return _jaccard_index_compute(self.confmat, self.average, self.ignore_index, self.zero_division, self.dtype)


class MultilabelJaccardIndex(MultilabelConfmatBase):
    """Jaccard index of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_jaccard_index`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelJaccardIndex
        >>> metric = MultilabelJaccardIndex(2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor(0.7500)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def __init__(
        self,
        num_labels: int,
        threshold: float = 0.5,
        average: Average = "macro",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_labels, threshold, ignore_index, validate_args, **kwargs)
        if validate_args:
            check_average(self._get_name(), average)
            check_zero_division(self._get_name(), zero_division)
        self.average = average
        self.zero_division = zero_division

    def compute(self) -> Tensor:
        """The Jaccard index over every batch seen."""
        return _jaccard_index_compute(self.confmat, self.average, self.ignore_index, self.zero_division, self.dtype)


class JaccardIndex(TaskFacade):
    """Jaccard index of the given ``task`` (a task facade).

    It is a :class:`BinaryJaccardIndex`, :class:`MulticlassJaccardIndex` or :class:`MultilabelJaccardIndex` that is
    also a ``JaccardIndex`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import JaccardIndex
        >>> metric = JaccardIndex(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.6667)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Average = "macro",
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    JaccardIndex,
    {"binary": BinaryJaccardIndex, "multiclass": MulticlassJaccardIndex, "multilabel": MultilabelJaccardIndex},
    globals(),
)
