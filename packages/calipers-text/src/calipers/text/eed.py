"""`ExtendedEditDistance`: the mean EED of every hypothesis seen, from a float64 sum and an int64 count."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.text.eed import _eed_arg_validation, _eed_compute, _eed_format, _eed_update
from calipers.metric import Metric

__all__ = ["ExtendedEditDistance"]


class ExtendedEditDistance(Metric):
    """Extended edit distance over every hypothesis seen (lower is better).

    See :func:`calipers.functional.text.extended_edit_distance` for the inputs and the scoring. States: the float64
    sum of the sentence scores and the int64 number of sentences (summed across processes); with
    ``return_sentence_level_score``, also every sentence score (concatenated).

    Args:
        language: ``"en"`` or ``"ja"``, which preparation of the text to apply.
        return_sentence_level_score: ``compute`` also returns the score of every hypothesis.
        alpha: the cost of a jump.
        rho: the coverage cost.
        deletion: the cost of a deleted character.
        insertion: the cost of an inserted character.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import ExtendedEditDistance
        >>> metric = ExtendedEditDistance()
        >>> metric.update(["this is the prediction"], [["this is the reference"]])
        >>> metric.update(["here is an other sample"], [["here is another one", "here is an other example"]])
        >>> metric.compute()
        tensor(0.2506)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    total: Tensor
    count: Tensor
    sentence_eed: list[Tensor]

    def __init__(
        self,
        language: Literal["en", "ja"] = "en",
        return_sentence_level_score: bool = False,
        alpha: float = 2.0,
        rho: float = 0.3,
        deletion: float = 0.2,
        insertion: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _eed_arg_validation(type(self).__name__, language, return_sentence_level_score, alpha, rho, deletion, insertion)
        self.language = language
        self.return_sentence_level_score = return_sentence_level_score
        self.alpha, self.rho, self.deletion, self.insertion = (
            float(alpha),
            float(rho),
            float(deletion),
            float(insertion),
        )
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        if return_sentence_level_score:
            self.add_state("sentence_eed", [], dist_reduce_fx="cat")

    def update(self, preds: str | Sequence[str], target: Sequence[str | Sequence[str]]) -> None:
        """Score the hypotheses of a batch."""
        hyps, refs = _eed_format(type(self).__name__, preds, target, self.language)
        scores = _eed_update(hyps, refs, self.alpha, self.rho, self.deletion, self.insertion)
        self.total += scores.sum().to(self.total.dtype)
        self.count += scores.numel()
        if self.return_sentence_level_score and scores.numel():
            self.sentence_eed.append(scores.to(self.total.device, self.total.dtype))

    def compute(self) -> Tensor | tuple[Tensor, Tensor]:
        """The mean sentence score (and every sentence score)."""
        average = _eed_compute(self.total, self.count, self.dtype)
        if not self.return_sentence_level_score:
            return average
        values: Tensor | list[Tensor] = self.sentence_eed
        if isinstance(values, list):  # not yet concatenated by a sync
            values = torch.cat(values) if values else torch.zeros(0, dtype=torch.float64, device=self.device)
        return average, values.to(self.dtype)

    def _state_signature(self) -> Hashable:
        return (
            "text.eed",
            self.language,
            self.return_sentence_level_score,
            self.alpha,
            self.rho,
            self.deletion,
            self.insertion,
        )
