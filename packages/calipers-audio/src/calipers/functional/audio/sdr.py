r"""Signal-to-distortion ratios: SDR (bss_eval's, with a distortion filter), SI-SDR and source-aggregated SDR.

SDR: the estimate :math:`\hat s` is projected on the span of ``filter_length`` delays of the reference :math:`s`
(both normalised to unit energy); with :math:`c` the energy of that projection,
:math:`\text{SDR} = 10 \log_{10} \frac{c}{1 - c}`. The projection solves a symmetric Toeplitz system, done by
:func:`calipers.functional.audio._toeplitz.toeplitz_quadratic_form` in ``O(L^2)`` per signal (float64, batched,
on the inputs' device).

SI-SDR: :math:`\alpha = \frac{\langle \hat s, s\rangle + \epsilon}{\lVert s\rVert^2 + \epsilon}`,
:math:`\text{SI-SDR} = 10 \log_{10} \frac{\lVert \alpha s\rVert^2 + \epsilon}{\lVert \alpha s - \hat s\rVert^2 +
\epsilon}`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import check_flag, check_float, check_int
from calipers.functional.audio._common import (
    _as_compute,
    _centre,
    _check_signals,
    _compute_dtype,
    _value_dtype,
)
from calipers.functional.audio._toeplitz import toeplitz_conjugate_gradient, toeplitz_quadratic_form

__all__ = [
    "scale_invariant_signal_distortion_ratio",
    "signal_distortion_ratio",
    "source_aggregated_signal_distortion_ratio",
]

# Input dtypes computed as they are (both inputs of one of them): no promotion, no cast.
_DIRECT_DTYPES = (torch.float32, torch.float64)

# Floor of the signals' norms before normalisation (a silent reference gives a zero system, hence NaN).
_NORM_FLOOR = 1e-6


# ------------------------------------------------------------------------------------------------ SI-SDR
def _energy(x: Tensor) -> Tensor:
    energy: Tensor = torch.linalg.vector_norm(x, dim=-1).square()
    return energy


def _si_sdr_values(preds: Tensor, target: Tensor, zero_mean: bool) -> Tensor:
    """SI-SDR of every signal (inputs in the compute dtype): four passes over the signals, one temporary.

    The noise ``alpha s - x`` is formed explicitly (one ``addcmul``), never by expanding its energy, so high ratios
    keep their precision. The per-signal arithmetic after the passes is done in place on the fresh reductions
    (at (8, 16000) each small operation costs as much as a tenth of a pass: bench workload ``audio.si_sdr``).
    """
    if zero_mean:
        preds, target = _centre(preds), _centre(target)
    eps = torch.finfo(preds.dtype).eps
    target_energy = _energy(target)
    alpha = torch.linalg.vecdot(preds, target).add_(eps).div_(target_energy + eps)
    noise_energy = _energy(torch.addcmul(preds, target, alpha.unsqueeze(-1), value=-1.0)).add_(eps)
    ratio: Tensor = (target_energy * alpha.square()).add_(eps).div_(noise_energy)
    return ratio.log10_().mul_(10)


def _si_sdr_pair_matrix(
    preds: Tensor, target: Tensor, zero_mean: bool = False, *, name: str = "scale_invariant_signal_distortion_ratio"
) -> Tensor:
    """``m[b, j, i]`` = SI-SDR of estimate ``i`` against reference ``j`` for ``(B, S, time)`` inputs, all at once.

    The inner products come from one batched matmul; the ``B * S * S`` noises from one broadcast ``addcmul``.
    """
    _si_sdr_arg_validation(name, zero_mean)
    p, t = _si_sdr_tensor_validation(name, preds, target)
    p, t, out = _si_sdr_format(p, t)
    if zero_mean:
        p, t = _centre(p), _centre(t)
    eps = torch.finfo(p.dtype).eps
    target_energy = _energy(t).unsqueeze(-1)  # (B, S, 1): reference j
    alpha = (t @ p.transpose(-1, -2) + eps) / (target_energy + eps)  # [b, j, i]
    noise = torch.addcmul(p.unsqueeze(1), t.unsqueeze(2), alpha.unsqueeze(-1), value=-1.0)
    return (10 * torch.log10((alpha * alpha * target_energy + eps) / (_energy(noise) + eps))).to(out)


def _si_sdr_arg_validation(name: str, zero_mean: object) -> None:
    """``zero_mean`` must be a bool."""
    check_flag(name, "zero_mean", zero_mean)


def _si_sdr_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., time)``."""
    return _check_signals(name, preds, target)


