"""`SignalDistortionRatio`, `ScaleInvariantSignalDistortionRatio`, `SourceAggregatedSignalDistortionRatio`."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio.sdr import (
    _sa_sdr_arg_validation,
    _sa_sdr_tensor_validation,
    _sa_sdr_update,
    _sdr_arg_validation,
    _sdr_format,
    _sdr_tensor_validation,
    _sdr_update,
    _si_sdr_arg_validation,
    _si_sdr_format,
    _si_sdr_tensor_validation,
    _si_sdr_update,
)

__all__ = [
    "ScaleInvariantSignalDistortionRatio",
    "SignalDistortionRatio",
    "SourceAggregatedSignalDistortionRatio",
]


class SignalDistortionRatio(_MeanOfSignalValues):
    """Signal-to-distortion ratio (dB, bss_eval's single-source definition), averaged over every signal.

    See :func:`calipers.functional.audio.signal_distortion_ratio` for the inputs and the arguments.

    Args:
        use_cg_iter: conjugate-gradient iterations (``None``: exact solve).
        filter_length: length of the distortion filter.
        zero_mean: subtract each signal's mean first.
        load_diag: added to the diagonal of the system.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import SignalDistortionRatio
        >>> g = torch.Generator().manual_seed(1)
        >>> target = torch.randn(2, 8000, generator=g)
        >>> metric = SignalDistortionRatio()
        >>> metric(target + 0.1 * torch.randn(2, 8000, generator=g), target).round(decimals=1)
        tensor(20.3000)
    """

    def __init__(
        self,
        use_cg_iter: int | None = None,
        filter_length: int = 512,
        zero_mean: bool = False,
        load_diag: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _sdr_arg_validation(type(self).__name__, use_cg_iter, filter_length, zero_mean, load_diag)
        self.use_cg_iter = use_cg_iter
        self.filter_length = filter_length
        self.zero_mean = zero_mean
        self.load_diag = load_diag

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the SDR of every signal of the batch."""
        p, t = _sdr_tensor_validation(type(self).__name__, preds, target, self.filter_length)
        self._check_devices(p, t)
        signals, _ = _sdr_format(p, t, self.zero_mean)
        self._fold(_sdr_update(signals, self.use_cg_iter, self.filter_length, self.load_diag))


class ScaleInvariantSignalDistortionRatio(_MeanOfSignalValues):
    """Scale-invariant signal-to-distortion ratio (dB), averaged over every signal.

    See :func:`calipers.functional.audio.scale_invariant_signal_distortion_ratio` for the inputs.

    Args:
        zero_mean: subtract each signal's mean first.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import ScaleInvariantSignalDistortionRatio
        >>> metric = ScaleInvariantSignalDistortionRatio()
        >>> metric(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(18.4030)
    """

    def __init__(self, zero_mean: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _si_sdr_arg_validation(type(self).__name__, zero_mean)
        self.zero_mean = zero_mean

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the SI-SDR of every signal of the batch."""
        p, t = _si_sdr_tensor_validation(type(self).__name__, preds, target)
        self._check_devices(p, t)
        p, t, _ = _si_sdr_format(p, t)
        self._fold(_si_sdr_update(p, t, self.zero_mean))


class SourceAggregatedSignalDistortionRatio(_MeanOfSignalValues):
    """Source-aggregated signal-to-distortion ratio (dB), averaged over every group of speakers.

    See :func:`calipers.functional.audio.source_aggregated_signal_distortion_ratio` for the inputs.

    Args:
        scale_invariant: one common optimal scale for all the speakers' references.
        zero_mean: subtract each signal's mean first.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import SourceAggregatedSignalDistortionRatio
        >>> target = torch.tensor([[3.0, -0.5, 2.0, 7.0], [1.0, 2.0, -1.0, 0.0]])
        >>> preds = torch.tensor([[2.5, 0.0, 2.0, 8.0], [1.0, 1.5, -1.0, 0.5]])
        >>> metric = SourceAggregatedSignalDistortionRatio()
        >>> metric(preds, target)
        tensor(16.4719)
    """

    def __init__(self, scale_invariant: bool = True, zero_mean: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _sa_sdr_arg_validation(type(self).__name__, scale_invariant, zero_mean)
        self.scale_invariant = scale_invariant
        self.zero_mean = zero_mean

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the SA-SDR of every group of the batch."""
        p, t = _sa_sdr_tensor_validation(type(self).__name__, preds, target)
        self._check_devices(p, t)
        p, t, _ = _si_sdr_format(p, t)
        self._fold(_sa_sdr_update(p, t, self.scale_invariant, self.zero_mean))
