"""`MetricTracker`: a metric (or collection) per step (e.g. per epoch), with the best value over the steps."""

from __future__ import annotations

import warnings
from copy import deepcopy
from typing import Any, cast

import torch
from torch import Tensor
from torch.nn import ModuleList

from calipers._jit import hide_from_torchscript
from calipers._tree_sync import sync_targets, synced
from calipers.collections import MetricCollection
from calipers.exceptions import CalipersUserWarning, MetricStateError
from calipers.metric import Metric

__all__ = ["MetricTracker"]


class MetricTracker(ModuleList):
    """Track a metric or collection over steps: :meth:`increment` starts a fresh copy for the next step.

    ``update``/``forward``/``compute``/``reset`` act on the current step; :meth:`compute_all` computes every step
    (under ``torch.distributed``, the states of all steps are synced in one batch) and :meth:`best_metric` returns
    the best value (and step). Like TorchMetrics' tracker it is a ``ModuleList`` whose first module is the untouched
    base metric, followed by the metric of each step.

    Args:
        metric: the metric or collection to copy at each step.
        maximize: whether higher values are better: a bool, a list of bools (one per value of a collection), or
            ``None`` to read each metric's ``higher_is_better``.

    Raises:
        TypeError: if ``metric`` is not a calipers metric or collection.
        ValueError: if ``maximize`` is malformed, or ``None`` while a metric has no ``higher_is_better``.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric
        >>> from calipers.wrappers import MetricTracker
        >>> tracker = MetricTracker(MeanMetric(), maximize=False)
        >>> for epoch in range(3):
        ...     tracker.increment()
        ...     tracker.update(torch.tensor([3.0 - epoch, 1.0]))
        >>> tracker.compute_all()
        tensor([2.0000, 1.5000, 1.0000])
        >>> tracker.best_metric(return_step=True)
        (1.0, 2)
    """

    maximize: bool | list[bool]
    _base_metric: Metric | MetricCollection

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hide_from_torchscript(cls)

    def __init__(self, metric: Metric | MetricCollection, maximize: bool | list[bool] | None = None) -> None:
        super().__init__()
        if not isinstance(metric, (Metric, MetricCollection)):
            raise TypeError(
                f"MetricTracker: `metric` must be a calipers Metric or MetricCollection, got {type(metric).__name__}."
            )
        self._base_metric = metric  # registered as the first module, ``_base_metric`` (TorchMetrics' state_dict keys)
        self.maximize = _maximize(metric, maximize)
        self._increment_called = False

    @property
    def n_steps(self) -> int:
        """The number of steps (calls of :meth:`increment`)."""
        return len(self) - 1

    def increment(self) -> None:
        """Start a new step with a fresh copy of the base metric."""
        self._increment_called = True
        self.append(deepcopy(self._base_metric))

    def _current(self, method: str) -> Metric | MetricCollection:
        if not self._increment_called:
            raise MetricStateError(f"MetricTracker.{method}: call `increment()` before `{method}`.")
        return cast(Metric | MetricCollection, self[-1])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """``forward`` of the current step's metric."""
        return self._current("forward")(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """``update`` of the current step's metric."""
        self._current("update").update(*args, **kwargs)

    def compute(self) -> Any:
        """``compute`` of the current step's metric."""
        return self._current("compute").compute()

    def reset(self) -> None:
        """Reset the current step's metric."""
        cast(Metric | MetricCollection, self[-1]).reset()

    def reset_all(self) -> None:
        """Reset the metrics of every step."""
        for metric in cast(list[Metric | MetricCollection], list(self)):
            metric.reset()

    def compute_all(self) -> Any:
        """The value of every step: stacked (a tensor, or a dict of tensors for a collection), else a list.

        Raises:
            MetricStateError: if :meth:`increment` was never called.
        """
        self._current("compute_all")
        steps = cast(list[Metric | MetricCollection], list(self)[1:])
        with synced(sync_targets(steps)):
            results: list[Any] = [step.compute() for step in steps]
        try:
            if isinstance(results[0], dict):
                return {k: torch.stack([torch.as_tensor(r[k]) for r in results]) for k in results[0]}
            if isinstance(results[0], list):
                return torch.stack([torch.stack(r) for r in results])
            return torch.stack([torch.as_tensor(r) for r in results])
        except (TypeError, RuntimeError, KeyError):
            return results

    def best_metric(self, return_step: bool = False) -> Any:
        """The best value over the steps (and its step): a float, or a dict per value for a collection.

        A value with no defined best (a vector, a nested result) gives ``None``, with a warning.

        Args:
            return_step: also return the step (0-based) of the best value.
        """
        res = self.compute_all()
        if isinstance(res, list):
            _warn("the steps' values could not be stacked (nested results)")
            return (None, None) if return_step else None
        if isinstance(res, Tensor):
            best = _best(res, bool(self.maximize), "")
            return best if return_step else best[0]
        maximize = self.maximize if isinstance(self.maximize, list) else [self.maximize] * len(res)
        values: dict[str, float | None] = {}
        steps: dict[str, int | None] = {}
        for i, (key, series) in enumerate(res.items()):
            values[key], steps[key] = _best(series, maximize[i] if i < len(maximize) else maximize[-1], f" of {key!r}")
        return (values, steps) if return_step else values

    def plot(self, val: Any = None, ax: Any = None) -> Any:
        """Plot the value of every step (default: :meth:`compute_all`); see :meth:`calipers.Metric.plot`."""
        from calipers.utilities.plot import plot_single_or_multi_val

        val = self.compute_all() if val is None else val
        if isinstance(val, Tensor):  # one row per step: drawn as a series over the steps
            val = list(val)
        elif isinstance(val, dict):
            steps = len(next(iter(val.values())))
            val = [{k: v[i] for k, v in val.items()} for i in range(steps)]
        return plot_single_or_multi_val(val, ax=ax, name=type(self).__name__)


def _warn(what: str) -> None:
    warnings.warn(f"MetricTracker.best_metric: {what}; returning None.", CalipersUserWarning, stacklevel=3)


def _best(series: Tensor, maximize: bool, what: str) -> tuple[float | None, int | None]:
    if series.ndim != 1:
        _warn(f"the value{what} is not a scalar per step")
        return None, None
    value, idx = (torch.max if maximize else torch.min)(series, 0)
    return float(value.item()), int(idx.item())


def _maximize(metric: Metric | MetricCollection, maximize: Any) -> bool | list[bool]:
    if maximize is None:
        if isinstance(metric, Metric):
            return _higher_is_better(metric._get_name(), metric)
        out: list[bool] = []
        for name, member in metric.items(keep_base=False, copy_state=False):
            better = _higher_is_better(name, member)
            num_classes = getattr(getattr(member, "metric", None), "num_classes", None)
            copies = num_classes if type(member).__name__ == "ClasswiseWrapper" and isinstance(num_classes, int) else 1
            out.extend([better] * copies)
        return out
    if isinstance(maximize, bool):
        return maximize
    if not isinstance(maximize, list) or not all(isinstance(m, bool) for m in maximize):
        raise ValueError(f"MetricTracker: `maximize` must be a bool, a list of bools or None, got {maximize!r}.")
    if isinstance(metric, Metric):
        raise ValueError(f"MetricTracker: `maximize` must be a single bool for a single metric, got {maximize!r}.")
    if len(maximize) != len(metric):
        raise ValueError(
            f"MetricTracker: `maximize` must hold one bool per metric of the collection ({len(metric)}), "
            f"got {len(maximize)}."
        )
    return maximize


def _higher_is_better(name: str, metric: Metric) -> bool:
    better = getattr(metric, "higher_is_better", None)
    if not isinstance(better, bool):
        raise ValueError(
            f"MetricTracker: `maximize` must be given when a metric has no `higher_is_better`, got None for {name!r}."
        )
    return better


hide_from_torchscript(MetricTracker)
