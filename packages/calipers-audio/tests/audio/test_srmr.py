"""SRMR against a NumPy/SciPy implementation written from the published algorithm (Falk et al. 2010, as in
SRMRpy and the SRMR toolbox): the `gammatone` package's filter design and recursive filterbank (``fast=False``) or
an FFT gammatonegram weighted by ``scipy.signal.freqz`` of the same filters (``fast=True``), ``scipy.signal.lfilter``
for the modulation filters, explicit frame loops; the fast path's filterbank stage also against the `gammatone`
package's ``fft_gtgram``. TorchMetrics' SRMR needs torchaudio, which is not installed beside this torch: it was
compared once outside the suite (see the package CHANGELOG), and its fast-path values on three signals are pinned
below."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
import torch
from gammatone.fftweight import fft_gtgram
from gammatone.filters import centre_freqs, erb_filterbank, make_erb_filters

from calipers.audio import SpeechReverberationModulationEnergyRatio
from calipers.functional.audio import speech_reverberation_modulation_energy_ratio
from calipers.functional.audio._filterbanks import gammatonegram
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = np.random.default_rng(1405)


def _speech(n: int, seconds: float, fs: int, reverb: float = 0.0) -> np.ndarray:
    """Speech-like signals (syllabic envelopes on harmonics), optionally smeared by an exponential reverb tail."""
    t = np.arange(int(seconds * fs)) / fs
    rows = []
    for _ in range(n):
        f0 = _rng.uniform(100, 220)
        env = np.clip(np.sin(2 * np.pi * _rng.uniform(3, 6) * t + _rng.uniform(0, 3)), 0, None)
        x = env * sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 12)) + 0.01 * _rng.standard_normal(t.size)
        if reverb:
            tail = _rng.standard_normal(int(0.3 * fs)) * np.exp(-np.arange(int(0.3 * fs)) / (reverb * fs))
            x = np.convolve(x, np.concatenate([[1.0], 0.3 * tail]))[: t.size]
        rows.append(0.5 * x / np.abs(x).max())
    return np.stack(rows)


def _reference_gammatonegram(x, fs, n_cochlear_filters, low_freq):
    """Ellis' FFT gammatonegram: 10 ms Hann taper centred in a power-of-two FFT, 2.5 ms hop, every frame that fits,
    magnitudes weighted by each channel's |H| (``freqz`` of its four biquads) / n_fft; centres descending."""
    n_fft = int(2 ** np.ceil(np.log2(2 * 0.010 * fs)))
    win, hop = int(np.floor(0.010 * fs + 0.5)), int(np.floor(0.0025 * fs + 0.5))
    half, mid = win // 2, n_fft // 2
    taper = np.zeros(n_fft)
    for i in range(min(mid, half)):
        taper[mid + i] = taper[mid - i] = 0.5 * (1 + np.cos(np.pi * i / half))
    frames = [x[b : b + n_fft] * taper for b in range(0, len(x) - n_fft + 1, hop)]
    magnitude = np.abs(np.fft.rfft(np.stack(frames), axis=-1))  # (frames, bins)
    w = 2 * np.pi * np.arange(n_fft // 2 + 1) / n_fft
    weights = []
    for a0, a11, a12, a13, a14, a2, b0, b1, b2, gain in make_erb_filters(
        fs, centre_freqs(fs, n_cochlear_filters, low_freq)
    ):
        h = np.ones(w.size, complex)
        for a1 in (a11, a12, a13, a14):
            h *= scipy.signal.freqz([a0, a1, a2], [b0, b1, b2], worN=w)[1]
        weights.append(np.abs(h) / gain / n_fft)
    return np.stack(weights) @ magnitude.T


def _reference_srmr(x, fs, n_cochlear_filters=23, low_freq=125, min_cf=4, max_cf=None, norm=False, fast=False):
    """SRMR of one signal from the published algorithm (``fast``: the SRMR toolbox's gammatonegram variant)."""
    peak = np.abs(x).max()
    x = x / peak if peak > 1 else x
    cfs = centre_freqs(fs, n_cochlear_filters, low_freq)
    if fast:
        env, mfs = _reference_gammatonegram(x, fs, n_cochlear_filters, low_freq), 400.0
    else:
        bands = erb_filterbank(x, make_erb_filters(fs, cfs))
        n = math.ceil(len(x) / 16) * 16
        env = np.abs(scipy.signal.hilbert(np.pad(bands, ((0, 0), (0, n - len(x)))), axis=-1))[:, : len(x)]
        mfs = fs
    max_cf = (30 if norm else 128) if max_cf is None else max_cf
    mcf = min_cf * (max_cf / min_cf) ** (np.arange(8) / 7)
    w0 = np.tan(np.pi * mcf / mfs)
    b0 = w0 / 2
    lower = mcf - np.tan(np.pi * mcf / fs) / 2 * fs / (2 * np.pi)  # at the signal's rate (toolbox, SRMRpy)
    wl, hop = math.ceil(0.256 * mfs), math.ceil(0.064 * mfs)
    window = np.hamming(wl + 2)[:wl]  # TorchMetrics' periodic Hamming of wl + 1 points, last dropped (SRMRpy: wl + 1)
    frames = 1 + (env.shape[-1] - wl) // hop  # full frames of the envelope
    energy = np.zeros((n_cochlear_filters, 8, frames))
    for k in range(8):
        denominator = [1 + b0[k] + w0[k] ** 2, 2 * w0[k] ** 2 - 2, 1 - b0[k] + w0[k] ** 2]
        y = scipy.signal.lfilter([b0[k], 0, -b0[k]], denominator, env, axis=-1)
        for f in range(frames):
            energy[:, k, f] = ((y[:, f * hop : f * hop + wl] * window) ** 2).sum(-1)
    if norm:
        top = energy.mean(0).max()
        energy = np.clip(energy, top * 10 ** (-3), top)
    avg = energy.mean(-1)
    per_channel = avg.sum(1)[::-1]  # ascending centre frequencies
    erbs = (cfs / 9.26449 + 24.7)[::-1]
    bw = erbs[np.argmax(np.cumsum(per_channel) * 100 / per_channel.sum() > 90)]
    k_star = 5 + int(np.sum(bw >= lower[5:8]))
    return avg[:, :4].sum() / avg[:, 4:k_star].sum()


def _reference(preds, **kwargs):
    flat = preds.reshape(-1, preds.shape[-1])
    return np.mean([_reference_srmr(x, **kwargs) for x in flat])


def _fast(p, **k):
    return speech_reverberation_modulation_energy_ratio(p, fast=True, **k).mean()


def _batches(sizes, fs=8000, seconds=0.3, reverb=0.0):
    return [(torch.tensor(_speech(n, seconds, fs, reverb), dtype=torch.float32),) for n in sizes]


SPECS = [
    MetricSpec(
        SpeechReverberationModulationEnergyRatio,
        lambda p: _reference(p, fs=8000),
        _batches([2, 1]),
        metric_args={"fs": 8000},
        functional=lambda p, **k: speech_reverberation_modulation_energy_ratio(p, **k).mean(),
        atol=1e-6,
        rtol=1e-6,
        bad_inputs=[
            BadInput((torch.ones(2, 1000),), ValueError, r"`preds` must have at least 2048 samples \(256 ms\)"),
            BadInput((torch.ones(2, 3000, dtype=torch.complex64),), TypeError, "`preds` must be a real tensor"),
        ],
        id="srmr",
    ),
    MetricSpec(
        SpeechReverberationModulationEnergyRatio,
        lambda p: _reference(p, fs=8000, n_cochlear_filters=12, low_freq=80, min_cf=2, norm=True),
        _batches([1, 2], reverb=0.1),
        metric_args={"fs": 8000, "n_cochlear_filters": 12, "low_freq": 80, "min_cf": 2, "norm": True},
        functional=lambda p, **k: speech_reverberation_modulation_energy_ratio(p, **k).mean(),
        atol=1e-6,
        rtol=1e-6,
        ddp=False,  # the DDP path is the first spec's
        id="srmr-norm-12-filters",
    ),
    MetricSpec(
        SpeechReverberationModulationEnergyRatio,
        lambda p: _reference(p, fs=8000, fast=True),
        _batches([2, 1, 1], reverb=0.1),
        metric_args={"fs": 8000, "fast": True},
        functional=_fast,
        functional_args={"fs": 8000},
        atol=1e-6,
        rtol=1e-6,
        bad_inputs=[
            BadInput(
                (torch.ones(2, 2295),),
                ValueError,
                r"`preds` must have at least 2296 samples \(one 256 ms frame of the gammatonegram\)",
            ),
            BadInput((torch.ones(2, 3000, dtype=torch.complex64),), TypeError, "`preds` must be a real tensor"),
        ],
        id="srmr-fast",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_srmr_harness(spec):
    run_metric_tests(spec)


def test_srmr_16k_shapes_max_cf_and_reverberation():
    clean = _speech(2, 0.3, 16000)
    reverberant = _speech(2, 0.3, 16000, reverb=0.3)
    x = torch.tensor(np.stack([clean, reverberant]))  # (2, 2, T)
    values = speech_reverberation_modulation_energy_ratio(x, 16000, max_cf=64)
    assert values.shape == (2, 2) and values.dtype == torch.float64
    expected = [[_reference_srmr(s, 16000, max_cf=64) for s in group] for group in (clean, reverberant)]
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-6)
    assert speech_reverberation_modulation_energy_ratio(x[0, 0], 16000).shape == ()


@pytest.mark.parametrize("fast", [False, True])
def test_srmr_integer_input_and_gradients(fast):
    x = torch.tensor(_speech(1, 0.3, 8000)[0] * 20000, dtype=torch.float64)
    as_int = x.round().to(torch.int16)
    torch.testing.assert_close(
        speech_reverberation_modulation_energy_ratio(as_int, 8000, fast=fast),
        speech_reverberation_modulation_energy_ratio(as_int.double() / 32767, 8000, fast=fast),
    )
    x.requires_grad_(True)
    speech_reverberation_modulation_energy_ratio(x, 8000, fast=fast).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().max() > 0


@pytest.mark.parametrize(("fs", "seconds", "kwargs"), [(16000, 0.35, {}), (8000, 0.4, {"norm": True, "low_freq": 80})])
def test_srmr_fast_16k_norm_and_shapes(fs, seconds, kwargs):
    x = torch.tensor(_speech(4, seconds, fs, reverb=0.2)).reshape(2, 2, -1)
    values = speech_reverberation_modulation_energy_ratio(x, fs, fast=True, **kwargs)
    assert values.shape == (2, 2) and values.dtype == torch.float64
    expected = [[_reference_srmr(s, fs, fast=True, **kwargs) for s in group] for group in x.numpy()]
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-6)
    slow = speech_reverberation_modulation_energy_ratio(x, fs, **kwargs)
    assert not torch.allclose(values, slow)  # really another path


@pytest.mark.parametrize(("fs", "length"), [(8000, 3000), (16000, 6001), (11025, 4000), (8000, 2296)])
def test_srmr_fast_gammatonegram_matches_the_gammatone_package(fs, length):
    x = _speech(2, length / fs, fs)
    ours = gammatonegram(torch.tensor(x), fs, 23, 125.0).numpy()
    for row, signal in zip(ours, x):
        theirs = fft_gtgram(signal, fs, 0.010, 0.0025, 23, 125)[::-1]  # ascending rows there
        assert row.shape == theirs.shape
        np.testing.assert_allclose(row[:, :-1], theirs[:, :-1], rtol=1e-9, atol=1e-12 * theirs.max())
        np.testing.assert_allclose(row, _reference_gammatonegram(signal, fs, 23, 125), rtol=1e-9, atol=1e-15)
        if length == 2296:  # (2296 - 256) % 20 == 0: the package's frame loop stops one frame short (zero column)
            assert not theirs[:, -1].any() and row[:, -1].min() > 0
        else:
            np.testing.assert_allclose(row[:, -1], theirs[:, -1], rtol=1e-9, atol=1e-12 * theirs.max())


@pytest.mark.parametrize(
    ("f0", "length", "torchmetrics"),
    [(300, 3200, 109.84688536711596), (450, 3200, 109.84304845682385), (300, 2296, 103.41668506372454)],
)
def test_srmr_fast_follows_the_srmr_toolbox_not_torchmetrics(f0, length, torchmetrics):
    """Modulated tones where TorchMetrics' fast path (value measured once with torchaudio) departs from the toolbox:
    channel order for K* (300 Hz), cut-offs at 400 Hz (450 Hz), a zero-padded extra frame and the gammatone
    package's zero last column (2296 samples)."""
    t = np.arange(length) / 8000
    x = 0.5 * np.sin(2 * np.pi * f0 * t) * (1 + np.sin(2 * np.pi * 5 * t))
    value = float(speech_reverberation_modulation_energy_ratio(torch.tensor(x), 8000, fast=True))
    assert value == pytest.approx(_reference_srmr(x, 8000, fast=True), rel=1e-9)
    assert abs(value - torchmetrics) > 0.1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"fs": 0}, ValueError, "`fs` must be an int >= 1, got 0"),
        ({"fs": 8000, "n_cochlear_filters": 0}, ValueError, "`n_cochlear_filters` must be an int >= 1"),
        ({"fs": 8000, "low_freq": 0}, ValueError, r"`low_freq` must be a float > 0.0, got 0"),
        ({"fs": 8000, "max_cf": -1}, ValueError, r"`max_cf` must be None or a float > 0.0, got -1"),
        ({"fs": 8000, "norm": 1}, TypeError, "`norm` must be a bool, got 1"),
        ({"fs": 8000, "fast": 1}, TypeError, "`fast` must be a bool, got 1"),
        ({"fs": 199, "fast": True}, ValueError, r"`fs` must be an int >= 200 with `fast=True` \(2.5 ms hop\), got 199"),
        ({"fs": 8000, "fast": True, "max_cf": 200}, ValueError, r"`max_cf` must be None or a float in \(0.0, 200.0\)"),
    ],
)
def test_srmr_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"SpeechReverberationModulationEnergyRatio: {match}"):
        SpeechReverberationModulationEnergyRatio(**kwargs)
    with pytest.raises(error, match=f"speech_reverberation_modulation_energy_ratio: {match}"):
        speech_reverberation_modulation_energy_ratio(torch.ones(4000), **kwargs)
