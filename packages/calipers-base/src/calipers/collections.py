"""`MetricCollection`: several metrics fed with the same inputs, sharing states and one distributed sync."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch.nn import ModuleDict
from typing_extensions import Self

from calipers._collection_groups import (
    auto_groups,
    detach,
    explicit_groups,
    flatten_values,
    forward_groups,
    link,
    update_groups,
)
from calipers._jit import hide_from_torchscript
from calipers._tree_sync import sync_roots, synced
from calipers.metric import Metric

__all__ = ["MetricCollection"]

_Metrics = Any  # a Metric, a MetricCollection, or a sequence or dict of them


class MetricCollection(ModuleDict):
    """Several metrics called as one: ``update``/``forward``/``compute`` return one flat dict of values.

    Positional inputs go to every metric; keyword inputs go to the metrics whose ``update`` accepts them.

    **Compute groups.** Metrics whose updates produce identical states (declared by
    :meth:`~calipers.Metric._state_signature`, e.g. accuracy, precision and recall over the same stat scores) share
    one state: only the first of the group is updated, in ``update`` *and* ``forward``, and each still computes
    exactly what it computes alone. Groups are decided before any data is seen, never by comparing values; metrics
    without a signature are never merged. ``compute_groups`` may also list the groups explicitly.

    **One sync.** Under ``torch.distributed``, ``compute`` syncs the states of every metric (one per group, nested
    metrics of wrappers included) in one batch: at most 3 collectives, however many metrics.

    Args:
        metrics: a metric, a sequence of metrics (keys: class names) or a dict ``{name: metric}`` (keys: the
            names, sorted). Collections inside are flattened, keeping their prefix and postfix in the keys.
        additional_metrics: more metrics when ``metrics`` is a metric or a sequence.
        prefix: prepended to every output key.
        postfix: appended to every output key.
        compute_groups: ``True`` (groups from state signatures), ``False`` (none) or a list of lists of names.

    Raises:
        TypeError: for a member that is not a metric, a non-string ``prefix``/``postfix`` or malformed
            ``compute_groups``.
        ValueError: for two metrics with the same name, extra metrics after a dict, or a ``compute_groups`` entry
            naming an unknown metric or grouping metrics with different states.

    Example:
        >>> import torch
        >>> from calipers import MaxMetric, MeanMetric, MetricCollection, SumMetric
        >>> metrics = MetricCollection([SumMetric(), MeanMetric(), MaxMetric()], prefix="val_")
        >>> metrics.update(torch.tensor([1.0, 2.0, 6.0]))
        >>> metrics.compute()
        {'val_SumMetric': tensor(9.), 'val_MeanMetric': tensor(3.), 'val_MaxMetric': tensor(6.)}
    """

    _modules: dict[str, Metric]  # type: ignore[assignment]
    prefix: str | None
    postfix: str | None
    _groups: list[list[str]]
    _dict_affixes: dict[str, tuple[str | None, str | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hide_from_torchscript(cls)

    def __init__(
        self,
        metrics: _Metrics,
        *additional_metrics: Metric,
        prefix: str | None = None,
        postfix: str | None = None,
        compute_groups: bool | list[list[str]] = True,
    ) -> None:
        super().__init__()
        self.prefix = self._check_arg(prefix, "prefix")
        self.postfix = self._check_arg(postfix, "postfix")
        if not isinstance(compute_groups, (bool, list, tuple)):
            raise TypeError(
                f"MetricCollection: `compute_groups` must be a bool or a list of lists of metric names, "
                f"got {compute_groups!r}."
            )
        self._enable_compute_groups = compute_groups
        self._groups = []
        self._dict_affixes = {}
        self._detached = False
        self.add_metrics(metrics, *additional_metrics)

    # ------------------------------------------------------------------ building
    @staticmethod
    def _check_arg(arg: Any, name: str) -> str | None:
        if arg is None or isinstance(arg, str):
            return arg
        raise TypeError(f"MetricCollection: `{name}` must be a string or None, got {arg!r}.")

    def add_metrics(self, metrics: _Metrics, *additional_metrics: Metric) -> None:
        """Add metrics (same forms as the constructor); compute groups are formed again.

        Raises:
            TypeError: for a member that is not a metric or a collection.
            ValueError: for a name already in the collection, or extra metrics after a dict.
        """
        if isinstance(metrics, Metric):
            metrics = [metrics]
        if isinstance(metrics, Mapping):
            if additional_metrics:
                raise ValueError(
                    "MetricCollection: `additional_metrics` must be empty when `metrics` is a dict, "
                    f"got {len(additional_metrics)} more."
                )
            for name in sorted(metrics):
                if not isinstance(name, str):
                    raise TypeError(f"MetricCollection: metric names must be strings, got {name!r}.")
                self._add_member(name, metrics[name], keyed=True)
        elif isinstance(metrics, (Sequence, MetricCollection)) and not isinstance(metrics, str):
            items = [*([metrics] if isinstance(metrics, MetricCollection) else metrics), *additional_metrics]
            for metric in items:
                self._add_member(None, metric, keyed=False)
        else:
            raise TypeError(
                "MetricCollection: `metrics` must be a Metric, a MetricCollection, or a sequence or dict of them, "
                f"got {type(metrics).__name__}."
            )
        self._form_groups()

    def _add_member(self, name: str | None, metric: Any, keyed: bool) -> None:
        if isinstance(metric, MetricCollection):
            for key, member in metric.items(keep_base=False, copy_state=False):
                full = f"{name}_{key}" if keyed else key
                self._insert(full, member)
                self._dict_affixes[full] = (metric.prefix, metric.postfix)
            return
        if not isinstance(metric, Metric):
            where = f"under key {name!r}" if name is not None else "in `metrics`"
            raise TypeError(
                f"MetricCollection: every member must be a calipers Metric or MetricCollection, got "
                f"{type(metric).__name__} {where}."
            )
        self._insert(name if name is not None else metric._get_name(), metric)

    def _insert(self, name: str, metric: Metric) -> None:
        if name in self._modules:
            raise ValueError(f"MetricCollection: metric names must be unique, got {name!r} twice.")
        self._check_name(name)
        self.add_module(name, metric)

    def _check_name(self, name: str) -> None:
        if not name or "." in name or (hasattr(self, name) and name not in self._modules):
            raise ValueError(
                "MetricCollection: metric names must be non-empty, without '.', and not an attribute of the "
                f"collection, got {name!r}."
            )

    def __setitem__(self, key: str, module: Metric) -> None:  # type: ignore[override]
        """Add (or replace) the metric ``key``; compute groups are formed again."""
        if not isinstance(module, Metric):
            raise TypeError(f"MetricCollection: every member must be a calipers Metric, got {type(module).__name__}.")
        self._check_name(key)
        self.add_module(key, module)
        self._form_groups()

    def __delitem__(self, key: str) -> None:
        """Remove the metric ``key``; compute groups are formed again."""
        self._detach()
        del self._modules[key]
        self._dict_affixes.pop(key, None)
        if not isinstance(self._enable_compute_groups, bool):
            self._enable_compute_groups = [[n for n in g if n != key] for g in self._enable_compute_groups]
            self._enable_compute_groups = [g for g in self._enable_compute_groups if g]
        self._form_groups()

    def _form_groups(self) -> None:
        members = dict(self._modules)
        if self._enable_compute_groups is True:
            self._groups = auto_groups(members)
        elif self._enable_compute_groups is False:
            self._groups = [[name] for name in members]
        else:
            self._groups = explicit_groups(members, self._enable_compute_groups)
        shared = [(members[g[0]], [members[n] for n in g[1:]]) for g in self._groups if len(g) > 1]
        self.__dict__["_shared_groups"] = shared
        leaders = {id(leader) for leader, _ in shared}
        for metric in members.values():
            if isinstance(metric, Metric) and id(metric) not in leaders:
                metric._lead_group([])
        for leader, followers in shared:
            leader._lead_group(followers)
        self._link()

    @property
    def compute_groups(self) -> dict[int, list[str]]:
        """The compute groups, ``{index: [member names]}`` (one entry per member when nothing is shared).

        Empty (``{}``) when the collection was built with ``compute_groups=False``, as in TorchMetrics.
        """
        if self._enable_compute_groups is False:
            return {}
        return {i: list(group) for i, group in enumerate(self._groups)}

    def _shared(self) -> list[tuple[Metric, list[Metric]]]:
        """``(leader, followers)`` of every group of several metrics."""
        return self.__dict__["_shared_groups"]  # type: ignore[no-any-return]

    def _link(self) -> None:
        for leader, followers in self._shared():
            link(leader, followers)
        self.__dict__["_detached"] = False

    def _detach(self) -> None:
        if not self._detached:
            for leader, followers in self._shared():
                detach(leader, followers)
            self.__dict__["_detached"] = True

    # ------------------------------------------------------------------ the metric protocol
    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update one metric per compute group with the batch (keyword inputs filtered per metric).

        A metric that several members use (``total`` in ``total / n`` and ``total * 2``, or a member that is also
        an operand) is updated once.
        """
        update_groups(self._modules, self._groups, args, kwargs)
        self._link()

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Update with the batch and return every metric's value on the batch alone (one update per group)."""
        values = forward_groups(self._modules, self._groups, args, kwargs)
        self.__dict__["_detached"] = False
        return self._flatten({name: values[name] for name in self._modules})

    def compute(self) -> dict[str, Any]:
        """Compute every metric; under ``torch.distributed`` all their states are synced first, in one batch."""
        if self._detached:
            self._link()
        with synced(self._sync_members()):
            values = {name: metric.compute() for name, metric in self._modules.items()}
        return self._flatten(values)

    def _sync_members(self) -> list[Metric]:
        """The metrics whose states the batched sync carries: one per group, the metrics nested in it, its group."""
        if self._detached:
            self._link()
        shared = {id(leader): followers for leader, followers in self._shared()}
        chosen = [m for group in self._groups for m in sync_roots(self._modules[group[0]])]
        return chosen + [f for m in chosen for f in shared.get(id(m), [])]

    def reset(self) -> None:
        """Reset every metric."""
        for metric in self._modules.values():
            metric.reset()
        self._link()

    def _flatten(self, values: dict[str, Any]) -> dict[str, Any]:
        return {self._set_name(k): v for k, v in flatten_values(values, self._dict_affixes).items()}

    def _set_name(self, base: str) -> str:
        return f"{self.prefix or ''}{base}{self.postfix or ''}"

    # ------------------------------------------------------------------ dict protocol
    def keys(self, keep_base: bool = False) -> Iterable[str]:  # type: ignore[override]
        """The member names, with the collection's prefix/postfix unless ``keep_base``."""
        if keep_base:
            return self._modules.keys()
        return {self._set_name(k): None for k in self._modules}.keys()

    def items(self, keep_base: bool = False, copy_state: bool = True) -> Iterable[tuple[str, Metric]]:  # type: ignore[override]
        """``(name, metric)`` pairs; with ``copy_state`` the members of a group get their own copies of its states."""
        if copy_state:
            self._detach()
        if keep_base:
            return self._modules.items()
        return {self._set_name(k): v for k, v in self._modules.items()}.items()

    def values(self, copy_state: bool = True) -> Iterable[Metric]:  # type: ignore[override]
        """The metrics; with ``copy_state`` the members of a group get their own copies of its states."""
        if copy_state:
            self._detach()
        return self._modules.values()

    def __getitem__(self, key: str, copy_state: bool = True) -> Metric:
        """The metric named ``key`` (with or without the collection's prefix/postfix)."""
        if copy_state:
            self._detach()
        if key in self._modules:
            return self._modules[key]
        base = key
        if self.prefix and base.startswith(self.prefix):
            base = base[len(self.prefix) :]
        if self.postfix and base.endswith(self.postfix):
            base = base[: -len(self.postfix)]
        return self._modules[base]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self._modules or key in {self._set_name(k) for k in self._modules}

    def __len__(self) -> int:
        return len(self._modules)

    # ------------------------------------------------------------------ states, copies, devices
    @property
    def metric_state(self) -> dict[str, dict[str, Any]]:
        """Every member's ``metric_state``, by member name."""
        return {name: metric.metric_state for name, metric in self._modules.items()}

    def _filter_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """Keep the keyword arguments that some member's ``update`` accepts (for wrappers holding collections)."""
        out: dict[str, Any] = {}
        for metric in self._modules.values():
            out.update(metric._filter_kwargs(**kwargs))
        return out

    def merge_state(self, incoming_state: MetricCollection | Mapping[str, Any]) -> None:
        """Fold another collection with the same members (or its ``metric_state``) into this one, member by member.

        Raises:
            TypeError: for anything but a collection or a dict.
            ValueError: if the member names differ.
        """
        if isinstance(incoming_state, MetricCollection):
            incoming: Mapping[str, Any] = dict(incoming_state.items(keep_base=True, copy_state=False))
        elif isinstance(incoming_state, Mapping):
            incoming = incoming_state
        else:
            raise TypeError(
                "MetricCollection.merge_state: `incoming_state` must be a MetricCollection or a dict, "
                f"got {type(incoming_state).__name__}."
            )
        if sorted(incoming) != sorted(self._modules):
            raise ValueError(
                f"MetricCollection.merge_state: `incoming_state` must have the members {sorted(self._modules)}, "
                f"got {sorted(incoming)}."
            )
        for group in self._groups:
            self._modules[group[0]].merge_state(incoming[group[0]])
        self._link()

    def persistent(self, mode: bool = True) -> None:
        """Choose whether every member's states go into ``state_dict`` (keys ``<member>.<state>``)."""
        for metric in self._modules.values():
            metric.persistent(mode)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """Load states (TorchMetrics' key names); group members then share their leader's loaded states."""
        result = super().load_state_dict(state_dict, strict=strict, assign=assign)
        self._link()
        return result

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> Self:
        this: Self = super()._apply(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        this._link()
        return this

    def set_dtype(self, dst_type: str | torch.dtype) -> Self:
        """Cast the floating-point states of every member (see :meth:`calipers.Metric.set_dtype`)."""
        for metric in self._modules.values():
            metric.set_dtype(dst_type)
        self._link()
        return self

    def clone(self, prefix: str | None = None, postfix: str | None = None) -> MetricCollection:
        """A deep copy (states included), optionally with another prefix and/or postfix."""
        from copy import deepcopy

        copy = deepcopy(self)
        if prefix:
            copy.prefix = self._check_arg(prefix, "prefix")
        if postfix:
            copy.postfix = self._check_arg(postfix, "postfix")
        return copy

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[no-untyped-call]
        self._link()

    def __repr__(self) -> str:
        text = super().__repr__()[:-2]
        if self.prefix:
            text += f",\n  prefix={self.prefix}{',' if self.postfix else ''}"
        if self.postfix:
            text += f"{',' if not self.prefix else ''}\n  postfix={self.postfix}"
        return text + "\n)"

    # ------------------------------------------------------------------ plotting
    def plot(self, val: Any = None, ax: Any = None, together: bool = False) -> Any:
        """Plot every metric's value: one figure per metric, or all in one (``together=True``).

        See :meth:`calipers.Metric.plot` for the forms ``val`` may take (here: a dict from ``compute``/``forward``
        or a sequence of them; default: ``compute()``).

        Args:
            val: a result of ``compute``/``forward`` or a sequence of them.
            ax: one axes (``together=True``) or one per metric.
            together: draw every metric in one axes.

        Returns:
            ``(figure, axes)`` when ``together``, else a list of them, one per metric.

        Raises:
            TypeError: if ``together`` is not a bool.
            ValueError: if ``ax`` does not match ``together`` and the number of metrics.
        """
        from calipers.utilities.plot import plot_collection

        return plot_collection(self, val, ax, together)


hide_from_torchscript(MetricCollection)
