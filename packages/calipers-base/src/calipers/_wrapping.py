"""The wrappers every ``Metric`` subclass's ``update`` and ``compute`` get (see ``Metric.__init_subclass__``).

``update``: count the call, forget the cached value, run without autograd unless an input needs it, roll the
bookkeeping back when the update raises. ``compute``: warn before any update, serve the cache, sync around the
computation when a process group is up, never hand out a state tensor itself.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from calipers.exceptions import CalipersUserWarning, MetricStateError

if TYPE_CHECKING:
    from calipers.metric import Metric

__all__ = ["squeeze_scalars", "unalias", "wrap_compute", "wrap_update"]


def _requires_grad(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a tensor among the arguments requires gradients."""
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            return True
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, Tensor) and a.requires_grad:
                return True
    return False


def wrap_update(update: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(update)
    def wrapped(self: Metric, *args: Any, **kwargs: Any) -> None:
        if self._in_update:  # a subclass calling super().update(): count once
            return update(self, *args, **kwargs)
        if self._is_synced:
            raise MetricStateError(
                f"{self._get_name()}.update: the metric is synced; call `unsync()` before updating it again."
            )
        d = self.__dict__
        computed = d["_computed"]
        d["_computed"] = None
        d["_in_update"] = True
        try:
            # Autograd matters only for inputs that carry gradients: otherwise skip the grad-mode switch (cheaper).
            if torch.is_grad_enabled() == d["_enable_grad"] or not _requires_grad(args, kwargs):
                update(self, *args, **kwargs)
            else:
                with torch.set_grad_enabled(d["_enable_grad"]):
                    update(self, *args, **kwargs)
        except BaseException:
            d["_computed"] = computed
            raise
        finally:
            d["_in_update"] = False
        d["_update_count"] += 1
        if d["compute_on_cpu"]:
            self._move_list_states_to_cpu()

    wrapped.__calipers_wrapped__ = True  # type: ignore[attr-defined]
    return wrapped


def wrap_compute(compute: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(compute)
    def wrapped(self: Metric) -> Any:
        if self._in_compute:
            return compute(self)
        if self._update_count == 0 and not self._silence_compute_warning:
            warnings.warn(
                f"The `compute` method of {self._get_name()} was called before `update`: the states hold their "
                "defaults, so the value may be meaningless.",
                CalipersUserWarning,
                stacklevel=2,
            )
        d = self.__dict__
        syncing = d["_to_sync"] and not d["_is_synced"] and d["distributed_available_fn"]()
        # Under a process group the cache is not trusted: another rank may have updated since, and a rank that
        # skipped the sync would leave the others waiting in a collective forever.
        if d["_computed"] is not None and not syncing:
            return d["_computed"]
        d["_in_compute"] = True
        try:
            if syncing:
                with self.sync_context(dist_sync_fn=d["dist_sync_fn"], should_unsync=d["_should_unsync"]):
                    value = squeeze_scalars(compute(self))
                    value = unalias(value, d)
            else:
                value = squeeze_scalars(compute(self))
                value = unalias(value, d)
        finally:
            d["_in_compute"] = False
        if d["compute_with_cache"]:
            d["_computed"] = value
        return value

    wrapped.__calipers_wrapped__ = True  # type: ignore[attr-defined]
    return wrapped


def unalias(value: Any, d: dict[str, Any]) -> Any:
    """A computed tensor that is a state itself is copied: later updates (in place) must not change it."""
    if isinstance(value, Tensor):
        for name in d["_defaults"]:
            if d[name] is value:
                return value.clone()
    return value


def squeeze_scalars(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.squeeze() if value.numel() == 1 and value.ndim > 0 else value
    if isinstance(value, dict):
        return {k: squeeze_scalars(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(squeeze_scalars(v) for v in value)
    return value
