"""The filterbanks of the SRMR, designed and applied in torch (float64, batched, any device; no torchaudio).

* The gammatone (cochlear) filterbank is Slaney's: each channel is four cascaded biquads sharing their poles
  (Patterson-Holdsworth ERB filters, Glasberg-Moore ERB scale between ``low_freq`` and ``fs / 2``). It is applied in
  the frequency domain: one FFT of the signals, the exact transfer function of the cascade, one inverse FFT. The
  FFT is longer than the signal by :func:`_gammatone_padding` samples, after which every impulse response has
  decayed below float64 precision, so the result equals the recursive filter.
* The fast variant replaces filterbank and Hilbert envelope by Ellis' FFT approximation of a gammatonegram: short
  spectra (10 ms Hann taper centred in a power-of-two FFT of at least two windows, 2.5 ms hop: 400 frames a
  second) whose magnitudes are summed with the magnitude response of every channel as weights.
* The modulation filterbank is 8 second-order band-pass filters (Q = 2), log-spaced from ``min_cf`` to ``max_cf``.
  Their exact impulse responses, truncated to the signal length (all the first ``T`` outputs depend on), are
  convolved by FFT.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch import Tensor

__all__: list[str] = []

_EAR_Q = 9.26449  # Glasberg and Moore
_MIN_BW = 24.7


def erb_centre_frequencies(fs: int, n_filters: int, low_freq: float) -> Tensor:
    """Centre frequencies uniformly spaced on the ERB scale from ``fs / 2`` down to ``low_freq`` (descending)."""
    high = fs / 2
    fraction = torch.arange(1, n_filters + 1, dtype=torch.float64) / n_filters
    span = math.log(low_freq + _EAR_Q * _MIN_BW) - math.log(high + _EAR_Q * _MIN_BW)
    return -_EAR_Q * _MIN_BW + torch.exp(fraction * span) * (high + _EAR_Q * _MIN_BW)


def erb_bandwidths(centre: Tensor) -> Tensor:
    """Equivalent rectangular bandwidth of each centre frequency (Hz)."""
    return centre / _EAR_Q + _MIN_BW


def _gammatone_design(fs: int, centre: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Numerator zeros terms ``A1k`` (C, 4), pole terms ``B1``, ``B2`` (C,) and gains (C,) of Slaney's filters."""
    period = 1.0 / fs
    b = 1.019 * 2 * math.pi * erb_bandwidths(centre)
    arg = 2 * centre * math.pi * period
    rt_pos, rt_neg = math.sqrt(3 + 2**1.5), math.sqrt(3 - 2**1.5)
    cos, sin = torch.cos(arg), torch.sin(arg)
    k = torch.stack([cos + rt_pos * sin, cos - rt_pos * sin, cos + rt_neg * sin, cos - rt_neg * sin], dim=-1)
    a1 = -period * torch.exp(-b * period)[:, None] * k
    b1 = -2 * cos / torch.exp(b * period)
    b2 = torch.exp(-2 * b * period)
    vec = torch.exp(2j * arg)
    gain_arg = torch.exp(1j * arg - b * period)
    decay = torch.exp(b * period)
    tail = (period * decay / (-1 / decay + 1 + vec * (1 - decay))) ** 4
    gain = torch.abs(torch.prod(vec[:, None] - gain_arg[:, None] * k, dim=-1) * tail)
    return a1, b1, b2, gain


def _gammatone_padding(fs: int, centre: Tensor) -> int:
    """Samples after which the slowest channel's impulse response is below float64 precision."""
    slowest = float(1.019 * 2 * math.pi * erb_bandwidths(centre).min())  # envelope ~ t^3 exp(-slowest t)
    return math.ceil(60.0 / slowest * fs)


