"""Sensitivity at a fixed minimum specificity, and specificity at a fixed minimum sensitivity.

Classes: thin holders of the curve states (:mod:`calipers.classification._curve_base`).
"""

from __future__ import annotations

from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import TaskFacade, register_tasks
from calipers.classification._curve_base import BinaryCurveState, MulticlassCurveState, MultilabelCurveState
from calipers.functional.classification._curve import Thresholds, check_probability
from calipers.functional.classification._curve_points import at_fixed_compute

__all__ = [
    "BinarySensitivityAtSpecificity",
    "BinarySpecificityAtSensitivity",
    "MulticlassSensitivityAtSpecificity",
    "MulticlassSpecificityAtSensitivity",
    "MultilabelSensitivityAtSpecificity",
    "MultilabelSpecificityAtSensitivity",
    "SensitivityAtSpecificity",
    "SpecificityAtSensitivity",
]


class BinarySensitivityAtSpecificity(BinaryCurveState):
    """Highest sensitivity of binary scores with specificity at least ``min_specificity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.binary_sensitivity_at_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinarySensitivityAtSpecificity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = BinarySensitivityAtSpecificity(min_specificity=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.3500))
    """

    higher_is_better = True

    def __init__(
        self,
        min_specificity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_specificity", min_specificity)
        self._declare(thresholds, ignore_index, validate_args)
        self.min_specificity = min_specificity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The value over every batch seen."""
        return at_fixed_compute(
            "sensitivity@specificity",
            self._final_state(),
            self.thresholds,
            "binary",
            self.min_specificity,
            dtype=self._compute_dtype(),
        )


class MulticlassSensitivityAtSpecificity(MulticlassCurveState):
    """Highest sensitivity of each class (one-vs-rest) with specificity at least ``min_specificity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_sensitivity_at_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassSensitivityAtSpecificity
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> metric = MulticlassSensitivityAtSpecificity(num_classes=3, min_specificity=0.5)
        >>> metric(preds, target)
        (tensor([0.5000, 1.0000, 1.0000]), tensor([0.7000, 0.6000, 0.4000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        min_specificity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_specificity", min_specificity)
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.min_specificity = min_specificity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "sensitivity@specificity",
            self._final_state(),
            self.thresholds,
            "multiclass",
            self.min_specificity,
            self._size,
            dtype=self._compute_dtype(),
        )


class MultilabelSensitivityAtSpecificity(MultilabelCurveState):
    """Highest sensitivity of each label with specificity at least ``min_specificity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_sensitivity_at_specificity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelSensitivityAtSpecificity
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> metric = MultilabelSensitivityAtSpecificity(num_labels=2, min_specificity=0.5)
        >>> metric(preds, target)
        (tensor([1., 1.]), tensor([0.6000, 0.6000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        min_specificity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_specificity", min_specificity)
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.min_specificity = min_specificity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "sensitivity@specificity",
            self._final_state(),
            self.thresholds,
            "multilabel",
            self.min_specificity,
            self._size,
            self.ignore_index,
            self._compute_dtype(),
        )


class SensitivityAtSpecificity(TaskFacade):
    """Sensitivity at a minimum specificity for the given ``task`` (a task facade).

    The object is also a ``BinarySensitivityAtSpecificity``, ``MulticlassSensitivityAtSpecificity``
    or ``MultilabelSensitivityAtSpecificity`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import SensitivityAtSpecificity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = SensitivityAtSpecificity(task="binary", min_specificity=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.3500))
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        min_specificity: float,
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    SensitivityAtSpecificity,
    {
        "binary": BinarySensitivityAtSpecificity,
        "multiclass": MulticlassSensitivityAtSpecificity,
        "multilabel": MultilabelSensitivityAtSpecificity,
    },
    globals(),
)


class BinarySpecificityAtSensitivity(BinaryCurveState):
    """Highest specificity of binary scores with sensitivity at least ``min_sensitivity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.binary_specificity_at_sensitivity`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinarySpecificityAtSensitivity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = BinarySpecificityAtSensitivity(min_sensitivity=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.8000))
    """

    higher_is_better = True

    def __init__(
        self,
        min_sensitivity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_sensitivity", min_sensitivity)
        self._declare(thresholds, ignore_index, validate_args)
        self.min_sensitivity = min_sensitivity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The value over every batch seen."""
        return at_fixed_compute(
            "specificity@sensitivity",
            self._final_state(),
            self.thresholds,
            "binary",
            self.min_sensitivity,
            dtype=self._compute_dtype(),
        )


class MulticlassSpecificityAtSensitivity(MulticlassCurveState):
    """Highest specificity of each class (one-vs-rest) with sensitivity at least ``min_sensitivity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_specificity_at_sensitivity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassSpecificityAtSensitivity
        >>> preds = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
        >>> target = torch.tensor([0, 1, 2, 0])
        >>> metric = MulticlassSpecificityAtSensitivity(num_classes=3, min_sensitivity=0.5)
        >>> metric(preds, target)
        (tensor([1.0000, 1.0000, 0.6667]), tensor([0.7000, 0.6000, 0.4000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_classes: int,
        min_sensitivity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_sensitivity", min_sensitivity)
        self._declare(thresholds, ignore_index, validate_args, num_classes)
        self.num_classes = num_classes
        self.min_sensitivity = min_sensitivity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "specificity@sensitivity",
            self._final_state(),
            self.thresholds,
            "multiclass",
            self.min_sensitivity,
            self._size,
            dtype=self._compute_dtype(),
        )


class MultilabelSpecificityAtSensitivity(MultilabelCurveState):
    """Highest specificity of each label with sensitivity at least ``min_sensitivity``, and its threshold.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_specificity_at_sensitivity`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelSpecificityAtSensitivity
        >>> preds = torch.tensor([[0.8, 0.2], [0.3, 0.6], [0.6, 0.9], [0.2, 0.1]])
        >>> target = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])
        >>> metric = MultilabelSpecificityAtSensitivity(num_labels=2, min_sensitivity=0.5)
        >>> metric(preds, target)
        (tensor([1., 1.]), tensor([0.8000, 0.9000]))
    """

    higher_is_better = True

    def __init__(
        self,
        num_labels: int,
        min_sensitivity: float,
        thresholds: Thresholds = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_probability(self._get_name(), "min_sensitivity", min_sensitivity)
        self._declare(thresholds, ignore_index, validate_args, num_labels)
        self.num_labels = num_labels
        self.min_sensitivity = min_sensitivity

    def compute(self) -> tuple[Tensor, Tensor]:
        """The values over every batch seen."""
        return at_fixed_compute(
            "specificity@sensitivity",
            self._final_state(),
            self.thresholds,
            "multilabel",
            self.min_sensitivity,
            self._size,
            self.ignore_index,
            self._compute_dtype(),
        )


class SpecificityAtSensitivity(TaskFacade):
    """Specificity at a minimum sensitivity for the given ``task`` (a task facade).

    The object is also a ``BinarySpecificityAtSensitivity``, ``MulticlassSpecificityAtSensitivity``
    or ``MultilabelSpecificityAtSensitivity`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import SpecificityAtSensitivity
        >>> preds, target = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
        >>> metric = SpecificityAtSensitivity(task="binary", min_sensitivity=0.5)
        >>> metric(preds, target)
        (tensor(1.), tensor(0.8000))
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        min_sensitivity: float,
        thresholds: Thresholds = None,
        num_classes: int | None = None,
        num_labels: int | None = None,
        ignore_index: int | None = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    SpecificityAtSensitivity,
    {
        "binary": BinarySpecificityAtSensitivity,
        "multiclass": MulticlassSpecificityAtSensitivity,
        "multilabel": MultilabelSpecificityAtSensitivity,
    },
    globals(),
)
