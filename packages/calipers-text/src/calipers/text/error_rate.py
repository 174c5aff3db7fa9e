"""`WordErrorRate` and `CharErrorRate`: edit operations per reference token, accumulated as exact int64 counts."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.functional.text._inputs import _text_pairs_validation
from calipers.functional.text.error_rate import (
    _char_error_rate_update,
    _error_rate_compute,
    _word_error_rate_update,
)
from calipers.metric import Metric

__all__ = ["CharErrorRate", "WordErrorRate"]


class WordErrorRate(Metric):
    """Word error rate over every pair seen (lower is better).

    See :func:`calipers.functional.text.word_error_rate` for the inputs and the empty-reference rule. States: the
    summed word edit distance and the number of reference words, int64, summed across processes (one all-reduce).

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import WordErrorRate
        >>> metric = WordErrorRate()
        >>> metric.update(["this is the prediction"], ["this is the reference"])
        >>> metric.update(["there is an other sample"], ["there is another one"])
        >>> metric.compute()
        tensor(0.5000)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    errors: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("errors", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: str | Sequence[str], target: str | Sequence[str]) -> None:
        """Add the word edit operations and reference words of a batch."""
        preds, target = _text_pairs_validation(type(self).__name__, preds, target)
        errors, total = _word_error_rate_update(preds, target)
        self.errors += errors
        self.total += total

    def compute(self) -> Tensor:
        """The word error rate over every pair seen."""
        return _error_rate_compute(self.errors, self.total, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.word_error_rate",)


class CharErrorRate(Metric):
    """Character error rate over every pair seen (lower is better).

    See :func:`calipers.functional.text.char_error_rate` for the inputs. States: the summed character edit distance
    and the number of reference characters, int64, summed across processes.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import CharErrorRate
        >>> metric = CharErrorRate()
        >>> metric.update(["this is the prediction", "there is an other sample"],
        ...               ["this is the reference", "there is another one"])
        >>> metric.compute()
        tensor(0.3415)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    errors: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("errors", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: str | Sequence[str], target: str | Sequence[str]) -> None:
        """Add the character edit operations and reference characters of a batch."""
        preds, target = _text_pairs_validation(type(self).__name__, preds, target)
        errors, total = _char_error_rate_update(preds, target)
        self.errors += errors
        self.total += total

    def compute(self) -> Tensor:
        """The character error rate over every pair seen."""
        return _error_rate_compute(self.errors, self.total, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.char_error_rate",)
