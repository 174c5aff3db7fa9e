"""Input checks shared by the text families: strings in, paired one to one."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from calipers._checks import check_same_length, check_strings

__all__ = ["_levenshtein", "_text_pairs_validation"]


def _levenshtein() -> ModuleType:
    """``rapidfuzz.distance.Levenshtein``, imported on first use (keeps ``import calipers.text`` light)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein


def _text_pairs_validation(name: str, preds: Any, target: Any) -> tuple[list[str], list[str]]:
    """``preds`` and ``target`` as two lists of strings of the same length (a single string is one item).

    Raises ``TypeError`` for anything that is not a string or a sequence of strings, and ``ValueError`` naming both
    lengths when they differ (never a silent truncation).
    """
    preds_list = check_strings(name, "preds", preds)
    target_list = check_strings(name, "target", target)
    check_same_length(name, preds_list, target_list)
    return preds_list, target_list
