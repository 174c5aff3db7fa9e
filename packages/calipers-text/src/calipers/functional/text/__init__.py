"""Functional text metrics for calipers."""

from __future__ import annotations

from calipers.exceptions import ExtraNotInstalledError as ExtraNotInstalledError
from calipers.functional.text.bleu import bleu_score
from calipers.functional.text.chrf import chrf_score
from calipers.functional.text.edit_distance import edit_distance
from calipers.functional.text.eed import extended_edit_distance
from calipers.functional.text.error_rate import char_error_rate, word_error_rate
from calipers.functional.text.perplexity import perplexity
from calipers.functional.text.rouge import rouge_score
from calipers.functional.text.sacre_bleu import sacre_bleu_score
from calipers.functional.text.squad import squad
from calipers.functional.text.ter import translation_edit_rate
from calipers.functional.text.word_alignment import (
    match_error_rate,
    word_information_lost,
    word_information_preserved,
)

__all__ = [
    "bleu_score",
    "char_error_rate",
    "chrf_score",
    "edit_distance",
    "extended_edit_distance",
    "match_error_rate",
    "perplexity",
    "rouge_score",
    "sacre_bleu_score",
    "squad",
    "translation_edit_rate",
    "word_error_rate",
    "word_information_lost",
    "word_information_preserved",
]
