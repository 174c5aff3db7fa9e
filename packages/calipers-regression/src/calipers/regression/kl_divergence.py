"""`KLDivergence`: Kullback-Leibler divergence of rows, reduced over every row seen."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.kl_divergence import (
    _kl_divergence_arg_validation,
    _kl_divergence_compute,
    _kl_divergence_tensor_validation,
    _kl_divergence_update,
)
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["KLDivergence"]


class KLDivergence(Metric):
    """Kullback-Leibler divergence ``KL(p || q)`` of each row, reduced over every row seen.

    The value is that of :func:`calipers.functional.regression.kl_divergence` on all the rows seen (input rules and
    checks are described there). The states are the sum and count of the per-row divergences (``"mean"``,
    ``"sum"``) or the divergences themselves (``"none"``/``None``).

    Args:
        log_prob: the inputs are log-probabilities instead of weights.
        reduction: ``"mean"`` (default) or ``"sum"`` over the rows, or ``"none"``/``None`` for every row's value.
        validate_args: check that every row is a distribution at every update (a host-device synchronisation).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``log_prob`` or ``validate_args`` is not a bool.
        ValueError: for an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from calipers.regression import KLDivergence
        >>> metric = KLDivergence()
        >>> metric.update(torch.tensor([[0.36, 0.48, 0.16]]), torch.tensor([[1 / 3, 1 / 3, 1 / 3]]))
        >>> metric.update(torch.tensor([[0.5, 0.5, 0.0]]), torch.tensor([[0.25, 0.25, 0.5]]))
        >>> metric.compute()
        tensor(0.3892)
    """

    is_differentiable: ClassVar[bool | None] = True
    higher_is_better: ClassVar[bool | None] = False
    full_state_update: ClassVar[bool | None] = False
    plot_lower_bound: ClassVar[float | None] = 0.0

    measures: Tensor | list[Tensor]
    total: Tensor

    def __init__(
        self,
        log_prob: bool = False,
        reduction: Literal["mean", "sum", "none"] | None = "mean",
        *,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _kl_divergence_arg_validation(type(self).__name__, log_prob, reduction, validate_args)
        self.log_prob = log_prob
        self.reduction = reduction
        self.validate_args = validate_args
        if reduction in ("sum", "mean"):
            self.add_state("measures", torch.tensor(0.0, dtype=self.dtype), dist_reduce_fx="sum")
        else:
            self.add_state("measures", [], dist_reduce_fx="cat")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, p: Tensor, q: Tensor) -> None:
        """Fold a batch of ``(N, D)`` distributions ``p`` and ``q``."""
        check_devices(type(self).__name__, self.device, p=p, q=q)
        _kl_divergence_tensor_validation(type(self).__name__, p, q, self.log_prob, self.validate_args)
        measures = _kl_divergence_update(p, q, self.log_prob)
        if isinstance(self.measures, list):
            self.measures.append(measures)
        else:
            self.measures = self.measures + measures.sum().to(self.measures)
        self.total = self.total + measures.shape[0]

    def compute(self) -> Tensor:
        """The reduced divergence of every row seen (``(N,)`` for ``"none"``)."""
        if isinstance(self.measures, list) and not self.measures:
            return torch.zeros(0, dtype=self.dtype, device=self.device)
        measures = dim_zero_cat(self.measures) if isinstance(self.measures, list) else self.measures
        return _kl_divergence_compute(measures, self.total, self.reduction).to(self.dtype)
