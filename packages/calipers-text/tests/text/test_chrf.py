from __future__ import annotations

import random

import pytest
import torch
import torchmetrics.functional.text as tmf
from sacrebleu.metrics import CHRF

from calipers.functional.text.chrf import chrf_score
from calipers.text.chrf import CHRFScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_TEXT = "The cat sat on the mat. Hello, world! It costs 3.5 dollars, or 1,000 yen; e-mail (maybe) don't end. x"
_WORDS = [*_TEXT.split(), "A", "ÉCOLE", "naïve", "中文字", "«quoted»", "-", "--"]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 14)))


def _batches(seed: int, sizes: list[int], max_refs: int = 3) -> list[tuple[list[str], list[list[str]]]]:
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_sentence(rng) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [(rng.choice(r) if rng.random() < 0.2 else _sentence(rng)) for r in refs]
        out.append((hyps, refs))
    return out


def _chrf(n_char_order=6, n_word_order=2, beta=2.0, lowercase=False, whitespace=False, eps_smoothing=False):
    return CHRF(n_char_order, n_word_order, beta, lowercase, whitespace, eps_smoothing)


# Reference: sacrebleu's CHRF (corpus_score / 100; sentence_score / 100 per sentence).
def _reference_chrf(preds, target, sentence_level=False, **kwargs):
    target = [[t] if isinstance(t, str) else list(t) for t in target]
    metric = _chrf(**kwargs)
    if preds:
        width = max(len(t) for t in target)
        streams = [[t[k] if k < len(t) else None for t in target] for k in range(width)]
        corpus = metric.corpus_score(preds, streams).score / 100
    else:
        corpus = 1e-16 if kwargs.get("eps_smoothing") else 0.0
    if not sentence_level:
        return corpus
    return corpus, [metric.sentence_score(p, t).score / 100 for p, t in zip(preds, target)]


_SIZES = [5, 3, 1, 6, 4]
_BAD = [
    BadInput(
        (["a b"], [["a b"], ["c d"]]),
        ValueError,
        r"CHRFScore: `target` must have as many items as `preds` \(1\), got 2",
    ),
    BadInput(
        ([1.0], [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got float at position 0"
    ),
]
_CONFIGS = {
    "chrf++": {},
    "chrf": {"n_word_order": 0},
    "chrf-nc3-nw1-beta1-lc-ws": {
        "n_char_order": 3,
        "n_word_order": 1,
        "beta": 1.0,
        "lowercase": True,
        "whitespace": True,
    },
    "chrf++-eps": {"eps_smoothing": True},
}
SPECS = [
    MetricSpec(
        CHRFScore,
        lambda p, t, kw=kwargs: _reference_chrf(p, t, **kw),
        _batches(seed, _SIZES),
        metric_args=kwargs,
        functional=chrf_score,
        bad_inputs=_BAD if seed == 0 else (),
        id=name,
    )
    for seed, (name, kwargs) in enumerate(_CONFIGS.items())
] + [
    MetricSpec(
        CHRFScore,
        lambda p, t: _reference_chrf(p, t, sentence_level=True),
        _batches(9, _SIZES),
        metric_args={"return_sentence_level_score": True},
        functional=chrf_score,
        order_invariant=False,
        id="chrf++-sentence-level",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_chrf_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


def test_chrf_differs_from_torchmetrics_which_averages_per_order_scores() -> None:
    # TorchMetrics averages per-order F-scores; SacreBLEU (the reference implementation of chrF/chrF++ since 2.0)
    # averages precision and recall over the orders present; the two disagree on ordinary data.
    (preds, target), *_ = _batches(11, [30], max_refs=1)
    ours = float(chrf_score(preds, target))
    assert ours == pytest.approx(_reference_chrf(preds, target), abs=1e-6)
    assert abs(float(tmf.chrf_score(preds, target)) - ours) > 1e-4


def test_chrf_eps_variant_leaves_out_orders_the_reference_lacks() -> None:
    # "x" has no character bigram: SacreBLEU counts none of the hypothesis' bigrams for that sentence either.
    preds, target = ["abcdefg hij", "xyzuvw"], [["abcdefg hij"], ["x"]]
    ours = float(chrf_score(preds, target, eps_smoothing=True))
    assert ours == pytest.approx(_reference_chrf(preds, target, eps_smoothing=True), abs=1e-6)
    assert ours == pytest.approx(0.9479, abs=1e-4)
    assert float(tmf.chrf_score(preds, target)) == pytest.approx(0.9016, abs=1e-4)


def test_chrf_matches_torchmetrics_where_the_variants_agree() -> None:
    # Identical sentences (every order: precision = recall = 1) and sentences with no character in common.
    preds, target = ["the cat is on the mat", "a b"], [["the cat is on the mat"], ["a b"]]
    torch.testing.assert_close(chrf_score(preds, target), tmf.chrf_score(preds, target))
    preds, target = ["abc def"], [["xyz uvw"]]
    torch.testing.assert_close(chrf_score(preds, target), tmf.chrf_score(preds, target))


def test_chrf_sentence_scores_and_empty_corpus() -> None:
    value, scores = chrf_score([], [], return_sentence_level_score=True)
    assert float(value) == 0.0
    assert scores.shape == (0,)
    metric = CHRFScore(return_sentence_level_score=True)
    metric.update(["a b c"], [["a b c"]])
    metric.update(["x"], [["a b c"]])
    _, sentence = metric.compute()
    torch.testing.assert_close(sentence, torch.tensor([1.0, 0.0]))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_char_order": 0}, ValueError, r"`n_char_order` must be an int >= 1, got 0"),
        ({"n_word_order": -1}, ValueError, r"`n_word_order` must be an int >= 0, got -1"),
        ({"beta": -1.0}, ValueError, r"`beta` must be a float >= 0.0, got -1.0"),
        ({"lowercase": None}, TypeError, r"`lowercase` must be a bool, got None"),
        ({"whitespace": 1}, TypeError, r"`whitespace` must be a bool, got 1"),
        ({"return_sentence_level_score": "no"}, TypeError, r"`return_sentence_level_score` must be a bool"),
    ],
)
def test_chrf_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match="CHRFScore: " + match):
        CHRFScore(**kwargs)
    with pytest.raises(error, match="chrf_score: " + match):
        chrf_score(["a"], [["a"]], **kwargs)
