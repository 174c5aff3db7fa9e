from __future__ import annotations

import random

import nltk
import numpy as np
import pytest
import torch
from rouge_score.rouge_scorer import RougeScorer
from torchmetrics.functional.text.rouge import rouge_score as tm_rouge_score

from calipers.functional.text.rouge import rouge_score
from calipers.text.rouge import ROUGEScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_TEXT = "the cat sat on mat dog ran in park big small red a of and to is was running runs quickly Über"
_WORDS = _TEXT.split(" ")


def _text(rng: random.Random) -> str:
    """One to three newline-separated sentences of 0-10 words, some with punctuation attached."""
    sentences = [
        " ".join(rng.choice(_WORDS) + rng.choice(["", "", ",", "."]) for _ in range(rng.randint(0, 10)))
        for _ in range(rng.randint(1, 3))
    ]
    return "\n".join(sentences)


def _batches(seed: int, sizes: list[int], max_refs: int = 3) -> list[tuple[list[str], list[list[str]]]]:
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_text(rng) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [(rng.choice(r) if rng.random() < 0.2 else _text(rng)) for r in refs]
        out.append((hyps, refs))
    return out


_KEYS = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_PARTS = {"precision": 0, "recall": 1, "fmeasure": 2}


# Reference: Google's rouge-score (RougeScorer.score_multi for "best"; the mean of RougeScorer.score over the
# references for "avg"), averaged over hypotheses.
def _reference_rouge(preds, target, keys=_KEYS, use_stemmer=False, accumulate="best", tokenizer=None):
    scorer = RougeScorer(list(keys), use_stemmer=use_stemmer, tokenizer=tokenizer)
    target = [[t] if isinstance(t, str) else list(t) for t in target]
    per_hyp = []
    for hyp, refs in zip(preds, target):
        if accumulate == "best":
            best = scorer.score_multi(refs, hyp)
            per_hyp.append({k: tuple(best[k]) for k in keys})
        else:
            scores = [scorer.score(r, hyp) for r in refs]
            per_hyp.append({k: tuple(np.mean([tuple(s[k]) for s in scores], axis=0)) for k in keys})
    return {
        f"{k}_{part}": (np.mean([s[k][i] for s in per_hyp]) if per_hyp else np.nan)
        for k in keys
        for part, i in _PARTS.items()
    }


_SIZES = [5, 3, 1, 6, 4]
_BAD = [
    BadInput((["a b"], [["a b"], ["c d"]]), ValueError, r"ROUGEScore: `target` must have as many items as `preds`"),
    BadInput(([3], [["a"]]), TypeError, r"`preds` must be a string or a sequence of strings, got int at position 0"),
    BadInput((["a"], [[None]]), TypeError, r"`target` must be a string or a sequence of strings, got NoneType at"),
    BadInput((["a"], [[]]), ValueError, r"`target` must hold at least one reference per hypothesis"),
    BadInput((["a"], 5), TypeError, r"`target` must be a string, a sequence of strings or of sequences of strings"),
]

