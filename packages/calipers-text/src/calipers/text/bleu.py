"""`BLEUScore`: corpus BLEU from per-order n-gram match and total counts accumulated over batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.functional.text.bleu import (
    _bleu_score_arg_validation,
    _bleu_score_compute,
    _bleu_score_format,
    _bleu_score_tensor_validation,
    _bleu_score_update,
)
from calipers.metric import Metric

__all__ = ["BLEUScore"]


class BLEUScore(Metric):
    """Corpus BLEU of whitespace-tokenized hypotheses against one or more references each.

    See :func:`calipers.functional.text.bleu_score` for the inputs and arguments. States (int64, summed across
    processes): the hypothesis length ``preds_len``, the closest-reference length ``target_len`` and, per order,
    the clipped matches ``numerator`` and the hypothesis n-grams ``denominator``, so the corpus score is exact
    under any split into batches or processes.

    Args:
        n_gram: the largest n-gram order N (>= 1).
        smooth: add one to the matches and totals of the orders 2..N.
        weights: the weight of each order, N non-negative floats summing to 1 (default: uniform).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import BLEUScore
        >>> metric = BLEUScore()
        >>> metric.update(["the cat is on the mat"], [["there is a cat on the mat", "a cat is on the mat"]])
        >>> metric.compute()
        tensor(0.7598)
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    preds_len: Tensor
    target_len: Tensor
    numerator: Tensor
    denominator: Tensor

    def __init__(
        self, n_gram: int = 4, smooth: bool = False, weights: Sequence[float] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.weights = _bleu_score_arg_validation(type(self).__name__, n_gram, smooth, weights)
        self.n_gram = n_gram
        self.smooth = smooth
        self._add_bleu_states(n_gram)

    def _add_bleu_states(self, n_gram: int) -> None:
        self.add_state("preds_len", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("target_len", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("numerator", torch.zeros(n_gram, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("denominator", torch.zeros(n_gram, dtype=torch.int64), dist_reduce_fx="sum")

    def _tokenized(
        self, preds: Sequence[str], target: Sequence[str | Sequence[str]]
    ) -> tuple[list[list[str]], list[list[list[str]]]]:
        hyps, refs = _bleu_score_tensor_validation(type(self).__name__, preds, target)
        return _bleu_score_format(hyps, refs)

    def update(self, preds: str | Sequence[str], target: Sequence[str | Sequence[str]]) -> None:
        """Add the length and n-gram statistics of a batch of hypotheses and their references."""
        hyp_tokens, ref_tokens = self._tokenized(preds, target)
        if not hyp_tokens:
            return
        n = self.n_gram
        stats = torch.tensor(_bleu_score_update(hyp_tokens, ref_tokens, n), dtype=torch.int64, device=self.device)
        self.preds_len += stats[0]
        self.target_len += stats[1]
        self.numerator += stats[2 : 2 + n]
        self.denominator += stats[2 + n :]

    def compute(self) -> Tensor:
        """The corpus BLEU of everything seen (0 before any hypothesis word)."""
        value = _bleu_score_compute(
            int(self.preds_len), int(self.target_len), self.numerator.tolist(), self.denominator.tolist(),
            self.weights, self.smooth,
        )  # fmt: skip
        return torch.tensor(value, dtype=self.dtype, device=self.device)
