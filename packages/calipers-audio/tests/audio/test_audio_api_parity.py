"""Every public class and function of TorchMetrics' audio domain exists in calipers with TorchMetrics' signature."""

from __future__ import annotations

import warnings

import pytest

import calipers.audio
import calipers.functional.audio
from calipers_testing.api_parity import signature_differences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.audio as tm_modules
    import torchmetrics.functional.audio as tm_functional

# Model-backed metrics come in a later issue.
_LATER = {"BERTScore", "InfoLMScore", "bert_score", "infolm"} | {
    "DeepNoiseSuppressionMeanOpinionScore",
    "deep_noise_suppression_mean_opinion_score",
    "NonIntrusiveSpeechQualityAssessment",
    "non_intrusive_speech_quality_assessment",
}


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(calipers.audio, tm_modules), (calipers.functional.audio, tm_functional)],
    ids=["classes", "functional"],
)
def test_audio_signatures_match_torchmetrics(ours, theirs):
    names = [n for n in theirs.__all__ if n not in _LATER]
    assert len(names) >= 3
    assert signature_differences(ours, theirs, names) == []
