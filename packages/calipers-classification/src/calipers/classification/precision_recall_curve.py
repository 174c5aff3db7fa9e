"""Precision-recall curve classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._inputs import check_average
from calipers.functional.classification.precision_recall_curve import Curve, Curves, _pr_compute

__all__ = [
    "PrecisionRecallCurve",
    "BinaryPrecisionRecallCurve",
    "MulticlassPrecisionRecallCurve",
    "MultilabelPrecisionRecallCurve",
]

_AXES = ("Recall", "Precision")


class BinaryPrecisionRecallCurve(BinaryCurveState):
    """Precision-recall curve of binary scores: ``(precision, recall, thresholds)``.

    Arguments and value as :func:`~calipers.functional.classification.binary_precision_recall_curve`;
    ``normalization`` (``"sigmoid"`` or ``None``) says whether scores outside [0, 1] are taken as logits.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryPrecisionRecallCurve
        >>> metric = BinaryPrecisionRecallCurve(thresholds=5)
        >>> metric.update(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> precision, recall, thresholds = metric.compute()
        >>> recall
        tensor([1.0000, 1.0000, 0.5000, 0.5000, 0.0000, 0.0000])
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
        return _pr_compute(self._final_state(), self.thresholds, "binary", dtype=self._compute_dtype())  # type: ignore[return-value]

    def plot(self, curve: Any = None, score: Tensor | bool | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curve (default: the computed one), recall on the x axis; ``score=True`` adds the area."""
        curve = curve if curve is not None else self.compute()
        curve = (curve[1], curve[0], *curve[2:])
        if score is True:
            from calipers.functional.classification._curve import trapezoid

            score = -trapezoid(curve[0], curve[1])
        return self._plot_curve(curve, score or None, ax, _AXES)


class MulticlassPrecisionRecallCurve(MulticlassCurveState):
    """One-vs-rest Precision-recall curves of multiclass scores.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_precision_recall_curve`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassPrecisionRecallCurve
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassPrecisionRecallCurve(num_classes=3, thresholds=3)
        >>> metric.update(preds, torch.tensor([0, 1, 2, 2]))
        >>> metric.compute()[1]
        tensor([[1.0000, 1.0000, 0.0000, 0.0000],
                [1.0000, 1.0000, 0.0000, 0.0000],
                [1.0000, 0.5000, 0.0000, 0.0000]])
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
        return _pr_compute(
            self._final_state(), self.thresholds, "multiclass", self._size, None, self.average, self._compute_dtype()
        )

    def plot(self, curve: Any = None, score: Tensor | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curves (default: the computed ones), recall on the x axis."""
        curve = curve if curve is not None else self.compute()
        return self._plot_curve((curve[1], curve[0], *curve[2:]), score, ax, _AXES)


class MultilabelPrecisionRecallCurve(MultilabelCurveState):
    """Precision-recall curve of each label of multilabel scores.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_precision_recall_curve`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelPrecisionRecallCurve
        >>> metric = MultilabelPrecisionRecallCurve(num_labels=2)
        >>> metric.update(torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9]]), torch.tensor([[1, 0], [0, 1], [1, 1]]))
        >>> precision, recall, thresholds = metric.compute()
        >>> recall[0]
        tensor([1.0000, 1.0000, 0.5000, 0.0000])
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
        return _pr_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self._size,
            self.ignore_index,
            None,
            self._compute_dtype(),
        )

    def plot(self, curve: Any = None, score: Tensor | None = None, ax: Any = None) -> Any:  # type: ignore[override]
        """Draw the curves (default: the computed ones), recall on the x axis."""
        curve = curve if curve is not None else self.compute()
        return self._plot_curve((curve[1], curve[0], *curve[2:]), score, ax, _AXES)


class PrecisionRecallCurve(TaskFacade):
    """Precision-recall curve(s) of the given ``task`` (a task facade).

    The object is also a ``BinaryPrecisionRecallCurve``, ``MulticlassPrecisionRecallCurve`` or
    ``MultilabelPrecisionRecallCurve`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import PrecisionRecallCurve
        >>> metric = PrecisionRecallCurve(task="binary")
        >>> metric.update(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()[1]
        tensor([1.0000, 1.0000, 0.5000, 0.5000, 0.0000])
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


register_tasks(
    PrecisionRecallCurve,
    {
        "binary": BinaryPrecisionRecallCurve,
        "multiclass": MulticlassPrecisionRecallCurve,
        "multilabel": MultilabelPrecisionRecallCurve,
    },
    globals(),
)
