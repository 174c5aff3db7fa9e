r"""Word and character error rates: edit operations over the number of reference tokens.

.. math:: \text{WER} = \frac{S + D + I}{N_\text{ref}}

``S + D + I`` is the Levenshtein distance between the tokens of a prediction and of its reference (words from
``str.split()``, or characters), summed over every pair; ``N_ref`` the number of reference tokens. Both are exact
int64 counts that add up across batches and processes. The distances come from ``rapidfuzz`` (compiled).

Empty references follow jiwer: a pair whose reference is empty adds its prediction's tokens as insertions and
nothing to ``N_ref``; when no reference token was seen at all, the value is the number of insertions itself
(0 when nothing was predicted either) rather than a division by zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from calipers.functional.text._inputs import _levenshtein, _text_pairs_validation

__all__ = ["char_error_rate", "word_error_rate"]


def _word_error_rate_update(preds: list[str], target: list[str]) -> tuple[int, int]:
    """Summed word-level edit distance and number of reference words (validated, paired inputs)."""
    distance = _levenshtein().distance
    errors = total = 0
    for pred, ref in zip(preds, target):
        ref_words = ref.split()
        errors += distance(pred.split(), ref_words)
        total += len(ref_words)
    return errors, total


def _char_error_rate_update(preds: list[str], target: list[str]) -> tuple[int, int]:
    """Summed character-level edit distance and number of reference characters (spaces included, no stripping)."""
    distance = _levenshtein().distance
    errors = sum(distance(pred, ref) for pred, ref in zip(preds, target))
    return errors, sum(map(len, target))


def _error_rate_compute(errors: Tensor, total: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """``errors / total``; with no reference token, ``errors`` itself (jiwer's rule for empty references)."""
    dtype = dtype or torch.get_default_dtype()
    return (errors.double() / total.clamp(min=1).double()).to(dtype)


def word_error_rate(preds: str | Sequence[str], target: str | Sequence[str]) -> Tensor:
    """Word error rate: word-level edit operations per reference word (lower is better).

    Args:
        preds: transcription(s) to score, a string or a sequence of strings (words split on whitespace).
        target: the reference(s), one per prediction.

    Returns:
        A scalar in the default float dtype. When the references hold no word at all, the number of inserted
        words (jiwer's rule), so an empty input gives 0.

    Raises:
        TypeError: if ``preds`` or ``target`` is not a string or a sequence of strings.
        ValueError: if they hold different numbers of items.

    Example:
        >>> from calipers.functional.text import word_error_rate
        >>> word_error_rate(["this is the prediction", "there is an other sample"],
        ...                 ["this is the reference", "there is another one"])
        tensor(0.5000)
    """
    preds, target = _text_pairs_validation("word_error_rate", preds, target)
    errors, total = _word_error_rate_update(preds, target)
    return _error_rate_compute(torch.tensor(errors), torch.tensor(total))


def char_error_rate(preds: str | Sequence[str], target: str | Sequence[str]) -> Tensor:
    """Character error rate: character-level edit operations per reference character (lower is better).

    Every character counts, spaces included; strings are not stripped (TorchMetrics' convention; jiwer strips).

    Args:
        preds: transcription(s) to score, a string or a sequence of strings.
        target: the reference(s), one per prediction.

    Returns:
        A scalar in the default float dtype; with only empty references, the number of inserted characters.

    Raises:
        TypeError: if ``preds`` or ``target`` is not a string or a sequence of strings.
        ValueError: if they hold different numbers of items.

    Example:
        >>> from calipers.functional.text import char_error_rate
        >>> char_error_rate(["this is the prediction", "there is an other sample"],
        ...                 ["this is the reference", "there is another one"])
        tensor(0.3415)
    """
    preds, target = _text_pairs_validation("char_error_rate", preds, target)
    errors, total = _char_error_rate_update(preds, target)
    return _error_rate_compute(torch.tensor(errors), torch.tensor(total))
