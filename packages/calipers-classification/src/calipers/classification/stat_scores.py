"""Stat-scores classes, and the per-task bases every stat-scores metric (accuracy, precision, ...) derives from.

The bases hold the ``tp``/``fp``/``tn``/``fn`` states (:mod:`calipers.classification._base`), validate the
constructor arguments and count each batch with the functional pipeline; subclasses only define ``compute``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

from torch import Tensor

from calipers.classification._base import StatScoresState, TaskFacade, register_tasks, state_signature
from calipers.functional.classification._stat_scores import (
    Average,
    MultidimAverage,
    _binary_counts,
    _binary_stat_scores_arg_validation,
    _binary_stat_scores_update,
    _multiclass_counts,
    _multiclass_stat_scores_arg_validation,
    _multiclass_stat_scores_update,
    _multilabel_counts,
    _multilabel_stat_scores_arg_validation,
    _multilabel_stat_scores_update,
    _stat_scores_compute,
    checked_table_scores_counts,
    multiclass_path,
    table_scores,
)

__all__ = ["BinaryStatScores", "MulticlassStatScores", "MultilabelStatScores", "StatScores"]


class BinaryStatScoresBase(StatScoresState):
    """Binary stat-scores state and update.

    Arguments and value as :func:`~calipers.functional.classification.binary_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification.stat_scores import BinaryStatScoresBase
        >>> class Positives(BinaryStatScoresBase):
        ...     def compute(self):
        ...         return self.tp + self.fp
        >>> metric = Positives()
        >>> metric.update(torch.tensor([0.9, 0.8, 0.1]), torch.tensor([1, 0, 0]))
        >>> metric.compute()
        tensor(2)
    """

    def __init__(
        self,
        threshold: float = 0.5,
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        *,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if validate_args:
            _binary_stat_scores_arg_validation(
                self._get_name(), threshold, multidim_average, ignore_index, zero_division
            )
        self.threshold = threshold
        self.multidim_average = multidim_average
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.zero_division = zero_division
        self._declare_stat_states(1, multidim_average == "samplewise")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch's true/false positives/negatives into the states."""
        self._fold(self._contribution(preds, target))

    def _contribution(self, preds: Tensor, target: Tensor) -> Tensor:
        d = self.__dict__
        self._check_devices(preds, target)
        return _binary_counts(
            self._get_name(),
            preds,
            target,
            d["threshold"],
            d["multidim_average"],
            d["ignore_index"],
            d["validate_args"],
            check_args=False,
        )

    def _state_signature(self) -> Hashable:
        return state_signature(_binary_stat_scores_update, self.threshold, self.multidim_average, self.ignore_index)


class MulticlassStatScoresBase(StatScoresState):
    """Multiclass stat-scores state and update.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification.stat_scores import MulticlassStatScoresBase
        >>> class Hits(MulticlassStatScoresBase):
        ...     def compute(self):
        ...         return self.tp
        >>> metric = Hits(3)
        >>> metric.update(torch.tensor([0, 2, 2]), torch.tensor([0, 1, 2]))
        >>> metric.compute()
        tensor([1, 0, 1])
    """

    def __init__(
        self,
        num_classes: int | None = None,
        top_k: int = 1,
        average: Average = "macro",
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        *,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if validate_args:
            _multiclass_stat_scores_arg_validation(
                self._get_name(), num_classes, top_k, average, multidim_average, ignore_index, zero_division
            )
        self.num_classes = num_classes
        self.top_k = top_k
        self.average = average
        self.multidim_average = multidim_average
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.zero_division = zero_division
        self._path = multiclass_path(num_classes, top_k, multidim_average, ignore_index)
        self._declare_stat_states(num_classes or 1, multidim_average == "samplewise")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch's true/false positives/negatives per class into the states."""
        self._fold(self._contribution(preds, target))

    def _contribution(self, preds: Tensor, target: Tensor) -> Tensor:
        d = self.__dict__
        num_classes = d["num_classes"]
        if (
            d["_path"] == "table"
            and d["validate_args"]
            and table_scores(preds, target, num_classes, d["top_k"])
            and d["_device"].type == "cpu"  # the states' device, as the inputs'
        ):
            return checked_table_scores_counts(self._get_name(), preds, target, num_classes)
        if d["_device"].type != "cpu" or not (getattr(preds, "is_cpu", True) and getattr(target, "is_cpu", True)):
            self._check_devices(preds, target)
        return _multiclass_counts(  # positional: the per-call cost of the common small batch counts here
            self._get_name(),
            preds,
            target,
            d["num_classes"],
            d["top_k"],
            d["average"],
            d["multidim_average"],
            d["ignore_index"],
            d["validate_args"],
            0,
            False,
            d["_path"],
        )

    def _state_signature(self) -> Hashable:
        return state_signature(
            _multiclass_stat_scores_update, self.num_classes, self.top_k, self.multidim_average, self.ignore_index
        )


class MultilabelStatScoresBase(StatScoresState):
    """Multilabel stat-scores state and update.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification.stat_scores import MultilabelStatScoresBase
        >>> class Hits(MultilabelStatScoresBase):
        ...     def compute(self):
        ...         return self.tp
        >>> metric = Hits(2)
        >>> metric.update(torch.tensor([[0.9, 0.8]]), torch.tensor([[1, 0]]))
        >>> metric.compute()
        tensor([1, 0])
    """

    def __init__(
        self,
        num_labels: int,
        threshold: float = 0.5,
        average: Average = "macro",
        multidim_average: MultidimAverage = "global",
        ignore_index: int | None = None,
        validate_args: bool = True,
        *,
        zero_division: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if validate_args:
            _multilabel_stat_scores_arg_validation(
                self._get_name(), num_labels, threshold, average, multidim_average, ignore_index, zero_division
            )
        self.num_labels = num_labels
        self.threshold = threshold
        self.average = average
        self.multidim_average = multidim_average
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.zero_division = zero_division
        self._declare_stat_states(num_labels, multidim_average == "samplewise")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Count the batch's true/false positives/negatives per label into the states."""
        self._fold(self._contribution(preds, target))

    def _contribution(self, preds: Tensor, target: Tensor) -> Tensor:
        d = self.__dict__
        self._check_devices(preds, target)
        return _multilabel_counts(
            self._get_name(),
            preds,
            target,
            d["num_labels"],
            d["threshold"],
            d["average"],
            d["multidim_average"],
            d["ignore_index"],
            d["validate_args"],
            check_args=False,
        )

    def _state_signature(self) -> Hashable:
        return state_signature(
            _multilabel_stat_scores_update, self.num_labels, self.threshold, self.multidim_average, self.ignore_index
        )


class BinaryStatScores(BinaryStatScoresBase):
    """``[tp, fp, tn, fn, support]`` of binary predictions.

    Arguments and value as :func:`~calipers.functional.classification.binary_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification import BinaryStatScores
        >>> metric = BinaryStatScores()
        >>> metric(torch.tensor([0.8, 0.2, 0.6, 0.1]), torch.tensor([1, 0, 0, 1]))
        tensor([1, 1, 1, 1, 2])
    """

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The stacked statistics."""
        return _stat_scores_compute(counts, average="binary", multidim_average=self.multidim_average)


