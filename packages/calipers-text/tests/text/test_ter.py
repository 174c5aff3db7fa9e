from __future__ import annotations

import functools
import random

import pytest
import torch
import torchmetrics.functional.text as tmf
from sacrebleu.metrics import TER

from calipers.functional.text import _ter_algorithm
from calipers.functional.text.ter import translation_edit_rate
from calipers.text.ter import TranslationEditRate
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_TEXT = "the cat sat on mat dog ran in park big small red a of and to is was , . ( ) &amp; it's John's 3.5 The"
_WORDS = [*_TEXT.split(" "), "中文", "日本語", "かな", "カタカナ", "。", "\uff0c"]


def _sentence(rng: random.Random, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, high)))


def _perturbed(rng: random.Random, text: str) -> str:
    """``text`` with a few word blocks moved and a word replaced: sentences that need shifts."""
    words = text.split()
    for _ in range(rng.randint(0, 3)):
        if len(words) > 3:
            i, k = rng.randrange(len(words)), rng.randint(1, 4)
            block = words[i : i + k]
            del words[i : i + k]
            j = rng.randrange(len(words) + 1)
            words[j:j] = block
    if words and rng.random() < 0.5:
        words[rng.randrange(len(words))] = rng.choice(_WORDS)
    return " ".join(words)


def _batches(seed: int, sizes: list[int], max_refs: int = 3, high: int = 18):
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_sentence(rng, high) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [_perturbed(rng, rng.choice(r)) if rng.random() < 0.7 else _sentence(rng, high) for r in refs]
        out.append((hyps, refs))
    return out


def _ter(normalize=False, no_punctuation=False, lowercase=True, asian_support=False):
    return TER(normalized=normalize, no_punct=no_punctuation, asian_support=asian_support, case_sensitive=not lowercase)


# Reference: sacrebleu's TER (sentence_score / 100 per sentence; the corpus score from the summed statistics, as
# corpus_score does). Sentence results are cached: the harness asks for the same sentences many times.
@functools.cache
def _sacrebleu_sentence(hyp: str, refs: tuple[str, ...], options: tuple[bool, ...]) -> tuple[float, float, float]:
    score = _ter(*options).sentence_score(hyp, list(refs))
    return score.num_edits, score.ref_length, score.score / 100


def _reference_ter(preds, target, sentence_level=False, **kwargs):
    options = tuple(kwargs.get(k, d) for k, d in _DEFAULTS.items())
    target = [[t] if isinstance(t, str) else list(t) for t in target]
    stats = [_sacrebleu_sentence(p, tuple(t), options) for p, t in zip(preds, target)]
    edits, length = sum(s[0] for s in stats), sum(s[1] for s in stats)
    corpus = edits / length if length > 0 else float(edits > 0)
    if not sentence_level:
        return corpus
    return corpus, [s[2] for s in stats]


_DEFAULTS = {"normalize": False, "no_punctuation": False, "lowercase": True, "asian_support": False}


