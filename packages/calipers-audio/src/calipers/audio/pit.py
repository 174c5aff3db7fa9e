"""`PermutationInvariantTraining`: the best-permutation metric, averaged over every sample."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio.pit import _pit_arg_validation, _pit_tensor_validation, _pit_update
from calipers.metric import _OPTIONS

__all__ = ["PermutationInvariantTraining"]


class PermutationInvariantTraining(_MeanOfSignalValues):
    """Permutation invariant training: the metric of every sample's best speaker permutation, averaged.

    See :func:`calipers.functional.audio.permutation_invariant_training` for the inputs and the modes.

    Args:
        metric_func: the pair (or permuted-batch) metric.
        mode: ``"speaker-wise"`` or ``"permutation-wise"``.
        eval_func: ``"max"`` or ``"min"``.
        kwargs: the options of :class:`calipers.Metric` (``dist_sync_on_step``, ``process_group``, ...); every
            other keyword goes to ``metric_func``.

    Example:
        >>> import torch
        >>> from calipers.audio import PermutationInvariantTraining
        >>> from calipers.functional.audio import scale_invariant_signal_distortion_ratio
        >>> target = torch.tensor([[[1.0, -1.0, 2.0, 0.0], [0.0, 3.0, -1.0, 1.0]]])
        >>> metric = PermutationInvariantTraining(scale_invariant_signal_distortion_ratio)
        >>> metric(target.flip(1) + torch.tensor([0.1, -0.2, 0.0, 0.3]), target)
        tensor(18.1051)
    """

    higher_is_better: ClassVar[bool | None] = None

    def __init__(
        self,
        metric_func: Callable[..., Tensor],
        mode: Literal["speaker-wise", "permutation-wise"] = "speaker-wise",
        eval_func: Literal["max", "min"] = "max",
        **kwargs: Any,
    ) -> None:
        base = {k: kwargs.pop(k) for k in list(kwargs) if k in _OPTIONS}
        super().__init__(**base)
        _pit_arg_validation(type(self).__name__, metric_func, mode, eval_func)
        self.metric_func = metric_func
        self.mode = mode
        self.eval_func = eval_func
        self.kwargs = kwargs

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the best-permutation metric of every sample of the batch."""
        name = type(self).__name__
        p, t = _pit_tensor_validation(name, preds, target)
        self._check_devices(p, t)
        best, _ = _pit_update(name, p, t, self.metric_func, self.mode, self.eval_func, **self.kwargs)
        self._fold(best)
