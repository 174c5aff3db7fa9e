"""`MultitaskWrapper`: one metric (or collection) per task, fed from dicts of predictions and targets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from copy import deepcopy
from typing import Any, cast

from torch.nn import Module, ModuleDict
from typing_extensions import Self

from calipers.collections import MetricCollection
from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric, rollback_on_error

__all__ = ["MultitaskWrapper"]


class MultitaskWrapper(WrapperMetric):
    """Evaluate several tasks at once: ``update({task: preds}, {task: target})``, ``compute() -> {task: value}``.

    Each task has a metric or a :class:`~calipers.MetricCollection` (whose values stay nested under the task).
    ``prefix``/``postfix`` change the output keys only: inputs are still keyed by task name. Under
    ``torch.distributed`` the states of every task are synced in one batch.

    Args:
        task_metrics: ``{task name: metric or collection}``.
        prefix: prepended to each task's output key.
        postfix: appended to each task's output key.

    Raises:
        TypeError: if ``task_metrics`` is not a dict of metrics/collections, or ``prefix``/``postfix`` not strings.
        ValueError: (in ``update``/``forward``) if the task names of the inputs differ from ``task_metrics``'.

    Example:
        >>> import torch
        >>> from calipers import MaxMetric, MeanMetric, MetricCollection, SumMetric
        >>> from calipers.wrappers import MultitaskWrapper
        >>> metric = MultitaskWrapper({"a": MeanMetric(), "b": MetricCollection([SumMetric(), MaxMetric()])})
        >>> metric.update({"a": torch.tensor([1.0, 3.0]), "b": torch.tensor([2.0, 5.0])}, {"a": None, "b": None})
        >>> metric.compute()
        {'a': tensor(2.), 'b': {'SumMetric': tensor(7.), 'MaxMetric': tensor(5.)}}
    """

    is_differentiable = False
    full_state_update = True
    task_metrics: ModuleDict

    def __init__(
        self,
        task_metrics: dict[str, Metric | MetricCollection],
        prefix: str | None = None,
        postfix: str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(task_metrics, dict):
            raise TypeError(f"MultitaskWrapper: `task_metrics` must be a dict, got {type(task_metrics).__name__}.")
        for name, metric in task_metrics.items():
            if not isinstance(metric, (Metric, MetricCollection)):
                raise TypeError(
                    "MultitaskWrapper: `task_metrics` values must be calipers Metrics or MetricCollections, "
                    f"got {type(metric).__name__} for task {name!r}."
                )
        self.task_metrics = ModuleDict(task_metrics)
        self._prefix = self._check_arg(prefix, "prefix") or ""
        self._postfix = self._check_arg(postfix, "postfix") or ""

    @staticmethod
    def _check_arg(arg: Any, name: str) -> str | None:
        if arg is None or isinstance(arg, str):
            return arg
        raise TypeError(f"MultitaskWrapper: `{name}` must be a string or None, got {arg!r}.")

    def _tasks(self) -> dict[str, Metric | MetricCollection]:
        return cast(dict[str, Metric | MetricCollection], dict(self.task_metrics.items()))

    def _name(self, task: str) -> str:
        return f"{self._prefix}{task}{self._postfix}"

    def items(self, flatten: bool = True) -> Iterator[tuple[str, Module]]:
        """``(key, metric)`` per task, or per metric of a task's collection when ``flatten``."""
        for task, metric in self.task_metrics.items():
            if flatten and isinstance(metric, MetricCollection):
                for name, member in metric.items():
                    yield f"{self._prefix}{task}_{name}{self._postfix}", member
            else:
                yield self._name(task), metric

    def keys(self, flatten: bool = True) -> Iterator[str]:
        """The keys of :meth:`items`."""
        for key, _ in self.items(flatten):
            yield key

    def values(self, flatten: bool = True) -> Iterator[Module]:
        """The metrics of :meth:`items`."""
        for _, metric in self.items(flatten):
            yield metric

    def _check_tasks(self, task_preds: Any, task_targets: Any) -> None:
        tasks = sorted(self.task_metrics.keys())
        for name, given in (("task_preds", task_preds), ("task_targets", task_targets)):
            if not isinstance(given, dict) or sorted(given) != tasks:
                keys = sorted(given) if isinstance(given, dict) else type(given).__name__
                raise ValueError(f"MultitaskWrapper: `{name}` must be a dict with the tasks {tasks}, got {keys}.")

    def update(self, task_preds: dict[str, Any], task_targets: dict[str, Any]) -> None:
        """Update each task's metric with its predictions and targets."""
        self._check_tasks(task_preds, task_targets)
        with rollback_on_error([self.task_metrics]):
            for task, metric in self._tasks().items():
                metric.update(*_pair(task_preds[task], task_targets[task]))

    def compute(self) -> dict[str, Any]:
        """Every task's value (a dict for a collection)."""
        return {self._name(task): metric.compute() for task, metric in self._tasks().items()}

    def forward(self, task_preds: dict[str, Any], task_targets: dict[str, Any]) -> dict[str, Any]:
        """Forward each task's inputs to its metric; return the batch values."""
        self._check_tasks(task_preds, task_targets)
        with rollback_on_error([self.task_metrics]):
            values = {
                self._name(task): metric(*_pair(task_preds[task], task_targets[task]))
                for task, metric in self._tasks().items()
            }
        return self._after_forward(values)  # type: ignore[no-any-return]

    def clone(self, prefix: str | None = None, postfix: str | None = None) -> Self:
        """A deep copy, optionally with another prefix and/or postfix."""
        copy = deepcopy(self)
        if prefix is not None:
            copy._prefix = self._check_arg(prefix, "prefix") or ""
        if postfix is not None:
            copy._postfix = self._check_arg(postfix, "postfix") or ""
        copy.__dict__["_computed"] = None  # the cached value has the old keys
        return copy

    def plot(self, val: Any = None, axes: Sequence[Any] | None = None) -> list[Any]:
        """Plot each task's value on its own axes (see :meth:`calipers.Metric.plot` for the forms of ``val``).

        Raises:
            TypeError: if ``axes`` is not a sequence.
            ValueError: if ``axes`` does not hold one axes per task.
        """
        if axes is not None:
            if not isinstance(axes, Sequence):
                raise TypeError(f"MultitaskWrapper.plot: `axes` must be a sequence of axes, got {type(axes).__name__}.")
            if len(axes) != len(self.task_metrics):
                raise ValueError(
                    f"MultitaskWrapper.plot: `axes` must hold {len(self.task_metrics)} axes, got {len(axes)}."
                )
        val = self.compute() if val is None else val
        out = []
        for i, (task, metric) in enumerate(self._tasks().items()):
            key = self._name(task)
            value = val[key] if isinstance(val, dict) else [v[key] for v in val]
            out.append(metric.plot(value, ax=axes[i] if axes is not None else None))
        return out


def _pair(preds: Any, target: Any) -> tuple[Any, ...]:
    """``(preds, target)``, or ``(preds,)`` for single-input metrics given a ``None`` target."""
    return (preds,) if target is None else (preds, target)
