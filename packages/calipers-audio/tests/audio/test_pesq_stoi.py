"""PESQ and STOI against the `pesq` and `pystoi` packages called directly, plus TorchMetrics parity; the lazy
extras, the persistent worker pool, shapes, and unscorable samples."""

from __future__ import annotations

import sys

import numpy as np
import pesq
import pytest
import torch
import torchmetrics.functional.audio as tmf
from pystoi import stoi

from calipers.audio import PerceptualEvaluationSpeechQuality, ShortTimeObjectiveIntelligibility
from calipers.functional.audio import perceptual_evaluation_speech_quality, short_time_objective_intelligibility
from calipers.functional.audio._extras import _POOLS, ExtraNotInstalledError
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = np.random.default_rng(1404)


def _speech(n: int, seconds: float, fs: int) -> np.ndarray:
    """Speech-like signals: syllable-rate envelopes on harmonics of a gliding pitch, plus a little noise."""
    t = np.arange(int(seconds * fs)) / fs
    rows = []
    for _ in range(n):
        f0 = _rng.uniform(100, 220) * (1 + 0.1 * np.sin(2 * np.pi * 1.5 * t))
        phase = 2 * np.pi * np.cumsum(f0) / fs
        env = np.clip(np.sin(2 * np.pi * _rng.uniform(2.5, 5) * t + _rng.uniform(0, 3)), 0, None) ** 0.7
        rows.append(env * sum(np.sin(h * phase) / h for h in range(1, 12)) + 0.003 * _rng.standard_normal(t.size))
    return np.stack(rows)


def _pairs(sizes, seconds=1.0, fs=8000, noise=0.08):
    out = []
    for n in sizes:
        target = _speech(n, seconds, fs)
        preds = target + noise * _rng.standard_normal(target.shape)
        out.append((torch.tensor(preds, dtype=torch.float32), torch.tensor(target, dtype=torch.float32)))
    return out


# References: the packages themselves, one signal at a time.
def _ref_pesq(preds, target, fs, mode):
    return np.array([pesq.pesq(fs, t, p, mode) for p, t in zip(preds.reshape(-1, preds.shape[-1]),
                                                              target.reshape(-1, target.shape[-1]))])  # fmt: skip


def _ref_stoi(preds, target, fs, extended=False):
    flat = zip(preds.reshape(-1, preds.shape[-1]), target.reshape(-1, target.shape[-1]))
    return np.array([stoi(t, p, fs, extended) for p, t in flat])


_BAD = [
    BadInput((torch.ones(2, 8000), torch.ones(2, 7999)), ValueError, "`target` must have the same shape as `preds`"),
    BadInput((torch.ones(2, 8000, dtype=torch.complex64),) * 2, TypeError, "`preds` must be a real tensor"),
]

