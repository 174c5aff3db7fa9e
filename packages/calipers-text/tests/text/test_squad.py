from __future__ import annotations

import random
import re
import string
from collections import Counter

import pytest
import torch
import torchmetrics.functional.text as tmf
import torchmetrics.text as tmt

from calipers.exceptions import CalipersUserWarning
from calipers.functional.text import squad
from calipers.text import SQuAD
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = random.Random(1505)
_WORDS = ["The", "cat", "sat", "an", "Apple", "a", "1976", "Paris", "river", "the", "blue", "sky", "of"]
_PUNCT = ["", "", ".", ",", "!", "'s", "-"]


def _answer() -> str:
    return " ".join(_rng.choice(_WORDS) + _rng.choice(_PUNCT) for _ in range(_rng.randint(1, 5)))


def _batches(sizes):
    out, qid = [], 0
    for n in sizes:
        preds, target = [], []
        for _ in range(n):
            answers = [_answer() for _ in range(_rng.randint(1, 3))]
            pred = _rng.choice([answers[0].upper(), _answer(), answers[-1] + " " + _rng.choice(_WORDS), "the"])
            preds.append({"prediction_text": pred, "id": f"q{qid}"})
            target.append({"answers": {"answer_start": [0] * len(answers), "text": answers}, "id": f"q{qid}"})
            qid += 1
        out.append((preds, target))
    return out


# Reference: the official SQuAD v1.1 evaluation, written from its definition.
def _official_normalize(s):
    s = s.lower().translate(str.maketrans("", "", string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _official_f1(prediction, truth):
    p, t = _official_normalize(prediction).split(), _official_normalize(truth).split()
    common = Counter(p) & Counter(t)
    same = sum(common.values())
    if same == 0:
        return 0
    precision, recall = same / len(p), same / len(t)
    return (2 * precision * recall) / (precision + recall)


def _reference_squad(preds, target):
    predictions = {p["id"]: p["prediction_text"] for p in preds}
    f1 = em = total = 0
    for qa in target:
        total += 1
        if qa["id"] not in predictions:
            continue
        truths = qa["answers"]["text"]
        pred = predictions[qa["id"]]
        em += max(int(_official_normalize(pred) == _official_normalize(t)) for t in truths)
        f1 += max(_official_f1(pred, t) for t in truths)
    return {"exact_match": 100.0 * em / total, "f1": 100.0 * f1 / total}


_ONE_TARGET = [{"answers": {"text": ["x"]}, "id": "1"}]
_BAD = [
    BadInput(([{"id": "1"}], _ONE_TARGET), ValueError, r"`preds` items must hold the keys \['id', 'prediction_text'\]"),
    BadInput(([{"prediction_text": "x", "id": "1"}], [{"id": "1"}]), ValueError, r"`target` items must hold the keys"),
    BadInput((["x"], _ONE_TARGET), TypeError, "`preds` must be a dict or a sequence of dicts, got str at position 0"),
    BadInput(
        ([{"prediction_text": "x", "id": "1"}], [{"answers": {"text": []}, "id": "1"}]),
        ValueError,
        "'text' is a non-empty list of strings",
    ),
    BadInput(([{"prediction_text": 3, "id": "1"}], _ONE_TARGET), TypeError, "'prediction_text' must be a string"),
]

SPECS = [
    MetricSpec(SQuAD, _reference_squad, _batches([5, 3, 1, 7, 4]), functional=squad, bad_inputs=_BAD, id="squad"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_squad_harness(spec):
    run_metric_tests(spec)


def _nonempty(batch):
    # TorchMetrics is right unless an answer normalises to nothing (see the test below): drop those questions.
    preds, target = batch
    keep = [
        i
        for i, (p, t) in enumerate(zip(preds, target))
        if _official_normalize(p["prediction_text"]) and all(_official_normalize(a) for a in t["answers"]["text"])
    ]
    return [preds[i] for i in keep], [target[i] for i in keep]


def test_squad_matches_torchmetrics():
    ours, theirs = SQuAD(), tmt.SQuAD()
    for preds, target in map(_nonempty, _batches([12, 15])):
        torch.testing.assert_close(squad(preds, target), tmf.squad(preds, target))
        ours.update(preds, target)
        theirs.update(preds, target)
    torch.testing.assert_close(ours.compute(), theirs.compute())
    single = ({"prediction_text": "1976", "id": "a"}, {"answers": {"text": ["1976"]}, "id": "a"})
    torch.testing.assert_close(squad(*single), tmf.squad(*single))  # single dicts


def test_squad_answers_normalising_to_nothing_follow_v11():
    # Official v1.1: F1 is 0 when no token is shared, also when both sides normalise to nothing ("The" vs "a!"),
    # while exact match is 1. TorchMetrics applies the SQuAD v2.0 no-answer rule there (F1 100).
    preds, target = [{"prediction_text": "The", "id": "1"}], [{"answers": {"text": ["a!"]}, "id": "1"}]
    assert squad(preds, target) == _reference_squad(preds, target) == {"exact_match": 100.0, "f1": 0.0}
    assert tmf.squad(preds, target)["f1"].item() == 100.0


def test_squad_unanswered_questions_score_zero_with_a_warning():
    preds = [{"prediction_text": "x", "id": "1"}, {"prediction_text": "y", "id": "unknown"}]
    target = [{"answers": {"text": ["x"]}, "id": "1"}, {"answers": {"text": ["z"]}, "id": "2"}]
    with pytest.warns(CalipersUserWarning, match=r"squad: 1 question\(s\) of `target` have no prediction \('2'\)"):
        value = squad(preds, target)
    assert value == {"exact_match": 50.0, "f1": 50.0}


def test_squad_states():
    metric = SQuAD()
    assert metric.f1_score.dtype == torch.float64
    assert metric.exact_match.dtype == torch.int64 and metric.total.dtype == torch.int64
    metric.update([], [])
    assert metric.total.item() == 0
    assert all(torch.isnan(v) for v in metric.compute().values())


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_squad_signatures_match_torchmetrics():
    assert _tm_signature_matches(squad, tmf.squad)
    assert _tm_signature_matches(SQuAD.__init__, tmt.SQuAD.__init__)
