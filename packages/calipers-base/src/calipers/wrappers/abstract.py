"""`WrapperMetric`: the base class of metrics that wrap other metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from torch import Tensor
from torch.nn import Module

from calipers._merge import merge_into
from calipers._tree_sync import stateful_metrics, sync_metrics, unsync_metrics
from calipers.collections import MetricCollection
from calipers.exceptions import MetricStateError
from calipers.metric import Metric

__all__ = ["WrapperMetric"]


class WrapperMetric(Metric):
    """Base class of wrappers: a metric whose states live mostly in the metrics it wraps.

    On top of :class:`~calipers.Metric` it makes the wrapped metrics (the nearest :class:`~calipers.Metric` or
    :class:`~calipers.MetricCollection` below it, found by module path) part of the wrapper:

    * ``sync``: the wrapper's own states and every nested metric's states go through **one** batched sync, and the
      nested metrics then compute without syncing again;
    * ``reset``, ``persistent``: reach the wrapped metrics;
    * ``metric_state`` / ``merge_state``: the wrapped metrics' states nest under their module paths
      (``{"metrics.0": {...}, ...}``), so two wrappers merge without any process group;
    * ``forward`` with ``dist_sync_on_step``: the batch value is computed from states synced in one batch.

    Subclasses implement ``update``, ``compute`` and usually an efficient ``forward`` that delegates to the wrapped
    metrics' own ``forward`` (calling :meth:`_forward_full` when ``dist_sync_on_step`` is set).

    Example:
        >>> import torch
        >>> from calipers import SumMetric
        >>> from calipers.wrappers import WrapperMetric
        >>> class Doubled(WrapperMetric):
        ...     def __init__(self, base, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.base = base
        ...     def update(self, *args, **kwargs):
        ...         self.base.update(*args, **kwargs)
        ...     def compute(self):
        ...         return 2 * self.base.compute()
        >>> metric = Doubled(SumMetric())
        >>> metric.update(torch.tensor([1.0, 2.0]))
        >>> metric.compute()
        tensor(6.)
    """

    _synced_children: list[Metric]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.__dict__["_synced_children"] = []
        self.register_load_state_dict_post_hook(_after_load)  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ the wrapped metrics
    def _wrapped(self) -> list[tuple[str, Metric | MetricCollection]]:
        """The nearest metrics and collections below this one, with their module paths (``"metrics.0"``...)."""
        out: list[tuple[str, Metric | MetricCollection]] = []

        def walk(module: Module, prefix: str) -> None:
            for name, child in module.named_children():
                if isinstance(child, (Metric, MetricCollection)):
                    out.append((prefix + name, child))
                else:
                    walk(child, f"{prefix}{name}.")

        walk(self, "")
        return out

    def reset(self) -> None:
        """Reset the wrapper's own states and every wrapped metric."""
        super().reset()
        for _, child in self._wrapped():
            child.reset()

    def persistent(self, mode: bool = False) -> None:
        """Choose whether the states (the wrapped metrics' too) go into ``state_dict``."""
        super().persistent(mode)
        for _, child in self._wrapped():
            child.persistent(mode)

    @property
    def metric_state(self) -> dict[str, Any]:
        """The wrapper's own states by name, and each wrapped metric's ``metric_state`` under its module path."""
        state: dict[str, Any] = {name: getattr(self, name) for name in self._defaults}
        for path, child in self._wrapped():
            state[path] = child.metric_state
        return state

    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        """Fold another wrapper of the same class (or its ``metric_state``) into this one, metric by metric.

        Raises:
            TypeError: if ``incoming_state`` is neither a dict nor a wrapper of the same class.
            ValueError: if its states or wrapped metrics differ from this wrapper's.
            MetricStateError: if the wrapper is synced.
        """
        merge_into(self, incoming_state, children=WrapperMetric._wrapped)

    def _filter_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """Keep the keyword arguments that the wrapped metrics accept (all of them if any takes ``**kwargs``)."""
        wrapped = self._wrapped()
        if not wrapped:
            return dict(kwargs)
        out: dict[str, Any] = {}
        for _, child in wrapped:
            out.update(child._filter_kwargs(**kwargs))
        return out

    # ------------------------------------------------------------------ one sync for the whole tree
    def _sync_dist(self, dist_sync_fn: Callable[..., list[Tensor]] | None = None, process_group: Any = None) -> None:
        group = process_group if process_group is not None else self.process_group
        nested = stateful_metrics([self], skip=[self])
        if dist_sync_fn is not None:  # the user's gather, state by state (it cannot be batched)
            super()._sync_dist(dist_sync_fn, group)
            for metric in nested:
                metric.sync(dist_sync_fn=dist_sync_fn, process_group=group, distributed_available=lambda: True)
        else:
            sync_metrics(([self] if self._defaults else []) + nested, group)
        self.__dict__["_synced_children"] = nested

    def unsync(self, should_unsync: bool = True) -> None:
        """Restore the local states of the wrapper and of every nested metric synced with it."""
        super().unsync(should_unsync)
        if should_unsync:
            unsync_metrics(self.__dict__["_synced_children"])
            self.__dict__["_synced_children"] = []

    # ------------------------------------------------------------------ helpers for subclasses
    def _forward_full(self, *args: Any, **kwargs: Any) -> Any:
        """``forward`` by two updates: accumulate, then compute on the batch alone (synced if ``dist_sync_on_step``).

        The batch value is computed from fresh states of every metric of the tree; the accumulated states are put
        back afterwards. With ``dist_sync_on_step`` the batch states of the whole tree are synced in one batch.
        """
        if self._is_synced:
            raise MetricStateError(f"{self._get_name()}.forward: the metric is synced; call `unsync()` first.")
        self.update(*args, **kwargs)
        tree = [m for m in self.modules() if isinstance(m, Metric)]
        keep = ("_update_count", "_computed", "_to_sync", "_silence_compute_warning", "_enable_grad")
        saved = [(m, {n: m.__dict__[n] for n in (*m._defaults, *keep)}) for m in tree]
        try:
            for m in tree:
                m._reset_states()
                m.__dict__.update(_update_count=0, _computed=None, _to_sync=False)
                m.__dict__.update(_silence_compute_warning=True, _enable_grad=True)
            self.update(*args, **kwargs)
            if self.dist_sync_on_step and self.distributed_available_fn():
                with _step_synced([m for m in tree if m._defaults], self.dist_sync_fn, self.process_group):
                    value = self.compute()
            else:
                value = self.compute()
        finally:
            for m, values in saved:
                m.__dict__.update(values)
        self._forward_cache = value
        return value

    def _after_forward(self, value: Any) -> Any:
        """Book-keeping of a ``forward`` that delegated to the wrapped metrics: count it, drop the cache."""
        d = self.__dict__
        d["_update_count"] += 1
        d["_computed"] = None
        d["_forward_cache"] = value
        return value


def _after_load(module: Module, incompatible_keys: Any) -> None:
    """After ``load_state_dict``: a wrapper whose wrapped metrics hold loaded states counts as updated."""
    assert isinstance(module, WrapperMetric)
    counts = [m._update_count for m in module.modules() if isinstance(m, Metric) and m is not module]
    d = module.__dict__
    d["_update_count"] = max([d["_update_count"], *counts])
    d["_computed"] = None


@contextmanager
def _step_synced(metrics: list[Metric], dist_sync_fn: Any, process_group: Any) -> Iterator[None]:
    """Sync the batch states of ``metrics`` (one batch, or state by state through a user ``dist_sync_fn``)."""
    if dist_sync_fn is None:
        sync_metrics(metrics, process_group)
    else:
        for metric in metrics:
            metric.sync(dist_sync_fn=dist_sync_fn, process_group=process_group, distributed_available=lambda: True)
    try:
        yield
    finally:
        unsync_metrics(metrics)


@contextmanager
def rollback_on_error(roots: Iterable[Module]) -> Iterator[None]:
    """Keep copies of every state under ``roots``; if the block raises, put them all back (validate-before-mutate).

    Used by wrappers that update several metrics with one batch: a batch that the third metric rejects must not
    stay in the first two. Tensors are cloned, lists copied (their tensors are never changed in place).
    """
    metrics = {id(m): m for root in roots for m in root.modules() if isinstance(m, Metric)}
    saved = []
    for metric in metrics.values():
        d = metric.__dict__
        states = {n: (v.clone() if isinstance(v, Tensor) else list(v)) for n, v in ((n, d[n]) for n in d["_defaults"])}
        saved.append((d, states, d["_update_count"], d["_computed"]))
    try:
        yield
    except BaseException:
        for d, states, count, computed in saved:
            d.update(states)
            d["_update_count"] = count
            d["_computed"] = computed
        raise
