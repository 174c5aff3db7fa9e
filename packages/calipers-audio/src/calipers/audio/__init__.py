"""Audio metrics for calipers."""

from __future__ import annotations

from calipers.audio.pesq import PerceptualEvaluationSpeechQuality
from calipers.audio.pit import PermutationInvariantTraining
from calipers.audio.sdr import (
    ScaleInvariantSignalDistortionRatio,
    SignalDistortionRatio,
    SourceAggregatedSignalDistortionRatio,
)
from calipers.audio.snr import ComplexScaleInvariantSignalNoiseRatio, ScaleInvariantSignalNoiseRatio, SignalNoiseRatio
from calipers.audio.srmr import SpeechReverberationModulationEnergyRatio
from calipers.audio.stoi import ShortTimeObjectiveIntelligibility

__all__ = [
    "ComplexScaleInvariantSignalNoiseRatio",
    "PerceptualEvaluationSpeechQuality",
    "PermutationInvariantTraining",
    "ScaleInvariantSignalDistortionRatio",
    "ScaleInvariantSignalNoiseRatio",
    "ShortTimeObjectiveIntelligibility",
    "SignalDistortionRatio",
    "SignalNoiseRatio",
    "SourceAggregatedSignalDistortionRatio",
    "SpeechReverberationModulationEnergyRatio",
]
