"""`SignalNoiseRatio`, `ScaleInvariantSignalNoiseRatio`, `ComplexScaleInvariantSignalNoiseRatio`: mean over signals."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio.sdr import _si_sdr_values
from calipers.functional.audio.snr import (
    _complex_snr_format,
    _complex_snr_tensor_validation,
    _snr_arg_validation,
    _snr_format,
    _snr_tensor_validation,
    _snr_update,
)

__all__ = ["ComplexScaleInvariantSignalNoiseRatio", "ScaleInvariantSignalNoiseRatio", "SignalNoiseRatio"]


class SignalNoiseRatio(_MeanOfSignalValues):
    """Signal-to-noise ratio (dB), averaged over every signal.

    See :func:`calipers.functional.audio.signal_noise_ratio` for the inputs. States: the sum of the values and
    their count.

    Args:
        zero_mean: subtract each signal's mean first.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import SignalNoiseRatio
        >>> metric = SignalNoiseRatio()
        >>> metric(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(16.1805)
    """

    def __init__(self, zero_mean: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _snr_arg_validation(type(self).__name__, zero_mean)
        self.zero_mean = zero_mean

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the SNR of every signal of the batch."""
        p, t = _snr_tensor_validation(type(self).__name__, preds, target)
        self._check_devices(p, t)
        p, t, _ = _snr_format(p, t)
        self._fold(_snr_update(p, t, self.zero_mean))


class ScaleInvariantSignalNoiseRatio(_MeanOfSignalValues):
    """Scale-invariant signal-to-noise ratio (dB), averaged over every signal.

    See :func:`calipers.functional.audio.scale_invariant_signal_noise_ratio` for the inputs.

    Args:
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import ScaleInvariantSignalNoiseRatio
        >>> metric = ScaleInvariantSignalNoiseRatio()
        >>> metric(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(15.0918)
    """

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the SI-SNR of every signal of the batch."""
        p, t = _snr_tensor_validation(type(self).__name__, preds, target)
        self._check_devices(p, t)
        p, t, _ = _snr_format(p, t)
        self._fold(_si_sdr_values(p, t, True))


class ComplexScaleInvariantSignalNoiseRatio(_MeanOfSignalValues):
    """Complex scale-invariant signal-to-noise ratio (dB) of spectrograms, averaged over every spectrogram.

    See :func:`calipers.functional.audio.complex_scale_invariant_signal_noise_ratio` for the inputs.

    Args:
        zero_mean: subtract each flattened spectrogram's mean first.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import ComplexScaleInvariantSignalNoiseRatio
        >>> target = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]], [[2.0, -1.0], [1.0, 1.0]]]])  # (1, F=2, T=2, 2)
        >>> metric = ComplexScaleInvariantSignalNoiseRatio()
        >>> metric(target + torch.tensor([0.1, -0.2]), target)
        tensor(16.8206)
    """

    def __init__(self, zero_mean: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _snr_arg_validation(type(self).__name__, zero_mean)
        self.zero_mean = zero_mean

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the C-SI-SNR of every spectrogram of the batch."""
        p, t = _complex_snr_tensor_validation(type(self).__name__, preds, target)
        self._check_devices(p, t)
        p, t, _ = _complex_snr_format(p, t)
        self._fold(_si_sdr_values(p, t, self.zero_mean))
