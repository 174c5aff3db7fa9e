"""``Metric.forward``: the value of one batch, folded into the accumulated state without copying it.

The batch runs on fresh states (the accumulated ones are set aside by reference, never copied), then the batch
states are folded in: in place for ``sum`` and ``cat`` states, through :func:`calipers._state.fold_states` for the
others. Metrics declaring ``full_state_update`` (their update reads the state) update the accumulated state
normally and compute the batch value on fresh states.

**Additive metrics** skip even the fresh states. A metric whose ``update`` only adds a batch's *contribution* to its
states declares it with three methods, and ``forward`` then costs one ``update`` plus the ``compute`` of the batch:

* ``_contribution(*args, **kwargs)``: validate the batch and return its contribution, without touching any state;
* ``_contribution_states(contribution)``: the states (by name) a fresh metric would hold after this batch alone;
* ``_add_contribution(contribution)``: fold it into the accumulated states (never raises on a valid contribution).

Its ``update`` is ``self._add_contribution(self._contribution(...))``. A subclass that overrides ``update`` opts out
(its ``update`` may do something else), and so do ``dist_sync_on_step`` and ``compute_on_cpu``.

Optionally, ``_contribution_value(contribution)`` gives the batch's value straight from its contribution (what
``compute`` would return on the batch's states), so nothing is swapped in. It is used only when the class declaring it
also declares ``compute``, or derives from the one that does: a subclass that overrides ``compute`` gets the swap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from calipers._state import fold_states
from calipers._wrapping import _requires_grad, squeeze_scalars
from calipers.exceptions import MetricStateError

if TYPE_CHECKING:
    from calipers.metric import Metric

__all__ = [
    "batch_value",
    "fold_batch",
    "forward",
    "forward_additive",
    "forward_full_state_update",
    "forward_reduce_state_update",
]

_RAW: dict[type, tuple[Any, Any]] = {}
_ADDITIVE: dict[type, tuple[Any, Any] | None] = {}


def _owner(cls: type, name: str) -> type | None:
    """The class of ``cls``'s MRO that defines attribute ``name``."""
    return next((klass for klass in cls.__mro__ if name in klass.__dict__), None)


def is_additive(cls: type) -> bool:
    """Whether ``cls`` declares a contribution and its ``update`` is the one written over it (cached per class)."""
    return _additive_compute(cls) is not None


def _additive_compute(cls: type) -> tuple[Any, Any] | None:
    """``(raw compute, _contribution_value or None)`` of an additive metric class, ``None`` for others (cached).

    ``_contribution_value`` is kept only when its class derives from the one that declares ``compute``.
    """
    if cls in _ADDITIVE:
        return _ADDITIVE[cls]
    contribution, update = _owner(cls, "_contribution"), _owner(cls, "update")
    entry = None
    if contribution is not None and update is not None and issubclass(contribution, update):
        value_owner, compute_owner = _owner(cls, "_contribution_value"), _owner(cls, "compute")
        direct = value_owner is not None and compute_owner is not None and issubclass(value_owner, compute_owner)
        entry = (_raw_methods(cls)[1], cls._contribution_value if direct else None)  # type: ignore[attr-defined]
    _ADDITIVE[cls] = entry
    return entry


