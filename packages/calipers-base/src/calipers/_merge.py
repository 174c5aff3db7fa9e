"""``Metric.merge_state``: fold another metric's states (or a ``metric_state`` dict) into a metric."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calipers._state import fold_states
from calipers.exceptions import MetricStateError

if TYPE_CHECKING:
    from calipers.metric import Metric

__all__ = ["merge_into"]


def merge_into(metric: Metric, incoming_state: dict[str, Any] | Metric) -> None:
    """:meth:`calipers.Metric.merge_state` of ``metric`` (the checks run before any state changes)."""
    from calipers.metric import Metric  # imported here: calipers.metric imports this module

    if isinstance(incoming_state, Metric):
        if type(incoming_state) is not type(metric):
            raise TypeError(
                f"{metric._get_name()}.merge_state: `incoming_state` must be a {metric._get_name()} or a dict, "
                f"got {type(incoming_state).__name__}."
            )
        other, other_count = incoming_state.metric_state, incoming_state._update_count
    elif isinstance(incoming_state, dict):
        other, other_count = incoming_state, 1
    else:
        raise TypeError(
            f"{metric._get_name()}.merge_state: `incoming_state` must be a dict or a metric, "
            f"got {type(incoming_state).__name__}."
        )
    if set(other) != set(metric._defaults):
        raise ValueError(
            f"{metric._get_name()}.merge_state: `incoming_state` must have the states "
            f"{sorted(metric._defaults)}, got {sorted(other)}."
        )
    if metric._is_synced:
        raise MetricStateError(f"{metric._get_name()}.merge_state: unsync the metric before merging into it.")
    weights = (float(metric._update_count), float(other_count))
    merged = {}
    for name, reduction in metric._reductions.items():
        if reduction is None:
            raise ValueError(
                f"{metric._get_name()}.merge_state: state {name!r} has no reduction (`dist_reduce_fx=None`), "
                "so two values of it cannot be merged."
            )
        merged[name] = fold_states(getattr(metric, name), other[name], reduction, weights)
    metric.__dict__.update(merged)
    metric._update_count += other_count
    metric._computed = None
