"""`PearsonCorrCoef`: Pearson correlation from streaming co-moments merged with Chan et al.'s algorithm."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._correlation import (
    batch_comoments,
    empty_comoments,
    merge_comoments,
    merge_pair,
)
from calipers.functional.regression.pearson import (
    _pearson_arg_validation,
    _pearson_compute,
)
from calipers.metric import Metric

__all__ = ["PearsonCorrCoef"]


class PearsonCorrCoef(Metric):
    """Pearson correlation coefficient over batches.

    The value is that of :func:`calipers.functional.regression.pearson_corrcoef` on all the samples seen.
    The state is one ``(10, num_outputs)`` float64 tensor of co-moments (count, means, centred second moments,
    co-moment, minima, maxima) whose ``dist_reduce_fx`` merges stacked copies with the parallel algorithm of Chan et
    al.: batches, ``forward``, ``merge_state`` and the distributed sync all give the value of one pass over the data.

    Args:
        num_outputs: number of outputs: inputs are ``(N,)`` (1) or ``(N, num_outputs)``.
        validate_args: check that the values are finite at every update (a host-device synchronisation).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``num_outputs`` is not an int or ``validate_args`` not a bool.
        ValueError: if ``num_outputs`` is smaller than 1.

    Example:
        >>> import torch
        >>> from calipers.regression import PearsonCorrCoef
        >>> metric = PearsonCorrCoef()
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 7.0]))
        >>> metric.compute()
        tensor(0.9849)
    """

    is_differentiable: ClassVar[bool | None] = True
    higher_is_better: ClassVar[bool | None] = None
    full_state_update: ClassVar[bool | None] = False
    plot_lower_bound: ClassVar[float | None] = -1.0
    plot_upper_bound: ClassVar[float | None] = 1.0

    comoments: Tensor

    def __init__(self, num_outputs: int = 1, *, validate_args: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _pearson_arg_validation(type(self).__name__, num_outputs, validate_args)
        self.num_outputs = num_outputs
        self.validate_args = validate_args
        self.add_state("comoments", empty_comoments(num_outputs), dist_reduce_fx=merge_comoments)

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Fold a batch of ``(N,)`` or ``(N, num_outputs)`` predictions and targets into the co-moments."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        name, state = type(self).__name__, self.comoments
        batch = batch_comoments(name, preds, target, self.num_outputs, self.validate_args, state.dtype)
        batch = batch.to(state.device)
        self.comoments = merge_pair(self.comoments, batch)

    def compute(self) -> Tensor:
        """The correlation of everything seen (NaN, with a warning, for a constant column or < 2 samples)."""
        return _pearson_compute(self.comoments, type(self).__name__).to(self.dtype)

    def _foldable(self) -> bool:
        # The Chan merge is associative, so `forward` may fold the batch's co-moments into the running ones
        # (one update + one compute) instead of updating twice.
        return True
