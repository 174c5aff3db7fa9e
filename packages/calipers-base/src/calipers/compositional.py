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

    def _leaves(self) -> list[Metric]:
        """The distinct metrics under this expression (nested compositions flattened), in first-seen order.

        A metric that appears twice (``a + a``, ``a / (a + b)``) is one leaf: it sees each batch once.
        """
        leaves: dict[int, Metric] = {}
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, CompositionalMetric):
                for leaf in operand._leaves():
                    leaves.setdefault(id(leaf), leaf)
            elif isinstance(operand, Metric):
                leaves.setdefault(id(operand), operand)
        return list(leaves.values())

    def _evaluate(self, leaf_value: Callable[[Metric], Any]) -> Any:
        values = []
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, CompositionalMetric):
                values.append(operand._evaluate(leaf_value))
            elif isinstance(operand, Metric):
                values.append(leaf_value(operand))
            else:
                values.append(operand)
        a, b = values
        if a is None:
            return None
        return self.op(a) if self.metric_b is None else (None if b is None else self.op(a, b))

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update every metric under the expression once with the batch (keyword arguments filtered per metric)."""
        for leaf in self._leaves():
            leaf.update(*args, **leaf._filter_kwargs(**kwargs))

    def compute(self) -> Any:
        """Apply the operators to the metrics' values."""
        return self._evaluate(lambda metric: metric.compute())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Forward the batch once to every metric under the expression and combine their batch values."""
        batch = {id(leaf): leaf(*args, **leaf._filter_kwargs(**kwargs)) for leaf in self._leaves()}
        self.__dict__["_update_count"] += 1
        self.__dict__["_computed"] = None
        self.__dict__["_forward_cache"] = self._evaluate(lambda metric: batch[id(metric)])
        return self._forward_cache

    def reset(self) -> None:
        """Reset every metric under the expression."""
        super().reset()
        for leaf in self._leaves():
            leaf.reset()

    def persistent(self, mode: bool = False) -> None:
        """Set persistence of the states of every metric under the expression."""
        for leaf in self._leaves():
            leaf.persistent(mode)

    @property
    def metric_state(self) -> dict[str, Any]:
        """The states of the metrics under the expression: ``{"leaf_0": {...}, "leaf_1": {...}}``."""
        return {f"leaf_{i}": leaf.metric_state for i, leaf in enumerate(self._leaves())}

    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        """Merge metric by metric, from another compositional metric of the same shape or its ``metric_state``."""
        leaves = self._leaves()
        if isinstance(incoming_state, CompositionalMetric):
            incoming: list[Any] = incoming_state._leaves()
        elif isinstance(incoming_state, dict) and set(incoming_state) == {f"leaf_{i}" for i in range(len(leaves))}:
            incoming = [incoming_state[f"leaf_{i}"] for i in range(len(leaves))]
        else:
            raise TypeError(
                "CompositionalMetric.merge_state: `incoming_state` must be a CompositionalMetric or its "
                f"`metric_state`, got {type(incoming_state).__name__}."
            )
        if len(incoming) != len(leaves):
            raise ValueError(
                f"CompositionalMetric.merge_state: `incoming_state` must hold {len(leaves)} metrics, "
                f"got {len(incoming)}."
            )
        for leaf, other in zip(leaves, incoming):
            leaf.merge_state(other)
        self._computed = None

    def _filter_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for operand in (self.metric_a, self.metric_b):
            if isinstance(operand, Metric):
                out.update(operand._filter_kwargs(**kwargs))
        return out

    def __repr__(self) -> str:
        name = getattr(self.op, "__name__", repr(self.op))
        return f"{self._get_name()}(\n  {name}(\n    {self.metric_a!r},\n    {self.metric_b!r}\n  )\n)"


def _operand(x: Any) -> Any:
    if x is None or isinstance(x, (Metric, Tensor)):
        return x
    if isinstance(x, (int, float, bool)):
        return torch.tensor(x)
    raise TypeError(
        f"CompositionalMetric: an operand must be a Metric, a Tensor, a number or None, got {type(x).__name__}."
    )
