"""`CriticalSuccessIndex`: critical success index (threat score) accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.csi import (
    _critical_success_index_arg_validation,
    _critical_success_index_compute,
    _critical_success_index_format,
    _critical_success_index_tensor_validation,
    _critical_success_index_update,
)
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["CriticalSuccessIndex"]


class CriticalSuccessIndex(Metric):
    """Critical success index: hits over hits, misses and false alarms of the events ``value >= threshold``.

    See :func:`calipers.functional.regression.critical_success_index`. Without ``keep_sequence_dim`` the states
    are the three counts, summed across batches and processes. With it, each batch contributes one value per
    index of that dimension, and the values of the batches are concatenated (as in TorchMetrics): with
    ``keep_sequence_dim=0`` that is one score per sample; with another dimension, one score per index and batch.

    Args:
        threshold: values at or above it are events.
        keep_sequence_dim: a dimension to keep (``None``: a single score).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import CriticalSuccessIndex
        >>> metric = CriticalSuccessIndex(0.5)
        >>> metric.update(torch.tensor([0.2, 0.7]), torch.tensor([0.1, 0.8]))
        >>> metric.update(torch.tensor([0.9, 0.4]), torch.tensor([0.3, 0.6]))
        >>> metric.compute()
        tensor(0.3333)
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(self, threshold: float, keep_sequence_dim: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _critical_success_index_arg_validation(type(self).__name__, threshold, keep_sequence_dim)
        self.threshold = float(threshold)
        self.keep_sequence_dim = keep_sequence_dim
        for name in ("hits", "misses", "false_alarms"):
            if keep_sequence_dim is None:
                self.add_state(name, torch.tensor(0), dist_reduce_fx="sum")
            else:
                self.add_state(f"{name}_list", [], dist_reduce_fx="cat")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the hits, misses and false alarms of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _critical_success_index_tensor_validation(type(self).__name__, preds, target, self.keep_sequence_dim)
        preds, target = _critical_success_index_format(preds, target, self.threshold)
        counts = _critical_success_index_update(preds, target, self.keep_sequence_dim)
        for name, value in zip(("hits", "misses", "false_alarms"), counts):
            if self.keep_sequence_dim is None:
                setattr(self, name, getattr(self, name) + value)
            else:
                getattr(self, f"{name}_list").append(value)

    def compute(self) -> Tensor:
        """The score (or the scores along ``keep_sequence_dim``); an empty tensor before any batch with it."""
        if self.keep_sequence_dim is None:
            counts = [getattr(self, name) for name in ("hits", "misses", "false_alarms")]
        else:
            lists = [getattr(self, f"{name}_list") for name in ("hits", "misses", "false_alarms")]
            if isinstance(lists[0], list) and not lists[0]:  # a synced state is a tensor
                return torch.zeros(0, dtype=self.dtype, device=self.device)
            counts = [dim_zero_cat(values) for values in lists]
        hits, misses, false_alarms = counts
        return _critical_success_index_compute(hits, misses, false_alarms, dtype=self.dtype)
