from __future__ import annotations

import random

import jiwer
import pytest
import torch
import torchmetrics.functional.text as tmf
import torchmetrics.text as tmt

from calipers.functional.text import char_error_rate, word_error_rate
from calipers.text import CharErrorRate, WordErrorRate
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = random.Random(1501)
_VOCAB = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "fast", "blue", "sky", "is", "high", "x"]


def _sentence(low: int = 0, high: int = 9) -> str:
    return " ".join(_rng.choice(_VOCAB) for _ in range(_rng.randint(low, high)))


def _noisy(ref: str) -> str:
    words = [w if _rng.random() > 0.3 else _rng.choice(_VOCAB) for w in ref.split()]
    if words and _rng.random() < 0.4:
        del words[_rng.randrange(len(words))]
    if _rng.random() < 0.4:
        words.insert(_rng.randint(0, len(words)), _rng.choice(_VOCAB))
    return " ".join(words)


def _batches(sizes):
    out = []
    for n in sizes:
        refs = [_sentence() for _ in range(n)]  # some references are empty (0 words)
        out.append(([_noisy(r) for r in refs], refs))
    return out


_SIZES = [7, 3, 1, 10, 4]


# References: jiwer (sentences have single spaces and no outer spaces, where jiwer's transforms equal str.split()).
def _reference_wer(preds, target):
    return jiwer.process_words(list(target), list(preds)).wer


def _reference_cer(preds, target):
    return jiwer.process_characters(list(target), list(preds)).cer


_BAD = [
    BadInput((["a b"], ["a", "b"]), ValueError, r"`target` must have as many items as `preds` \(1\), got 2"),
    BadInput((["a", "b", "c"], ["a"]), ValueError, r"`target` must have as many items as `preds` \(3\), got 1"),
    BadInput((["a", 3], ["a", "b"]), TypeError, "`preds` must be a string or a sequence of strings, got int at"),
    BadInput((["a"], None), TypeError, "`target` must be a string or a sequence of strings, got NoneType"),
]

SPECS = [
    MetricSpec(WordErrorRate, _reference_wer, _batches(_SIZES), functional=word_error_rate, bad_inputs=_BAD, id="wer"),
    MetricSpec(CharErrorRate, _reference_cer, _batches(_SIZES), functional=char_error_rate, bad_inputs=_BAD, id="cer"),
    MetricSpec(
        WordErrorRate,
        _reference_wer,
        [("a b c", "a b"), (["x y", ""], ["x", "z z z"])],  # a single string is one pair
        functional=word_error_rate,
        id="wer-strings",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_error_rate_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("ours", "theirs"), [(word_error_rate, tmf.word_error_rate), (char_error_rate, tmf.char_error_rate)]
)
def test_error_rate_matches_torchmetrics(ours, theirs):
    preds, target = _batches([40])[0]
    target = [t or "nonempty" for t in target]  # TorchMetrics divides by zero on empty references
    preds = [" " + p + "  " for p in preds]  # outer spaces count as characters (TorchMetrics' CER, no strip)
    torch.testing.assert_close(ours(preds, target), theirs(preds, target))
    torch.testing.assert_close(ours("one two", "one three"), theirs("one two", "one three"))


def test_error_rate_classes_match_torchmetrics():
    for ours, theirs in [(WordErrorRate(), tmt.WordErrorRate()), (CharErrorRate(), tmt.CharErrorRate())]:
        for preds, target in _batches([5, 8, 2]):
            target = [t or "x" for t in target]
            torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(ours.compute(), theirs.compute())


def test_error_rate_empty_references_follow_jiwer():
    # every reference empty: the number of insertions itself (jiwer), 0 when nothing was predicted
    assert word_error_rate(["a b", "c"], ["", ""]).item() == 3.0 == jiwer.process_words(["", ""], ["a b", "c"]).wer
    assert word_error_rate(["", ""], ["", ""]).item() == 0.0
    assert char_error_rate(["ab"], [""]).item() == 2.0
    # an empty reference among others adds its insertions and no reference word
    assert word_error_rate(["a b", "x"], ["a b", ""]).item() == pytest.approx(0.5)
    metric = WordErrorRate()
    with pytest.warns(UserWarning, match="called before `update`"):
        assert metric.compute().item() == 0.0  # nothing seen: no error


def test_error_rate_empty_batch_is_a_no_op_and_states_are_int64():
    metric = WordErrorRate()
    metric.update(["a b"], ["a c"])
    metric.update([], [])
    assert metric.errors.dtype == torch.int64 and metric.total.dtype == torch.int64
    assert (metric.errors.item(), metric.total.item()) == (1, 2)
    assert metric.compute().item() == pytest.approx(0.5)


def test_error_rate_counts_stay_exact_beyond_float32():
    metric = CharErrorRate()
    metric.errors += 2**25  # beyond float32's exact integers (TorchMetrics keeps float32 counters)
    metric.total += 2**26
    metric.update(["b"], ["a"])
    assert metric.errors.item() == 2**25 + 1 and metric.total.item() == 2**26 + 1
    assert metric.compute().dtype == torch.float32


def test_error_rate_set_dtype_float64():
    metric = WordErrorRate().set_dtype(torch.float64)
    metric.update(["a b c"], ["a b d"])
    assert metric.compute().dtype == torch.float64


def test_error_rate_functional_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"word_error_rate: `target` must have as many items as `preds` \(2\), got 1"):
        word_error_rate(["a", "b"], ["a"])
    with pytest.raises(TypeError, match="char_error_rate: `preds` must be a string or a sequence of strings, got int"):
        char_error_rate(3, ["a"])


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_error_rate_signatures_match_torchmetrics():
    assert _tm_signature_matches(word_error_rate, tmf.word_error_rate)
    assert _tm_signature_matches(char_error_rate, tmf.char_error_rate)
    assert _tm_signature_matches(WordErrorRate.__init__, tmt.WordErrorRate.__init__)
    assert _tm_signature_matches(CharErrorRate.__init__, tmt.CharErrorRate.__init__)
