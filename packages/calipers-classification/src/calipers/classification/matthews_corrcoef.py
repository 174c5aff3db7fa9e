"""Matthews correlation classes: thin holders of the confusion-matrix state.

See :mod:`calipers.functional.classification.matthews_corrcoef`.
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification.confusion_matrix import BinaryConfmatBase, MulticlassConfmatBase, MultilabelConfmatBase
from calipers.functional.classification.matthews_corrcoef import _matthews_corrcoef_compute

__all__ = [
    "BinaryMatthewsCorrCoef",
    "MatthewsCorrCoef",
    "MulticlassMatthewsCorrCoef",
    "MultilabelMatthewsCorrCoef",
]


class BinaryMatthewsCorrCoef(BinaryConfmatBase):
    """Matthews correlation coefficient of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_matthews_corrcoef`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryMatthewsCorrCoef
        >>> metric = BinaryMatthewsCorrCoef()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.9]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5774)
    """

    higher_is_better = True
    plot_lower_bound = -1.0
    plot_upper_bound = 1.0

    def compute(self) -> Tensor:
        """The coefficient over every batch seen."""
        return _matthews_corrcoef_compute(self.confmat, self.dtype)


class MulticlassMatthewsCorrCoef(MulticlassConfmatBase):
    """Matthews correlation coefficient of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_matthews_corrcoef`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassMatthewsCorrCoef
        >>> metric = MulticlassMatthewsCorrCoef(3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.7000)
    """

    higher_is_better = True
    plot_lower_bound = -1.0
    plot_upper_bound = 1.0

    def compute(self) -> Tensor:
        """The coefficient over every batch seen."""
        return _matthews_corrcoef_compute(self.confmat, self.dtype)


class MultilabelMatthewsCorrCoef(MultilabelConfmatBase):
    """Matthews correlation coefficient of multilabel predictions (every label pooled).

    Arguments and value as :func:`~calipers.functional.classification.multilabel_matthews_corrcoef`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelMatthewsCorrCoef
        >>> metric = MultilabelMatthewsCorrCoef(2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor(0.5774)
    """

    higher_is_better = True
    plot_lower_bound = -1.0
    plot_upper_bound = 1.0

    def compute(self) -> Tensor:
        """The coefficient over every batch seen."""
        return _matthews_corrcoef_compute(self.confmat, self.dtype)


class MatthewsCorrCoef(TaskFacade):
    """Matthews correlation coefficient of the given ``task`` (a task facade).

    It is a :class:`BinaryMatthewsCorrCoef`, :class:`MulticlassMatthewsCorrCoef` or
    :class:`MultilabelMatthewsCorrCoef` that is also a ``MatthewsCorrCoef`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import MatthewsCorrCoef
        >>> metric = MatthewsCorrCoef(task="binary")
        >>> metric(torch.tensor([1, 0, 1, 0]), torch.tensor([1, 0, 1, 1]))
        tensor(0.5774)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    MatthewsCorrCoef,
    {
        "binary": BinaryMatthewsCorrCoef,
        "multiclass": MulticlassMatthewsCorrCoef,
        "multilabel": MultilabelMatthewsCorrCoef,
    },
    globals(),
)
