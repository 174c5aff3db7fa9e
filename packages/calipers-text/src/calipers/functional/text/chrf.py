r"""chrF and chrF++ (Popović, 2015 and 2017): character (and word) n-gram F-score, equal to SacreBLEU's ``CHRF``.

For every order (character orders 1..``n_char_order``, then word orders 1..``n_word_order``) a sentence has three
counts: hypothesis n-grams, reference n-grams and matches (n-grams in common, each clipped to its smaller count).
With several references, a sentence keeps the counts of the reference that gives it the best sentence score
(the first on ties). The corpus score comes from the counts summed over sentences:

.. math:: P = \frac{1}{|E|}\sum_{n \in E} \frac{m_n}{h_n}, \quad R = \frac{1}{|E|}\sum_{n \in E} \frac{m_n}{r_n},
    \quad \text{chrF}_\beta = \frac{(1 + \beta^2) P R}{\beta^2 P + R}

where :math:`E` holds the orders with :math:`h_n > 0` and :math:`r_n > 0` (SacreBLEU's default "effective order").
``eps_smoothing=True`` instead averages the per-order F-scores, with a tiny :math:`\epsilon` for undefined
orders (the original chrF++.py; SacreBLEU's ``eps_smoothing=True``).

Words for the word orders are whitespace tokens with one punctuation character split off the end (or else the
start) of each token longer than one character. Character n-grams ignore whitespace unless ``whitespace=True``.
Counts are int64 states, so the corpus score is exact across batches and processes; sentence scores (when asked
for) are the only list state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from operator import add
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_flag, check_float, check_int
from calipers.functional.text._translation_inputs import _translation_inputs

__all__ = ["chrf_score"]

_EPS = 1e-16
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
Stats = list[int]  # [h_1, r_1, m_1, h_2, r_2, m_2, ...] over the character orders, then the word orders


def _chrf_score_arg_validation(
    name: str, n_char_order: Any, n_word_order: Any, beta: Any, lowercase: Any, whitespace: Any,
    return_sentence_level_score: Any, eps_smoothing: Any,
) -> float:  # fmt: skip
    """Check the orders (``n_char_order >= 1``, ``n_word_order >= 0``), ``beta >= 0`` and the flags; return beta."""
    check_int(name, "n_char_order", n_char_order, 1)
    check_int(name, "n_word_order", n_word_order, 0)
    value = check_float(name, "beta", beta, 0.0)
    check_flag(name, "lowercase", lowercase)
    check_flag(name, "whitespace", whitespace)
    check_flag(name, "return_sentence_level_score", return_sentence_level_score)
    check_flag(name, "eps_smoothing", eps_smoothing)
    assert value is not None
    return value


def _chrf_score_tensor_validation(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """Check the strings and their counts; return ``(hypotheses, references per hypothesis)``."""
    return _translation_inputs(name, preds, target)


def _words(line: str) -> list[str]:
    out: list[str] = []
    for word in line.split():
        if len(word) == 1:
            out.append(word)
        elif word[-1] in _PUNCTUATION:
            out += (word[:-1], word[-1])
        elif word[0] in _PUNCTUATION:
            out += (word[0], word[1:])
        else:
            out.append(word)
    return out


def _chrf_score_format(
    preds: list[str], target: list[list[str]], n_char_order: int, n_word_order: int, lowercase: bool, whitespace: bool
) -> tuple[list[list[Counter[Any]]], list[list[list[Counter[Any]]]]]:
    """The n-gram counters of every sentence: per hypothesis (and per reference) one counter per order."""

    def counters(line: str) -> list[Counter[Any]]:
        if lowercase:
            line = line.lower()
        chars = line if whitespace else "".join(line.split())
        out: list[Counter[Any]] = [Counter(chars)]
        grams: Any = chars
        for n in range(2, n_char_order + 1):  # the n-grams are the (n-1)-grams plus the next character
            grams = list(map(add, grams, chars[n - 1 :]))
            out.append(Counter(grams))
        if n_word_order:
            words = _words(line)
            out.append(Counter(words))
            out += [Counter(zip(*[words[i:] for i in range(n)])) for n in range(2, n_word_order + 1)]
        return out

    return [counters(p) for p in preds], [[counters(r) for r in refs] for refs in target]


def _match_stats(hyp: list[Counter[Any]], ref: list[Counter[Any]]) -> Stats:
    """``[h, r, m]`` per order; as SacreBLEU, an order the reference lacks counts no hypothesis n-gram."""
    stats: Stats = []
    for h, r in zip(hyp, ref):
        common = h.keys() & r.keys()  # the loop over shared n-grams runs in C (map/min over dict lookups)
        matches = sum(map(min, map(h.__getitem__, common), map(r.__getitem__, common)))
        stats += (h.total() if r else 0, r.total(), matches)
    return stats


def _f_score(stats: Sequence[int], beta: float, eps_smoothing: bool) -> float:
    """The chrF score in [0, 1] of summed ``[h, r, m] * orders`` statistics (SacreBLEU's formula, as a fraction)."""
    factor = beta**2
    orders = len(stats) // 3
    if eps_smoothing:
        total = 0.0
        for i in range(orders):
            n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
            prec = n_match / n_hyp if n_hyp > 0 else _EPS
            rec = n_match / n_ref if n_ref > 0 else _EPS
            denom = factor * prec + rec
            total += (1 + factor) * prec * rec / denom if denom > 0 else _EPS
        return total / orders
    avg_prec = avg_rec = 0.0
    effective = 0
    for i in range(orders):
        n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
        if n_hyp > 0 and n_ref > 0:
            avg_prec += n_match / n_hyp
            avg_rec += n_match / n_ref
            effective += 1
    if effective == 0:
        return 0.0
    avg_prec, avg_rec = avg_prec / effective, avg_rec / effective
    if avg_prec + avg_rec == 0:
        return 0.0
    return (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)


def _chrf_score_update(
    preds: list[list[Counter[Any]]], target: list[list[list[Counter[Any]]]], beta: float, eps_smoothing: bool,
    with_sentence_scores: bool,
) -> tuple[Stats, list[float]]:  # fmt: skip
    """Summed statistics of a batch (``[h, r, m]`` per order; reduced by sum) and the sentence scores, if asked.

    A sentence with several references keeps the counts of its best-scoring one.
    """
    total: Stats = [0] * (3 * len(preds[0])) if preds else []
    sentence_scores: list[float] = []
    for hyp, refs in zip(preds, target):
        if len(refs) == 1 and not with_sentence_scores:
            best = _match_stats(hyp, refs[0])
        else:
            best, best_score = [], -1.0
            for ref in refs:
                stats = _match_stats(hyp, ref)
                score = _f_score(stats, beta, eps_smoothing)
                if score > best_score:
                    best, best_score = stats, score
            if with_sentence_scores:
                sentence_scores.append(best_score)
        total = [a + b for a, b in zip(total, best)]
    return total, sentence_scores


def _chrf_score_compute(stats: Sequence[int], beta: float, eps_smoothing: bool) -> float:
    """The corpus chrF from summed statistics (0 for an empty corpus; 1e-16 with ``eps_smoothing``)."""
    return _f_score(stats, beta, eps_smoothing)


def chrf_score(
    preds: str | Sequence[str],
    target: Sequence[str | Sequence[str]],
    n_char_order: int = 6,
    n_word_order: int = 2,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    return_sentence_level_score: bool = False,
    *,
    eps_smoothing: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Corpus chrF (``n_word_order=0``) or chrF++ (the default ``n_word_order=2``), as SacreBLEU computes it.

    Args:
        preds: the hypotheses: a string or a sequence of strings.
        target: per hypothesis, its reference (a string) or references (a sequence of strings).
        n_char_order: the largest character n-gram order (>= 1).
        n_word_order: the largest word n-gram order (>= 0; 0 is plain chrF).
        beta: the weight of recall against precision (>= 0).
        lowercase: lowercase every sentence first.
        whitespace: keep whitespace in the character n-grams.
        return_sentence_level_score: also return every sentence's score.
        eps_smoothing: average per-order F-scores instead (SacreBLEU's ``eps_smoothing=True``); keyword-only.

    Returns:
        A float32 scalar in [0, 1] (SacreBLEU's score / 100); with ``return_sentence_level_score`` also a float32
        tensor of shape ``(N,)`` with the sentence scores.

    Raises:
        TypeError: for non-string hypotheses or references, or arguments of the wrong type.
        ValueError: for different numbers of hypotheses and reference entries, a hypothesis without references,
            ``n_char_order < 1``, ``n_word_order < 0`` or ``beta < 0``.

    Example:
        >>> from calipers.functional.text import chrf_score
        >>> preds = ["the cat is on the mat"]
        >>> target = [["there is a cat on the mat", "a cat is on the mat"]]
        >>> chrf_score(preds, target)
        tensor(0.8648)
    """
    name = "chrf_score"
    beta_ = _chrf_score_arg_validation(
        name, n_char_order, n_word_order, beta, lowercase, whitespace, return_sentence_level_score, eps_smoothing
    )
    hyps, refs = _chrf_score_tensor_validation(name, preds, target)
    hyp_counts, ref_counts = _chrf_score_format(hyps, refs, n_char_order, n_word_order, lowercase, whitespace)
    stats, sentence_scores = _chrf_score_update(
        hyp_counts, ref_counts, beta_, eps_smoothing, return_sentence_level_score
    )
    stats = stats or [0] * (3 * (n_char_order + n_word_order))
    value = torch.tensor(_chrf_score_compute(stats, beta_, eps_smoothing), dtype=torch.float32)
    if return_sentence_level_score:
        return value, torch.tensor(sentence_scores, dtype=torch.float32)
    return value
