"""`SacreBLEUScore`: BLEU after SacreBLEU's tokenization, accumulated over batches."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from calipers.functional.text.bleu import _bleu_score_tensor_validation
from calipers.functional.text.sacre_bleu import (
    Tokenize,
    _sacre_bleu_score_arg_validation,
    _sacre_bleu_score_format,
)
from calipers.text.bleu import BLEUScore

__all__ = ["SacreBLEUScore"]


class SacreBLEUScore(BLEUScore):
    """Corpus BLEU after SacreBLEU's tokenization, equal to ``sacrebleu.corpus_bleu(...).score / 100``.

    See :func:`calipers.functional.text.sacre_bleu_score` for the inputs and arguments; the states are
    :class:`calipers.text.BLEUScore`'s.

    Args:
        n_gram: the largest n-gram order N (>= 1).
        smooth: add one to the matches and totals of the orders 2..N (SacreBLEU's ``add-k``, ``k = 1``).
        tokenize: ``"13a"``, ``"intl"``, ``"zh"``, ``"char"`` or ``"none"``; with an optional extra:
            ``"ja-mecab"`` (``calipers-text[ja]``), ``"ko-mecab"`` (``calipers-text[ko]``), ``"flores101"`` and
            ``"flores200"`` (``calipers-text[flores]``, with ``spm_model``).
        lowercase: lowercase every sentence first.
        weights: the weight of each order, N non-negative floats summing to 1 (default: uniform).
        spm_model: keyword-only, calipers' addition: the path of the local SentencePiece model file of
            ``"flores101"``/``"flores200"`` (required there, refused elsewhere; never downloaded).
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> from calipers.text import SacreBLEUScore
        >>> metric = SacreBLEUScore(tokenize="13a")
        >>> metric.update(["the cat is on the mat."], [["there is a cat on the mat.", "a cat is on the mat."]])
        >>> metric.compute()
        tensor(0.8091)
    """

    def __init__(
        self,
        n_gram: int = 4,
        smooth: bool = False,
        tokenize: Tokenize = "13a",
        lowercase: bool = False,
        weights: Sequence[float] | None = None,
        *,
        spm_model: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        name = type(self).__name__
        _, self._tokenizer = _sacre_bleu_score_arg_validation(
            name, n_gram, smooth, tokenize, lowercase, weights, spm_model
        )
        super().__init__(n_gram, smooth, weights, **kwargs)
        self.tokenize = tokenize
        self.lowercase = lowercase
        self.spm_model = spm_model

    def _tokenized(
        self, preds: Sequence[str], target: Sequence[str | Sequence[str]]
    ) -> tuple[list[list[str]], list[list[list[str]]]]:
        hyps, refs = _bleu_score_tensor_validation(type(self).__name__, preds, target)
        return _sacre_bleu_score_format(hyps, refs, self._tokenizer, self.lowercase)
