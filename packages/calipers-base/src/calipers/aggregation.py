"""Aggregation metrics: running sum, mean, max, min and concatenation of values, with a NaN policy.

``nan_strategy`` decides what happens to NaN values (in ``value`` or, for the mean, in ``weight``):

* ``"error"``: raise a ``ValueError`` (states untouched);
* ``"warn"``: drop them with a warning; ``"ignore"``: drop them silently;
* ``"disable"``: no check at all (fastest: no host-device synchronisation);
* a float: replace them by that value (for the mean, an element whose value or weight is NaN becomes that value
  with weight 1, as in TorchMetrics).

The caller's tensors are never modified.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_tensor
from calipers._state import Reduction
from calipers.exceptions import CalipersUserWarning
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat
from calipers.wrappers.running import Running

__all__ = [
    "BaseAggregator",
    "CatMetric",
    "MaxMetric",
    "MeanMetric",
    "MinMetric",
    "RunningMean",
    "RunningSum",
    "SumMetric",
]

NanStrategy = Literal["error", "warn", "ignore", "disable"] | float
_STRATEGIES = ("disable", "error", "ignore", "warn")


def _check_nan_strategy(owner: str, nan_strategy: Any) -> None:
    if isinstance(nan_strategy, str) and nan_strategy in _STRATEGIES:
        return
    if isinstance(nan_strategy, (int, float)) and not isinstance(nan_strategy, bool):
        return
    raise ValueError(f"{owner}: `nan_strategy` must be a float or one of {list(_STRATEGIES)}, got {nan_strategy!r}.")


def _as_tensor(owner: str, name: str, x: Any, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``x`` as a tensor; complex values are refused (casting them to the real dtype would drop the imaginary part)."""
    if isinstance(x, Tensor):
        if x.is_complex():
            check_tensor(owner, name, x, "real")
        return x
    if isinstance(x, (int, float, bool)) or (isinstance(x, Sequence) and not isinstance(x, (str, bytes))):
        try:
            return torch.as_tensor(x, dtype=dtype, device=device)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{owner}: `{name}` must be a tensor or real numbers, got {x!r}.") from err
    raise TypeError(f"{owner}: `{name}` must be a tensor or a real number, got {type(x).__name__}.")


