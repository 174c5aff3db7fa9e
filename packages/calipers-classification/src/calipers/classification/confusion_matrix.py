"""Confusion-matrix classes, and the per-task state holders of the metrics computed from a confusion matrix.

The holders keep one state, ``confmat`` (TorchMetrics' name): int64 counts of shape ``(2, 2)``, ``(C, C)`` or
``(L, 2, 2)``, summed across batches and processes. Jaccard index, Cohen's kappa and Matthews' correlation derive from
them; their state signature (update function, threshold/num_classes/num_labels, ignore_index) lets a
:class:`~calipers.MetricCollection` update them once. Constructor arguments are checked whatever ``validate_args``
says (it governs the tensor checks); inputs on another device than the states raise, naming both, before any check
reads a value.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices, check_flag
from calipers.classification._base import TaskFacade, register_tasks, state_signature
from calipers.functional.classification.confusion_matrix import (
    Normalize,
    _binary_confmat,
    _binary_confusion_matrix_arg_validation,
    _binary_confusion_matrix_update,
    _check_normalize,
    _confusion_matrix_compute,
    _multiclass_confmat,
    _multiclass_confusion_matrix_arg_validation,
    _multiclass_confusion_matrix_update,
    _multilabel_confmat,
    _multilabel_confusion_matrix_arg_validation,
    _multilabel_confusion_matrix_update,
)
from calipers.metric import Metric

__all__ = ["BinaryConfusionMatrix", "ConfusionMatrix", "MulticlassConfusionMatrix", "MultilabelConfusionMatrix"]


def _plot_confmat(metric: Metric, val: Any, ax: Any, add_text: bool, labels: Any, cmap: Any) -> Any:
    """Draw a confusion matrix with :func:`calipers.utilities.plot.plot_confusion_matrix` (needs matplotlib)."""
    from calipers.utilities.plot import plot_confusion_matrix

    value = metric.compute() if val is None else val
    return plot_confusion_matrix(value, ax=ax, add_text=add_text, labels=labels, cmap=cmap)


class BinaryConfmatBase(Metric):
    """Holder of a binary ``(2, 2)`` ``confmat`` state; subclasses define ``compute``.

    Example:
        >>> import torch
        >>> from calipers.classification.confusion_matrix import BinaryConfmatBase
        >>> class TruePositives(BinaryConfmatBase):
        ...     def compute(self):
        ...         return self.confmat[1, 1]
        >>> metric = TruePositives()
        >>> metric.update(torch.tensor([0.9, 0.8]), torch.tensor([1, 0]))
        >>> metric.compute()
        tensor(1)
    """

    is_differentiable = False
    full_state_update = False
    confmat: Tensor

    def __init__(
        self, threshold: float = 0.5, ignore_index: int | None = None, validate_args: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _binary_confusion_matrix_arg_validation(self._get_name(), threshold, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.threshold = threshold
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.add_state("confmat", torch.zeros(2, 2, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch into the confusion matrix."""
        d = self.__dict__
        check_devices(self._get_name(), d["_device"], preds=preds, target=target)
        d["confmat"] += _binary_confmat(
            self._get_name(), preds, target, d["threshold"], d["ignore_index"], d["validate_args"]
        )

    def _state_signature(self) -> Hashable:
        return state_signature(_binary_confusion_matrix_update, self.threshold, self.ignore_index)


