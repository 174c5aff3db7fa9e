"""``merge_state``: fold another metric's states (or a ``metric_state`` dict) into a metric, and into its children."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from calipers._state import fold_states
from calipers.exceptions import MetricStateError

if TYPE_CHECKING:
    from calipers.collections import MetricCollection
    from calipers.metric import Metric

__all__ = ["merge_into"]

Children = Callable[[Any], Sequence[tuple[str, "Metric | MetricCollection"]]]


def merge_into(metric: Metric, incoming_state: dict[str, Any] | Metric, children: Children | None = None) -> None:
    """:meth:`calipers.Metric.merge_state` of ``metric``; every check runs before any state changes.

    ``children`` (wrappers) gives a metric's wrapped metrics and collections with their module paths: the incoming
    state then holds them too, under those paths (a wrapper's ``metric_state``, or the incoming wrapper's own
    children), and each is merged into the matching child.
    """
    from calipers.metric import Metric  # imported here: calipers.metric imports this module

    owner = metric._get_name()
    mine = children(metric) if children is not None else ()
    if isinstance(incoming_state, Metric):
        if type(incoming_state) is not type(metric):
            raise TypeError(
                f"{owner}.merge_state: `incoming_state` must be a {owner} or a dict, "
                f"got {type(incoming_state).__name__}."
            )
        other: dict[str, Any] = {name: getattr(incoming_state, name) for name in incoming_state._defaults}
        if children is not None:
            other.update(children(incoming_state))
        other_count = incoming_state._update_count
    elif isinstance(incoming_state, dict):
        other, other_count = incoming_state, 1
    else:
        raise TypeError(
            f"{owner}.merge_state: `incoming_state` must be a dict or a metric, got {type(incoming_state).__name__}."
        )
    expected = sorted([*metric._defaults, *(path for path, _ in mine)])
    if sorted(other) != expected:
        what = "keys" if mine else "states"
        raise ValueError(f"{owner}.merge_state: `incoming_state` must have the {what} {expected}, got {sorted(other)}.")
    if metric._is_synced:
        raise MetricStateError(f"{owner}.merge_state: unsync the metric before merging into it.")
    for name, reduction in metric._reductions.items():
        if reduction is None:
            raise ValueError(
                f"{owner}.merge_state: state {name!r} has no reduction (`dist_reduce_fx=None`), "
                "so two values of it cannot be merged."
            )
    weights = (float(metric._update_count), float(other_count))
    merged = {
        name: fold_states(getattr(metric, name), other[name], reduction, weights)
        for name, reduction in metric._reductions.items()
    }
    for path, child in mine:
        child.merge_state(other[path])
    metric.__dict__.update(merged)
    metric._update_count += other_count
    metric._computed = None