SPECS = [
    MetricSpec(
        ROUGEScore, _reference_rouge, _batches(1, _SIZES), functional=rouge_score, bad_inputs=_BAD, id="rouge-best"
    ),
    MetricSpec(
        ROUGEScore,
        lambda p, t: _reference_rouge(p, t, accumulate="avg"),
        _batches(2, _SIZES),
        metric_args={"accumulate": "avg"},
        functional=rouge_score,
        id="rouge-avg",
    ),
    MetricSpec(
        ROUGEScore,
        lambda p, t: _reference_rouge(p, t, keys=("rouge1", "rouge3", "rougeL"), use_stemmer=True),
        _batches(3, _SIZES),
        metric_args={"use_stemmer": True, "rouge_keys": ("rouge1", "rouge3", "rougeL")},
        functional=rouge_score,
        id="rouge-stemmer",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_rouge_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


def test_rouge_matches_torchmetrics_without_lsum() -> None:
    # TorchMetrics' rougeLsum downloads NLTK's punkt and splits with it; rouge1/2/L agree with it.
    (preds, target), *_ = _batches(4, [30])
    for use_stemmer in (False, True):
        for accumulate in ("best", "avg"):
            kwargs = {"rouge_keys": ("rouge1", "rouge2", "rougeL"), "use_stemmer": use_stemmer,
                      "accumulate": accumulate}  # fmt: skip
            ours, theirs = rouge_score(preds, target, **kwargs), tm_rouge_score(preds, target, **kwargs)
            assert ours.keys() == theirs.keys()
            for key in ours:
                torch.testing.assert_close(ours[key], theirs[key], atol=1e-6, rtol=1e-5)


def test_rouge_lsum_splits_on_newlines_or_a_user_splitter() -> None:
    preds, target = ["the cat sat. the dog ran"], [["the dog ran. the cat sat"]]
    on_newlines = rouge_score(preds, target, rouge_keys="rougeLsum")
    assert float(on_newlines["rougeLsum_fmeasure"]) == pytest.approx(
        _reference_rouge(preds, target, keys=("rougeLsum",))["rougeLsum_fmeasure"]
    )

    def on_periods(text: str) -> list[str]:  # a tiny splitter shipped with the test
        return [s.strip() for s in text.split(".")]

    split = rouge_score(preds, target, rouge_keys="rougeLsum", sentence_splitter=on_periods)
    newlines = [[t.replace(". ", "\n") for t in refs] for refs in target]
    expected = _reference_rouge([p.replace(". ", "\n") for p in preds], newlines, keys=("rougeLsum",))
    assert float(split["rougeLsum_fmeasure"]) == pytest.approx(expected["rougeLsum_fmeasure"])
    assert float(split["rougeLsum_fmeasure"]) == pytest.approx(1.0)
    assert float(on_newlines["rougeLsum_fmeasure"]) < 1.0
    metric = ROUGEScore(rouge_keys=("rougeLsum",), sentence_splitter=on_periods)
    metric.update(preds, target)
    torch.testing.assert_close(metric.compute()["rougeLsum_fmeasure"], split["rougeLsum_fmeasure"])


def test_rouge_nltk_splitter_without_its_resource_raises_and_never_downloads(monkeypatch) -> None:
    try:
        nltk.data.find("tokenizers/punkt_tab")
    except LookupError:
        pass
    else:
        pytest.skip("punkt_tab is installed here")

    def no_download(*args, **kwargs):
        raise AssertionError("nltk.download was called")

    monkeypatch.setattr(nltk, "download", no_download)
    with pytest.raises(LookupError, match=r"ROUGEScore: `sentence_splitter='nltk'` needs the NLTK resource "
                       r"'tokenizers/punkt_tab'.*never downloads"):  # fmt: skip
        ROUGEScore(sentence_splitter="nltk")
    with pytest.raises(LookupError, match=r"rouge_score: `sentence_splitter='nltk'` needs"):
        rouge_score("a", "a", sentence_splitter="nltk")
    # Not asked for unless rougeLsum is computed.
    ROUGEScore(rouge_keys="rouge1", sentence_splitter="nltk")


def test_rouge_input_forms_follow_torchmetrics() -> None:
    one = rouge_score("a b c", ["a b", "a b c"], rouge_keys="rouge1")  # a string and its two references
    assert float(one["rouge1_fmeasure"]) == pytest.approx(1.0)
    pairs = rouge_score(["a b c", "x"], ["a b c", "y"], rouge_keys="rouge1")  # one reference each
    assert float(pairs["rouge1_fmeasure"]) == pytest.approx(0.5)
    empty = rouge_score([], [], rouge_keys="rouge1")
    assert torch.isnan(empty["rouge1_fmeasure"])


def test_rouge_custom_normalizer_and_tokenizer() -> None:
    preds, target = ["A-B C"], ["a-b c"]
    scores = rouge_score(preds, target, rouge_keys="rouge1", normalizer=str.lower, tokenizer=str.split)
    assert float(scores["rouge1_fmeasure"]) == pytest.approx(1.0)
    theirs = tm_rouge_score(preds, target, rouge_keys="rouge1", normalizer=str.lower, tokenizer=str.split)
    torch.testing.assert_close(scores["rouge1_fmeasure"], theirs["rouge1_fmeasure"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rouge_keys": "rouge0"}, ValueError, r"`rouge_keys` must be one of \['rouge1', .*got 'rouge0'"),
        ({"rouge_keys": ("rouge1", "rougeX")}, ValueError, r"`rouge_keys` must be one of .*got 'rougeX'"),
        ({"rouge_keys": ("rouge1", "rouge1")}, ValueError, r"`rouge_keys` must not repeat a key"),
        ({"rouge_keys": ()}, TypeError, r"`rouge_keys` must be a key or a non-empty tuple of keys"),
        ({"accumulate": "max"}, ValueError, r"`accumulate` must be one of \['avg', 'best'\], got 'max'"),
        ({"use_stemmer": "yes"}, TypeError, r"`use_stemmer` must be a bool"),
        ({"normalizer": 3}, TypeError, r"`normalizer` must be None or a callable, got 3"),
        ({"sentence_splitter": "spacy"}, TypeError, r"`sentence_splitter` must be 'newline', 'nltk' or a callable"),
    ],
)
def test_rouge_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match="ROUGEScore: " + match):
        ROUGEScore(**kwargs)
    with pytest.raises(error, match="rouge_score: " + match):
        rouge_score(["a"], [["a"]], **kwargs)
