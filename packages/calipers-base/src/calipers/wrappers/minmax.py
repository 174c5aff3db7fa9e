"""`MinMaxMetric`: a scalar metric together with the smallest and largest values it has taken."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric

__all__ = ["MinMaxMetric"]


class MinMaxMetric(WrapperMetric):
    """Return ``{"raw": value, "max": ..., "min": ...}``: the base metric's value and the extremes of its values.

    Every value the wrapper hands out counts: each ``compute`` and each ``forward`` (batch value) moves ``min_val``
    and ``max_val``. They are not synced (every rank computes the same synced values), go into ``state_dict`` with
    ``persistent(True)`` (keys ``min_val``, ``max_val``; checkpoints without them load too) and are cleared by
    ``reset`` (TorchMetrics keeps them across ``reset``, contrary to its documentation).

    Args:
        base_metric: a metric with a scalar value.
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``base_metric`` is not a calipers metric.
        ValueError: (in ``compute``/``forward``) if the base metric's value is not a scalar.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric
        >>> from calipers.wrappers import MinMaxMetric
        >>> metric = MinMaxMetric(MeanMetric())
        >>> metric(torch.tensor([1.0, 3.0]))
        {'raw': tensor(2.), 'max': tensor(2.), 'min': tensor(2.)}
        >>> metric(torch.tensor([0.0]))
        {'raw': tensor(0.), 'max': tensor(2.), 'min': tensor(0.)}
        >>> metric.compute()
        {'raw': tensor(1.3333), 'max': tensor(2.), 'min': tensor(0.)}
    """

    full_state_update = True
    _base_metric: Metric
    min_val: Tensor
    max_val: Tensor

    def __init__(self, base_metric: Metric, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(base_metric, Metric):
            raise TypeError(f"MinMaxMetric: `base_metric` must be a calipers Metric, got {type(base_metric).__name__}.")
        self._base_metric = base_metric
        self._persist_bounds = False
        self._reset_bounds()

    def _reset_bounds(self) -> None:
        self.__dict__["min_val"] = torch.tensor(float("inf"))
        self.__dict__["max_val"] = torch.tensor(-float("inf"))

    def _track(self, value: Any) -> None:
        if not (isinstance(value, (int, float)) or (isinstance(value, Tensor) and value.numel() == 1)):
            shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise ValueError(f"MinMaxMetric: the value of `base_metric` must be a scalar, got {shape}.")
        v = torch.as_tensor(value).detach().reshape(())
        self.__dict__["max_val"] = torch.maximum(self.max_val.to(v.device, v.dtype), v)
        self.__dict__["min_val"] = torch.minimum(self.min_val.to(v.device, v.dtype), v)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the base metric."""
        self._base_metric.update(*args, **kwargs)

    def compute(self) -> dict[str, Tensor]:
        """The base metric's value, with the extremes of every value handed out so far (this one included)."""
        value = self._base_metric.compute()
        self._track(value)
        return {"raw": value, "max": self.max_val, "min": self.min_val}

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        """Update with the batch; return the batch value with the extremes (the batch value included)."""
        if self.dist_sync_on_step:
            return self._forward_full(*args, **kwargs)  # type: ignore[no-any-return]
        value = self._base_metric(*args, **kwargs)
        self._track(value)
        return self._after_forward({"raw": value, "max": self.max_val, "min": self.min_val})  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Reset the base metric and the extremes."""
        super().reset()
        self._reset_bounds()

    @property
    def metric_state(self) -> dict[str, Any]:
        """The base metric's states (under ``_base_metric``) and the extremes ``min_val``, ``max_val``."""
        return {**super().metric_state, "min_val": self.min_val, "max_val": self.max_val}

    def merge_state(self, incoming_state: dict[str, Any] | Metric) -> None:
        """Merge the base metrics and keep the more extreme bounds."""
        if isinstance(incoming_state, MinMaxMetric):
            bounds = (incoming_state.min_val, incoming_state.max_val)
        elif isinstance(incoming_state, dict):
            incoming_state = dict(incoming_state)
            bounds = (incoming_state.pop("min_val", self.min_val), incoming_state.pop("max_val", self.max_val))
        else:
            bounds = (self.min_val, self.max_val)
        super().merge_state(incoming_state)
        self.__dict__["min_val"] = torch.minimum(self.min_val, bounds[0].to(self.min_val))
        self.__dict__["max_val"] = torch.maximum(self.max_val, bounds[1].to(self.max_val))

    def persistent(self, mode: bool = False) -> None:
        """Choose whether the base metric's states and the extremes go into ``state_dict``."""
        super().persistent(mode)
        self._persist_bounds = mode

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        if self._persist_bounds:
            destination[prefix + "min_val"] = self.min_val.clone()
            destination[prefix + "max_val"] = self.max_val.clone()

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
        for name in ("min_val", "max_val"):
            if prefix + name in state_dict:
                self.__dict__[name] = state_dict.pop(prefix + name).clone()
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