@lru_cache(maxsize=16)
def _gammatone_response(fs: int, n_filters: int, low_freq: float, n_fft: int, device: torch.device) -> Tensor:
    """Transfer function ``(C, n_fft // 2 + 1)`` of every channel's four-biquad cascade (descending centres)."""
    a1, b1, b2, gain = _gammatone_design(fs, erb_centre_frequencies(fs, n_filters, low_freq))
    omega = 2 * math.pi * torch.arange(n_fft // 2 + 1, dtype=torch.float64) / n_fft
    z1 = torch.exp(-1j * omega)  # z^-1 on the unit circle
    numerator = torch.prod(1.0 / fs + a1[:, :, None] * z1, dim=1)  # A0 + A1k z^-1, the four sections
    denominator = (1 + b1[:, None] * z1 + b2[:, None] * z1 * z1) ** 4
    return (numerator / denominator / gain[:, None]).to(device)


def gammatone_filterbank(signals: Tensor, fs: int, n_filters: int, low_freq: float) -> Tensor:
    """Filter ``(N, T)`` float64 signals by every channel: ``(N, C, T)``, centres descending."""
    length = signals.shape[-1]
    n_fft = length + _gammatone_padding(fs, erb_centre_frequencies(fs, n_filters, low_freq))
    response = _gammatone_response(fs, n_filters, low_freq, n_fft, signals.device)
    spectrum = torch.fft.rfft(signals, n_fft)
    out: Tensor = torch.fft.irfft(spectrum[:, None, :] * response, n_fft)[..., :length]
    return out


GTGRAM_RATE = 400.0  # frames per second of the gammatonegram (nominal: the hop is rounded to whole samples)
_GTGRAM_WINDOW_S = 0.010
_GTGRAM_HOP_S = 0.0025


def gtgram_sizes(fs: int) -> tuple[int, int, int]:
    """FFT length (the power of two >= two windows), taper length and hop (samples, rounded half up)."""
    n_fft = int(2 ** math.ceil(math.log2(2 * _GTGRAM_WINDOW_S * fs)))
    return n_fft, math.floor(_GTGRAM_WINDOW_S * fs + 0.5), math.floor(_GTGRAM_HOP_S * fs + 0.5)


@lru_cache(maxsize=16)
def _gtgram_taper(n_fft: int, window: int, device: torch.device) -> Tensor:
    """Hann taper of ``window`` samples centred on bin ``n_fft // 2`` of an ``n_fft`` frame, zero elsewhere."""
    half, middle = window // 2, n_fft // 2
    reach = min(middle, half)
    side = 0.5 * (1 + torch.cos(math.pi * torch.arange(reach, dtype=torch.float64) / half))
    taper = torch.zeros(n_fft, dtype=torch.float64)
    taper[middle : middle + reach] = side
    taper[middle - reach + 1 : middle + 1] = side.flip(0)
    return taper.to(device)


def gammatonegram(signals: Tensor, fs: int, n_filters: int, low_freq: float) -> Tensor:
    """Gammatonegram of ``(N, T)`` float64 signals: ``(N, C, frames)``, centres descending, one frame per hop.

    Every frame that fits is computed (``1 + (T - n_fft) // hop`` of them).
    """
    n_fft, window, hop = gtgram_sizes(fs)
    taper = _gtgram_taper(n_fft, window, signals.device)
    magnitude = torch.fft.rfft(signals.unfold(-1, n_fft, hop) * taper).abs()  # (N, frames, n_fft // 2 + 1)
    weights = _gammatone_response(fs, n_filters, low_freq, n_fft, signals.device).abs() / n_fft  # (C, bins)
    out: Tensor = torch.einsum("nfk,ck->ncf", magnitude, weights)
    return out


def analytic_envelope(x: Tensor) -> Tensor:
    """``|x + j H{x}|`` along the last dimension, the FFT length rounded up to a multiple of 16."""
    length = x.shape[-1]
    n = math.ceil(length / 16) * 16
    weights = torch.zeros(n, dtype=x.dtype, device=x.device)
    weights[0] = 1.0
    weights[1 : (n + 1) // 2] = 2.0
    if n % 2 == 0:
        weights[n // 2] = 1.0
    analytic = torch.fft.ifft(torch.fft.fft(x, n) * weights, n)[..., :length]
    envelope: Tensor = analytic.abs()
    return envelope


def modulation_centres_and_cutoffs(min_cf: float, max_cf: float, fs: float) -> tuple[Tensor, Tensor, Tensor]:
    """Centre frequencies (8, log-spaced), normalised ``w0`` and lower 3 dB cutoffs of the modulation filters."""
    spacing = (max_cf / min_cf) ** (1.0 / 7)
    centres = torch.tensor([min_cf * spacing**k for k in range(8)], dtype=torch.float64)
    w0 = 2 * math.pi * centres / fs
    lower = centres - torch.tan(w0 / 2) / 2 * fs / (2 * math.pi)
    return centres, w0, lower


def modulation_impulse_responses(w0: Tensor, length: int, quality: float = 2.0) -> Tensor:
    """Exact impulse responses ``(8, length)`` of the band-pass biquads ``b = [b0, 0, -b0]`` (bilinear design)."""
    t = torch.tan(w0 / 2)
    b0 = t / quality
    a0 = 1 + b0 + t * t
    a1 = (2 * t * t - 2) / a0
    a2 = (1 - b0 + t * t) / a0
    gain = b0 / a0
    # poles r exp(+-j theta) of 1 + a1 z^-1 + a2 z^-2 (complex for these band-pass designs)
    radius = torch.sqrt(a2)
    theta = torch.acos(torch.clamp(-a1 / (2 * radius), -1.0, 1.0))
    n = torch.arange(length + 1, dtype=torch.float64)
    # all-pole response g[n] = r^n sin((n + 1) theta) / sin(theta); h[n] = gain (g[n] - g[n - 2])
    g = radius[:, None] ** n * torch.sin((n + 1) * theta[:, None]) / torch.sin(theta)[:, None]
    h = g[:, :length].clone()
    h[:, 2:] -= g[:, : length - 2]
    return gain[:, None] * h


def convolve_truncated(x: Tensor, kernels: Tensor) -> Tensor:
    """``(..., T)`` signals convolved with ``(K, T)`` kernels, first ``T`` outputs: ``(..., K, T)``."""
    length = x.shape[-1]
    n_fft = 2 * length
    spectrum = torch.fft.rfft(x, n_fft).unsqueeze(-2) * torch.fft.rfft(kernels.to(x.device), n_fft)
    out: Tensor = torch.fft.irfft(spectrum, n_fft)[..., :length]
    return out
