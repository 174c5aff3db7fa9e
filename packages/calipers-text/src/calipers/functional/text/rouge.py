r"""ROUGE (Lin, 2004): n-gram (``rouge1`` .. ``rouge9``), LCS (``rougeL``) and summary-level LCS (``rougeLsum``).

Per hypothesis and key, with :math:`h` the hits (clipped n-gram matches, LCS length, or union-LCS hits):

.. math:: P = \frac{h}{|\text{hyp}|}, \quad R = \frac{h}{|\text{ref}|}, \quad F = \frac{2PR}{P + R}

equal to Google's ``rouge-score`` (``RougeScorer.score``; with several references, ``accumulate="best"`` keeps
per key the reference of the highest F, the first on ties, as ``score_multi``; ``"avg"`` averages P, R and F over
the references). The result is the mean over hypotheses; the sufficient statistics are the per-key sums of P, R
and F (float64) and the number of hypotheses, summed across batches and processes (NaN before any hypothesis).
See :mod:`calipers.functional.text._rouge_parts` for tokenization, stemming and sentence splitting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_choice, check_flag, check_same_length, check_strings
from calipers.functional.text._rouge_parts import (
    ROUGE_KEYS,
    lcs_length,
    make_splitter,
    make_tokenizer,
    summary_lcs_hits,
)

__all__ = ["rouge_score"]

_PARTS = ("fmeasure", "precision", "recall")
Tokenize = Callable[[str], list[str]]
Split = Callable[[str], Sequence[str]]
Scores = tuple[float, float, float]  # (F, P, R)


def _rouge_score_arg_validation(
    name: str, accumulate: Any, use_stemmer: Any, normalizer: Any, tokenizer: Any, rouge_keys: Any,
    sentence_splitter: Any,
) -> tuple[tuple[str, ...], Tokenize, Split | None]:  # fmt: skip
    """Check every option; return the keys (a tuple), the tokenizer and (for ``rougeLsum``) the sentence splitter."""
    check_choice(name, "accumulate", accumulate, ["avg", "best"])
    check_flag(name, "use_stemmer", use_stemmer)
    for arg, fn in (("normalizer", normalizer), ("tokenizer", tokenizer)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name}: `{arg}` must be None or a callable, got {fn!r}.")
    keys = (rouge_keys,) if isinstance(rouge_keys, str) else rouge_keys
    if not isinstance(keys, (tuple, list)) or not keys:
        raise TypeError(f"{name}: `rouge_keys` must be a key or a non-empty tuple of keys, got {rouge_keys!r}.")
    for key in keys:
        check_choice(name, "rouge_keys", key, ROUGE_KEYS)
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name}: `rouge_keys` must not repeat a key, got {rouge_keys!r}.")
    splitter = make_splitter(name, sentence_splitter) if "rougeLsum" in keys else None
    return tuple(keys), make_tokenizer(name, use_stemmer, normalizer, tokenizer), splitter


def _rouge_score_tensor_validation(name: str, preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """``(hypotheses, references per hypothesis)``, with TorchMetrics' rules for strings and flat lists.

    A string ``target`` is one reference; a flat list of strings is one reference per hypothesis, or the
    references of the one hypothesis when ``preds`` is a string.
    """
    hyps = check_strings(name, "preds", preds)
    if isinstance(target, str):
        refs = [[target]]
    elif isinstance(target, Sequence) and not isinstance(target, (bytes, bytearray)):
        if all(isinstance(t, str) for t in target):
            refs = [list(target)] if isinstance(preds, str) else [[t] for t in target]
        else:
            refs = [check_strings(name, "target", t) for t in target]
    else:
        raise TypeError(
            f"{name}: `target` must be a string, a sequence of strings or of sequences of strings, got "
            f"{type(target).__name__}."
        )
    check_same_length(name, hyps, refs)
    for i, entry in enumerate(refs):
        if not entry:
            raise ValueError(f"{name}: `target` must hold at least one reference per hypothesis, got none at {i}.")
    return hyps, refs


class _Text:
    """One text, tokenized once, with its n-gram counters and sentences made on demand."""

    __slots__ = ("counters", "sentences", "tokens")

    def __init__(self, text: str, tokenize: Tokenize, split: Split | None) -> None:
        self.tokens = tokenize(text)
        self.counters: dict[int, Counter[Any]] = {}
        self.sentences = [tokenize(s) for s in split(text) if len(s)] if split is not None else []

    def ngrams(self, n: int) -> Counter[Any]:
        counter = self.counters.get(n)
        if counter is None:
            tokens = self.tokens
            counter = Counter(tokens) if n == 1 else Counter(zip(*[tokens[i:] for i in range(n)]))
            self.counters[n] = counter
        return counter


def _rouge_score_format(
    preds: list[str], target: list[list[str]], tokenize: Tokenize, split: Split | None
) -> tuple[list[_Text], list[list[_Text]]]:
    """Tokenize every text (and split it into sentences for ``rougeLsum``)."""
    return [_Text(p, tokenize, split) for p in preds], [[_Text(r, tokenize, split) for r in refs] for refs in target]


def _scores(hits: int, n_pred: int, n_ref: int) -> Scores:
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_ref if n_ref else 0.0
    total = precision + recall
    return (2 * precision * recall / total if total > 0 else 0.0), precision, recall


def _key_scores(key: str, pred: _Text, ref: _Text) -> Scores:
    if key == "rougeL":
        if not pred.tokens or not ref.tokens:
            return 0.0, 0.0, 0.0
        return _scores(lcs_length(ref.tokens, pred.tokens), len(pred.tokens), len(ref.tokens))
    if key == "rougeLsum":
        n_pred, n_ref = sum(map(len, pred.sentences)), sum(map(len, ref.sentences))
        if not n_pred or not n_ref:
            return 0.0, 0.0, 0.0
        return _scores(summary_lcs_hits(ref.sentences, pred.sentences), n_pred, n_ref)
    n = int(key[5:])
    p, r = pred.ngrams(n), ref.ngrams(n)
    small, large = (p, r) if len(p) < len(r) else (r, p)
    hits = sum(min(c, large[g]) for g, c in small.items() if g in large)
    return _scores(hits, max(len(pred.tokens) - n + 1, 1), max(len(ref.tokens) - n + 1, 1))


def _rouge_score_update(
    preds: list[_Text], target: list[list[_Text]], keys: tuple[str, ...], accumulate: str
) -> tuple[list[list[float]], int]:
    """Per key, the sums over hypotheses of ``(F, P, R)``, and the number of hypotheses (both reduced by sum)."""
    sums = [[0.0, 0.0, 0.0] for _ in keys]
    for pred, refs in zip(preds, target):
        for k, key in enumerate(keys):
            per_ref = [_key_scores(key, pred, ref) for ref in refs]
            if accumulate == "best":
                chosen = max(per_ref, key=lambda s: s[0])  # the first of the highest F
            else:
                chosen = tuple(sum(s[i] for s in per_ref) / len(per_ref) for i in range(3))  # type: ignore[assignment]
            for i in range(3):
                sums[k][i] += chosen[i]
    return sums, len(preds)


def _rouge_score_compute(
    sums: Tensor, count: Tensor | int, keys: Sequence[str], dtype: torch.dtype
) -> dict[str, Tensor]:
    """``{"<key>_fmeasure" | "_precision" | "_recall": mean}`` in ``dtype`` (NaN without hypotheses)."""
    means = (sums.double() / count).to(dtype)
    return {f"{key}_{part}": means[k, i] for k, key in enumerate(keys) for i, part in enumerate(_PARTS)}


def rouge_score(
    preds: str | Sequence[str],
    target: str | Sequence[str] | Sequence[Sequence[str]],
    accumulate: Literal["avg", "best"] = "best",
    use_stemmer: bool = False,
    normalizer: Callable[[str], str] | None = None,
    tokenizer: Callable[[str], Sequence[str]] | None = None,
    rouge_keys: str | tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum"),
    *,
    sentence_splitter: Callable[[str], Sequence[str]] | Literal["newline", "nltk"] = "newline",
) -> dict[str, Tensor]:
    """ROUGE precision, recall and F-measure per key, averaged over the hypotheses (equal to ``rouge-score``).

    Args:
        preds: the hypotheses: a string or a sequence of strings.
        target: per hypothesis, its reference (a string) or references (a sequence of strings); a flat list of
            strings with a string ``preds`` holds that hypothesis' references.
        accumulate: with several references, ``"best"`` (the reference of the highest F, per key) or ``"avg"``.
        use_stemmer: stem tokens longer than 3 characters with NLTK's Porter stemmer (needs ``nltk``; no data).
        normalizer: replaces the default ``lower`` + non-alphanumeric-to-space normalization.
        tokenizer: replaces the default whitespace split.
        rouge_keys: a key or a tuple of keys among ``rouge1`` .. ``rouge9``, ``rougeL``, ``rougeLsum``.
        sentence_splitter: how ``rougeLsum`` splits a text into sentences: ``"newline"`` (rouge-score's default),
            ``"nltk"`` (Punkt, needs the locally installed ``punkt_tab``; never downloaded) or a callable;
            keyword-only, calipers'.

    Returns:
        A dict ``{"<key>_fmeasure", "<key>_precision", "<key>_recall"}`` of float32 scalars (NaN for no input).

    Raises:
        TypeError: for non-string inputs or options of the wrong type.
        ValueError: for different numbers of hypotheses and reference entries, an unknown or repeated key, or an
            unknown ``accumulate``.
        ModuleNotFoundError: for ``use_stemmer=True`` or ``sentence_splitter="nltk"`` without ``nltk``.
        LookupError: for ``sentence_splitter="nltk"`` without the ``punkt_tab`` resource.

    Example:
        >>> from calipers.functional.text import rouge_score
        >>> scores = rouge_score("My name is John", "Is your name John", rouge_keys=("rouge1", "rougeL"))
        >>> {key: round(float(value), 4) for key, value in scores.items()}  # doctest: +NORMALIZE_WHITESPACE
        {'rouge1_fmeasure': 0.75, 'rouge1_precision': 0.75, 'rouge1_recall': 0.75,
         'rougeL_fmeasure': 0.5, 'rougeL_precision': 0.5, 'rougeL_recall': 0.5}
    """
    name = "rouge_score"
    keys, tokenize, split = _rouge_score_arg_validation(
        name, accumulate, use_stemmer, normalizer, tokenizer, rouge_keys, sentence_splitter
    )
    hyps, refs = _rouge_score_tensor_validation(name, preds, target)
    hyp_texts, ref_texts = _rouge_score_format(hyps, refs, tokenize, split)
    sums, count = _rouge_score_update(hyp_texts, ref_texts, keys, accumulate)
    return _rouge_score_compute(torch.tensor(sums, dtype=torch.float64), count, keys, torch.float32)
