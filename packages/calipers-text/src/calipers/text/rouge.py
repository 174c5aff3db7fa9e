"""`ROUGEScore`: ROUGE-N/L/Lsum precision, recall and F averaged over the hypotheses seen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers.functional.text.rouge import (
    _rouge_score_arg_validation,
    _rouge_score_compute,
    _rouge_score_format,
    _rouge_score_tensor_validation,
    _rouge_score_update,
)
from calipers.metric import Metric

__all__ = ["ROUGEScore"]


class ROUGEScore(Metric):
    """ROUGE precision, recall and F-measure per key, averaged over the hypotheses (equal to ``rouge-score``).

    See :func:`calipers.functional.text.rouge_score` for the inputs and arguments. States, summed across
    processes: ``sums`` (float64, one row per key: the sums of F, P and R over hypotheses) and ``total`` (int64,
    the number of hypotheses).

    Args:
        use_stemmer: stem tokens longer than 3 characters with NLTK's Porter stemmer (needs ``nltk``; no data).
        normalizer: replaces the default ``lower`` + non-alphanumeric-to-space normalization.
        tokenizer: replaces the default whitespace split.
        accumulate: with several references, ``"best"`` (the reference of the highest F, per key) or ``"avg"``.
        rouge_keys: a key or a tuple of keys among ``rouge1`` .. ``rouge9``, ``rougeL``, ``rougeLsum``.
        sentence_splitter: how ``rougeLsum`` splits sentences: ``"newline"`` (default), ``"nltk"`` or a callable;
            keyword-only, calipers'.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import ROUGEScore
        >>> metric = ROUGEScore(rouge_keys="rouge1")
        >>> metric.update(["My name is John"], ["Is your name John"])
        >>> metric.compute()
        {'rouge1_fmeasure': tensor(0.7500), 'rouge1_precision': tensor(0.7500), 'rouge1_recall': tensor(0.7500)}
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    sums: Tensor
    total: Tensor

    def __init__(
        self,
        use_stemmer: bool = False,
        normalizer: Callable[[str], str] | None = None,
        tokenizer: Callable[[str], Sequence[str]] | None = None,
        accumulate: Literal["avg", "best"] = "best",
        rouge_keys: str | tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum"),
        *,
        sentence_splitter: Callable[[str], Sequence[str]] | Literal["newline", "nltk"] = "newline",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rouge_keys, self._tokenize, self._split = _rouge_score_arg_validation(
            type(self).__name__, accumulate, use_stemmer, normalizer, tokenizer, rouge_keys, sentence_splitter
        )
        self.use_stemmer = use_stemmer
        self.normalizer = normalizer
        self.tokenizer = tokenizer
        self.accumulate = accumulate
        self.sentence_splitter = sentence_splitter
        self.add_state("sums", torch.zeros(len(self.rouge_keys), 3, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    def update(self, preds: str | Sequence[str], target: str | Sequence[str] | Sequence[Sequence[str]]) -> None:
        """Add the per-key scores of a batch of hypotheses and their references."""
        hyps, refs = _rouge_score_tensor_validation(type(self).__name__, preds, target)
        if not hyps:
            return
        hyp_texts, ref_texts = _rouge_score_format(hyps, refs, self._tokenize, self._split)
        sums, count = _rouge_score_update(hyp_texts, ref_texts, self.rouge_keys, self.accumulate)
        self.sums += torch.tensor(sums, dtype=self.sums.dtype, device=self.device)
        self.total += count

    def compute(self) -> dict[str, Tensor]:
        """The mean F, P and R per key over every hypothesis seen (NaN before any)."""
        return _rouge_score_compute(self.sums, self.total, self.rouge_keys, self.dtype)
