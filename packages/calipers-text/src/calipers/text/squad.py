"""`SQuAD`: SQuAD v1.1 exact match and F1 over every question seen."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.functional.text.squad import _squad_compute, _squad_tensor_validation, _squad_update
from calipers.metric import Metric

__all__ = ["SQuAD"]


class SQuAD(Metric):
    """SQuAD v1.1 exact match and F1, in percent (higher is better).

    See :func:`calipers.functional.text.squad` for the inputs and the scoring rules. States: the float64 sum of the
    questions' F1, the int64 number of exact matches and the int64 number of questions, summed across processes.
    Predictions and questions are matched by ``id`` within one ``update``.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import SQuAD
        >>> metric = SQuAD()
        >>> metric.update([{"prediction_text": "1976", "id": "q1"}], [{"answers": {"text": ["1976"]}, "id": "q1"}])
        >>> metric.update([{"prediction_text": "a cat", "id": "q2"}], [{"answers": {"text": ["the dog"]}, "id": "q2"}])
        >>> metric.compute()
        {'exact_match': tensor(50.), 'f1': tensor(50.)}
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 100.0

    f1_score: Tensor
    exact_match: Tensor
    total: Tensor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("f1_score", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("exact_match", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: Mapping[str, Any] | Sequence[Mapping[str, Any]], target: Any) -> None:
        """Score the questions of a batch."""
        name = type(self).__name__
        predictions, questions = _squad_tensor_validation(name, preds, target)
        f1, exact, total = _squad_update(name, predictions, questions)
        self.f1_score += f1
        self.exact_match += exact
        self.total += total

    def compute(self) -> dict[str, Tensor]:
        """Exact match and F1 in percent over every question seen."""
        return _squad_compute(self.f1_score, self.exact_match, self.total, self.dtype)

    def _state_signature(self) -> Hashable:
        return ("text.squad",)
