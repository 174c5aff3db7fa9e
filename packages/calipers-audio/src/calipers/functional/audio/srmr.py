r"""Speech-to-reverberation modulation energy ratio (SRMR, Falk et al. 2010), natively in torch.

Each signal goes through a 23-channel gammatone filterbank; the Hilbert envelope of each channel through 8
modulation band-pass filters (4 - 128 Hz by default); the energies of 256 ms Hamming frames (64 ms hop) are
averaged. With :math:`\bar E_{j,k}` the average energy of cochlear channel ``j`` and modulation band ``k``, and
:math:`K^*` the number of bands below the bandwidth of the channels holding 90% of the energy,

.. math:: \text{SRMR} = \frac{\sum_j \sum_{k=1}^{4} \bar E_{j,k}}{\sum_j \sum_{k=5}^{K^*} \bar E_{j,k}}

This follows SRMRpy (which TorchMetrics translates, on torchaudio's ``lfilter``) step for step; the filters are
applied by FFT with their exact responses (see :mod:`calipers.functional.audio._filterbanks`). Everything runs on
the inputs' device, in float64, batched over signals.

``fast=True`` takes the envelopes from the FFT gammatonegram instead (400 frames a second), as the SRMR toolbox
does: its channels in the same (descending) order as the filterbank's, the modulation filters designed at 400 Hz,
the cut-offs that choose :math:`K^*` at the signal's rate, and full frames only.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from calipers._checks import check_flag, check_float, check_int, check_tensor
from calipers.functional.audio._filterbanks import (
    GTGRAM_RATE,
    analytic_envelope,
    convolve_truncated,
    erb_bandwidths,
    erb_centre_frequencies,
    gammatone_filterbank,
    gammatonegram,
    gtgram_sizes,
    modulation_centres_and_cutoffs,
    modulation_impulse_responses,
)

__all__ = ["speech_reverberation_modulation_energy_ratio"]

_WINDOW_S = 0.256
_HOP_S = 0.064
_DYNAMIC_RANGE_DB = 30.0
_FAST_MIN_FS = 200  # below it the gammatonegram's 2.5 ms hop rounds to 0 samples


def _min_samples(fs: int, fast: bool) -> int:
    """Samples giving one 256 ms frame: of the signal, or (``fast``) of its 400 Hz gammatonegram."""
    if not fast:
        return math.ceil(_WINDOW_S * fs)
    n_fft, _, hop = gtgram_sizes(fs)
    return n_fft + (math.ceil(_WINDOW_S * GTGRAM_RATE) - 1) * hop


def _srmr_arg_validation(
    name: str,
    fs: object,
    n_cochlear_filters: object,
    low_freq: object,
    min_cf: object,
    max_cf: object,
    norm: object,
    fast: object,
) -> None:
    """Positive ``fs``/``n_cochlear_filters`` ints, positive frequencies, bool flags.

    With ``fast``, ``fs`` must give a hop of at least one sample (``fs >= 200``) and ``max_cf`` must lie below the
    Nyquist frequency of the 400 Hz gammatonegram.
    """
    check_flag(name, "fast", fast)
    if fast:
        check_int(name, "fs", fs, _FAST_MIN_FS, expectation=f"an int >= {_FAST_MIN_FS} with `fast=True` (2.5 ms hop)")
    else:
        check_int(name, "fs", fs, 1)
    check_int(name, "n_cochlear_filters", n_cochlear_filters, 1)
    check_float(name, "low_freq", low_freq, 0.0, low_open=True)
    check_float(name, "min_cf", min_cf, 0.0, low_open=True)
    high = GTGRAM_RATE / 2 if fast else None
    check_float(name, "max_cf", max_cf, 0.0, high, low_open=True, high_open=True, optional=True)
    check_flag(name, "norm", norm)


def _srmr_tensor_validation(name: str, preds: object, fs: int, fast: bool = False) -> Tensor:
    """A real tensor ``(..., time)`` with at least one 256 ms frame (of the gammatonegram with ``fast``)."""
    p = check_tensor(name, "preds", preds, "real")
    minimum = _min_samples(fs, fast)
    if p.ndim < 1 or p.shape[-1] < minimum:
        got = tuple(p.shape)
        what = "one 256 ms frame of the gammatonegram" if fast else "256 ms"
        raise ValueError(
            f"{name}: `preds` must have at least {minimum} samples ({what}) in its last dimension, got {got}."
        )
    return p


def _srmr_format(preds: Tensor) -> Tensor:
    """Float64 ``(N, time)``; integer samples scaled by their dtype's maximum, signals above 1 by their peak."""
    x = preds.reshape(-1, preds.shape[-1])
    if not x.is_floating_point():
        x = x.double() / torch.iinfo(preds.dtype).max
    x = x.double()
    peak = x.abs().amax(dim=-1, keepdim=True)
    return x / torch.where(peak > 1, peak, torch.ones_like(peak))


def _frame_energies(modulated: Tensor, fs: float) -> Tensor:
    """Hamming-windowed energies of 256 ms frames every 64 ms: ``(..., frames)``."""
    window = math.ceil(_WINDOW_S * fs)
    hop = math.ceil(_HOP_S * fs)
    weights = torch.hamming_window(window + 1, dtype=torch.float64, device=modulated.device)[:-1] ** 2
    frames = (modulated * modulated).unfold(-1, window, hop)  # (..., frames, window), a view
    energy: Tensor = torch.einsum("...fw,w->...f", frames, weights)
    return energy