class BaseAggregator(Metric):
    """Base class of the aggregation metrics: one state, a reduction, and NaN handling of the inputs.

    Args:
        fn: the reduction of the state across batches and processes (``"sum"``, ``"max"``, ``"cat"``... or a
            callable).
        default_value: the state's initial value (a tensor, or ``[]`` for a list state).
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        state_name: name of the state.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import BaseAggregator
        >>> class Product(BaseAggregator):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(lambda x: x.prod(0), torch.tensor(1.0), state_name="prod", **kwargs)
        ...     def update(self, value):
        ...         value, _ = self._cast_and_nan_check_input(value)
        ...         self.prod = self.prod * value.prod()
        >>> metric = Product()
        >>> metric.update(torch.tensor([2.0, 3.0]))
        >>> metric.compute()
        tensor(6.)
    """

    is_differentiable = None
    higher_is_better = None
    full_state_update = False

    def __init__(
        self,
        fn: Reduction | Callable[..., Any] | str,
        default_value: Tensor | list[Any],
        nan_strategy: NanStrategy = "error",
        state_name: str = "value",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_nan_strategy(self._get_name(), nan_strategy)
        self.nan_strategy = nan_strategy
        self.state_name = state_name
        self.add_state(state_name, default=default_value, dist_reduce_fx=fn)

    def _cast_and_nan_check_input(self, x: Any, weight: Any = None) -> tuple[Tensor, Tensor | None]:
        """Turn ``x`` (and ``weight``) into tensors of the metric's dtype and apply the NaN policy.

        Raises:
            TypeError: if an input is not a tensor or number.
            ValueError: on NaN with ``nan_strategy="error"``.
        """
        owner = self._get_name()
        x = _as_tensor(owner, "value", x, self._dtype, self._device)
        if weight is not None:
            weight = _as_tensor(owner, "weight", weight, self._dtype, self._device)
        strategy = self.nan_strategy
        if strategy != "disable":
            nans = torch.isnan(x) if x.is_floating_point() or x.is_complex() else None
            if weight is not None and (weight.is_floating_point() or weight.is_complex()):
                wn = torch.isnan(weight)
                nans = wn if nans is None else nans | wn
            if nans is not None and bool(nans.any()):
                if strategy == "error":
                    raise ValueError(f"{owner}: the input holds NaN values and `nan_strategy` is 'error'.")
                if isinstance(strategy, str):  # warn / ignore: drop them
                    if strategy == "warn":
                        warnings.warn(
                            f"{owner}: NaN values in the input were dropped.", CalipersUserWarning, stacklevel=3
                        )
                    keep = ~nans
                    x = x[keep] if nans.shape == x.shape else x
                    weight = weight[keep] if weight is not None else None
                else:  # a float: an element with a NaN value or weight becomes (fill, weight 1), out of place
                    fill = torch.tensor(float(strategy), dtype=self._dtype, device=x.device)
                    x = torch.where(nans, fill, x.to(self._dtype))
                    if weight is not None:
                        weight = torch.where(nans, torch.ones_like(fill), weight.to(self._dtype))
        return x.to(self._dtype), (weight.to(self._dtype) if weight is not None else None)

    def update(self, value: float | Tensor) -> None:
        """Fold ``value`` into the state (subclasses define how)."""
        raise NotImplementedError(f"{self._get_name()} must implement `update`.")

    def compute(self) -> Tensor:
        """Return the aggregated value."""
        return getattr(self, self.state_name)  # type: ignore[no-any-return]


class SumMetric(BaseAggregator):
    """Sum of all values seen.

    Args:
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import SumMetric
        >>> metric = SumMetric()
        >>> metric.update(1)
        >>> metric.update(torch.tensor([2.0, 3.0]))
        >>> metric.compute()
        tensor(6.)
    """

    sum_value: Tensor

    def __init__(self, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__("sum", torch.tensor(0.0, dtype=torch.get_default_dtype()), nan_strategy, "sum_value", **kwargs)

    def update(self, value: float | Tensor) -> None:
        """Add the sum of ``value`` (any shape)."""
        self._add_contribution(self._contribution(value))

    def _contribution(self, value: float | Tensor) -> Tensor:
        value, _ = self._cast_and_nan_check_input(value)
        return value.sum()

    def _contribution_states(self, contribution: Tensor) -> dict[str, Any]:
        return {"sum_value": contribution}

    def _contribution_value(self, contribution: Tensor) -> Tensor:
        return contribution

    def _add_contribution(self, contribution: Tensor) -> None:
        self.__dict__["sum_value"].add_(contribution)


class MaxMetric(BaseAggregator):
    """Largest value seen (``-inf`` before any value).

    Args:
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import MaxMetric
        >>> metric = MaxMetric()
        >>> metric.update(torch.tensor([2.0, 7.0]))
        >>> metric.update(3.0)
        >>> metric.compute()
        tensor(7.)
    """

    max_value: Tensor

    full_state_update = False

    def __init__(self, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__("max", torch.tensor(-float("inf")), nan_strategy, "max_value", **kwargs)

    def update(self, value: float | Tensor) -> None:
        """Keep the largest of ``value`` and the values seen so far."""
        value, _ = self._cast_and_nan_check_input(value)
        if value.numel():
            self.max_value = torch.maximum(self.max_value, value.max())


class MinMetric(BaseAggregator):
    """Smallest value seen (``inf`` before any value).

    Args:
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import MinMetric
        >>> metric = MinMetric()
        >>> metric.update(torch.tensor([2.0, 7.0]))
        >>> metric.update(3.0)
        >>> metric.compute()
        tensor(2.)
    """

    min_value: Tensor

    def __init__(self, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__("min", torch.tensor(float("inf")), nan_strategy, "min_value", **kwargs)

    def update(self, value: float | Tensor) -> None:
        """Keep the smallest of ``value`` and the values seen so far."""
        value, _ = self._cast_and_nan_check_input(value)
        if value.numel():
            self.min_value = torch.minimum(self.min_value, value.min())


class CatMetric(BaseAggregator):
    """Every value seen, concatenated along the first dimension (scalars count as one row).

    ``compute`` before any value returns an empty tensor (TorchMetrics returns an empty list).

    Args:
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import CatMetric
        >>> metric = CatMetric()
        >>> metric.update(1.0)
        >>> metric.update(torch.tensor([2.0, 3.0]))
        >>> metric.compute()
        tensor([1., 2., 3.])
    """

    value: list[Tensor] | Tensor

    def __init__(self, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__("cat", [], nan_strategy, "value", **kwargs)

    def update(self, value: float | Tensor) -> None:
        """Append ``value`` (a copy: later changes to the caller's tensor do not leak into the state)."""
        original = value
        value, _ = self._cast_and_nan_check_input(value)
        if value.numel():
            assert isinstance(self.value, list)
            self.value.append(value.clone() if value is original else value)

    def compute(self) -> Tensor:
        """Return the concatenation of every value seen."""
        if isinstance(self.value, Tensor):
            return self.value
        if not self.value:
            return torch.empty(0, dtype=self._dtype, device=self._device)
        return dim_zero_cat(self.value)


class MeanMetric(BaseAggregator):
    """Weighted mean of all values seen: ``sum(w * x) / sum(w)`` (NaN before any value).

    Args:
        nan_strategy: what to do with NaN inputs or weights (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import MeanMetric
        >>> metric = MeanMetric()
        >>> metric.update(torch.tensor([1.0, 2.0]))
        >>> metric.update(4.0, weight=2.0)
        >>> metric.compute()
        tensor(2.7500)
    """

    mean_value: Tensor
    weight: Tensor

    def __init__(self, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__("sum", torch.tensor(0.0), nan_strategy, "mean_value", **kwargs)
        self.add_state("weight", default=torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, value: float | Tensor, weight: float | Tensor | None = None) -> None:
        """Fold ``value`` in with ``weight`` (default 1; broadcast to ``value``'s shape).

        Raises:
            ValueError: if ``weight`` cannot be broadcast to the shape of ``value``, or on NaN with ``"error"``.
        """
        self._add_contribution(self._contribution(value, weight))

    def _contribution(self, value: float | Tensor, weight: float | Tensor | None = None) -> tuple[Tensor, Any]:
        """``(sum(w * x), sum(w))`` of the batch (``sum(w)`` is the plain count when no weight is given)."""
        owner = self._get_name()
        if weight is None:
            value, _ = self._cast_and_nan_check_input(value)
            return value.sum(), self._count(value)
        value = _as_tensor(owner, "value", value, self._dtype, self._device)
        weight = _as_tensor(owner, "weight", weight, self._dtype, self._device)
        if weight.shape != value.shape:
            try:
                shape = torch.broadcast_shapes(weight.shape, value.shape)  # type: ignore[no-untyped-call]
            except RuntimeError:
                shape = None
            if shape != value.shape:
                raise ValueError(
                    f"{owner}: `weight` must be broadcastable to the shape of `value` {tuple(value.shape)}, "
                    f"got shape {tuple(weight.shape)}."
                )
            weight = weight.expand(value.shape)
        value, weight = self._cast_and_nan_check_input(value, weight)
        assert weight is not None
        return (value * weight).sum(), weight.sum()

    def _count(self, value: Tensor) -> Tensor:
        """``value.numel()`` as a 0-d tensor of ``value``'s dtype, reused while the batch size stays the same.

        Tensor-with-tensor arithmetic costs half as much as tensor-with-Python-number (no scalar to wrap), and the
        count of a batch size never changes, so one tensor serves every batch of that size. Never written to.
        """
        n, cached = value.numel(), self.__dict__.get("_count_cache")
        if cached is None or cached[0] != n or cached[1].dtype is not value.dtype:
            cached = self.__dict__["_count_cache"] = (n, torch.tensor(float(n), dtype=value.dtype))
        count: Tensor = cached[1]
        return count

    def _contribution_states(self, contribution: tuple[Tensor, Any]) -> dict[str, Any]:
        return {"mean_value": contribution[0], "weight": contribution[1]}

    def _contribution_value(self, contribution: tuple[Tensor, Any]) -> Tensor:
        value: Tensor = contribution[0] / contribution[1]
        return value

    def _add_contribution(self, contribution: tuple[Tensor, Any]) -> None:
        d = self.__dict__
        d["mean_value"].add_(contribution[0])
        d["weight"].add_(contribution[1])

    def compute(self) -> Tensor:
        """Return the weighted mean."""
        return self.mean_value / self.weight


class RunningMean(Running):
    """Mean of the values of the last ``window`` updates.

    Args:
        window: how many updates the mean covers.
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import RunningMean
        >>> metric = RunningMean(window=2)
        >>> for v in [1.0, 2.0, 6.0]:
        ...     metric.update(torch.tensor(v))
        >>> metric.compute()
        tensor(4.)
    """

    def __init__(self, window: int = 5, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__(MeanMetric(nan_strategy=nan_strategy), window=window, **kwargs)


class RunningSum(Running):
    """Sum of the values of the last ``window`` updates.

    Args:
        window: how many updates the sum covers.
        nan_strategy: what to do with NaN inputs (see :mod:`calipers.aggregation`).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import RunningSum
        >>> metric = RunningSum(window=2)
        >>> for v in [1.0, 2.0, 6.0]:
        ...     metric.update(torch.tensor(v))
        >>> metric.compute()
        tensor(8.)
    """

    def __init__(self, window: int = 5, nan_strategy: NanStrategy = "warn", **kwargs: Any) -> None:
        super().__init__(SumMetric(nan_strategy=nan_strategy), window=window, **kwargs)
