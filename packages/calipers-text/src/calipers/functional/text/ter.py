r"""Translation edit rate (Snover et al., 2006), equal to ``sacrebleu.metrics.TER`` (Tercom's algorithm).

.. math:: \text{TER} = \frac{\sum_s \min_{r} \text{edits}(h_s, r)}{\sum_s \overline{|r_s|}}

per sentence the fewest edits (shifts of word blocks, insertions, deletions, substitutions; see
:mod:`calipers.functional.text._ter_algorithm`) over its references, divided by the sum of the average reference
lengths. With no reference words the score is 1 if there are edits, else 0. The value is a fraction (SacreBLEU
reports percent). The statistics, the edits (int64) and the reference lengths (float64, since a sentence adds its
average reference length), add up across batches and processes.

Sentences are tokenized as Tercom does (SacreBLEU's ``TercomTokenizer``): lowercased unless ``lowercase=False``;
with ``normalize=True`` a few XML entities are unescaped and punctuation is split off (with ``asian_support``,
CJK characters and runs of kana too); ``no_punctuation=True`` removes ``.,?:;!"()`` (and CJK punctuation with
``asian_support``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.text._ter_algorithm import ter_edits
from calipers.functional.text._translation_inputs import _translation_inputs

__all__ = ["translation_edit_rate"]

_ASIAN_PUNCT = r"([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])"
_FULL_WIDTH_PUNCT = r"([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])"
_WESTERN_RULES: tuple[tuple[str, str], ...] = (
    (r"\n-", ""), (r"\n", " "), (r"&quot;", '"'), (r"&amp;", "&"), (r"&lt;", "<"), (r"&gt;", ">"),
)  # fmt: skip
_WESTERN_SPLIT: tuple[tuple[str, str], ...] = (
    (r"([{-~[-` -&(-+:-@/])", r" \1 "),  # ASCII punctuation and symbols except - . , ' (and digits, letters)
    (r"'s ", r" 's "),
    (r"'s$", r" 's"),
    (r"([^0-9])([\.,])", r"\1 \2 "),
    (r"([\.,])([^0-9])", r" \1 \2"),
    (r"([0-9])(-)", r"\1 \2 "),
)
_ASIAN_RULES: tuple[tuple[str, str], ...] = (
    (r"([\u4e00-\u9fff\u3400-\u4dbf])", r" \1 "),
    (r"([\u31c0-\u31ef\u2e80-\u2eff])", r" \1 "),
    (r"([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])", r" \1 "),
    (r"([\u3200-\u3f22])", r" \1 "),
    # Tercom's kana rules, kept as written (the inner ``^`` anchors make them match only at the start).
    (r"(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])", r"\1 \2 "),
    (r"(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])", r"\1 \2 "),
    (r"(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])", r"\1 \2 "),
    (_ASIAN_PUNCT, r" \1 "),
    (_FULL_WIDTH_PUNCT, r" \1 "),
)
_PUNCT = r"[\.,\?:;!\"\(\)]"


@functools.cache
def _compiled(rules: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The rules' patterns compiled, on first use (keeps ``import calipers.text`` fast)."""
    return tuple((re.compile(pattern), repl) for pattern, repl in rules)


def _apply(rules: tuple[tuple[str, str], ...], sentence: str) -> str:
    for pattern, repl in _compiled(rules):
        sentence = pattern.sub(repl, sentence)
    return sentence


@functools.lru_cache(maxsize=2**16)
def _tercom_words(sentence: str, normalize: bool, no_punctuation: bool, lowercase: bool, asian: bool) -> list[str]:
    """Tercom's tokenization of one sentence (right-stripped first, as SacreBLEU does), as a list of words."""
    sentence = sentence.rstrip()
    if not sentence:
        return []
    if lowercase:
        sentence = sentence.lower()
    if normalize:
        sentence = _apply(_WESTERN_SPLIT, f" {_apply(_WESTERN_RULES, sentence)} ")
        if asian:
            sentence = _apply(_ASIAN_RULES, sentence)
    if no_punctuation:
        sentence = _apply(((_PUNCT, ""),), sentence)
        if asian:
            sentence = _apply(((_ASIAN_PUNCT, ""), (_FULL_WIDTH_PUNCT, "")), sentence)
    return sentence.split()


