"""SacreBLEU's ``intl`` tokenizer on every Unicode code point: calipers' table against the installed ``regex``.

Oracles: the installed ``regex`` module's ``\\p{P}``, ``\\p{S}``, ``\\p{N}`` (which SacreBLEU uses), sacrebleu's
``TokenizerV14International`` and ``corpus_bleu``. The code points that matter most are those the interpreter's
:mod:`unicodedata` classes differently from ``regex`` (characters assigned after the interpreter's Unicode version:
1,516 on Python 3.11 against regex 2026.11.19), which calipers' old ``unicodedata``-based tokenizer got wrong.
"""

from __future__ import annotations

import importlib.metadata
import random
import subprocess
import sys
import unicodedata

import pytest
import regex
import sacrebleu
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International

from calipers.functional.text import _unicode_classes as tables
from calipers.functional.text._tokenizers import _parse_ranges, get_tokenizer
from calipers.functional.text.sacre_bleu import sacre_bleu_score

_CODE_POINTS = 0x110000
_TABLES = {"P": tables.PUNCTUATION, "S": tables.SYMBOL, "N": tables.NUMBER}
_REGENERATE = "./dev run python tools/generate_intl_unicode_table.py"


def _table_set(category: str) -> set[int]:
    return {cp for a, b in _parse_ranges(_TABLES[category]) for cp in range(a, b + 1)}


def _regex_set(category: str) -> set[int]:
    every = "".join(map(chr, range(_CODE_POINTS)))
    return {m.start() for m in regex.finditer(rf"\p{{{category}}}", every)}


def _unicodedata_set(category: str) -> set[int]:
    return {cp for cp in range(_CODE_POINTS) if unicodedata.category(chr(cp))[0] == category}


@pytest.fixture(scope="module")
def classes() -> dict[str, dict[str, set[int]]]:
    return {
        source: {category: fn(category) for category in _TABLES}
        for source, fn in (("table", _table_set), ("regex", _regex_set), ("unicodedata", _unicodedata_set))
    }


def _disagreement(category: str, ours: set[int], theirs: set[int]) -> str:
    """The message telling the developer to regenerate the table ("" when the table and regex agree)."""
    if ours == theirs:
        return ""
    missing, extra = sorted(theirs - ours), sorted(ours - theirs)
    return (
        f"calipers' intl table (regex {tables.REGEX_VERSION}, Unicode {tables.UNICODE_VERSION}) disagrees with the "
        f"installed regex {importlib.metadata.version('regex')} on \\p{{{category}}}: {len(missing)} code points "
        f"only regex classes there (e.g. {[f'U+{cp:04X}' for cp in missing[:5]]}), {len(extra)} only the table "
        f"(e.g. {[f'U+{cp:04X}' for cp in extra[:5]]}). If the installed regex is newer, rerun `{_REGENERATE}` and "
        "commit calipers/functional/text/_unicode_classes.py (and the Unicode version in the CHANGELOG); if it is "
        "older, upgrade regex."
    )


def test_intl_table_equals_the_installed_regex(classes: dict[str, dict[str, set[int]]]) -> None:
    """Fails loudly when the installed ``regex`` knows characters the table does not (or the other way round)."""
    for category in _TABLES:
        message = _disagreement(category, classes["table"][category], classes["regex"][category])
        if message:
            pytest.fail(message, pytrace=False)


def test_intl_table_disagreement_names_the_generator(classes: dict[str, dict[str, set[int]]]) -> None:
    theirs = classes["regex"]["S"]
    message = _disagreement("S", theirs - {0x20C1}, theirs)
    assert "1 code points only regex classes there (e.g. ['U+20C1'])" in message
    assert f"rerun `{_REGENERATE}`" in message


