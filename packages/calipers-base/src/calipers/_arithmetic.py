"""Arithmetic between metrics: every operator returns a :class:`~calipers.compositional.CompositionalMetric`.

A mixin of :class:`calipers.Metric`, kept in its own module so that ``metric.py`` holds the state machinery only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

if TYPE_CHECKING:
    from calipers.metric import Metric

__all__ = ["MetricArithmetic"]


class MetricArithmetic:
    """Keyword routing to ``update``, and every arithmetic operator between metrics (reflected forms too).

    ``-a`` is the negation and ``+a`` the identity (TorchMetrics returns ``-abs(a)`` and ``abs(a)``).
    """

    @classmethod
    def _update_parameters(cls) -> tuple[set[str], bool]:
        """The named parameters of ``update`` and whether it takes ``**kwargs`` (cached per class)."""
        cached = cls.__dict__.get("_calipers_update_params")
        if cached is None:
            params = inspect.signature(cls.update).parameters  # type: ignore[attr-defined]
            names = {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n != "self"}
            var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
            cached = (names, var_kw)
            type.__setattr__(cls, "_calipers_update_params", cached)
        return cached

    def _filter_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """Keep the keyword arguments that this metric's ``update`` accepts."""
        names, var_kw = self._update_parameters()
        return dict(kwargs) if var_kw else {k: v for k, v in kwargs.items() if k in names}

    def __add__(self, other: Any) -> Metric:
        return _compose(torch.add, self, other)

    def __radd__(self, other: Any) -> Metric:
        return _compose(torch.add, other, self)

    def __sub__(self, other: Any) -> Metric:
        return _compose(torch.sub, self, other)

    def __rsub__(self, other: Any) -> Metric:
        return _compose(torch.sub, other, self)

    def __mul__(self, other: Any) -> Metric:
        return _compose(torch.mul, self, other)

    def __rmul__(self, other: Any) -> Metric:
        return _compose(torch.mul, other, self)

    def __truediv__(self, other: Any) -> Metric:
        return _compose(torch.true_divide, self, other)

    def __rtruediv__(self, other: Any) -> Metric:
        return _compose(torch.true_divide, other, self)

    def __floordiv__(self, other: Any) -> Metric:
        return _compose(torch.floor_divide, self, other)

    def __rfloordiv__(self, other: Any) -> Metric:
        return _compose(torch.floor_divide, other, self)

    def __mod__(self, other: Any) -> Metric:
        return _compose(torch.fmod, self, other)

    def __rmod__(self, other: Any) -> Metric:
        return _compose(torch.fmod, other, self)

    def __pow__(self, other: Any) -> Metric:
        return _compose(torch.pow, self, other)

    def __rpow__(self, other: Any) -> Metric:
        return _compose(torch.pow, other, self)

    def __matmul__(self, other: Any) -> Metric:
        return _compose(torch.matmul, self, other)

    def __rmatmul__(self, other: Any) -> Metric:
        return _compose(torch.matmul, other, self)

    def __and__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_and, self, other)

    def __rand__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_and, other, self)

    def __or__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_or, self, other)

    def __ror__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_or, other, self)

    def __xor__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_xor, self, other)

    def __rxor__(self, other: Any) -> Metric:
        return _compose(torch.bitwise_xor, other, self)

    def __eq__(self, other: Any) -> Metric:  # type: ignore[override]
        return _compose(torch.eq, self, other)

    def __ne__(self, other: Any) -> Metric:  # type: ignore[override]
        return _compose(torch.ne, self, other)

    def __lt__(self, other: Any) -> Metric:
        return _compose(torch.lt, self, other)

    def __le__(self, other: Any) -> Metric:
        return _compose(torch.le, self, other)

    def __gt__(self, other: Any) -> Metric:
        return _compose(torch.gt, self, other)

    def __ge__(self, other: Any) -> Metric:
        return _compose(torch.ge, self, other)

    def __abs__(self) -> Metric:
        return _compose(torch.abs, self, None)

    def __neg__(self) -> Metric:
        return _compose(torch.neg, self, None)

    def __pos__(self) -> Metric:
        return _compose(torch.positive, self, None)

    def __invert__(self) -> Metric:
        return _compose(torch.bitwise_not, self, None)

    def __getitem__(self, idx: Any) -> Metric:
        from calipers.compositional import CompositionalMetric, _Index

        return CompositionalMetric(_Index(idx), self, None)


def _compose(op: Callable[..., Tensor], a: Any, b: Any) -> Metric:
    from calipers.compositional import CompositionalMetric

    return CompositionalMetric(op, a, b)
