"""`CosineSimilarity`: cosine similarity of rows, reduced over every row seen."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.cosine_similarity import (
    _cosine_similarity_arg_validation,
    _cosine_similarity_compute,
    _cosine_similarity_tensor_validation,
    _cosine_similarity_update,
)
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["CosineSimilarity"]


class CosineSimilarity(Metric):
    """Cosine similarity of each row of ``preds`` with the same row of ``target``, reduced over every row seen.

    The value is that of :func:`calipers.functional.regression.cosine_similarity` on all the rows seen. The states
    are the sum and count of the per-row similarities (``"sum"``, ``"mean"``) or the similarities themselves
    (``"none"``/``None``), never the inputs.

    Args:
        reduction: ``"sum"`` (default) or ``"mean"`` over the rows, or ``"none"``/``None`` for every row's value.
        validate_args: check that the values are finite at every update (a host-device synchronisation).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        ValueError: for an unknown ``reduction``.
        TypeError: if ``validate_args`` is not a bool.

    Example:
        >>> import torch
        >>> from calipers.regression import CosineSimilarity
        >>> metric = CosineSimilarity(reduction="mean")
        >>> metric.update(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 2.0, 3.0]]))
        >>> metric.update(torch.tensor([[1.0, 0.0, 1.0]]), torch.tensor([[0.0, 1.0, 1.0]]))
        >>> metric.compute()
        tensor(0.7500)
    """

    is_differentiable: ClassVar[bool | None] = True
    higher_is_better: ClassVar[bool | None] = True
    full_state_update: ClassVar[bool | None] = False
    plot_lower_bound: ClassVar[float | None] = 0.0
    plot_upper_bound: ClassVar[float | None] = 1.0

    similarity: Tensor | list[Tensor]
    total: Tensor

    def __init__(
        self,
        reduction: Literal["mean", "sum", "none"] | None = "sum",
        *,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _cosine_similarity_arg_validation(type(self).__name__, reduction, validate_args)
        self.reduction = reduction
        self.validate_args = validate_args
        if reduction in ("sum", "mean"):
            self.add_state("similarity", torch.tensor(0.0, dtype=self.dtype), dist_reduce_fx="sum")
        else:
            self.add_state("similarity", [], dist_reduce_fx="cat")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Fold a batch of ``(N, D)`` predictions and targets."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _cosine_similarity_tensor_validation(type(self).__name__, preds, target, self.validate_args)
        similarity = _cosine_similarity_update(preds, target)
        if isinstance(self.similarity, list):
            self.similarity.append(similarity)
        else:
            self.similarity = self.similarity + similarity.sum().to(self.similarity)
        self.total = self.total + similarity.shape[0]

    def compute(self) -> Tensor:
        """The reduced similarity of every row seen (``(N,)`` for ``"none"``)."""
        if isinstance(self.similarity, list) and not self.similarity:
            return torch.zeros(0, dtype=self.dtype, device=self.device)
        similarity = dim_zero_cat(self.similarity) if isinstance(self.similarity, list) else self.similarity
        return _cosine_similarity_compute(similarity, self.total, self.reduction).to(self.dtype)
