"""SacreBLEU (Post, 2018): BLEU on text tokenized the standard way, equal to ``sacrebleu.corpus_bleu``.

Each sentence is lowercased (``lowercase=True``), stripped on the right and tokenized with one of SacreBLEU's
tokenizers (see :mod:`calipers.functional.text._tokenizers`); the statistics and the score are BLEU's
(:mod:`calipers.functional.text.bleu`). ``smooth=False`` is SacreBLEU's ``smooth_method="none"``,
``smooth=True`` its ``"add-k"`` with ``k = 1``; the value is a fraction in [0, 1] (SacreBLEU reports percent).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.text._tokenizers import get_tokenizer
from calipers.functional.text.bleu import (
    _bleu_score_arg_validation,
    _bleu_score_tensor_validation,
    _bleu_score_update,
    _bleu_value,
)

__all__ = ["sacre_bleu_score"]

Tokenize = Literal["none", "13a", "zh", "intl", "char", "ja-mecab", "ko-mecab", "flores101", "flores200"]


def _sacre_bleu_score_arg_validation(
    name: str, n_gram: Any, smooth: Any, tokenize: Any, lowercase: Any, weights: Any, spm_model: Any = None
) -> tuple[list[float], Callable[[str], str]]:
    """BLEU's checks plus ``tokenize``, ``lowercase`` and ``spm_model``; return the weights and the tokenizer."""
    weights_ = _bleu_score_arg_validation(name, n_gram, smooth, weights)
    check_flag(name, "lowercase", lowercase)
    return weights_, get_tokenizer(name, tokenize, spm_model)


def _sacre_bleu_score_format(
    preds: list[str], target: list[list[str]], tokenizer: Callable[[str], str], lowercase: bool
) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Lowercase (optionally), strip on the right, tokenize and split every sentence."""

    def words(line: str) -> list[str]:
        return tokenizer((line.lower() if lowercase else line).rstrip()).split()

    return [words(p) for p in preds], [[words(r) for r in refs] for refs in target]


def sacre_bleu_score(
    preds: Sequence[str],
    target: Sequence[Sequence[str]],
    n_gram: int = 4,
    smooth: bool = False,
    tokenize: Tokenize = "13a",
    lowercase: bool = False,
    weights: Sequence[float] | None = None,
    *,
    spm_model: str | os.PathLike[str] | None = None,
) -> Tensor:
    """Corpus BLEU after SacreBLEU's tokenization.

    Args:
        preds: the hypotheses: a string or a sequence of strings.
        target: per hypothesis, its reference (a string) or references (a sequence of strings).
        n_gram: the largest n-gram order N (>= 1).
        smooth: add one to the matches and totals of the orders 2..N (SacreBLEU's ``add-k``, ``k = 1``).
        tokenize: ``"13a"`` (WMT's standard), ``"intl"``, ``"zh"``, ``"char"`` or ``"none"``; with an optional
            extra: ``"ja-mecab"`` (``calipers-text[ja]``), ``"ko-mecab"`` (``calipers-text[ko]``), ``"flores101"``
            and ``"flores200"`` (``calipers-text[flores]``, with ``spm_model``).
        lowercase: lowercase every sentence first.
        weights: the weight of each order, N non-negative floats summing to 1 (default: uniform).
        spm_model: keyword-only, calipers' addition: the path of the SentencePiece model file of ``"flores101"`` /
            ``"flores200"`` (SacreBLEU's ``sacrebleu_tokenizer_spm.model`` / ``flores200sacrebleuspm``), required by
            those tokenizers and refused by the others. calipers never downloads it (TorchMetrics and SacreBLEU do).

    Returns:
        A float32 scalar in [0, 1] (``sacrebleu.corpus_bleu(...).score / 100``); 0 for an empty corpus.

    Raises:
        TypeError: for non-string hypotheses or references, or arguments of the wrong type.
        ValueError: for different numbers of hypotheses and reference entries, an unknown tokenizer,
            ``n_gram < 1``, weights of the wrong length or not summing to 1, or a missing, unreadable or refused
            ``spm_model``.
        ExtraNotInstalledError: for a model-backed tokenizer whose extra is not installed (a
            ``ModuleNotFoundError`` naming the extra).

    Example:
        >>> from calipers.functional.text import sacre_bleu_score
        >>> preds = ["the cat is on the mat"]
        >>> target = [["there is a cat on the mat", "a cat is on the mat"]]
        >>> sacre_bleu_score(preds, target)
        tensor(0.7598)
    """
    name = "sacre_bleu_score"
    weights_, tokenizer = _sacre_bleu_score_arg_validation(
        name, n_gram, smooth, tokenize, lowercase, weights, spm_model
    )
    hyps, refs = _bleu_score_tensor_validation(name, preds, target)
    hyp_tokens, ref_tokens = _sacre_bleu_score_format(hyps, refs, tokenizer, lowercase)
    stats = _bleu_score_update(hyp_tokens, ref_tokens, n_gram)
    return torch.tensor(_bleu_value(stats, n_gram, weights_, smooth), dtype=torch.float32)