class MulticlassStatScores(MulticlassStatScoresBase):
    """``[tp, fp, tn, fn, support]`` of multiclass predictions.

    Arguments and value as :func:`~calipers.functional.classification.multiclass_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification import MulticlassStatScores
        >>> metric = MulticlassStatScores(3, average="micro")
        >>> metric(torch.tensor([2, 1, 0, 1]), torch.tensor([2, 1, 0, 0]))
        tensor([3, 1, 7, 1, 4])
    """

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The stacked statistics, averaged by ``average``."""
        return _stat_scores_compute(counts, average=self.average, multidim_average=self.multidim_average)


class MultilabelStatScores(MultilabelStatScoresBase):
    """``[tp, fp, tn, fn, support]`` of multilabel predictions.

    Arguments and value as :func:`~calipers.functional.classification.multilabel_stat_scores`.

    Example:
        >>> import torch
        >>> from calipers.classification import MultilabelStatScores
        >>> metric = MultilabelStatScores(2, average="micro")
        >>> metric(torch.tensor([[0.9, 0.2], [0.7, 0.6]]), torch.tensor([[1, 0], [0, 1]]))
        tensor([2, 1, 1, 0, 2])
    """

    def _compute_counts(self, counts: Tensor) -> Tensor:
        """The stacked statistics, averaged by ``average``."""
        return _stat_scores_compute(counts, average=self.average, multidim_average=self.multidim_average)


class StatScores(TaskFacade):
    """Stat scores of the given ``task`` (a task facade).

    It is a :class:`BinaryStatScores`, :class:`MulticlassStatScores` or :class:`MultilabelStatScores` that is also a
    ``StatScores`` (see :mod:`calipers.classification._base`).

    Example:
        >>> import torch
        >>> from calipers.classification import StatScores
        >>> metric = StatScores(task="binary")
        >>> metric(torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]))
        tensor([2, 0, 0, 1, 3])
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pragma: no cover - the task class's __init__ runs instead


register_tasks(
    StatScores,
    {"binary": BinaryStatScores, "multiclass": MulticlassStatScores, "multilabel": MultilabelStatScores},
    globals(),
)
