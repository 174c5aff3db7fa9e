"""`Metric`: the base class of every calipers metric.

A metric declares its states with :meth:`Metric.add_state`, folds each batch into them in ``update`` and turns them
into a value in ``compute``. The base class adds everything else: batch values through ``forward``, cached compute,
a batched distributed sync (see :mod:`calipers._sync`), ``merge_state``, ``state_dict`` support, device and dtype
moves, cloning, pickling and arithmetic between metrics.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Hashable, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.nn import Module
from torch.nn.modules import module as _module_mod
from typing_extensions import Self

from calipers._arithmetic import MetricArithmetic
from calipers._forward import batch_value, forward, forward_full_state_update, forward_reduce_state_update
from calipers._jit import hide_from_torchscript
from calipers._merge import merge_into
from calipers._state import (
    ELEMENTWISE,
    Reduction,
    StateValue,
    check_state_default,
    normalize_reduction,
)
from calipers._sync import StateEntry, execute_sync, plan_sync
from calipers._sync_fn import sync_with_fn
from calipers._wrapping import wrap_compute, wrap_update
from calipers.exceptions import ClassConstantError, MetricStateError
from calipers.integrations.lightning import register_if_lightning
from calipers.utilities.distributed import distributed_available as _default_distributed_available

__all__ = ["CompositionalMetric", "Metric"]

_CONSTANTS = frozenset({"higher_is_better", "is_differentiable", "full_state_update"})
_DTYPE_CASTS = ("Module.half.", "Module.float.", "Module.double.", "Module.bfloat16.", "Module.type.")
_OPTIONS: dict[str, tuple[Any, str]] = {
    "compute_on_cpu": (False, "bool"),
    "dist_sync_on_step": (False, "bool"),
    "process_group": (None, "any"),
    "dist_sync_fn": (None, "callable"),
    "distributed_available_fn": (None, "callable"),
    "sync_on_compute": (True, "bool"),
    "compute_with_cache": (True, "bool"),
}


class Metric(MetricArithmetic, Module, ABC):
    """Base class of all metrics: holds states, folds batches into them and syncs them across processes.

    Subclasses declare states in ``__init__`` with :meth:`add_state` and implement ``update`` and ``compute``.

    Args:
        compute_on_cpu: move list states to the CPU after each ``update`` (saves accelerator memory).
        dist_sync_on_step: sync states across processes in ``forward`` too, so batch values are global.
        process_group: the process group to sync over (default: the whole world).
        dist_sync_fn: a custom gather ``fn(tensor, group=None) -> list[Tensor]``; states are then synced one by
            one through it instead of by the batched engine.
        distributed_available_fn: a callable telling whether to sync at all (default: a process group is up).
        sync_on_compute: sync states in ``compute`` when running distributed.
        compute_with_cache: cache the result of ``compute`` until the next ``update`` or ``reset``.

    Example:
        >>> import torch
        >>> from calipers import Metric
        >>> class Total(Metric):
        ...     full_state_update = False
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        ...     def update(self, x):
        ...         self.total += x.sum()
        ...     def compute(self):
        ...         return self.total
        >>> metric = Total()
        >>> metric(torch.tensor([1.0, 2.0]))
        tensor(3.)
        >>> metric.update(torch.tensor([4.0]))
        >>> metric.compute()
        tensor(7.)
    """

    __jit_ignored_attributes__: ClassVar[list[str]] = ["device", "dtype"]
    is_differentiable: ClassVar[bool | None] = None
    higher_is_better: ClassVar[bool | None] = None
    full_state_update: ClassVar[bool | None] = None
    plot_lower_bound: ClassVar[float | None] = None
    plot_upper_bound: ClassVar[float | None] = None
    plot_legend_name: ClassVar[str | None] = None
    #: The class name users see: ``repr``, :class:`~calipers.MetricCollection` keys, error messages and plot titles
    #: (:meth:`_get_name`). It is the class's ``__name__`` unless the class body sets it, as the generated
    #: ``Accuracy(task=...)`` classes do (named ``_AccuracyMulticlass``..., they show the task class's name).
    _public_name: ClassVar[str] = "Metric"

    _defaults: dict[str, Tensor | list[Any]]
    _persistent: dict[str, bool]
    _reductions: dict[str, Reduction]
    _device: torch.device
    _dtype: torch.dtype
    _update_count: int
    _computed: Any
    _forward_cache: Any
    _cache: dict[str, StateValue] | None
    _is_synced: bool
    _to_sync: bool
    _should_unsync: bool
    _enable_grad: bool
    _in_update: bool
    _in_compute: bool
    _silence_compute_warning: bool
    compute_on_cpu: bool
    dist_sync_on_step: bool
    process_group: Any
    dist_sync_fn: Callable[..., list[Tensor]] | None
    distributed_available_fn: Callable[[], bool]
    sync_on_compute: bool
    compute_with_cache: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_public_name" not in cls.__dict__:
            cls._public_name = cls.__name__
        hide_from_torchscript(cls)
        update = cls.__dict__.get("update")
        if update is not None and not getattr(update, "__calipers_wrapped__", False):
            cls.update = wrap_update(update)  # type: ignore[method-assign]
        compute = cls.__dict__.get("compute")
        if compute is not None and not getattr(compute, "__calipers_wrapped__", False):
            cls.compute = wrap_compute(compute)  # type: ignore[method-assign]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        d = self.__dict__
        d["_defaults"] = {}
        d["_persistent"] = {}
        d["_reductions"] = {}
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise TypeError(
                f"{self._get_name()}: unexpected keyword argument(s) {unknown}; "
                f"the options every metric accepts are {sorted(_OPTIONS)}."
            )
        for name, (default, kind) in _OPTIONS.items():
            value = kwargs.get(name, default)
            if kind == "bool" and not isinstance(value, bool):
                raise TypeError(f"{self._get_name()}: `{name}` must be a bool, got {value!r}.")
            if kind == "callable" and value is not None and not callable(value):
                raise TypeError(f"{self._get_name()}: `{name}` must be callable or None, got {value!r}.")
            d[name] = value
        if self.distributed_available_fn is None:
            d["distributed_available_fn"] = _default_distributed_available
        d["_device"] = torch.device("cpu")
        d["_dtype"] = torch.get_default_dtype()
        d["_update_count"] = 0
        d["_computed"] = None
        d["_forward_cache"] = None
        d["_cache"] = None
        d["_is_synced"] = False
        d["_to_sync"] = self.sync_on_compute
        d["_should_unsync"] = True
        d["_enable_grad"] = False
        d["_in_update"] = False
        d["_in_compute"] = False
        d["_silence_compute_warning"] = False
        register_if_lightning()  # Lightning logs calipers metrics as objects (a sys.modules lookup otherwise)

    # ------------------------------------------------------------------ states
    def add_state(
        self, name: str, default: Tensor | list[Any], dist_reduce_fx: Any = None, persistent: bool = False
    ) -> None:
        """Declare a state: a tensor (fixed shape) or an empty list (grown with ``append``).

        Args:
            name: attribute name of the state.
            default: its initial value, restored by :meth:`reset`.
            dist_reduce_fx: how values from several processes (or batches, or metric objects) combine:
                ``"sum"``, ``"mean"``, ``"max"``, ``"min"``, ``"cat"``, a callable over the values stacked along
                dim 0, or ``None`` (keep every process's value).
            persistent: whether the state goes into ``state_dict``.

        Raises:
            ValueError: for a default that is neither a tensor nor an empty list, or an unknown reduction.
            TypeError: for a non-string name or a reduction of the wrong type.
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"add_state: `name` must be a valid identifier string, got {name!r}.")
        check_state_default(name, default)
        reduction = normalize_reduction(dist_reduce_fx)
        if name in self._defaults or (hasattr(self, name) and name not in self.__dict__):
            raise ValueError(f"add_state: `name` {name!r} is already an attribute or state of {self._get_name()}.")
        if not isinstance(persistent, bool):
            raise TypeError(f"add_state: `persistent` must be a bool, got {persistent!r}.")
        if isinstance(default, Tensor):
            default = default.detach().to(self._device)
            self.__dict__[name] = default.clone()
        else:
            default = []
            self.__dict__[name] = []
        self._defaults[name] = default
        self._persistent[name] = persistent
        self._reductions[name] = reduction

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_defaults", ()):
            self.__dict__[name] = value
            return
        if name in _CONSTANTS:
            raise ClassConstantError(
                f"{self._get_name()}: `{name}` is a class constant and cannot be set on an object."
            )
        super().__setattr__(name, value)

    @property
    def metric_state(self) -> dict[str, StateValue]:
        """The current value of every state, by name."""
        return {name: getattr(self, name) for name in self._defaults}

    @property
    def update_count(self) -> int:
        """How many times ``update`` (or ``forward``) has run since the last reset."""
        return self._update_count

    @property
    def update_called(self) -> bool:
        """Whether ``update`` has run since the last reset."""
        return self._update_count > 0

    @property
    def device(self) -> torch.device:
        """The device the states live on."""
        return self._device

    @property
    def dtype(self) -> torch.dtype:
        """The floating-point dtype of the states (see :meth:`set_dtype`)."""
        return self._dtype

    def _reset_states(self) -> None:
        for name, default in self._defaults.items():
            self.__dict__[name] = default.clone() if isinstance(default, Tensor) else []

    def reset(self) -> None:
        """Restore every state to its default and forget cached values and counts."""
        self._update_count = 0
        self._forward_cache = None
        self._computed = None
        self._cache = None
        self._is_synced = False
        self._reset_states()

    def _move_list_states_to_cpu(self) -> None:
        for name, reduction in self._reductions.items():
            value = getattr(self, name)
            if isinstance(value, list) and reduction is not None:
                self.__dict__[name] = [v.to("cpu") for v in value]

    # ------------------------------------------------------------------ update / compute / forward
    @abstractmethod
    def update(self, *args: Any, **kwargs: Any) -> None:
        """Fold one batch into the states."""

    @abstractmethod
    def compute(self) -> Any:
        """Turn the states into the metric's value."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward``, through ``nn.Module.__call__`` only when a hook is registered (it costs microseconds)."""
        d = self.__dict__
        if (
            d["_forward_hooks"]
            or d["_forward_pre_hooks"]
            or d["_backward_hooks"]
            or d["_backward_pre_hooks"]
            or d.get("_compiled_call_impl") is not None
            or _module_mod._global_forward_hooks
            or _module_mod._global_forward_pre_hooks
            or _module_mod._global_backward_hooks
            or _module_mod._global_backward_pre_hooks
        ):
            return Module.__call__(self, *args, **kwargs)
        if type(self).forward is Metric.forward:  # not overridden: straight to the implementation
            return forward(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Update the states with a batch and return the metric's value on that batch alone.

        Costs one ``update`` and one ``compute`` on the batch (two updates for metrics declaring
        ``full_state_update``); the accumulated state is never copied.
        """
        return forward(self, args, kwargs)

    def _foldable(self) -> bool:
        """Whether every state folds batch by batch: elementwise, ``cat``, or a callable marked associative.

        A custom reduction joins the cheap ``forward`` path when it carries ``__calipers_foldable__ = True``
        (it must then give the same result applied to two values at a time as to all of them at once).
        """
        return all(
            r in ELEMENTWISE or r == "cat" or getattr(r, "__calipers_foldable__", False)
            for r in self._reductions.values()
        )

    def _batch_value(self, *args: Any, **kwargs: Any) -> Any:
        return batch_value(self, args, kwargs)

    def _forward_reduce_state_update(self, *args: Any, **kwargs: Any) -> Any:
        return forward_reduce_state_update(self, args, kwargs)

    def _forward_full_state_update(self, *args: Any, **kwargs: Any) -> Any:
        return forward_full_state_update(self, args, kwargs)

    # ------------------------------------------------------------------ merge and sync
    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        """Fold another metric's states (or a ``metric_state`` dict) into this one, without any process group.

        Raises:
            TypeError: if ``incoming_state`` is neither a dict nor a metric of the same class.
            ValueError: if its state names differ, or a state has no reduction (``dist_reduce_fx=None``).
        """
        merge_into(self, incoming_state)

    def _state_entries(self, prefix: Hashable = None) -> list[StateEntry]:
        return [
            StateEntry(
                key=name if prefix is None else (prefix, name),
                value=getattr(self, name),
                reduction=self._reductions[name],
                device=self._device,
                dtype=self._dtype,
                label=f"{self._get_name()}.{name}",
                updates=self._update_count,
            )
            for name in self._defaults
        ]

    def _sync_dist(self, dist_sync_fn: Callable[..., list[Tensor]] | None = None, process_group: Any = None) -> None:
        entries = self._state_entries()
        group = process_group if process_group is not None else self.process_group
        synced = sync_with_fn(entries, dist_sync_fn, group) if dist_sync_fn else execute_sync(plan_sync(entries), group)
        self.__dict__.update({str(k): v for k, v in synced.items()})

    def sync(
        self,
        dist_sync_fn: Callable[..., list[Tensor]] | None = None,
        process_group: Any = None,
        should_sync: bool = True,
        distributed_available: Callable[[], bool] | None = None,
    ) -> None:
        """Replace the local states by their reduction over all processes (kept aside for :meth:`unsync`).

        Does nothing when ``should_sync`` is False or no process group is available.

        Raises:
            MetricStateError: if the metric is already synced.
        """
        if self._is_synced and should_sync:
            raise MetricStateError(f"{self._get_name()}.sync: the metric is already synced.")
        available = distributed_available or self.distributed_available_fn
        if not should_sync or not available():
            return
        self._cache = {name: getattr(self, name) for name in self._defaults}
        self._sync_dist(dist_sync_fn, process_group)
        self._is_synced = True

    def unsync(self, should_unsync: bool = True) -> None:
        """Restore the local states kept aside by :meth:`sync`.

        Raises:
            MetricStateError: if the metric is not synced.
        """
        if not should_unsync:
            return
        if not self._is_synced or self._cache is None:
            raise MetricStateError(f"{self._get_name()}.unsync: the metric has not been synced.")
        self.__dict__.update(self._cache)
        self._is_synced = False
        self._cache = None

    @contextmanager
    def sync_context(
        self,
        dist_sync_fn: Callable[..., list[Tensor]] | None = None,
        process_group: Any = None,
        should_sync: bool = True,
        should_unsync: bool = True,
        distributed_available: Callable[[], bool] | None = None,
    ) -> Generator[None, None, None]:
        """Sync on entry and, if ``should_unsync``, restore the local states on exit."""
        self.sync(dist_sync_fn, process_group, should_sync, distributed_available)
        try:
            yield
        finally:
            self.unsync(should_unsync=self._is_synced and should_unsync)

    # ------------------------------------------------------------------ persistence, copies, devices
    def persistent(self, mode: bool = False) -> None:
        """Choose whether every state goes into ``state_dict``."""
        for name in self._persistent:
            self._persistent[name] = mode

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name, persistent in self._persistent.items():
            if not persistent:
                continue
            value = getattr(self, name)
            if isinstance(value, Tensor):
                destination[prefix + name] = value if keep_vars else value.detach().clone()
            else:
                destination[prefix + name] = [v if keep_vars else v.detach().clone() for v in value]

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        loaded = False
        for name in self._defaults:
            key = prefix + name
            if key in state_dict:
                value = state_dict.pop(key)
                if isinstance(value, (list, tuple)):
                    self.__dict__[name] = [v.to(self._device, copy=True) for v in value]
                else:
                    self.__dict__[name] = value.to(self._device, copy=True)
                loaded = True
        if loaded:
            self._computed = None
            self._update_count = max(self._update_count, 1)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def clone(self) -> Self:
        """A deep copy of the metric, states included."""
        return deepcopy(self)

    def __hash__(self) -> int:
        return id(self)

    def _apply(self, fn: Callable[[Tensor], Tensor], *args: Any, **kwargs: Any) -> Self:
        this: Self = super()._apply(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if getattr(fn, "__qualname__", "").startswith(_DTYPE_CASTS):
            return this  # a parent module's .half()/.float()/...: metric states keep their dtype (see set_dtype)
        d = this.__dict__
        for name, default in this._defaults.items():
            value = d[name]
            d[name] = fn(value) if isinstance(value, Tensor) else [fn(v) for v in value]
            if isinstance(default, Tensor):
                this._defaults[name] = fn(default)
        probe = fn(torch.zeros((), dtype=this._dtype, device=this._device))
        d["_device"] = probe.device
        if probe.dtype.is_floating_point:
            d["_dtype"] = probe.dtype
        if isinstance(this._computed, Tensor):
            d["_computed"] = fn(this._computed)
        return this

    def set_dtype(self, dst_type: str | torch.dtype) -> Self:
        """Cast the floating-point states (and defaults) to ``dst_type``; integer counters keep their dtype."""
        dtype = getattr(torch, dst_type) if isinstance(dst_type, str) else dst_type
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"{self._get_name()}.set_dtype: `dst_type` must be a floating dtype, got {dst_type!r}.")

        def cast(t: Tensor) -> Tensor:
            return t.to(dtype) if t.is_floating_point() else t

        super()._apply(cast)  # type: ignore[no-untyped-call]
        d = self.__dict__
        for name, default in self._defaults.items():
            value = d[name]
            d[name] = cast(value) if isinstance(value, Tensor) else [cast(v) for v in value]
            if isinstance(default, Tensor):
                self._defaults[name] = cast(default)
        d["_dtype"] = dtype
        d["_computed"] = None
        return self

    def float(self) -> Self:
        """Leave the states alone (use :meth:`set_dtype` to cast them), as a model's ``.float()`` would."""
        return self

    def double(self) -> Self:
        """Leave the states alone (use :meth:`set_dtype` to cast them)."""
        return self

    def half(self) -> Self:
        """Leave the states alone (use :meth:`set_dtype` to cast them)."""
        return self

    def bfloat16(self) -> Self:
        """Leave the states alone (use :meth:`set_dtype` to cast them)."""
        return self

    def type(self, dst_type: Any) -> Self:
        """Leave the states alone (use :meth:`set_dtype` to cast them)."""
        return self

    # ------------------------------------------------------------------ helpers for collections and arithmetic
    def _state_signature(self) -> Hashable | None:
        """What determines this metric's states, so that a :class:`~calipers.MetricCollection` can share them.

        Metrics of one collection with equal signatures (not ``None``) must fold identical ``update`` inputs into
        identical states: the collection updates one of them and lets the others compute from its states (a
        *compute group*). Return a hashable naming the update function and every argument that changes the states,
        e.g. ``("stat_scores.multiclass", num_classes, top_k, ignore_index)``; arguments that change only
        ``compute`` (such as ``average``) stay out. The collection also requires equal state names, shapes, dtypes
        and reductions, device and sync options, so those need not be part of it. The default, ``None``, means the
        metric is never grouped automatically. Subclasses with extra state-changing arguments must override it.
        """
        return None

    def _lead_group(self, followers: Sequence[Metric]) -> None:
        """Told by a :class:`~calipers.MetricCollection` which metrics share this one's states as its followers.

        Called whenever the collection forms its compute groups: with the followers when this metric leads a group,
        with an empty list otherwise. Only the leader's ``update`` sees the inputs, so a leader whose checks are
        looser than a follower's would be (retrieval: nDCG takes graded relevance, MAP only binary) tightens them
        here, and a bad batch is refused at ``update``, before any state changes. The default does nothing.
        """

    def plot(self, val: Any = None, ax: Any = None) -> Any:
        """Plot a value of the metric; needs matplotlib (the ``calipers-base[plot]`` extra), imported only here.

        A scalar is drawn as a point, a 1-D tensor as one point per class, a sequence of values (e.g. one
        ``forward`` result per step) as lines over the steps, and a dict (wrappers, collections) as one labelled
        series per key. Bounds (``plot_lower_bound``/``plot_upper_bound``) and the optimal direction
        (``higher_is_better``) are marked.

        Args:
            val: a value returned by ``compute``/``forward``, or a sequence of them; default: ``compute()``.
            ax: a matplotlib ``Axes`` to draw on; default: a new figure.

        Returns:
            ``(figure, axes)`` (the figure holding ``ax`` when it was given).

        Raises:
            MissingDependencyError: (an ``ImportError``) when matplotlib is not installed.
            ValueError: when ``val`` has no plottable form.
        """
        return self._plot(val, ax)

    def _plot(self, val: Any = None, ax: Any = None) -> Any:
        from calipers.utilities.plot import plot_single_or_multi_val

        value = self.compute() if val is None else val
        return plot_single_or_multi_val(
            value,
            ax=ax,
            higher_is_better=self.higher_is_better,
            lower_bound=self.plot_lower_bound,
            upper_bound=self.plot_upper_bound,
            legend_name=self.plot_legend_name,
            name=self._get_name(),
        )

    def _get_name(self) -> str:
        """The metric's public class name (:attr:`_public_name`); ``nn.Module.__repr__`` shows it."""
        return self._public_name

    def __repr__(self) -> str:
        return super().__repr__()

    def __iter__(self) -> Any:
        raise TypeError(f"{self._get_name()} is not iterable.")


hide_from_torchscript(Metric)

# TorchMetrics defines `CompositionalMetric` in `torchmetrics.metric`; it lives in `calipers.compositional` (which
# imports this module) and is re-exported here once `Metric` exists. `calipers/__init__.py` imports this module
# before `calipers.compositional`, so the cycle always starts here.
from calipers.compositional import CompositionalMetric as CompositionalMetric  # noqa: E402
