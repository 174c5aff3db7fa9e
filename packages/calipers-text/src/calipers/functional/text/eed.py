r"""Extended edit distance (EED, Stanchev, Wang and Ney, WMT 2019): a character edit distance with jumps.

Each hypothesis is scored against each of its references (the lowest score wins) by the programme described in
:mod:`calipers.functional.text._eed_kernel`: character insertions and substitutions cost ``insertion`` and 1,
deletions ``deletion``, a jump after a reference blank ``alpha``, and ``rho`` per uncovered or repeatedly visited
hypothesis position; the score is clipped to 1. The corpus value is the mean of the sentence scores; the states are
their float64 sum and the int64 number of sentences (plus every sentence score when asked for).

Text is first prepared as the authors' tool does: ``"en"`` adds a blank before ``.``, ``!``, ``?`` and ``,``,
collapses whitespace, keeps decimal numbers, titles (``Mr.``, ``Dr.``...) and ``e.g.``/``i.e.``/``U.S.`` together
and pads the sentence with one blank on each side; ``"ja"`` applies NFKC normalisation. Trailing whitespace is
dropped in both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_choice, check_flag, check_float, check_same_length, check_strings
from calipers.functional.text._eed_kernel import eed_scores

__all__ = ["extended_edit_distance"]

_LANGUAGES = ("en", "ja")
_PUNCTUATION_BLANK = ((".", " ."), ("!", " !"), ("?", " ?"), (",", " ,"))
_EN_RULES = (
    (re.compile(r"\s+"), " "),
    (re.compile(r"(\d) ([.,]) (\d)"), r"\1\2\3"),
    (re.compile(r"(Dr|Jr|Prof|Rev|Gen|Mr|Mt|Mrs|Ms) ."), r"\1."),
)
_ABBREVIATIONS = (("e . g .", "e.g."), ("i . e .", "i.e."), ("U . S .", "U.S."))


def _prepare_en(sentence: str) -> str:
    sentence = sentence.rstrip()
    for mark, spaced in _PUNCTUATION_BLANK:
        sentence = sentence.replace(mark, spaced)
    for pattern, replacement in _EN_RULES:
        sentence = pattern.sub(replacement, sentence)
    for spaced, joined in _ABBREVIATIONS:
        sentence = sentence.replace(spaced, joined)
    return f" {sentence} "


def _prepare_ja(sentence: str) -> str:
    return unicodedata.normalize("NFKC", sentence.rstrip())


def _eed_arg_validation(
    name: str, language: Any, return_sentence_level_score: Any, alpha: Any, rho: Any, deletion: Any, insertion: Any
) -> None:
    """``language`` ``"en"`` or ``"ja"``; a bool flag; the four costs real numbers >= 0."""
    check_choice(name, "language", language, _LANGUAGES)
    check_flag(name, "return_sentence_level_score", return_sentence_level_score)
    for arg, value in (("alpha", alpha), ("rho", rho), ("deletion", deletion), ("insertion", insertion)):
        check_float(name, arg, value, 0.0)


def _eed_format(name: str, preds: Any, target: Any, language: str) -> tuple[list[str], list[list[str]]]:
    """Prepared hypotheses and, for each, its prepared references.

    ``target`` holds one entry per hypothesis: a string or a sequence of strings (several references). A flat
    sequence of strings next to a single hypothesis is that hypothesis' references (TorchMetrics' rule). A
    hypothesis without any reference raises ``ValueError`` (as in BLEU, chrF and TER).
    """
    hyps = check_strings(name, "preds", preds)
    if isinstance(target, str):
        target = [target]
    if not isinstance(target, Sequence):
        raise TypeError(
            f"{name}: `target` must be a sequence of strings or of sequences of strings, got {type(target).__name__}."
        )
    if all(isinstance(t, str) for t in target):
        refs = [list(target)] if len(hyps) == 1 else [[t] for t in target]
    else:
        refs = [check_strings(name, f"target[{pos}]", t) for pos, t in enumerate(target)]
    check_same_length(name, hyps, refs)
    for pos, group in enumerate(refs):
        if not group:  # the lowest score over no reference would be inf, and so would the corpus mean
            raise ValueError(f"{name}: `target` must hold at least one reference per hypothesis, got none at {pos}.")
    prepare = _prepare_en if language == "en" else _prepare_ja
    return [prepare(h) for h in hyps], [[prepare(r) for r in group] for group in refs]


def _eed_update(
    hyps: list[str], refs: list[list[str]], alpha: float, rho: float, deletion: float, insertion: float
) -> Tensor:
    """The float64 score of every hypothesis: the lowest EED over its references."""
    flat_hyps = [h for h, group in zip(hyps, refs) for _ in group]
    flat_refs = [r for group in refs for r in group]
    scores = eed_scores(flat_hyps, flat_refs, alpha, rho, deletion, insertion)
    best = torch.full((len(hyps),), float("inf"), dtype=torch.float64)
    owner = torch.repeat_interleave(torch.arange(len(hyps)), torch.tensor([len(g) for g in refs], dtype=torch.long))
    return best.scatter_reduce_(0, owner, scores, reduce="amin")


def _eed_compute(total: Tensor, count: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """The mean sentence score; 0 without a sentence (TorchMetrics' convention)."""
    return (total.double() / count.clamp(min=1).double()).to(dtype or torch.get_default_dtype())


def extended_edit_distance(
    preds: str | Sequence[str],
    target: Sequence[str | Sequence[str]],
    language: Literal["en", "ja"] = "en",
    return_sentence_level_score: bool = False,
    alpha: float = 2.0,
    rho: float = 0.3,
    deletion: float = 0.2,
    insertion: float = 1.0,
) -> Tensor | tuple[Tensor, Tensor]:
    """Extended edit distance of hypotheses against their references (lower is better).

    Args:
        preds: the hypotheses, a string or a sequence of strings.
        target: the references: for each hypothesis a string or a sequence of strings.
        language: ``"en"`` or ``"ja"``, which preparation of the text to apply.
        return_sentence_level_score: also return the score of every hypothesis.
        alpha: the cost of a jump.
        rho: the coverage cost, per hypothesis position not visited or visited more than once.
        deletion: the cost of a deleted character.
        insertion: the cost of an inserted character.

    Returns:
        The mean sentence score (0 without a hypothesis), and with ``return_sentence_level_score`` a tuple of it and
        the ``(N,)`` sentence scores, in the default float dtype.

    Raises:
        TypeError: if an input is not a string or a sequence of strings, a cost not a real number or the flag not a
            bool.
        ValueError: if the numbers of hypotheses and references differ, a hypothesis has no reference, a cost is
            negative or ``language`` unknown.

    Example:
        >>> from calipers.functional.text import extended_edit_distance
        >>> extended_edit_distance(["this is the prediction", "here is an other sample"],
        ...                        ["this is the reference", "here is another one"])
        tensor(0.3078)
    """
    name = "extended_edit_distance"
    _eed_arg_validation(name, language, return_sentence_level_score, alpha, rho, deletion, insertion)
    hyps, refs = _eed_format(name, preds, target, language)
    scores = _eed_update(hyps, refs, float(alpha), float(rho), float(deletion), float(insertion))
    average = _eed_compute(scores.sum(), torch.tensor(scores.numel()))
    if return_sentence_level_score:
        return average, scores.to(torch.get_default_dtype())
    return average
