"""`Perplexity`: exp of the mean token negative log-likelihood, accumulated in float64 over batches."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_device, check_flag
from calipers.functional.text.perplexity import (
    _perplexity_arg_validation,
    _perplexity_compute,
    _perplexity_tensor_validation,
    _perplexity_update,
)
from calipers.metric import Metric

__all__ = ["Perplexity"]


class Perplexity(Metric):
    """Perplexity of the target tokens over every batch seen (lower is better).

    See :func:`calipers.functional.text.perplexity` for the inputs. States: the summed negative log-likelihood
    (float64) and the number of counted tokens (int64), summed across processes.

    Args:
        ignore_index: a target value that is not counted (e.g. padding), or ``None``.
        validate_args: check that every target value is a token of the vocabulary (one host synchronisation per
            update); keyword-only.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.text import Perplexity
        >>> metric = Perplexity(ignore_index=-100)
        >>> metric.update(torch.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), torch.tensor([[0, -100]]))
        >>> metric.update(torch.tensor([[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]), torch.tensor([[1, 2]]))
        >>> metric.compute()
        tensor(1.8774)
    """

    is_differentiable = True
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 1.0

    total_log_probs: Tensor
    count: Tensor

    def __init__(self, ignore_index: int | None = None, *, validate_args: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _perplexity_arg_validation(type(self).__name__, ignore_index)
        check_flag(type(self).__name__, "validate_args", validate_args)
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self.add_state("total_log_probs", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the negative log-likelihood and the counted tokens of a batch."""
        name = type(self).__name__
        _perplexity_tensor_validation(name, preds, target, self.ignore_index, self.validate_args)
        check_device(name, "preds", preds, self.count.device)
        total, count = _perplexity_update(preds, target, self.ignore_index)
        self.total_log_probs = self.total_log_probs + total.to(self.total_log_probs.dtype)
        self.count += count

    def compute(self) -> Tensor:
        """The perplexity over every counted token seen."""
        return _perplexity_compute(self.total_log_probs, self.count, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.perplexity", self.ignore_index)
