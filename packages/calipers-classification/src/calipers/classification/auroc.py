"""AUROC classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_scores import auroc_compute
from calipers.functional.classification._inputs import check_average
from calipers.functional.classification.auroc import check_max_fpr

__all__ = ["AUROC", "BinaryAUROC", "MulticlassAUROC", "MultilabelAUROC"]


class BinaryAUROC(BinaryCurveState):
    """Area under the ROC curve of binary scores.

    Arguments and value as :func:`~calipers.functional.classification.binary_auroc`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryAUROC
        >>> metric = BinaryAUROC()
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.7500)
    """

    higher_is_better = True

    def __init__(
        self,
        max_fpr: float | None = None,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_max_fpr(self._get_name(), max_fpr)
        self._declare(thresholds, ignore_index, validate_args)
        self.max_fpr = max_fpr

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return auroc_compute(
            self._final_state(), self.thresholds, "binary", max_fpr=self.max_fpr, dtype=self._compute_dtype()
        )


class MulticlassAUROC(MulticlassCurveState):
    """One-vs-rest area under the ROC curve of multiclass scores.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_auroc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassAUROC
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassAUROC(num_classes=3, average=None)
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor([0.5000, 1.0000, 0.6667])
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
        return auroc_compute(
            self._final_state(),
            self.thresholds,
            "multiclass",
            self._size,
            None,
            self.average,
            None,
            self._compute_dtype(),
        )


class MultilabelAUROC(MultilabelCurveState):
    """Area under the ROC curve of each label of multilabel scores, averaged.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_auroc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelAUROC
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> metric = MultilabelAUROC(num_labels=2, average=None)
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
        return auroc_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self._size,
            self.ignore_index,
            self.average,
            None,
            self._compute_dtype(),
        )


class AUROC(TaskFacade):
    """Area under the ROC curve of the given ``task`` (a task facade).

    The object is also a ``BinaryAUROC``, ``MulticlassAUROC`` or ``MultilabelAUROC`` (see
    :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import AUROC
        >>> metric = AUROC(task="binary")
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.7500)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Literal["macro", "weighted", "none"] | None = "macro",
        max_fpr: float | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(AUROC, {"binary": BinaryAUROC, "multiclass": MulticlassAUROC, "multilabel": MultilabelAUROC}, globals())
