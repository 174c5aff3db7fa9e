"""The state shared by the per-signal audio metrics: the sum of the values and their count (one all-reduce)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from calipers._checks import check_device
from calipers.metric import Metric

__all__: list[str] = []


class _MeanOfSignalValues(Metric):
    """Average of a per-signal value over every signal seen; subclasses define :meth:`_values`.

    States: ``sum_value`` (float64) and ``total`` (int64), both summed across processes. ``compute`` returns the
    mean in the metric's dtype (float32 by default, float64 after ``set_dtype(torch.float64)``); NaN before any
    signal.
    """

    full_state_update = False
    is_differentiable = True
    higher_is_better: ClassVar[bool | None] = True

    sum_value: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("sum_value", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("total", torch.zeros((), dtype=torch.long), dist_reduce_fx="sum")

    def _values(self, *inputs: Tensor) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def _check_devices(self, *inputs: Any) -> None:
        for arg, value in zip(("preds", "target"), inputs):
            if isinstance(value, Tensor):
                check_device(type(self).__name__, arg, value, self.sum_value.device)

    def _fold(self, values: Tensor) -> None:
        self.sum_value += values.sum(dtype=self.sum_value.dtype)
        self.total += values.numel()

    def compute(self) -> Tensor:
        """The mean value over every signal seen."""
        return (self.sum_value / self.total).to(self.dtype)
