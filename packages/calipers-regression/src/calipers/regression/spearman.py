"""`SpearmanCorrCoef`: Spearman's rank correlation over batches (every sample kept, ranked once at compute)."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._correlation import cat_pair_states
from calipers.functional.regression.spearman import (
    _spearman_arg_validation,
    _spearman_compute,
    _spearman_format,
    _spearman_tensor_validation,
    _spearman_update,
)
from calipers.metric import Metric

__all__ = ["SpearmanCorrCoef"]


class SpearmanCorrCoef(Metric):
    """Spearman's rank correlation coefficient over batches.

    The value is that of :func:`calipers.functional.regression.spearman_corrcoef` on all the samples seen. Ranks need
    every sample: the states are ``cat`` lists of the inputs (memory grows with the data), ranked once at compute.

    Args:
        num_outputs: number of outputs: inputs are ``(N,)`` (1) or ``(N, num_outputs)``.
        validate_args: check that the values are finite at every update (a host-device synchronisation).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``num_outputs`` is not an int or ``validate_args`` not a bool.
        ValueError: if ``num_outputs`` is smaller than 1.

    Example:
        >>> import torch
        >>> from calipers.regression import SpearmanCorrCoef
        >>> metric = SpearmanCorrCoef()
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 7.0]))
        >>> metric.compute()
        tensor(1.)
    """

    is_differentiable: ClassVar[bool | None] = False
    higher_is_better: ClassVar[bool | None] = True
    full_state_update: ClassVar[bool | None] = False
    plot_lower_bound: ClassVar[float | None] = -1.0
    plot_upper_bound: ClassVar[float | None] = 1.0

    preds: list[Tensor]
    target: list[Tensor]

    def __init__(self, num_outputs: int = 1, *, validate_args: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _spearman_arg_validation(type(self).__name__, num_outputs, validate_args)
        self.num_outputs = num_outputs
        self.validate_args = validate_args
        self.add_state("preds", [], dist_reduce_fx="cat")
        self.add_state("target", [], dist_reduce_fx="cat")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Keep a batch of ``(N,)`` or ``(N, num_outputs)`` predictions and targets."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _spearman_tensor_validation(type(self).__name__, preds, target, self.num_outputs, self.validate_args)
        x, y = _spearman_update(*_spearman_format(preds, target))
        self.preds.append(x)
        self.target.append(y)

    def compute(self) -> Tensor:
        """The coefficient of everything seen (NaN, with a warning, for a constant column or < 2 samples)."""
        preds, target = cat_pair_states(self.preds, self.target, self.num_outputs, self.device)
        return _spearman_compute(preds, target, type(self).__name__).to(self.dtype)
