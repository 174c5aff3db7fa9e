"""`TranslationEditRate`: corpus TER from edit counts and reference lengths accumulated over batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.functional.text.ter import (
    _translation_edit_rate_arg_validation,
    _translation_edit_rate_compute,
    _translation_edit_rate_format,
    _translation_edit_rate_tensor_validation,
    _translation_edit_rate_update,
)
from calipers.metric import Metric

__all__ = ["TranslationEditRate"]


class TranslationEditRate(Metric):
    """Corpus translation edit rate (TER), equal to ``sacrebleu.metrics.TER`` score / 100.

    See :func:`calipers.functional.text.translation_edit_rate` for the inputs and arguments. States, summed
    across processes: ``total_num_edits`` (int64) and ``total_tgt_len`` (float64: each sentence adds its average
    reference length); with ``return_sentence_level_score`` also ``sentence_ter`` (a list state, concatenated).

    Args:
        normalize: unescape a few XML entities and split punctuation off (Tercom's normalization).
        no_punctuation: remove punctuation.
        lowercase: lowercase every sentence (Tercom is case-insensitive by default).
        asian_support: with ``normalize``/``no_punctuation``, also split/remove CJK characters and punctuation.
        return_sentence_level_score: ``compute`` also returns every sentence's TER.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import TranslationEditRate
        >>> metric = TranslationEditRate()
        >>> metric.update(["the cat is on the mat"], [["there is a cat on the mat", "a cat is on the mat"]])
        >>> metric.compute()
        tensor(0.1538)
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    total_num_edits: Tensor
    total_tgt_len: Tensor
    sentence_ter: list[Tensor]

    def __init__(
        self,
        normalize: bool = False,
        no_punctuation: bool = False,
        lowercase: bool = True,
        asian_support: bool = False,
        return_sentence_level_score: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _translation_edit_rate_arg_validation(
            type(self).__name__, normalize, no_punctuation, lowercase, asian_support, return_sentence_level_score
        )
        self.normalize = normalize
        self.no_punctuation = no_punctuation
        self.lowercase = lowercase
        self.asian_support = asian_support
        self.return_sentence_level_score = return_sentence_level_score
        self.add_state("total_num_edits", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("total_tgt_len", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        if return_sentence_level_score:
            self.add_state("sentence_ter", [], dist_reduce_fx="cat")

    def update(self, preds: str | Sequence[str], target: Sequence[str | Sequence[str]]) -> None:
        """Add the edits and reference lengths (and sentence scores) of a batch."""
        hyps, refs = _translation_edit_rate_tensor_validation(type(self).__name__, preds, target)
        if not hyps:
            return
        hyp_words, ref_words = _translation_edit_rate_format(
            hyps, refs, self.normalize, self.no_punctuation, self.lowercase, self.asian_support
        )
        edits, length, scores = _translation_edit_rate_update(hyp_words, ref_words)
        self.total_num_edits += edits
        self.total_tgt_len += length
        if self.return_sentence_level_score:
            self.sentence_ter.append(torch.tensor(scores, dtype=self.dtype, device=self.device))

    def compute(self) -> Tensor | tuple[Tensor, Tensor]:
        """The corpus TER (and, with ``return_sentence_level_score``, the sentence scores in update order)."""
        value = _translation_edit_rate_compute(int(self.total_num_edits), float(self.total_tgt_len))
        result = torch.tensor(value, dtype=self.dtype, device=self.device)
        if not self.return_sentence_level_score:
            return result
        scores = self.sentence_ter
        if isinstance(scores, Tensor):
            return result, scores
        return result, (torch.cat(scores) if scores else torch.zeros(0, dtype=self.dtype, device=self.device))
