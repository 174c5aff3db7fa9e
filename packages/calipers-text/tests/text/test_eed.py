from __future__ import annotations

import functools
import random
from fractions import Fraction

import numpy as np
import pytest
import torch
import torchmetrics.functional.text as tmf
import torchmetrics.text as tmt
from torchmetrics.functional.text.eed import _preprocess_en, _preprocess_ja

import calipers.functional.text._eed_kernel as kernel
from calipers.functional.text import extended_edit_distance
from calipers.functional.text.eed import _prepare_en, _prepare_ja
from calipers.text import ExtendedEditDistance
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = random.Random(1506)
_WORDS = ["the", "cat", "sat", "on", "mat", "dog", "Mr.", "3.5", "a", "blue", "sky", "e.g.", "is", "high", "it's"]
_PUNCT = ["", "", "", ",", ".", "!", "?"]


def _sentence(low: int = 1, high: int = 7) -> str:
    return " ".join(_rng.choice(_WORDS) + _rng.choice(_PUNCT) for _ in range(_rng.randint(low, high)))


def _noisy(ref: str) -> str:
    words = [w if _rng.random() > 0.3 else _rng.choice(_WORDS) for w in ref.split()]
    if len(words) > 1 and _rng.random() < 0.4:
        del words[_rng.randrange(len(words))]
    if _rng.random() < 0.4:
        words.insert(_rng.randint(0, len(words)), _rng.choice(_WORDS))
    return " ".join(words)


def _batches(sizes, max_refs=3):
    out = []
    for n in sizes:
        target = [[_sentence() for _ in range(_rng.randint(1, max_refs))] for _ in range(n)]
        out.append(([_noisy(refs[0]) for refs in target], target))
    return out


# Reference: the EED dynamic programme of Stanchev et al. (2019) in exact rational arithmetic (costs taken as the
# decimals they are written as), on text prepared by TorchMetrics' copy of the authors' preparation.
@functools.cache
def _exact_eed(hyp, ref, alpha, rho, deletion, insertion):
    alpha, rho, deletion, insertion = (Fraction(repr(x)) for x in (alpha, rho, deletion, insertion))
    visits = [0] * (len(hyp) + 1)
    row = [Fraction(0)] + [Fraction(1)] * len(hyp)
    for r in ref:
        new = [row[0] + 1]
        for i in range(1, len(hyp) + 1):
            new.append(min(row[i - 1] + (hyp[i - 1] != r), row[i] + insertion, new[i - 1] + deletion))
        best = min(new)
        visits[new.index(best)] += 1
        if r == " ":
            new = [min(x, alpha + best) for x in new]
        row = new
    coverage = rho * sum(abs(v - 1) for v in visits)
    return float(min(Fraction(1), (row[-1] + coverage) / (len(ref) + coverage)))


def _reference(language="en", sentence=False, alpha=2.0, rho=0.3, deletion=0.2, insertion=1.0):
    prepare = _preprocess_en if language == "en" else _preprocess_ja

    def reference(preds, target):
        scores = np.array(
            [
                min(_exact_eed(prepare(h), prepare(r), alpha, rho, deletion, insertion) for r in refs)
                for h, refs in zip(preds, target)
            ]
        )
        mean = scores.mean() if len(scores) else 0.0
        return (mean, scores) if sentence else mean

    return reference


_BAD = [
    BadInput((["a b", "c"], [["a"]]), ValueError, r"`target` must have as many items as `preds` \(2\), got 1"),
    BadInput((["a"], [[3]]), TypeError, r"`target\[0\]` must be a string or a sequence of strings, got int at"),
    BadInput(([1], [["a"]]), TypeError, "`preds` must be a string or a sequence of strings, got int at position 0"),
    BadInput(
        (["a", "b"], [["a"], []]),
        ValueError,
        r"`target` must hold at least one reference per hypothesis, got none at 1",
    ),
]

