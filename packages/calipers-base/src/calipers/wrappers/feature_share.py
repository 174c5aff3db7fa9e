"""`FeatureShare`: a collection whose metrics share one feature network, run once per distinct input."""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from torch import Tensor
from torch.nn import Module

from calipers.collections import MetricCollection
from calipers.exceptions import CalipersUserWarning

__all__ = ["FeatureShare", "NetworkCache"]


def _token(x: Any) -> Hashable:
    if isinstance(x, Tensor):  # the same tensor object, not changed in place since
        return ("tensor", id(x), x._version)
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    return ("value", x)


class NetworkCache(Module):
    """A network whose outputs for the last ``max_size`` distinct inputs are kept and served again.

    Inputs are matched by identity (the same tensor objects, unchanged since): the metrics of a
    :class:`FeatureShare` receive the same batch tensors, so the network runs once per batch.

    Args:
        network: the feature network.
        max_size: how many input/output pairs to keep.

    Example:
        >>> import torch
        >>> cache = NetworkCache(torch.nn.Identity(), max_size=2)
        >>> x = torch.ones(2)
        >>> cache(x) is cache(x)
        True
    """

    def __init__(self, network: Module, max_size: int = 100) -> None:
        super().__init__()
        self.network = network
        self.max_size = max_size
        self._entries: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The network's output, from the cache when these very inputs were seen recently."""
        key = (tuple(_token(a) for a in args), tuple((k, _token(v)) for k, v in sorted(kwargs.items())))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry[1]
        out = self.network(*args, **kwargs)
        self._entries[key] = ((args, kwargs), out)  # the inputs are kept alive: their ids cannot be reused
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # type: ignore[no-untyped-call]
        state["_entries"] = OrderedDict()
        return state


class FeatureShare(MetricCollection):
    """A :class:`~calipers.MetricCollection` whose metrics share one feature network, called once per batch.

    Each metric names the attribute holding its network in ``feature_network``; the first metric's network is
    wrapped in a :class:`NetworkCache` and set on every metric, so one batch runs it once, not once per metric.

    Args:
        metrics: the metrics (a sequence or a dict, as for :class:`~calipers.MetricCollection`).
        max_cache_size: how many distinct inputs the cache keeps (default: the number of metrics).

    Raises:
        TypeError: if ``max_cache_size`` is not a positive integer.
        ValueError: if a metric has no ``feature_network`` naming a network attribute.

    Example:
        >>> import torch
        >>> from calipers import Metric
        >>> from calipers.wrappers import FeatureShare
        >>> class FeatureSum(Metric):
        ...     feature_network = "net"
        ...     def __init__(self, power):
        ...         super().__init__()
        ...         self.power, self.net = power, torch.nn.Identity()
        ...         self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        ...     def update(self, x):
        ...         self.total += self.net(x).pow(self.power).sum()
        ...     def compute(self):
        ...         return self.total
        >>> shared = FeatureShare({"p1": FeatureSum(1), "p2": FeatureSum(2)})
        >>> shared.update(torch.tensor([1.0, 2.0]))
        >>> shared.compute()
        {'p1': tensor(3.), 'p2': tensor(5.)}
    """

    def __init__(self, metrics: Any, max_cache_size: int | None = None) -> None:
        super().__init__(metrics, compute_groups=False)
        if max_cache_size is None:
            max_cache_size = len(self)
        if isinstance(max_cache_size, bool) or not isinstance(max_cache_size, int) or max_cache_size < 1:
            raise TypeError(f"FeatureShare: `max_cache_size` must be a positive integer, got {max_cache_size!r}.")
        members = list(self.items(keep_base=True, copy_state=False))
        for name, metric in members:
            attr = getattr(metric, "feature_network", None)
            if not isinstance(attr, str) or not isinstance(getattr(metric, attr, None), Module):
                raise ValueError(
                    f"FeatureShare: every metric must name its network attribute in `feature_network`, got {attr!r} "
                    f"for {name!r} ({metric._get_name()})."
                )
        first = members[0][1]
        network = getattr(first, str(first.feature_network))
        cached = NetworkCache(network, max_size=max_cache_size)
        for name, metric in members:
            attr = str(metric.feature_network)
            own = getattr(metric, attr)
            if own is not network and str(own) != str(network):
                warnings.warn(
                    f"FeatureShare: the network of {name!r} differs from the first metric's; the first one is shared.",
                    CalipersUserWarning,
                    stacklevel=2,
                )
            setattr(metric, attr, cached)