def _normalize_energy(energy: Tensor) -> Tensor:
    """Clamp to ``[peak / 10^3, peak]``, the peak being the largest channel-averaged energy of the signal."""
    peak = energy.mean(dim=1).amax(dim=(1, 2))[:, None, None, None]
    return torch.minimum(torch.maximum(energy, peak * 10.0 ** (-_DYNAMIC_RANGE_DB / 10.0)), peak)


def _srmr_update(
    name: str,
    preds: Tensor,
    fs: int,
    n_cochlear_filters: int,
    low_freq: float,
    min_cf: float,
    max_cf: float | None,
    norm: bool,
    fast: bool = False,
) -> Tensor:
    """SRMR of every (formatted, ``(N, time)``) signal, float64, shape ``(N,)``."""
    if preds.shape[0] == 0:
        return preds.new_zeros(0)
    centres = erb_centre_frequencies(fs, n_cochlear_filters, float(low_freq))
    if fast:  # (N, C, frames) at 400 Hz
        envelopes, rate = gammatonegram(preds, fs, n_cochlear_filters, float(low_freq)), GTGRAM_RATE
    else:  # (N, C, T)
        envelopes = analytic_envelope(gammatone_filterbank(preds, fs, n_cochlear_filters, float(low_freq)))
        rate = float(fs)
    top = (30.0 if norm else 128.0) if max_cf is None else float(max_cf)
    _, w0, _ = modulation_centres_and_cutoffs(float(min_cf), top, rate)
    _, _, cutoffs = modulation_centres_and_cutoffs(float(min_cf), top, float(fs))  # K*: at the signal's rate
    kernels = modulation_impulse_responses(w0, envelopes.shape[-1])
    energy = _frame_energies(convolve_truncated(envelopes, kernels), rate)  # (N, C, 8, frames)
    if norm:
        energy = _normalize_energy(energy)
    average = energy.mean(dim=-1)  # (N, C, 8)
    per_channel = average.sum(dim=2)
    share = per_channel.flip(-1).cumsum(-1) * 100 / per_channel.sum(-1, keepdim=True)  # ascending centres
    first = (share > 90).to(torch.int64).argmax(dim=-1)
    bandwidth = erb_bandwidths(centres).flip(0).to(preds.device)[first]  # (N,)
    cut = cutoffs.to(preds.device)
    if bool((bandwidth < cut[4]).any()):
        index = int((bandwidth < cut[4]).nonzero()[0, 0])
        raise ValueError(
            f"{name}: sample {index} (of the flattened batch) has its energy below the 5th modulation band "
            f"(bandwidth {float(bandwidth[index]):.4g} Hz < {float(cut[4]):.4g} Hz): lower `min_cf`/`max_cf`."
        )
    k_star = 5 + (bandwidth[:, None] >= cut[None, 5:8]).sum(dim=-1)  # bands 5 .. k_star - 1 (1-based) on top
    bands = torch.arange(8, device=preds.device)
    upper = (bands[None, :] >= 4) & (bands[None, :] < k_star[:, None])
    band_energy = average.sum(dim=1)  # (N, 8)
    return band_energy[:, :4].sum(-1) / (band_energy * upper).sum(-1)


def speech_reverberation_modulation_energy_ratio(
    preds: Tensor,
    fs: int,
    n_cochlear_filters: int = 23,
    low_freq: float = 125,
    min_cf: float = 4,
    max_cf: float | None = None,
    norm: bool = False,
    fast: bool = False,
) -> Tensor:
    """Speech-to-reverberation modulation energy ratio (SRMR, non-intrusive) of every signal.

    Args:
        preds: signals, shape ``(..., time)`` with at least 256 ms of samples (integer samples are scaled by their
            dtype's maximum; float signals peaking above 1 by their peak).
        fs: sampling rate in Hz.
        n_cochlear_filters: channels of the gammatone filterbank.
        low_freq: lowest centre frequency of the gammatone filterbank (Hz).
        min_cf: centre frequency of the first modulation filter (Hz).
        max_cf: centre frequency of the last modulation filter (Hz); ``None``: 128, or 30 with ``norm``.
        norm: normalise the modulation energies to a 30 dB dynamic range.
        fast: take the envelopes from the FFT gammatonegram (400 frames a second) instead of the filterbank;
            needs ``fs >= 200``, ``max_cf < 200`` and ``n_fft + 102 * hop`` samples (2296 at 8 kHz).

    Returns:
        The SRMR of every signal, float64, shape ``preds.shape[:-1]``.

    Raises:
        TypeError: if ``preds`` is not a real tensor or an argument has the wrong type.
        ValueError: if an argument is out of range, a signal is shorter than one frame, or a signal's energy lies
            below the 5th modulation band (its index is named).

    Example:
        >>> import torch
        >>> from calipers.functional.audio import speech_reverberation_modulation_energy_ratio
        >>> t = torch.arange(8000) / 8000
        >>> speech = torch.sin(2 * torch.pi * 150 * t) * (1 + torch.sin(2 * torch.pi * 4 * t))
        >>> speech_reverberation_modulation_energy_ratio(speech, 8000).shape
        torch.Size([])
        >>> speech_reverberation_modulation_energy_ratio(speech, 8000, fast=True).shape
        torch.Size([])
    """
    name = "speech_reverberation_modulation_energy_ratio"
    _srmr_arg_validation(name, fs, n_cochlear_filters, low_freq, min_cf, max_cf, norm, fast)
    p = _srmr_tensor_validation(name, preds, fs, fast)
    values = _srmr_update(name, _srmr_format(p), fs, n_cochlear_filters, low_freq, min_cf, max_cf, norm, fast)
    return values.reshape(p.shape[:-1])