def _translation_edit_rate_arg_validation(
    name: str, normalize: Any, no_punctuation: Any, lowercase: Any, asian_support: Any,
    return_sentence_level_score: Any,
) -> None:  # fmt: skip
    """Check the five flags."""
    check_flag(name, "normalize", normalize)
    check_flag(name, "no_punctuation", no_punctuation)
    check_flag(name, "lowercase", lowercase)
    check_flag(name, "asian_support", asian_support)
    check_flag(name, "return_sentence_level_score", return_sentence_level_score)


def _translation_edit_rate_tensor_validation(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """Check the strings and their counts; return ``(hypotheses, references per hypothesis)``."""
    return _translation_inputs(name, preds, target)


def _translation_edit_rate_format(
    preds: list[str], target: list[list[str]], normalize: bool, no_punctuation: bool, lowercase: bool, asian: bool
) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Tokenize every sentence as Tercom does."""
    options = (normalize, no_punctuation, lowercase, asian)
    return [_tercom_words(p, *options) for p in preds], [[_tercom_words(r, *options) for r in refs] for refs in target]


def _sentence_ter(edits: float, ref_length: float) -> float:
    if ref_length > 0:
        return edits / ref_length
    return 1.0 if edits > 0 else 0.0


def _translation_edit_rate_update(
    preds: list[list[str]], target: list[list[list[str]]]
) -> tuple[int, float, list[float]]:
    """``(edits, reference length, sentence scores)`` of a batch; the first two are reduced by sum."""
    total_edits, total_length = 0, 0.0
    scores: list[float] = []
    for hyp, refs in zip(preds, target):
        edits = min(ter_edits(hyp, ref) for ref in refs)
        length = sum(len(ref) for ref in refs) / len(refs)
        total_edits += edits
        total_length += length
        scores.append(_sentence_ter(edits, length))
    return total_edits, total_length, scores


def _translation_edit_rate_compute(edits: int | float, ref_length: float) -> float:
    """The corpus TER from the summed statistics (0 for an empty corpus)."""
    return _sentence_ter(edits, ref_length)


def translation_edit_rate(
    preds: str | Sequence[str],
    target: Sequence[str | Sequence[str]],
    normalize: bool = False,
    no_punctuation: bool = False,
    lowercase: bool = True,
    asian_support: bool = False,
    return_sentence_level_score: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Corpus translation edit rate (TER), as SacreBLEU/Tercom compute it.

    Args:
        preds: the hypotheses: a string or a sequence of strings.
        target: per hypothesis, its reference (a string) or references (a sequence of strings).
        normalize: unescape a few XML entities and split punctuation off (Tercom's normalization).
        no_punctuation: remove punctuation.
        lowercase: lowercase every sentence (Tercom is case-insensitive by default).
        asian_support: with ``normalize``/``no_punctuation``, also split/remove CJK characters and punctuation.
        return_sentence_level_score: also return every sentence's TER.

    Returns:
        A float32 scalar (0 for an empty corpus); with ``return_sentence_level_score`` also a float32 tensor of
        shape ``(N,)`` with the sentence scores.

    Raises:
        TypeError: for non-string hypotheses or references, or flags that are not bools.
        ValueError: for different numbers of hypotheses and reference entries, or a hypothesis without references.

    Example:
        >>> from calipers.functional.text import translation_edit_rate
        >>> preds = ["the cat is on the mat"]
        >>> target = [["there is a cat on the mat", "a cat is on the mat"]]
        >>> translation_edit_rate(preds, target)
        tensor(0.1538)
    """
    name = "translation_edit_rate"
    _translation_edit_rate_arg_validation(
        name, normalize, no_punctuation, lowercase, asian_support, return_sentence_level_score
    )
    hyps, refs = _translation_edit_rate_tensor_validation(name, preds, target)
    hyp_words, ref_words = _translation_edit_rate_format(
        hyps, refs, normalize, no_punctuation, lowercase, asian_support
    )
    edits, length, scores = _translation_edit_rate_update(hyp_words, ref_words)
    value = torch.tensor(_translation_edit_rate_compute(edits, length), dtype=torch.float32)
    if return_sentence_level_score:
        return value, torch.tensor(scores, dtype=torch.float32)
    return value
