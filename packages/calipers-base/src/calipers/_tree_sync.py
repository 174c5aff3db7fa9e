"""Sync many metrics, and the metrics nested inside them, as one batch.

:class:`~calipers.MetricCollection` (all its members), the wrappers (a ``BootStrapper``'s copies, a
``MultitaskWrapper``'s tasks...) and ``MetricTracker.compute_all`` (every step) hand their metrics to
:func:`sync_metrics`: every state of every metric goes into one :func:`~calipers._sync.plan_sync` /
:func:`~calipers._sync.execute_sync` per process group, so the number of collectives stays at most 3 however many
metrics there are. A state object shared by several metrics (the members of a compute group) travels once.

Each synced metric keeps its local states aside (``_cache``) and is marked synced, so that its own ``compute`` does
not sync again; :func:`unsync_metrics` puts the local states back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from torch.nn import Module

from calipers._sync import StateEntry, execute_sync, plan_sync
from calipers.metric import Metric

__all__ = ["stateful_metrics", "sync_metrics", "sync_roots", "sync_targets", "synced", "unsync_metrics"]


def stateful_metrics(roots: Iterable[Module], skip: Iterable[Module] = ()) -> list[Metric]:
    """The metrics in the module trees of ``roots`` (roots included) whose states take part in a sync.

    A metric takes part when it has states, syncs on compute (``sync_on_compute``; a ``Running`` wrapper turns it
    off for its inner metric), is not synced already and has no user ``dist_sync_fn`` (such a metric syncs itself,
    state by state, in its own ``compute``). Each metric appears once, in the order of ``Module.modules()``.
    """
    from calipers.collections import MetricCollection  # (a cycle at import time)

    seen = {id(m) for m in skip}
    out: list[Metric] = []
    for root in roots:
        for module in root.modules():
            if isinstance(module, MetricCollection) and module._detached:  # group members hold copies: share
                module._link()  # again, so that every rank syncs the same states, whatever it looked at locally
            if not isinstance(module, Metric) or id(module) in seen:
                continue
            seen.add(id(module))
            d = module.__dict__
            if d["_defaults"] and d["_to_sync"] and not d["_is_synced"] and d["dist_sync_fn"] is None:
                out.append(module)
    return out


def sync_metrics(metrics: Sequence[Metric], process_group: Any = None) -> None:
    """Replace the states of ``metrics`` by their reduction over all processes: one batch per process group.

    A metric's own ``process_group`` wins over ``process_group``. Every rank must pass metrics of the same
    structure in the same order. The metrics are marked synced (their cached values dropped), their local states
    kept for :func:`unsync_metrics`.
    """
    partitions: dict[int, tuple[Any, list[Metric]]] = {}
    for metric in metrics:
        group = metric.process_group if metric.process_group is not None else process_group
        partitions.setdefault(id(group), (group, []))[1].append(metric)
    for group, members in partitions.values():
        entries: list[StateEntry] = []
        index: dict[int, int] = {}
        slots: list[tuple[Metric, str, int]] = []
        for metric in members:
            d = metric.__dict__
            for name in d["_defaults"]:
                value = d[name]
                j = index.get(id(value))
                if j is None:
                    j = index[id(value)] = len(entries)
                    label = f"{metric._get_name()}.{name}"
                    reduction, updates = d["_reductions"][name], d["_update_count"]
                    entries.append(StateEntry(j, value, reduction, d["_device"], d["_dtype"], label, updates))
                slots.append((metric, name, j))
        result = execute_sync(plan_sync(entries), group) if entries else {}
        for metric in members:
            d = metric.__dict__
            d["_cache"] = {name: d[name] for name in d["_defaults"]}
        for metric, name, j in slots:
            metric.__dict__[name] = result[j]
        for metric in members:
            metric.__dict__["_is_synced"] = True
            metric.__dict__["_computed"] = None  # a cached value may predate other ranks' updates


def unsync_metrics(metrics: Sequence[Metric]) -> None:
    """Put back the local states of metrics synced by :func:`sync_metrics` (others are left alone)."""
    for metric in reversed(metrics):
        d = metric.__dict__
        if d["_is_synced"] and d["_cache"] is not None:
            d.update(d["_cache"])
        d["_is_synced"] = False
        d["_cache"] = None


@contextmanager
def synced(metrics: Sequence[Metric], process_group: Any = None) -> Iterator[None]:
    """Sync ``metrics`` on entry (one batch), restore their local states on exit."""
    sync_metrics(metrics, process_group)
    try:
        yield
    finally:
        unsync_metrics(metrics)


def sync_roots(metric: Metric) -> list[Metric]:
    """``metric`` and the metrics nested in it whose states sync, if ``metric`` syncs on ``compute`` now."""
    d = metric.__dict__
    if d["_to_sync"] and not d["_is_synced"] and d["dist_sync_fn"] is None and d["distributed_available_fn"]():
        return stateful_metrics([metric])
    return []


def sync_targets(modules: Iterable[Module]) -> list[Metric]:
    """The metrics that one batched sync of ``modules`` (metrics, or collections by their members) carries."""
    out: dict[int, Metric] = {}
    for module in modules:
        members = getattr(module, "_sync_members", None)
        found = members() if callable(members) else sync_roots(module) if isinstance(module, Metric) else []
        for metric in found:
            out.setdefault(id(metric), metric)
    return list(out.values())
