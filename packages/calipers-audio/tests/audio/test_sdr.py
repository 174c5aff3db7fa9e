"""SDR against fast-bss-eval (float64) and mir_eval, SI-SDR against fast-bss-eval, SA-SDR against NumPy from the
definition; TorchMetrics parity (SDR within 1e-3 dB, also with ``use_cg_iter``)."""

from __future__ import annotations

import warnings

import fast_bss_eval
import numpy as np
import pytest
import torch
import torchmetrics.functional.audio as tmf

from calipers.audio import (
    ScaleInvariantSignalDistortionRatio,
    SignalDistortionRatio,
    SourceAggregatedSignalDistortionRatio,
)
from calipers.functional.audio import (
    scale_invariant_signal_distortion_ratio,
    signal_distortion_ratio,
    source_aggregated_signal_distortion_ratio,
)
from calipers.functional.audio._toeplitz import toeplitz_quadratic_form
from calipers.functional.audio.sdr import _fft_size
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = np.random.default_rng(1402)


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


def _distorted(target: np.ndarray, noise: float = 0.3) -> np.ndarray:
    """A filtered, noisy, offset estimate of ``target``."""
    filtered = np.stack([np.convolve(x, [0.9, 0.3, -0.1])[: x.shape[-1]] for x in target.reshape(-1, target.shape[-1])])
    return filtered.reshape(target.shape) + noise * _rng.standard_normal(target.shape) + 0.05


def _pairs(sizes, length=700, shape=()):
    out = []
    for n in sizes:
        target = _speech(n * int(np.prod(shape, dtype=int)), length).reshape(n, *shape, length)
        preds = _distorted(target)
        out.append((torch.tensor(preds, dtype=torch.float32), torch.tensor(target, dtype=torch.float32)))
    return out


# References.
def _fbe_sdr(preds, target, filter_length=512, zero_mean=False, load_diag=None):
    ref, est = target.reshape(-1, 1, target.shape[-1]), preds.reshape(-1, 1, preds.shape[-1])
    values = fast_bss_eval.sdr(ref, est, filter_length=filter_length, zero_mean=zero_mean, load_diag=load_diag)
    return values.reshape(target.shape[:-1])


def _fbe_si_sdr(preds, target, zero_mean=False):
    ref, est = target.reshape(-1, 1, target.shape[-1]), preds.reshape(-1, 1, preds.shape[-1])
    return fast_bss_eval.si_sdr(ref, est, zero_mean=zero_mean).reshape(target.shape[:-1])


def _np_sa_sdr(preds, target, scale_invariant=True, zero_mean=False):
    if zero_mean:
        preds = preds - preds.mean(-1, keepdims=True)
        target = target - target.mean(-1, keepdims=True)
    if scale_invariant:
        alpha = (preds * target).sum((-1, -2), keepdims=True) / (target**2).sum((-1, -2), keepdims=True)
        target = alpha * target
    return 10 * np.log10((target**2).sum((-1, -2)) / ((target - preds) ** 2).sum((-1, -2)))


def _mean(fn):
    return lambda *a, **k: fn(*a, **k).mean()


_BAD_SDR = [
    BadInput((torch.ones(2, 600), torch.ones(2, 601)), ValueError, r"`target` must have the same shape as `preds`"),
    BadInput(
        (torch.ones(2, 100), torch.ones(2, 100)),
        ValueError,
        "`filter_length` must be at most the number of samples 100 of the signals, got 128",
    ),
    BadInput((torch.ones(2, 600, dtype=torch.complex64),) * 2, TypeError, "`preds` must be a real tensor"),
]

