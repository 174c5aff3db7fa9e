"""`Running`: a metric over the last ``window`` updates only."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._state import ELEMENTWISE, reduce_stacked
from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric

__all__ = ["Running"]


class Running(WrapperMetric):
    """Compute ``base_metric`` over the last ``window`` calls of ``update`` (or ``forward``).

    Each update lands in its own slot of states (``<state>_0`` ... ``<state>_{window-1}``, the names TorchMetrics
    uses, so checkpoints load across both); ``compute`` reduces the slots with each state's reduction and hands the
    result to the base metric. The base metric must have fixed-shape states with an elementwise reduction.

    Args:
        base_metric: the metric to run; its ``full_state_update`` must be False.
        window: how many updates to keep.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.aggregation import SumMetric
        >>> from calipers.wrappers import Running
        >>> metric = Running(SumMetric(), window=2)
        >>> for v in [1.0, 2.0, 3.0]:
        ...     metric.update(torch.tensor(v))
        >>> metric.compute()
        tensor(5.)
    """

    full_state_update = False
    base_metric: Metric
    window: int
    _num_vals_seen: int

    def __init__(self, base_metric: Metric, window: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(base_metric, Metric):
            raise TypeError(f"Running: `base_metric` must be a calipers Metric, got {type(base_metric).__name__}.")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"Running: `window` must be a positive integer, got {window!r}.")
        if base_metric.full_state_update is not False:
            raise ValueError(
                f"Running: `base_metric` must have `full_state_update` False, got {base_metric.full_state_update!r}."
            )
        for name, reduction in base_metric._reductions.items():
            default = base_metric._defaults[name]
            if not isinstance(default, Tensor) or reduction not in ELEMENTWISE:
                raise ValueError(
                    "Running: every state of `base_metric` must be a tensor with reduction sum/mean/max/min, "
                    f"got state {name!r} with reduction {reduction!r}."
                )
        self.base_metric = base_metric
        self.window = window
        base_metric.__dict__["_to_sync"] = False  # Running syncs the slots; the base metric only computes
        base_metric.__dict__["_silence_compute_warning"] = True
        for name, reduction in base_metric._reductions.items():
            default = base_metric._defaults[name]
            assert isinstance(default, Tensor)
            for i in range(window):
                self.add_state(f"{name}_{i}", default.clone(), dist_reduce_fx=reduction)
        self._num_vals_seen = 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the base metric with one batch and store its states in the next slot."""
        base = self.base_metric
        base.reset()
        base.update(*args, **kwargs)
        slot = self._num_vals_seen % self.window
        for name in base._defaults:
            self.__dict__[f"{name}_{slot}"] = getattr(base, name)
        self.__dict__["_num_vals_seen"] = self._num_vals_seen + 1
        base.reset()

    def compute(self) -> Any:
        """Reduce the slots and compute the base metric on the result."""
        base = self.base_metric
        filled = min(self._num_vals_seen, self.window) or self.window
        for name, reduction in base._reductions.items():
            slots = [getattr(self, f"{name}_{i}") for i in range(self.window)]
            if reduction == "mean":
                slots = slots[:filled]
            base.__dict__[name] = reduce_stacked(torch.stack(slots), reduction, slots[0].dtype)
        base.__dict__["_update_count"] = 1
        base.__dict__["_computed"] = None
        try:
            return base.compute()
        finally:
            base.reset()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Update with the batch and return the base metric's value on that batch alone."""
        self.update(*args, **kwargs)
        base = self.base_metric
        slot = (self._num_vals_seen - 1) % self.window
        for name in base._defaults:
            base.__dict__[name] = getattr(self, f"{name}_{slot}")
        base.__dict__["_update_count"] = 1
        base.__dict__["_computed"] = None
        try:
            if self.dist_sync_on_step:
                base.sync(self.dist_sync_fn, self.process_group, distributed_available=self.distributed_available_fn)
            self._forward_cache = base.compute()
        finally:
            base.reset()
        return self._forward_cache

    def persistent(self, mode: bool = False) -> None:
        """Choose whether the slots go into ``state_dict`` (the base metric only computes: its states stay out)."""
        Metric.persistent(self, mode)

    def reset(self) -> None:
        """Empty every slot."""
        super().reset()
        self.__dict__["_num_vals_seen"] = 0
        self.base_metric.reset()
