r"""BLEU (Papineni et al., 2002): the functional form and the pipeline shared with SacreBLEU and the classes.

.. math:: \text{BLEU} = \text{BP} \cdot \exp\Big(\sum_{n=1}^{N} w_n \log p_n\Big), \qquad
    \text{BP} = \begin{cases} 1 & c > r \\ e^{1 - r/c} & c \le r \end{cases}

:math:`p_n` is the corpus n-gram precision: hypothesis n-grams matched in the references (each clipped to its
largest count in any one reference) over all hypothesis n-grams; :math:`c` is the total hypothesis length and
:math:`r` the sum over hypotheses of the reference length closest to it (ties go to the shorter reference, as in
SacreBLEU and NLTK, so the value never depends on the order of the references).

The sufficient statistics of a batch are integers: the hypothesis and reference lengths and, per order, the
matched and total n-gram counts; they add up across batches and processes exactly.

With ``smooth=True`` the precisions of orders 2 and up are :math:`(m_n + 1) / (t_n + 1)` (Lin and Och, 2004;
NLTK's ``method2``, SacreBLEU's ``add-k`` with ``k = 1``). Without it, an order of non-zero weight with no match
makes the score 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_flag, check_float, check_int
from calipers.functional.text._translation_inputs import _translation_inputs

__all__ = ["bleu_score"]

_WEIGHT_SUM_TOLERANCE = 1e-6


def _bleu_score_arg_validation(name: str, n_gram: Any, smooth: Any, weights: Any) -> list[float]:
    """Check ``n_gram`` (an int >= 1), ``smooth`` (a bool) and ``weights``; return the weights (uniform if None)."""
    check_int(name, "n_gram", n_gram, 1)
    check_flag(name, "smooth", smooth)
    if weights is None:
        return [1.0 / n_gram] * n_gram
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(f"{name}: `weights` must be None or a sequence of {n_gram} floats, got {weights!r}.")
    if len(weights) != n_gram:
        raise ValueError(
            f"{name}: `weights` must be None or a sequence of `n_gram` = {n_gram} floats, got {len(weights)} weights."
        )
    checked = [check_float(name, "weights", w, 0.0) for w in weights]
    values = [w for w in checked if w is not None]
    if not math.isclose(math.fsum(values), 1.0, rel_tol=0.0, abs_tol=_WEIGHT_SUM_TOLERANCE):
        raise ValueError(f"{name}: `weights` must sum to 1, got {list(weights)!r} (sum {math.fsum(values)!r}).")
    return values


def _bleu_score_tensor_validation(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """Check the strings and their counts; return ``(hypotheses, references per hypothesis)``."""
    return _translation_inputs(name, preds, target)


def _split_words(line: str) -> list[str]:
    return line.split()


def _bleu_score_format(
    preds: list[str], target: list[list[str]], tokenizer: Callable[[str], list[str]] = _split_words
) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Tokenize every hypothesis and reference."""
    return [tokenizer(p) for p in preds], [[tokenizer(r) for r in refs] for refs in target]


def _ngrams(tokens: list[str], n: int) -> Counter[Any]:
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*[tokens[i:] for i in range(n)]))


def _bleu_score_update(preds: list[list[str]], target: list[list[list[str]]], n_gram: int) -> list[int]:
    """Statistics of one batch of tokenized sentences: ``[c, r, matches_1..N, totals_1..N]`` (Python ints).

    ``c``/``r`` are the hypothesis and closest-reference lengths; reduced across batches and processes by sum.
    """
    preds_len = target_len = 0
    matches = [0] * n_gram
    totals = [0] * n_gram
    for hyp, refs in zip(preds, target):
        length = len(hyp)
        preds_len += length
        target_len += min((len(ref) for ref in refs), key=lambda r: (abs(r - length), r))
        for n in range(1, min(n_gram, length) + 1):
            hyp_counts = _ngrams(hyp, n)
            ref_counts = _ngrams(refs[0], n)
            for ref in refs[1:]:
                ref_counts |= _ngrams(ref, n)
            totals[n - 1] += length - n + 1
            common = hyp_counts.keys() & ref_counts.keys()  # clipped counts summed in C (map/min over lookups)
            matches[n - 1] += sum(map(min, map(hyp_counts.__getitem__, common), map(ref_counts.__getitem__, common)))
    return [preds_len, target_len, *matches, *totals]


def _bleu_score_compute(
    preds_len: int, target_len: int, matches: Sequence[int], totals: Sequence[int], weights: Sequence[float],
    smooth: bool,
) -> float:  # fmt: skip
    """The score from the summed statistics (Python numbers, float64 arithmetic); 0 without hypothesis words."""
    if preds_len == 0 or matches[0] == 0:
        return 0.0
    log_sum = 0.0
    for n, (w, m, t) in enumerate(zip(weights, matches, totals)):
        if w == 0:
            continue
        if smooth and n > 0:
            m, t = m + 1, t + 1
        if m == 0:
            return 0.0
        log_sum += w * math.log(m / t)
    brevity = 1.0 if preds_len > target_len else math.exp(1.0 - target_len / preds_len)
    return brevity * math.exp(log_sum)


def _bleu_value(stats: Sequence[int], n_gram: int, weights: Sequence[float], smooth: bool) -> float:
    """:func:`_bleu_score_compute` on a flat ``[c, r, matches..., totals...]`` list."""
    return _bleu_score_compute(stats[0], stats[1], stats[2 : 2 + n_gram], stats[2 + n_gram :], weights, smooth)


def bleu_score(
    preds: str | Sequence[str],
    target: Sequence[str | Sequence[str]],
    n_gram: int = 4,
    smooth: bool = False,
    weights: Sequence[float] | None = None,
) -> Tensor:
    """Corpus BLEU of whitespace-tokenized hypotheses against one or more references each.

    Args:
        preds: the hypotheses: a string or a sequence of strings.
        target: per hypothesis, its reference (a string) or references (a sequence of strings).
        n_gram: the largest n-gram order N (>= 1).
        smooth: add one to the matches and totals of the orders 2..N (Lin and Och, 2004).
        weights: the weight of each order, N non-negative floats summing to 1 (default: uniform).

    Returns:
        A float32 scalar in [0, 1]; 0 for an empty corpus.

    Raises:
        TypeError: for non-string hypotheses or references, or arguments of the wrong type.
        ValueError: for different numbers of hypotheses and reference entries, a hypothesis without references,
            ``n_gram < 1``, or weights of the wrong length or not summing to 1.

    Example:
        >>> from calipers.functional.text import bleu_score
        >>> preds = ["the cat is on the mat"]
        >>> target = [["there is a cat on the mat", "a cat is on the mat"]]
        >>> bleu_score(preds, target)
        tensor(0.7598)
    """
    name = "bleu_score"
    weights_ = _bleu_score_arg_validation(name, n_gram, smooth, weights)
    hyps, refs = _bleu_score_tensor_validation(name, preds, target)
    hyp_tokens, ref_tokens = _bleu_score_format(hyps, refs)
    stats = _bleu_score_update(hyp_tokens, ref_tokens, n_gram)
    return torch.tensor(_bleu_value(stats, n_gram, weights_, smooth), dtype=torch.float32)
