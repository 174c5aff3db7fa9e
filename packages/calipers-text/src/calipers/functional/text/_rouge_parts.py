"""ROUGE's building blocks: keys, tokenization (with an optional Porter stemmer), sentence splitting, LCS scores.

Tokenization follows ``rouge-score``: lowercase, every run of characters outside ``[a-z0-9]`` becomes a space,
split on whitespace, stem tokens longer than 3 characters (NLTK's Porter stemmer, only when asked), drop empty
tokens. ``normalizer`` replaces the first two steps and ``tokenizer`` the split, as in TorchMetrics.

``rougeLsum`` needs sentences: by default a text is split on newlines (``rouge-score``'s default); a callable can
be given instead, or ``"nltk"`` for NLTK's Punkt splitter, which needs the ``punkt_tab`` resource installed
locally (calipers never downloads it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz.distance import LCSseq

__all__ = ["ROUGE_KEYS", "lcs_length", "make_splitter", "make_tokenizer", "summary_lcs_hits"]

#: The keys ROUGEScore accepts: n-gram orders 1..9, sentence LCS and summary-level (union) LCS.
ROUGE_KEYS: tuple[str, ...] = (*(f"rouge{n}" for n in range(1, 10)), "rougeL", "rougeLsum")
_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_STEM_MIN_LENGTH = 4  # rouge-score and TorchMetrics stem tokens longer than 3 characters
_NLTK_SENTENCE_RESOURCE = "tokenizers/punkt_tab"


def _default_normalizer(text: str) -> str:
    return _NON_ALPHANUMERIC.sub(" ", text.lower())


def _default_split(text: str) -> list[str]:
    return _SPACES.split(text)


@functools.cache
def _porter_stem(name: str) -> Callable[[str], str]:
    """NLTK's Porter stemmer (its default mode, as rouge-score and TorchMetrics use), cached per word."""
    try:
        from nltk.stem.porter import PorterStemmer  # type: ignore[import-untyped]
    except ImportError as err:
        raise ModuleNotFoundError(
            f"{name}: `use_stemmer=True` needs NLTK's Porter stemmer: install `nltk` (no data download is needed)."
        ) from err
    return functools.lru_cache(maxsize=2**16)(PorterStemmer().stem)


class _Tokenizer:
    """Text -> tokens for one set of options; picklable (the stemmer is looked up again after unpickling)."""

    def __init__(
        self,
        name: str,
        use_stemmer: bool,
        normalizer: Callable[[str], str] | None,
        tokenizer: Callable[[str], Sequence[str]] | None,
    ) -> None:
        self._args = (name, use_stemmer, normalizer, tokenizer)
        self._normalize = normalizer if normalizer is not None else _default_normalizer
        self._split = tokenizer if tokenizer is not None else _default_split
        self._stem = _porter_stem(name) if use_stemmer else None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._args)

    def __call__(self, text: str) -> list[str]:
        words = self._split(self._normalize(text))
        stem = self._stem
        if stem is not None:
            words = [stem(w) if len(w) >= _STEM_MIN_LENGTH else w for w in words]
        return [w for w in words if isinstance(w, str) and w]


def make_tokenizer(
    name: str,
    use_stemmer: bool,
    normalizer: Callable[[str], str] | None,
    tokenizer: Callable[[str], Sequence[str]] | None,
) -> Callable[[str], list[str]]:
    """The text -> tokens function of these options (the stemmer is loaded here, so a missing NLTK fails early)."""
    return _Tokenizer(name, use_stemmer, normalizer, tokenizer)


def _newline_sentences(text: str) -> list[str]:
    return text.split("\n")


def make_splitter(name: str, sentence_splitter: Any) -> Callable[[str], Sequence[str]]:
    """The sentence splitter for ``rougeLsum``: ``"newline"``, ``"nltk"`` or a callable ``str -> [str]``.

    Raises:
        TypeError: for anything else.
        ModuleNotFoundError: for ``"nltk"`` without NLTK installed.
        LookupError: for ``"nltk"`` without its ``punkt_tab`` resource (never downloaded).
    """
    if callable(sentence_splitter):
        return sentence_splitter  # type: ignore[no-any-return]
    if sentence_splitter == "newline":
        return _newline_sentences
    if sentence_splitter != "nltk":
        raise TypeError(
            f"{name}: `sentence_splitter` must be 'newline', 'nltk' or a callable, got {sentence_splitter!r}."
        )
    try:
        import nltk  # type: ignore[import-untyped]
    except ImportError as err:
        raise ModuleNotFoundError(f"{name}: `sentence_splitter='nltk'` needs `nltk` installed.") from err
    try:
        nltk.data.find(_NLTK_SENTENCE_RESOURCE)
    except LookupError:
        raise LookupError(
            f"{name}: `sentence_splitter='nltk'` needs the NLTK resource {_NLTK_SENTENCE_RESOURCE!r}, which is not "
            "installed; calipers never downloads data: install it yourself (nltk.download('punkt_tab')), or split "
            "on newlines (the default) or pass a callable."
        ) from None
    return nltk.sent_tokenize  # type: ignore[no-any-return]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (compiled, by rapidfuzz)."""
    return int(LCSseq.similarity(a, b)) if a and b else 0


def _lcs_ref_positions(ref: Sequence[str], cand: Sequence[str]) -> list[int]:
    """Positions in ``ref`` of one LCS with ``cand``, read back from the end as rouge-score does.

    Walking back from the end, equal tokens are taken; otherwise the walk drops a ``cand`` token when that keeps a
    strictly longer LCS, else a ``ref`` token. Which LCS is read matters for the union LCS, so the order is kept.
    """
    rows, cols = len(ref), len(cand)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        r, above, row = ref[i - 1], table[i - 1], table[i]
        for j in range(1, cols + 1):
            row[j] = above[j - 1] + 1 if r == cand[j - 1] else max(above[j], row[j - 1])
    positions: list[int] = []
    i, j = rows, cols
    while i > 0 and j > 0:
        if ref[i - 1] == cand[j - 1]:
            positions.append(i - 1)
            i -= 1
            j -= 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return positions


def summary_lcs_hits(ref_sents: list[list[str]], cand_sents: list[list[str]]) -> int:
    """Summary-level LCS hits (Lin, 2004, section 3.2).

    Per reference sentence, the union of its LCS positions with every candidate sentence; each token is counted
    at most as often as it occurs on both sides.
    """
    ref_counts: dict[str, int] = {}
    cand_counts: dict[str, int] = {}
    for sent in ref_sents:
        for t in sent:
            ref_counts[t] = ref_counts.get(t, 0) + 1
    for sent in cand_sents:
        for t in sent:
            cand_counts[t] = cand_counts.get(t, 0) + 1
    hits = 0
    for ref in ref_sents:
        union: set[int] = set()
        for cand in cand_sents:
            union.update(_lcs_ref_positions(ref, cand))
        for pos in sorted(union):
            token = ref[pos]
            if cand_counts.get(token, 0) > 0 and ref_counts.get(token, 0) > 0:
                hits += 1
                cand_counts[token] -= 1
                ref_counts[token] -= 1
    return hits