def _si_sdr_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor, torch.dtype]:
    """Cast to the compute dtype (float32 for half precision); return the dtype of the values too."""
    if preds.dtype == target.dtype and preds.dtype in _DIRECT_DTYPES:  # nothing to promote or cast
        return preds, target, preds.dtype
    out = _value_dtype(preds, target)
    p, t = _as_compute(_compute_dtype(out), preds, target)
    return p, t, out


def _si_sdr_update(preds: Tensor, target: Tensor, zero_mean: bool) -> Tensor:
    """SI-SDR of every signal, shape ``preds.shape[:-1]``."""
    return _si_sdr_values(preds, target, zero_mean)


def scale_invariant_signal_distortion_ratio(preds: Tensor, target: Tensor, zero_mean: bool = False) -> Tensor:
    """Scale-invariant signal-to-distortion ratio (dB) of every signal.

    Args:
        preds: estimated signals, shape ``(..., time)``.
        target: reference signals, the shape of ``preds``.
        zero_mean: subtract each signal's mean first.

    Returns:
        The SI-SDR of every signal, shape ``preds.shape[:-1]``, in the inputs' floating dtype (half precision is
        computed in float32).

    Raises:
        TypeError: if an input is not a real tensor or ``zero_mean`` is not a bool.
        ValueError: if the shapes differ.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import scale_invariant_signal_distortion_ratio
        >>> preds, target = torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0])
        >>> scale_invariant_signal_distortion_ratio(preds, target)
        tensor(18.4030)
    """
    name = "scale_invariant_signal_distortion_ratio"
    _si_sdr_arg_validation(name, zero_mean)
    p, t = _si_sdr_tensor_validation(name, preds, target)
    p, t, out = _si_sdr_format(p, t)
    values = _si_sdr_update(p, t, zero_mean)
    return values if values.dtype == out else values.to(out)


# ------------------------------------------------------------------------------------------------ SDR
def _sdr_arg_validation(
    name: str, use_cg_iter: object, filter_length: object, zero_mean: object, load_diag: object
) -> None:
    """``use_cg_iter``: None or an int >= 1; ``filter_length``: an int >= 1; ``load_diag``: None or a float >= 0."""
    check_int(name, "use_cg_iter", use_cg_iter, 1, optional=True)
    check_int(name, "filter_length", filter_length, 1)
    check_flag(name, "zero_mean", zero_mean)
    check_float(name, "load_diag", load_diag, 0.0, optional=True)


