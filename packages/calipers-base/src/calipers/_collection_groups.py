"""Compute groups of a :class:`~calipers.MetricCollection`: how they are formed, shared and fed.

A compute group is a list of member names whose metrics fold identical ``update`` inputs into identical states. Its
first member, the *leader*, is the only one updated; the others (*followers*) hold references to the leader's state
objects (:func:`link`) and only compute.

Groups are formed **statically**, before any data is seen (:func:`auto_groups`): two metrics share a group when
their :meth:`~calipers.Metric._state_signature` is equal and not ``None``, they hold no nested metrics, and their
state layout (names, shapes, dtypes, reductions), device, dtype and sync options are equal. TorchMetrics instead
merges metrics whose states happen to be equal after the first batch, which silently merges metrics that differ
later. Explicit groups (:func:`explicit_groups`) are checked for the same layout.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers._forward import fold_batch
from calipers._wrapping import squeeze_scalars as _squeeze_scalars
from calipers.compositional import CompositionalMetric
from calipers.exceptions import MetricStateError
from calipers.metric import Metric

__all__ = [
    "auto_groups",
    "detach",
    "explicit_groups",
    "flatten_values",
    "forward_group",
    "forward_groups",
    "group_key",
    "is_leaf",
    "link",
    "update_groups",
]


def is_leaf(metric: Metric) -> bool:
    """Whether ``metric`` holds all its states itself (no metric nested in it)."""
    return not any(isinstance(m, Metric) for m in metric.modules() if m is not metric)


def _layout(metric: Metric) -> tuple[Hashable, ...]:
    d = metric.__dict__
    out: list[Hashable] = []
    for name, default in d["_defaults"].items():
        shape = (tuple(default.shape), default.dtype) if isinstance(default, Tensor) else "list"
        out.append((name, shape, d["_reductions"][name]))
    return tuple(out)


def group_key(metric: Metric) -> Hashable | None:
    """The key under which ``metric`` may share states with others, or ``None`` if it never does automatically."""
    signature = metric._state_signature()
    if signature is None or not metric._defaults or not is_leaf(metric):
        return None
    d = metric.__dict__
    engine = (
        d["_device"], d["_dtype"], d["compute_on_cpu"], d["dist_sync_on_step"], d["sync_on_compute"],
        id(d["process_group"]), d["dist_sync_fn"], d["distributed_available_fn"], type(metric).full_state_update,
    )  # fmt: skip
    return signature, _layout(metric), engine


def auto_groups(members: Mapping[str, Metric]) -> list[list[str]]:
    """Groups by :func:`group_key`, in the order of their first member; a metric without a key is alone."""
    out: list[list[str]] = []
    by_key: dict[Hashable, list[str]] = {}
    for name, metric in members.items():
        key = group_key(metric)
        if key is None:
            out.append([name])
        elif key in by_key:
            by_key[key].append(name)
        else:
            by_key[key] = [name]
            out.append(by_key[key])
    return out


def explicit_groups(members: Mapping[str, Metric], groups: Any) -> list[list[str]]:
    """Validate user-given groups; members left out get a group each.

    Raises:
        TypeError: if ``groups`` is not a list of lists of names.
        ValueError: for an unknown or repeated name, an empty group, or a group whose metrics cannot share states.
    """
    owner = "MetricCollection"
    if not isinstance(groups, (list, tuple)) or not all(
        isinstance(g, (list, tuple)) and all(isinstance(n, str) for n in g) for g in groups
    ):
        raise TypeError(f"{owner}: `compute_groups` must be a bool or a list of lists of metric names, got {groups!r}.")
    seen: set[str] = set()
    out: list[list[str]] = []
    for group in groups:
        if not group:
            raise ValueError(f"{owner}: `compute_groups` must not hold an empty group, got {groups!r}.")
        for name in group:
            if name not in members:
                raise ValueError(
                    f"{owner}: `compute_groups` must name metrics of the collection {sorted(members)}, got {name!r}."
                )
            if name in seen:
                raise ValueError(f"{owner}: `compute_groups` must name each metric once, got {name!r} twice.")
            seen.add(name)
        if len(group) > 1:
            first = members[group[0]]
            for name in group:
                metric = members[name]
                if not is_leaf(metric) or not metric._defaults:
                    raise ValueError(
                        f"{owner}: `compute_groups` must group metrics that hold their own states, got {name!r} "
                        f"({metric._get_name()})."
                    )
                if _layout(metric) != _layout(first):
                    raise ValueError(
                        f"{owner}: `compute_groups` must group metrics with the same states, got {name!r} with "
                        f"{_layout(metric)} and {group[0]!r} with {_layout(first)}."
                    )
        out.append(list(group))
    out.extend([name] for name in members if name not in seen)
    return out


def link(leader: Metric, followers: Sequence[Metric]) -> None:
    """Make every follower hold the leader's state objects (and update count); their cached values are dropped."""
    ld = leader.__dict__
    names = ld["_defaults"]
    for follower in followers:
        fd = follower.__dict__
        for name in names:
            fd[name] = ld[name]
        fd["_update_count"] = ld["_update_count"]
        fd["_computed"] = None