SPECS = [
    MetricSpec(
        SignalDistortionRatio,
        lambda p, t: _fbe_sdr(p, t, 128).mean(),
        _pairs([3, 2, 1, 2], length=400),
        metric_args={"filter_length": 128},
        functional=_mean(signal_distortion_ratio),
        atol=1e-4,
        bad_inputs=_BAD_SDR,
        id="sdr",
    ),
    MetricSpec(
        SignalDistortionRatio,
        lambda p, t: _fbe_sdr(p, t, 64, True, 1e-4).mean(),
        _pairs([2, 1, 2], length=300, shape=(2,)),
        metric_args={"filter_length": 64, "zero_mean": True, "load_diag": 1e-4},
        functional=_mean(signal_distortion_ratio),
        atol=1e-4,
        ddp=False,  # the DDP path is the same as the first spec's
        id="sdr-filter-64-zero-mean-load-diag",
    ),
    MetricSpec(
        ScaleInvariantSignalDistortionRatio,
        lambda p, t: _fbe_si_sdr(p, t).mean(),
        _pairs([3, 2, 1, 4], length=300),
        functional=_mean(scale_invariant_signal_distortion_ratio),
        atol=1e-4,
        bad_inputs=_BAD_SDR[:1] + _BAD_SDR[2:],
        dtypes=(torch.float16, torch.float32, torch.float64),
        id="si-sdr",
    ),
    MetricSpec(
        ScaleInvariantSignalDistortionRatio,
        lambda p, t: _fbe_si_sdr(p, t, True).mean(),
        _pairs([2, 1, 3], length=300, shape=(2,)),
        metric_args={"zero_mean": True},
        functional=_mean(scale_invariant_signal_distortion_ratio),
        atol=1e-4,
        ddp=False,  # the DDP path is the same as the first spec's
        id="si-sdr-zero-mean",
    ),
    MetricSpec(
        SourceAggregatedSignalDistortionRatio,
        lambda p, t: _np_sa_sdr(p, t).mean(),
        _pairs([3, 2, 1], length=300, shape=(3,)),
        functional=_mean(source_aggregated_signal_distortion_ratio),
        atol=1e-4,
        bad_inputs=[
            BadInput((torch.ones(300), torch.ones(300)), ValueError, r"`preds` must have shape \(\.\.\., spk, time\)"),
            BadInput((torch.ones(2, 3), torch.ones(3, 3)), ValueError, "`target` must have the same shape"),
        ],
        id="sa-sdr",
    ),
    MetricSpec(
        SourceAggregatedSignalDistortionRatio,
        lambda p, t: _np_sa_sdr(p, t, False, True).mean(),
        _pairs([2, 2, 1], length=300, shape=(2,)),
        metric_args={"scale_invariant": False, "zero_mean": True},
        functional=_mean(source_aggregated_signal_distortion_ratio),
        atol=1e-4,
        ddp=False,  # the DDP path is the same as the first spec's
        id="sa-sdr-plain-zero-mean",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_sdr_harness(spec):
    run_metric_tests(spec)


def test_sdr_matches_fast_bss_eval_float64_and_mir_eval():
    from mir_eval.separation import bss_eval_sources

    target = _speech(3, 2048)
    preds = _distorted(target, 0.5)
    ours = signal_distortion_ratio(torch.tensor(preds), torch.tensor(target))
    assert ours.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), _fbe_sdr(preds, target), atol=1e-4, rtol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # bss_eval_sources is deprecated in mir_eval 0.8
        reference = np.array([bss_eval_sources(target[i : i + 1], preds[i : i + 1])[0][0] for i in range(2)])
    np.testing.assert_allclose(ours.numpy()[:2], reference, atol=1e-4, rtol=0)


@pytest.mark.parametrize("use_cg_iter", [None, 3])
@pytest.mark.parametrize("options", [{}, {"zero_mean": True}, {"filter_length": 100, "load_diag": 1e-3}])
def test_sdr_matches_torchmetrics(use_cg_iter, options):
    preds, target = _pairs([4], length=1200, shape=(2,))[0]
    ours = signal_distortion_ratio(preds, target, use_cg_iter, **options)
    theirs = tmf.signal_distortion_ratio(preds, target, use_cg_iter, **options)
    assert ours.shape == theirs.shape == (4, 2) and ours.dtype == theirs.dtype
    torch.testing.assert_close(ours, theirs, atol=1e-3, rtol=0)


def test_sdr_conjugate_gradient_converges_to_the_exact_value():
    # Unconverged CG amplifies rounding (TorchMetrics and calipers agree for few iterations only, see CHANGELOG)
    preds, target = _pairs([4], length=1200)[0]
    exact = signal_distortion_ratio(preds.double(), target.double())
    errors = [(signal_distortion_ratio(preds.double(), target.double(), it) - exact).abs().max() for it in (2, 60)]
    assert errors[1] < 0.05 < errors[0]


def _dense_form(r, b):
    i = torch.arange(r.shape[-1])
    return (b * torch.linalg.solve(r[:, (i[:, None] - i[None]).abs()], b)).sum(-1)


@pytest.mark.parametrize("n", [1, 2, 30, 47, 48, 49, 97, 256, 512])
def test_sdr_toeplitz_solver_on_ill_conditioned_systems(n):
    # low-pass references make the autocorrelation system ill-conditioned; compare with a dense solve. The sizes
    # cover the blocked recursion's start alone (n <= 48), one step, a partial last step and L = 512 (11 steps).
    gen = torch.Generator().manual_seed(5)
    noise = torch.randn(4, 3000, dtype=torch.float64, generator=gen)
    target = torch.nn.functional.avg_pool1d(noise[:, None], 9, 1, 4)[:, 0]
    target = target / target.norm(dim=-1, keepdim=True)
    spectrum = torch.fft.rfft(target, 8192)
    r = torch.fft.irfft(spectrum.abs() ** 2, 8192)[:, :n]
    b = torch.randn(4, n, dtype=torch.float64, generator=gen) * 0.01
    torch.testing.assert_close(toeplitz_quadratic_form(r, b), _dense_form(r, b), rtol=1e-8, atol=0)


@pytest.mark.parametrize(("sigma", "rtol"), [(1.0, 1e-12), (2.0, 1e-9), (2.3, 1e-7)])
def test_sdr_toeplitz_solver_on_near_singular_systems(sigma, rtol):
    # a Gaussian autocorrelation: condition numbers 7e1, 2e8 and 1e11 at L = 512; b = R x gives the exact form x^T R x
    gen = torch.Generator().manual_seed(7)
    n = 512
    r = torch.exp(-((torch.arange(n, dtype=torch.float64) / sigma) ** 2) / 2).repeat(3, 1)
    i = torch.arange(n)
    x = torch.randn(3, n, dtype=torch.float64, generator=gen)
    b = (r[:, (i[:, None] - i[None]).abs()] @ x[..., None])[..., 0]
    torch.testing.assert_close(toeplitz_quadratic_form(r, b), (x * b).sum(-1), rtol=rtol, atol=0)


@pytest.mark.parametrize("noise", [1e-3, 0.0])
def test_sdr_speech_with_weak_noise_matches_fast_bss_eval_and_mir_eval(noise):
    # one second at 16 kHz, filter 512 (the bench size): harmonics with little or no noise (condition ~1e7-1e8)
    from mir_eval.separation import bss_eval_sources

    rng = np.random.default_rng(11)
    t = np.arange(16000) / 16000
    target = np.stack(
        [
            (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t + k))
            * sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) / h for h in range(1, 9))
            + noise * rng.standard_normal(t.shape)
            for k, f0 in enumerate((110.0, 180.0, 240.0))
        ]
    )
    preds = 0.8 * target + 0.3 * np.roll(target, 5, -1) + 0.2 * rng.standard_normal(target.shape)
    ours = signal_distortion_ratio(torch.tensor(preds), torch.tensor(target)).numpy()
    np.testing.assert_allclose(ours, _fbe_sdr(preds, target), atol=1e-4, rtol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        reference = bss_eval_sources(target[:1], preds[:1])[0][0]
    np.testing.assert_allclose(ours[0], reference, atol=1e-4, rtol=0)
    assert toeplitz_quadratic_form(torch.ones(2, 1, dtype=torch.float64), torch.ones(2, 1)).shape == (2,)


def test_sdr_filter_length_one_and_half_precision():
    preds, target = _pairs([3], length=600)[0]
    torch.testing.assert_close(
        signal_distortion_ratio(preds, target, filter_length=1),
        torch.tensor(_fbe_sdr(preds.double().numpy(), target.double().numpy(), 1), dtype=torch.float32),
    )
    big_p, big_t = preds * 300, target * 300
    for fn in (signal_distortion_ratio, scale_invariant_signal_distortion_ratio):
        half = fn(big_p.half(), big_t.half())
        assert torch.isfinite(half).all()
        torch.testing.assert_close(half.float(), fn(big_p.half().float(), big_t.half().float()), atol=0.05, rtol=0)
    sa = source_aggregated_signal_distortion_ratio(big_p.half().reshape(1, 3, -1), big_t.half().reshape(1, 3, -1))
    assert torch.isfinite(sa).all()


def test_sdr_functionals_match_torchmetrics():
    preds, target = _pairs([3], length=500, shape=(2,))[0]
    for zero_mean in (False, True):
        torch.testing.assert_close(
            scale_invariant_signal_distortion_ratio(preds, target, zero_mean),
            tmf.scale_invariant_signal_distortion_ratio(preds, target, zero_mean),
        )
        for scale_invariant in (False, True):
            torch.testing.assert_close(
                source_aggregated_signal_distortion_ratio(preds, target, scale_invariant, zero_mean),
                tmf.source_aggregated_signal_distortion_ratio(preds, target, scale_invariant, zero_mean),
            )


def test_sdr_differentiable_and_nan_policy():
    preds, target = _pairs([2], length=600)[0]
    preds = preds.double().requires_grad_(True)
    signal_distortion_ratio(preds, target.double()).sum().backward()
    assert preds.grad is not None and torch.isfinite(preds.grad).all()
    silent = signal_distortion_ratio(preds.detach(), torch.zeros_like(target).double())
    assert torch.isnan(silent).all()  # a silent reference has no distortion filter: NaN (unless load_diag)
    assert signal_distortion_ratio(torch.ones(0, 600), torch.ones(0, 600)).shape == (0,)


def test_fft_size_is_smooth_and_large_enough():
    for n in (1, 2, 7, 97, 1000, 16511):
        size = _fft_size(n)
        assert size >= n and size <= 2 * n
        rest = size
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        assert rest == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"use_cg_iter": 0}, ValueError, "`use_cg_iter` must be None or an int >= 1, got 0"),
        ({"use_cg_iter": 2.0}, TypeError, "`use_cg_iter` must be None or an int >= 1, got 2.0"),
        ({"filter_length": 0}, ValueError, "`filter_length` must be an int >= 1, got 0"),
        ({"zero_mean": 0}, TypeError, "`zero_mean` must be a bool, got 0"),
        ({"load_diag": -1.0}, ValueError, "`load_diag` must be None or a float >= 0.0, got -1.0"),
    ],
)
def test_sdr_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"SignalDistortionRatio: {match}"):
        SignalDistortionRatio(**kwargs)
    with pytest.raises(error, match=f"signal_distortion_ratio: {match}"):
        signal_distortion_ratio(torch.ones(600), torch.ones(600), **kwargs)
    with pytest.raises(TypeError, match="SourceAggregatedSignalDistortionRatio: `scale_invariant` must be a bool"):
        SourceAggregatedSignalDistortionRatio(scale_invariant=None)


