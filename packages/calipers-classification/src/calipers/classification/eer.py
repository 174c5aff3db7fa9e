"""Equal error rate classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`)."""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds
from calipers.functional.classification._curve_points import eer_compute
from calipers.functional.classification._inputs import check_average

__all__ = ["EER", "BinaryEER", "MulticlassEER", "MultilabelEER"]


class BinaryEER(BinaryCurveState):
    """Equal error rate of binary scores.

    Arguments and value as :func:`~calipers.functional.classification.binary_eer`; ``normalization`` (``"sigmoid"``
    or ``None``) says whether scores outside [0, 1] are taken as logits.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryEER
        >>> metric = BinaryEER()
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """

    higher_is_better = False

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

    def compute(self) -> Tensor:
        """The value over every batch seen."""
        return eer_compute(self._final_state(), self.thresholds, "binary", dtype=self._compute_dtype())


class MulticlassEER(MulticlassCurveState):
    """Equal error rate of each class (one-vs-rest), or of the averaged ROC curve.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_eer`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassEER
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> metric = MulticlassEER(num_classes=3)
        >>> metric(preds, torch.tensor([0, 1, 2, 0]))
        tensor([0.5000, 0.0000, 0.1667])
    """

    higher_is_better = False

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

    def compute(self) -> Tensor:
        """The values over every batch seen."""
        return eer_compute(
            self._final_state(), self.thresholds, "multiclass", self._size, None, self.average, self._compute_dtype()
        )


class MultilabelEER(MultilabelCurveState):
    """Equal error rate of each label of multilabel scores.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_eer`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelEER
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> metric = MultilabelEER(num_labels=2)
        >>> metric(preds, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]))
        tensor([0., 0.])
    """

    higher_is_better = False

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

    def compute(self) -> Tensor:
        """The values over every batch seen."""
        return eer_compute(
            self._final_state(),
            self.thresholds,
            "multilabel",
            self._size,
            self.ignore_index,
            None,
            self._compute_dtype(),
        )


class EER(TaskFacade):
    """Equal error rate of the given ``task`` (a task facade).

    The object is also a ``BinaryEER``, ``MulticlassEER`` or ``MultilabelEER``
    (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import EER
        >>> metric = EER(task="binary")
        >>> metric(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Literal["micro", "macro"] | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    EER,
    {"binary": BinaryEER, "multiclass": MulticlassEER, "multilabel": MultilabelEER},
    globals(),
)
