"""Cohen's kappa classes: thin holders of the confusion-matrix state.

See :mod:`calipers.functional.classification.cohen_kappa`.
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification.confusion_matrix import BinaryConfmatBase, MulticlassConfmatBase
from calipers.functional.classification.cohen_kappa import Weights, _check_weights, _cohen_kappa_compute

__all__ = ["BinaryCohenKappa", "CohenKappa", "MulticlassCohenKappa"]


class BinaryCohenKappa(BinaryConfmatBase):
    """Cohen's kappa of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_cohen_kappa`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryCohenKappa
        >>> metric = BinaryCohenKappa()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.9]), torch.tensor([1, 0, 0, 1]))
        tensor(0.5000)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        weights: Weights = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(threshold, ignore_index, validate_args, **kwargs)
        _check_weights(self._get_name(), weights)
        self.weights = weights

    def compute(self) -> Tensor:
        """Cohen's kappa over every batch seen."""
        return _cohen_kappa_compute(self.confmat, self.weights, self.dtype)


class MulticlassCohenKappa(MulticlassConfmatBase):
    """Cohen's kappa of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_cohen_kappa`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassCohenKappa
        >>> metric = MulticlassCohenKappa(3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.6364)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def __init__(
        self,
        num_classes: int,
        ignore_index: int | None = None,
        weights: Weights = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_classes, ignore_index, validate_args, **kwargs)
        _check_weights(self._get_name(), weights)
        self.weights = weights

    def compute(self) -> Tensor:
        """Cohen's kappa over every batch seen."""
        return _cohen_kappa_compute(self.confmat, self.weights, self.dtype)


class CohenKappa(TaskFacade):
    """Cohen's kappa of the given ``task`` (a task facade, ``"binary"`` or ``"multiclass"``).

    It is a :class:`BinaryCohenKappa` or :class:`MulticlassCohenKappa` that is also a ``CohenKappa`` (see
    :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import CohenKappa
        >>> metric = CohenKappa(task="binary")
        >>> metric(torch.tensor([1, 0, 1, 0]), torch.tensor([1, 0, 1, 1]))
        tensor(0.5000)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        weights: Weights = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(CohenKappa, {"binary": BinaryCohenKappa, "multiclass": MulticlassCohenKappa}, globals())