def forward(metric: Metric, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Metric.forward``: the cheapest path the metric's declarations allow; the value is kept as ``_forward_cache``.

    Raises:
        MetricStateError: if the metric is synced.
    """
    d = metric.__dict__
    if d["_is_synced"]:
        raise MetricStateError(
            f"{metric._get_name()}.forward: the metric is synced; call `unsync()` before updating it again."
        )
    if not d["dist_sync_on_step"]:
        if not d["compute_on_cpu"]:
            cls = type(metric)
            entry = _ADDITIVE[cls] if cls in _ADDITIVE else _additive_compute(cls)
            if entry is not None:
                value = d["_forward_cache"] = forward_additive(metric, entry, args, kwargs)
                return value
        foldable = d.get("_foldable_cache")
        if foldable is None or foldable[0] is not d["_reductions"] or foldable[1] != len(d["_reductions"]):
            foldable = d["_foldable_cache"] = (d["_reductions"], len(d["_reductions"]), metric._foldable())
        if foldable[2] and metric.full_state_update is False:
            value = d["_forward_cache"] = forward_reduce_state_update(metric, args, kwargs)
            return value
    value = d["_forward_cache"] = forward_full_state_update(metric, args, kwargs)
    return value


def forward_additive(metric: Metric, entry: tuple[Any, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``forward`` of an additive metric: the batch's contribution, its value, then the fold (module docstring).

    The value is ``_contribution_value`` of the contribution when the class has one (``entry[1]``), else the raw
    ``compute`` (``entry[0]``) run on the batch's states, swapped in for the accumulated ones and back.
    """
    compute, value_of = entry
    d = metric.__dict__
    additive: Any = metric  # the three methods are declared by the metric class, not by Metric
    grad = _requires_grad(args, kwargs)
    enable = grad and not torch.is_grad_enabled()  # gradients flow through the value when an input carries them
    d["_in_update"] = d["_in_compute"] = True  # a subclass calling super() must not count again
    if enable:
        torch.set_grad_enabled(True)
    try:
        contribution = additive._contribution(*args, **kwargs)
        if value_of is not None:
            value = value_of(metric, contribution)
        else:
            batch = additive._contribution_states(contribution)
            saved = {name: d[name] for name in batch}
            d.update(batch)
            try:
                value = compute(metric)
            finally:
                d.update(saved)
    finally:
        if enable:
            torch.set_grad_enabled(False)
        d["_in_update"] = d["_in_compute"] = False
    if type(value) is not Tensor or value.ndim:
        value = squeeze_scalars(value)
    if grad:  # the accumulated states never keep a graph
        with torch.no_grad():
            additive._add_contribution(contribution)
    else:
        additive._add_contribution(contribution)
    d["_computed"] = None
    d["_update_count"] += 1
    return value


def _raw_methods(cls: type) -> tuple[Any, Any]:
    """The unwrapped ``update`` and ``compute`` of a metric class (cached per class)."""
    raw = _RAW.get(cls)
    if raw is None:
        update, compute = cls.update, cls.compute  # type: ignore[attr-defined]
        raw = _RAW[cls] = (getattr(update, "__wrapped__", update), getattr(compute, "__wrapped__", compute))
    return raw


def batch_value(metric: Metric, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Reset states, update with the batch, compute; the caller restores the accumulated states.

    Without ``dist_sync_on_step`` this calls the unwrapped ``update``/``compute``: no counting, caching, warning
    or sync is needed for a batch value, and skipping the wrappers keeps ``forward`` close to one ``update``.
    """
    d = metric.__dict__
    d["_computed"] = None
    metric._reset_states()
    if d["dist_sync_on_step"]:
        flags = (d["_to_sync"], d["_should_unsync"], d["_enable_grad"], d["compute_on_cpu"])
        d["_to_sync"], d["_should_unsync"], d["_enable_grad"], d["compute_on_cpu"] = True, True, True, False
        d["_silence_compute_warning"], silenced = True, d["_silence_compute_warning"]
        d["_update_count"] = 0
        try:
            metric.update(*args, **kwargs)
            return metric.compute()
        finally:
            d["_to_sync"], d["_should_unsync"], d["_enable_grad"], d["compute_on_cpu"] = flags
            d["_silence_compute_warning"] = silenced
            d["_computed"] = None
    d["_update_count"] = 0  # the batch's update sees a fresh metric
    update, compute = _raw_methods(type(metric))
    d["_in_update"] = d["_in_compute"] = True  # a subclass calling super().update() must not count again
    # Gradients flow through the batch value when an input carries them; otherwise autograd is off (cheaper).
    grad = _requires_grad(args, kwargs)
    try:
        if grad and not torch.is_grad_enabled():
            with torch.enable_grad():
                update(metric, *args, **kwargs)
                return squeeze_scalars(compute(metric))
        update(metric, *args, **kwargs)  # no input carries gradients: leave the grad mode as it is
        return squeeze_scalars(compute(metric))
    finally:
        d["_in_update"] = d["_in_compute"] = False


def forward_reduce_state_update(metric: Metric, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``forward`` of a metric whose states fold batch by batch: one update and one compute on the batch."""
    d = metric.__dict__
    saved = {name: d[name] for name in metric._defaults}
    count = d["_update_count"]
    try:
        value = batch_value(metric, args, kwargs)
    except BaseException:
        d.update(saved)
        d["_update_count"] = count
        raise
    try:
        folded = fold_batch(metric, saved, {name: d[name] for name in metric._reductions}, count)
    except BaseException:
        d.update(saved)
        d["_update_count"] = count
        raise
    d.update(folded)
    d["_update_count"] = count + 1
    return value


def fold_batch(metric: Metric, accumulated: dict[str, Any], batch: dict[str, Any], count: int) -> dict[str, Any]:
    """The accumulated states with one batch's states folded in: the one fold of ``forward`` and of compute groups.

    Out-of-place folds (which may raise, e.g. on a shape mismatch) run first; the in-place ones (sums of equal shape
    and dtype added with one ``_foreach_add_``, lists extended), which cannot fail, run only once all of those
    succeeded, so a failing fold leaves the accumulated states intact. Batch states are detached: a batch value may
    carry gradients, the accumulated states never keep a graph. ``count`` is the number of batches folded before.
    Returns the new state objects by name (the in-place ones are the accumulated objects themselves).
    """
    folded: dict[str, Any] = {}
    sums: list[Tensor] = []
    addends: list[Tensor] = []
    lists: list[tuple[list[Any], Any]] = []
    for name, reduction in metric._reductions.items():
        glob, new = accumulated[name], batch[name]
        if reduction == "cat" and isinstance(glob, list):
            lists.append((glob, new))
            folded[name] = glob
        elif (
            reduction == "sum"
            and isinstance(glob, Tensor)
            and isinstance(new, Tensor)
            and glob.dtype == new.dtype
            and glob.shape == new.shape
        ):
            sums.append(glob)
            addends.append(new.detach() if new.requires_grad else new)
            folded[name] = glob
        else:
            new = new.detach() if isinstance(new, Tensor) else [t.detach() for t in new]
            folded[name] = fold_states(glob, new, reduction, (float(count), 1.0))
    if len(sums) > 1:
        torch._foreach_add_(sums, addends)  # one dispatch for every sum state
    elif sums:
        sums[0].add_(addends[0])
    on_cpu = metric.compute_on_cpu
    for glob, new in lists:
        glob.extend(v.detach().to("cpu") if on_cpu else v.detach() for v in new)
    return folded


def forward_full_state_update(metric: Metric, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``forward`` of a ``full_state_update`` metric: update the accumulated state, then the batch alone."""
    d = metric.__dict__
    metric.update(*args, **kwargs)  # the accumulated update first: a bad batch raises before any state changes
    saved = {name: d[name] for name in metric._defaults}
    count = d["_update_count"]
    try:
        return batch_value(metric, args, kwargs)
    finally:
        d.update(saved)
        d["_update_count"] = count