def detach(leader: Metric, followers: Sequence[Metric]) -> None:
    """Give every follower its own copy of the leader's states (tensors cloned, lists copied)."""
    ld = leader.__dict__
    for follower in followers:
        fd = follower.__dict__
        for name in ld["_defaults"]:
            value = ld[name]
            fd[name] = value.clone() if isinstance(value, Tensor) else list(value)
        fd["_update_count"] = ld["_update_count"]


def _fold(metric: Metric, batch: dict[str, Any]) -> None:
    """Fold the batch states into the accumulated ones with :func:`calipers._forward.fold_batch` (``forward``'s fold).

    The accumulated tensors are private to the group (``compute`` never returns a state itself), so in-place folding
    is safe.
    """
    d = metric.__dict__
    count = d["_update_count"]
    d.update(fold_batch(metric, d, batch, count))
    d["_update_count"] = count + 1
    d["_computed"] = None


def forward_group(
    leader: Metric, followers: Sequence[Metric], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[Any]:
    """``forward`` of a whole group: one ``update`` on the batch, one ``compute`` per member, one fold.

    Returns the batch values, leader first. The accumulated states get the batch exactly as ``forward`` of the
    leader alone would (the batch states folded in, or a second ``update`` for metrics declaring
    ``full_state_update`` or states without a foldable reduction). A bad batch leaves the states unchanged.
    """
    d = leader.__dict__
    if d["_is_synced"]:
        raise MetricStateError(
            f"{leader._get_name()}.forward: the metric is synced; call `unsync()` before updating it again."
        )
    fold = type(leader).full_state_update is False and leader._foldable()
    if not fold:
        leader.update(*args, **kwargs)
    saved = {name: d[name] for name in d["_defaults"]}
    count = d["_update_count"]
    try:
        values, batch = _batch_values(leader, followers, args, kwargs)
    finally:
        d.update(saved)
        d["_update_count"] = count
        d["_computed"] = None
        link(leader, followers)
    if fold:
        _fold(leader, batch)
        link(leader, followers)
    d["_forward_cache"] = values[0]
    for follower, value in zip(followers, values[1:]):
        follower.__dict__["_forward_cache"] = value
    return values


def _batch_values(
    leader: Metric, followers: Sequence[Metric], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The leader updated on the batch alone, and every member computed on that state.

    With ``dist_sync_on_step`` the batch state is synced first. The caller restores the leader's states and count,
    and links the followers again.
    """
    ld = leader.__dict__
    grad_mode = ld["_enable_grad"]
    grad = torch.is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))
    synced = False
    try:
        leader._reset_states()
        ld["_enable_grad"], ld["_update_count"] = grad, 0
        leader.update(*args, **kwargs)
        batch = {name: ld[name] for name in ld["_defaults"]}
        if ld["dist_sync_on_step"] and ld["distributed_available_fn"]():
            leader.sync(dist_sync_fn=ld["dist_sync_fn"], process_group=ld["process_group"])
            synced = True
        shared = {name: ld[name] for name in ld["_defaults"]}
        values = []
        for member in (leader, *followers):  # unwrapped compute: a batch value needs no caching, warning or sync
            md = member.__dict__
            md.update(shared)
            compute = type(member).compute
            md["_in_compute"] = True
            try:
                values.append(_squeeze_scalars(getattr(compute, "__wrapped__", compute)(member)))
            finally:
                md["_in_compute"] = False
        return values, batch
    finally:
        ld["_enable_grad"] = grad_mode
        if synced:
            ld["_is_synced"], ld["_cache"] = False, None


def update_groups(
    members: Mapping[str, Metric], groups: Sequence[Sequence[str]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """``MetricCollection.update``: the leader of each group, then the arithmetic members' operands.

    An operand already updated (a member itself, or an operand of another member) is not updated again.
    """
    done: set[int] = set()
    expressions = []
    for group in groups:
        leader = members[group[0]]
        if isinstance(leader, CompositionalMetric):
            expressions.append(leader)
            continue
        leader.update(*args, **(leader._filter_kwargs(**kwargs) if kwargs else kwargs))
        done.update(id(members[name]) for name in group)
    for expression in expressions:
        for leaf in expression._leaves():
            if id(leaf) not in done:
                done.add(id(leaf))
                leaf.update(*args, **leaf._filter_kwargs(**kwargs))
        expression.__dict__["_update_count"] += 1
        expression.__dict__["_computed"] = None


def forward_groups(
    members: Mapping[str, Metric], groups: Sequence[Sequence[str]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``MetricCollection.forward``: batch values by member name, one ``forward`` per group and per operand."""
    values: dict[str, Any] = {}
    batch: dict[int, Any] = {}  # batch value by metric, for the operands of arithmetic members
    expressions = []
    for group in groups:
        leader = members[group[0]]
        if isinstance(leader, CompositionalMetric):
            expressions.append((group[0], leader))
            continue
        filtered = leader._filter_kwargs(**kwargs)
        if len(group) == 1:
            results = [leader(*args, **filtered)]
        else:
            results = forward_group(leader, [members[n] for n in group[1:]], args, filtered)
        for name, value in zip(group, results):
            values[name] = batch[id(members[name])] = value
    for name, expression in expressions:
        for leaf in expression._leaves():
            if id(leaf) not in batch:
                batch[id(leaf)] = leaf(*args, **leaf._filter_kwargs(**kwargs))
        d = expression.__dict__
        d["_update_count"] += 1
        d["_computed"] = None
        values[name] = d["_forward_cache"] = expression._evaluate(lambda metric: batch[id(metric)])
    return values


def flatten_values(values: Mapping[str, Any], affixes: Mapping[str, tuple[str | None, str | None]]) -> dict[str, Any]:
    """One flat dict of member values: dict values are spread, with their collection's prefix/postfix (``affixes``).

    If any key then collides, the spread keys get their member's name (TorchMetrics' rule).
    """
    flat = [k for name, v in values.items() for k in (v if isinstance(v, dict) else [name])]
    duplicates = len(flat) != len(set(flat))
    out: dict[str, Any] = {}
    for name, value in values.items():
        if not isinstance(value, dict):
            out[name] = value
            continue
        prefix, postfix = affixes.get(name, (None, None))
        for key, v in value.items():
            if duplicates:
                key = f"{name.removeprefix(prefix or '').removesuffix(postfix or '')}_{key}"
            out[f"{prefix or ''}{key}{postfix or ''}"] = v
    return out
