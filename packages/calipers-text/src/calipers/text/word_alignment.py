"""`MatchErrorRate`, `WordInfoLost`, `WordInfoPreserved`: one word alignment per pair, four int64 counts.

The three metrics share their states (hits, substitutions, deletions, insertions) and their update, so a
:class:`~calipers.MetricCollection` holding several of them aligns each pair once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from calipers.functional.text._inputs import _text_pairs_validation
from calipers.functional.text.word_alignment import (
    _match_error_rate_compute,
    _word_alignment_update,
    _word_information_lost_compute,
    _word_information_preserved_compute,
)
from calipers.metric import Metric

__all__ = ["MatchErrorRate", "WordInfoLost", "WordInfoPreserved"]


class _WordAlignmentMetric(Metric):
    """The shared states and update of the alignment metrics; subclasses name their ``_compute``."""

    is_differentiable = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    _compute_fn: ClassVar[Callable[..., Tensor]]

    hits: Tensor
    substitutions: Tensor
    deletions: Tensor
    insertions: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name in ("hits", "substitutions", "deletions", "insertions"):
            self.add_state(name, torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: str | Sequence[str], target: str | Sequence[str]) -> None:
        """Align every pair of the batch and add its hits, substitutions, deletions and insertions."""
        preds, target = _text_pairs_validation(type(self).__name__, preds, target)
        hits, substitutions, deletions, insertions = _word_alignment_update(preds, target)
        self.hits += hits
        self.substitutions += substitutions
        self.deletions += deletions
        self.insertions += insertions

    def compute(self) -> Tensor:
        """The value over every pair seen."""
        return type(self)._compute_fn(self.hits, self.substitutions, self.deletions, self.insertions, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.word_alignment",)


class MatchErrorRate(_WordAlignmentMetric):
    """Match error rate over every pair seen (lower is better).

    See :func:`calipers.functional.text.match_error_rate` for the inputs and the empty-input rule.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import MatchErrorRate
        >>> metric = MatchErrorRate()
        >>> metric.update(["this is the prediction", "there is an other sample"],
        ...               ["this is the reference", "there is another one"])
        >>> metric.compute()
        tensor(0.4444)
    """

    higher_is_better = False
    _compute_fn = staticmethod(_match_error_rate_compute)


class WordInfoLost(_WordAlignmentMetric):
    """Word information lost over every pair seen (lower is better).

    See :func:`calipers.functional.text.word_information_lost` for the inputs and the empty-input rule.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import WordInfoLost
        >>> metric = WordInfoLost()
        >>> metric.update(["this is the prediction", "there is an other sample"],
        ...               ["this is the reference", "there is another one"])
        >>> metric.compute()
        tensor(0.6528)
    """

    higher_is_better = False
    _compute_fn = staticmethod(_word_information_lost_compute)


class WordInfoPreserved(_WordAlignmentMetric):
    """Word information preserved over every pair seen (higher is better).

    See :func:`calipers.functional.text.word_information_preserved` for the inputs and the empty-input rule.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import WordInfoPreserved
        >>> metric = WordInfoPreserved()
        >>> metric.update(["this is the prediction", "there is an other sample"],
        ...               ["this is the reference", "there is another one"])
        >>> metric.compute()
        tensor(0.3472)
    """

    higher_is_better = True
    _compute_fn = staticmethod(_word_information_preserved_compute)