def _sdr_tensor_validation(name: str, preds: object, target: object, filter_length: int) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., time)`` with ``time >= filter_length``."""
    p, t = _check_signals(name, preds, target)
    if p.shape[-1] < filter_length:
        raise ValueError(
            f"{name}: `filter_length` must be at most the number of samples {p.shape[-1]} of the signals, got "
            f"{filter_length}."
        )
    return p, t


def _sdr_format(preds: Tensor, target: Tensor, zero_mean: bool) -> tuple[Tensor, torch.dtype]:
    """Both signals as one float64 ``(2, N, time)`` tensor (``preds`` first), and the values' dtype (float64/32).

    One pass: the cast writes both into one buffer (centred afterwards with ``zero_mean``). The signals are not
    normalised here: their energies enter :func:`_sdr_update` analytically.
    """
    out = torch.float64 if _value_dtype(preds, target) == torch.float64 else torch.float32
    length = preds.shape[-1]
    signals = torch.empty(2, preds.numel() // length, length, dtype=torch.float64, device=preds.device)
    signals[0] = preds.reshape(-1, length)
    signals[1] = target.reshape(-1, length)
    if zero_mean:
        signals.sub_(signals.mean(dim=-1, keepdim=True))
    return signals, out


# FFT sizes: 5-smooth, and a multiple of this power of two once the signals are long enough (MKL's and cuFFT's
# real transforms of odd 5-smooth sizes are 2-3x slower: bench workload ``audio.sdr``, 16875 vs 17280 points).
_FFT_EVEN_FACTOR = 8


def _fft_size(n: int) -> int:
    """The smallest 5-smooth integer >= ``n`` (a multiple of ``_FFT_EVEN_FACTOR`` for ``n >= 64``)."""
    q = _FFT_EVEN_FACTOR if n >= 64 else 1
    m = -(-n // q)
    best = 1 << max(m - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p235 = p35
            while p235 < m:
                p235 *= 2
            best = min(best, p235)
            p35 *= 3
        p5 *= 5
    return best * q


def _correlations(signals: Tensor, filter_length: int) -> tuple[Tensor, Tensor]:
    """Autocorrelation of the target and its cross-correlation with the estimate, lags ``0 .. filter_length - 1``.

    ``signals``: the ``(2, N, time)`` tensor of :func:`_sdr_format`. One forward and one inverse FFT of both.
    """
    n_fft = _fft_size(signals.shape[-1] + filter_length - 1)
    spectra = torch.fft.rfft(signals, n_fft)
    cross, auto = torch.fft.irfft(spectra * spectra[1:].conj(), n_fft)[..., :filter_length].unbind(0)
    return auto, cross


def _sdr_update(signals: Tensor, use_cg_iter: int | None, filter_length: int, load_diag: float | None) -> Tensor:
    """SDR of every (formatted, ``(2, N, time)``) pair of signals, float64, shape ``(N,)``.

    With unit-energy signals (norms floored at ``_NORM_FLOOR``, as bss_eval does) the system is ``r / |s|^2`` and
    ``b / (|s| |s_hat|)``; the scales are applied to the correlations of the raw signals instead of the signals.
    """
    if signals.shape[1] == 0:
        return signals.new_zeros(0)
    r, b = _correlations(signals, filter_length)
    target_energy = torch.clamp(r[:, :1], min=_NORM_FLOOR**2)
    preds_norm = torch.clamp(torch.linalg.vector_norm(signals[0], dim=-1, keepdim=True), min=_NORM_FLOOR)
    r = r / target_energy
    b = b / (target_energy.sqrt() * preds_norm)
    if load_diag is not None:
        r = torch.cat([r[:, :1] + load_diag, r[:, 1:]], dim=-1)
    exact = use_cg_iter is None
    coherence = toeplitz_quadratic_form(r, b) if exact else toeplitz_conjugate_gradient(r, b, use_cg_iter or 1)
    # The coherence is a projection's energy, in [0, 1]; rounding can put a perfect estimate's just above 1, which
    # would make the ratio negative and the SDR NaN: clamped, as fast-bss-eval does, it is +inf.
    coherence = coherence.clamp(0.0, 1.0)
    return 10 * torch.log10(coherence / (1 - coherence))


def signal_distortion_ratio(
    preds: Tensor,
    target: Tensor,
    use_cg_iter: int | None = None,
    filter_length: int = 512,
    zero_mean: bool = False,
    load_diag: float | None = None,
) -> Tensor:
    """Signal-to-distortion ratio (dB, bss_eval's single-source definition) of every signal.

    Args:
        preds: estimated signals, shape ``(..., time)``.
        target: reference signals, the shape of ``preds``.
        use_cg_iter: solve the distortion filter by this many preconditioned conjugate-gradient iterations (an
            approximation; ``None`` solves exactly).
        filter_length: length of the distortion filter (at most ``time``).
        zero_mean: subtract each signal's mean first.
        load_diag: added to the diagonal of the system (regularises silent references).

    Returns:
        The SDR of every signal, shape ``preds.shape[:-1]``: float64 for float64 inputs, else float32. A silent
        reference gives NaN unless ``load_diag`` is given.

    Raises:
        TypeError: if an input is not a real tensor or an argument has the wrong type.
        ValueError: if the shapes differ, ``time < filter_length`` or an argument is out of range.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import signal_distortion_ratio
        >>> g = torch.Generator().manual_seed(1)
        >>> target = torch.randn(2, 8000, generator=g)
        >>> preds = target + 0.1 * torch.randn(2, 8000, generator=g)
        >>> signal_distortion_ratio(preds, target).round(decimals=1)
        tensor([20.3000, 20.3000])
    """
    name = "signal_distortion_ratio"
    _sdr_arg_validation(name, use_cg_iter, filter_length, zero_mean, load_diag)
    p, t = _sdr_tensor_validation(name, preds, target, filter_length)
    signals, out = _sdr_format(p, t, zero_mean)
    return _sdr_update(signals, use_cg_iter, filter_length, load_diag).to(out).reshape(p.shape[:-1])


# ------------------------------------------------------------------------------------------------ SA-SDR
def _sa_sdr_arg_validation(name: str, scale_invariant: object, zero_mean: object) -> None:
    """Both flags must be bools."""
    check_flag(name, "scale_invariant", scale_invariant)
    check_flag(name, "zero_mean", zero_mean)


def _sa_sdr_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., spk, time)``."""
    return _check_signals(name, preds, target, min_ndim=2)


def _sa_sdr_update(preds: Tensor, target: Tensor, scale_invariant: bool, zero_mean: bool) -> Tensor:
    """SA-SDR of every group of speakers, shape ``preds.shape[:-2]`` (inputs in the compute dtype)."""
    if zero_mean:
        preds, target = _centre(preds), _centre(target)
    eps = torch.finfo(preds.dtype).eps
    if scale_invariant:
        cross = torch.linalg.vecdot(preds, target).sum(-1)
        energy = torch.linalg.vecdot(target, target).sum(-1)
        alpha = (cross + eps) / (energy + eps)
        target = target * alpha[..., None, None]
    distortion = target - preds
    signal_energy = torch.linalg.vecdot(target, target).sum(-1)
    return 10 * torch.log10((signal_energy + eps) / (torch.linalg.vecdot(distortion, distortion).sum(-1) + eps))


def source_aggregated_signal_distortion_ratio(
    preds: Tensor, target: Tensor, scale_invariant: bool = True, zero_mean: bool = False
) -> Tensor:
    """Source-aggregated signal-to-distortion ratio (dB): energies summed over the speakers before the ratio.

    Args:
        preds: estimated signals, shape ``(..., spk, time)``.
        target: reference signals, the shape of ``preds``.
        scale_invariant: scale all the speakers' references by one common optimal factor.
        zero_mean: subtract each signal's mean first.

    Returns:
        The SA-SDR of every group, shape ``preds.shape[:-2]``, in the inputs' floating dtype.

    Raises:
        TypeError: if an input is not a real tensor or a flag is not a bool.
        ValueError: if the shapes differ or the inputs have fewer than 2 dimensions.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import source_aggregated_signal_distortion_ratio
        >>> target = torch.tensor([[3.0, -0.5, 2.0, 7.0], [1.0, 2.0, -1.0, 0.0]])
        >>> preds = torch.tensor([[2.5, 0.0, 2.0, 8.0], [1.0, 1.5, -1.0, 0.5]])
        >>> source_aggregated_signal_distortion_ratio(preds, target)
        tensor(16.4719)
    """
    name = "source_aggregated_signal_distortion_ratio"
    _sa_sdr_arg_validation(name, scale_invariant, zero_mean)
    p, t = _sa_sdr_tensor_validation(name, preds, target)
    p, t, out = _si_sdr_format(p, t)
    return _sa_sdr_update(p, t, scale_invariant, zero_mean).to(out)