class MulticlassConfmatBase(Metric):
    """Holder of a multiclass ``(C, C)`` ``confmat`` state; subclasses define ``compute``.

    Example:
        >>> import torch
        >>> from calipers.classification.confusion_matrix import MulticlassConfmatBase
        >>> class Correct(MulticlassConfmatBase):
        ...     def compute(self):
        ...         return self.confmat.trace()
        >>> metric = Correct(3)
        >>> metric.update(torch.tensor([0, 2, 2]), torch.tensor([0, 1, 2]))
        >>> metric.compute()
        tensor(2)
    """

    is_differentiable = False
    full_state_update = False
    confmat: Tensor

    def __init__(
        self, num_classes: int, ignore_index: int | None = None, validate_args: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _multiclass_confusion_matrix_arg_validation(self._get_name(), num_classes, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.add_state("confmat", torch.zeros(num_classes, num_classes, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch into the confusion matrix."""
        d = self.__dict__
        check_devices(self._get_name(), d["_device"], preds=preds, target=target)
        d["confmat"] += _multiclass_confmat(
            self._get_name(), preds, target, d["num_classes"], d["ignore_index"], d["validate_args"]
        )

    def _state_signature(self) -> Hashable:
        return state_signature(_multiclass_confusion_matrix_update, self.num_classes, self.ignore_index)


class MultilabelConfmatBase(Metric):
    """Holder of a multilabel ``(L, 2, 2)`` ``confmat`` state; subclasses define ``compute``.

    Example:
        >>> import torch
        >>> from calipers.classification.confusion_matrix import MultilabelConfmatBase
        >>> class TruePositives(MultilabelConfmatBase):
        ...     def compute(self):
        ...         return self.confmat[:, 1, 1]
        >>> metric = TruePositives(2)
        >>> metric.update(torch.tensor([[0.9, 0.8]]), torch.tensor([[1, 0]]))
        >>> metric.compute()
        tensor([1, 0])
    """

    is_differentiable = False
    full_state_update = False
    confmat: Tensor

    def __init__(
        self,
        num_labels: int,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _multilabel_confusion_matrix_arg_validation(self._get_name(), num_labels, threshold, ignore_index)
        check_flag(self._get_name(), "validate_args", validate_args)
        self.num_labels = num_labels
        self.threshold = threshold
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.add_state("confmat", torch.zeros(num_labels, 2, 2, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch into the confusion matrices."""
        d = self.__dict__
        check_devices(self._get_name(), d["_device"], preds=preds, target=target)
        d["confmat"] += _multilabel_confmat(
            self._get_name(),
            preds,
            target,
            d["num_labels"],
            d["threshold"],
            d["ignore_index"],
            d["validate_args"],
        )

    def _state_signature(self) -> Hashable:
        return state_signature(_multilabel_confusion_matrix_update, self.num_labels, self.threshold, self.ignore_index)


class BinaryConfusionMatrix(BinaryConfmatBase):
    """``(2, 2)`` confusion matrix ``[[tn, fp], [fn, tp]]`` of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_confusion_matrix`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryConfusionMatrix
        >>> metric = BinaryConfusionMatrix()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor([[1, 1],
                [1, 1]])
    """

    def __init__(
        self,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        normalize: Normalize = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(threshold, ignore_index, validate_args, **kwargs)
        if validate_args:
            _check_normalize(self._get_name(), normalize)
        self.normalize = normalize

    def compute(self) -> Tensor:
        """The (normalised) confusion matrix."""
        return _confusion_matrix_compute(self.confmat, self.normalize, self.dtype)

    def plot(self, val: Any = None, ax: Any = None, add_text: bool = True, labels: Any = None, cmap: Any = None) -> Any:
        """Draw the confusion matrix (``val``, default: ``compute()``); see :func:`_plot_confmat`."""
        return _plot_confmat(self, val, ax, add_text, labels, cmap)


class MulticlassConfusionMatrix(MulticlassConfmatBase):
    """``(C, C)`` confusion matrix of multiclass predictions (rows: targets, columns: predictions).

    Arguments and value as :func:`~calipers.functional.classification.multiclass_confusion_matrix`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassConfusionMatrix
        >>> metric = MulticlassConfusionMatrix(3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor([[1, 1, 0],
                [0, 1, 0],
                [0, 0, 1]])
    """

    def __init__(
        self,
        num_classes: int,
        ignore_index: int | None = None,
        normalize: Normalize = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_classes, ignore_index, validate_args, **kwargs)
        if validate_args:
            _check_normalize(self._get_name(), normalize)
        self.normalize = normalize

    def compute(self) -> Tensor:
        """The (normalised) confusion matrix."""
        return _confusion_matrix_compute(self.confmat, self.normalize, self.dtype)

    def plot(self, val: Any = None, ax: Any = None, add_text: bool = True, labels: Any = None, cmap: Any = None) -> Any:
        """Draw the confusion matrix (``val``, default: ``compute()``); see :func:`_plot_confmat`."""
        return _plot_confmat(self, val, ax, add_text, labels, cmap)


class MultilabelConfusionMatrix(MultilabelConfmatBase):
    """``(L, 2, 2)`` confusion matrices of multilabel predictions, one per label.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_confusion_matrix`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelConfusionMatrix
        >>> metric = MultilabelConfusionMatrix(2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor([[[0, 1],
                 [0, 1]],
        <BLANKLINE>
                [[1, 0],
                 [0, 1]]])
    """

    def __init__(
        self,
        num_labels: int,
        threshold: float = 0.5,
        ignore_index: int | None = None,
        normalize: Normalize = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_labels, threshold, ignore_index, validate_args, **kwargs)
        if validate_args:
            _check_normalize(self._get_name(), normalize)
        self.normalize = normalize

    def compute(self) -> Tensor:
        """The (normalised) confusion matrices."""
        return _confusion_matrix_compute(self.confmat, self.normalize, self.dtype)

    def plot(self, val: Any = None, ax: Any = None, add_text: bool = True, labels: Any = None, cmap: Any = None) -> Any:
        """Draw the confusion matrix (``val``, default: ``compute()``); see :func:`_plot_confmat`."""
        return _plot_confmat(self, val, ax, add_text, labels, cmap)


class ConfusionMatrix(TaskFacade):
    """Confusion matrix of the given ``task`` (a task facade).

    It is a :class:`BinaryConfusionMatrix`, :class:`MulticlassConfusionMatrix` or :class:`MultilabelConfusionMatrix`
    that is also a ``ConfusionMatrix`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import ConfusionMatrix
        >>> metric = ConfusionMatrix(task="binary")
        >>> metric(torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]))
        tensor([[0, 0],
                [1, 2]])
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        normalize: Normalize = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    ConfusionMatrix,
    {
        "binary": BinaryConfusionMatrix,
        "multiclass": MulticlassConfusionMatrix,
        "multilabel": MultilabelConfusionMatrix,
    },
    globals(),
)
