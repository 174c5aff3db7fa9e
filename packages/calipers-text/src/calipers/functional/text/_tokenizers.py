"""The SacreBLEU tokenizers (``none``, ``13a``, ``intl``, ``char``, ``zh``), written from their definitions.

* ``13a``: the tokenization of NIST's ``mteval-v13a.pl`` (the WMT standard): a few XML entities are unescaped,
  ASCII punctuation and symbols are split off, periods and commas are split off unless they sit between digits,
  and a dash after a digit is split off.
* ``intl``: ``mteval-v14.pl --international-tokenization``: Unicode punctuation is split off unless it sits next
  to a digit on the relevant side, and every Unicode symbol is split off. SacreBLEU matches these classes with
  the third-party ``regex`` module; calipers compiles them with :mod:`re` from the ranges in
  :mod:`calipers.functional.text._unicode_classes` (generated from ``regex`` at dev time, its docstring names
  the Unicode version), parsed on first use. Tokens therefore do not depend on the interpreter's
  :mod:`unicodedata` version.
* ``char``: every non-space character is a token.
* ``zh``: every CJK character (SacreBLEU's table of ranges) is a token, the rest follows ``13a``'s splitting.
* ``none``: the line as it is.

``ja-mecab``, ``ko-mecab``, ``flores101`` and ``flores200`` need a MeCab dictionary or a SentencePiece model:
they live in :mod:`calipers.functional.text._model_tokenizers` (optional extras; the FLORES models are supplied
by the caller as ``spm_model``, never downloaded).

Every tokenizer returns the tokenized line as one string, tokens separated by single spaces; results are cached
per line (like SacreBLEU), since a corpus is often scored more than once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from calipers._checks import check_choice
from calipers.functional.text._model_tokenizers import MECAB_TOKENIZERS, SPM_TOKENIZERS, ModelTokenizer

__all__ = ["MODEL_TOKENIZERS", "SACREBLEU_TOKENIZERS", "get_tokenizer"]

#: The tokenizers written here.
SACREBLEU_TOKENIZERS: tuple[str, ...] = ("none", "13a", "zh", "intl", "char")
#: SacreBLEU tokenizers backed by an optional package and a dictionary or a model.
MODEL_TOKENIZERS: tuple[str, ...] = (*MECAB_TOKENIZERS, *SPM_TOKENIZERS)
_CACHE_SIZE = 2**16

# mteval-v13a's splitting, in order: ASCII punctuation and symbols (except - . , ' and digits/letters) are
# surrounded by spaces; a period or comma is split off unless preceded by a digit, then unless followed by one;
# a dash preceded by a digit is split off.
_SPLIT_RULES: tuple[tuple[str, str], ...] = (
    (r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", r" \1 "),
    (r"([^0-9])([\.,])", r"\1 \2 "),
    (r"([\.,])([^0-9])", r" \1 \2"),
    (r"([0-9])(-)", r"\1 \2 "),
)
_ENTITIES = (("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"))

# SacreBLEU's table of CJK ranges for ``zh``. Two of its entries are written there as 6-digit escapes inside a
# 4-digit ``\u`` literal ("\u20000", "\u2f800"), i.e. a character followed by a digit, and compared as strings;
# the ranges below are the single characters those comparisons accept, so that results agree.
_ZH_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DB5), (0x4E00, 0x9FA5), (0x9FA6, 0x9FBB), (0xF900, 0xFA2D), (0xFA30, 0xFA6A),
    (0xFA70, 0xFAD9), (0x2001, 0x2A6D), (0x2F81, 0x2FA1), (0xFF00, 0xFFEF), (0x2E80, 0x2EFF),
    (0x3000, 0x303F), (0x31C0, 0x31EF), (0x2F00, 0x2FDF), (0x2FF0, 0x2FFF), (0x3100, 0x312F),
    (0x31A0, 0x31BF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0x2600, 0x26FF), (0x2700, 0x27BF),
    (0x3200, 0x32FF), (0x3300, 0x33FF),
)  # fmt: skip


def _char_class(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...], negate: bool = False) -> str:
    parts = [re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges]
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


@functools.cache
def _split_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """``_SPLIT_RULES`` compiled, on first use (keeps ``import calipers.text`` fast)."""
    return tuple((re.compile(pattern), repl) for pattern, repl in _SPLIT_RULES)


@functools.cache
def _zh_char() -> re.Pattern[str]:
    return re.compile("(" + _char_class(_ZH_RANGES) + ")")


def _split(line: str) -> str:
    for pattern, repl in _split_rules():
        line = pattern.sub(repl, line)
    return " ".join(line.split())


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokenize_13a(line: str) -> str:
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        for entity, char in _ENTITIES:
            line = line.replace(entity, char)
    return _split(f" {line} ")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokenize_zh(line: str) -> str:
    return _split(_zh_char().sub(r" \1 ", line.strip()))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokenize_char(line: str) -> str:
    return " ".join(c for c in line if not c.isspace())


def _tokenize_none(line: str) -> str:
    return line


def _parse_ranges(table: str) -> list[tuple[int, int]]:
    """The inclusive code point ranges of a ``_unicode_classes`` table (``"21-23 25 ..."``, hexadecimal)."""
    ranges = []
    for item in table.split():
        start, _, end = item.partition("-")
        ranges.append((int(start, 16), int(end or start, 16)))
    return ranges


@functools.cache
def _intl_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """SacreBLEU's ``intl`` rules, compiled on first use (the table module is imported only then)."""
    from calipers.functional.text import _unicode_classes as tables

    punct, symbol = _char_class(_parse_ranges(tables.PUNCTUATION)), _char_class(_parse_ranges(tables.SYMBOL))
    not_number = _char_class(_parse_ranges(tables.NUMBER), negate=True)
    return (
        (re.compile(f"({not_number})({punct})"), r"\1 \2 "),
        (re.compile(f"({punct})({not_number})"), r" \1 \2"),
        (re.compile(f"({symbol})"), r" \1 "),
    )


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokenize_intl(line: str) -> str:
    for pattern, repl in _intl_rules():
        line = pattern.sub(repl, line)
    return " ".join(line.split())


_TOKENIZERS: dict[str, Callable[[str], str]] = {
    "none": _tokenize_none,
    "13a": _tokenize_13a,
    "zh": _tokenize_zh,
    "intl": _tokenize_intl,
    "char": _tokenize_char,
}


def get_tokenizer(name: str, tokenize: str, spm_model: Any = None) -> Callable[[str], str]:
    """The tokenizer called ``tokenize``; ``name`` (the caller's public name) goes into the error messages.

    ``spm_model`` is the path of the SentencePiece model of ``flores101``/``flores200`` (required there, refused
    elsewhere).

    Raises:
        ExtraNotInstalledError: for a MeCab or SentencePiece tokenizer whose packages are not installed.
        ValueError: for an unknown tokenizer, or a missing, refused or unreadable ``spm_model``.
        TypeError: for an ``spm_model`` that is not a path.
    """
    check_choice(name, "tokenize", tokenize, [*SACREBLEU_TOKENIZERS, *MODEL_TOKENIZERS])
    if spm_model is not None and tokenize not in SPM_TOKENIZERS:
        raise ValueError(
            f"{name}: `spm_model` must be None unless `tokenize` is one of {list(SPM_TOKENIZERS)}, got {spm_model!r}."
        )
    return ModelTokenizer(name, tokenize, spm_model) if tokenize in MODEL_TOKENIZERS else _TOKENIZERS[tokenize]
