"""Inputs of the translation metrics (BLEU, SacreBLEU, chrF, TER): hypotheses and their references.

``preds`` is a string (one hypothesis) or a sequence of strings; ``target`` holds one entry per hypothesis, each
a string (one reference) or a non-empty sequence of strings (several references). Everything is checked before
any state changes: non-string items raise ``TypeError``, a count mismatch or a hypothesis without references
``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["_translation_inputs"]


def _type_text(value: Any) -> str:
    return type(value).__name__


def _check_strings(name: str, arg: str, items: Sequence[Any], expectation: str, where: str = "") -> None:
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(
                f"{name}: `{arg}` must be {expectation}, got an item of type {_type_text(item)} at {where}{i}."
            )


def _translation_inputs(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """``(hypotheses, references per hypothesis)`` as lists, after checking types and counts.

    Raises:
        TypeError: if ``preds`` is not a string or a sequence of strings, or ``target`` not a sequence whose items
            are strings or sequences of strings.
        ValueError: if ``preds`` and ``target`` hold different numbers of entries, or an entry of ``target`` holds
            no reference.
    """
    if isinstance(preds, str):
        hyps = [preds]
    elif isinstance(preds, Sequence):
        hyps = list(preds)
        _check_strings(name, "preds", hyps, "a string or a sequence of strings", "position ")
    else:
        raise TypeError(f"{name}: `preds` must be a string or a sequence of strings, got {_type_text(preds)}.")
    expectation = "a sequence of strings or of sequences of strings"
    if isinstance(target, str) or not isinstance(target, Sequence):
        raise TypeError(f"{name}: `target` must be {expectation}, got {_type_text(target)}.")
    refs: list[list[str]] = []
    for i, entry in enumerate(target):
        if isinstance(entry, str):
            refs.append([entry])
        elif isinstance(entry, Sequence):
            entry = list(entry)
            _check_strings(name, "target", entry, expectation, f"position {i}, ")
            if not entry:
                raise ValueError(f"{name}: `target` must hold at least one reference per hypothesis, got none at {i}.")
            refs.append(entry)
        else:
            raise TypeError(f"{name}: `target` must be {expectation}, got an item of type {_type_text(entry)} at {i}.")
    if len(hyps) != len(refs):
        raise ValueError(
            f"{name}: `preds` and `target` must hold the same number of entries, got {len(hyps)} and {len(refs)}."
        )
    return hyps, refs
