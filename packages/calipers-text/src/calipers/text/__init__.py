"""Text metrics for calipers."""

from __future__ import annotations

from calipers.text.bleu import BLEUScore
from calipers.text.chrf import CHRFScore
from calipers.text.edit_distance import EditDistance
from calipers.text.eed import ExtendedEditDistance
from calipers.text.error_rate import CharErrorRate, WordErrorRate
from calipers.text.perplexity import Perplexity
from calipers.text.rouge import ROUGEScore
from calipers.text.sacre_bleu import SacreBLEUScore
from calipers.text.squad import SQuAD
from calipers.text.ter import TranslationEditRate
from calipers.text.word_alignment import MatchErrorRate, WordInfoLost, WordInfoPreserved

__all__ = [
    "BLEUScore",
    "CHRFScore",
    "CharErrorRate",
    "EditDistance",
    "ExtendedEditDistance",
    "MatchErrorRate",
    "Perplexity",
    "ROUGEScore",
    "SQuAD",
    "SacreBLEUScore",
    "TranslationEditRate",
    "WordErrorRate",
    "WordInfoLost",
    "WordInfoPreserved",
]
