"""F-beta and F1 classes: thin holders of the stat-scores states."""

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
from calipers.functional.classification.f_beta import _check_beta, _f1_compute, _fbeta_compute

__all__ = [
    "BinaryF1Score",
    "BinaryFBetaScore",
    "F1Score",
    "FBetaScore",
    "MulticlassF1Score",
    "MulticlassFBetaScore",
    "MultilabelF1Score",
    "MultilabelFBetaScore",
]


class BinaryFBetaScore(BinaryStatScoresBase):
    """F-beta score of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_fbeta_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryFBetaScore
        >>> metric = BinaryFBetaScore(beta=2.0)
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        beta: float,
        threshold: float = 0.5,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            threshold, multidim_average, ignore_index, validate_args, zero_division=zero_division, **kwargs
        )
        if validate_args:
            _check_beta(self._get_name(), beta)
        self.beta = beta

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _fbeta_compute(
            counts,
            "binary",
            "binary",
            beta=self.beta,
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class MulticlassFBetaScore(MulticlassStatScoresBase):
    """F-beta score of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_fbeta_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassFBetaScore
        >>> metric = MulticlassFBetaScore(beta=2.0, num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.6085)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def __init__(
        self,
        beta: float,
        num_classes: int,
        top_k: int = 1,
        average: Average = "macro",
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            num_classes,
            top_k,
            average,
            multidim_average,
            ignore_index,
            validate_args,
            zero_division=zero_division,
            **kwargs,
        )
        if validate_args:
            _check_beta(self._get_name(), beta)
        self.beta = beta

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _fbeta_compute(
            counts,
            self.average,
            "multiclass",
            beta=self.beta,
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class MultilabelFBetaScore(MultilabelStatScoresBase):
    """F-beta score of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_fbeta_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelFBetaScore
        >>> metric = MultilabelFBetaScore(beta=2.0, num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(0.8333)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Label"

    def __init__(
        self,
        beta: float,
        num_labels: int,
        threshold: float = 0.5,
        average: Average = "macro",
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            num_labels,
            threshold,
            average,
            multidim_average,
            ignore_index,
            validate_args,
            zero_division=zero_division,
            **kwargs,
        )
        if validate_args:
            _check_beta(self._get_name(), beta)
        self.beta = beta

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _fbeta_compute(
            counts,
            self.average,
            "multilabel",
            beta=self.beta,
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class FBetaScore(TaskFacade):
    """F-beta score of the given ``task`` (a task facade).

    It is a :class:`BinaryFBetaScore`, :class:`MulticlassFBetaScore` or :class:`MultilabelFBetaScore` that is also
    an ``FBetaScore`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import FBetaScore
        >>> metric = FBetaScore(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.7500)
    """

    def __init__(
        self,
        task: Literal["binary", "multiclass", "multilabel"],
        beta: float = 1.0,
        threshold: float = 0.5,
        num_classes: int | None = None,
        num_labels: int | None = None,
        average: Average = "micro",
        multidim_average: MultidimAverage = "global",
        top_k: int | None = 1,
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    FBetaScore,
    {"binary": BinaryFBetaScore, "multiclass": MulticlassFBetaScore, "multilabel": MultilabelFBetaScore},
    globals(),
)


class BinaryF1Score(BinaryStatScoresBase):
    """F1 score of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_f1_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryF1Score
        >>> metric = BinaryF1Score()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1, 0.7]), torch.tensor([1, 0, 0, 1, 1]))
        tensor(0.6667)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        threshold: float = 0.5,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            threshold, multidim_average, ignore_index, validate_args, zero_division=zero_division, **kwargs
        )

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _f1_compute(counts, "binary", "binary", zero_division=self.zero_division, dtype=self.dtype)


class MulticlassF1Score(MulticlassStatScoresBase):
    """F1 score of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_f1_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassF1Score
        >>> metric = MulticlassF1Score(num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 2]))
        tensor(0.6111)
    """

    higher_is_better = True
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    plot_legend_name = "Class"

    def __init__(
        self,
        num_classes: int,
        top_k: int = 1,
        average: Average = "macro",
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            num_classes,
            top_k,
            average,
            multidim_average,
            ignore_index,
            validate_args,
            zero_division=zero_division,
            **kwargs,
        )

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _f1_compute(
            counts,
            self.average,
            "multiclass",
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class MultilabelF1Score(MultilabelStatScoresBase):
    """F1 score of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_f1_score`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelF1Score
        >>> metric = MultilabelF1Score(num_labels=2)
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6], [0.1, 0.8]]), torch.tensor([[1, 0], [0, 1], [0, 0]]))
        tensor(0.6667)
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
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            num_labels,
            threshold,
            average,
            multidim_average,
            ignore_index,
            validate_args,
            zero_division=zero_division,
            **kwargs,
        )

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The value of the counts."""
        return _f1_compute(
            counts,
            self.average,
            "multilabel",
            zero_division=self.zero_division,
            dtype=self.dtype,
        )


class F1Score(TaskFacade):
    """F1 score of the given ``task`` (a task facade).

    It is a :class:`BinaryF1Score`, :class:`MulticlassF1Score` or :class:`MultilabelF1Score` that is also an
    ``F1Score`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import F1Score
        >>> metric = F1Score(task="multiclass", num_classes=3)
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor(0.7500)
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
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    F1Score, {"binary": BinaryF1Score, "multiclass": MulticlassF1Score, "multilabel": MultilabelF1Score}, globals()
)