SPECS = [
    MetricSpec(
        ExtendedEditDistance,
        _reference(),
        _batches([5, 3, 1, 6, 4]),
        functional=extended_edit_distance,
        bad_inputs=_BAD,
        id="eed",
    ),
    MetricSpec(
        ExtendedEditDistance,
        _reference(sentence=True, alpha=1.5, rho=0.1, deletion=0.5, insertion=0.7),
        _batches([4, 2, 5]),
        metric_args={
            "return_sentence_level_score": True,
            "alpha": 1.5,
            "rho": 0.1,
            "deletion": 0.5,
            "insertion": 0.7,
        },
        functional=extended_edit_distance,
        order_invariant=False,  # sentence scores come in order
        id="eed-sentences-costs",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_eed_harness(spec):
    run_metric_tests(spec)


_DYADIC = {"alpha": 2.0, "rho": 0.5, "deletion": 0.25, "insertion": 1.0}  # sums of these are exact in binary


@pytest.mark.parametrize("language", ["en", "ja"])
def test_eed_matches_torchmetrics_when_sums_are_exact(language):
    # With costs exact in binary, TorchMetrics' floating-point loop computes the exact programme: equal results.
    preds, target = _batches([30])[0]
    ours = extended_edit_distance(preds, target, language, True, **_DYADIC)
    theirs = tmf.extended_edit_distance(preds, target, language, True, **_DYADIC)
    torch.testing.assert_close(ours, theirs)
    metric, tm_metric = ExtendedEditDistance(language, **_DYADIC), tmt.ExtendedEditDistance(language, **_DYADIC)
    for p, t in _batches([4, 7]):
        metric.update(p, t)
        tm_metric.update(p, t)
    torch.testing.assert_close(metric.compute(), tm_metric.compute())


def test_eed_matches_torchmetrics_examples():
    preds, target = (
        ["this is the prediction", "here is an other sample"],
        ["this is the reference", "here is another one"],
    )
    torch.testing.assert_close(extended_edit_distance(preds, target), tmf.extended_edit_distance(preds, target))
    one = ("a cat sat", ["the cat sat", "a dog sat"])  # one hypothesis, a flat list of its references
    torch.testing.assert_close(extended_edit_distance(*one), tmf.extended_edit_distance(*one))
    assert extended_edit_distance([], []).item() == 0.0  # TorchMetrics' value without a sentence


def test_eed_ties_are_exact_where_torchmetrics_rounds():
    # Default costs (0.2, 0.3) are not exact in binary: TorchMetrics' sums round, and equal-cost columns of a row
    # then differ in the last bit, which moves the visited column. calipers decides ties as exact arithmetic does.
    preds, target = _batches([40], max_refs=1)[0]
    exact = _reference(sentence=True)(preds, target)[1]
    _, ours = extended_edit_distance(preds, target, return_sentence_level_score=True)
    _, theirs = tmf.extended_edit_distance(preds, target, return_sentence_level_score=True)
    np.testing.assert_allclose(ours.double().numpy(), exact, rtol=1e-6)
    assert np.abs(theirs.double().numpy() - exact).max() > 1e-3


def test_eed_groups_of_pairs_agree(monkeypatch):
    preds, target = _batches([25])[0]
    whole = extended_edit_distance(preds, target, return_sentence_level_score=True)
    monkeypatch.setattr(kernel, "_GROUP", 3)  # many small groups, padding at every boundary
    torch.testing.assert_close(extended_edit_distance(preds, target, return_sentence_level_score=True), whole)


@pytest.mark.parametrize(
    "text",
    ["Mr. Smith paid 3.5 dollars, e.g. today!", "  U.S. ships  sail .  ", "Is it 1,000? yes. i.e. no", "", "\t"],
)
def test_eed_preparation_matches_the_authors(text):
    assert _prepare_en(text) == _preprocess_en(text)
    wide = text + "\uff21\uff22\uff11 "  # full-width "AB1": NFKC folds them
    assert _prepare_ja(wide) == _preprocess_ja(wide)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"language": "de"}, ValueError, r"`language` must be one of \['en', 'ja'\], got 'de'"),
        ({"alpha": -1.0}, ValueError, "`alpha` must be a float >= 0.0, got -1.0"),
        ({"rho": "0.3"}, TypeError, "`rho` must be a float >= 0.0, got '0.3'"),
        ({"return_sentence_level_score": 1}, TypeError, "`return_sentence_level_score` must be a bool, got 1"),
    ],
)
def test_eed_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"ExtendedEditDistance: {match}"):
        ExtendedEditDistance(**kwargs)
    with pytest.raises(error, match=f"extended_edit_distance: {match}"):
        extended_edit_distance(["a"], ["b"], **kwargs)


def test_eed_states_and_empty_batch():
    metric = ExtendedEditDistance(return_sentence_level_score=True)
    assert metric.total.dtype == torch.float64 and metric.count.dtype == torch.int64
    metric.update([], [])
    average, scores = metric.compute()
    assert average.item() == 0.0 and scores.shape == (0,)
    metric.update(["a b"], [["a b"]])
    assert metric.count.item() == 1


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_eed_signatures_match_torchmetrics():
    assert _tm_signature_matches(extended_edit_distance, tmf.extended_edit_distance)
    assert _tm_signature_matches(ExtendedEditDistance.__init__, tmt.ExtendedEditDistance.__init__)


@pytest.mark.parametrize("target", [[[]], [], [["x"], []]])
def test_eed_hypothesis_without_reference_raises(target):
    # TorchMetrics scores these 0 ([[]], []) or inf ([["x"], []]); the lowest EED over no reference is undefined.
    preds = ["a", "b"][: max(1, len(target))]
    at = len(target) - 1 if target else 0
    match = rf"`target` must hold at least one reference per hypothesis, got none at {at}\."
    with pytest.raises(ValueError, match="extended_edit_distance: " + match):
        extended_edit_distance(preds, target)
    metric = ExtendedEditDistance(return_sentence_level_score=True)
    metric.update(["a b"], [["a c"]])
    before = metric.compute()
    with pytest.raises(ValueError, match="ExtendedEditDistance: " + match):
        metric.update(preds, target)
    assert metric.count.item() == 1 and len(metric.sentence_eed) == 1
    torch.testing.assert_close(metric.compute(), before)
