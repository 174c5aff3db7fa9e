"""Inputs of the translation metrics (BLEU, SacreBLEU, chrF, TER): hypotheses and their references.

``preds`` is a string (one hypothesis) or a sequence of strings; ``target`` holds one entry per hypothesis, each
a string (one reference) or a non-empty sequence of strings (several references); a string ``target`` is one
entry. Everything is checked before any state changes: non-string items raise ``TypeError``, a count mismatch or
a hypothesis without references ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from calipers._checks import check_same_length, check_strings

__all__ = ["_translation_inputs"]


def _translation_inputs(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """``(hypotheses, references per hypothesis)`` as lists, after checking types and counts.

    Raises:
        TypeError: if ``preds`` is not a string or a sequence of strings, or ``target`` not a string or a
            sequence whose items are strings or sequences of strings.
        ValueError: if ``preds`` and ``target`` hold different numbers of entries, or an entry of ``target`` holds
            no reference.
    """
    hyps = check_strings(name, "preds", preds)
    if isinstance(target, str):
        target = [target]
    elif not isinstance(target, Sequence) or isinstance(target, (bytes, bytearray)):
        raise TypeError(
            f"{name}: `target` must be a sequence of strings or of sequences of strings, got {type(target).__name__}."
        )
    refs = [check_strings(name, "target", entry) for entry in target]
    check_same_length(name, hyps, refs)
    for i, entry in enumerate(refs):
        if not entry:
            raise ValueError(f"{name}: `target` must hold at least one reference per hypothesis, got none at {i}.")
    return hyps, refs
