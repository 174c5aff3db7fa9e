"""`CompositionalMetric`: the metric that arithmetic between metrics returns (``a + b``, ``a / 2``, ``abs(a)``...).

Its ``update`` forwards the inputs once to each metric operand (keyword arguments filtered by what each operand's
``update`` accepts), its ``compute`` applies the operator to the operands' values. It has no state of its own:
syncing happens inside the operands' ``compute``, so nothing is counted twice.

Unlike TorchMetrics, ``-a`` is the negation and ``+a`` the identity (TorchMetrics returns ``-abs(a)`` and
``abs(a)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from calipers.metric import Metric

__all__ = ["CompositionalMetric"]


class _Index:
    """A picklable ``x[idx]`` operator."""

    def __init__(self, idx: Any) -> None:
        self.idx = idx
        self.__name__ = "getitem"

    def __call__(self, x: Tensor) -> Tensor:
        return x[self.idx]

    def __repr__(self) -> str:
        return f"getitem[{self.idx!r}]"


class CompositionalMetric(Metric):
    """The result of an operator applied to metrics, tensors or numbers.

    Args:
        operator: the function combining the operands' values (``torch.add``, ``torch.neg``...).
        metric_a: first operand: a metric, a tensor or a number.
        metric_b: second operand, or ``None`` for a unary operator.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric, SumMetric
        >>> ratio = SumMetric() / MeanMetric()
        >>> ratio.update(torch.tensor([1.0, 3.0]))
        >>> ratio.compute()
        tensor(2.)
    """

    full_state_update = True
    metric_a: Any
    metric_b: Any
    op: Callable[..., Tensor]

    def __init__(self, operator: Callable[..., Tensor], metric_a: Any, metric_b: Any) -> None:
        super().__init__()
        if not callable(operator):
            raise TypeError(f"CompositionalMetric: `operator` must be callable, got {operator!r}.")
        self.op = operator
        self.__dict__["compute_with_cache"] = False  # operands may be updated directly: never serve a stale value
        self.__dict__["_silence_compute_warning"] = True
        for name, operand in (("metric_a", _operand(metric_a)), ("metric_b", _operand(metric_b))):
            if isinstance(operand, Tensor):
                self.register_buffer(name, operand, persistent=False)
            else:
                setattr(self, name, operand)

    def _sync_dist(self, dist_sync_fn: Any = None, process_group: Any = None) -> None:
        """No state of its own: the operands sync in their own ``compute``."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update every metric operand with the same batch."""
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, Metric):
                operand.update(*args, **operand._filter_kwargs(**kwargs))

    def compute(self) -> Any:
        """Apply the operator to the operands' values."""
        a = self.metric_a.compute() if isinstance(self.metric_a, Metric) else self.metric_a
        b = self.metric_b.compute() if isinstance(self.metric_b, Metric) else self.metric_b
        return self.op(a) if b is None else self.op(a, b)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Forward the batch to each metric operand and combine their batch values."""
        a = (
            self.metric_a(*args, **self.metric_a._filter_kwargs(**kwargs))
            if isinstance(self.metric_a, Metric)
            else self.metric_a
        )
        b = (
            self.metric_b(*args, **self.metric_b._filter_kwargs(**kwargs))
            if isinstance(self.metric_b, Metric)
            else self.metric_b
        )
        self._update_count += 1
        self._computed = None
        if a is None:
            return None
        if b is None:
            return self.op(a) if self.metric_b is None else None
        self._forward_cache = self.op(a, b)
        return self._forward_cache

    def reset(self) -> None:
        """Reset the metric operands."""
        super().reset()
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, Metric):
                operand.reset()

    def persistent(self, mode: bool = False) -> None:
        """Set persistence of the operands' states."""
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, Metric):
                operand.persistent(mode)

    @property
    def metric_state(self) -> dict[str, Any]:
        """The operands' states: ``{"metric_a": {...}, "metric_b": {...}}`` (empty for non-metric operands)."""
        return {
            name: operand.metric_state if isinstance(operand, Metric) else {}
            for name, operand in (("metric_a", self.metric_a), ("metric_b", self.metric_b))
        }

    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        """Merge operand by operand, from another compositional metric or its ``metric_state``."""
        if isinstance(incoming_state, CompositionalMetric):
            incoming: dict[str, Any] = {"metric_a": incoming_state.metric_a, "metric_b": incoming_state.metric_b}
        elif isinstance(incoming_state, dict) and set(incoming_state) == {"metric_a", "metric_b"}:
            incoming = incoming_state
        else:
            raise TypeError(
                "CompositionalMetric.merge_state: `incoming_state` must be a CompositionalMetric or its "
                f"`metric_state`, got {type(incoming_state).__name__}."
            )
        for name in ("metric_a", "metric_b"):
            operand = getattr(self, name)
            if isinstance(operand, Metric):
                operand.merge_state(incoming[name])
        self._computed = None

    def _filter_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, Metric):
                out.update(operand._filter_kwargs(**kwargs))
        return out

    def __repr__(self) -> str:
        name = getattr(self.op, "__name__", repr(self.op))
        return f"{type(self).__name__}(\n  {name}(\n    {self.metric_a!r},\n    {self.metric_b!r}\n  )\n)"


def _operand(x: Any) -> Any:
    if x is None or isinstance(x, (Metric, Tensor)):
        return x
    if isinstance(x, (int, float, bool)):
        return torch.tensor(x)
    raise TypeError(
        f"CompositionalMetric: an operand must be a Metric, a Tensor, a number or None, got {type(x).__name__}."
    )
