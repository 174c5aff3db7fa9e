from __future__ import annotations

import random

import jiwer
import pytest
import torch
import torchmetrics.functional.text as tmf

from calipers import MetricCollection
from calipers.functional.text import match_error_rate, word_information_lost, word_information_preserved
from calipers.text import MatchErrorRate, WordInfoLost, WordInfoPreserved
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = random.Random(1502)
_VOCAB = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "fast", "blue", "sky", "is", "high", "x"]


def _sentence(low: int = 0, high: int = 9) -> str:
    return " ".join(_rng.choice(_VOCAB) for _ in range(_rng.randint(low, high)))


def _noisy(ref: str) -> str:
    words = [w if _rng.random() > 0.3 else _rng.choice(_VOCAB) for w in ref.split()]
    if words and _rng.random() < 0.5:
        del words[_rng.randrange(len(words))]
    if _rng.random() < 0.5:
        words.insert(_rng.randint(0, len(words)), _rng.choice(_VOCAB))
    return " ".join(words)


def _batches(sizes):
    out = []
    for n in sizes:
        refs = [_sentence() for _ in range(n)]
        out.append(([_noisy(r) for r in refs], refs))
    return out


_SIZES = [7, 3, 1, 10, 4]


# References: jiwer's word alignment measures on the concatenated pairs.
def _reference(measure):
    def reference(preds, target):
        return getattr(jiwer.process_words(list(target), list(preds)), measure)

    return reference


_BAD = [
    BadInput((["a b", "c"], ["a"]), ValueError, r"`target` must have as many items as `preds` \(2\), got 1"),
    BadInput(([b"a"], ["a"]), TypeError, "`preds` must be a string or a sequence of strings, got bytes at position 0"),
]

SPECS = [
    MetricSpec(cls, _reference(measure), _batches(_SIZES), functional=fn, bad_inputs=_BAD, id=measure)
    for cls, fn, measure in [
        (MatchErrorRate, match_error_rate, "mer"),
        (WordInfoLost, word_information_lost, "wil"),
        (WordInfoPreserved, word_information_preserved, "wip"),
    ]
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_word_alignment_harness(spec):
    run_metric_tests(spec)


def test_word_alignment_insertion_and_deletion_in_one_pair():
    # TM#3511: 'x a b' against 'a b c' is one insertion, one deletion and two hits; TorchMetrics' max(len) - edits
    # gives WIP 0.111 where the alignment (and jiwer) gives 4/9.
    preds, target = ["x a b"], ["a b c"]
    truth = jiwer.process_words(target, preds)
    assert (truth.hits, truth.insertions, truth.deletions) == (2, 1, 1)
    assert word_information_preserved(preds, target).item() == pytest.approx(4 / 9)
    assert word_information_lost(preds, target).item() == pytest.approx(5 / 9)
    assert match_error_rate(preds, target).item() == pytest.approx(0.5)
    assert tmf.word_information_preserved(preds, target).item() == pytest.approx(1 / 9)  # the TorchMetrics value


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (match_error_rate, tmf.match_error_rate),
        (word_information_lost, tmf.word_information_lost),
        (word_information_preserved, tmf.word_information_preserved),
    ],
)
def test_word_alignment_matches_torchmetrics_without_mixed_pairs(ours, theirs):
    # TorchMetrics is right when no pair needs both an insertion and a deletion: substitutions and deletions only.
    target = [_sentence(1, 12) for _ in range(30)]
    preds = []
    for ref in target:
        words = [w if _rng.random() > 0.3 else "zz" for w in ref.split()]
        if len(words) > 1 and _rng.random() < 0.5:
            del words[_rng.randrange(len(words))]
        preds.append(" ".join(words))
    torch.testing.assert_close(ours(preds, target), theirs(preds, target))


def test_word_alignment_empty_inputs_follow_jiwer():
    for preds, target in [([""], [""]), (["a b"], [""]), ([""], ["a b"]), (["", "a"], ["", ""])]:
        truth = jiwer.process_words(target, preds)
        assert match_error_rate(preds, target).item() == pytest.approx(truth.mer)
        assert word_information_preserved(preds, target).item() == pytest.approx(truth.wip)
        assert word_information_lost(preds, target).item() == pytest.approx(truth.wil)


def test_word_alignment_collection_shares_one_state():
    collection = MetricCollection([MatchErrorRate(), WordInfoLost(), WordInfoPreserved()])
    batches = _batches([5, 6])
    for preds, target in batches:
        collection.update(preds, target)
    values = collection.compute()
    preds = [p for b in batches for p in b[0]]
    target = [t for b in batches for t in b[1]]
    torch.testing.assert_close(values["MatchErrorRate"], match_error_rate(preds, target))
    torch.testing.assert_close(values["WordInfoLost"], word_information_lost(preds, target))
    torch.testing.assert_close(values["WordInfoPreserved"], word_information_preserved(preds, target))
    assert len(collection.compute_groups) == 1


def test_word_alignment_states_are_int64_and_empty_batch_is_a_no_op():
    metric = WordInfoPreserved()
    metric.update(["a b"], ["a c"])
    metric.update([], [])
    counts = (metric.hits, metric.substitutions, metric.deletions, metric.insertions)
    assert all(c.dtype == torch.int64 for c in counts)
    assert [c.item() for c in counts] == [1, 1, 0, 0]


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_word_alignment_signatures_match_torchmetrics():
    import torchmetrics.text as tmt

    for ours, theirs in [
        (match_error_rate, tmf.match_error_rate),
        (word_information_lost, tmf.word_information_lost),
        (word_information_preserved, tmf.word_information_preserved),
        (MatchErrorRate.__init__, tmt.MatchErrorRate.__init__),
        (WordInfoLost.__init__, tmt.WordInfoLost.__init__),
        (WordInfoPreserved.__init__, tmt.WordInfoPreserved.__init__),
    ]:
        assert _tm_signature_matches(ours, theirs), ours