_SIZES = [5, 3, 1, 6, 4]
_BAD = [
    BadInput((["a b"], [["a b"], ["c d"]]), ValueError, r"TranslationEditRate: `target` must have as many items"),
    BadInput(([{"a"}], [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got set at position"),
    BadInput((["a"], [[]]), ValueError, r"`target` must hold at least one reference per hypothesis"),
]
_CONFIGS = {
    "ter": {},
    "ter-normalize-nopunct-asian": {"normalize": True, "no_punctuation": True, "asian_support": True},
    "ter-normalize-asian-cased": {"normalize": True, "asian_support": True, "lowercase": False},
    "ter-nopunct": {"no_punctuation": True},
}
SPECS = [
    MetricSpec(
        TranslationEditRate,
        lambda p, t, kw=kwargs: _reference_ter(p, t, **kw),
        _batches(seed, _SIZES),
        metric_args=kwargs,
        functional=translation_edit_rate,
        bad_inputs=_BAD if seed == 0 else (),
        id=name,
    )
    for seed, (name, kwargs) in enumerate(_CONFIGS.items())
] + [
    MetricSpec(
        TranslationEditRate,
        lambda p, t: _reference_ter(p, t, sentence_level=True),
        _batches(7, _SIZES),
        metric_args={"return_sentence_level_score": True},
        functional=translation_edit_rate,
        order_invariant=False,
        id="ter-sentence-level",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_ter_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


@pytest.mark.parametrize("full_band", [True, False], ids=["rapidfuzz-fast-path", "banded-table"])
def test_ter_both_distance_paths_equal_sacrebleu(monkeypatch, full_band: bool) -> None:
    # Long references (up to 70 words: the band binds) and short ones (the band is the whole table). Forcing
    # FULL_BAND_MAX_REF to -1 runs the banded table for every candidate, as for long references.
    if not full_band:
        monkeypatch.setattr(_ter_algorithm, "FULL_BAND_MAX_REF", -1)
    (preds, target), *_ = _batches(11, [12], max_refs=2, high=70)
    short_preds, short_target = _batches(12, [30], max_refs=2, high=24)[0]
    for p, t in ((preds, target), (short_preds, short_target)):
        value, scores = translation_edit_rate(p, t, return_sentence_level_score=True)
        expected, expected_scores = _reference_ter(p, t, sentence_level=True)
        assert float(value) == pytest.approx(expected, abs=1e-6)
        torch.testing.assert_close(scores, torch.tensor(expected_scores, dtype=torch.float32))


def test_ter_counts_shifts() -> None:
    # One block shift: "c d a b" -> "a b c d" is 1 edit, not 4 substitutions.
    assert float(translation_edit_rate(["c d a b"], [["a b c d"]])) == pytest.approx(0.25)
    assert float(translation_edit_rate([""], [["a b"]])) == pytest.approx(1.0)
    assert float(translation_edit_rate(["a"], [[""]])) == pytest.approx(1.0)
    assert float(translation_edit_rate([""], [[""]])) == 0.0
    assert float(translation_edit_rate([], [])) == 0.0


def test_ter_matches_torchmetrics_on_plain_edits() -> None:
    # Substitutions, insertions, deletions and one obvious block move: TorchMetrics agrees with sacrebleu there.
    preds = ["the cat is on the mat", "a b c d", "a x c d e", "b c d a", "A, b. C!"]
    target = [["there is a cat on the mat", "a cat is on the mat"], ["a b c d"], ["a b c d"], ["a b c d"], ["a b c"]]
    for kwargs in ({}, {"normalize": True, "no_punctuation": True}, {"lowercase": False}):
        ours = translation_edit_rate(preds, target, **kwargs)
        assert float(ours) == pytest.approx(_reference_ter(preds, target, **kwargs), abs=1e-6)
        torch.testing.assert_close(ours, tmf.translation_edit_rate(preds, target, **kwargs), atol=1e-6, rtol=1e-5)


def test_ter_empty_hypothesis_counts_every_reference_word() -> None:
    # An empty hypothesis needs len(ref) edits (sacrebleu, Tercom): TER 1. TorchMetrics gives 0, a perfect score.
    assert float(translation_edit_rate([""], [["a b"]])) == pytest.approx(_reference_ter([""], [["a b"]])) == 1.0
    assert float(tmf.translation_edit_rate([""], [["a b"]])) == 0.0


def test_ter_shift_search_differs_from_torchmetrics() -> None:
    # Tercom's greedy shift search (sacrebleu): 3 edits here; TorchMetrics' search finds 2 (it is not Tercom's).
    preds = ["日本語 cat 3.5 ran sat park was"]
    target = [["日本語 cat 3.5 was ran park sat"]]
    assert float(translation_edit_rate(preds, target)) == pytest.approx(_reference_ter(preds, target)) == 3 / 7
    assert float(tmf.translation_edit_rate(preds, target)) == pytest.approx(2 / 7)


@pytest.mark.parametrize(
    "arg", ["normalize", "no_punctuation", "lowercase", "asian_support", "return_sentence_level_score"]
)
def test_ter_bad_arguments(arg: str) -> None:
    with pytest.raises(TypeError, match=rf"TranslationEditRate: `{arg}` must be a bool, got 'yes'"):
        TranslationEditRate(**{arg: "yes"})
    with pytest.raises(TypeError, match=rf"translation_edit_rate: `{arg}` must be a bool, got 'yes'"):
        translation_edit_rate(["a"], [["a"]], **{arg: "yes"})
