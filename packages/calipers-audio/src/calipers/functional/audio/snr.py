r"""Signal-to-noise ratios: SNR, scale-invariant SNR and the complex (spectrogram) scale-invariant SNR.

.. math:: \text{SNR} = 10 \log_{10} \frac{\lVert s \rVert^2 + \epsilon}{\lVert s - \hat s \rVert^2 + \epsilon}

with :math:`\epsilon` the machine epsilon of the compute dtype. Each signal (the last dimension) gives one value;
the class averages them (states: their sum and count).
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import check_flag, check_tensor
from calipers.functional.audio._common import (
    _as_compute,
    _centre,
    _check_signals,
    _compute_dtype,
    _value_dtype,
)
from calipers.functional.audio.sdr import _si_sdr_values

__all__ = [
    "complex_scale_invariant_signal_noise_ratio",
    "scale_invariant_signal_noise_ratio",
    "signal_noise_ratio",
]


def _snr_arg_validation(name: str, zero_mean: object) -> None:
    """``zero_mean`` must be a bool."""
    check_flag(name, "zero_mean", zero_mean)


def _snr_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., time)``."""
    return _check_signals(name, preds, target)


def _snr_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor, torch.dtype]:
    """Cast to the compute dtype (float32 for half precision); return the dtype of the values too."""
    out = _value_dtype(preds, target)
    p, t = _as_compute(_compute_dtype(out), preds, target)
    return p, t, out


def _snr_update(preds: Tensor, target: Tensor, zero_mean: bool) -> Tensor:
    """SNR of every signal (formatted inputs), shape ``preds.shape[:-1]``."""
    if zero_mean:
        preds, target = _centre(preds), _centre(target)
    eps = torch.finfo(preds.dtype).eps
    noise = target - preds
    signal_energy = torch.linalg.vecdot(target, target)
    noise_energy = torch.linalg.vecdot(noise, noise)
    return 10 * torch.log10((signal_energy + eps) / (noise_energy + eps))


def signal_noise_ratio(preds: Tensor, target: Tensor, zero_mean: bool = False) -> Tensor:
    """Signal-to-noise ratio (dB) of every signal.

    Args:
        preds: estimated signals, shape ``(..., time)``.
        target: reference signals, the shape of ``preds``.
        zero_mean: subtract each signal's mean first.

    Returns:
        The SNR of every signal, shape ``preds.shape[:-1]``, in the inputs' floating dtype.

    Raises:
        TypeError: if an input is not a real tensor or ``zero_mean`` is not a bool.
        ValueError: if the shapes differ.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import signal_noise_ratio
        >>> signal_noise_ratio(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(16.1805)
    """
    name = "signal_noise_ratio"
    _snr_arg_validation(name, zero_mean)
    p, t = _snr_tensor_validation(name, preds, target)
    p, t, out = _snr_format(p, t)
    return _snr_update(p, t, zero_mean).to(out)


def scale_invariant_signal_noise_ratio(preds: Tensor, target: Tensor) -> Tensor:
    """Scale-invariant signal-to-noise ratio (dB): the SI-SDR of the zero-mean signals.

    Args:
        preds: estimated signals, shape ``(..., time)``.
        target: reference signals, the shape of ``preds``.

    Returns:
        The SI-SNR of every signal, shape ``preds.shape[:-1]``, in the inputs' floating dtype.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import scale_invariant_signal_noise_ratio
        >>> scale_invariant_signal_noise_ratio(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(15.0918)
    """
    p, t = _snr_tensor_validation("scale_invariant_signal_noise_ratio", preds, target)
    p, t, out = _snr_format(p, t)
    return _si_sdr_values(p, t, True).to(out)


def _complex_snr_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Complex ``(..., F, T)`` or real ``(..., F, T, 2)`` tensors of one shape; returned as real ``(..., F, T, 2)``."""
    p = check_tensor(name, "preds", preds, "any")
    t = check_tensor(name, "target", target, "any")
    p = torch.view_as_real(p) if p.is_complex() else p
    t = torch.view_as_real(t) if t.is_complex() else t
    for arg, x in (("preds", p), ("target", t)):
        if x.ndim < 3 or x.shape[-1] != 2:
            raise ValueError(
                f"{name}: `{arg}` must have shape (..., frequency, time, 2) (or be complex of shape (..., frequency, "
                f"time)), got shape {tuple(x.shape)} as real."
            )
    return _check_signals(name, p, t)


def _complex_snr_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor, torch.dtype]:
    """Flatten ``(..., F, T, 2)`` to ``(..., F * T * 2)`` and cast to the compute dtype."""
    flat = preds.shape[-3] * preds.shape[-2] * preds.shape[-1]
    p = preds.reshape(*preds.shape[:-3], flat)
    t = target.reshape(*target.shape[:-3], flat)
    return _snr_format(p, t)


def complex_scale_invariant_signal_noise_ratio(preds: Tensor, target: Tensor, zero_mean: bool = False) -> Tensor:
    """Complex scale-invariant signal-to-noise ratio (dB) of spectrograms.

    The real and imaginary parts of every time-frequency bin are taken as one signal, and its SI-SDR is returned.

    Args:
        preds: estimated spectrograms: real ``(..., frequency, time, 2)`` or complex ``(..., frequency, time)``.
        target: reference spectrograms, the shape of ``preds``.
        zero_mean: subtract each flattened spectrogram's mean first.

    Returns:
        The C-SI-SNR of every spectrogram, shape ``preds.shape[:-3]`` (real form), in the inputs' floating dtype.

    Raises:
        TypeError: if an input is not a tensor or ``zero_mean`` is not a bool.
        ValueError: if the shapes differ or the last (real) dimension is not of size 2.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import complex_scale_invariant_signal_noise_ratio
        >>> g = torch.Generator().manual_seed(1)
        >>> preds, target = torch.randn(1, 257, 10, 2, generator=g), torch.randn(1, 257, 10, 2, generator=g)
        >>> complex_scale_invariant_signal_noise_ratio(preds, target).shape
        torch.Size([1])
    """
    name = "complex_scale_invariant_signal_noise_ratio"
    _snr_arg_validation(name, zero_mean)
    p, t = _complex_snr_tensor_validation(name, preds, target)
    p, t, out = _complex_snr_format(p, t)
    return _si_sdr_values(p, t, zero_mean).to(out)
