"""`CHRFScore`: corpus chrF/chrF++ from per-order n-gram counts accumulated over batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.functional.text.chrf import (
    _chrf_score_arg_validation,
    _chrf_score_compute,
    _chrf_score_format,
    _chrf_score_tensor_validation,
    _chrf_score_update,
)
from calipers.metric import Metric

__all__ = ["CHRFScore"]


class CHRFScore(Metric):
    """Corpus chrF or chrF++ (the default), equal to SacreBLEU's ``CHRF`` score / 100.

    See :func:`calipers.functional.text.chrf_score` for the inputs and arguments. States (int64, summed across
    processes), one entry per order (character orders first, then word orders): ``hyp_n_grams``,
    ``ref_n_grams`` and ``matching_n_grams``; with ``return_sentence_level_score``, the sentence scores
    ``sentence_chrf_score`` (a list state, concatenated).

    Args:
        n_char_order: the largest character n-gram order (>= 1).
        n_word_order: the largest word n-gram order (>= 0; 0 is plain chrF).
        beta: the weight of recall against precision (>= 0).
        lowercase: lowercase every sentence first.
        whitespace: keep whitespace in the character n-grams.
        return_sentence_level_score: ``compute`` also returns every sentence's score.
        eps_smoothing: average per-order F-scores instead (SacreBLEU's ``eps_smoothing=True``); keyword-only.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import CHRFScore
        >>> metric = CHRFScore()
        >>> metric.update(["the cat is on the mat"], [["there is a cat on the mat", "a cat is on the mat"]])
        >>> metric.compute()
        tensor(0.8648)
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    hyp_n_grams: Tensor
    ref_n_grams: Tensor
    matching_n_grams: Tensor
    sentence_chrf_score: list[Tensor]

    def __init__(
        self,
        n_char_order: int = 6,
        n_word_order: int = 2,
        beta: float = 2.0,
        lowercase: bool = False,
        whitespace: bool = False,
        return_sentence_level_score: bool = False,
        *,
        eps_smoothing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.beta = _chrf_score_arg_validation(
            type(self).__name__, n_char_order, n_word_order, beta, lowercase, whitespace,
            return_sentence_level_score, eps_smoothing,
        )  # fmt: skip
        self.n_char_order = n_char_order
        self.n_word_order = n_word_order
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.return_sentence_level_score = return_sentence_level_score
        self.eps_smoothing = eps_smoothing
        orders = n_char_order + n_word_order
        for state in ("hyp_n_grams", "ref_n_grams", "matching_n_grams"):
            self.add_state(state, torch.zeros(orders, dtype=torch.int64), dist_reduce_fx="sum")
        if return_sentence_level_score:
            self.add_state("sentence_chrf_score", [], dist_reduce_fx="cat")

    def update(self, preds: str | Sequence[str], target: Sequence[str | Sequence[str]]) -> None:
        """Add the n-gram counts (and sentence scores) of a batch of hypotheses and their references."""
        hyps, refs = _chrf_score_tensor_validation(type(self).__name__, preds, target)
        if not hyps:
            return
        hyp_counts, ref_counts = _chrf_score_format(
            hyps, refs, self.n_char_order, self.n_word_order, self.lowercase, self.whitespace
        )
        stats, sentence_scores = _chrf_score_update(
            hyp_counts, ref_counts, self.beta, self.eps_smoothing, self.return_sentence_level_score
        )
        table = torch.tensor(stats, dtype=torch.int64, device=self.device).view(-1, 3)
        self.hyp_n_grams += table[:, 0]
        self.ref_n_grams += table[:, 1]
        self.matching_n_grams += table[:, 2]
        if self.return_sentence_level_score:
            self.sentence_chrf_score.append(torch.tensor(sentence_scores, dtype=self.dtype, device=self.device))

    def compute(self) -> Tensor | tuple[Tensor, Tensor]:
        """The corpus score (and, with ``return_sentence_level_score``, the sentence scores in update order)."""
        stats = torch.stack([self.hyp_n_grams, self.ref_n_grams, self.matching_n_grams], dim=1).reshape(-1).tolist()
        value = torch.tensor(_chrf_score_compute(stats, self.beta, self.eps_smoothing), dtype=self.dtype,
                             device=self.device)  # fmt: skip
        if not self.return_sentence_level_score:
            return value
        scores = self.sentence_chrf_score
        if isinstance(scores, Tensor):
            return value, scores
        return value, (torch.cat(scores) if scores else torch.zeros(0, dtype=self.dtype, device=self.device))