SPECS = [
    MetricSpec(
        PerceptualEvaluationSpeechQuality,
        lambda p, t: _ref_pesq(p.astype(np.float32), t.astype(np.float32), 8000, "nb").mean(),
        _pairs([2, 1, 1]),
        metric_args={"fs": 8000, "mode": "nb"},
        functional=lambda p, t, **k: perceptual_evaluation_speech_quality(p, t, **k).mean(),
        atol=1e-4,
        bad_inputs=_BAD,
        dtypes=(torch.float32,),
        id="pesq-nb",
    ),
    MetricSpec(
        ShortTimeObjectiveIntelligibility,
        lambda p, t: _ref_stoi(p.astype(np.float32), t.astype(np.float32), 8000).mean(),
        _pairs([2, 1, 1], noise=0.3),
        metric_args={"fs": 8000},
        functional=lambda p, t, **k: short_time_objective_intelligibility(p, t, **k).mean(),
        atol=1e-4,
        bad_inputs=_BAD,
        dtypes=(torch.float32,),
        id="stoi",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_pesq_stoi_harness(spec):
    run_metric_tests(spec)


def test_pesq_matches_package_and_torchmetrics_with_shapes_and_pool():
    preds, target = _pairs([4], fs=16000, seconds=0.8)[0]
    preds, target = preds.reshape(2, 2, -1), target.reshape(2, 2, -1)
    ours = perceptual_evaluation_speech_quality(preds, target, 16000, "wb")
    assert ours.shape == (2, 2) and ours.dtype == torch.float32  # TorchMetrics flattens this to (4,)
    np.testing.assert_allclose(ours.numpy(), _ref_pesq(preds.numpy(), target.numpy(), 16000, "wb").reshape(2, 2),
                               atol=1e-4)  # fmt: skip
    torch.testing.assert_close(ours.reshape(-1), tmf.perceptual_evaluation_speech_quality(preds, target, 16000, "wb"))
    pooled = perceptual_evaluation_speech_quality(preds, target, 16000, "wb", n_processes=2)
    torch.testing.assert_close(pooled, ours)
    pool = _POOLS[2]
    metric = PerceptualEvaluationSpeechQuality(16000, "wb", n_processes=2)
    metric.update(preds, target)
    metric.update(preds[:1], target[:1])
    assert _POOLS[2] is pool  # one persistent pool, reused by every call
    torch.testing.assert_close(metric.compute(), torch.cat([ours.reshape(-1), ours[0]]).mean())
    single = perceptual_evaluation_speech_quality(preds[0, 0], target[0, 0], 16000, "nb", keep_same_device=True)
    assert single.shape == ()


def test_pesq_unscorable_sample_raises_naming_its_index():
    preds, target = _pairs([3])[0]
    preds[1], target[1] = 0.0, 0.0  # silence: no utterance
    for n_processes in (1, 2):
        with pytest.raises(ValueError, match=r"sample 1 .*could not be scored by `pesq`"):
            perceptual_evaluation_speech_quality(preds, target, 8000, "nb", n_processes=n_processes)
    metric = PerceptualEvaluationSpeechQuality(8000, "nb")
    with pytest.raises(ValueError, match="PerceptualEvaluationSpeechQuality: sample 1"):
        metric.update(preds, target)
    assert metric.total == 0


def test_stoi_matches_package_and_torchmetrics():
    preds, target = _pairs([2], noise=0.4, fs=10000)[0]
    for extended in (False, True):
        ours = short_time_objective_intelligibility(preds, target, 10000, extended)
        np.testing.assert_allclose(ours.numpy(), _ref_stoi(preds.numpy(), target.numpy(), 10000, extended), atol=1e-6)
        torch.testing.assert_close(ours, tmf.short_time_objective_intelligibility(preds, target, 10000, extended))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: PerceptualEvaluationSpeechQuality(44100, "wb"), ValueError, r"`fs` must be one of \[16000, 8000\]"),
        (lambda: PerceptualEvaluationSpeechQuality(8000, "wb"), ValueError, "`mode` must be 'nb' with fs=8000"),
        (lambda: PerceptualEvaluationSpeechQuality(8000, "xb"), ValueError, r"`mode` must be one of \['nb', 'wb'\]"),
        (lambda: PerceptualEvaluationSpeechQuality(8000, "nb", 0), ValueError, "`n_processes` must be an int >= 1"),
        (lambda: PerceptualEvaluationSpeechQuality(8000, "nb", -2), ValueError, "`n_processes` must be an int >= 1"),
        (lambda: PerceptualEvaluationSpeechQuality(8000.0, "nb"), TypeError, "`fs` must be one of"),
        (lambda: ShortTimeObjectiveIntelligibility(0), ValueError, "`fs` must be an int >= 1, got 0"),
        (lambda: ShortTimeObjectiveIntelligibility(8000, extended=1), TypeError, "`extended` must be a bool"),
    ],
)
def test_pesq_stoi_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("module", "extra", "make"),
    [
        ("pesq", "pesq", lambda: PerceptualEvaluationSpeechQuality(8000, "nb")),
        ("pesq", "pesq", lambda: perceptual_evaluation_speech_quality(torch.ones(8000), torch.ones(8000), 8000, "nb")),
        ("pystoi", "stoi", lambda: ShortTimeObjectiveIntelligibility(8000)),
        ("pystoi", "stoi", lambda: short_time_objective_intelligibility(torch.ones(8000), torch.ones(8000), 8000)),
    ],
)
def test_missing_extra_names_it(monkeypatch, module, extra, make):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(ExtraNotInstalledError, match=rf"pip install calipers-audio\[{extra}\]") as info:
        make()
    assert isinstance(info.value, ModuleNotFoundError)
