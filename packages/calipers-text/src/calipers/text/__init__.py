"""Text metrics for calipers."""

from __future__ import annotations

from calipers.text.edit_distance import EditDistance
from calipers.text.error_rate import CharErrorRate, WordErrorRate
from calipers.text.word_alignment import MatchErrorRate, WordInfoLost, WordInfoPreserved

__all__ = [
    "CharErrorRate",
    "EditDistance",
    "MatchErrorRate",
    "WordErrorRate",
    "WordInfoLost",
    "WordInfoPreserved",
]