def test_intl_table_module_records_its_versions() -> None:
    assert regex.fullmatch(r"\d+\.\d+\.\d+", tables.UNICODE_VERSION)
    assert tables.UNICODE_VERSION in tables.__doc__ and tables.REGEX_VERSION in tables.__doc__
    version = tuple(map(int, tables.UNICODE_VERSION.split(".")))
    assert version >= tuple(map(int, unicodedata.unidata_version.split(".")))  # never older than the interpreter's


def _contexts(char: str) -> list[str]:
    """Lines putting ``char`` where each intl rule looks: between letters, next to digits on each side, ..."""
    c = char
    return [
        c, f"{c}{c}", f"a{c}b", f"1{c}2", f"1{c}b", f"a{c}2", f"{c}1", f"1{c}", f"{c}a", f"a{c}", f" {c} x",
        f".{c}.", f"{c},1", f"2.{c}", f"a{c}.", f"${c}$", f"x {c}{c}1 {c}y{c}",
    ]  # fmt: skip


def test_intl_tokens_equal_sacrebleu_on_every_differing_code_point(classes: dict[str, dict[str, set[int]]]) -> None:
    differing = set().union(*(classes["regex"][k] ^ classes["unicodedata"][k] for k in _TABLES))
    rng = random.Random(0)
    others = rng.sample(sorted(set(range(_CODE_POINTS)) - differing), 3000)
    code_points = sorted(differing | set(others) | set(range(0x21, 0x7F)))
    ours, theirs = get_tokenizer("t", "intl"), TokenizerV14International()
    mismatches = [
        (f"U+{cp:04X}", line, ours(line), theirs(line))
        for cp in code_points
        for line in _contexts(chr(cp))
        if ours(line) != theirs(line)
    ]
    assert not mismatches, f"{len(mismatches)} lines tokenize differently, e.g. {mismatches[:5]}"


def test_intl_tokens_equal_sacrebleu_on_surrogates_and_unassigned_code_points() -> None:
    ours, theirs = get_tokenizer("t", "intl"), TokenizerV14International()
    for cp in (0xD800, 0xDFFF, 0xE000, 0xFFFF, 0x40000, 0xE0001, 0x10FFFF):
        for line in _contexts(chr(cp)):
            assert ours(line) == theirs(line), (hex(cp), line)


def test_intl_bleu_equals_sacrebleu_on_newly_assigned_characters(classes: dict[str, dict[str, set[int]]]) -> None:
    differing = sorted(set().union(*(classes["regex"][k] ^ classes["unicodedata"][k] for k in _TABLES)))
    rng = random.Random(1)
    chars = [chr(cp) for cp in differing] or ["\u20c1", "\U0001f6dc", "\u2ffc"]  # 17.0, 15.0, 15.1 characters
    words = ["cat", "sat", "3.5", "1990", "end", "mat.", "x"]

    def sentence() -> str:
        parts = []
        for _ in range(rng.randint(3, 12)):
            c, w = rng.choice(chars), rng.choice(words)
            parts.append(rng.choice([c, f"{w}{c}", f"{c}{w}", f"{w}{c}{rng.choice(words)}", w]))
        return " ".join(parts)

    target = [[sentence() for _ in range(rng.randint(1, 3))] for _ in range(120)]
    preds = [rng.choice(refs) if rng.random() < 0.3 else sentence() for refs in target]
    streams = [[t[k] if k < len(t) else None for t in target] for k in range(3)]
    theirs = sacrebleu.corpus_bleu(preds, streams, tokenize="intl", smooth_method="none").score / 100
    ours = float(sacre_bleu_score(preds, target, tokenize="intl"))
    assert 0 < theirs < 1
    assert ours == pytest.approx(theirs, abs=1e-6)


def test_intl_table_is_not_imported_with_calipers_text() -> None:
    code = (
        "import sys, calipers.text, calipers.functional.text\n"
        "name = 'calipers.functional.text._unicode_classes'\n"
        "print(name in sys.modules)\n"
        "calipers.text.SacreBLEUScore(tokenize='intl')(['a, b'], [['a, b']])\n"
        "print(name in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