@pytest.mark.parametrize(
    "fn",
    [
        signal_distortion_ratio,
        scale_invariant_signal_distortion_ratio,
        source_aggregated_signal_distortion_ratio,
    ],
)
def test_functionals_refuse_target_on_another_device(fn):
    preds = torch.randn(2, 2, 600)
    with pytest.raises(ValueError, match=r"`target` must be on the device of `preds` \(cpu\), got a tensor on meta"):
        fn(preds, preds.to("meta"))


def test_sdr_of_a_perfect_estimate_is_infinite_as_fast_bss_eval():
    # preds == target: the distortion is zero and the exact SDR +inf. Rounding puts the coherence a hair above or
    # below 1: fast-bss-eval clamps it into [0, 1] (+inf, or ~150-160 dB from rounding), TorchMetrics does not (NaN
    # for some signals). calipers clamps too, so a perfect estimate is never NaN.
    target = torch.randn(24, 3000, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    ours = signal_distortion_ratio(target, target)
    assert not ours.isnan().any() and (ours > 140).all()
    with np.errstate(divide="ignore"):  # fast-bss-eval takes log10(0) for it
        expected = fast_bss_eval.sdr(target.numpy(), target.numpy(), filter_length=512, use_cg_iter=None)
    assert not np.isnan(expected).any() and (expected > 140).all()
    near = target + 1e-6 * torch.randn(24, 3000, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    expected = fast_bss_eval.sdr(target.numpy(), near.numpy(), filter_length=512, use_cg_iter=None)
    np.testing.assert_allclose(signal_distortion_ratio(near, target).numpy(), expected, atol=0.05)  # ~120 dB
