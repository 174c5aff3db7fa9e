from __future__ import annotations

import random

import pytest
import sacrebleu
import torch
import torchmetrics.functional.text as tmf

from calipers.functional.text.sacre_bleu import sacre_bleu_score
from calipers.text.bleu import BLEUScore
from calipers.text.sacre_bleu import SacreBLEUScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_WORDS = [
    "The",
    "cat",
    "sat",
    "on",
    "the",
    "mat.",
    "Hello,",
    "world!",
    "It",
    "costs",
    "3.5",
    "dollars,",
    "or",
    "1,000",
    "yen;",
    "e-mail",
    "2-3",
    "times",
    "(maybe)",
    "&amp;",
    '"quoted"',
    "text's",
    "end?",
    "A/B",
    "test:",
    "x+y=z",
    "<b>",
    "ÉCOLE",
    "naïve",
    "Straße",
    "İstanbul",
    "中文字",
    "日本語です",
    "한국어",
    "—",
    "…",
    "€5",
    "½",
    "²³",
    "«guillemets»",
    "[brackets]",
    "{braces}",
    "~tilde^",
    "back`tick",
    "@at",
    "#hash",
    "50%",
    "$9.99",
    "don't",
    "1990.",
    "end.",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 16)))


def _batches(seed: int, sizes: list[int], max_refs: int = 3) -> list[tuple[list[str], list[list[str]]]]:
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_sentence(rng) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [(rng.choice(r) if rng.random() < 0.3 else _sentence(rng)) for r in refs]
        out.append((hyps, refs))
    return out


def _streams(target: list[list[str]]) -> list[list[str | None]]:
    """SacreBLEU's layout: one stream per reference slot (None where a hypothesis has fewer references)."""
    width = max((len(t) for t in target), default=1)
    return [[t[k] if k < len(t) else None for t in target] for k in range(width)]


# Reference: sacrebleu.corpus_bleu (smooth=False: smooth_method "none"; smooth=True: "add-k" with k = 1).
def _reference_sacre_bleu(preds, target, tokenize="13a", lowercase=False, smooth=False):
    if not preds:
        return 0.0
    target = [[t] if isinstance(t, str) else list(t) for t in target]
    kwargs = {"smooth_method": "add-k", "smooth_value": 1} if smooth else {"smooth_method": "none"}
    bleu = sacrebleu.corpus_bleu(preds, _streams(target), tokenize=tokenize, lowercase=lowercase, **kwargs)
    return bleu.score / 100


_SIZES = [5, 3, 1, 6, 4]
_BAD = [
    BadInput(
        (["a b"], [["a b"], ["c d"]]),
        ValueError,
        r"SacreBLEUScore: `target` must have as many items as `preds` \(1\), got 2",
    ),
    BadInput(
        ([b"a"], [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got bytes at position 0"
    ),
]


def _spec(tokenize: str, seed: int, lowercase: bool = False, smooth: bool = False, **extra) -> MetricSpec:
    args = {"tokenize": tokenize, "lowercase": lowercase, "smooth": smooth}
    return MetricSpec(
        SacreBLEUScore,
        lambda p, t: _reference_sacre_bleu(p, t, tokenize, lowercase, smooth),
        _batches(seed, _SIZES),
        metric_args=args,
        functional=sacre_bleu_score,
        id=f"sacrebleu-{tokenize}{'-lc' if lowercase else ''}{'-smooth' if smooth else ''}",
        **extra,
    )


SPECS = [
    _spec("13a", 1, bad_inputs=_BAD),
    _spec("13a", 2, lowercase=True, smooth=True),
    _spec("intl", 3),
    _spec("char", 4),
    _spec("zh", 5),
    _spec("none", 6, lowercase=True),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_sacre_bleu_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


@pytest.mark.parametrize("tokenize", ["13a", "intl", "char", "zh", "none"])
@pytest.mark.parametrize("lowercase", [False, True])
def test_sacre_bleu_corpus_equals_sacrebleu(tokenize: str, lowercase: bool) -> None:
    (preds, target), *_ = _batches(7, [60])
    ours = float(sacre_bleu_score(preds, target, tokenize=tokenize, lowercase=lowercase))
    assert ours == pytest.approx(_reference_sacre_bleu(preds, target, tokenize, lowercase), abs=1e-6)


def test_sacre_bleu_tokenizer_edge_cases() -> None:
    # zh: SacreBLEU's table includes U+2001..U+2A6D and U+2F81..U+2FA1 (from two mistyped escapes), not U+2000.
    lines = ["a\u2001b\u2000c \u2a6d\u2a6e \u2f80\u2f81\u2fa1\u2fa2", "x-\ny &quot;q&quot; <skipped>z", "1990. 3,5 a,b"]
    for tokenize in ("13a", "zh", "intl", "char"):
        for line in lines:
            ours = float(sacre_bleu_score([line], [[line + " extra"]], tokenize=tokenize, n_gram=1))
            assert ours == pytest.approx(_reference_sacre_bleu([line], [[line + " extra"]], tokenize, smooth=False))


def test_sacre_bleu_matches_torchmetrics_with_single_references() -> None:
    (preds, target), *_ = _batches(8, [40], max_refs=1)
    for tokenize in ("13a", "char", "none"):
        ours = sacre_bleu_score(preds, target, tokenize=tokenize)
        theirs = tmf.sacre_bleu_score(preds, target, tokenize=tokenize)
        torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)


def test_sacre_bleu_is_a_bleu_score() -> None:
    assert isinstance(SacreBLEUScore(), BLEUScore)


# The model-backed tokenizers (ja-mecab, ko-mecab, flores101/200): test_sacre_bleu_tokenizers.py.


def test_sacre_bleu_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"SacreBLEUScore: `tokenize` must be one of \['13a', 'char', .*got 'moses'"):
        SacreBLEUScore(tokenize="moses")
    with pytest.raises(TypeError, match=r"sacre_bleu_score: `lowercase` must be a bool, got 'yes'"):
        sacre_bleu_score(["a"], [["a"]], lowercase="yes")
    with pytest.raises(ValueError, match=r"`n_gram` must be an int >= 1, got -1"):
        SacreBLEUScore(n_gram=-1)
