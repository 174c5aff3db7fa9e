from __future__ import annotations

import random

import pytest
import torch
import torchmetrics.functional.text as tmf
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

from calipers.exceptions import CalipersUserWarning
from calipers.functional.text.bleu import bleu_score
from calipers.text.bleu import BLEUScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_VOCAB = ["the", "a", "cat", "dog", "sat", "on", "mat", "is", "was", "there", "big", "small", "red", "and", "of", "to"]


def _sentence(rng: random.Random, low: int = 4, high: int = 14) -> str:
    return " ".join(rng.choice(_VOCAB) for _ in range(rng.randint(low, high)))


def _batches(seed: int, sizes: list[int], max_refs: int = 3) -> list[tuple[list[str], list[list[str]]]]:
    """Hypotheses of >= 4 words (NLTK counts at least one n-gram per sentence and order) and 1..max_refs refs."""
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_sentence(rng) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [(rng.choice(r) if rng.random() < 0.3 else _sentence(rng)) for r in refs]
        out.append((hyps, refs))
    return out


# Reference: NLTK's corpus_bleu on whitespace tokens (method2 = add one to orders 2..N, Lin and Och 2004).
def _reference_bleu(preds, target, n_gram=4, smooth=False, weights=None):
    weights = tuple(weights) if weights is not None else tuple([1.0 / n_gram] * n_gram)
    refs = [[r.split() for r in ([t] if isinstance(t, str) else t)] for t in target]
    fn = SmoothingFunction().method2 if smooth else SmoothingFunction().method0
    if not preds:
        return 0.0
    return corpus_bleu(refs, [p.split() for p in preds], weights=weights, smoothing_function=fn)


_SIZES = [5, 3, 1, 6, 4]
_BAD = [
    BadInput(
        (["a b"], [["a b"], ["c d"]]),
        ValueError,
        r"`target` must have as many items as `preds` \(1\), got 2",
    ),
    BadInput(([1], [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got int at position 0"),
    BadInput(
        (["a"], [["a", 3]]), TypeError, r"`target` must be a string or a sequence of strings, got int at position 1"
    ),
    BadInput((["a"], 3), TypeError, r"`target` must be a sequence of strings or of sequences of strings, got int"),
    BadInput((["a"], [[]]), ValueError, r"`target` must hold at least one reference per hypothesis"),
    BadInput((None, [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got NoneType"),
]

SPECS = [
    MetricSpec(BLEUScore, _reference_bleu, _batches(1, _SIZES), functional=bleu_score, bad_inputs=_BAD, id="bleu4"),
    MetricSpec(
        BLEUScore,
        lambda p, t: _reference_bleu(p, t, smooth=True),
        _batches(2, _SIZES),
        metric_args={"smooth": True},
        functional=bleu_score,
        id="bleu4-smooth",
    ),
    MetricSpec(
        BLEUScore,
        lambda p, t: _reference_bleu(p, t, n_gram=2, weights=[0.3, 0.7]),
        _batches(3, _SIZES),
        metric_args={"n_gram": 2, "weights": [0.3, 0.7]},
        functional=bleu_score,
        id="bleu2-weights",
    ),
    MetricSpec(
        BLEUScore,
        lambda p, t: _reference_bleu(p, t, n_gram=1),
        _batches(4, [4, 0, 3]),
        metric_args={"n_gram": 1},
        functional=bleu_score,
        id="bleu1-empty-batch",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_bleu_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


def test_bleu_matches_torchmetrics_with_single_references() -> None:
    (preds, target), *_ = _batches(5, [40], max_refs=1)
    for smooth in (False, True):
        for n_gram in (1, 2, 4):
            ours = bleu_score(preds, target, n_gram=n_gram, smooth=smooth)
            theirs = tmf.bleu_score(preds, target, n_gram=n_gram, smooth=smooth)
            torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)


def test_bleu_brevity_penalty_independent_of_reference_order() -> None:
    # TM#3504: TorchMetrics takes the first of two equally close references (1.0 or 0.867 for the same data);
    # the closest length with ties to the shorter one (NLTK, SacreBLEU) gives one value in any order.
    preds = ["a b c d e"]
    short, long_ = "a b c d", "a b c d e f"
    one = bleu_score(preds, [[short, long_]], n_gram=1)
    other = bleu_score(preds, [[long_, short]], n_gram=1)
    assert one == other
    expected = _reference_bleu(preds, [[long_, short]], n_gram=1, weights=[1.0])
    torch.testing.assert_close(one, torch.tensor(expected, dtype=torch.float32))
    tm = {float(tmf.bleu_score(preds, [refs], n_gram=1)) for refs in ([short, long_], [long_, short])}
    assert len(tm) == 2  # the TorchMetrics defect this test documents


def test_bleu_smooth_with_unmatched_higher_order_matches_nltk() -> None:
    # No 4-gram matches: TorchMetrics returns 0 even with smoothing; add-one smoothing (NLTK method2) does not.
    preds, target = ["the cat on the sat mat now"], [["the cat sat on the mat now"]]
    ours = float(bleu_score(preds, target, smooth=True))
    assert ours == pytest.approx(_reference_bleu(preds, target, smooth=True), rel=1e-6)
    assert ours > 0
    assert float(tmf.bleu_score(preds, target, smooth=True)) == 0.0


def test_bleu_large_counts_are_exact() -> None:
    metric = BLEUScore(n_gram=1)
    metric.update(["x"], [["y"]])  # one unmatched word: lengths 1 and 1, no match, one unigram
    metric.numerator += 2**40
    metric.denominator += 2**40
    metric.preds_len += 2**40
    metric.target_len += 2**40
    assert metric.numerator.dtype == torch.int64
    torch.testing.assert_close(metric.compute(), torch.tensor(2**40 / (2**40 + 1)))


def test_bleu_empty_corpus_is_zero() -> None:
    assert float(bleu_score([], [])) == 0.0
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert float(BLEUScore().compute()) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_gram": 0}, ValueError, r"BLEUScore: `n_gram` must be an int >= 1, got 0"),
        ({"n_gram": 2.0}, TypeError, r"`n_gram` must be an int >= 1"),
        ({"smooth": 1}, TypeError, r"`smooth` must be a bool"),
        ({"weights": [0.5, 0.5]}, ValueError, r"`weights` must be None or a sequence of `n_gram` = 4 floats, got 2"),
        ({"weights": [0.3, 0.3, 0.3, 0.3]}, ValueError, r"`weights` must sum to 1"),
        ({"weights": [0.5, 0.5, -0.5, 0.5]}, ValueError, r"`weights` must be a float >= 0.0"),
        ({"weights": "abcd"}, TypeError, r"`weights` must be None or a sequence of 4 floats"),
    ],
)
def test_bleu_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        BLEUScore(**kwargs)
    with pytest.raises(error, match=match.replace("BLEUScore", "bleu_score")):
        bleu_score(["a b"], [["a b"]], **kwargs)


def test_bleu_string_inputs() -> None:
    assert float(bleu_score("a b c d", ["a b c d"])) == pytest.approx(1.0)
