"""SNR, SI-SNR and C-SI-SNR against NumPy written from the definitions, plus TorchMetrics parity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics.functional.audio as tmf

from calipers.audio import ComplexScaleInvariantSignalNoiseRatio, ScaleInvariantSignalNoiseRatio, SignalNoiseRatio
from calipers.functional.audio import (
    complex_scale_invariant_signal_noise_ratio,
    scale_invariant_signal_noise_ratio,
    signal_noise_ratio,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = np.random.default_rng(1401)


def _speech(n: int, length: int, fs: int = 8000) -> np.ndarray:
    """Speech-like signals: amplitude-modulated harmonics of a random pitch plus a little noise."""
    t = np.arange(length) / fs
    rows = []
    for _ in range(n):
        f0 = _rng.uniform(90, 250)
        env = 0.6 + 0.4 * np.sin(2 * np.pi * _rng.uniform(2, 7) * t + _rng.uniform(0, 6))
        voiced = sum(np.sin(2 * np.pi * f0 * h * t + _rng.uniform(0, 6)) / h for h in range(1, 9))
        rows.append(env * voiced + 0.05 * _rng.standard_normal(length))
    return np.stack(rows)


def _pairs(sizes, length=400, noise=0.4, shape=()):
    batches = []
    for n in sizes:
        count = n * int(np.prod(shape, dtype=int))
        target = _speech(count, length)
        preds = 0.8 * target + noise * _rng.standard_normal(target.shape) + 0.1
        batches.append(
            (
                torch.tensor(preds, dtype=torch.float32).reshape(n, *shape, length),
                torch.tensor(target, dtype=torch.float32).reshape(n, *shape, length),
            )
        )
    return batches


# References: NumPy from the definitions (float64).
def _np_snr(preds, target, zero_mean=False):
    if zero_mean:
        preds = preds - preds.mean(-1, keepdims=True)
        target = target - target.mean(-1, keepdims=True)
    eps = np.finfo(np.float32).eps
    return 10 * np.log10(((target**2).sum(-1) + eps) / (((target - preds) ** 2).sum(-1) + eps))


def _np_si_sdr(preds, target, zero_mean=False):
    if zero_mean:
        preds = preds - preds.mean(-1, keepdims=True)
        target = target - target.mean(-1, keepdims=True)
    eps = np.finfo(np.float32).eps
    alpha = ((preds * target).sum(-1, keepdims=True) + eps) / ((target**2).sum(-1, keepdims=True) + eps)
    scaled = alpha * target
    return 10 * np.log10(((scaled**2).sum(-1) + eps) / (((scaled - preds) ** 2).sum(-1) + eps))


def _np_c_si_snr(preds, target, zero_mean=False):
    flat = lambda x: x.reshape(*x.shape[:-3], -1)  # noqa: E731
    return _np_si_sdr(flat(preds), flat(target), zero_mean)


def _mean(fn):
    return lambda *a, **k: fn(*a, **k).mean()


_BAD = [
    BadInput(
        (torch.ones(2, 5), torch.ones(2, 6)), ValueError, r"`target` must have the same shape as `preds` \(2, 5\)"
    ),
    BadInput(([1.0, 2.0], torch.ones(2)), TypeError, "`preds` must be a real tensor, got list"),
    BadInput((torch.ones(2, dtype=torch.complex64), torch.ones(2)), TypeError, "`preds` must be a real tensor"),
]
_HALF = (torch.float16, torch.float32, torch.float64)

SPECS = [
    MetricSpec(
        SignalNoiseRatio,
        lambda p, t: _np_snr(p, t).mean(),
        _pairs([3, 2, 1, 4]),
        functional=_mean(signal_noise_ratio),
        atol=1e-4,
        bad_inputs=_BAD,
        dtypes=_HALF,
        id="snr",
    ),
    MetricSpec(
        SignalNoiseRatio,
        lambda p, t: _np_snr(p, t, True).mean(),
        _pairs([2, 3, 1], shape=(2,)),
        metric_args={"zero_mean": True},
        functional=_mean(signal_noise_ratio),
        atol=1e-4,
        ddp=False,  # the DDP path is the same as the first spec's
        id="snr-zero-mean-3d",
    ),
    MetricSpec(
        ScaleInvariantSignalNoiseRatio,
        lambda p, t: _np_si_sdr(p, t, True).mean(),
        _pairs([3, 2, 1, 4]),
        functional=_mean(scale_invariant_signal_noise_ratio),
        atol=1e-4,
        bad_inputs=_BAD,
        dtypes=_HALF,
        id="si-snr",
    ),
    MetricSpec(
        ComplexScaleInvariantSignalNoiseRatio,
        lambda p, t: _np_c_si_snr(p, t).mean(),
        [(p.reshape(n, 10, 20, 2), t.reshape(n, 10, 20, 2)) for (p, t), n in zip(_pairs([2, 3, 1]), [2, 3, 1])],
        functional=_mean(complex_scale_invariant_signal_noise_ratio),
        atol=1e-4,
        bad_inputs=[
            BadInput((torch.ones(2, 4, 3), torch.ones(2, 4, 3)), ValueError, r"`preds` must have shape \(\.\.\., freq"),
            BadInput((torch.ones(2, 4, 3, 2), torch.ones(2, 4, 4, 2)), ValueError, "`target` must have the same shape"),
        ],
        id="c-si-snr",
    ),
    MetricSpec(
        ComplexScaleInvariantSignalNoiseRatio,
        lambda p, t: _np_c_si_snr(p, t, True).mean(),
        [(p.reshape(n, 10, 20, 2), t.reshape(n, 10, 20, 2)) for (p, t), n in zip(_pairs([2, 1, 2]), [2, 1, 2])],
        metric_args={"zero_mean": True},
        functional=_mean(complex_scale_invariant_signal_noise_ratio),
        atol=1e-4,
        ddp=False,  # the DDP path is the same as the first spec's
        id="c-si-snr-zero-mean",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_snr_harness(spec):
    run_metric_tests(spec)


def test_snr_functionals_match_torchmetrics_and_numpy():
    preds, target = _pairs([6], length=1000, shape=(2,))[0]
    for zero_mean in (False, True):
        ours = signal_noise_ratio(preds, target, zero_mean)
        assert ours.shape == (6, 2)
        torch.testing.assert_close(ours, tmf.signal_noise_ratio(preds, target, zero_mean))
        np.testing.assert_allclose(ours.numpy(), _np_snr(preds.double().numpy(), target.double().numpy(), zero_mean),
                                   atol=1e-4)  # fmt: skip
    torch.testing.assert_close(
        scale_invariant_signal_noise_ratio(preds, target), tmf.scale_invariant_signal_noise_ratio(preds, target)
    )
    spec_p, spec_t = preds.reshape(6, 2, 25, 20, 2), target.reshape(6, 2, 25, 20, 2)
    for zero_mean in (False, True):
        torch.testing.assert_close(
            complex_scale_invariant_signal_noise_ratio(spec_p, spec_t, zero_mean),
            tmf.complex_scale_invariant_signal_noise_ratio(spec_p, spec_t, zero_mean),
        )
    as_complex = torch.view_as_complex(spec_p.contiguous()), torch.view_as_complex(spec_t.contiguous())
    torch.testing.assert_close(
        complex_scale_invariant_signal_noise_ratio(*as_complex),
        complex_scale_invariant_signal_noise_ratio(spec_p, spec_t),
    )


def test_snr_half_precision_is_finite_and_close_to_float32():
    # sums of squares of these signals overflow float16 (TorchMetrics gives inf SNR / NaN SI-SNR here)
    preds, target = _pairs([4], length=8000)[0]
    preds, target = preds * 30, target * 30
    half_p, half_t = preds.half(), target.half()
    for fn in (signal_noise_ratio, scale_invariant_signal_noise_ratio):
        half = fn(half_p, half_t)
        assert half.dtype == torch.float16 and torch.isfinite(half).all()
        torch.testing.assert_close(half.float(), fn(half_p.float(), half_t.float()), atol=0.05, rtol=0)
    assert not torch.isfinite(tmf.scale_invariant_signal_noise_ratio(half_p, half_t)).all()


def test_snr_nan_and_empty_inputs():
    preds, target = _pairs([2], length=50)[0]
    preds[0, 3] = float("nan")
    values = signal_noise_ratio(preds, target)
    assert torch.isnan(values[0]) and torch.isfinite(values[1])  # NaN policy: NaN propagates to its signal only
    assert signal_noise_ratio(torch.ones(0, 10), torch.ones(0, 10)).shape == (0,)
    metric = SignalNoiseRatio()
    metric.update(torch.ones(0, 10), torch.ones(0, 10))  # empty batch: no-op
    assert metric.total == 0
    metric.update(*_pairs([2])[0])
    assert metric.total == 2


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SignalNoiseRatio(zero_mean=1), "SignalNoiseRatio: `zero_mean` must be a bool, got 1"),
        (lambda: signal_noise_ratio(torch.ones(2), torch.ones(2), zero_mean="yes"), "`zero_mean` must be a bool"),
        (lambda: ComplexScaleInvariantSignalNoiseRatio(zero_mean=None), "`zero_mean` must be a bool, got None"),
    ],
)
def test_snr_rejects_bad_arguments(factory, match):
    with pytest.raises(TypeError, match=match):
        factory()
