"""`KendallRankCorrCoef`: Kendall's tau over batches (every sample kept, pairs counted once at compute)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression._correlation import cat_pair_states
from calipers.functional.regression.kendall import (
    _kendall_arg_validation,
    _kendall_compute,
    _kendall_format,
    _kendall_tensor_validation,
    _kendall_update,
)
from calipers.metric import Metric

__all__ = ["KendallRankCorrCoef"]


class KendallRankCorrCoef(Metric):
    """Kendall's rank correlation coefficient (tau) over batches, with an optional asymptotic test.

    The value is that of :func:`calipers.functional.regression.kendall_rank_corrcoef` on all the samples seen (the
    variants, the test and the tie handling are described there). Pairs need every sample: the states are ``cat``
    lists of the inputs, and pairs are counted once at compute in O(n log n).

    Args:
        variant: ``"a"``, ``"b"`` (default) or ``"c"``.
        t_test: also return the p-value of the asymptotic test of no association.
        alternative: ``"two-sided"`` (default), ``"less"`` or ``"greater"``; required when ``t_test`` is True.
        num_outputs: number of outputs: inputs are ``(N,)`` (1) or ``(N, num_outputs)``.
        validate_args: check that the values are finite at every update (a host-device synchronisation).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``t_test`` or ``validate_args`` is not a bool, or ``num_outputs`` not an int.
        ValueError: for an unknown ``variant`` or ``alternative``, ``alternative=None`` with ``t_test``, or
            ``num_outputs`` smaller than 1.

    Example:
        >>> import torch
        >>> from calipers.regression import KendallRankCorrCoef
        >>> metric = KendallRankCorrCoef(variant="c")
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 1.0]))
        >>> metric.compute()
        tensor(0.3333)
    """

    is_differentiable: ClassVar[bool | None] = False
    higher_is_better: ClassVar[bool | None] = None
    full_state_update: ClassVar[bool | None] = False
    plot_lower_bound: ClassVar[float | None] = 0.0
    plot_upper_bound: ClassVar[float | None] = 1.0

    preds: list[Tensor]
    target: list[Tensor]

    def __init__(
        self,
        variant: Literal["a", "b", "c"] = "b",
        t_test: bool = False,
        alternative: Literal["two-sided", "less", "greater"] | None = "two-sided",
        num_outputs: int = 1,
        *,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _kendall_arg_validation(type(self).__name__, variant, t_test, alternative, num_outputs, validate_args)
        self.variant = variant
        self.t_test = t_test
        self.alternative = alternative
        self.num_outputs = num_outputs
        self.validate_args = validate_args
        self.add_state("preds", [], dist_reduce_fx="cat")
        self.add_state("target", [], dist_reduce_fx="cat")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Keep a batch of ``(N,)`` or ``(N, num_outputs)`` predictions and targets."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _kendall_tensor_validation(type(self).__name__, preds, target, self.num_outputs, self.validate_args)
        x, y = _kendall_update(*_kendall_format(preds, target))
        self.preds.append(x)
        self.target.append(y)

    def compute(self) -> Tensor | tuple[Tensor, Tensor]:
        """Tau of everything seen and, with ``t_test``, the p-value: ``(tau, p_value)``."""
        preds, target = cat_pair_states(self.preds, self.target, self.num_outputs, self.device)
        result = _kendall_compute(preds, target, self.variant, self.t_test, self.alternative, type(self).__name__)
        if isinstance(result, tuple):
            return result[0].to(self.dtype), result[1].to(self.dtype)
        return result.to(self.dtype)
