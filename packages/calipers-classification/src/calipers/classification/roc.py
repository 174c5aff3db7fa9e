"""ROC curve classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._inputs import check_average
from calipers.functional.classification.roc import Curve, Curves, _roc_compute

__all__ = ["ROC", "BinaryROC", "MulticlassROC", "MultilabelROC"]

_AXES = ("False positive rate", "True positive rate")


class BinaryROC(BinaryCurveState):
    """ROC curve of binary scores: ``(fpr, tpr, thresholds)``.

    Arguments and value as :func:`~calipers.functional.classification.binary_roc`; ``normalization`` (``"sigmoid"``
    or ``None``) says whether scores outside [0, 1] are taken as logits.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryROC
        >>> metric = BinaryROC(thresholds=5)
        >>> metric.update(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> fpr, tpr, thresholds = metric.compute()
        >>> fpr, tpr
        (tensor([0.0000, 0.0000, 0.0000, 0.5000, 1.0000]), tensor([0.0000, 0.5000, 0.5000, 1.0000, 1.0000]))
    """

    def __init__(
        self,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        normalization: Literal["sigmoid", "softmax"] | None = "sigmoid",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._declare(thresholds, ignore_index, validate_args)
        self._normalization = normalization

    def compute(self) -> Curve:
        """The curve over every batch seen."""
        return _roc_compute(self._final_state(), self.thresholds, "binary", dtype=self._compute_dtype())  # type: ignore[return-value]

    def plot(self, curve: Any = None, score: Tensor | bool | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curve (default: the computed one); ``score=True`` puts the AUROC in the legend."""
        curve = curve if curve is not None else self.compute()
        if score is True:
            from calipers.functional.classification._curve import trapezoid

            score = trapezoid(curve[0], curve[1])
        return self._plot_curve(curve, score or None, ax, _AXES)


class MulticlassROC(MulticlassCurveState):
    """One-vs-rest ROC curves of multiclass scores.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_roc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassROC
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassROC(num_classes=3, thresholds=3)
        >>> metric.update(preds, torch.tensor([0, 1, 2, 2]))
        >>> metric.compute()[1]
        tensor([[0.0000, 1.0000, 1.0000],
                [0.0000, 1.0000, 1.0000],
                [0.0000, 0.5000, 1.0000]])
    """

    def __init__(
        self,
        num_classes: int,
        thresholds: Thresholds = None,
        average: Literal["micro", "macro"] | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_average(self._get_name(), average, ("macro", "micro", None))
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.average = average

    def compute(self) -> Curve | Curves:
        """The curves over every batch seen."""
        return _roc_compute(
            self._final_state(), self.thresholds, "multiclass", self._size, None, self.average, self._compute_dtype()
        )

    def plot(self, curve: Any = None, score: Tensor | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curves (default: the computed ones)."""
        return self._plot_curve(curve, score, ax, _AXES)


class MultilabelROC(MultilabelCurveState):
    """ROC curve of each label of multilabel scores.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_roc`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelROC
        >>> metric = MultilabelROC(num_labels=2)
        >>> metric.update(torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9]]), torch.tensor([[1, 0], [0, 1], [1, 1]]))
        >>> fpr, tpr, thresholds = metric.compute()
        >>> tpr[0]
        tensor([0.0000, 0.5000, 1.0000, 1.0000])
    """

    def __init__(
        self,
        num_labels: int,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels

    def compute(self) -> Curve | Curves:
        """The curves over every batch seen."""
        return _roc_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self._size,
            self.ignore_index,
            None,
            self._compute_dtype(),
        )

    def plot(self, curve: Any = None, score: Tensor | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curves (default: the computed ones)."""
        return self._plot_curve(curve, score, ax, _AXES)


class ROC(TaskFacade):
    """ROC curve(s) of the given ``task`` (a task facade).

    The object is also a ``BinaryROC``, ``MulticlassROC`` or ``MultilabelROC`` (see
    :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import ROC
        >>> metric = ROC(task="binary")
        >>> metric.update(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()[1]
        tensor([0.0000, 0.5000, 0.5000, 1.0000, 1.0000])
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(ROC, {"binary": BinaryROC, "multiclass": MulticlassROC, "multilabel": MultilabelROC}, globals())
