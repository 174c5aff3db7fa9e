"""Every public class and function of TorchMetrics' text domain exists in calipers with TorchMetrics' signature."""

from __future__ import annotations

import warnings

import pytest

import calipers.functional.text
import calipers.text
from calipers_testing.api_parity import signature_differences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.functional.text as tm_functional
    import torchmetrics.text as tm_modules

# Model-backed metrics come in a later issue.
_LATER = {"BERTScore", "InfoLMScore", "bert_score", "infolm"} | {
    "DeepNoiseSuppressionMeanOpinionScore",
    "deep_noise_suppression_mean_opinion_score",
    "NonIntrusiveSpeechQualityAssessment",
    "non_intrusive_speech_quality_assessment",
}


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(calipers.text, tm_modules), (calipers.functional.text, tm_functional)],
    ids=["classes", "functional"],
)
def test_text_signatures_match_torchmetrics(ours, theirs):
    names = [n for n in theirs.__all__ if n not in _LATER]
    assert len(names) >= 3
    assert signature_differences(ours, theirs, names) == []
