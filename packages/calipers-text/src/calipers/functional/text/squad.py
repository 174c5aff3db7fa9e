r"""SQuAD v1.1 exact match and F1, as the official evaluation script defines them.

Answers are normalised (lower case, punctuation removed, the articles *a*, *an*, *the* removed, whitespace
collapsed). A question's exact match is 1 when the normalised prediction equals one of its normalised ground-truth
answers; its F1 is the best, over the ground truths, of the harmonic mean of token precision and recall (tokens
counted with multiplicity; 0 when no token is shared, so also when either side normalises to nothing). The corpus
values are ``100 * sum / number of questions``; a question without a prediction scores 0 (with a warning) and
predictions of unknown questions are ignored. States: the float64 sum of F1, the int64 count of exact matches and
the int64 number of questions, summed across batches and processes.
"""

from __future__ import annotations

import re
import string
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.exceptions import CalipersUserWarning

__all__ = ["squad"]

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PRED_KEYS = ("id", "prediction_text")
_TARGET_KEYS = ("answers", "id")


def _normalize_answer(text: str) -> str:
    """The official normalisation: lower, drop punctuation, drop articles, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _items(name: str, arg: str, value: Any, keys: tuple[str, ...]) -> list[Mapping[str, Any]]:
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise TypeError(f"{name}: `{arg}` must be a dict or a sequence of dicts, got {type(value).__name__}.")
    for pos, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(
                f"{name}: `{arg}` must be a dict or a sequence of dicts, got {type(item).__name__} at position {pos}."
            )
        if any(k not in item for k in keys):
            raise ValueError(
                f"{name}: `{arg}` items must hold the keys {list(keys)}, got keys {sorted(map(str, item))} at "
                f"position {pos}."
            )
    return list(items)


def _squad_tensor_validation(name: str, preds: Any, target: Any) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    """Predictions as ``{id: text}`` and questions as ``[(id, [answer, ...])]``, checked.

    Raises ``TypeError`` for non-dict items or non-string texts and ``ValueError`` for missing keys or a question
    without any ground-truth answer.
    """
    pred_items = _items(name, "preds", preds, _PRED_KEYS)
    target_items = _items(name, "target", target, _TARGET_KEYS)
    predictions: dict[str, str] = {}
    for pos, item in enumerate(pred_items):
        text = item["prediction_text"]
        if not isinstance(text, str):
            raise TypeError(
                f"{name}: `preds` 'prediction_text' must be a string, got {type(text).__name__} at position {pos}."
            )
        predictions[item["id"]] = text
    questions: list[tuple[str, list[str]]] = []
    for pos, item in enumerate(target_items):
        answers = item["answers"]
        texts = answers.get("text") if isinstance(answers, Mapping) else None
        if not isinstance(texts, Sequence) or isinstance(texts, str) or not texts:
            raise ValueError(
                f"{name}: `target` 'answers' must be a dict whose 'text' is a non-empty list of strings, got "
                f"{answers!r} at position {pos}."
            )
        if not all(isinstance(t, str) for t in texts):
            raise TypeError(f"{name}: `target` answer texts must be strings, got {texts!r} at position {pos}.")
        questions.append((item["id"], list(texts)))
    return predictions, questions


def _f1(pred_tokens: list[str], truth_tokens: list[str]) -> float:
    same = sum((Counter(pred_tokens) & Counter(truth_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def _squad_update(
    name: str, predictions: dict[str, str], questions: list[tuple[str, list[str]]]
) -> tuple[float, int, int]:
    """Summed F1, number of exact matches and number of questions; warns about unanswered questions."""
    f1_sum, exact, missing = 0.0, 0, []
    for qid, answers in questions:
        if qid not in predictions:
            missing.append(qid)
            continue
        pred = _normalize_answer(predictions[qid])
        truths = [_normalize_answer(a) for a in answers]
        exact += any(pred == t for t in truths)
        pred_tokens = pred.split()
        f1_sum += max(_f1(pred_tokens, t.split()) for t in truths)
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (", ..." if len(missing) > 5 else "")
        warnings.warn(
            f"{name}: {len(missing)} question(s) of `target` have no prediction ({shown}); they score 0.",
            CalipersUserWarning,
            stacklevel=3,
        )
    return f1_sum, exact, len(questions)


def _squad_compute(
    f1: Tensor, exact_match: Tensor, total: Tensor, dtype: torch.dtype | None = None
) -> dict[str, Tensor]:
    """``{"exact_match": 100 * EM / N, "f1": 100 * F1 / N}``; NaN without a question."""
    dtype = dtype or torch.get_default_dtype()
    n = total.double()
    return {
        "exact_match": (100.0 * exact_match.double() / n).to(dtype),
        "f1": (100.0 * f1.double() / n).to(dtype),
    }


def squad(preds: Mapping[str, Any] | Sequence[Mapping[str, Any]], target: Any) -> dict[str, Tensor]:
    """SQuAD v1.1 exact match and F1 (percent) of predicted answers.

    Args:
        preds: a dict or a sequence of dicts ``{"prediction_text": str, "id": str}``.
        target: a dict or a sequence of dicts in the SQuAD format, at least
            ``{"answers": {"text": [str, ...]}, "id": str}`` (other keys such as ``"answer_start"`` are ignored).

    Returns:
        ``{"exact_match": tensor, "f1": tensor}``, both in percent; NaN without a question.

    Raises:
        TypeError: if an item is not a dict or a text is not a string.
        ValueError: if an item misses a key or a question has no ground-truth answer.

    Example:
        >>> from calipers.functional.text import squad
        >>> preds = [{"prediction_text": "in 1976", "id": "q1"}, {"prediction_text": "Paris", "id": "q2"}]
        >>> target = [{"answers": {"text": ["1976"]}, "id": "q1"}, {"answers": {"text": ["paris", "Lyon"]}, "id": "q2"}]
        >>> squad(preds, target)
        {'exact_match': tensor(50.), 'f1': tensor(83.3333)}
    """
    name = "squad"
    predictions, questions = _squad_tensor_validation(name, preds, target)
    f1, exact, total = _squad_update(name, predictions, questions)
    return _squad_compute(torch.tensor(f1, dtype=torch.float64), torch.tensor(exact), torch.tensor(total))
