"""Every public class and function of TorchMetrics' audio domain exists in calipers with TorchMetrics' signature."""

from __future__ import annotations

import warnings

import pytest

import calipers.audio
import calipers.functional.audio
from calipers_testing.api_parity import domain_signature_differences, signature_differences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.audio as tm_modules
    import torchmetrics.functional.audio as tm_functional


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(calipers.audio, tm_modules), (calipers.functional.audio, tm_functional)],
    ids=["classes", "functional"],
)
def test_audio_signatures_match_torchmetrics(ours, theirs):
    assert domain_signature_differences(ours, theirs) == []


def test_srmr_signatures_match_torchmetrics():
    # TorchMetrics lists SRMR in `__all__` only where torchaudio imports; its modules define it either way.
    from types import SimpleNamespace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchmetrics.audio.srmr import SpeechReverberationModulationEnergyRatio
        from torchmetrics.functional.audio.srmr import speech_reverberation_modulation_energy_ratio

    theirs = SimpleNamespace(
        __name__="torchmetrics.audio.srmr",
        SpeechReverberationModulationEnergyRatio=SpeechReverberationModulationEnergyRatio,
        speech_reverberation_modulation_energy_ratio=speech_reverberation_modulation_energy_ratio,
    )
    ours = SimpleNamespace(
        __name__="calipers.audio",
        SpeechReverberationModulationEnergyRatio=calipers.audio.SpeechReverberationModulationEnergyRatio,
        speech_reverberation_modulation_energy_ratio=calipers.functional.audio.speech_reverberation_modulation_energy_ratio,
    )
    names = ["SpeechReverberationModulationEnergyRatio", "speech_reverberation_modulation_energy_ratio"]
    assert signature_differences(ours, theirs, names) == []
